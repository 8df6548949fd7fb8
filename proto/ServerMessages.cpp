#include "proto/ServerMessages.h"

#include <unordered_map>

namespace headroom::proto
{

std::string checkTopology(const Topology& t)
{
    if (t.numMeterChannels > kMaxMeterChannels) return "num_meter_channels is over the limit";
    std::unordered_map<std::string, std::size_t> nodeIndex;
    for (std::size_t i = 0; i < t.nodes.size(); ++i)
        if (!nodeIndex.emplace(t.nodes[i].id, i).second) return "node id " + t.nodes[i].id + " appears twice";
    const auto hasNode = [&](const std::string& id) { return nodeIndex.contains(id); };
    const auto validTap = [&](uint32_t tap) { return tap < t.taps.size(); };

    uint64_t channel = 0;
    for (std::size_t i = 0; i < t.taps.size(); ++i)
    {
        const Tap& tap = t.taps[i];
        const std::string where = "taps[" + std::to_string(i) + "]: ";
        if (tap.index != i) return where + "index is " + std::to_string(tap.index);
        if (!hasNode(tap.node)) return where + "node " + tap.node + " does not exist";
        if (tap.firstChannel != channel)
            return where + "first_channel " + std::to_string(tap.firstChannel) + ", expected " +
                   std::to_string(channel);
        if (tap.numChannels == 0) return where + "has no channels";
        if (!tap.layout.empty() && tap.layout.size() != tap.numChannels)
            return where + "layout does not have one role per channel";
        for (uint32_t m : tap.members)
            if (!validTap(m) || m == i) return where + "sums a tap that does not exist";
        channel += tap.numChannels;
    }
    if (channel != t.numMeterChannels)
        return "taps cover " + std::to_string(channel) + " meter channels, num_meter_channels is " +
               std::to_string(t.numMeterChannels);

    for (const Node& node : t.nodes)
    {
        const std::string where = "node " + node.id + ": ";
        if (!node.destination.empty() && !hasNode(node.destination))
            return where + "destination " + node.destination + " does not exist";
        for (uint32_t tap : node.taps)
            if (!validTap(tap) || t.taps[tap].node != node.id) return where + "lists a tap of another node";
        for (const Insert& insert : node.inserts)
            if (insert.tap && (!validTap(*insert.tap) || t.taps[*insert.tap].node != node.id))
                return where + "insert " + insert.name + " names a tap of another node";
    }
    for (const Edge& e : t.edges)
        if (!hasNode(e.from) || !hasNode(e.to))
            return "edge " + e.from + " -> " + e.to + " names a missing node";
    for (const Chain& c : t.chains)
        if (!validTap(c.preInsertTap) || !validTap(c.postInsertTap) ||
            t.taps[c.preInsertTap].node != c.node || t.taps[c.postInsertTap].node != c.node)
            return "chain of " + c.node + " names taps of another node";
    for (const Bus& b : t.buses)
    {
        if (!hasNode(b.node)) return "bus " + b.node + " does not exist";
        if (!validTap(b.summedTap) || !t.taps[b.summedTap].isVirtual || t.taps[b.summedTap].node != b.node)
            return "bus " + b.node + " needs a virtual summed tap of its own";
        if (b.measuredTap && (!validTap(*b.measuredTap) || t.taps[*b.measuredTap].node != b.node))
            return "bus " + b.node + " has a measured tap of another node";
        for (const std::string& m : b.members)
            if (!hasNode(m)) return "bus " + b.node + " has a member " + m + " that does not exist";
    }
    return {};
}

} // namespace headroom::proto
