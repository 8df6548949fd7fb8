#include "dsp/VuMeter.h"

#include "dsp/Decibels.h"
#include "tests/support/Metering.h"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <optional>
#include <string>
#include <vector>

using namespace headroom;

// IEC 60268-17 VU ballistics (metering-standards.md §5), fed the way the worker feeds it: from the
// sumAbs of real TapMeterBank summaries, 10 ms per sub-block (480 frames at 48 kHz, 441 at 44.1).
namespace
{
constexpr double kReferenceDbfs = -18.0; // 0 VU (EBU R 68)

struct VuRun
{
    std::vector<double> positions; // needle position (linear) after each sub-block
    std::vector<double> levelsDb;  // the same as levels, dBFS
};

VuRun runVu(uint32_t sampleRateHz, const std::vector<test::Segment>& segments, std::size_t blockFrames)
{
    test::Planar audio = test::makePlanar(sampleRateHz, 1);
    test::appendSegments(audio, segments, 1000.0, {0});
    dsp::TapMeterBank bank = test::preparedBank(sampleRateHz, 1);
    dsp::VuMeter vu;
    vu.reset();
    VuRun run;
    test::meterPlanar(bank, audio, blockFrames,
                      [&](std::span<const dsp::ChannelSummary> s, uint32_t numFrames)
                      {
                          vu.addSubBlock(s[0].sumAbs, numFrames);
                          run.positions.push_back(vu.levelLinear());
                          run.levelsDb.push_back(vu.levelDbfs());
                      });
    return run;
}

// Sub-block index whose end is at `seconds` after the start (sub-block b ends at (b + 1) * 10 ms).
std::size_t at(double seconds)
{
    return static_cast<std::size_t>(std::lround(seconds * 100.0)) - 1;
}

// 2 s of tone at the reference applied suddenly at t = 0, then 1 s of silence.
VuRun toneBurst(uint32_t sampleRateHz, std::size_t blockFrames = 512)
{
    return runVu(sampleRateHz, {{kReferenceDbfs, 2.0}, {std::nullopt, 1.0}}, blockFrames);
}

class VuAtRate : public testing::TestWithParam<uint32_t>
{
};

std::string rateName(const testing::TestParamInfo<uint32_t>& info)
{
    return std::to_string(info.param) + "Hz";
}
} // namespace

TEST_P(VuAtRate, SuddenToneReachesNinetyNinePercentAt300Ms)
{
    const VuRun run = toneBurst(GetParam());
    const double final = run.positions[at(2.0)];
    EXPECT_GE(run.positions[at(0.3)], 0.99 * final);
    EXPECT_LE(run.positions[at(0.3)], final);
    EXPECT_LT(run.positions[at(0.29)], 0.99 * final); // and not long before: the needle is no faster than IEC
}

TEST_P(VuAtRate, OvershootIsBetweenOneAndOneAndAHalfPercentNearFourHundredMs)
{
    const VuRun run = toneBurst(GetParam());
    const double final = run.positions[at(2.0)];
    const auto peak =
        std::max_element(run.positions.begin(), run.positions.begin() + static_cast<long>(at(2.0)));
    const double overshoot = *peak / final - 1.0;
    EXPECT_GE(overshoot, 0.010);
    EXPECT_LE(overshoot, 0.015);
    const double peakSeconds = static_cast<double>(peak - run.positions.begin() + 1) / 100.0;
    EXPECT_GE(peakSeconds, 0.35);
    EXPECT_LE(peakSeconds, 0.45);
}

TEST_P(VuAtRate, ReleaseIsSymmetric)
{
    const VuRun run = toneBurst(GetParam());
    const double final = run.positions[at(2.0)];
    // 300 ms after removal the needle is within 1 % of rest, mirroring the rise.
    const double fallen = run.positions[at(2.3)];
    EXPECT_LE(fallen, 0.01 * final);
    EXPECT_NEAR(final - fallen, run.positions[at(0.3)], 1e-3 * final);
    // The fall undershoots as the rise overshoots, then settles at rest.
    const double lowest =
        *std::min_element(run.positions.begin() + static_cast<long>(at(2.0)), run.positions.end());
    EXPECT_NEAR(-lowest / final, 0.0125, 0.0025);
    EXPECT_LT(std::fabs(run.positions.back()), 1e-3 * final);
}

TEST_P(VuAtRate, SteadySineAtReferenceReadsItsPeakLevel)
{
    for (std::size_t blockFrames : {std::size_t{1}, std::size_t{64}, std::size_t{333}, std::size_t{8192}})
    {
        const VuRun run = runVu(GetParam(), {{kReferenceDbfs, 2.0}}, blockFrames);
        EXPECT_NEAR(run.levelsDb.back(), kReferenceDbfs, 0.1) << "blocks of " << blockFrames;
        EXPECT_NEAR(run.levelsDb.back() - kReferenceDbfs, 0.0, 0.1) << "0 VU";
    }
}

TEST_P(VuAtRate, StepsOfMinusTenAndTwentyDecibelsReadAsSuch)
{
    const VuRun run = runVu(GetParam(),
                            {{kReferenceDbfs, 2.0},
                             {kReferenceDbfs - 10.0, 2.0},
                             {kReferenceDbfs - 20.0, 2.0},
                             {kReferenceDbfs, 2.0}},
                            1000);
    EXPECT_NEAR(run.levelsDb[at(2.0)] - kReferenceDbfs, 0.0, 0.1);
    EXPECT_NEAR(run.levelsDb[at(4.0)] - kReferenceDbfs, -10.0, 0.1);
    EXPECT_NEAR(run.levelsDb[at(6.0)] - kReferenceDbfs, -20.0, 0.1);
    EXPECT_NEAR(run.levelsDb[at(8.0)] - kReferenceDbfs, 0.0, 0.1);
    // A linear meter: each step settles with the same 99 %-in-300 ms dynamics.
    const double upper = run.positions[at(2.0)];
    const double lower = run.positions[at(4.0)];
    EXPECT_LE(std::fabs(run.positions[at(2.3)] - lower), 0.01 * (upper - lower) + 1e-9);
}

INSTANTIATE_TEST_SUITE_P(VuSubBlockRates, VuAtRate, testing::Values(48000u, 44100u), rateName);

TEST(VuMeter, UnevenSubBlocksAt22050HzStillReadTheSine)
{
    // 220- and 221-frame sub-blocks: each is averaged over its own frames.
    const VuRun run = runVu(22050, {{kReferenceDbfs, 2.0}}, 256);
    EXPECT_NEAR(run.levelsDb.back(), kReferenceDbfs, 0.1);
}

TEST(VuMeter, RestsAtMinusInfinityAndResets)
{
    dsp::VuMeter vu;
    EXPECT_EQ(vu.levelDbfs(), dsp::kMinusInfinityDb);
    vu.addSubBlock(0.0, 480);
    EXPECT_EQ(vu.levelDbfs(), dsp::kMinusInfinityDb);
    for (int i = 0; i < 100; ++i) vu.addSubBlock(480.0 * 2.0 / 3.14159265358979, 480);
    EXPECT_NEAR(vu.levelDbfs(), 0.0, 0.01);
    vu.reset();
    EXPECT_EQ(vu.levelLinear(), 0.0);
    EXPECT_EQ(vu.levelDbfs(), dsp::kMinusInfinityDb);
}

TEST(VuMeter, SettlesAtExactlyZeroAfterSilence)
{
    dsp::VuMeter vu;
    for (int i = 0; i < 200; ++i) vu.addSubBlock(300.0, 480);
    for (int i = 0; i < 1000; ++i) vu.addSubBlock(0.0, 480);
    EXPECT_EQ(vu.levelLinear(), 0.0);
}

TEST(VuMeter, NonFiniteSumsCountAsSilenceAndEmptySubBlocksAreIgnored)
{
    dsp::VuMeter vu;
    for (int i = 0; i < 200; ++i) vu.addSubBlock(300.0, 480);
    const double steady = vu.levelLinear();
    vu.addSubBlock(300.0, 0);
    EXPECT_EQ(vu.levelLinear(), steady);
    vu.addSubBlock(std::numeric_limits<double>::quiet_NaN(), 480);
    vu.addSubBlock(std::numeric_limits<double>::infinity(), 480);
    EXPECT_TRUE(std::isfinite(vu.levelLinear()));
    for (int i = 0; i < 200; ++i) vu.addSubBlock(300.0, 480);
    EXPECT_NEAR(vu.levelLinear(), steady, 1e-6 * steady);
}
