#include "server/engine/SessionPlanner.h"

#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include "server/audio/JackSupport.h"

namespace headroom::server
{
namespace
{
StageTarget levelTarget(const LevelTargets& t)
{
    return {t.averageDbfs - t.toleranceDb, t.averageDbfs + t.toleranceDb, 0.0};
}

// The session's (already merged) targets for a stage of a node, in the plan's terms; none where
// the guide sets no level for the stage (see defaultStageTarget).
std::optional<StageTarget> stageTarget(const Node& node, const std::string& stage)
{
    const bool pluginInput = stage == kStagePreInsert || stage.starts_with("insert:");
    const Targets& t = node.targets;
    switch (node.kind)
    {
    case NodeKind::channel:
        if (stage == kStageInput)
            return StageTarget{t.input.averageMinDbfs, t.input.averageMaxDbfs, t.input.peakMaxDbfs};
        if (pluginInput) return levelTarget(t.pluginInput);
        break;
    case NodeKind::bus:
        if (stage == kStagePreInsert) return levelTarget(t.busInput);
        if (pluginInput) return levelTarget(t.pluginInput);
        break;
    case NodeKind::master:
        if (stage == kStagePreInsert)
            return StageTarget{t.mixBus.averageDbfs - t.mixBus.toleranceDb,
                               t.mixBus.averageDbfs + t.mixBus.toleranceDb, t.mixBus.peakMaxDbfs};
        if (pluginInput) return levelTarget(t.pluginInput);
        break;
    }
    return std::nullopt;
}

std::vector<dsp::ChannelRole> layoutOf(const Node& node)
{
    if (node.layout.size() == node.numChannels) return node.layout;
    return dsp::defaultLayout(node.numChannels).value_or(std::vector<dsp::ChannelRole>{});
}

// Unique, valid JACK short names: a clash (two long names cut to the same prefix) gets "~2", "~3".
class PortNamer
{
public:
    explicit PortNamer(const std::string& clientName) : maxLength_(maxPortShortNameLength(clientName)) {}

    std::string name(const std::string& wanted)
    {
        std::string base = sanitisePortShortName(wanted, maxLength_);
        std::string candidate = base;
        for (int n = 2; !used_.insert(candidate).second; ++n)
        {
            std::string suffix(1, '~'); // (built in two steps: GCC 12 warns falsely on "~" + to_string)
            suffix += std::to_string(n);
            candidate =
                sanitisePortShortName(base, maxLength_ > suffix.size() ? maxLength_ - suffix.size() : 0) +
                suffix;
        }
        return candidate;
    }

private:
    std::size_t maxLength_;
    std::set<std::string> used_;
};
} // namespace

SessionPlan planSession(const Session& session, TapSource::Kind sourceKind)
{
    const bool live = sourceKind == TapSource::Kind::ports;
    const SessionTopology topology = buildTopology(session);
    SessionPlan planned;
    planned.warnings = topology.warnings;
    MeterPlan& plan = planned.plan;
    plan.reference = {session.reference.rms, session.reference.zeroVuDbfs};
    planned.tapConfig.clipThresholdLinear =
        static_cast<float>(std::pow(10.0, session.reference.clipThresholdDbfs / 20.0));
    planned.tapConfig.minClipRunSamples = session.reference.minClipRun;
    planned.tapConfig.ppmType = session.reference.ppm;

    // Source taps first, in the topology's order (channels, buses, master; signal order within a
    // node), so JACK ports appear in a patchbay, and files in the audit, in the order of the file.
    std::map<std::pair<std::string, std::string>, std::size_t> tapIndex; // (node id, stage) -> plan tap
    for (const SessionTap& tap : topology.taps)
    {
        if (tap.source.kind != sourceKind)
        {
            planned.warnings.push_back(
                session.sourceName + ": " + tap.source.jsonPath +
                (live ? ": warning: a file tap; live metering leaves it out"
                      : ": warning: a tap fed from JACK ports; the offline audit skips it (give it "
                        "{\"file\": PATH} to audit it)"));
            continue;
        }
        const Node& node = nodeAt(session, tap.node);
        const std::string stage = tap.stageName();
        PlannedTap p;
        p.nodeId = node.id;
        p.stage = stage;
        p.numChannels = tap.numChannels;
        p.layout = layoutOf(node);
        p.nodeKind = node.kind;
        p.target = stageTarget(node, stage);
        tapIndex[{node.id, stage}] = plan.addTap(std::move(p));
        planned.sources.push_back(tap);
    }

    const auto find = [&](const std::string& nodeId, std::string_view stage) -> std::optional<std::size_t>
    {
        const auto it = tapIndex.find({nodeId, std::string(stage)});
        return it == tapIndex.end() ? std::nullopt : std::optional<std::size_t>(it->second);
    };

    // Plugin chains: a node tapped on both sides of its inserts.
    const auto addChain = [&](const Node& node)
    {
        const auto pre = find(node.id, kStagePreInsert);
        const auto post = find(node.id, kStagePostInsert);
        if (pre && post) plan.addChain(*pre, *post);
    };
    for (const Node& n : session.channels) addChain(n);
    for (const Node& n : session.buses) addChain(n);
    addChain(session.master);

    // Buses, feeders before the buses they feed: the sum of the members' post-fader taps, as the
    // bus input when it is not tapped (a virtual bus) or next to the tapped input for comparison.
    for (const BusInfo& info : topology.buses)
    {
        const Node& bus = nodeAt(session, info.bus);
        if (!info.membersSummable) continue; // the topology has warned when this leaves an input unmetered
        std::vector<std::size_t> members;
        for (const NodeRef& m : info.members)
            if (const auto post = find(nodeAt(session, m).id, kStagePostFader)) members.push_back(*post);
        if (members.size() != info.members.size())
        {
            planned.warnings.push_back(session.sourceName + ": " + bus.jsonPath + ": warning: members of \"" +
                                       bus.id +
                                       (live ? "\" are fed from files; live metering does not sum them"
                                             : "\" are fed from JACK ports; the offline audit does not "
                                               "sum them"));
            continue;
        }
        const std::optional<std::size_t> measured = find(bus.id, kStagePreInsert);
        const std::size_t summed =
            plan.addBus(bus.id, bus.kind, bus.numChannels, layoutOf(bus), members, measured);
        if (!measured) plan.taps[summed].target = stageTarget(bus, std::string(kStagePreInsert));
    }

    if (plan.taps.empty())
        throw std::invalid_argument(session.sourceName +
                                    (live ? ": nothing to meter live: no tap is fed from JACK ports"
                                          : ": nothing to audit: no tap is fed from an audio file (the "
                                            "offline audit needs {\"file\": PATH} taps)"));
    plan.validate();
    return planned;
}

LivePlan planLiveSession(const Session& session, const std::string& clientName)
{
    SessionPlan planned = planSession(session, TapSource::Kind::ports);
    LivePlan live;
    live.plan = std::move(planned.plan);
    live.tapConfig = planned.tapConfig;
    live.warnings = std::move(planned.warnings);
    // One port per channel of each source tap, in meter-channel order (sources[i] is plan tap i).
    PortNamer namer(clientName);
    for (const SessionTap& tap : planned.sources)
    {
        const std::string prefix = tap.nodeId + "/" + tap.stageName() + "/";
        for (std::size_t c = 0; c < tap.numChannels; ++c)
        {
            JackPortSpec port;
            port.shortName = namer.name(prefix + std::to_string(c + 1));
            if (c < tap.source.ports.size()) port.sources.push_back(tap.source.ports[c]);
            live.ports.push_back(std::move(port));
        }
    }
    return live;
}

} // namespace headroom::server
