#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "proto/Protocol.h"

// The JSON messages the server sends (PROTOCOL.md "Server messages"), as plain values. proto owns
// these shapes so that it depends on nothing of the server: server/ fills them from its Session,
// MeterPlan and EngineSnapshot, JsonMessages encodes them. Strings that name things of the session
// (node kinds, stages, insert kinds, layout roles) are the session file's own names.
//
// Numbers: dB, LUFS and LU are rounded to 0.01 on the wire, seconds to 0.01, shares to 0.001;
// NaN ("not known yet") and infinities are sent as null. Use NaN in these structs for "null".
namespace headroom::proto
{

// ---- topology ----------------------------------------------------------------------------------

// A target range (the guide's): average in the session's RMS convention, peaks as true peak.
struct StageTarget
{
    double averageMinDbfs = -21.0;
    double averageMaxDbfs = -15.0;
    double peakMaxDbtp = 0.0;
};

// A metering point: `channels` consecutive meter channels from `firstChannel`.
struct Tap
{
    uint32_t index = 0; // position in Topology::taps
    std::string node;   // node id
    std::string stage;  // input, pre_insert, insert:<n>, post_insert, post_fader, output, summed_members
    uint32_t firstChannel = 0;
    uint32_t numChannels = 0;
    std::vector<std::string> layout;   // one role per channel: M L R C LFE Ls Rs Lss Rss Lrs Rrs
    bool isVirtual = false;            // computed as the sum of `members` (a bus nobody tapped)
    std::vector<uint32_t> members;     // virtual taps: the taps summed
    bool connected = true;             // every port of the tap exists and is connected (virtual: all members)
    std::optional<StageTarget> target; // the range this tap is judged against; none for post_insert etc.
};

struct Insert
{
    std::string name;
    std::string kind;            // eq, compressor, saturation, limiter, other
    std::optional<uint32_t> tap; // the insert's input tap, when tapped
};

struct DeliveryTargets // a mix delivered to mastering
{
    double peakMinDbtp = -6.0;
    double peakMaxDbtp = -3.0;
    double integratedMinLufs = -18.0;
    double integratedMaxLufs = -16.0;
};

struct StreamingTarget // a mastered output (informative)
{
    std::string service; // "Spotify"
    double integratedLufs = -14.0;
};

struct MasterTargets
{
    bool mastered = false; // false: judged against `delivery`; true: `streaming` is informative
    DeliveryTargets delivery;
    std::vector<StreamingTarget> streaming;
};

struct Node
{
    std::string id;
    std::string kind; // channel, bus, master
    std::string label;
    uint32_t numChannels = 1;
    std::vector<std::string> layout;
    std::string destination;     // bus id or "master"; empty for the master (null on the wire)
    std::vector<Insert> inserts; // signal order
    std::vector<uint32_t> taps;  // indices into Topology::taps, signal order
    double maxChainGainDb = std::numeric_limits<double>::quiet_NaN(); // plugin_chain target; NaN: none
    std::optional<MasterTargets> masterTargets;                       // the master only
};

// Signal flow between nodes: a node's post-fader output feeds `to`.
struct Edge
{
    std::string from;
    std::string to;
};

struct Chain // a plugin chain: the same node before (pre_insert) and after (post_insert) its inserts
{
    std::string node;
    uint32_t preInsertTap = 0;
    uint32_t postInsertTap = 0;
};

struct Bus // a bus (or the master) whose input is the sum of member taps
{
    std::string node;
    uint32_t summedTap = 0;              // virtual tap of the sum
    std::optional<uint32_t> measuredTap; // the tapped bus input, to compare with the sum
    std::vector<std::string> members;    // member node ids
};

struct Topology
{
    uint32_t version = 1; // increases with every change; meter frames name the version they belong to
    uint32_t numMeterChannels = 0;
    std::vector<Node> nodes; // channels, buses, master
    std::vector<Edge> edges;
    std::vector<Tap> taps; // in meter-channel order
    std::vector<Chain> chains;
    std::vector<Bus> buses;
};

// Why a topology is inconsistent (tap indices, channel numbering, references), or "".
[[nodiscard]] std::string checkTopology(const Topology& topology);

// ---- hello -------------------------------------------------------------------------------------

enum class Role : uint8_t
{
    viewer,  // meters and statistics
    control, // also commands
};

struct ServerInfo
{
    std::string name;    // the configured server name (or the host name)
    std::string version; // Headroom's version
};

struct Reference
{
    double zeroVuDbfs = -18.0;
    std::string rms = "aes17";    // or "plain"
    std::string ppm = "type_iia"; // or "type_i"
};

struct Hello
{
    ServerInfo server;
    std::string room;
    std::string session; // the session's name
    uint32_t sampleRateHz = 48000;
    std::optional<uint32_t> periodFrames; // the JACK period; none for a file source
    uint64_t serverTimeUs = 0;            // µs since the Unix epoch, when hello was sent
    Role role = Role::viewer;
    uint32_t statsRateHz = kDefaultStatsRateHz;
    uint16_t meterFields = kDefaultMeterFields; // what frames carry unless a subscription names fields
    Reference reference;
    Topology topology;
};

// ---- stats -------------------------------------------------------------------------------------

struct LoudnessStats
{
    double momentaryLufs = 0.0;
    double shortTermLufs = 0.0;
    double integratedLufs = 0.0; // since reset_integrated_loudness
    double loudnessRangeLu = 0.0;
    double maxMomentaryLufs = 0.0;
    double maxShortTermLufs = 0.0;
    double integratedSeconds = 0.0;
    bool loudnessRangeStable = false;
    double plrDb = 0.0;
    double psrDb = 0.0;
};

struct TargetStats
{
    double averageDistanceDb = 0.0;  // recent average minus the nearest range edge; 0 inside
    double headroomToTargetDb = 0.0; // peak target minus max true peak (negative: over)
    double activeSeconds = 0.0;
    double inRangeSeconds = 0.0;
    double overSeconds = 0.0;
    double underSeconds = 0.0;
    double peakOverSeconds = 0.0;
};

struct ChannelStats
{
    double maxTruePeakDbtp = 0.0; // since reset_peaks
    double rmsSinceResetDbfs = 0.0;
    uint64_t clipEvents = 0;
    uint64_t clippedSamples = 0;
};

struct TapStats
{
    uint32_t tap = 0;
    double levelDbfs = 0.0;   // loudest channel, sliding 300 ms RMS
    double averageDbfs = 0.0; // loudest channel, last 10 s of active signal
    bool active = false;
    double maxTruePeakDbtp = 0.0;
    double headroomDb = 0.0; // 0 dBFS minus max true peak
    double crestFactorDb = 0.0;
    double noiseFloorDbfs = 0.0;
    bool clipLatched = false;
    LoudnessStats loudness;
    std::optional<TargetStats> target;
    std::vector<ChannelStats> channels;
};

struct ChainStats
{
    double gainDb = 0.0; // post_insert minus pre_insert, last 10 s active
    double gainSinceResetDb = 0.0;
    double activeSeconds = 0.0;
};

struct BusMemberStats
{
    std::string node;
    uint32_t tap = 0;
    double levelDbfs = 0.0;
    double share = 0.0; // of the summed members' energy; shares add up to 1
};

struct BusStats
{
    std::vector<BusMemberStats> members;
    double predictedDbfs = 0.0;
    double measuredDbfs = 0.0;
    double measuredMinusPredictedDb = 0.0;
    double summingGainDb = 0.0;
    double summedTruePeakDbtp = 0.0;
    double summedHeadroomDb = 0.0;
    double activeSeconds = 0.0;
};

struct NodeStats
{
    std::string id;
    std::vector<TapStats> taps;
    std::optional<ChainStats> chain;
    std::optional<BusStats> bus;
};

struct Counters // never reset
{
    uint64_t records = 0;
    uint64_t droppedRecords = 0;
    uint64_t sequenceGaps = 0;
    uint64_t xruns = 0;
    uint64_t malformedRecords = 0;
};

struct Health
{
    bool sourceRunning = false;
    bool stalled = false;
    double lastRecordAgeSeconds = 0.0;
};

enum class Severity : uint8_t
{
    info,
    warning,
    critical,
};

// One measured value behind an advisory ("average (last 10 s)", -9.2, "dBFS").
struct Evidence
{
    std::string label;
    double value = 0.0;
    std::string unit; // dBFS, dBTP, dB, LUFS, LU, s, %
};

// The guide's "symptom -> most likely cause -> fix", about one node.
struct Advisory
{
    std::string id;   // stable while the condition lasts: "<rule>:<node>[:<tap>]"
    std::string rule; // recording_too_hot, plugin_input_too_hot, gain_stacking, bus_input_too_hot, ...
    std::string node;
    std::optional<uint32_t> tap;
    Severity severity = Severity::warning;
    std::string title;                                          // "Plugin input too hot"
    std::string symptom;                                        // what the meter shows
    std::string cause;                                          // the most likely cause
    std::string fix;                                            // what to do, with the amount
    double amountDb = std::numeric_limits<double>::quiet_NaN(); // the correction, NaN: none
    std::vector<Evidence> evidence;
    uint64_t raisedTimeUs = 0; // server time the advisory appeared
};

struct Stats
{
    uint64_t sequence = 0;
    uint32_t topologyVersion = 0;
    uint64_t serverTimeUs = 0;
    double audioSeconds = 0.0;
    Counters counters;
    Health health;
    std::vector<NodeStats> nodes;     // the subscribed nodes
    std::vector<Advisory> advisories; // all current advisories
};

// ---- replies and notices -----------------------------------------------------------------------

struct Ack
{
    uint64_t id = 0;
    std::string request; // "subscribe" or the command name
};

struct ErrorReply
{
    std::optional<uint64_t> id; // the request's id when it had a readable one
    ErrorCode code = ErrorCode::badMessage;
    std::string message;
};

// The server changed a connection's meter rate (a slow link was downgraded, or recovered).
struct RateNotice
{
    uint32_t rateHz = kDefaultMeterRateHz;
    std::string reason; // "slow_client", "recovered"
};

} // namespace headroom::proto
