#include "server/engine/SessionTopology.h"

#include <algorithm>
#include <set>

namespace headroom::server
{
namespace
{
void addTap(SessionTopology& topology, const NodeRef& ref, const Node& node, TapStage stage,
            const std::optional<TapSource>& source, std::size_t insertIndex = 0)
{
    if (!source) return;
    topology.taps.push_back({ref, node.id, stage, insertIndex, node.numChannels, *source});
}

void addNodeTaps(SessionTopology& topology, const NodeRef& ref, const Node& node)
{
    addTap(topology, ref, node, TapStage::input, node.input);
    addTap(topology, ref, node, TapStage::preInsert, node.preInsert);
    for (std::size_t i = 0; i < node.inserts.size(); ++i)
        addTap(topology, ref, node, TapStage::insertInput, node.inserts[i].tap, i);
    addTap(topology, ref, node, TapStage::postInsert, node.postInsert);
    addTap(topology, ref, node, TapStage::postFader, node.postFader);
    addTap(topology, ref, node, TapStage::output, node.output);
}

std::optional<NodeRef> destinationOf(const Session& session, const Node& node)
{
    if (node.destination == kMasterId) return NodeRef{NodeKind::master, 0};
    for (std::size_t b = 0; b < session.buses.size(); ++b)
        if (session.buses[b].id == node.destination) return NodeRef{NodeKind::bus, b};
    return std::nullopt;
}

std::string joinIds(const Session& session, const std::vector<NodeRef>& refs)
{
    std::string text;
    for (const NodeRef& r : refs) text += (text.empty() ? "" : ", ") + nodeAt(session, r).id;
    return text;
}

std::string counted(std::size_t n, std::string_view singular)
{
    return std::to_string(n) + " " + std::string(singular) + (n == 1 ? "" : "s");
}

class Warnings
{
public:
    Warnings(const Session& session, std::vector<std::string>& lines)
        : file_(session.sourceName), lines_(lines)
    {
    }
    void add(const std::string& pointer, const std::string& text)
    {
        lines_.push_back(file_ + ": " + (pointer.empty() ? std::string("/") : pointer) +
                         ": warning: " + text);
    }

private:
    std::string file_;
    std::vector<std::string>& lines_;
};

// Why the members of a bus cannot be summed into its input ("" when they can).
std::string summingProblem(const Session& session, const Node& bus, const std::vector<NodeRef>& members)
{
    if (members.empty()) return "nothing is routed to it";
    std::vector<NodeRef> untapped;
    std::string widths;
    for (const NodeRef& m : members)
    {
        const Node& member = nodeAt(session, m);
        if (!member.postFader)
            untapped.push_back(m);
        else if (member.numChannels != bus.numChannels && member.numChannels != 1)
            widths += (widths.empty() ? "" : "; ") + member.id + " has " +
                      std::to_string(member.numChannels) + " channels, the bus " +
                      std::to_string(bus.numChannels);
    }
    std::string problem;
    if (!untapped.empty())
        problem =
            joinIds(session, untapped) + (untapped.size() == 1 ? " has" : " have") + " no post_fader tap";
    if (!widths.empty())
        problem += (problem.empty() ? "" : "; ") + widths + " (members need the bus's channel count or mono)";
    return problem;
}

void warnAboutTaps(const Session& session, const SessionTopology& topology, Warnings& warn)
{
    std::size_t ports = 0;
    std::size_t files = 0;
    for (const SessionTap& tap : topology.taps)
    {
        (tap.source.kind == TapSource::Kind::file ? files : ports) += 1;
        for (std::size_t c = 0; c < tap.source.ports.size(); ++c)
            for (std::size_t earlier = 0; earlier < c; ++earlier)
                if (tap.source.ports[earlier] == tap.source.ports[c])
                {
                    warn.add(tap.source.jsonPath + "/" + std::to_string(c),
                             "port \"" + tap.source.ports[c] + "\" is already channel " +
                                 std::to_string(earlier + 1) + " of this tap");
                    break;
                }
    }
    if (ports > 0 && files > 0)
        warn.add("", "the taps mix JACK ports (" + counted(ports, "tap") + ") and files (" +
                         counted(files, "tap") +
                         "): live metering uses only the ports, an offline audit only the files");

    auto eachNode = [&](const Node& node)
    {
        if (!node.inserts.empty() && node.inserts.front().tap && node.preInsert)
            warn.add(node.jsonPath + "/inserts/0/tap",
                     "the input of the first insert is the pre_insert point, which is tapped too");
    };
    for (const Node& n : session.channels) eachNode(n);
    for (const Node& n : session.buses) eachNode(n);
    eachNode(session.master);
    for (const Node& n : session.channels)
        if (!n.input && !n.preInsert && !n.postInsert && !n.postFader &&
            std::none_of(n.inserts.begin(), n.inserts.end(),
                         [](const Insert& i) { return i.tap.has_value(); }))
            warn.add(n.jsonPath, "channel \"" + n.id + "\" has no taps: nothing of it is metered");
}
} // namespace

std::string SessionTap::stageName() const
{
    if (stage == TapStage::insertInput) return "insert:" + std::to_string(insertIndex);
    return std::string(toString(stage));
}

std::size_t SessionTopology::numVirtualBuses() const
{
    return static_cast<std::size_t>(std::count_if(buses.begin(), buses.end(),
                                                  [](const BusInfo& b)
                                                  { return b.isVirtual && b.bus.kind == NodeKind::bus; }));
}

std::size_t SessionTopology::numJackPorts() const
{
    std::size_t n = 0;
    for (const SessionTap& t : taps) n += t.source.ports.size();
    return n;
}

std::size_t SessionTopology::numFileTaps() const
{
    return static_cast<std::size_t>(std::count_if(taps.begin(), taps.end(),
                                                  [](const SessionTap& t)
                                                  { return t.source.kind == TapSource::Kind::file; }));
}

const BusInfo* SessionTopology::find(const NodeRef& bus) const
{
    for (const BusInfo& b : buses)
        if (b.bus == bus) return &b;
    return nullptr;
}

const Node& nodeAt(const Session& session, const NodeRef& ref)
{
    switch (ref.kind)
    {
    case NodeKind::channel:
        return session.channels.at(ref.index);
    case NodeKind::bus:
        return session.buses.at(ref.index);
    case NodeKind::master:
        return session.master;
    }
    return session.master;
}

std::vector<std::vector<std::size_t>>
findBusCycles(const std::vector<std::optional<std::size_t>>& destinationOfBus)
{
    // Every bus has one destination, so following it from any bus either reaches the master or
    // runs into a loop; a loop reached from a bus is a cycle when that bus's walk closes on itself
    // at its own start or anywhere along the way. Report each loop once, from its lowest index.
    std::vector<std::vector<std::size_t>> cycles;
    std::set<std::size_t> reported;
    for (std::size_t start = 0; start < destinationOfBus.size(); ++start)
    {
        std::vector<std::size_t> path;
        std::optional<std::size_t> at = start;
        while (at && *at < destinationOfBus.size() &&
               std::find(path.begin(), path.end(), *at) == path.end() &&
               path.size() <= destinationOfBus.size())
        {
            path.push_back(*at);
            at = destinationOfBus[*at];
        }
        if (!at || *at >= destinationOfBus.size()) continue; // reached the master
        const auto loopStart = std::find(path.begin(), path.end(), *at);
        std::vector<std::size_t> loop(loopStart, path.end());
        const auto lowest = std::min_element(loop.begin(), loop.end());
        if (reported.count(*lowest) != 0) continue;
        reported.insert(*lowest);
        std::rotate(loop.begin(), lowest, loop.end());
        cycles.push_back(std::move(loop));
    }
    return cycles;
}

SessionTopology buildTopology(const Session& session)
{
    SessionTopology topology;
    for (std::size_t c = 0; c < session.channels.size(); ++c)
        addNodeTaps(topology, {NodeKind::channel, c}, session.channels[c]);
    for (std::size_t b = 0; b < session.buses.size(); ++b)
        addNodeTaps(topology, {NodeKind::bus, b}, session.buses[b]);
    addNodeTaps(topology, {NodeKind::master, 0}, session.master);

    // Members of every bus and of the master.
    std::vector<std::vector<NodeRef>> membersOfBus(session.buses.size());
    std::vector<NodeRef> membersOfMaster;
    auto route = [&](const NodeRef& ref)
    {
        const auto to = destinationOf(session, nodeAt(session, ref));
        if (!to) return; // the parser guarantees a destination; stay total anyway
        (to->kind == NodeKind::master ? membersOfMaster : membersOfBus[to->index]).push_back(ref);
    };
    for (std::size_t c = 0; c < session.channels.size(); ++c) route({NodeKind::channel, c});
    for (std::size_t b = 0; b < session.buses.size(); ++b) route({NodeKind::bus, b});

    // Order: repeatedly take, in file order, the first bus whose bus members are all placed.
    std::vector<bool> placed(session.buses.size(), false);
    for (std::size_t round = 0; round < session.buses.size(); ++round)
        for (std::size_t b = 0; b < session.buses.size(); ++b)
        {
            if (placed[b]) continue;
            const bool ready =
                std::all_of(membersOfBus[b].begin(), membersOfBus[b].end(),
                            [&](const NodeRef& m) { return m.kind != NodeKind::bus || placed[m.index]; });
            if (!ready) continue;
            placed[b] = true;
            topology.buses.push_back({{NodeKind::bus, b}, membersOfBus[b], false, false});
            break;
        }
    topology.buses.push_back({{NodeKind::master, 0}, membersOfMaster, false, false});

    Warnings warn(session, topology.warnings);
    for (BusInfo& info : topology.buses)
    {
        const Node& bus = nodeAt(session, info.bus);
        info.isVirtual = !bus.preInsert.has_value();
        const std::string problem = summingProblem(session, bus, info.members);
        info.membersSummable = problem.empty();
        if (info.members.empty())
            warn.add(bus.jsonPath, "nothing is routed to " + std::string(toString(bus.kind)) +
                                       (bus.kind == NodeKind::bus ? " \"" + bus.id + "\"" : ""));
        else if (info.isVirtual && !info.membersSummable)
            warn.add(bus.jsonPath, "the input of " + std::string(toString(bus.kind)) +
                                       (bus.kind == NodeKind::bus ? " \"" + bus.id + "\"" : "") +
                                       " is not tapped (no pre_insert) and cannot be computed: " + problem);
    }

    for (std::size_t i = 0; i < session.master.inserts.size(); ++i)
        if (session.master.inserts[i].kind == InsertKind::limiter && !session.master.mastered)
            warn.add(
                "/master/inserts/" + std::to_string(i),
                "a limiter (\"" + session.master.inserts[i].name +
                    "\") on a master that is not mastered: the guide says not to limit a mix delivered to "
                    "mastering (set \"mastered\": true if this output is the finished master)");
    warnAboutTaps(session, topology, warn);
    return topology;
}

} // namespace headroom::server
