#include "server/net/ProtocolAdapter.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <unordered_map>
#include <utility>

#include "dsp/ChannelLayout.h"
#include "dsp/PpmBallistics.h"

namespace headroom::server::net
{
namespace
{
std::vector<std::string> layoutNames(const std::vector<dsp::ChannelRole>& layout)
{
    std::vector<std::string> names;
    names.reserve(layout.size());
    for (dsp::ChannelRole role : layout) names.emplace_back(dsp::toString(role));
    return names;
}

proto::StageTarget toProto(const StageTarget& t)
{
    return {t.averageMinDbfs, t.averageMaxDbfs, t.peakMaxDbfs};
}

proto::Node nodeFromSession(const Node& n)
{
    proto::Node out;
    out.id = n.id;
    out.kind = std::string(toString(n.kind));
    out.label = n.label.empty() ? n.id : n.label;
    out.numChannels = static_cast<uint32_t>(n.numChannels);
    out.layout = layoutNames(n.layout);
    out.destination = n.destination;
    for (const Insert& insert : n.inserts) out.inserts.push_back({insert.name, std::string(toString(insert.kind)), {}});
    out.maxChainGainDb = n.targets.pluginChain.maxGainDb;
    if (n.kind == NodeKind::master)
    {
        proto::MasterTargets m;
        m.mastered = n.mastered;
        const DeliveryTargets& d = n.targets.delivery;
        m.delivery = {d.peakMinDbfs, d.peakMaxDbfs, d.integratedMinLufs, d.integratedMaxLufs};
        const StreamingTargets& s = n.targets.streaming;
        m.streaming = {{"Spotify", s.spotifyLufs}, {"Apple Music", s.appleMusicLufs}, {"YouTube", s.youtubeLufs}};
        out.masterTargets = std::move(m);
    }
    return out;
}

double finiteOr(double value, double fallback)
{
    return std::isfinite(value) ? value : fallback;
}
} // namespace

uint64_t unixTimeUs()
{
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

proto::Hello makeHelloTemplate(const MeterPlan& plan, const Session* session, std::string serverName)
{
    proto::Hello hello;
    hello.server.name = std::move(serverName);
    hello.server.version = "0.1.0";
    proto::Topology& t = hello.topology;
    t.version = 1;
    t.numMeterChannels = static_cast<uint32_t>(plan.numChannels);

    std::unordered_map<std::string, std::size_t> nodeIndex;
    const auto addNode = [&](proto::Node node) {
        if (nodeIndex.contains(node.id)) return;
        nodeIndex.emplace(node.id, t.nodes.size());
        t.nodes.push_back(std::move(node));
    };
    if (session != nullptr)
    {
        hello.room = session->room;
        hello.session = session->name;
        hello.reference.zeroVuDbfs = session->reference.zeroVuDbfs;
        hello.reference.rms = std::string(dsp::toString(session->reference.rms));
        hello.reference.ppm = std::string(dsp::toString(session->reference.ppm));
        for (const Node& n : session->channels) addNode(nodeFromSession(n));
        for (const Node& n : session->buses) addNode(nodeFromSession(n));
        addNode(nodeFromSession(session->master));
    }
    else
    {
        hello.reference.zeroVuDbfs = plan.reference.zeroVuDbfs;
        hello.reference.rms = std::string(dsp::toString(plan.reference.rmsConvention));
    }

    for (std::size_t i = 0; i < plan.taps.size(); ++i)
    {
        const PlannedTap& p = plan.taps[i];
        if (!nodeIndex.contains(p.nodeId))
        {
            proto::Node node;
            node.id = p.nodeId;
            node.kind = std::string(toString(p.nodeKind));
            node.label = p.nodeId;
            node.numChannels = static_cast<uint32_t>(p.numChannels);
            node.layout = layoutNames(p.layout);
            addNode(std::move(node));
        }
        proto::Tap tap;
        tap.index = static_cast<uint32_t>(i);
        tap.node = p.nodeId;
        tap.stage = p.stage;
        tap.firstChannel = static_cast<uint32_t>(p.firstChannel);
        tap.numChannels = static_cast<uint32_t>(p.numChannels);
        tap.layout = layoutNames(p.layout);
        tap.isVirtual = p.isVirtual;
        for (std::size_t m : p.members) tap.members.push_back(static_cast<uint32_t>(m));
        if (p.target) tap.target = toProto(*p.target);
        proto::Node& node = t.nodes[nodeIndex.at(p.nodeId)];
        node.taps.push_back(tap.index);
        // "insert:<n>" is the input of the n-th insert (1-based)
        if (p.stage.starts_with("insert:"))
        {
            const std::string number = p.stage.substr(7);
            const auto n = static_cast<std::size_t>(std::strtoul(number.c_str(), nullptr, 10));
            if (n >= 1 && n <= node.inserts.size()) node.inserts[n - 1].tap = tap.index;
        }
        t.taps.push_back(std::move(tap));
    }
    // Nodes a plan does not meter stay in the topology (the dashboard draws them, without meters);
    // a destination no node has is dropped rather than sent dangling.
    for (const proto::Node& node : t.nodes)
        if (!node.destination.empty() && nodeIndex.contains(node.destination))
            t.edges.push_back({node.id, node.destination});
    for (proto::Node& node : t.nodes)
        if (!node.destination.empty() && !nodeIndex.contains(node.destination)) node.destination.clear();
    for (const PlannedChain& c : plan.chains)
        t.chains.push_back({plan.taps[c.preInsertTap].nodeId, static_cast<uint32_t>(c.preInsertTap),
                            static_cast<uint32_t>(c.postInsertTap)});
    for (const PlannedBus& b : plan.buses)
    {
        proto::Bus bus;
        bus.node = b.nodeId;
        bus.summedTap = static_cast<uint32_t>(b.summedTap);
        if (b.measuredInputTap) bus.measuredTap = static_cast<uint32_t>(*b.measuredInputTap);
        for (std::size_t m : plan.taps[b.summedTap].members)
        {
            const std::string& member = plan.taps[m].nodeId;
            if (std::find(bus.members.begin(), bus.members.end(), member) == bus.members.end())
                bus.members.push_back(member);
        }
        t.buses.push_back(std::move(bus));
    }
    return hello;
}

proto::MeterFrame toProtoFrame(const MeterFrame& frame, uint32_t topologyVersion, uint64_t serverTimeUs)
{
    proto::MeterFrame out;
    out.fields = proto::kKnownMeterFields;
    out.sequence = frame.frameSequence;
    out.serverTimeUs = serverTimeUs;
    out.topologyVersion = topologyVersion;
    const std::size_t n = frame.clipFlags.size();
    out.resize(n);
    const auto fill = [n](std::vector<int16_t>& to, const std::vector<float>& from) {
        for (std::size_t i = 0; i < n && i < from.size(); ++i) to[i] = proto::centiDbFromDb(from[i]);
    };
    fill(out.level(proto::MeterField::truePeak), frame.truePeakDbtp);
    fill(out.level(proto::MeterField::samplePeak), frame.samplePeakDbfs);
    fill(out.level(proto::MeterField::rms), frame.rmsDbfs);
    fill(out.level(proto::MeterField::vu), frame.vuDbfs);
    fill(out.level(proto::MeterField::ppm), frame.ppmDbfs);
    fill(out.level(proto::MeterField::peakHold), frame.peakHoldDbtp);
    for (std::size_t i = 0; i < n; ++i)
    {
        uint8_t bits = 0;
        if ((frame.clipFlags[i] & kClipLatchedFlag) != 0) bits |= proto::kClipLatched;
        if ((frame.clipFlags[i] & kClippedSinceLastFlag) != 0) bits |= proto::kClipEvent;
        out.clipFlags[i] = bits;
    }
    return out;
}

proto::Stats toProtoStats(const EngineSnapshot& s, uint32_t topologyVersion, uint64_t serverTimeUs)
{
    proto::Stats out;
    out.sequence = s.snapshotSequence;
    out.topologyVersion = topologyVersion;
    out.serverTimeUs = serverTimeUs;
    out.audioSeconds = s.audioSeconds;
    out.counters = {s.counters.records, s.counters.droppedRecords, s.counters.sequenceGaps, s.counters.xruns,
                    s.counters.malformedRecords};
    out.health = {s.health.sourceRunning, s.health.stalled, finiteOr(s.health.lastRecordAgeSeconds, 0.0)};
    out.nodes.reserve(s.nodes.size());
    for (const NodeStats& n : s.nodes)
    {
        proto::NodeStats node;
        node.id = n.id;
        for (const TapStats& t : n.taps)
        {
            proto::TapStats tap;
            tap.tap = static_cast<uint32_t>(t.tapIndex);
            tap.levelDbfs = t.levelDbfs;
            tap.averageDbfs = t.averageDbfs;
            tap.active = t.active;
            tap.maxTruePeakDbtp = t.maxTruePeakDbtp;
            tap.headroomDb = t.headroomDb;
            tap.crestFactorDb = t.crestFactorDb;
            tap.noiseFloorDbfs = t.noiseFloorDbfs;
            tap.clipLatched = t.clipLatched;
            const LoudnessStats& l = t.loudness;
            tap.loudness = {l.momentaryLufs,    l.shortTermLufs,    l.integratedLufs,    l.loudnessRangeLu,
                            l.maxMomentaryLufs, l.maxShortTermLufs, l.integratedSeconds, l.loudnessRangeStable,
                            l.plrDb,            l.psrDb};
            if (t.target)
            {
                const TargetStats& g = *t.target;
                tap.target = proto::TargetStats{g.averageDistanceDb, g.headroomToTargetDb, g.activeSeconds,
                                                g.inRangeSeconds,    g.overSeconds,        g.underSeconds,
                                                g.peakOverSeconds};
            }
            for (const ChannelStats& c : t.channels)
                tap.channels.push_back({c.maxTruePeakDbtp, c.rmsSinceResetDbfs, c.clipEvents, c.clippedSamples});
            node.taps.push_back(std::move(tap));
        }
        if (n.chain) node.chain = proto::ChainStats{n.chain->gainDb, n.chain->gainSinceResetDb, n.chain->activeSeconds};
        if (n.bus)
        {
            const BusStats& b = *n.bus;
            proto::BusStats bus;
            for (const BusMemberStats& m : b.members)
                bus.members.push_back({m.nodeId, static_cast<uint32_t>(m.tapIndex), m.levelDbfs, m.share});
            bus.predictedDbfs = b.predictedDbfs;
            bus.measuredDbfs = b.measuredDbfs;
            bus.measuredMinusPredictedDb = b.measuredMinusPredictedDb;
            bus.summingGainDb = b.summingGainDb;
            bus.summedTruePeakDbtp = b.summedTruePeakDbtp;
            bus.summedHeadroomDb = b.summedHeadroomDb;
            bus.activeSeconds = b.activeSeconds;
            node.bus = std::move(bus);
        }
        out.nodes.push_back(std::move(node));
    }
    // The advisor's current advisories (docs/ADVISOR.md); the cleared history stays in /api's
    // snapshot JSON and the log.
    out.advisories.reserve(s.advisories.size());
    for (const AdvisoryRecord& a : s.advisories)
    {
        proto::Advisory advisory;
        advisory.id = a.id;
        advisory.rule = a.rule;
        advisory.node = a.nodeId;
        if (a.tapIndex) advisory.tap = static_cast<uint32_t>(*a.tapIndex);
        advisory.severity = a.severity == AdvisorySeverity::info       ? proto::Severity::info
                            : a.severity == AdvisorySeverity::critical ? proto::Severity::critical
                                                                       : proto::Severity::warning;
        advisory.title = a.title;
        advisory.symptom = a.symptom;
        advisory.cause = a.cause;
        advisory.fix = a.fix;
        advisory.amountDb = a.amountDb;
        for (const AdvisoryEvidence& e : a.evidence) advisory.evidence.push_back({e.label, e.value, e.unit});
        // Raised offline (no wall clock): now is the best "when" a client can be given.
        advisory.raisedTimeUs = a.raisedUnixMs > 0 ? static_cast<uint64_t>(a.raisedUnixMs) * 1000 : serverTimeUs;
        out.advisories.push_back(std::move(advisory));
    }
    return out;
}

} // namespace headroom::server::net
