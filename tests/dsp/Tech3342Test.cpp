// EBU Tech 3342 V4 loudness range, cases 1-4 (reference §3): stereo 1 kHz tones in phase, generated
// from the recipes, at 48 kHz and at 44.1 and 96 kHz (the algorithm is sample-rate independent).
// Tolerance ±1 LU (Table 1); the reference model's value for these recipes is exact (10.000, 5.000,
// ...), and with short-term values every 100 ms a correct meter lands within 0.1 LU of it.

#include "tests/support/Metering.h"

#include <cmath>
#include <gtest/gtest.h>
#include <string>

using namespace headroom;

namespace
{
constexpr double kRangeToleranceLu = 1.0;     // Tech 3342 Table 1
constexpr double kReferenceAgreementLu = 0.1; // vs the §3 reference model (10 Hz hop)
constexpr double kIntegratedToleranceLu = 0.1;

const std::vector<double> kStereoWeights{1.0, 1.0};

class Tech3342 : public testing::TestWithParam<uint32_t>
{
protected:
    [[nodiscard]] uint32_t rate() const { return GetParam(); }

    void expectRange(const std::vector<test::Segment>& segments, double expectedLu, double referenceLu,
                     double referenceIntegratedLufs) const
    {
        const auto run = test::meterRun(test::stereoSegments(rate(), segments), kStereoWeights);
        EXPECT_NEAR(run.loudness.loudnessRangeLu, expectedLu, kRangeToleranceLu);
        EXPECT_NEAR(run.loudness.loudnessRangeLu, referenceLu, kReferenceAgreementLu);
        // The same run's integrated loudness, from the §3 table (computed at 48 kHz; other rates
        // move by < 0.03 LU).
        EXPECT_NEAR(run.loudness.integratedLufs, referenceIntegratedLufs, kIntegratedToleranceLu);
    }
};

std::string rateName(const testing::TestParamInfo<uint32_t>& info)
{
    return "At" + std::to_string(info.param) + "Hz";
}

INSTANTIATE_TEST_SUITE_P(EveryRate, Tech3342, testing::Values(48000u, 44100u, 96000u), rateName);
} // namespace

TEST_P(Tech3342, Case1TwentySecondsAtMinus20ThenMinus30HasARangeOf10Lu)
{
    expectRange({{-20.0, 20.0}, {-30.0, 20.0}}, 10.0, 10.000, -22.590);
}

TEST_P(Tech3342, Case2TwentySecondsAtMinus20ThenMinus15HasARangeOf5Lu)
{
    expectRange({{-20.0, 20.0}, {-15.0, 20.0}}, 5.0, 5.000, -16.810);
}

TEST_P(Tech3342, Case3TwentySecondsAtMinus40ThenMinus20HasARangeOf20Lu)
{
    expectRange({{-40.0, 20.0}, {-20.0, 20.0}}, 20.0, 20.000, -20.026);
}

TEST_P(Tech3342, Case4FiveStepsFromMinus50ToMinus20AndBackHaveARangeOf15Lu)
{
    expectRange({{-50.0, 20.0}, {-35.0, 20.0}, {-20.0, 20.0}, {-35.0, 20.0}, {-50.0, 20.0}}, 15.0, 15.000,
                -24.492);
}

TEST(Tech3342, RangeIsUnchangedWhenTheSignalIsRepeated)
{
    // "the expected response is unchanged if the test signal is repeated one or more times".
    const auto run = test::meterRun(
        test::stereoSegments(48000, test::repeated({{-20.0, 20.0}, {-30.0, 20.0}}, 2)), kStereoWeights);
    EXPECT_NEAR(run.loudness.loudnessRangeLu, 10.0, kReferenceAgreementLu);
}

TEST(Tech3342, RangeIsUnchangedByTheSecondAndAHalfOfTrailingSilenceAFileMeterAppends)
{
    // File-based meters should let 1.5 s of silence follow the signal before the final value.
    const auto run = test::meterRun(
        test::stereoSegments(48000, {{-20.0, 20.0}, {-30.0, 20.0}, {std::nullopt, 1.5}}), kStereoWeights);
    EXPECT_NEAR(run.loudness.loudnessRangeLu, 10.0, kReferenceAgreementLu);
}

TEST(Tech3342, RangeIsUndefinedUntilTheFirstShortTermValueAndFlaggedUnstableForSixtySeconds)
{
    // Tech 3341 §2.2: during the first 60 s the meter shall indicate the LRA is not yet stable.
    dsp::TapMeterBank bank = test::preparedBank(48000, 2);
    dsp::LoudnessMeter meter;
    meter.prepare(kStereoWeights, 48000);
    const auto feed = [&](const std::vector<test::Segment>& segments)
    {
        test::meterPlanar(bank, test::stereoSegments(48000, segments), 4096,
                          [&](std::span<const dsp::ChannelSummary> s, uint32_t n)
                          { meter.addSubBlock(s, n); });
    };
    feed({{-20.0, 2.9}});
    EXPECT_TRUE(std::isnan(meter.readings().loudnessRangeLu)) << "no 3 s short-term value exists yet";
    feed({{-20.0, 20.0}, {-30.0, 20.0}});
    EXPECT_FALSE(meter.readings().loudnessRangeStable);
    feed({{-30.0, 17.0}}); // 59.9 s in all
    EXPECT_FALSE(meter.readings().loudnessRangeStable);
    feed({{-30.0, 0.1}});
    EXPECT_TRUE(meter.readings().loudnessRangeStable);
    EXPECT_NEAR(meter.readings().loudnessRangeLu, 10.0, kRangeToleranceLu);
}
