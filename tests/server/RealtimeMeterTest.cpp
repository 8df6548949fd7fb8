#include "server/audio/RealtimeMeter.h"

#include <gtest/gtest.h>

#include <cmath>

#include "dsp/ChannelStatistics.h"
#include "dsp/Decibels.h"
#include "tests/support/TestSignals.h"

using namespace headroom;

namespace
{
server::MeterPlan twoMembersAndVirtualBus(std::size_t busChannels, std::size_t memberChannels)
{
    server::MeterPlan plan;
    const auto layoutOf = [](std::size_t n) { return *dsp::defaultLayout(n); };
    const std::size_t a = plan.addTap({"gtr1", "post_fader", 0, memberChannels, layoutOf(memberChannels), false, {}});
    const std::size_t b = plan.addTap({"gtr2", "post_fader", 0, memberChannels, layoutOf(memberChannels), false, {}});
    plan.addTap({"guitars", "pre_insert", 0, busChannels, layoutOf(busChannels), true, {a, b}});
    return plan;
}

// Drains the queue into per-channel statistics.
std::vector<dsp::ChannelStatistics> drain(server::RealtimeMeter& meter)
{
    std::vector<dsp::ChannelStatistics> stats(meter.numChannels());
    while (const server::SubBlockHeader* record = meter.queue().tryBeginRead())
    {
        const auto summaries = meter.queue().summariesOf(record);
        for (std::size_t c = 0; c < summaries.size(); ++c) stats[c].add(summaries[c], record->numFrames);
        meter.queue().commitRead();
    }
    return stats;
}
} // namespace

TEST(RealtimeMeter, VirtualBusOfTwoCoherentMembersReadsSixDecibelsHotter)
{
    server::RealtimeMeter meter;
    meter.prepare(twoMembersAndVirtualBus(1, 1), 48000, {}, 1024);
    const std::vector<float> tone = test::sine(48000, 1000.0, -18.0, 2.0);
    const float* sources[] = {tone.data(), tone.data()};
    for (std::size_t offset = 0; offset < tone.size(); offset += 256)
    {
        const float* period[] = {sources[0] + offset, sources[1] + offset};
        meter.process(period, std::min<std::size_t>(256, tone.size() - offset));
    }
    const auto stats = drain(meter);
    EXPECT_NEAR(stats[0].readings().rmsDbfs, -18.0, 0.01);
    EXPECT_NEAR(stats[1].readings().rmsDbfs, -18.0, 0.01);
    EXPECT_NEAR(stats[2].readings().rmsDbfs, -18.0 + 20.0 * std::log10(2.0), 0.01); // -11.98
}

TEST(RealtimeMeter, MonoMembersReachAStereoBusAtMinusThreeDecibels)
{
    server::RealtimeMeter meter;
    meter.prepare(twoMembersAndVirtualBus(2, 1), 48000, {}, 1024);
    const std::vector<float> tone = test::sine(48000, 1000.0, -18.0, 1.0);
    const float* sources[] = {tone.data(), tone.data()};
    meter.process(sources, tone.size());
    const auto stats = drain(meter);
    ASSERT_EQ(stats.size(), 4u);
    EXPECT_NEAR(stats[2].readings().rmsDbfs, -18.0 + 20.0 * std::log10(2.0 * 0.70710678), 0.01);
    EXPECT_NEAR(stats[3].readings().rmsDbfs, -18.0 + 20.0 * std::log10(2.0 * 0.70710678), 0.01);
}

TEST(RealtimeMeter, PeriodsLongerThanTheScratchAreSplitAndCounted)
{
    server::RealtimeMeter meter;
    meter.prepare(twoMembersAndVirtualBus(1, 1), 48000, {}, 1024);
    const std::vector<float> tone = test::sine(48000, 1000.0, -20.0, 1.0);
    const float* sources[] = {tone.data(), nullptr};
    meter.process(sources, 20000);
    EXPECT_EQ(meter.counters().oversizePeriods, 1u);
    EXPECT_EQ(meter.counters().framesMetered, 20000u);
    const auto stats = drain(meter);
    EXPECT_NEAR(stats[0].readings().samplePeakDbfs, -20.0, 0.01);
    EXPECT_EQ(stats[1].readings().samplePeakDbfs, dsp::kMinusInfinityDb);
    EXPECT_NEAR(stats[2].readings().samplePeakDbfs, -20.0, 0.01);
}

TEST(RealtimeMeter, AFullQueueDropsRecordsAndReportsHowMany)
{
    server::RealtimeMeter meter;
    meter.prepare(twoMembersAndVirtualBus(1, 1), 48000, {}, 4); // room for 3 records
    const std::vector<float> silence(4800, 0.0f);
    const float* sources[] = {silence.data(), silence.data()};
    meter.process(sources, silence.size()); // 10 sub-blocks
    EXPECT_EQ(meter.counters().recordsDropped, 7u);
    const server::SubBlockHeader* first = meter.queue().tryBeginRead();
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->sequence, 1u);
    meter.queue().commitRead();
    meter.queue().commitRead();
    meter.queue().commitRead();
    meter.process(sources, 480);
    const server::SubBlockHeader* next = meter.queue().tryBeginRead();
    ASSERT_NE(next, nullptr);
    EXPECT_EQ(next->sequence, 11u);
    EXPECT_EQ(next->droppedBefore, 7u);
}

TEST(RealtimeMeter, XrunsAreReportedWithTheNextRecord)
{
    server::RealtimeMeter meter;
    meter.prepare(twoMembersAndVirtualBus(1, 1), 48000, {}, 64);
    meter.noteXrun();
    meter.noteXrun();
    const std::vector<float> silence(480, 0.0f);
    const float* sources[] = {silence.data(), silence.data()};
    meter.process(sources, silence.size());
    const server::SubBlockHeader* record = meter.queue().tryBeginRead();
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record->xrunsBefore, 2u);
}
