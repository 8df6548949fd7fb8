// Additional ITU-R BS.1770-5 vectors X1-X14 (reference §4, BS.2217-style): calibration, channel
// weights (5.0 / 5.1, LFE excluded), the frequency response, both gates, the incomplete final block
// and the step response of M and S. 48 kHz, 997 Hz (the BS.1770 calibration frequency) unless stated.
// Tolerance ±0.1 LU (the ITU conformance script's); the reading must also agree with the value the
// reference model computed for the exact recipe to ±0.02 LU.

#include "dsp/ChannelLayout.h"
#include "dsp/Decibels.h"
#include "tests/support/Metering.h"

#include <cmath>
#include <gtest/gtest.h>
#include <string>

using namespace headroom;

namespace
{
constexpr uint32_t kRate = 48000;
constexpr double kCalibrationHz = 997.0;
constexpr double kToleranceLu = 0.1;
constexpr double kReferenceAgreementLu = 0.02;

const std::vector<double> kStereoWeights{1.0, 1.0};

void expectLoudness(double measured, double expected)
{
    EXPECT_NEAR(measured, expected, kToleranceLu);
    EXPECT_NEAR(measured, expected, kReferenceAgreementLu) << "vs the reference model";
}

test::MeteredRun stereo(const std::vector<test::Segment>& segments)
{
    return test::meterRun(test::stereoSegments(kRate, segments, kCalibrationHz), kStereoWeights);
}

// A 997 Hz tone at levelDb on one channel of a layout, every other channel silent.
test::MeteredRun toneOnOneChannel(std::size_t numChannels, std::size_t channel, double levelDb,
                                  double seconds)
{
    std::vector<std::optional<double>> levels(numChannels);
    levels[channel] = levelDb;
    return test::meterRun(test::multichannelTone(kRate, levels, seconds, kCalibrationHz),
                          dsp::loudnessWeights(*dsp::defaultLayout(numChannels)));
}
} // namespace

TEST(Bs1770Vectors, X1FullScaleSineOnOneFrontChannelReadsMinus3Point01)
{
    const auto run = test::meterRun(test::multichannelTone(kRate, {0.0}, 10.0, kCalibrationHz),
                                    dsp::loudnessWeights(*dsp::defaultLayout(1)));
    expectLoudness(run.loudness.integratedLufs, -3.010);
    expectLoudness(run.momentaryLufs.back(), -3.010);
    expectLoudness(run.shortTermLufs.back(), -3.010);
}

TEST(Bs1770Vectors, X2StereoSineReadsItsPerChannelLevelDownToNearTheAbsoluteGate)
{
    for (const double level : {-23.0, -66.5})
    {
        SCOPED_TRACE("level " + std::to_string(level));
        expectLoudness(stereo({{level, 10.0}}).loudness.integratedLufs, level);
    }
}

TEST(Bs1770Vectors, X3StereoSinesAtTheKWeightingTableLevelsReadMinus23AtEveryFrequency)
{
    // §1.3: per-channel level that gives -23.000 LKFS at 48 kHz.
    const struct
    {
        double frequencyHz;
        double levelDb;
    } kTable[] = {{25.0, -11.9162},   {100.0, -21.1755},  {500.0, -22.3515},
                  {1000.0, -23.0067}, {2000.0, -25.3803}, {10000.0, -26.3509}};
    for (const auto& row : kTable)
    {
        SCOPED_TRACE(std::to_string(row.frequencyHz) + " Hz");
        const auto run = test::meterRun(test::stereoSegments(kRate, {{row.levelDb, 10.0}}, row.frequencyHz),
                                        kStereoWeights);
        expectLoudness(run.loudness.integratedLufs, -23.0);
    }
}

TEST(Bs1770Vectors, X4CentreOnlyOfFivePointZeroHasUnitWeight)
{
    expectLoudness(toneOnOneChannel(5, 2, -20.0, 10.0).loudness.integratedLufs, -23.010);
}

TEST(Bs1770Vectors, X5LeftSurroundOnlyOfFivePointZeroIsWeighted1Point41)
{
    expectLoudness(toneOnOneChannel(5, 3, -20.0, 10.0).loudness.integratedLufs, -21.518);
    expectLoudness(toneOnOneChannel(5, 4, -20.0, 10.0).loudness.integratedLufs, -21.518); // Rs
}

TEST(Bs1770Vectors, X6SignalOnlyInTheLfeOfFivePointOneIsExcludedAndReadsMinusInfinity)
{
    const auto run = toneOnOneChannel(6, 3, -20.0, 10.0);
    EXPECT_EQ(run.loudness.integratedLufs, dsp::kMinusInfinityDb);
    EXPECT_EQ(run.loudness.momentaryLufs, dsp::kMinusInfinityDb);
    EXPECT_EQ(run.loudness.shortTermLufs, dsp::kMinusInfinityDb);
    EXPECT_EQ(run.loudness.maxMomentaryLufs, dsp::kMinusInfinityDb);
    // The LFE is still metered for level: only loudness excludes it.
    EXPECT_NEAR(run.channels[3].readings().rmsDbfs, -20.0, 0.01);
}

TEST(Bs1770Vectors, X6OtherChannelsOfFivePointOneKeepTheirWeights)
{
    expectLoudness(toneOnOneChannel(6, 2, -20.0, 10.0).loudness.integratedLufs, -23.010); // C
    expectLoudness(toneOnOneChannel(6, 5, -20.0, 10.0).loudness.integratedLufs, -21.518); // Rs
}

TEST(Bs1770Vectors, X7ProgrammeBelowTheAbsoluteGateHasNoIntegratedLoudness)
{
    const auto run = stereo({{-80.0, 20.0}});
    EXPECT_EQ(run.loudness.integratedLufs, dsp::kMinusInfinityDb);
    // Momentary is ungated and still shows the tone.
    EXPECT_NEAR(run.loudness.momentaryLufs, -80.0, kToleranceLu);
}

TEST(Bs1770Vectors, X8RelativeGateDropsAPartTwentyDecibelsDown)
{
    expectLoudness(stereo({{-20.0, 20.0}, {-40.0, 20.0}}).loudness.integratedLufs, -20.032);
}

TEST(Bs1770Vectors, X9PartsAboveTheRelativeGateAreEnergyAveraged)
{
    expectLoudness(stereo({{-20.0, 20.0}, {-25.0, 20.0}}).loudness.integratedLufs, -21.817);
}

TEST(Bs1770Vectors, X10DigitalSilenceBetweenTonesIsGatedButTransitionBlocksCount)
{
    expectLoudness(stereo({{-23.0, 10.0}, {std::nullopt, 10.0}, {-23.0, 10.0}}).loudness.integratedLufs,
                   -23.066);
}

TEST(Bs1770Vectors, X11ToneShorterThanOneGatingBlockHasNoIntegratedLoudness)
{
    EXPECT_EQ(stereo({{-23.0, 0.3}}).loudness.integratedLufs, dsp::kMinusInfinityDb);
}

TEST(Bs1770Vectors, X12ToneOfExactlyOneGatingBlockFormsOneBlock)
{
    expectLoudness(stereo({{-23.0, 0.4}}).loudness.integratedLufs, -22.999);
}

TEST(Bs1770Vectors, X13IncompleteFinalGatingBlockIsDiscarded)
{
    for (const double seconds : {10.00, 10.05, 10.35, 10.355})
    {
        SCOPED_TRACE(std::to_string(seconds) + " s");
        expectLoudness(stereo({{-23.0, seconds}}).loudness.integratedLufs, -23.000);
    }
}

TEST(Bs1770Vectors, X13TrailingSilenceCountsOnlyThroughCompleteBlocks)
{
    // 10 s at -23 then 0.35 s of silence. Blocks j cover [0.1 j, 0.1 j + 0.4) s; the complete ones
    // are j = 0..99: 97 hold only tone and j = 97, 98, 99 hold 3/4, 2/4, 1/4 of it (all above the
    // relative gate). A block ending at 10.35 s would be incomplete and is not used.
    const auto run = stereo({{-23.0, 10.0}, {std::nullopt, 0.35}});
    const double expected = -23.0 + 10.0 * std::log10((97.0 + 0.75 + 0.5 + 0.25) / 100.0); // -23.066
    expectLoudness(run.loudness.integratedLufs, expected);
}

TEST(Bs1770Vectors, X14StepResponseOfMomentaryAndShortTermFollowsTheWindowFill)
{
    const auto run = stereo({{-23.0, 4.0}});
    // Element k is the reading after sub-block k, i.e. at t = (k + 1) * 10 ms.
    const auto at = [](const std::vector<double>& v, double seconds)
    { return v[static_cast<std::size_t>(std::llround(seconds * 100.0)) - 1]; };
    expectLoudness(at(run.momentaryLufs, 0.1), -29.020);
    expectLoudness(at(run.momentaryLufs, 0.2), -26.009);
    expectLoudness(at(run.momentaryLufs, 0.3), -24.250);
    expectLoudness(at(run.momentaryLufs, 0.4), -23.000);
    expectLoudness(at(run.momentaryLufs, 4.0), -23.000);
    expectLoudness(at(run.shortTermLufs, 1.0), -27.771);
    expectLoudness(at(run.shortTermLufs, 2.0), -24.761);
    expectLoudness(at(run.shortTermLufs, 3.0), -23.000);
    expectLoudness(at(run.shortTermLufs, 4.0), -23.000);
    // Monotonic rise while the windows fill.
    for (std::size_t k = 1; k < 300; ++k)
        EXPECT_GE(run.shortTermLufs[k], run.shortTermLufs[k - 1] - 1e-6) << k;
}
