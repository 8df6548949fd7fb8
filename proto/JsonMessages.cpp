#include "proto/JsonMessages.h"

#include <cmath>

#include <nlohmann/json.hpp>

// Server -> client messages. ordered_json keeps the keys in the order PROTOCOL.md documents them
// ("type" first), which also makes the output byte-stable for the golden fixtures.
namespace headroom::proto
{

namespace
{

using Json = nlohmann::ordered_json;

Json rounded(double value, double step)
{
    if (!std::isfinite(value)) return nullptr;
    // Divide by the integer scale (not multiply by the step) so the result is the double nearest
    // the decimal and prints short: -12.01, never -12.010000000000002.
    const double scale = std::round(1.0 / step);
    const double r = std::round(value * scale) / scale;
    return r == 0.0 ? 0.0 : r; // no "-0.0"
}

Json db(double valueDb) // dB, dBFS, dBTP, LUFS, LU
{
    return rounded(valueDb, 0.01);
}

Json seconds(double s)
{
    return rounded(s, 0.01);
}

template <typename T>
Json optionalValue(const std::optional<T>& v)
{
    return v ? Json(*v) : Json(nullptr);
}

Json stringOrNull(const std::string& s)
{
    return s.empty() ? Json(nullptr) : Json(s);
}

std::string dump(const Json& j)
{
    return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json targetJson(const StageTarget& t)
{
    return {{"average_min_dbfs", db(t.averageMinDbfs)},
            {"average_max_dbfs", db(t.averageMaxDbfs)},
            {"peak_max_dbtp", db(t.peakMaxDbtp)}};
}

Json tapJson(const Tap& t)
{
    return {{"index", t.index},          {"node", t.node},
            {"stage", t.stage},          {"first_channel", t.firstChannel},
            {"channels", t.numChannels}, {"layout", t.layout},
            {"virtual", t.isVirtual},    {"members", t.members},
            {"connected", t.connected},  {"target", t.target ? targetJson(*t.target) : Json(nullptr)}};
}

Json masterTargetsJson(const MasterTargets& m)
{
    Json streaming = Json::array();
    for (const StreamingTarget& s : m.streaming)
        streaming.push_back({{"service", s.service}, {"integrated_lufs", db(s.integratedLufs)}});
    return {{"mastered", m.mastered},
            {"delivery",
             {{"peak_min_dbtp", db(m.delivery.peakMinDbtp)},
              {"peak_max_dbtp", db(m.delivery.peakMaxDbtp)},
              {"integrated_min_lufs", db(m.delivery.integratedMinLufs)},
              {"integrated_max_lufs", db(m.delivery.integratedMaxLufs)}}},
            {"streaming", std::move(streaming)}};
}

Json nodeJson(const Node& n)
{
    Json inserts = Json::array();
    for (const Insert& i : n.inserts)
        inserts.push_back({{"name", i.name}, {"kind", i.kind}, {"tap", optionalValue(i.tap)}});
    return {{"id", n.id},
            {"kind", n.kind},
            {"label", n.label},
            {"channels", n.numChannels},
            {"layout", n.layout},
            {"destination", stringOrNull(n.destination)},
            {"inserts", std::move(inserts)},
            {"taps", n.taps},
            {"max_chain_gain_db", db(n.maxChainGainDb)},
            {"master_targets", n.masterTargets ? masterTargetsJson(*n.masterTargets) : Json(nullptr)}};
}

Json topologyJson(const Topology& t)
{
    Json nodes = Json::array();
    for (const Node& n : t.nodes) nodes.push_back(nodeJson(n));
    Json edges = Json::array();
    for (const Edge& e : t.edges) edges.push_back({{"from", e.from}, {"to", e.to}});
    Json taps = Json::array();
    for (const Tap& tap : t.taps) taps.push_back(tapJson(tap));
    Json chains = Json::array();
    for (const Chain& c : t.chains)
        chains.push_back(
            {{"node", c.node}, {"pre_insert_tap", c.preInsertTap}, {"post_insert_tap", c.postInsertTap}});
    Json buses = Json::array();
    for (const Bus& b : t.buses)
        buses.push_back({{"node", b.node},
                         {"summed_tap", b.summedTap},
                         {"measured_tap", optionalValue(b.measuredTap)},
                         {"members", b.members}});
    return {{"version", t.version},      {"num_meter_channels", t.numMeterChannels},
            {"nodes", std::move(nodes)}, {"edges", std::move(edges)},
            {"taps", std::move(taps)},   {"chains", std::move(chains)},
            {"buses", std::move(buses)}};
}

Json fieldsJson(uint16_t fields)
{
    Json names = Json::array();
    for (std::size_t f = 0; f < kNumMeterFields; ++f)
        if ((fields & fieldBit(static_cast<MeterField>(f))) != 0)
            names.push_back(std::string(toString(static_cast<MeterField>(f))));
    return names;
}

Json loudnessJson(const LoudnessStats& l)
{
    return {{"momentary_lufs", db(l.momentaryLufs)},
            {"short_term_lufs", db(l.shortTermLufs)},
            {"integrated_lufs", db(l.integratedLufs)},
            {"loudness_range_lu", db(l.loudnessRangeLu)},
            {"max_momentary_lufs", db(l.maxMomentaryLufs)},
            {"max_short_term_lufs", db(l.maxShortTermLufs)},
            {"integrated_seconds", seconds(l.integratedSeconds)},
            {"loudness_range_stable", l.loudnessRangeStable},
            {"plr_db", db(l.plrDb)},
            {"psr_db", db(l.psrDb)}};
}

Json targetStatsJson(const TargetStats& t)
{
    return {
        {"average_distance_db", db(t.averageDistanceDb)}, {"headroom_to_target_db", db(t.headroomToTargetDb)},
        {"active_seconds", seconds(t.activeSeconds)},     {"in_range_seconds", seconds(t.inRangeSeconds)},
        {"over_seconds", seconds(t.overSeconds)},         {"under_seconds", seconds(t.underSeconds)},
        {"peak_over_seconds", seconds(t.peakOverSeconds)}};
}

Json tapStatsJson(const TapStats& t)
{
    Json channels = Json::array();
    for (const ChannelStats& c : t.channels)
        channels.push_back({{"max_true_peak_dbtp", db(c.maxTruePeakDbtp)},
                            {"rms_since_reset_dbfs", db(c.rmsSinceResetDbfs)},
                            {"clip_events", c.clipEvents},
                            {"clipped_samples", c.clippedSamples}});
    return {{"tap", t.tap},
            {"level_dbfs", db(t.levelDbfs)},
            {"average_dbfs", db(t.averageDbfs)},
            {"active", t.active},
            {"max_true_peak_dbtp", db(t.maxTruePeakDbtp)},
            {"headroom_db", db(t.headroomDb)},
            {"crest_factor_db", db(t.crestFactorDb)},
            {"noise_floor_dbfs", db(t.noiseFloorDbfs)},
            {"clip_latched", t.clipLatched},
            {"loudness", loudnessJson(t.loudness)},
            {"target", t.target ? targetStatsJson(*t.target) : Json(nullptr)},
            {"channels", std::move(channels)}};
}

Json busStatsJson(const BusStats& b)
{
    Json members = Json::array();
    for (const BusMemberStats& m : b.members)
        members.push_back({{"node", m.node},
                           {"tap", m.tap},
                           {"level_dbfs", db(m.levelDbfs)},
                           {"share", rounded(m.share, 0.001)}});
    return {{"members", std::move(members)},
            {"predicted_dbfs", db(b.predictedDbfs)},
            {"measured_dbfs", db(b.measuredDbfs)},
            {"measured_minus_predicted_db", db(b.measuredMinusPredictedDb)},
            {"summing_gain_db", db(b.summingGainDb)},
            {"summed_true_peak_dbtp", db(b.summedTruePeakDbtp)},
            {"summed_headroom_db", db(b.summedHeadroomDb)},
            {"active_seconds", seconds(b.activeSeconds)}};
}

Json nodeStatsJson(const NodeStats& n)
{
    Json taps = Json::array();
    for (const TapStats& t : n.taps) taps.push_back(tapStatsJson(t));
    Json chain = nullptr;
    if (n.chain)
        chain = {{"gain_db", db(n.chain->gainDb)},
                 {"gain_since_reset_db", db(n.chain->gainSinceResetDb)},
                 {"active_seconds", seconds(n.chain->activeSeconds)}};
    return {{"id", n.id},
            {"taps", std::move(taps)},
            {"chain", std::move(chain)},
            {"bus", n.bus ? busStatsJson(*n.bus) : Json(nullptr)}};
}

Json advisoryJson(const Advisory& a)
{
    Json evidence = Json::array();
    for (const Evidence& e : a.evidence)
        evidence.push_back({{"label", e.label}, {"value", rounded(e.value, 0.01)}, {"unit", e.unit}});
    return {{"id", a.id},
            {"rule", a.rule},
            {"node", a.node},
            {"tap", optionalValue(a.tap)},
            {"severity", std::string(toString(a.severity))},
            {"title", a.title},
            {"symptom", a.symptom},
            {"cause", a.cause},
            {"fix", a.fix},
            {"amount_db", db(a.amountDb)},
            {"evidence", std::move(evidence)},
            {"raised_time_us", a.raisedTimeUs}};
}

} // namespace

std::string_view toString(Role role) noexcept
{
    return role == Role::control ? "control" : "viewer";
}

std::string_view toString(Severity severity) noexcept
{
    switch (severity)
    {
    case Severity::info:
        return "info";
    case Severity::critical:
        return "critical";
    case Severity::warning:
        break;
    }
    return "warning";
}

std::string encodeHello(const Hello& h)
{
    Json rates = Json::array();
    for (uint32_t r : kMeterRatesHz) rates.push_back(r);
    const Json j = {
        {"type", "hello"},
        {"protocol", kProtocolVersion},
        {"server", {{"name", h.server.name}, {"version", h.server.version}}},
        {"room", h.room},
        {"session", h.session},
        {"sample_rate_hz", h.sampleRateHz},
        {"period_frames", optionalValue(h.periodFrames)},
        {"server_time_us", h.serverTimeUs},
        {"role", std::string(toString(h.role))},
        {"meter_rates_hz", std::move(rates)},
        {"default_rate_hz", kDefaultMeterRateHz},
        {"stats_rate_hz", h.statsRateHz},
        {"meter_fields", fieldsJson(h.meterFields)},
        {"reference",
         {{"zero_vu_dbfs", db(h.reference.zeroVuDbfs)}, {"rms", h.reference.rms}, {"ppm", h.reference.ppm}}},
        {"limits",
         {{"max_message_bytes", kMaxClientMessageBytes},
          {"max_json_depth", kMaxClientJsonDepth},
          {"max_subscribe_nodes", kMaxSubscribeNodes}}},
        {"topology", topologyJson(h.topology)}};
    return dump(j);
}

std::string encodeTopology(const Topology& topology, uint32_t sampleRateHz, std::optional<uint32_t> periodFrames)
{
    return dump({{"type", "topology"},
                 {"sample_rate_hz", sampleRateHz},
                 {"period_frames", optionalValue(periodFrames)},
                 {"topology", topologyJson(topology)}});
}

std::string encodeStats(const Stats& s)
{
    Json nodes = Json::array();
    for (const NodeStats& n : s.nodes) nodes.push_back(nodeStatsJson(n));
    Json advisories = Json::array();
    for (const Advisory& a : s.advisories) advisories.push_back(advisoryJson(a));
    const Json j = {{"type", "stats"},
                    {"sequence", s.sequence},
                    {"topology_version", s.topologyVersion},
                    {"server_time_us", s.serverTimeUs},
                    {"audio_seconds", seconds(s.audioSeconds)},
                    {"counters",
                     {{"records", s.counters.records},
                      {"dropped_records", s.counters.droppedRecords},
                      {"sequence_gaps", s.counters.sequenceGaps},
                      {"xruns", s.counters.xruns},
                      {"malformed_records", s.counters.malformedRecords}}},
                    {"health",
                     {{"source_running", s.health.sourceRunning},
                      {"stalled", s.health.stalled},
                      {"last_record_age_seconds", rounded(s.health.lastRecordAgeSeconds, 0.001)}}},
                    {"nodes", std::move(nodes)},
                    {"advisories", std::move(advisories)}};
    return dump(j);
}

std::string encodeAck(const Ack& ack)
{
    return dump({{"type", "ack"}, {"id", ack.id}, {"request", ack.request}});
}

std::string encodeError(const ErrorReply& e)
{
    return dump({{"type", "error"},
                 {"id", optionalValue(e.id)},
                 {"code", std::string(toString(e.code))},
                 {"message", e.message}});
}

std::string encodeRateNotice(const RateNotice& n)
{
    return dump({{"type", "rate"}, {"rate_hz", n.rateHz}, {"reason", n.reason}});
}

ErrorReply errorReplyFor(const ClientMessageError& error)
{
    return ErrorReply{error.id, error.code, error.message};
}

} // namespace headroom::proto
