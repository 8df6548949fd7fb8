#include "server/lab/RoomSummaryBuilder.h"

#include <algorithm>
#include <cmath>

namespace headroom::server::lab
{
namespace
{
std::optional<double> value(double v)
{
    return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

// The tap a room tile shows for a node: what the guide targets first — a channel's recording
// level (input), else the level entering its plugins; a bus's or the master's input (pre_insert).
const TapStats* telling(const NodeStats& node)
{
    const auto find = [&node](std::string_view stage) -> const TapStats* {
        for (const TapStats& t : node.taps)
            if (t.stage == stage) return &t;
        return nullptr;
    };
    const TapStats* tap = node.kind == NodeKind::channel ? find(kStageInput) : nullptr;
    if (tap == nullptr) tap = find(kStagePreInsert);
    if (tap == nullptr && !node.taps.empty()) tap = &node.taps.front();
    return tap;
}

std::string stateOf(const TapStats& tap)
{
    if (!tap.target) return "none";
    if (!tap.active) return "idle";
    double peakHold = -INFINITY;
    for (const ChannelStats& c : tap.channels)
        if (!std::isnan(c.peakHoldDbtp)) peakHold = std::max(peakHold, c.peakHoldDbtp);
    if (tap.target->averageDistanceDb > 0.0 || peakHold > tap.target->target.peakMaxDbfs) return "over";
    if (tap.target->averageDistanceDb < 0.0) return "under";
    return "in";
}

int rank(AdvisorySeverity s)
{
    return s == AdvisorySeverity::critical ? 2 : s == AdvisorySeverity::warning ? 1 : 0;
}
} // namespace

proto::lab::RoomSummary buildRoomSummary(const EngineSnapshot& snapshot, const SourceStatus& source,
                                         const std::string& site, const std::string& room)
{
    proto::lab::RoomSummary s;
    s.site = site;
    s.room = room;
    s.timeUnixMs = snapshot.wallClockUnixMs;
    s.audioSeconds = snapshot.audioSeconds;
    s.audioRunning = source.connected && !source.stalled;
    for (const NodeStats& node : snapshot.nodes)
    {
        const TapStats* tap = telling(node);
        if (tap == nullptr) continue;
        s.nodes.push_back({node.id, std::string(toString(node.kind)), tap->stage, value(tap->levelDbfs),
                           value(tap->averageDbfs), value(tap->maxTruePeakDbtp), value(tap->headroomDb),
                           stateOf(*tap)});
        if (node.kind == NodeKind::master)
        {
            // The mix bus (pre_insert) is where the guide sets the master's headroom; loudness too.
            const TapStats& m = *tap;
            s.master = {value(m.loudness.momentaryLufs), value(m.loudness.shortTermLufs),
                        value(m.loudness.integratedLufs), value(m.maxTruePeakDbtp), value(m.headroomDb)};
        }
    }
    // Advisories: a field of EngineSnapshot the advisor fills (docs/ADVISOR.md); only read here.
    std::vector<const AdvisoryRecord*> active;
    for (const AdvisoryRecord& a : snapshot.advisories) active.push_back(&a);
    std::stable_sort(active.begin(), active.end(),
                     [](const AdvisoryRecord* a, const AdvisoryRecord* b) { return rank(a->severity) > rank(b->severity); });
    for (const AdvisoryRecord* a : active)
        s.advisories.push_back({a->id, std::string(toString(a->severity)), a->nodeId, a->title});
    return s;
}

} // namespace headroom::server::lab
