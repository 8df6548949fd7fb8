#include <gtest/gtest.h>

#include "proto/MeterFrameCodec.h"
#include "tests/proto/ProtoFixtures.h"

namespace headroom::proto
{
namespace
{

TEST(MeterFrameMerge, TakesTheMaximumOfPeaksAndTheNewerNeedles)
{
    const MeterFrame older = fixtures::mergedFrameOlder();
    const MeterFrame newer = fixtures::mergedFrameNewer();
    MeterFrame merged = older;
    EXPECT_EQ(mergeMeterFrames(merged, newer), MergeOutcome::merged);

    for (std::size_t k = 0; k < kNumMeterFields; ++k)
    {
        const auto field = static_cast<MeterField>(k);
        const auto& m = merged.level(field);
        SCOPED_TRACE(std::string(toString(field)));
        if (mergesByMaximum(field))
        {
            EXPECT_EQ(m[0], -700);  // no data before: the new value
            EXPECT_EQ(m[1], -500);  // no data now: the old value
            EXPECT_EQ(m[2], -1500); // -inf before: the new value
            EXPECT_EQ(m[3], -200);  // the louder, older peak survives
            for (std::size_t i = 4; i < 17; ++i)
                EXPECT_EQ(m[i], std::max(older.level(field)[i], newer.level(field)[i]));
        }
        else
        {
            EXPECT_EQ(m, newer.level(field));
        }
    }
}

TEST(MeterFrameMerge, OrsClipEventsButTakesTheNewerLatch)
{
    MeterFrame merged = fixtures::mergedFrameOlder();
    mergeMeterFrames(merged, fixtures::mergedFrameNewer());
    EXPECT_EQ(merged.clipFlags[4], 0);          // latched before, reset since: the light goes out
    EXPECT_EQ(merged.clipFlags[5], kClipEvent); // the older frame's clip still flashes
    EXPECT_EQ(merged.clipFlags[6], kClipEvent | kClipLatched);
    EXPECT_EQ(merged.clipFlags[16], kClipEvent | kClipLatched);
    EXPECT_EQ(merged.clipFlags[0], 0);
}

TEST(MeterFrameMerge, OrsEventFlagsTakesNewerStateFlagsAndMarksTheFrameMerged)
{
    MeterFrame merged = fixtures::mergedFrameOlder();       // dropped | stale
    mergeMeterFrames(merged, fixtures::mergedFrameNewer()); // xrun
    EXPECT_EQ(merged.flags, frame_flags::merged | frame_flags::dropped | frame_flags::xrun);
    EXPECT_EQ(merged.sequence, 2002u);
    EXPECT_EQ(merged.serverTimeUs, fixtures::mergedFrameNewer().serverTimeUs);
    EXPECT_EQ(merged, fixtures::mergedFrame());
}

TEST(MeterFrameMerge, WithoutMarkingIsARateTiersAggregation)
{
    MeterFrame a = fixtures::mergedFrameNewer();
    a.flags = 0;
    MeterFrame b = a;
    b.sequence += 1;
    mergeMeterFrames(a, b, /*markMerged=*/false);
    EXPECT_EQ(a.flags, 0);
    EXPECT_EQ(a, b);
}

TEST(MeterFrameMerge, IsIdempotentForIdenticalFramesApartFromTheFlag)
{
    MeterFrame f = fixtures::fullFrame();
    mergeMeterFrames(f, fixtures::fullFrame());
    MeterFrame expected = fixtures::fullFrame();
    expected.flags = frame_flags::merged;
    EXPECT_EQ(f, expected);
}

TEST(MeterFrameMerge, ReplacesFramesOfAnotherTopologyFieldSetOrChannelSet)
{
    const MeterFrame full = fixtures::fullFrame();
    MeterFrame otherTopology = full;
    otherTopology.topologyVersion += 1;
    otherTopology.flags = frame_flags::stale;

    MeterFrame pending = full;
    pending.flags = frame_flags::xrun;
    EXPECT_EQ(mergeMeterFrames(pending, otherTopology), MergeOutcome::replaced);
    MeterFrame expected = otherTopology;
    expected.flags = frame_flags::merged | frame_flags::xrun | frame_flags::stale; // events survive
    EXPECT_EQ(pending, expected);

    pending = full;
    EXPECT_EQ(mergeMeterFrames(pending, fixtures::subsetFrame()), MergeOutcome::replaced);
    EXPECT_EQ(pending.ranges, fixtures::subsetFrame().ranges);
}

TEST(MeterFrameMerge, WorksOnEncodedFrames)
{
    const auto older = encodeMeterFrame(fixtures::mergedFrameOlder());
    const auto newer = encodeMeterFrame(fixtures::mergedFrameNewer());
    ASSERT_TRUE(older.ok() && newer.ok());
    const auto merged = mergeEncodedMeterFrames(older.value(), newer.value());
    ASSERT_TRUE(merged.ok()) << merged.error().message;
    EXPECT_EQ(merged.value(), encodeMeterFrame(fixtures::mergedFrame()).value());

    std::vector<uint8_t> broken = older.value();
    broken.pop_back();
    EXPECT_EQ(mergeEncodedMeterFrames(broken, newer.value()).error().code, FrameErrorCode::truncated);
}

TEST(MeterFrameMerge, ChainsOverManyFramesLikeASlowConnection)
{
    // A pending slot absorbing 10 frames: peaks are the maximum over all of them.
    MeterFrame pending = fixtures::mergedFrameNewer();
    pending.flags = 0;
    int16_t loudest = pending.level(MeterField::truePeak)[5];
    for (int i = 0; i < 10; ++i)
    {
        MeterFrame next = fixtures::mergedFrameNewer();
        next.flags = 0;
        next.sequence += static_cast<uint64_t>(i + 1);
        next.level(MeterField::truePeak)[5] = static_cast<int16_t>(-3000 + (i == 6 ? 2900 : 0));
        if (i == 6) loudest = std::max(loudest, next.level(MeterField::truePeak)[5]);
        mergeMeterFrames(pending, next);
    }
    EXPECT_EQ(pending.level(MeterField::truePeak)[5], loudest);
    EXPECT_EQ(pending.sequence, fixtures::mergedFrameNewer().sequence + 10);
    EXPECT_EQ(pending.flags, frame_flags::merged);
}

} // namespace
} // namespace headroom::proto
