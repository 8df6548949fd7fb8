#include "server/lab/LabExercise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>

#include "dsp/Decibels.h"
#include "server/engine/EngineStatistics.h"

// The exercises judged on generated signals through the engine's worker statistics: every 10 ms
// sub-block is the exact summary of a sine of the given peak level (as EngineStatisticsTest builds
// them), snapshots every 100 ms of audio, fed to the exercise like the room publisher does.
using namespace headroom;
using server::EngineStatistics;
using server::MeterPlan;
using server::NodeKind;
using server::PlannedTap;
using server::lab::LabExercise;

namespace
{
constexpr uint32_t kRate = 48000;
constexpr uint32_t kFrames = 480;
constexpr double kSilence = -200.0;

dsp::ChannelSummary sine(double peakDbfs)
{
    dsp::ChannelSummary s;
    if (peakDbfs <= kSilence) return s;
    const double a = dsp::dbToAmplitude(peakDbfs);
    const double n = kFrames;
    s.samplePeak = s.truePeak = s.ppmPeak = static_cast<float>(a);
    s.sumSquares = static_cast<float>(n * a * a / 2.0);
    s.kWeightedSumSquares = static_cast<float>(n * a * a / 2.0 * dsp::dbToPower(-dsp::kLoudnessOffsetDb));
    s.sumAbs = static_cast<float>(n * 2.0 * a / std::numbers::pi);
    return s;
}

PlannedTap tap(std::string node, std::string stage, NodeKind kind = NodeKind::channel)
{
    PlannedTap t;
    t.nodeId = std::move(node);
    t.stage = std::move(stage);
    t.numChannels = 1;
    t.layout = *dsp::defaultLayout(1);
    t.nodeKind = kind;
    t.target = server::defaultStageTarget(kind, t.stage);
    return t;
}

// Plays `levels(seconds)` (one peak level per meter channel) into the statistics for `seconds`.
class Rig
{
public:
    explicit Rig(MeterPlan plan) { stats_.prepare(plan, kRate); }

    void play(double seconds, const std::function<std::vector<double>(double)>& levels, LabExercise& exercise)
    {
        const auto blocks = static_cast<long>(std::llround(seconds * 100.0));
        for (long i = 0; i < blocks; ++i, ++block_)
        {
            std::vector<dsp::ChannelSummary> summaries;
            for (double level : levels(static_cast<double>(block_) / 100.0)) summaries.push_back(sine(level));
            server::SubBlockHeader h;
            h.sequence = ++sequence_;
            h.numFrames = kFrames;
            h.sampleRateHz = kRate;
            stats_.addRecord(h, summaries);
            if (block_ % 10 == 9) exercise.update(stats_.snapshot());
        }
    }

private:
    EngineStatistics stats_;
    uint64_t sequence_ = 0;
    long block_ = 0;
};

MeterPlan oneInput()
{
    MeterPlan plan;
    plan.addTap(tap("vox", "input"));
    return plan;
}
} // namespace

TEST(LabExercise1, PassesWhenPeaksNearMinus12AndAverageNearMinus18AreHeld)
{
    // A -19 dBFS sine with a -12 dBFS burst every 100 ms: loudest moments -12, average -17.5.
    Rig rig(oneInput());
    LabExercise e;
    e.start({1, "vox/input", 5.0, 60.0});
    rig.play(12.0, [](double t) { return std::vector<double>{std::fmod(t, 0.1) < 0.005 ? -12.0 : -19.0}; }, e);
    EXPECT_EQ(e.state().state, "passed") << e.state().message;
    EXPECT_GE(e.state().score, 85.0);
    EXPECT_EQ(e.state().target, "vox/input");
}

TEST(LabExercise1, FailsWhenPeaksGoOverMinus6)
{
    Rig rig(oneInput());
    LabExercise e;
    e.start({1, "", 5.0, 20.0});
    rig.play(25.0, [](double) { return std::vector<double>{-3.0}; }, e);
    EXPECT_EQ(e.state().state, "failed");
    EXPECT_NE(e.state().message.find("over -6"), std::string::npos) << e.state().message;
    EXPECT_EQ(e.state().heldSeconds, 0.0);
}

TEST(LabExercise1, FailsWhenTooQuietAndAPeakOverRestartsTheHold)
{
    Rig rig(oneInput());
    LabExercise quiet;
    quiet.start({1, "", 5.0, 15.0});
    rig.play(20.0, [](double) { return std::vector<double>{-30.0}; }, quiet);
    EXPECT_EQ(quiet.state().state, "failed");
    EXPECT_NE(quiet.state().message.find("too low"), std::string::npos) << quiet.state().message;

    // Calibrated, but one peak over -6 at 4 s: the hold starts again, so 5 s are not enough by 6 s.
    Rig rig2(oneInput());
    LabExercise e;
    e.start({1, "", 5.0, 60.0});
    rig2.play(6.0, [](double t) {
        if (t >= 4.0 && t < 4.01) return std::vector<double>{-4.0};
        return std::vector<double>{std::fmod(t, 0.1) < 0.005 ? -12.0 : -19.0};
    }, e);
    EXPECT_EQ(e.state().state, "running");
    EXPECT_EQ(e.state().items[2].valueDbfs.value_or(0.0), 1.0); // one over
}

TEST(LabExercise2, PassesOnceTheHotChannelIsTrimmed)
{
    MeterPlan plan;
    plan.addTap(tap("kick", "pre_insert"));
    plan.addTap(tap("bass", "pre_insert"));
    Rig rig(plan);
    LabExercise e;
    e.start({2, "", 3.0, 60.0});
    rig.play(4.0, [](double) { return std::vector<double>{-9.0, -18.0}; }, e);
    EXPECT_EQ(e.state().state, "running");
    ASSERT_EQ(e.state().items.size(), 2u);
    EXPECT_FALSE(e.state().items[0].ok);
    EXPECT_NE(e.state().items[0].note.find("hot"), std::string::npos);
    // The student trims the kick by 9 dB.
    rig.play(10.0, [](double) { return std::vector<double>{-18.0, -18.0}; }, e);
    EXPECT_EQ(e.state().state, "passed") << e.state().message;
    EXPECT_EQ(e.state().items[0].note, "trimmed into range");
    EXPECT_EQ(e.state().items[1].note, "in range");
    EXPECT_DOUBLE_EQ(e.state().score, 100.0);
}

TEST(LabExercise2, FailsWhileAChannelStaysHot)
{
    MeterPlan plan;
    plan.addTap(tap("kick", "pre_insert"));
    plan.addTap(tap("bass", "pre_insert"));
    Rig rig(plan);
    LabExercise e;
    e.start({2, "", 3.0, 15.0});
    rig.play(20.0, [](double) { return std::vector<double>{-9.0, -18.0}; }, e);
    EXPECT_EQ(e.state().state, "failed");
    EXPECT_DOUBLE_EQ(e.state().score, 50.0);
}

namespace
{
MeterPlan mix()
{
    MeterPlan plan;
    plan.addTap(tap("kick", "post_fader"));
    plan.addTap(tap("bass", "post_fader"));
    plan.addTap(tap("master", "pre_insert", NodeKind::master));
    return plan;
}
} // namespace

TEST(LabExercise3, DetectsAllFadersDownAndScoresTheNewHeadroom)
{
    Rig rig(mix());
    LabExercise e;
    e.start({3, "", 3.0, 60.0});
    // Hot mix bus (peaks -3), then every fader down 8 dB at 5 s: mix bus peaks -11.
    rig.play(15.0, [](double t) {
        const double down = t >= 5.0 ? 8.0 : 0.0;
        return std::vector<double>{-12.0 - down, -12.0 - down, -3.0 - down};
    }, e);
    EXPECT_EQ(e.state().state, "passed") << e.state().message;
    ASSERT_GE(e.state().items.size(), 3u);
    EXPECT_NEAR(*e.state().items[1].valueDbfs, 8.0, 0.5); // the move
    EXPECT_NEAR(*e.state().items[2].valueDbfs, -11.0, 0.2);
    EXPECT_DOUBLE_EQ(e.state().score, 100.0);
}

TEST(LabExercise3, OneFaderDownIsNotTheMoveAndTooLittleLeavesTheBusHot)
{
    Rig rig(mix());
    LabExercise e;
    e.start({3, "", 3.0, 15.0});
    rig.play(20.0, [](double t) {
        const double down = t >= 5.0 ? 8.0 : 0.0;
        return std::vector<double>{-12.0 - down, -12.0, -3.0 - down / 2.0};
    }, e);
    EXPECT_EQ(e.state().state, "failed");
    EXPECT_NE(e.state().message.find("ALL faders"), std::string::npos) << e.state().message;

    Rig rig2(mix());
    LabExercise small;
    small.start({3, "", 3.0, 15.0});
    rig2.play(20.0, [](double t) {
        const double down = t >= 5.0 ? 2.0 : 0.0;
        return std::vector<double>{-12.0 - down, -12.0 - down, -3.0 - down};
    }, small);
    EXPECT_EQ(small.state().state, "failed");
}

TEST(LabExercise, StopKeepsTheScoreAndResetClears)
{
    Rig rig(oneInput());
    LabExercise e;
    e.start({1, "", 5.0, 60.0});
    rig.play(2.0, [](double) { return std::vector<double>{-18.0}; }, e);
    e.stop();
    EXPECT_EQ(e.state().state, "stopped");
    const uint64_t run = e.state().runId;
    e.reset();
    EXPECT_EQ(e.state().state, "idle");
    EXPECT_EQ(e.state().number, 0);
    e.start({2, "", 0.0, 0.0});
    EXPECT_EQ(e.state().runId, run + 1);
}
