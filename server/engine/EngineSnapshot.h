#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dsp/ChannelStatistics.h"
#include "server/advisor/AdvisoryRecord.h"
#include "server/engine/MeterPlan.h"

// What the worker hands to everyone else: plain, self-contained values (no pointers into the
// engine), built on the worker and then shared immutably (std::shared_ptr<const ...>) with the
// network, the statistics log and whatever publishes room summaries. No JSON here: SnapshotJson
// encodes it; the network encodes MeterFrame into its binary frames.
//
// Units are in the names. Levels in dB use minus infinity for "no signal" and NaN for "not yet
// known"; SnapshotJson turns both into null. "Since reset" names which command resets a value:
// resetPeaks (peak holds, clip latches, maximum peaks and the headroom derived from them),
// resetIntegratedLoudness (integrated loudness, LRA, loudness maxima, PLR), resetStatistics
// (everything accumulated: the two above plus channel statistics, time in range, noise floor,
// chain gain and bus sums). Counters never reset.
namespace headroom::server
{

// The fast meter readings of every meter channel, struct-of-arrays in meter-channel order (the
// plan's channel indices), published at the meter rate (up to 60 Hz). Peaks are the maxima since
// the previous frame: a network tier sending at a lower rate takes the max (and OR of the clip
// bits) over the frames since it last sent.
struct MeterFrame
{
    uint64_t frameSequence = 0;        // frames published (1 = the first)
    uint64_t lastRecordSequence = 0;   // sequence of the newest sub-block record included
    double audioSeconds = 0.0;         // audio metered when the frame was taken
    std::vector<float> samplePeakDbfs; // max |x| since the previous frame
    std::vector<float> truePeakDbtp;   // max true peak since the previous frame
    std::vector<float> rmsDbfs;        // sliding 300 ms RMS, session's convention
    std::vector<float> vuDbfs;         // VU needle, sine-peak calibrated dBFS (VU = vuDbfs - zeroVuDbfs)
    std::vector<float> ppmDbfs;        // max PPM reading since the previous frame
    std::vector<float> peakHoldDbtp;   // peak-hold reading (true peak)
    // bit 0: clip latched (until resetPeaks); bit 1: clip event since the previous frame
    std::vector<uint8_t> clipFlags;
};

inline constexpr uint8_t kClipLatchedFlag = 1;
inline constexpr uint8_t kClippedSinceLastFlag = 2;

// One channel of a tap.
struct ChannelStats
{
    double samplePeakDbfs = 0.0;    // max since the previous snapshot
    double truePeakDbtp = 0.0;      // max since the previous snapshot
    double rmsDbfs = 0.0;           // sliding 300 ms
    double vuDbfs = 0.0;            // VU needle, sine-peak calibrated dBFS
    double ppmDbfs = 0.0;           // max PPM reading since the previous snapshot
    double peakHoldDbtp = 0.0;      // peak-hold reading
    double maxSamplePeakDbfs = 0.0; // since resetPeaks
    double maxTruePeakDbtp = 0.0;   // since resetPeaks
    bool clipLatched = false;       // a clip event since resetPeaks
    bool clippedSinceLast = false;  // a clip event since the previous snapshot
    double rmsSinceResetDbfs = 0.0; // since resetStatistics, silence included
    double dcOffsetDbfs = 0.0;      // |mean| since resetStatistics
    uint64_t clippedSamples = 0;    // since resetStatistics
    uint64_t clipEvents = 0;        // since resetStatistics
    uint64_t nonFiniteSamples = 0;  // since resetStatistics
};

// Loudness of a tap's channel group (BS.1770 weights from its layout), EBU Mode.
struct LoudnessStats
{
    double momentaryLufs = 0.0;
    double shortTermLufs = 0.0;
    double integratedLufs = 0.0;  // since resetIntegratedLoudness; -inf until a gating block passes
    double loudnessRangeLu = 0.0; // NaN until a short-term value passes the gates
    double maxMomentaryLufs = 0.0;
    double maxShortTermLufs = 0.0;
    double integratedSeconds = 0.0;
    bool loudnessRangeStable = false;
    double plrDb = 0.0; // max true peak since resetIntegratedLoudness minus integrated loudness
    double psrDb = 0.0; // max true peak over the last 3 s minus short-term loudness
};

// A tap against its target range. Only active signal is counted (see StatisticsSettings).
struct TargetStats
{
    StageTarget target;
    // averageDbfs minus the nearest range edge; 0 inside; NaN without active signal
    double averageDistanceDb = 0.0;
    double headroomToTargetDb = 0.0; // peak target minus max true peak since resetPeaks (negative: over)
    double activeSeconds = 0.0;      // since resetStatistics
    double inRangeSeconds = 0.0;     // average within the range and peaks under the peak target
    double overSeconds = 0.0;        // average above the range or true peak above the peak target
    double underSeconds = 0.0;       // average below the range (peaks within)
    // sub-blocks whose true peak exceeded the peak target (part of overSeconds)
    double peakOverSeconds = 0.0;
};

struct TapStats
{
    std::size_t tapIndex = 0; // index in the plan
    std::string stage;
    bool isVirtual = false;
    std::size_t firstChannel = 0; // meter channel of channels[0]
    std::vector<ChannelStats> channels;
    double levelDbfs = 0.0;       // loudest channel's sliding 300 ms RMS
    double averageDbfs = 0.0;     // loudest channel's RMS over the last 10 s of active signal
    bool active = false;          // levelDbfs at or above the activity gate
    double maxTruePeakDbtp = 0.0; // since resetPeaks, all channels
    double headroomDb = 0.0;      // 0 dBFS minus maxTruePeakDbtp (+inf, i.e. null, for silence)
    // sample peak over plain RMS, loudest channel, last 10 s of active signal
    double crestFactorDb = 0.0;
    // 10th percentile of 400 ms RMS values since resetStatistics; NaN until 1 s
    double noiseFloorDbfs = 0.0;
    bool clipLatched = false; // any channel
    LoudnessStats loudness;
    std::optional<TargetStats> target;
};

// Plugin-chain gain: post_insert over pre_insert energy on the same sub-blocks, counted only while
// the pre-insert signal is active.
struct ChainStats
{
    std::size_t preInsertTap = 0;
    std::size_t postInsertTap = 0;
    double gainDb = 0.0;           // last 10 s of active signal; NaN before any
    double gainSinceResetDb = 0.0; // since resetStatistics
    double activeSeconds = 0.0;    // since resetStatistics
};

struct BusMemberStats
{
    std::string nodeId;
    std::string stage;
    std::size_t tapIndex = 0;
    // the member's level as it arrives at the bus (mean over bus channels), last 10 s active
    double levelDbfs = 0.0;
    double share = 0.0; // its share of the summed members' energy (shares add up to 1)
};

// Counted only while the summed members are active; last 10 s of active signal unless named otherwise.
struct BusStats
{
    std::size_t summedTap = 0;
    std::optional<std::size_t> measuredTap;
    std::vector<BusMemberStats> members;
    double predictedDbfs = 0.0;            // summed members, RMS (mean over channels)
    double measuredDbfs = 0.0;             // the tapped bus input; NaN when not tapped
    double measuredMinusPredictedDb = 0.0; // hidden gain or a routing mistake; NaN when not tapped
    // summed energy over the sum of member energies: 0 dB incoherent, +3 dB two equal coherent members
    double summingGainDb = 0.0;
    double summedTruePeakDbtp = 0.0; // since resetPeaks
    // 0 dBFS minus summedTruePeakDbtp: how close the sum comes to clipping
    double summedHeadroomDb = 0.0;
    double activeSeconds = 0.0; // since resetStatistics
};

struct NodeStats
{
    std::string id;
    NodeKind kind = NodeKind::channel;
    std::vector<TapStats> taps; // in plan order
    std::optional<ChainStats> chain;
    std::optional<BusStats> bus;
};

// Lifetime counters of the record stream (never reset).
struct EngineCounters
{
    uint64_t records = 0;          // sub-block records consumed
    uint64_t droppedRecords = 0;   // records the real-time side dropped (queue full), as it reported them
    uint64_t sequenceGaps = 0;     // sequence numbers missing in the stream (should equal droppedRecords)
    uint64_t xruns = 0;            // xruns the audio source reported
    uint64_t malformedRecords = 0; // records with the wrong channel count or rate, ignored
    uint64_t lastSequence = 0;     // sequence of the newest record consumed
};

// Liveness, filled by the worker (EngineStatistics alone has no clock).
struct EngineHealth
{
    // wall time since the newest record was consumed (since start before any)
    double lastRecordAgeSeconds = 0.0;
    // wall time since the audio callback count last advanced; NaN without a probe
    double lastCycleAgeSeconds = 0.0;
    bool sourceRunning = false;    // the audio source says it is running
    bool stalled = false;          // running, yet no audio callback for longer than the stall limit
    double workerCpuSeconds = 0.0; // CPU time the worker thread has used
};

struct EngineSnapshot
{
    uint64_t snapshotSequence = 0; // snapshots taken (1 = the first)
    uint32_t sampleRateHz = 0;
    double audioSeconds = 0.0;   // audio metered (dropped records excluded)
    int64_t wallClockUnixMs = 0; // when the worker took it; 0 from EngineStatistics alone
    dsp::RmsConvention rmsConvention = dsp::RmsConvention::aes17;
    double zeroVuDbfs = -18.0;
    EngineCounters counters;
    EngineHealth health;
    uint64_t lastCommandId = 0;   // highest command id applied (EngineWorker::submit)
    std::vector<NodeStats> nodes; // in order of first appearance in the plan
    // The gain-staging advisor's output (docs/ADVISOR.md), filled by whoever owns an Advisor (the
    // live engine's worker, the offline audit); empty from EngineStatistics alone.
    std::vector<AdvisoryRecord> advisories;        // raised and not cleared, in session order
    std::vector<AdvisoryRecord> clearedAdvisories; // the recently cleared ones, newest first
};

} // namespace headroom::server
