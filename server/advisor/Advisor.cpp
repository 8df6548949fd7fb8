#include "server/advisor/Advisor.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace headroom::server
{
namespace
{
// Timers accumulate 100 ms steps: 30 of them must reach 3 s despite rounding.
constexpr double kTimeEpsilon = 1e-6;

double maxOverChannels(const TapStats& tap, double ChannelStats::*field)
{
    double peak = -std::numeric_limits<double>::infinity();
    for (const ChannelStats& c : tap.channels)
        if (!std::isnan(c.*field)) peak = std::max(peak, c.*field);
    return peak;
}

int ruleRank(const std::string& rule)
{
    static const char* const kOrder[] = {"clipping",          "intersample_overs",   "recording_too_hot",
                                         "recording_too_quiet", "plugin_input_too_hot", "gain_stacking",
                                         "bus_input_too_hot", "mix_bus_hot",         "mix_limited_for_mastering",
                                         "mix_too_loud_for_mastering", "streaming_loudness"};
    for (int i = 0; i < static_cast<int>(std::size(kOrder)); ++i)
        if (rule == kOrder[i]) return i;
    return static_cast<int>(std::size(kOrder));
}
} // namespace

Advisor::Advisor(Session session, AdvisorSettings settings) : session_(std::move(session)), settings_(settings)
{
}

std::size_t Advisor::orderOf(const std::string& nodeId) const
{
    for (std::size_t i = 0; i < session_.channels.size(); ++i)
        if (session_.channels[i].id == nodeId) return i;
    for (std::size_t i = 0; i < session_.buses.size(); ++i)
        if (session_.buses[i].id == nodeId) return session_.channels.size() + i;
    return session_.channels.size() + session_.buses.size();
}

void Advisor::observe(const EngineSnapshot& snapshot, double nowSeconds, std::vector<TapObservation>& out)
{
    for (const NodeStats& node : snapshot.nodes)
    {
        const Node* sessionNode = findNode(session_, node.id);
        for (const TapStats& tap : node.taps)
        {
            TapTracker& tracker =
                taps_.try_emplace(tap.tapIndex, TapTracker{PeakWindow(settings_.peakWindowSeconds)}).first->second;
            TapObservation o;
            o.node = &node;
            o.tap = &tap;
            o.sessionNode = sessionNode;
            o.intervalTruePeakDbtp = maxOverChannels(tap, &ChannelStats::truePeakDbtp);
            tracker.peaks.add(nowSeconds, o.intervalTruePeakDbtp);
            tracker.peaks.advance(nowSeconds);
            o.recentTruePeakDbtp = tracker.peaks.maxDb();

            uint64_t clipEvents = 0;
            for (const ChannelStats& c : tap.channels) clipEvents += c.clipEvents;
            // The counter restarts at reset_statistics: what it holds then is new.
            o.newClipEvents = clipEvents >= tracker.clipEvents ? clipEvents - tracker.clipEvents : clipEvents;
            tracker.clipEvents = clipEvents;
            if (o.newClipEvents > 0) tracker.lastClipSeconds = nowSeconds;
            o.secondsSinceClip = nowSeconds - tracker.lastClipSeconds;
            out.push_back(o);
        }
    }
}

void Advisor::evaluate(const EngineSnapshot& snapshot, double nowSeconds)
{
    const double dt = std::isnan(lastSeconds_) ? 0.0 : std::max(0.0, nowSeconds - lastSeconds_);
    lastSeconds_ = std::isnan(lastSeconds_) ? nowSeconds : std::max(lastSeconds_, nowSeconds);

    std::vector<TapObservation> observations;
    observe(snapshot, nowSeconds, observations);
    RuleSettings rules = settings_.rules;
    rules.clipHoldSeconds = std::max(rules.clipHoldSeconds, session_.advisor.clearAfterS);
    std::vector<Finding> findings;
    runRules(session_, snapshot, observations, rules, findings);
    for (Finding& f : findings) apply(f, dt, nowSeconds, snapshot.wallClockUnixMs);
}

void Advisor::apply(Finding& f, double dt, double now, int64_t wallClockUnixMs)
{
    auto it = tracked_.find(f.record.id);
    if (it == tracked_.end())
    {
        if (f.trigger != Trigger::on) return; // nothing to track
        Tracked fresh;
        fresh.order = orderOf(f.record.nodeId);
        it = tracked_.emplace(f.record.id, std::move(fresh)).first;
    }
    Tracked& t = it->second;
    const bool wasPresent = t.present;
    if (f.trigger == Trigger::on) t.present = true;
    if (f.trigger == Trigger::off) t.present = false;
    const bool running = f.trigger != Trigger::unknown; // silence freezes the timers
    // The texts follow the measurement while the condition holds; once it is gone they keep what
    // was last true of it.
    if (t.present && (f.trigger == Trigger::on || f.trigger == Trigger::keep))
    {
        const AdvisoryRecord previous = std::move(t.record);
        t.record = std::move(f.record);
        t.record.raisedAudioSeconds = previous.raisedAudioSeconds;
        t.record.raisedUnixMs = previous.raisedUnixMs;
    }

    const AdvisorTiming& timing = session_.advisor;
    if (!t.raised)
    {
        if (!t.present)
        {
            tracked_.erase(it); // gone before it was raised: it never flapped into view
            return;
        }
        if (running && wasPresent) t.heldSeconds += dt;
        if (f.raiseAtOnce || t.heldSeconds + kTimeEpsilon >= timing.raiseAfterS)
        {
            t.raised = true;
            t.absentSeconds = 0.0;
            t.record.raisedAudioSeconds = now;
            t.record.raisedUnixMs = wallClockUnixMs;
            ++raisedCount_;
        }
        return;
    }
    if (t.present)
    {
        t.absentSeconds = 0.0;
        return;
    }
    if (running && !wasPresent) t.absentSeconds += dt;
    if (t.absentSeconds + kTimeEpsilon < timing.clearAfterS) return;
    AdvisoryRecord cleared = std::move(t.record);
    cleared.clearedAudioSeconds = now;
    cleared.clearedUnixMs = wallClockUnixMs;
    history_.push_front(std::move(cleared));
    while (history_.size() > settings_.historySize) history_.pop_back();
    tracked_.erase(it);
}

std::vector<AdvisoryRecord> Advisor::active() const
{
    std::vector<const Tracked*> raised;
    for (const auto& [id, t] : tracked_)
        if (t.raised) raised.push_back(&t);
    std::stable_sort(raised.begin(), raised.end(), [](const Tracked* a, const Tracked* b) {
        if (a->order != b->order) return a->order < b->order;
        if (a->record.nodeId != b->record.nodeId) return a->record.nodeId < b->record.nodeId;
        const int ra = ruleRank(a->record.rule), rb = ruleRank(b->record.rule);
        if (ra != rb) return ra < rb;
        return a->record.tapIndex < b->record.tapIndex;
    });
    std::vector<AdvisoryRecord> out;
    out.reserve(raised.size());
    for (const Tracked* t : raised) out.push_back(t->record);
    return out;
}

void Advisor::annotate(EngineSnapshot& snapshot) const
{
    snapshot.advisories = active();
    snapshot.clearedAdvisories.assign(history_.begin(), history_.end());
}

} // namespace headroom::server
