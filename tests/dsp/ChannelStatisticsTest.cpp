// Whole-measurement channel statistics (ChannelStatistics fed by TapMeterBank): the AES17 RMS
// vectors of reference §7, DC offset, crest factor, clip counting and NaN/Inf handling.

#include "dsp/ChannelStatistics.h"

#include "dsp/Decibels.h"
#include "dsp/LoudnessMeter.h"
#include "tests/support/Metering.h"

#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <string>

using namespace headroom;

namespace
{
constexpr uint32_t kRate = 48000;
constexpr double kLevelToleranceDb = 0.01; // §7: ±0.01 dB for integer-period windows
constexpr std::size_t kBlockSizes[] = {1, 7, 64, 1000, 8192};

dsp::TapMeterConfig monoConfig(float clipThresholdLinear = 1.0f, uint32_t minClipRunSamples = 3)
{
    dsp::TapMeterConfig config;
    config.sampleRateHz = kRate;
    config.numChannels = 1;
    config.clipThresholdLinear = clipThresholdLinear;
    config.minClipRunSamples = minClipRunSamples;
    return config;
}

dsp::ChannelStatistics statisticsOf(const std::vector<float>& x,
                                    const dsp::TapMeterConfig& config = monoConfig(),
                                    std::size_t blockFrames = 4096)
{
    dsp::TapMeterBank bank;
    bank.prepare(config);
    test::Planar audio = test::makePlanar(config.sampleRateHz, 1);
    audio.channels[0] = x;
    dsp::ChannelStatistics stats;
    test::meterPlanar(bank, audio, blockFrames,
                      [&](std::span<const dsp::ChannelSummary> s, uint32_t n) { stats.add(s[0], n); });
    return stats;
}

// A full-scale square wave of `periodFrames` samples (half +a, half -a).
std::vector<float> square(double amplitude, std::size_t periodFrames, double seconds)
{
    std::vector<float> x(static_cast<std::size_t>(std::llround(seconds * kRate)));
    for (std::size_t n = 0; n < x.size(); ++n)
        x[n] = static_cast<float>((n % periodFrames) < periodFrames / 2 ? amplitude : -amplitude);
    return x;
}

std::vector<float> dc(double value, double seconds)
{
    return std::vector<float>(static_cast<std::size_t>(std::llround(seconds * kRate)),
                              static_cast<float>(value));
}

void expectRms(const dsp::ChannelStatistics& stats, double aes17Dbfs, double plainDbfs)
{
    EXPECT_NEAR(stats.readings(dsp::RmsConvention::aes17).rmsDbfs, aes17Dbfs, kLevelToleranceDb) << "AES17";
    EXPECT_NEAR(stats.readings(dsp::RmsConvention::plain).rmsDbfs, plainDbfs, kLevelToleranceDb) << "plain";
}

// Independent scalar count of clips in a signal, as the standard-free definition reads: samples
// with |x| >= threshold; runs of consecutive such samples reaching minRun count once.
struct ClipCount
{
    uint64_t samples = 0;
    uint64_t events = 0;
    uint32_t longest = 0;
};

ClipCount countClips(const std::vector<float>& x, float threshold, uint32_t minRun)
{
    ClipCount c;
    uint32_t run = 0;
    for (float v : x)
    {
        run = std::fabs(v) >= threshold ? run + 1 : 0;
        c.samples += run > 0 ? 1 : 0;
        c.events += run == minRun ? 1 : 0;
        c.longest = std::max(c.longest, run);
    }
    return c;
}

void expectClips(const dsp::ChannelReadings& r, const ClipCount& expected)
{
    EXPECT_EQ(r.clippedSamples, expected.samples);
    EXPECT_EQ(r.clipEvents, expected.events);
    EXPECT_EQ(r.longestClipRun, expected.longest);
}
} // namespace

// ---- AES17 RMS (§7) ---------------------------------------------------------------------------

TEST(ChannelStatistics, FullScaleSineReadsZeroDbfsAes17AndMinus3Point01Plain)
{
    // 997 Hz: 1 s holds exactly 997 periods, so 2 s is an integer-period window.
    expectRms(statisticsOf(test::sine(kRate, 997.0, 0.0, 2.0)), 0.0, -3.0103);
}

TEST(ChannelStatistics, SineAtMinus20ReadsMinus20Aes17AndMinus23Point01Plain)
{
    expectRms(statisticsOf(test::sine(kRate, 997.0, -20.0, 2.0)), -20.0, -23.0103);
}

TEST(ChannelStatistics, FullScaleSquareWaveReadsPlus3Point01Aes17AndZeroPlain)
{
    expectRms(statisticsOf(square(1.0, 48, 2.0)), 3.0103, 0.0);
}

TEST(ChannelStatistics, DcAtHalfScaleReadsMinus3Point01Aes17AndMinus6Point02Plain)
{
    expectRms(statisticsOf(dc(0.5, 2.0)), -3.0103, -6.0206);
}

TEST(ChannelStatistics, RmsConventionsAreNamedAndOffsetByTenLogTwo)
{
    EXPECT_EQ(dsp::toString(dsp::RmsConvention::aes17), "aes17");
    EXPECT_EQ(dsp::toString(dsp::RmsConvention::plain), "plain");
    EXPECT_EQ(dsp::rmsConventionFromString("aes17"), dsp::RmsConvention::aes17);
    EXPECT_EQ(dsp::rmsConventionFromString("plain"), dsp::RmsConvention::plain);
    EXPECT_FALSE(dsp::rmsConventionFromString("AES17").has_value());
    EXPECT_NEAR(dsp::rmsOffsetDb(dsp::RmsConvention::aes17), 10.0 * std::log10(2.0), 1e-12);
    EXPECT_EQ(dsp::rmsOffsetDb(dsp::RmsConvention::plain), 0.0);
}

// ---- Peak, DC offset, crest factor ------------------------------------------------------------

TEST(ChannelStatistics, SamplePeakOfASineSampledAtItsCrestIsItsLevel)
{
    // 1 kHz at 48 kHz: sample 12 of every period is the crest.
    const auto r = statisticsOf(test::sine(kRate, 1000.0, -6.0, 1.0)).readings();
    EXPECT_NEAR(r.samplePeakDbfs, -6.0, 1e-4);
    EXPECT_GE(r.truePeakDbtp, r.samplePeakDbfs);
}

TEST(ChannelStatistics, DcOffsetIsTheSignedMeanOfTheSignal)
{
    std::vector<float> x = test::sine(kRate, 997.0, -20.0, 1.0);
    for (float& v : x) v += 0.1f;
    auto r = statisticsOf(x).readings();
    EXPECT_NEAR(r.dcOffsetLinear, 0.1, 1e-6);
    EXPECT_NEAR(r.dcOffsetDbfs, -20.0, kLevelToleranceDb);

    for (float& v : x) v -= 0.35f; // now -0.25
    r = statisticsOf(x).readings();
    EXPECT_NEAR(r.dcOffsetLinear, -0.25, 1e-6);
    EXPECT_NEAR(r.dcOffsetDbfs, 20.0 * std::log10(0.25), kLevelToleranceDb);
}

TEST(ChannelStatistics, ZeroMeanSignalHasNoMeasurableDcOffset)
{
    const auto r = statisticsOf(square(0.5, 48, 1.0)).readings();
    EXPECT_EQ(r.dcOffsetLinear, 0.0);
    EXPECT_EQ(r.dcOffsetDbfs, dsp::kMinusInfinityDb);
}

TEST(ChannelStatistics, CrestFactorIsPeakOverPlainRms)
{
    EXPECT_NEAR(statisticsOf(test::sine(kRate, 1000.0, -10.0, 1.0)).readings().crestFactorDb, 3.0103,
                kLevelToleranceDb);
    EXPECT_NEAR(statisticsOf(square(0.5, 48, 1.0)).readings().crestFactorDb, 0.0, kLevelToleranceDb);
    EXPECT_NEAR(statisticsOf(dc(-0.25, 1.0)).readings().crestFactorDb, 0.0, kLevelToleranceDb);
    // A 1-in-100 pulse train: peak 1, mean square 0.01 -> 20 dB.
    std::vector<float> pulses(kRate, 0.0f);
    for (std::size_t n = 0; n < pulses.size(); n += 100) pulses[n] = 0.5f;
    EXPECT_NEAR(statisticsOf(pulses).readings().crestFactorDb, 20.0, kLevelToleranceDb);
}

TEST(ChannelStatistics, SilenceReadsMinusInfinityEverywhereButCountsItsFrames)
{
    const auto r = statisticsOf(std::vector<float>(kRate, 0.0f)).readings();
    EXPECT_EQ(r.samplePeakDbfs, dsp::kMinusInfinityDb);
    EXPECT_EQ(r.truePeakDbtp, dsp::kMinusInfinityDb);
    EXPECT_EQ(r.rmsDbfs, dsp::kMinusInfinityDb);
    EXPECT_EQ(r.crestFactorDb, dsp::kMinusInfinityDb);
    EXPECT_EQ(r.dcOffsetDbfs, dsp::kMinusInfinityDb);
    EXPECT_EQ(r.numFrames, kRate);
}

TEST(ChannelStatistics, EmptyStatisticsReadNothingAndResetClearsEverything)
{
    dsp::ChannelStatistics stats;
    auto r = stats.readings();
    EXPECT_EQ(r.numFrames, 0u);
    EXPECT_EQ(r.rmsDbfs, dsp::kMinusInfinityDb);
    EXPECT_EQ(r.dcOffsetLinear, 0.0);

    stats = statisticsOf(square(1.0, 48, 0.5));
    EXPECT_GT(stats.readings().clippedSamples, 0u);
    stats.reset();
    r = stats.readings();
    EXPECT_EQ(r.numFrames, 0u);
    EXPECT_EQ(r.clippedSamples, 0u);
    EXPECT_EQ(r.clipEvents, 0u);
    EXPECT_EQ(r.longestClipRun, 0u);
    EXPECT_EQ(r.samplePeakDbfs, dsp::kMinusInfinityDb);
}

// ---- Clips ------------------------------------------------------------------------------------

namespace
{
// A quiet tone with clipped runs of 1, 2, 3 and 10 samples, one of 8 across the 10 ms boundary at
// 4800, one of 1000 across three sub-blocks, a run just below full scale, and a run at the end.
std::vector<float> clipPattern()
{
    std::vector<float> x = test::sine(kRate, 997.0, -20.0, 1.0);
    const auto fill = [&](std::size_t first, std::size_t count, float value)
    {
        for (std::size_t n = first; n < first + count; ++n) x[n] = (n % 2 == 0) ? value : -value;
    };
    fill(1000, 1, 1.0f);
    fill(2000, 2, 1.0f);
    fill(3000, 3, 1.5f);
    fill(4000, 10, 1.0f);
    fill(4796, 8, 1.0f);
    fill(10000, 1000, 1.2f);
    fill(20000, 50, 0.99999f);
    fill(x.size() - 5, 5, 1.0f);
    return x;
}
} // namespace

TEST(ChannelStatistics, ClipRunsAreCountedOnceWhateverSubBlocksAndBlocksTheySpan)
{
    const std::vector<float> x = clipPattern();
    // By construction: 1 + 2 + 3 + 10 + 8 + 1000 + 5 clipped samples; runs of >= 3: five events.
    const ClipCount expected{1029, 5, 1000};
    const ClipCount reference = countClips(x, 1.0f, 3);
    ASSERT_EQ(reference.samples, expected.samples);
    ASSERT_EQ(reference.events, expected.events);
    for (const std::size_t block : kBlockSizes)
    {
        SCOPED_TRACE("block " + std::to_string(block));
        expectClips(statisticsOf(x, monoConfig(), block).readings(), expected);
    }
}

TEST(ChannelStatistics, MinimumClipRunOfOneCountsEveryRun)
{
    const std::vector<float> x = clipPattern();
    expectClips(statisticsOf(x, monoConfig(1.0f, 1)).readings(), ClipCount{1029, 7, 1000});
}

TEST(ChannelStatistics, ClipThresholdBelowFullScaleCountsSamplesAtOrAboveIt)
{
    // A -3 dBFS sine against a -6 dBFS threshold: every crest clips, one run per half period.
    const std::vector<float> x = test::sine(kRate, 1000.0, -3.0, 1.0);
    const float threshold = static_cast<float>(dsp::dbToAmplitude(-6.0));
    const ClipCount expected = countClips(x, threshold, 3);
    ASSERT_EQ(expected.events, 2000u);
    for (const std::size_t block : kBlockSizes)
    {
        SCOPED_TRACE("block " + std::to_string(block));
        expectClips(statisticsOf(x, monoConfig(threshold, 3), block).readings(), expected);
    }
    // A sample exactly at the threshold is clipped ("at or above").
    std::vector<float> exact(4800, 0.0f);
    exact[100] = threshold;
    EXPECT_EQ(statisticsOf(exact, monoConfig(threshold, 1)).readings().clippedSamples, 1u);
}

TEST(ChannelStatistics, LongestClipRunReportsTheWholeRunAcrossSubBlocks)
{
    // One run of 30000 samples (62.5 sub-blocks): each summary reports the run so far.
    std::vector<float> x(kRate, 0.0f);
    for (std::size_t n = 5000; n < 35000; ++n) x[n] = 1.0f;
    const auto r = statisticsOf(x, monoConfig(), 7).readings();
    EXPECT_EQ(r.clippedSamples, 30000u);
    EXPECT_EQ(r.clipEvents, 1u);
    EXPECT_EQ(r.longestClipRun, 30000u);
}

// ---- NaN and Inf --------------------------------------------------------------------------------

TEST(ChannelStatistics, NonFiniteInputIsMeteredAsSilenceAndCountedWithoutPoisoningLaterReadings)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    test::Planar poisoned = test::stereoSegments(kRate, {{-20.0, 3.0}});
    test::Planar clean = poisoned;
    const struct
    {
        std::size_t first, count;
        double value;
    } kHoles[] = {{100, 1, nan},     {5000, 1, nan},  {20000, 1, inf}, {30000, 1, -inf},
                  {40000, 500, nan}, {47999, 3, inf}, {96000, 1, -nan}};
    uint32_t holes = 0;
    for (const auto& h : kHoles)
        for (std::size_t n = h.first; n < h.first + h.count; ++n, ++holes)
        {
            poisoned.channels[0][n] = static_cast<float>(h.value);
            clean.channels[0][n] = 0.0f;
        }

    for (const std::size_t block : kBlockSizes)
    {
        SCOPED_TRACE("block " + std::to_string(block));
        dsp::TapMeterBank a = test::preparedBank(kRate, 2);
        dsp::TapMeterBank b = test::preparedBank(kRate, 2);
        const auto tracePoisoned = test::traceSummaries(a, poisoned, {&block, 1});
        const auto traceClean = test::traceSummaries(b, clean, {&block, 1});
        ASSERT_EQ(tracePoisoned.summaries.size(), traceClean.summaries.size());
        uint64_t counted = 0;
        for (std::size_t i = 0; i < tracePoisoned.summaries.size(); ++i)
        {
            dsp::ChannelSummary s = tracePoisoned.summaries[i];
            counted += s.nonFiniteSamples;
            if (i % 2 == 1)
            {
                EXPECT_EQ(s.nonFiniteSamples, 0u) << "the right channel has no holes";
            }
            s.nonFiniteSamples = 0;
            ASSERT_TRUE(test::sameBits(s, traceClean.summaries[i])) << "summary " << i;
        }
        EXPECT_EQ(counted, holes);
    }

    // And the readings downstream are the clean signal's, all finite.
    const auto run = test::meterRun(poisoned, {1.0, 1.0});
    const auto cleanRun = test::meterRun(clean, {1.0, 1.0});
    const auto r = run.channels[0].readings();
    EXPECT_EQ(r.truePeakDbtp, cleanRun.channels[0].readings().truePeakDbtp);
    EXPECT_EQ(r.rmsDbfs, cleanRun.channels[0].readings().rmsDbfs);
    EXPECT_EQ(run.loudness.integratedLufs, cleanRun.loudness.integratedLufs);
    EXPECT_EQ(r.nonFiniteSamples, holes);
    EXPECT_EQ(r.clippedSamples, 0u) << "Inf is not a clip: it is replaced by silence";
    EXPECT_NEAR(r.samplePeakDbfs, -20.0, 0.01);
    EXPECT_TRUE(std::isfinite(r.truePeakDbtp));
    EXPECT_TRUE(std::isfinite(r.rmsDbfs));
    EXPECT_TRUE(std::isfinite(r.dcOffsetLinear));
    EXPECT_TRUE(std::isfinite(r.maxPpmDbfs));
    EXPECT_NEAR(run.loudness.integratedLufs, -20.0, 0.1);
    EXPECT_NEAR(run.loudness.momentaryLufs, -20.0, 0.1);
}
