#include "server/engine/EngineStatistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "dsp/Decibels.h"
#include "server/audio/RealtimeMeter.h"
#include "tests/support/TestSignals.h"

using namespace headroom;
using server::EngineStatistics;
using server::MeterPlan;
using server::NodeKind;
using server::PlannedTap;

namespace
{
constexpr uint32_t kRate = 48000;
constexpr uint32_t kFrames = 480; // one sub-block at 48 kHz

// The summary of one sub-block of a steady 997 Hz sine of a given peak level, written from the
// definitions: sum x^2 = n A^2 / 2, sum |x| = n 2A / pi, K-weighting's gain at 997 Hz is what the
// -0.691 dB loudness offset cancels.
dsp::ChannelSummary sineSummary(double peakDbfs, uint32_t frames = kFrames)
{
    const double a = dsp::dbToAmplitude(peakDbfs);
    const double n = frames;
    dsp::ChannelSummary s;
    s.samplePeak = s.truePeak = s.ppmPeak = static_cast<float>(a);
    s.sumSquares = static_cast<float>(n * a * a / 2.0);
    s.kWeightedSumSquares = static_cast<float>(n * a * a / 2.0 * dsp::dbToPower(-dsp::kLoudnessOffsetDb));
    s.sumAbs = static_cast<float>(n * 2.0 * a / std::numbers::pi);
    return s;
}

// Feeds records with consecutive sequence numbers.
struct Feeder
{
    EngineStatistics& stats;
    uint64_t sequence = 0;

    void feed(const std::vector<dsp::ChannelSummary>& channels, std::size_t subBlocks)
    {
        for (std::size_t i = 0; i < subBlocks; ++i)
        {
            server::SubBlockHeader h;
            h.sequence = ++sequence;
            h.numFrames = kFrames;
            h.sampleRateHz = kRate;
            stats.addRecord(h, channels);
        }
    }
    void seconds(const std::vector<dsp::ChannelSummary>& channels, double s)
    {
        feed(channels, static_cast<std::size_t>(std::llround(s * 100.0)));
    }
};

PlannedTap tap(std::string node, std::string stage, std::size_t channels, NodeKind kind = NodeKind::channel)
{
    PlannedTap t;
    t.nodeId = std::move(node);
    t.stage = std::move(stage);
    t.numChannels = channels;
    t.layout = *dsp::defaultLayout(channels);
    t.nodeKind = kind;
    t.target = server::defaultStageTarget(kind, t.stage);
    return t;
}

// One mono channel "vox" with an input tap (the recording target: -18..-12, peaks -6).
MeterPlan monoInput()
{
    MeterPlan plan;
    plan.addTap(tap("vox", "input", 1));
    return plan;
}

const server::TapStats& onlyTap(const server::EngineSnapshot& s)
{
    return s.nodes.at(0).taps.at(0);
}

// Runs planar sources through a RealtimeMeter in 64-frame periods (as JACK would) and the records
// into statistics.
void meterThrough(server::RealtimeMeter& meter, EngineStatistics& stats,
                  const std::vector<std::vector<float>>& sources)
{
    const std::size_t total = sources.front().size();
    std::vector<const float*> period(sources.size());
    for (std::size_t offset = 0; offset < total; offset += 64)
    {
        for (std::size_t s = 0; s < sources.size(); ++s) period[s] = sources[s].data() + offset;
        meter.process(period.data(), std::min<std::size_t>(64, total - offset));
        while (const server::SubBlockHeader* record = meter.queue().tryBeginRead())
        {
            stats.addRecord(*record, meter.queue().summariesOf(record));
            meter.queue().commitRead();
        }
    }
}

std::vector<float> scaled(std::vector<float> x, double gainDb)
{
    const auto g = static_cast<float>(dsp::dbToAmplitude(gainDb));
    for (float& v : x) v *= g;
    return x;
}

std::vector<float> summed(const std::vector<float>& a, const std::vector<float>& b)
{
    std::vector<float> s(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) s[i] = a[i] + b[i];
    return s;
}

// Two mono members summed into a mono bus "guitars"; optionally the bus input is tapped too.
MeterPlan twoMemberBus(bool measured)
{
    MeterPlan plan;
    const std::size_t a = plan.addTap(tap("gtr1", "post_fader", 1));
    const std::size_t b = plan.addTap(tap("gtr2", "post_fader", 1));
    std::optional<std::size_t> input;
    if (measured) input = plan.addTap(tap("guitars", "pre_insert", 1, NodeKind::bus));
    plan.addBus("guitars", NodeKind::bus, 1, {dsp::ChannelRole::mono}, {a, b}, input);
    return plan;
}

const server::NodeStats& node(const server::EngineSnapshot& s, const std::string& id)
{
    for (const auto& n : s.nodes)
        if (n.id == id) return n;
    throw std::out_of_range(id);
}
} // namespace

TEST(EngineStatistics, SteadySineReadsItsLevelHeadroomCrestAndLoudness)
{
    EngineStatistics stats;
    stats.prepare(monoInput(), kRate);
    Feeder{stats}.seconds({sineSummary(-15.0)}, 5.0);
    const auto s = stats.snapshot();
    const auto& t = onlyTap(s);
    EXPECT_NEAR(t.levelDbfs, -15.0, 0.01); // AES17: a sine reads its peak level
    EXPECT_NEAR(t.averageDbfs, -15.0, 0.01);
    EXPECT_NEAR(t.maxTruePeakDbtp, -15.0, 0.01);
    EXPECT_NEAR(t.headroomDb, 15.0, 0.01);
    EXPECT_NEAR(t.crestFactorDb, 3.01, 0.01);
    EXPECT_NEAR(t.channels[0].vuDbfs, -15.0, 0.05);
    EXPECT_NEAR(t.channels[0].rmsSinceResetDbfs, -15.0, 0.01);
    EXPECT_NEAR(t.loudness.momentaryLufs, -18.01, 0.01); // mono: sine RMS, K-weighting cancels at 997 Hz
    EXPECT_NEAR(t.loudness.integratedLufs, -18.01, 0.02);
    EXPECT_NEAR(t.loudness.plrDb, 3.01, 0.02);
    ASSERT_TRUE(t.target.has_value());
    EXPECT_DOUBLE_EQ(t.target->averageDistanceDb, 0.0);   // -15 lies in -18..-12
    EXPECT_NEAR(t.target->headroomToTargetDb, 9.0, 0.01); // peaks may rise 9 dB to -6
    EXPECT_NEAR(t.target->inRangeSeconds, 5.0, 0.001);
    EXPECT_NEAR(t.target->activeSeconds, 5.0, 0.001);
    EXPECT_DOUBLE_EQ(t.target->overSeconds, 0.0);
    EXPECT_NEAR(s.audioSeconds, 5.0, 1e-9);
}

TEST(EngineStatistics, TheRecentWindowsLengthIsASetting)
{
    server::StatisticsSettings settings;
    settings.recentWindowSeconds = 2.0; // 10 buckets of 0.2 s
    EngineStatistics stats;
    stats.prepare(monoInput(), kRate, settings);
    Feeder feeder{stats};
    feeder.seconds({sineSummary(-30.0)}, 5.0);
    feeder.seconds({sineSummary(-10.0)}, 3.0);
    EXPECT_NEAR(onlyTap(stats.snapshot()).averageDbfs, -10.0, 0.01); // the last 2 s only

    EngineStatistics defaults; // 10 s: 2 s of -30 dBFS and 8 s of -10 dBFS
    defaults.prepare(monoInput(), kRate);
    Feeder feedDefaults{defaults};
    feedDefaults.seconds({sineSummary(-30.0)}, 5.0);
    feedDefaults.seconds({sineSummary(-10.0)}, 8.0);
    EXPECT_NEAR(onlyTap(defaults.snapshot()).averageDbfs, -10.0 + 10.0 * std::log10(0.8 + 0.2 * 0.01), 0.02);
}

TEST(EngineStatistics, DistanceToTargetIsMeasuredFromTheNearestEdge)
{
    EngineStatistics stats;
    stats.prepare(monoInput(), kRate);
    Feeder feeder{stats};
    feeder.seconds({sineSummary(-8.0)}, 2.0);
    EXPECT_NEAR(onlyTap(stats.snapshot()).target->averageDistanceDb, 4.0, 0.01); // 4 dB above -12
    stats.resetStatistics();
    feeder.seconds({sineSummary(-30.0)}, 2.0);
    EXPECT_NEAR(onlyTap(stats.snapshot()).target->averageDistanceDb, -12.0, 0.01); // 12 dB below -18
}

TEST(EngineStatistics, TimeInRangeCountsOnlyActiveSignal)
{
    EngineStatistics stats;
    stats.prepare(monoInput(), kRate);
    Feeder feeder{stats};
    feeder.seconds({sineSummary(-15.0)}, 2.0);    // in range
    feeder.seconds({sineSummary(-8.0)}, 2.0);     // average over -12
    feeder.seconds({sineSummary(-25.0)}, 2.0);    // under -18
    feeder.seconds({dsp::ChannelSummary{}}, 3.0); // silence: not counted once the 300 ms window empties
    const auto g = *onlyTap(stats.snapshot()).target;
    // The 300 ms window carries each level into the next segment. Computed from the window's
    // energy mix: -15 -> -8 stays in range for 70 ms; -8 -> -25 stays over for 180 ms, then passes
    // through the range for 90 ms; -25 -> silence stays active (under) for 290 ms.
    EXPECT_NEAR(g.inRangeSeconds, 2.0 + 0.07 + 0.09, 0.015);
    EXPECT_NEAR(g.overSeconds, 2.0 - 0.07 + 0.18, 0.015);
    EXPECT_NEAR(g.underSeconds, 2.0 - 0.18 - 0.09 + 0.29, 0.015);
    EXPECT_NEAR(g.activeSeconds, g.inRangeSeconds + g.overSeconds + g.underSeconds, 1e-9);
    EXPECT_NEAR(g.activeSeconds, 6.29, 0.03);
    EXPECT_DOUBLE_EQ(g.peakOverSeconds, 0.0);
}

TEST(EngineStatistics, APeakOverThePeakTargetCountsAsOverEvenAtAGoodAverage)
{
    EngineStatistics stats;
    stats.prepare(monoInput(), kRate);
    Feeder feeder{stats};
    dsp::ChannelSummary spike = sineSummary(-15.0);
    spike.truePeak = static_cast<float>(dsp::dbToAmplitude(-3.0));
    feeder.seconds({sineSummary(-15.0)}, 1.0);
    feeder.feed({spike}, 3);
    const auto g = *onlyTap(stats.snapshot()).target;
    EXPECT_NEAR(g.peakOverSeconds, 0.03, 1e-9);
    EXPECT_NEAR(g.overSeconds, 0.03, 1e-9);
    EXPECT_NEAR(g.inRangeSeconds, 1.0, 1e-9);
    EXPECT_NEAR(g.headroomToTargetDb, -3.0, 0.01);
}

TEST(EngineStatistics, NoiseFloorIsTheLevelOfTheQuietPassages)
{
    EngineStatistics stats;
    stats.prepare(monoInput(), kRate);
    Feeder feeder{stats};
    feeder.seconds({sineSummary(-70.0)}, 0.5);
    EXPECT_TRUE(std::isnan(onlyTap(stats.snapshot()).noiseFloorDbfs)); // not yet 1 s of values
    feeder.seconds({sineSummary(-70.0)}, 2.5);                         // hiss between takes
    feeder.seconds({sineSummary(-18.0)}, 9.0);                         // the take
    feeder.seconds({dsp::ChannelSummary{}}, 5.0); // digital silence says nothing about the noise
    EXPECT_NEAR(onlyTap(stats.snapshot()).noiseFloorDbfs, -70.0, 0.05);
}

TEST(EngineStatistics, ResetPeaksClearsHoldsLatchesAndHeadroomButNotLoudness)
{
    EngineStatistics stats;
    stats.prepare(monoInput(), kRate);
    Feeder feeder{stats};
    dsp::ChannelSummary clip = sineSummary(-1.0);
    clip.samplePeak = 1.0f;
    clip.truePeak = static_cast<float>(dsp::dbToAmplitude(1.5));
    clip.clippedSamples = 5;
    clip.clipEvents = 1;
    feeder.seconds({sineSummary(-20.0)}, 3.0);
    feeder.feed({clip}, 1);
    feeder.seconds({sineSummary(-20.0)}, 1.0);

    auto t = onlyTap(stats.snapshot());
    EXPECT_TRUE(t.clipLatched);
    EXPECT_NEAR(t.channels[0].peakHoldDbtp, 1.5, 0.01); // held for 2 s
    EXPECT_NEAR(t.headroomDb, -1.5, 0.01);
    EXPECT_EQ(t.channels[0].clipEvents, 1u);
    const double integrated = t.loudness.integratedLufs;
    ASSERT_TRUE(std::isfinite(integrated));

    stats.resetPeaks();
    t = onlyTap(stats.snapshot());
    EXPECT_FALSE(t.clipLatched);
    EXPECT_EQ(t.channels[0].peakHoldDbtp, dsp::kMinusInfinityDb);
    EXPECT_EQ(t.maxTruePeakDbtp, dsp::kMinusInfinityDb);
    EXPECT_DOUBLE_EQ(t.loudness.integratedLufs, integrated);
    EXPECT_EQ(t.channels[0].clipEvents, 1u); // the count is a statistic, not a latch

    feeder.feed({sineSummary(-20.0)}, 1);
    EXPECT_NEAR(onlyTap(stats.snapshot()).headroomDb, 20.0, 0.01);

    stats.resetIntegratedLoudness();
    t = onlyTap(stats.snapshot());
    EXPECT_EQ(t.loudness.integratedLufs, dsp::kMinusInfinityDb);
    EXPECT_NEAR(t.headroomDb, 20.0, 0.01);
    EXPECT_NEAR(t.loudness.momentaryLufs, -23.01, 0.01); // the sliding windows keep running

    stats.resetStatistics();
    t = onlyTap(stats.snapshot());
    EXPECT_EQ(t.channels[0].clipEvents, 0u);
    EXPECT_DOUBLE_EQ(t.target->activeSeconds, 0.0);
}

TEST(EngineStatistics, PeaksSinceTheLastSnapshotAndTheLastMeterFrameAreTrackedSeparately)
{
    EngineStatistics stats;
    stats.prepare(monoInput(), kRate);
    Feeder feeder{stats};
    dsp::ChannelSummary clip = sineSummary(0.0);
    clip.clipEvents = 1;
    feeder.feed({clip}, 1);
    feeder.feed({sineSummary(-30.0)}, 1);

    server::MeterFrame frame;
    stats.takeMeterFrame(frame);
    ASSERT_EQ(frame.samplePeakDbfs.size(), 1u);
    EXPECT_NEAR(frame.samplePeakDbfs[0], 0.0, 0.01);
    EXPECT_EQ(frame.clipFlags[0], server::kClipLatchedFlag | server::kClippedSinceLastFlag);
    EXPECT_EQ(frame.lastRecordSequence, 2u);

    feeder.feed({sineSummary(-30.0)}, 1);
    stats.takeMeterFrame(frame);
    EXPECT_NEAR(frame.samplePeakDbfs[0], -30.0, 0.01);
    EXPECT_EQ(frame.clipFlags[0], server::kClipLatchedFlag);
    EXPECT_NEAR(frame.peakHoldDbtp[0], 0.0, 0.01);
    EXPECT_EQ(frame.frameSequence, 2u);

    // The snapshot's own "since last" still covers all three sub-blocks.
    const auto t = onlyTap(stats.snapshot());
    EXPECT_NEAR(t.channels[0].samplePeakDbfs, 0.0, 0.01);
    EXPECT_TRUE(t.channels[0].clippedSinceLast);
    const auto next = onlyTap(stats.snapshot());
    EXPECT_EQ(next.channels[0].samplePeakDbfs, dsp::kMinusInfinityDb);
    EXPECT_FALSE(next.channels[0].clippedSinceLast);
    EXPECT_TRUE(next.channels[0].clipLatched);
}

TEST(EngineStatistics, GapsDropsXrunsAndMalformedRecordsAreCounted)
{
    EngineStatistics stats;
    stats.prepare(monoInput(), kRate);
    const std::vector<dsp::ChannelSummary> one{sineSummary(-20.0)};
    server::SubBlockHeader h;
    h.numFrames = kFrames;
    h.sampleRateHz = kRate;
    h.sequence = 1;
    stats.addRecord(h, one);
    h.sequence = 4;
    h.droppedBefore = 2;
    h.xrunsBefore = 1;
    stats.addRecord(h, one);
    h.sequence = 5;
    h.droppedBefore = 0;
    h.xrunsBefore = 0;
    stats.addRecord(h, {}); // wrong channel count
    h.sampleRateHz = 44100;
    stats.addRecord(h, one); // wrong rate
    const auto c = stats.snapshot().counters;
    EXPECT_EQ(c.records, 2u);
    EXPECT_EQ(c.sequenceGaps, 2u);
    EXPECT_EQ(c.droppedRecords, 2u);
    EXPECT_EQ(c.xruns, 1u);
    EXPECT_EQ(c.malformedRecords, 2u);
    EXPECT_EQ(c.lastSequence, 4u);
    EXPECT_NEAR(stats.audioSeconds(), 0.02, 1e-12);
}

TEST(EngineStatistics, RecordsTheRealtimeMeterDroppedAreAccountedFor)
{
    const MeterPlan plan = monoInput();
    server::RealtimeMeter meter;
    meter.prepare(plan, kRate, {}, 4); // room for 3 records
    EngineStatistics stats;
    stats.prepare(plan, kRate);
    const std::vector<float> tone = test::sine(kRate, 1000.0, -20.0, 0.1); // 10 sub-blocks
    const float* sources[] = {tone.data()};
    meter.process(sources, tone.size()); // the worker was "asleep": 7 dropped
    meter.process(sources, 480);         // and one more after it woke... still full: dropped
    while (const server::SubBlockHeader* r = meter.queue().tryBeginRead())
    {
        stats.addRecord(*r, meter.queue().summariesOf(r));
        meter.queue().commitRead();
    }
    meter.process(sources, 480);
    while (const server::SubBlockHeader* r = meter.queue().tryBeginRead())
    {
        stats.addRecord(*r, meter.queue().summariesOf(r));
        meter.queue().commitRead();
    }
    const auto c = stats.snapshot().counters;
    EXPECT_EQ(c.records, 4u);
    EXPECT_EQ(c.droppedRecords, meter.counters().recordsDropped);
    EXPECT_EQ(c.sequenceGaps, meter.counters().recordsDropped);
    EXPECT_EQ(c.lastSequence, 12u);
}

TEST(EngineStatistics, TwoCoherentMembersSumSixDecibelsHotterAndShareTheBusEqually)
{
    const MeterPlan plan = twoMemberBus(false);
    server::RealtimeMeter meter;
    meter.prepare(plan, kRate, {});
    EngineStatistics stats;
    stats.prepare(plan, kRate);
    const std::vector<float> tone = test::sine(kRate, 1000.0, -18.0, 3.0);
    meterThrough(meter, stats, {tone, tone});
    const auto s = stats.snapshot();
    const auto& bus = node(s, "guitars");
    ASSERT_TRUE(bus.bus.has_value());
    EXPECT_EQ(bus.kind, NodeKind::bus);
    EXPECT_EQ(bus.taps.at(0).stage, "pre_insert");
    EXPECT_NEAR(bus.taps.at(0).levelDbfs, -12.0, 0.1); // AES17 RMS of the virtual bus input
    EXPECT_NEAR(bus.bus->predictedDbfs, -12.0, 0.1);
    EXPECT_NEAR(bus.bus->summingGainDb, 3.01, 0.02); // coherent: 6 dB up on 3 dB more energy
    ASSERT_EQ(bus.bus->members.size(), 2u);
    EXPECT_NEAR(bus.bus->members[0].share, 0.5, 0.001);
    EXPECT_NEAR(bus.bus->members[1].share, 0.5, 0.001);
    EXPECT_NEAR(bus.bus->members[0].levelDbfs, -18.0, 0.02);
    EXPECT_NEAR(bus.bus->summedTruePeakDbtp, -12.0, 0.05);
    EXPECT_NEAR(bus.bus->summedHeadroomDb, 12.0, 0.05);
    EXPECT_TRUE(std::isnan(bus.bus->measuredMinusPredictedDb));      // the input is not tapped
    EXPECT_NEAR(bus.taps.at(0).target->averageDistanceDb, 3.0, 0.1); // bus input target -21..-15
}

TEST(EngineStatistics, TwoIncoherentMembersSumThreeDecibelsHotter)
{
    const MeterPlan plan = twoMemberBus(false);
    server::RealtimeMeter meter;
    meter.prepare(plan, kRate, {});
    EngineStatistics stats;
    stats.prepare(plan, kRate);
    meterThrough(meter, stats,
                 {test::sine(kRate, 1000.0, -18.0, 3.0), test::sine(kRate, 1510.0, -18.0, 3.0)});
    const auto s = stats.snapshot();
    const auto& bus = node(s, "guitars");
    EXPECT_NEAR(bus.taps.at(0).levelDbfs, -15.0, 0.1);
    EXPECT_NEAR(bus.bus->predictedDbfs, -15.0, 0.1);
    EXPECT_NEAR(bus.bus->summingGainDb, 0.0, 0.05);
    EXPECT_NEAR(bus.bus->members[0].share, 0.5, 0.005);
}

TEST(EngineStatistics, MemberSharesFollowTheirEnergy)
{
    const MeterPlan plan = twoMemberBus(false);
    server::RealtimeMeter meter;
    meter.prepare(plan, kRate, {});
    EngineStatistics stats;
    stats.prepare(plan, kRate);
    meterThrough(meter, stats,
                 {test::sine(kRate, 1000.0, -18.0, 3.0), test::sine(kRate, 1510.0, -24.0, 3.0)});
    const auto s = stats.snapshot();
    const auto& bus = *node(s, "guitars").bus;
    const double quieter = dsp::dbToPower(-6.0);
    EXPECT_NEAR(bus.members[0].share, 1.0 / (1.0 + quieter), 0.002); // 0.80
    EXPECT_NEAR(bus.members[1].share, quieter / (1.0 + quieter), 0.002);
    EXPECT_NEAR(bus.members[1].levelDbfs, -24.0, 0.02);
}

TEST(EngineStatistics, AMeasuredBusInputIsComparedWithItsSummedMembers)
{
    const MeterPlan plan = twoMemberBus(true);
    server::RealtimeMeter meter;
    meter.prepare(plan, kRate, {});
    EngineStatistics stats;
    stats.prepare(plan, kRate);
    const auto a = test::sine(kRate, 1000.0, -18.0, 3.0);
    const auto b = test::sine(kRate, 1510.0, -18.0, 3.0);
    // The tapped bus input carries 6 dB more than its members add up to: hidden gain.
    meterThrough(meter, stats, {a, b, scaled(summed(a, b), 6.0)});
    const auto s = stats.snapshot();
    const auto& n = node(s, "guitars");
    ASSERT_EQ(n.taps.size(), 2u);
    EXPECT_EQ(n.taps[0].stage, "pre_insert");
    EXPECT_EQ(n.taps[1].stage, "summed_members");
    EXPECT_FALSE(n.taps[1].target.has_value());
    EXPECT_NEAR(n.bus->predictedDbfs, -15.0, 0.1);
    EXPECT_NEAR(n.bus->measuredDbfs, -9.0, 0.1);
    EXPECT_NEAR(n.bus->measuredMinusPredictedDb, 6.0, 0.02);
    EXPECT_EQ(n.bus->measuredTap, std::optional<std::size_t>(2));
}

TEST(EngineStatistics, MonoMembersOfAStereoBusArriveAtMinusThreeDecibelsPerSide)
{
    MeterPlan plan;
    const std::size_t a = plan.addTap(tap("kick", "post_fader", 1));
    const std::size_t b = plan.addTap(tap("snare", "post_fader", 1));
    plan.addBus("drums", NodeKind::bus, 2, *dsp::defaultLayout(2), {a, b});
    server::RealtimeMeter meter;
    meter.prepare(plan, kRate, {});
    EngineStatistics stats;
    stats.prepare(plan, kRate);
    meterThrough(meter, stats,
                 {test::sine(kRate, 1000.0, -18.0, 2.0), test::sine(kRate, 1510.0, -18.0, 2.0)});
    const auto s = stats.snapshot();
    const auto& n = node(s, "drums");
    EXPECT_NEAR(n.taps[0].levelDbfs, -18.0, 0.1); // two incoherent members, -3 dB each side
    EXPECT_NEAR(n.bus->summingGainDb, 0.0, 0.05);
    EXPECT_NEAR(n.bus->members[0].levelDbfs, -21.0, 0.05);
    EXPECT_NEAR(n.bus->members[0].share, 0.5, 0.005);
}

TEST(EngineStatistics, ASixDecibelPluginChainReadsSixDecibels)
{
    MeterPlan plan;
    const std::size_t pre = plan.addTap(tap("vox", "pre_insert", 1));
    const std::size_t post = plan.addTap(tap("vox", "post_insert", 1));
    plan.addChain(pre, post);
    server::RealtimeMeter meter;
    meter.prepare(plan, kRate, {});
    EngineStatistics stats;
    stats.prepare(plan, kRate);
    // Phrases with pauses: the gain is measured on the active signal only.
    test::Planar in = test::makePlanar(kRate, 1);
    test::appendSegments(in, {{-18.0, 1.0}, {std::nullopt, 1.0}, {-24.0, 1.0}}, 440.0, {0});
    meterThrough(meter, stats, {in.channels[0], scaled(in.channels[0], 6.0)});
    const auto s = stats.snapshot();
    const auto& n = node(s, "vox");
    ASSERT_TRUE(n.chain.has_value());
    EXPECT_NEAR(n.chain->gainDb, 6.0, 0.01);
    EXPECT_NEAR(n.chain->gainSinceResetDb, 6.0, 0.01);
    EXPECT_NEAR(n.chain->activeSeconds, 2.3, 0.05); // the pause counts until the 300 ms window empties
    EXPECT_TRUE(n.taps[0].target.has_value());      // pre_insert: plugin input target
    EXPECT_FALSE(n.taps[1].target.has_value());     // post_insert: none
}

TEST(EngineStatistics, StereoToneAtMinus23ReadsMinus23LufsThroughTheRealtimeMeter)
{
    MeterPlan plan;
    plan.addTap(tap("mix", "pre_insert", 2, NodeKind::master));
    server::RealtimeMeter meter;
    meter.prepare(plan, kRate, {});
    EngineStatistics stats;
    stats.prepare(plan, kRate);
    const auto tone = test::sine(kRate, 1000.0, -23.0, 20.0);
    meterThrough(meter, stats, {tone, tone});
    const auto s = stats.snapshot();
    const auto& t = onlyTap(s);
    EXPECT_NEAR(t.loudness.integratedLufs, -23.0, 0.1);
    EXPECT_NEAR(t.loudness.shortTermLufs, -23.0, 0.1);
    EXPECT_NEAR(t.loudness.psrDb, 0.0, 0.1);
    ASSERT_TRUE(t.target.has_value()); // mix bus: average -21..-15, peaks -6
    EXPECT_NEAR(t.target->averageDistanceDb, -2.0, 0.05);
}

TEST(EngineStatistics, NodesKeepPlanOrderAndCarryTheirKind)
{
    MeterPlan plan = twoMemberBus(false);
    plan.addTap(tap("master", "output", 2, NodeKind::master));
    EngineStatistics stats;
    stats.prepare(plan, kRate);
    const auto s = stats.snapshot();
    ASSERT_EQ(s.nodes.size(), 4u);
    EXPECT_EQ(s.nodes[0].id, "gtr1");
    EXPECT_EQ(s.nodes[2].id, "guitars");
    EXPECT_EQ(s.nodes[3].kind, NodeKind::master);
    EXPECT_TRUE(std::isnan(s.nodes[2].bus->predictedDbfs)); // nothing metered yet
}

TEST(EngineStatistics, APlanWithBrokenReferencesIsRejected)
{
    MeterPlan plan = monoInput();
    plan.addChain(0, 7);
    EngineStatistics stats;
    EXPECT_THROW(stats.prepare(plan, kRate), std::invalid_argument);
}
