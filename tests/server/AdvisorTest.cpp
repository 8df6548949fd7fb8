// The advisor's hysteresis in time and level, driven by hand-made snapshots at the live worker's
// 10 Hz: an advisory appears only after the condition held raise_after_s, does not flap on a level
// hovering at its threshold, clears only after clear_after_s without the condition, and then sits
// in the history. Silence neither raises nor clears. (The rules against real audio are in
// AdvisorScenarioTest.cpp.)
#include "server/advisor/Advisor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <tuple>

using namespace headroom::server;

namespace
{
constexpr double kStep = 0.1; // the worker's snapshot period

Session oneChannelSession(double raiseAfterS = 3.0, double clearAfterS = 10.0)
{
    Session s;
    s.name = "test";
    s.room = "A";
    s.advisor = {raiseAfterS, clearAfterS};
    Node vox;
    vox.kind = NodeKind::channel;
    vox.id = "vox";
    vox.label = "Lead vocal";
    vox.destination = "master";
    vox.input = TapSource{};
    s.channels.push_back(vox);
    s.master.kind = NodeKind::master;
    s.master.id = "master";
    s.master.label = "Master";
    return s;
}

// A snapshot of the vocal's input tap with the given average and true peak (per snapshot).
EngineSnapshot inputSnapshot(double seconds, double averageDbfs, double truePeakDbtp, bool active = true,
                             uint64_t clipEvents = 0)
{
    EngineSnapshot s;
    s.audioSeconds = seconds;
    NodeStats node;
    node.id = "vox";
    node.kind = NodeKind::channel;
    TapStats tap;
    tap.tapIndex = 0;
    tap.stage = "input";
    tap.active = active;
    tap.averageDbfs = averageDbfs;
    tap.levelDbfs = averageDbfs;
    ChannelStats c;
    c.truePeakDbtp = truePeakDbtp;
    c.samplePeakDbfs = truePeakDbtp;
    c.maxTruePeakDbtp = truePeakDbtp;
    c.clipEvents = clipEvents;
    tap.channels.push_back(c);
    tap.maxTruePeakDbtp = truePeakDbtp;
    node.taps.push_back(tap);
    s.nodes.push_back(node);
    return s;
}

const AdvisoryRecord* find(const std::vector<AdvisoryRecord>& list, const std::string& rule)
{
    for (const AdvisoryRecord& a : list)
        if (a.rule == rule) return &a;
    return nullptr;
}

// Feeds snapshots from `from` up to (not including) `to`; returns the time reached.
template <typename Level>
double run(Advisor& advisor, double from, double to, Level level)
{
    double t = from;
    for (; t < to - 1e-9; t += kStep)
    {
        const auto [avg, peak, active] = level(t);
        advisor.evaluate(inputSnapshot(t, avg, peak, active), t);
    }
    return t;
}

auto steady(double avg, double peak, bool active = true)
{
    return [=](double) { return std::tuple{avg, peak, active}; };
}
// Too hot by its average alone (peaks at the clear threshold): the 10 s peak window, which keeps a
// peak rule raised for 10 s after the last hot peak, stays out of these timing tests.
} // namespace

TEST(Advisor, RaisesTooHotRecordingOnlyAfterTheConditionHeldRaiseAfterSeconds)
{
    Advisor advisor(oneChannelSession(3.0, 10.0));
    double t = run(advisor, 0.0, 2.9, steady(-6.0, -3.0));
    EXPECT_TRUE(advisor.active().empty()) << "raised before 3 s";
    t = run(advisor, t, 3.05, steady(-6.0, -3.0));
    const auto active = advisor.active();
    const AdvisoryRecord* hot = find(active, "recording_too_hot");
    ASSERT_NE(hot, nullptr);
    EXPECT_EQ(hot->id, "recording_too_hot:vox:0");
    EXPECT_EQ(hot->nodeId, "vox");
    EXPECT_EQ(hot->stage, "input");
    EXPECT_NEAR(hot->raisedAudioSeconds, 3.0, 0.11);
    // The larger correction wins: the average to the range's centre (-15) is 9 dB, the peak to -6 is 3.
    EXPECT_NEAR(hot->amountDb, -9.0, 1e-9);
    EXPECT_NE(hot->fix.find("Lower the input gain on the audio interface by 9.0 dB"), std::string::npos)
        << hot->fix;
    EXPECT_EQ(active.size(), 1u);
}

TEST(Advisor, ConditionGoneBeforeTheRaiseDelayNeverAppears)
{
    Advisor advisor(oneChannelSession(3.0, 10.0));
    double t = 0.0;
    for (int i = 0; i < 5; ++i)
    {
        t = run(advisor, t, t + 2.0, steady(-10.0, -7.0)); // hot for 2 s
        t = run(advisor, t, t + 1.0, steady(-16.0, -14.0)); // fine for 1 s
    }
    EXPECT_TRUE(advisor.active().empty());
    EXPECT_TRUE(advisor.history().empty());
    EXPECT_EQ(advisor.raisedCount(), 0u);
}

TEST(Advisor, LevelHoveringAtTheThresholdDoesNotFlap)
{
    Advisor advisor(oneChannelSession(1.0, 2.0)); // short delays: flapping would show at once
    // -12 is the top of the recording range; the average wanders 0.4 dB either side of it.
    const auto hovering = [](double t) {
        const double avg = -12.0 + 0.4 * std::sin(2.0 * 3.14159 * t / 1.7);
        return std::tuple{avg, avg - 0.5 + 0.0, true};
    };
    double t = 0.0;
    std::size_t raisedSnapshots = 0;
    for (; t < 60.0; t += kStep)
    {
        const auto [avg, peak, active] = hovering(t);
        advisor.evaluate(inputSnapshot(t, avg, peak, active), t);
        if (t > 5.0 && find(advisor.active(), "recording_too_hot") != nullptr) ++raisedSnapshots;
    }
    EXPECT_EQ(advisor.raisedCount(), 1u) << "raised more than once: it flapped";
    EXPECT_TRUE(advisor.history().empty()) << "cleared while the level hovered";
    EXPECT_GT(raisedSnapshots, 540u);
}

TEST(Advisor, ClearsAfterClearAfterSecondsAndKeepsItInTheHistory)
{
    Advisor advisor(oneChannelSession(3.0, 10.0));
    double t = run(advisor, 0.0, 5.0, steady(-10.0, -7.0));
    ASSERT_NE(find(advisor.active(), "recording_too_hot"), nullptr);
    const double fixedAt = t;
    t = run(advisor, t, fixedAt + 9.9, steady(-16.0, -14.0)); // in range: -18..-12, peaks under -6
    EXPECT_NE(find(advisor.active(), "recording_too_hot"), nullptr) << "cleared before 10 s";
    t = run(advisor, t, fixedAt + 10.2, steady(-16.0, -14.0));
    EXPECT_EQ(find(advisor.active(), "recording_too_hot"), nullptr);
    ASSERT_EQ(advisor.history().size(), 1u);
    const AdvisoryRecord& cleared = advisor.history().front();
    EXPECT_EQ(cleared.rule, "recording_too_hot");
    EXPECT_NEAR(cleared.clearedAudioSeconds, fixedAt + 10.0, 0.15);
    // Its texts are what was last true while it held, not the fixed level.
    EXPECT_NE(cleared.symptom.find("-10.0 dBFS average"), std::string::npos) << cleared.symptom;

    EngineSnapshot s = inputSnapshot(t, -16.0, -14.0);
    advisor.annotate(s);
    EXPECT_TRUE(s.advisories.empty());
    ASSERT_EQ(s.clearedAdvisories.size(), 1u);
    EXPECT_EQ(s.clearedAdvisories[0].id, "recording_too_hot:vox:0");
}

TEST(Advisor, SilenceNeitherRaisesNorClears)
{
    Advisor advisor(oneChannelSession(3.0, 10.0));
    double t = run(advisor, 0.0, 2.0, steady(-10.0, -7.0));
    t = run(advisor, t, t + 20.0, steady(-6.0, -70.0, false)); // a pause between takes
    EXPECT_TRUE(advisor.active().empty()) << "2 s of hot signal raised across a pause";
    t = run(advisor, t, t + 1.2, steady(-10.0, -7.0)); // 3.2 s of hot signal in all
    ASSERT_NE(find(advisor.active(), "recording_too_hot"), nullptr);
    t = run(advisor, t, t + 30.0, steady(-6.0, -70.0, false)); // pause: not a fix
    EXPECT_NE(find(advisor.active(), "recording_too_hot"), nullptr);
}

TEST(Advisor, QuietRecordingRaisesTheGainToTheRangeWithinThePeakLimit)
{
    Advisor advisor(oneChannelSession(1.0, 2.0));
    run(advisor, 0.0, 2.0, steady(-30.0, -20.0));
    const AdvisoryRecord* quiet = find(advisor.active(), "recording_too_quiet");
    ASSERT_NE(quiet, nullptr);
    // To the range's centre (-15) would be +15 dB, but the peaks allow only +14 (to -6).
    EXPECT_NEAR(quiet->amountDb, 14.0, 1e-9);
}

TEST(Advisor, ClippingIsRaisedAtTheFirstClipAndClearsAfterClearAfterSecondsWithoutOne)
{
    Advisor advisor(oneChannelSession(3.0, 2.0));
    uint64_t clips = 0;
    double t = 0.0;
    for (; t < 1.0; t += kStep) advisor.evaluate(inputSnapshot(t, -16.0, -8.0, true, clips), t);
    EXPECT_TRUE(advisor.active().empty());
    clips = 4; // four clip events in the next snapshot
    advisor.evaluate(inputSnapshot(t, -16.0, 0.5, true, clips), t);
    const AdvisoryRecord* clip = find(advisor.active(), "clipping");
    ASSERT_NE(clip, nullptr);
    EXPECT_EQ(clip->severity, AdvisorySeverity::critical);
    EXPECT_NEAR(clip->raisedAudioSeconds, t, 1e-9);
    // A clipped tap's overs are the clipping's: no intersample advisory beside it.
    EXPECT_EQ(find(advisor.active(), "intersample_overs"), nullptr);
    const double clippedAt = t;
    for (t += kStep; t < clippedAt + 1.9; t += kStep) advisor.evaluate(inputSnapshot(t, -16.0, -8.0, true, clips), t);
    EXPECT_NE(find(advisor.active(), "clipping"), nullptr);
    for (; t < clippedAt + 2.2; t += kStep) advisor.evaluate(inputSnapshot(t, -16.0, -8.0, true, clips), t);
    EXPECT_EQ(find(advisor.active(), "clipping"), nullptr);
    ASSERT_FALSE(advisor.history().empty());
    EXPECT_EQ(advisor.history().front().rule, "clipping");
}

TEST(Advisor, HistoryIsBoundedNewestFirst)
{
    AdvisorSettings settings;
    settings.historySize = 3;
    Advisor advisor(oneChannelSession(0.0, 0.0), settings);
    double t = 0.0;
    for (int i = 0; i < 5; ++i)
    {
        t = run(advisor, t, t + 0.3, steady(-10.0, -7.0));
        t = run(advisor, t, t + 0.3, steady(-16.0, -14.0));
    }
    EXPECT_EQ(advisor.raisedCount(), 5u);
    ASSERT_EQ(advisor.history().size(), 3u);
    EXPECT_GT(advisor.history()[0].clearedAudioSeconds, advisor.history()[1].clearedAudioSeconds);
}
