#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/RoomSummary.h"

// The lab hub's picture of every room (docs/LAB.md), built from the broker's messages: the latest
// summary per room, its topology (dashboard link), live/offline from the retained status (the last
// will) and from staleness (no summary for 5 s), and every exercise run's latest result for the CSV
// export. Produces the JSON the overview page reads ("room" tiles, proto/ROOM_SUMMARY.md, "Hub to
// browser"), each encoded once for all viewers. No sockets, no clock of its own: the caller passes
// the time. Threads: [net] only (MQTT messages are posted to the network thread first).
namespace headroom::server::lab
{

inline constexpr std::chrono::milliseconds kRoomStaleAfter{5000};

class LabRooms
{
public:
    using Clock = std::chrono::steady_clock;

    // A broker message. Returns the room's new tile message to broadcast, or nullopt (ignored,
    // malformed or nothing visible changed). `error` gets the reason a message was refused.
    std::optional<std::string> onMessage(std::string_view topic, std::string_view payload, Clock::time_point now,
                                         int64_t nowUnixMs, std::string* error = nullptr);
    // Rooms whose summaries stopped: marked offline; their tile messages.
    std::vector<std::string> expire(Clock::time_point now);

    // {"type":"rooms","rooms":[tile, ...]} sorted by site and room.
    [[nodiscard]] std::string snapshotMessage() const;
    // Every exercise run seen: site,room,run,exercise,state,score,held_s,elapsed_s,target,message,updated
    [[nodiscard]] std::string resultsCsv() const;
    // "site/room" of every known room.
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> rooms() const;
    [[nodiscard]] std::size_t roomCount() const noexcept { return rooms_.size(); }
    [[nodiscard]] std::size_t liveCount() const;

private:
    struct Room
    {
        std::string site, room;
        bool statusOnline = false;  // retained status topic
        bool live = false;          // online and summaries arriving
        std::string dashboardUrl, sessionName;
        std::string summaryJson;    // the last valid summary, as received
        std::optional<proto::lab::RoomSummary> summary;
        Clock::time_point lastSummary{};
        int64_t lastSummaryUnixMs = 0; // receipt time at the hub
        std::string tile;           // the last tile message
    };
    struct Result
    {
        std::string site, room;
        uint64_t run = 0;
        proto::lab::ExerciseState exercise;
        int64_t updatedUnixMs = 0;
    };

    std::string makeTile(const Room& room) const;

    std::map<std::string, Room> rooms_;                              // "site/room"
    std::map<std::tuple<std::string, std::string, uint64_t>, Result> results_; // (site, room, run)
};

} // namespace headroom::server::lab
