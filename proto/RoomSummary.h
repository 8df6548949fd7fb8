#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/Result.h"

// The lab's MQTT messages (proto/ROOM_SUMMARY.md, normative): what a room (`headroom serve
// --mqtt`) publishes and what the lab hub (`headroom hub`) reads, and the command the hub sends a
// room. Compact JSON text, version 1. Encoders never throw on the values' contents (non-finite
// numbers become null); decoders take untrusted text (anyone on the broker can publish) and never
// throw: a malformed message is an error string. Pure functions: [any].
namespace headroom::proto::lab
{

inline constexpr int kRoomFormatVersion = 1;
inline constexpr std::size_t kMaxRoomMessageBytes = 256 * 1024;
inline constexpr std::string_view kTopicRoot = "headroom/v1";

// One metered node of the room (its most telling tap: input for a channel with one, else
// pre_insert; master and buses pre_insert), against its target.
struct NodeSummary
{
    std::string id;
    std::string kind;  // channel, bus, master
    std::string stage; // the tap summarised
    std::optional<double> levelDbfs;   // sliding 300 ms RMS
    std::optional<double> averageDbfs; // last 10 s of active signal
    std::optional<double> truePeakDbtp; // max since the room's peak reset
    std::optional<double> headroomDb;   // 0 dBFS minus that peak
    std::string state; // "in", "over", "under" (against its target), "idle" (no signal), "none" (no target)
};

struct AdvisorySummary
{
    std::string id;
    std::string severity; // info, warning, critical
    std::string nodeId;
    std::string title;
};

struct MasterSummary
{
    std::optional<double> momentaryLufs;
    std::optional<double> shortTermLufs;
    std::optional<double> integratedLufs;
    std::optional<double> truePeakDbtp; // max since reset
    std::optional<double> headroomDb;
};

// One line of an exercise's checklist (exercise 2: a channel; 1 and 3: the measured quantities).
struct ExerciseItem
{
    std::string id;
    std::optional<double> valueDbfs;
    bool ok = false;
    std::string note;
};

struct ExerciseState
{
    int number = 0;             // 1, 2, 3; 0 none selected
    std::string state = "idle"; // idle, running, passed, failed, stopped
    double score = 0.0;         // 0..100
    double progress = 0.0;      // 0..1 of the hold time
    double heldSeconds = 0.0;   // audio seconds the pass condition has held
    double elapsedSeconds = 0.0; // audio seconds since start
    std::string target;         // exercise 1: the tap ("vocal/input"); else ""
    std::string message;        // the live feedback line
    std::vector<ExerciseItem> items;
    uint64_t runId = 0;         // increases at every start (results rows key on it)
};

struct RoomSummary
{
    std::string site;
    std::string room;
    uint64_t sequence = 0;    // summaries published by this process (1 = first)
    int64_t timeUnixMs = 0;   // when the room built it (update age = receipt minus this)
    double audioSeconds = 0.0;
    bool audioRunning = false; // the audio source is connected and advancing
    std::vector<NodeSummary> nodes;
    MasterSummary master;
    std::vector<AdvisorySummary> advisories; // active ones, most severe first
    ExerciseState exercise;
};

// Retained: what the room meters and where its own dashboard is.
struct RoomTopology
{
    std::string site;
    std::string room;
    std::string sessionName;
    std::string dashboardUrl; // "" unknown
    struct Node
    {
        std::string id;
        std::string kind;
        std::string label;
    };
    std::vector<Node> nodes;
};

// Retained; the broker publishes the last will {"state":"offline"} when the room vanishes.
struct RoomStatus
{
    bool online = false;
    int64_t timeUnixMs = 0; // 0 in the last will (the broker publishes it, not the room)
};

// Hub -> room: control of the lab exercise.
struct RoomCommand
{
    std::string action;       // start, stop, reset
    int exercise = 0;         // 1..3 (start); 0 for stop/reset: the current one
    std::string target;       // exercise 1: the tap "node/stage"; "" the room's first input tap
    double holdSeconds = 0.0; // 0: the exercise's default
    double limitSeconds = 0.0; // 0: the exercise's default; not passed by then: failed
    uint64_t id = 0;          // hub's command id (echoed nowhere; for logs)
};

[[nodiscard]] std::string encodeRoomSummary(const RoomSummary& summary);
[[nodiscard]] std::string encodeRoomTopology(const RoomTopology& topology);
[[nodiscard]] std::string encodeRoomStatus(const RoomStatus& status);
[[nodiscard]] std::string encodeRoomCommand(const RoomCommand& command);

[[nodiscard]] Result<RoomSummary, std::string> decodeRoomSummary(std::string_view text);
[[nodiscard]] Result<RoomTopology, std::string> decodeRoomTopology(std::string_view text);
[[nodiscard]] Result<RoomStatus, std::string> decodeRoomStatus(std::string_view text);
[[nodiscard]] Result<RoomCommand, std::string> decodeRoomCommand(std::string_view text);

// Topics: headroom/v1/<site>/<room>/<kind>, kind one of summary, topology, status, command.
[[nodiscard]] std::string roomTopic(std::string_view site, std::string_view room, std::string_view kind);
struct TopicParts
{
    std::string site;
    std::string room;
    std::string kind;
};
// [any] nullopt unless the topic is exactly root/site/room/kind.
[[nodiscard]] std::optional<TopicParts> parseRoomTopic(std::string_view topic);
// [any] A site or room name: 1..64 of [A-Za-z0-9_.-] (no MQTT wildcards or separators).
[[nodiscard]] bool validRoomName(std::string_view name) noexcept;

} // namespace headroom::proto::lab
