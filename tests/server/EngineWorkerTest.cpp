#include "server/engine/EngineWorker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "server/audio/RealtimeMeter.h"
#include "tests/support/TestSignals.h"

using namespace headroom;
using namespace std::chrono_literals;

namespace
{
constexpr uint32_t kRate = 48000;

server::MeterPlan monoInput()
{
    server::MeterPlan plan;
    server::PlannedTap t;
    t.nodeId = "vox";
    t.stage = "input";
    t.numChannels = 1;
    t.layout = {dsp::ChannelRole::mono};
    t.target = server::kRecordingTarget;
    plan.addTap(std::move(t));
    return plan;
}

// Fast ticks so the tests take milliseconds.
server::EngineWorkerOptions fastOptions()
{
    server::EngineWorkerOptions o;
    o.pollInterval = 1ms;
    o.meterRateHz = 200.0;
    o.snapshotRateHz = 100.0;
    o.stallAfterSeconds = 0.05;
    return o;
}

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = 5000ms)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline)
    {
        if (predicate()) return true;
        std::this_thread::sleep_for(1ms);
    }
    return predicate();
}

// Plays audio through the meter in 64-frame periods, as fast as it goes (the ring holds 5 s).
void play(server::RealtimeMeter& meter, const std::vector<float>& audio)
{
    for (std::size_t offset = 0; offset < audio.size(); offset += 64)
    {
        const float* period[] = {audio.data() + offset};
        meter.process(period, std::min<std::size_t>(64, audio.size() - offset));
    }
}

struct Rig
{
    server::MeterPlan plan = monoInput();
    server::RealtimeMeter meter;
    server::EngineWorker worker;

    explicit Rig(server::EngineWorkerOptions options = fastOptions())
    {
        meter.prepare(plan, kRate, {});
        worker.prepare(meter.queue(), plan, kRate, {}, options);
    }
};
} // namespace

TEST(EngineWorker, PublishesSnapshotsAndMeterFramesOfWhatTheMeterProduced)
{
    Rig rig;
    std::atomic<int> snapshots{0};
    std::atomic<int> frames{0};
    rig.worker.onSnapshot([&](const std::shared_ptr<const server::EngineSnapshot>&) { ++snapshots; });
    rig.worker.onMeterFrame([&](const std::shared_ptr<const server::MeterFrame>&) { ++frames; });
    EXPECT_EQ(rig.worker.latestSnapshot(), nullptr);
    rig.worker.start();
    play(rig.meter, test::sine(kRate, 1000.0, -15.0, 1.0));
    ASSERT_TRUE(eventually(
        [&]
        {
            const auto s = rig.worker.latestSnapshot();
            return s && s->audioSeconds >= 1.0;
        }));
    const auto s = rig.worker.latestSnapshot();
    EXPECT_NEAR(s->nodes.at(0).taps.at(0).levelDbfs, -15.0, 0.05);
    EXPECT_GT(s->wallClockUnixMs, 0);
    EXPECT_GE(s->health.workerCpuSeconds, 0.0);
    const auto frame = rig.worker.latestMeterFrame();
    ASSERT_NE(frame, nullptr);
    ASSERT_EQ(frame->rmsDbfs.size(), 1u);
    EXPECT_NEAR(frame->rmsDbfs[0], -15.0, 0.05);
    rig.worker.stop();
    EXPECT_GT(snapshots.load(), 0);
    EXPECT_GT(frames.load(), 0);
}

TEST(EngineWorker, StopDrainsTheQueueAndPublishesAFinalSnapshot)
{
    server::EngineWorkerOptions slow = fastOptions();
    slow.pollInterval = 200ms; // the final drain, not a poll, must see the audio
    slow.snapshotRateHz = 1.0;
    Rig rig(slow);
    rig.worker.start();
    play(rig.meter, test::sine(kRate, 1000.0, -20.0, 0.5));
    rig.worker.stop();
    const auto s = rig.worker.latestSnapshot();
    ASSERT_NE(s, nullptr);
    EXPECT_DOUBLE_EQ(s->audioSeconds, 0.5);
    EXPECT_EQ(s->counters.records, 50u);
}

TEST(EngineWorker, CommandsFromAnyThreadAreAppliedAndAcknowledged)
{
    Rig rig;
    rig.worker.start();
    std::vector<float> hot = test::sine(kRate, 1000.0, -1.0, 0.5);
    for (std::size_t i = 1000; i < 1010; ++i) hot[i] = 1.0f; // a clip event (a run of 10 full-scale samples)
    play(rig.meter, hot);
    ASSERT_TRUE(eventually(
        [&]
        {
            const auto s = rig.worker.latestSnapshot();
            return s && s->audioSeconds >= 0.5;
        }));
    EXPECT_TRUE(rig.worker.latestSnapshot()->nodes[0].taps[0].clipLatched);

    uint64_t peaksId = 0;
    uint64_t loudnessId = 0;
    std::thread control(
        [&]
        {
            peaksId = rig.worker.submit(server::EngineCommand::resetPeaks);
            loudnessId = rig.worker.submit(server::EngineCommand::resetIntegratedLoudness);
        });
    control.join();
    EXPECT_EQ(loudnessId, peaksId + 1);
    ASSERT_TRUE(eventually(
        [&]
        {
            const auto s = rig.worker.latestSnapshot();
            return s && s->lastCommandId >= loudnessId;
        }));
    EXPECT_EQ(rig.worker.lastCommandApplied(), loudnessId);
    const auto& tap = rig.worker.latestSnapshot()->nodes[0].taps[0];
    EXPECT_FALSE(tap.clipLatched);
    EXPECT_EQ(tap.maxTruePeakDbtp, dsp::kMinusInfinityDb);
    EXPECT_EQ(tap.loudness.integratedLufs, dsp::kMinusInfinityDb);
    EXPECT_EQ(tap.channels[0].clipEvents, 1u); // statistics were not reset
}

TEST(EngineWorker, ReportsAStallWhenTheSourceRunsButCallbacksStop)
{
    Rig rig;
    std::atomic<bool> running{true};
    rig.worker.setStallProbe({[&] { return rig.meter.counters().cycles; }, [&] { return running.load(); }});
    EXPECT_FALSE(rig.worker.health().stalled);
    rig.worker.start();
    const std::vector<float> silence(480, 0.0f);
    play(rig.meter, silence);
    ASSERT_TRUE(eventually([&] { return rig.worker.health().stalled; }, 2000ms));
    EXPECT_GT(rig.worker.health().lastRecordAgeSeconds, 0.04);
    EXPECT_GT(rig.worker.health().lastCycleAgeSeconds, 0.05);

    play(rig.meter, silence); // callbacks again
    ASSERT_TRUE(eventually([&] { return !rig.worker.health().stalled; }, 2000ms));

    running = false; // a stopped source is not a stall
    std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(rig.worker.health().stalled);
    rig.worker.stop();
}

TEST(EngineWorker, WithoutAProbeTheCycleAgeIsUnknown)
{
    Rig rig;
    EXPECT_TRUE(std::isnan(rig.worker.health().lastCycleAgeSeconds));
    EXPECT_FALSE(rig.worker.health().stalled);
}

TEST(EngineWorker, ACallbackThatThrowsDoesNotStopTheWorker)
{
    Rig rig;
    rig.worker.onSnapshot([](const std::shared_ptr<const server::EngineSnapshot>&)
                          { throw std::runtime_error("boom"); });
    rig.worker.start();
    play(rig.meter, test::sine(kRate, 1000.0, -20.0, 0.2));
    ASSERT_TRUE(eventually([&] { return rig.worker.callbackErrors() >= 2; }));
    ASSERT_TRUE(eventually(
        [&]
        {
            const auto s = rig.worker.latestSnapshot();
            return s && s->audioSeconds >= 0.2;
        }));
    rig.worker.stop();
}

TEST(EngineWorker, APlanThatDoesNotMatchTheQueueIsRejected)
{
    server::RealtimeMeter meter;
    meter.prepare(monoInput(), kRate, {});
    server::MeterPlan stereo = monoInput();
    stereo.taps[0].numChannels = 2;
    stereo.taps[0].layout = {dsp::ChannelRole::left, dsp::ChannelRole::right};
    stereo.numChannels = 2;
    server::EngineWorker worker;
    EXPECT_THROW(worker.prepare(meter.queue(), stereo, kRate), std::invalid_argument);
}

TEST(EngineWorker, CommandsHaveWireNames)
{
    for (auto c : {server::EngineCommand::resetPeaks, server::EngineCommand::resetIntegratedLoudness,
                   server::EngineCommand::resetStatistics})
        EXPECT_EQ(server::engineCommandFromString(server::toString(c)), c);
    EXPECT_EQ(server::toString(server::EngineCommand::resetPeaks), "reset_peaks");
    EXPECT_FALSE(server::engineCommandFromString("format_disk").has_value());
}
