#include "server/engine/SnapshotJson.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace headroom::server
{

nlohmann::json roundedJson(double value, double step)
{
    if (!std::isfinite(value)) return nullptr;
    // Divide by the integer scale (not multiply by the step) so the result is the double nearest
    // the decimal and prints short: -12.01, never -12.010000000000002.
    const double scale = std::round(1.0 / step);
    const double rounded = std::round(value * scale) / scale;
    return rounded == 0.0 ? 0.0 : rounded; // no "-0.0"
}

nlohmann::json dbJson(double valueDb)
{
    return roundedJson(valueDb, 0.01);
}

namespace
{
nlohmann::json seconds(double s)
{
    return roundedJson(s, 0.01);
}

nlohmann::json optionalIndex(const std::optional<std::size_t>& i)
{
    return i ? nlohmann::json(*i) : nlohmann::json(nullptr);
}

nlohmann::json tapSummaryJson(const TapStats& t)
{
    // The slow part of a tap: what the log keeps and what the statistics stream shows next to meters.
    nlohmann::json j = {
        {"tap", t.tapIndex},
        {"stage", t.stage},
        {"virtual", t.isVirtual},
        {"level_dbfs", dbJson(t.levelDbfs)},
        {"average_dbfs", dbJson(t.averageDbfs)},
        {"active", t.active},
        {"max_true_peak_dbtp", dbJson(t.maxTruePeakDbtp)},
        {"headroom_db", dbJson(t.headroomDb)},
        {"crest_factor_db", dbJson(t.crestFactorDb)},
        {"noise_floor_dbfs", dbJson(t.noiseFloorDbfs)},
        {"clip_latched", t.clipLatched},
        {"loudness", t.loudness},
        {"target", t.target ? nlohmann::json(*t.target) : nlohmann::json(nullptr)},
    };
    return j;
}
} // namespace

void to_json(nlohmann::json& j, const StageTarget& t)
{
    j = {{"average_min_dbfs", dbJson(t.averageMinDbfs)},
         {"average_max_dbfs", dbJson(t.averageMaxDbfs)},
         {"peak_max_dbtp", dbJson(t.peakMaxDbfs)}};
}

void to_json(nlohmann::json& j, const ChannelStats& c)
{
    j = {{"sample_peak_dbfs", dbJson(c.samplePeakDbfs)},
         {"true_peak_dbtp", dbJson(c.truePeakDbtp)},
         {"rms_dbfs", dbJson(c.rmsDbfs)},
         {"vu_dbfs", dbJson(c.vuDbfs)},
         {"ppm_dbfs", dbJson(c.ppmDbfs)},
         {"peak_hold_dbtp", dbJson(c.peakHoldDbtp)},
         {"max_sample_peak_dbfs", dbJson(c.maxSamplePeakDbfs)},
         {"max_true_peak_dbtp", dbJson(c.maxTruePeakDbtp)},
         {"clip_latched", c.clipLatched},
         {"clipped_since_last", c.clippedSinceLast},
         {"rms_since_reset_dbfs", dbJson(c.rmsSinceResetDbfs)},
         {"dc_offset_dbfs", dbJson(c.dcOffsetDbfs)},
         {"clipped_samples", c.clippedSamples},
         {"clip_events", c.clipEvents},
         {"non_finite_samples", c.nonFiniteSamples}};
}

void to_json(nlohmann::json& j, const LoudnessStats& l)
{
    j = {{"momentary_lufs", dbJson(l.momentaryLufs)},
         {"short_term_lufs", dbJson(l.shortTermLufs)},
         {"integrated_lufs", dbJson(l.integratedLufs)},
         {"loudness_range_lu", dbJson(l.loudnessRangeLu)},
         {"max_momentary_lufs", dbJson(l.maxMomentaryLufs)},
         {"max_short_term_lufs", dbJson(l.maxShortTermLufs)},
         {"integrated_seconds", seconds(l.integratedSeconds)},
         {"loudness_range_stable", l.loudnessRangeStable},
         {"plr_db", dbJson(l.plrDb)},
         {"psr_db", dbJson(l.psrDb)}};
}

void to_json(nlohmann::json& j, const TargetStats& t)
{
    j = {{"range", t.target},
         {"average_distance_db", dbJson(t.averageDistanceDb)},
         {"headroom_to_target_db", dbJson(t.headroomToTargetDb)},
         {"active_seconds", seconds(t.activeSeconds)},
         {"in_range_seconds", seconds(t.inRangeSeconds)},
         {"over_seconds", seconds(t.overSeconds)},
         {"under_seconds", seconds(t.underSeconds)},
         {"peak_over_seconds", seconds(t.peakOverSeconds)}};
}

void to_json(nlohmann::json& j, const TapStats& t)
{
    j = tapSummaryJson(t);
    j["first_channel"] = t.firstChannel;
    j["channels"] = t.channels;
}

void to_json(nlohmann::json& j, const ChainStats& c)
{
    j = {{"pre_insert_tap", c.preInsertTap},
         {"post_insert_tap", c.postInsertTap},
         {"gain_db", dbJson(c.gainDb)},
         {"gain_since_reset_db", dbJson(c.gainSinceResetDb)},
         {"active_seconds", seconds(c.activeSeconds)}};
}

void to_json(nlohmann::json& j, const BusMemberStats& m)
{
    j = {{"node", m.nodeId},
         {"stage", m.stage},
         {"tap", m.tapIndex},
         {"level_dbfs", dbJson(m.levelDbfs)},
         {"share", roundedJson(m.share, 0.001)}};
}

void to_json(nlohmann::json& j, const BusStats& b)
{
    j = {{"summed_tap", b.summedTap},
         {"measured_tap", optionalIndex(b.measuredTap)},
         {"members", b.members},
         {"predicted_dbfs", dbJson(b.predictedDbfs)},
         {"measured_dbfs", dbJson(b.measuredDbfs)},
         {"measured_minus_predicted_db", dbJson(b.measuredMinusPredictedDb)},
         {"summing_gain_db", dbJson(b.summingGainDb)},
         {"summed_true_peak_dbtp", dbJson(b.summedTruePeakDbtp)},
         {"summed_headroom_db", dbJson(b.summedHeadroomDb)},
         {"active_seconds", seconds(b.activeSeconds)}};
}

void to_json(nlohmann::json& j, const NodeStats& n)
{
    j = {{"id", n.id},
         {"kind", std::string(toString(n.kind))},
         {"taps", n.taps},
         {"chain", n.chain ? nlohmann::json(*n.chain) : nlohmann::json(nullptr)},
         {"bus", n.bus ? nlohmann::json(*n.bus) : nlohmann::json(nullptr)}};
}

void to_json(nlohmann::json& j, const EngineCounters& c)
{
    j = {
        {"records", c.records}, {"dropped_records", c.droppedRecords},     {"sequence_gaps", c.sequenceGaps},
        {"xruns", c.xruns},     {"malformed_records", c.malformedRecords}, {"last_sequence", c.lastSequence}};
}

void to_json(nlohmann::json& j, const EngineHealth& h)
{
    j = {{"last_record_age_seconds", roundedJson(h.lastRecordAgeSeconds, 0.001)},
         {"last_cycle_age_seconds", roundedJson(h.lastCycleAgeSeconds, 0.001)},
         {"source_running", h.sourceRunning},
         {"stalled", h.stalled},
         {"worker_cpu_seconds", roundedJson(h.workerCpuSeconds, 0.001)}};
}

void to_json(nlohmann::json& j, const AdvisoryRecord& a)
{
    nlohmann::json evidence = nlohmann::json::array();
    for (const AdvisoryEvidence& e : a.evidence)
        evidence.push_back({{"label", e.label}, {"value", dbJson(e.value)}, {"unit", e.unit}});
    const bool cleared = !std::isnan(a.clearedAudioSeconds);
    j = {{"id", a.id},
         {"rule", a.rule},
         {"node", a.nodeId},
         {"tap", optionalIndex(a.tapIndex)},
         {"stage", a.stage},
         {"severity", std::string(toString(a.severity))},
         {"title", a.title},
         {"symptom", a.symptom},
         {"cause", a.cause},
         {"fix", a.fix},
         {"amount_db", dbJson(a.amountDb)},
         {"evidence", std::move(evidence)},
         {"raised_audio_seconds", seconds(a.raisedAudioSeconds)},
         {"raised_time", a.raisedUnixMs != 0 ? nlohmann::json(utcTimestamp(a.raisedUnixMs)) : nlohmann::json(nullptr)},
         {"cleared_audio_seconds", cleared ? seconds(a.clearedAudioSeconds) : nlohmann::json(nullptr)},
         {"cleared_time",
          a.clearedUnixMs != 0 ? nlohmann::json(utcTimestamp(a.clearedUnixMs)) : nlohmann::json(nullptr)}};
}

namespace
{
nlohmann::json snapshotHeaderJson(const EngineSnapshot& s)
{
    return {{"sequence", s.snapshotSequence},
            {"sample_rate_hz", s.sampleRateHz},
            {"audio_seconds", seconds(s.audioSeconds)},
            {"time", s.wallClockUnixMs != 0 ? nlohmann::json(utcTimestamp(s.wallClockUnixMs))
                                            : nlohmann::json(nullptr)},
            {"rms_convention", std::string(dsp::toString(s.rmsConvention))},
            {"zero_vu_dbfs", dbJson(s.zeroVuDbfs)},
            {"counters", s.counters},
            {"health", s.health},
            {"last_command_id", s.lastCommandId},
            {"advisories", s.advisories},
            {"cleared_advisories", s.clearedAdvisories}};
}
} // namespace

void to_json(nlohmann::json& j, const EngineSnapshot& s)
{
    j = snapshotHeaderJson(s);
    j["nodes"] = s.nodes;
}

namespace
{
// A node without the fast meters: each tap's summary and, per channel, what outlives a second.
nlohmann::json slowNodeJson(const NodeStats& node)
{
    nlohmann::json taps = nlohmann::json::array();
    for (const TapStats& t : node.taps)
    {
        nlohmann::json tap = tapSummaryJson(t);
        nlohmann::json channels = nlohmann::json::array();
        for (const ChannelStats& c : t.channels)
            channels.push_back({{"max_true_peak_dbtp", dbJson(c.maxTruePeakDbtp)},
                                {"rms_since_reset_dbfs", dbJson(c.rmsSinceResetDbfs)},
                                {"clip_events", c.clipEvents},
                                {"clipped_samples", c.clippedSamples}});
        tap["channels"] = std::move(channels);
        taps.push_back(std::move(tap));
    }
    nlohmann::json j = {
        {"id", node.id}, {"kind", std::string(toString(node.kind))}, {"taps", std::move(taps)}};
    j["chain"] = node.chain ? nlohmann::json(*node.chain) : nlohmann::json(nullptr);
    j["bus"] = node.bus ? nlohmann::json(*node.bus) : nlohmann::json(nullptr);
    return j;
}
} // namespace

nlohmann::json statisticsJson(const EngineSnapshot& s)
{
    nlohmann::json j = snapshotHeaderJson(s);
    nlohmann::json nodes = nlohmann::json::array();
    for (const NodeStats& n : s.nodes) nodes.push_back(slowNodeJson(n));
    j["nodes"] = std::move(nodes);
    return j;
}

nlohmann::json logLineJson(const EngineSnapshot& snapshot, const NodeStats& node)
{
    nlohmann::json n = slowNodeJson(node);
    nlohmann::json j;
    if (snapshot.wallClockUnixMs != 0) j["time"] = utcTimestamp(snapshot.wallClockUnixMs);
    j["audio_seconds"] = seconds(snapshot.audioSeconds);
    // The lifetime count, on every line: a reading taken across an xrun (a broken signal) shows
    // itself by the count having moved since the line before.
    j["xruns"] = snapshot.counters.xruns;
    j["node"] = node.id;
    j["kind"] = std::move(n["kind"]);
    j["taps"] = std::move(n["taps"]);
    if (node.chain) j["chain"] = std::move(n["chain"]);
    if (node.bus) j["bus"] = std::move(n["bus"]);
    return j;
}

std::string utcTimestamp(int64_t unixMs)
{
    if (unixMs == 0) return {};
    const std::time_t seconds = static_cast<std::time_t>(unixMs / 1000);
    const int millis = static_cast<int>(unixMs % 1000);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
    return buffer;
}

} // namespace headroom::server
