#pragma once

#include "dsp/ChannelLayout.h"
#include "dsp/ChannelStatistics.h"
#include "dsp/PpmBallistics.h"
#include "server/engine/MeterPlan.h" // NodeKind and toString(NodeKind), shared with the meter plan

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

// The session: a studio's signal flow as DESIGN.md §2 draws it, read from a session file
// (docs/SESSION.md) by SessionParser. Plain values, no JSON: the parser has already applied every
// default and merged every target override, so consumers (the live engine, the offline audit,
// `headroom check`) never look anything up twice. SessionTopology derives the graph views (taps,
// bus members, virtual buses, order). Built once at [setup]; immutable afterwards; [any] may read.
namespace headroom::server
{

enum class InsertKind : uint8_t
{
    eq,
    compressor,
    saturation, // analog-modelled processors too: tape, tube, console emulations
    limiter,
    other,
};

// The metering points along a node, in signal order (DESIGN.md §2).
enum class TapStage : uint8_t
{
    input,       // channel: what the interface delivers
    preInsert,   // after trim, entering the plugin chain (a bus: its input; the master: the mix bus)
    insertInput, // the input of one insert (Insert::tap)
    postInsert,  // leaving the plugin chain
    postFader,   // after the fader: what the node sends to its destination
    output,      // master only: what leaves the studio
};

// Where a tap's signal comes from: full JACK port names (live) or an audio file (offline audit).
struct TapSource
{
    enum class Kind : uint8_t
    {
        ports,
        file,
    };
    Kind kind = Kind::ports;
    std::vector<std::string> ports; // kind == ports: one "client:port" name per channel, in channel order
    std::string file;               // kind == file: resolved against the session file's directory
    std::string jsonPath;           // JSON pointer of the tap in the session file, for later messages
};

struct Insert
{
    std::string name;
    InsertKind kind = InsertKind::other;
    std::optional<TapSource> tap; // the insert's input, when tapped
};

// Targets per stage (DESIGN.md §4, from reference/gain-staging-guide.txt). Levels are dBFS in the
// session's RMS convention (AES17 by default: a sine reads its peak level).
struct InputTargets // recording: the input tap
{
    double averageMinDbfs = -18.0;
    double averageMaxDbfs = -12.0;
    double peakMaxDbfs = -6.0;
};

struct LevelTargets // entering a plugin (plugin_input) or a bus (bus_input)
{
    double averageDbfs = -18.0; // 0 VU
    double toleranceDb = 3.0;   // +/- around averageDbfs
};

struct PluginChainTargets // post_insert minus pre_insert
{
    double maxGainDb = 3.0;
};

struct MixBusTargets // the master's pre_insert: the mix bus before any mastering processing
{
    double peakMaxDbfs = -6.0;
    double averageDbfs = -18.0;
    double toleranceDb = 3.0;
};

struct DeliveryTargets // the master's output when it is a mix delivered to mastering
{
    double peakMinDbfs = -6.0;
    double peakMaxDbfs = -3.0;
    double integratedMinLufs = -18.0;
    double integratedMaxLufs = -16.0;
};

struct StreamingTargets // the master's output when it is mastered (informative)
{
    double spotifyLufs = -14.0;
    double appleMusicLufs = -16.0;
    double youtubeLufs = -16.0; // the guide's figure
};

struct Targets
{
    InputTargets input;
    LevelTargets pluginInput;
    PluginChainTargets pluginChain;
    LevelTargets busInput;
    MixBusTargets mixBus;
    DeliveryTargets delivery;
    StreamingTargets streaming;
};

// The advisor's hysteresis: a condition must hold raiseAfterS before its advisory appears and be
// gone for clearAfterS before it disappears, so advisories do not flap.
struct AdvisorTiming
{
    double raiseAfterS = 3.0;
    double clearAfterS = 10.0;
};

struct Reference
{
    double zeroVuDbfs = -18.0;                          // digital level of 0 VU (sine peak)
    dsp::RmsConvention rms = dsp::RmsConvention::aes17; // RMS readings and average targets
    dsp::PpmType ppm = dsp::PpmType::typeIIa;           // PPM dynamics of every tap
    double clipThresholdDbfs = 0.0;                     // |x| at or above this is a clipped sample
    uint32_t minClipRun = 3;                            // consecutive clipped samples that make a clip event
};

// A channel, a bus or the master. Which taps a node may have depends on its kind:
// channel input/preInsert/postInsert/postFader; bus preInsert/postInsert/postFader;
// master preInsert/output. Per-insert taps live in inserts.
struct Node
{
    NodeKind kind = NodeKind::channel;
    std::string id;                       // unique over channels, buses and "master"
    std::string label;                    // for people; defaults to the id ("Master" for the master)
    std::size_t numChannels = 1;          // every tap of the node has this many channels
    std::vector<dsp::ChannelRole> layout; // numChannels roles (loudness weights)
    std::string destination;     // channel `bus` / bus `to`: a bus id or "master"; empty for the master
    std::vector<Insert> inserts; // in signal order
    std::optional<TapSource> input;
    std::optional<TapSource> preInsert;
    std::optional<TapSource> postInsert;
    std::optional<TapSource> postFader;
    std::optional<TapSource> output;
    bool mastered = false; // master only: the output is a mastered product
    Targets targets;       // resolved: defaults <- session `targets` <- node `targets`
    std::string notes;     // free text from the file, not interpreted
    std::string jsonPath;  // "/channels/3", "/buses/0", "/master"
};

struct Session
{
    std::string sourceName;    // the file name as given (messages start with it)
    std::string baseDirectory; // relative file taps were resolved against
    std::string name;
    std::string room;
    std::string notes;
    Reference reference;
    Targets targets; // session-wide: defaults <- `targets`
    AdvisorTiming advisor;
    std::vector<Node> channels;
    std::vector<Node> buses;
    Node master;
};

// The id of the master section, reserved: no channel or bus may use it.
inline constexpr std::string_view kMasterId = "master";

// A session file that cannot be used. what() is one line per problem, each
// "FILE: JSON_POINTER: what was expected[, got ...]" (or "FILE: line L, column C: ..." for JSON
// syntax errors); errors() holds the same lines one by one.
class SessionError : public std::runtime_error
{
public:
    explicit SessionError(std::vector<std::string> errors);
    [[nodiscard]] const std::vector<std::string>& errors() const noexcept { return errors_; }

private:
    std::vector<std::string> errors_;
};

[[nodiscard]] std::string_view toString(InsertKind kind) noexcept;
[[nodiscard]] std::optional<InsertKind> insertKindFromString(std::string_view name) noexcept;
// [any] "input", "pre_insert", "insert", "post_insert", "post_fader", "output" (the file's keys).
[[nodiscard]] std::string_view toString(TapStage stage) noexcept;

// [any] A channel or bus by id, or the master for "master"; nullptr when there is none.
[[nodiscard]] const Node* findNode(const Session& session, std::string_view id) noexcept;

} // namespace headroom::server
