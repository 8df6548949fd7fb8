// LoudnessHistogram, the fixed-memory store behind integrated loudness (BS.1770 gating, reference
// §1.5) and loudness range (Tech 3342, §3): exact energy means, both gates, the Tech 3342
// percentile positions, and agreement with a direct implementation of the standards on many values.

#include "dsp/LoudnessHistogram.h"

#include "dsp/Decibels.h"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <vector>

using namespace headroom;

namespace
{
constexpr double kExact = 1e-9;

dsp::LoudnessHistogram histogramOf(const std::vector<double>& loudnessLufs)
{
    dsp::LoudnessHistogram h;
    for (double l : loudnessLufs) h.add(dsp::lufsToMeanSquare(l));
    return h;
}

double energyMeanLufs(const std::vector<double>& loudnessLufs)
{
    double sum = 0.0;
    for (double l : loudnessLufs) sum += dsp::lufsToMeanSquare(l);
    return dsp::meanSquareToLufs(sum / static_cast<double>(loudnessLufs.size()));
}

// BS.1770-5 §1.5 directly: absolute gate -70 (">"), relative gate from the energy mean.
double referenceGatedLufs(const std::vector<double>& blocks)
{
    std::vector<double> aboveAbsolute;
    for (double l : blocks)
        if (l > -70.0) aboveAbsolute.push_back(l);
    if (aboveAbsolute.empty()) return dsp::kMinusInfinityDb;
    const double threshold = energyMeanLufs(aboveAbsolute) - 10.0;
    std::vector<double> gated;
    for (double l : aboveAbsolute)
        if (l > threshold) gated.push_back(l);
    return energyMeanLufs(gated);
}

// Tech 3342 MATLAB reference: >= -70, >= energy mean - 20, P = sorted[round((n - 1) p)] (0-based).
double referenceRangeLu(const std::vector<double>& shortTerm)
{
    std::vector<double> aboveAbsolute;
    for (double l : shortTerm)
        if (l >= -70.0) aboveAbsolute.push_back(l);
    const double threshold = energyMeanLufs(aboveAbsolute) - 20.0;
    std::vector<double> gated;
    for (double l : aboveAbsolute)
        if (l >= threshold) gated.push_back(l);
    std::sort(gated.begin(), gated.end());
    const auto at = [&](double p)
    { return gated[static_cast<std::size_t>(std::llround(static_cast<double>(gated.size() - 1) * p))]; };
    return at(0.95) - at(0.10);
}

// Deterministic pseudo-random loudness values, uniform in [low, high).
std::vector<double> randomLoudness(std::size_t count, double low, double high, uint32_t seed)
{
    std::vector<double> values(count);
    for (double& v : values)
    {
        seed = seed * 1664525u + 1013904223u;
        v = low + (high - low) * static_cast<double>(seed) / 4294967296.0;
    }
    return values;
}
} // namespace

TEST(LoudnessHistogram, EmptyHistogramHasNoLoudnessAndNoRange)
{
    dsp::LoudnessHistogram h;
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.gatedLoudnessLufs(-10.0), dsp::kMinusInfinityDb);
    EXPECT_TRUE(std::isnan(h.loudnessRangeLu()));
}

TEST(LoudnessHistogram, ValuesBelowTheAbsoluteGateAndNonValuesAreNotStored)
{
    dsp::LoudnessHistogram h;
    h.add(dsp::lufsToMeanSquare(-70.5));
    h.add(0.0);
    h.add(std::numeric_limits<double>::quiet_NaN());
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.gatedLoudnessLufs(-10.0), dsp::kMinusInfinityDb);
    h.add(dsp::lufsToMeanSquare(-69.9));
    EXPECT_EQ(h.count(), 1u);
    EXPECT_NEAR(h.gatedLoudnessLufs(-10.0), -69.9, kExact);
}

TEST(LoudnessHistogram, GatedLoudnessIsTheExactEnergyMeanNotTheMeanOfDecibels)
{
    const std::vector<double> values{-20.0, -23.0, -26.0, -20.004, -20.006};
    EXPECT_NEAR(histogramOf(values).gatedLoudnessLufs(-10.0), energyMeanLufs(values), kExact);
}

TEST(LoudnessHistogram, RelativeGateDropsValuesTenLuBelowTheUngatedEnergyMean)
{
    std::vector<double> values(10, -20.0);
    values.insert(values.end(), 10, -35.0);
    // Ungated energy mean -22.9, so the gate is at -32.9 and only the -20 values remain.
    EXPECT_NEAR(histogramOf(values).gatedLoudnessLufs(-10.0), -20.0, kExact);
}

TEST(LoudnessHistogram, ValuesAboveTheCeilingKeepTheirExactEnergy)
{
    EXPECT_NEAR(histogramOf({40.0}).gatedLoudnessLufs(-10.0), 40.0, kExact);
    EXPECT_NEAR(histogramOf({35.0, 45.0}).gatedLoudnessLufs(-10.0), energyMeanLufs({35.0, 45.0}), kExact);
}

TEST(LoudnessHistogram, ClearForgetsEverything)
{
    dsp::LoudnessHistogram h = histogramOf({-20.0, -30.0});
    h.clear();
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.gatedLoudnessLufs(-10.0), dsp::kMinusInfinityDb);
    h.add(dsp::lufsToMeanSquare(-40.0));
    EXPECT_NEAR(h.gatedLoudnessLufs(-10.0), -40.0, kExact);
}

TEST(LoudnessHistogram, RangePercentilesUseTheTech3342RoundedPositions)
{
    // 11 values -30..-20: P10 = sorted[round(1.0)] = -29, P95 = sorted[round(9.5)] = sorted[10] = -20
    // (MATLAB rounds halves away from zero), so LRA = 9, not 8.
    std::vector<double> values;
    for (int i = 0; i <= 10; ++i) values.push_back(-30.0 + i);
    EXPECT_NEAR(histogramOf(values).loudnessRangeLu(), 9.0, kExact);
    EXPECT_NEAR(referenceRangeLu(values), 9.0, kExact);
}

TEST(LoudnessHistogram, RangeRelativeGateIsTwentyLuBelowTheEnergyMean)
{
    std::vector<double> values(50, -20.0);
    values.insert(values.end(), 50, -25.0);
    // Energy mean -23.3, gate -43.3: the -45 values go (kept, they would be P10 and give 25 LU).
    values.insert(values.end(), 40, -45.0);
    EXPECT_NEAR(histogramOf(values).loudnessRangeLu(), 5.0, kExact);
}

TEST(LoudnessHistogram, SingleLevelHasZeroRange)
{
    EXPECT_NEAR(histogramOf(std::vector<double>(100, -23.0)).loudnessRangeLu(), 0.0, kExact);
}

TEST(LoudnessHistogram, AgreesWithDirectBs1770GatingOnManyValues)
{
    // Bins quantise only the gate decision of values within 0.01 LU of a threshold.
    for (uint32_t seed = 1; seed <= 4; ++seed)
    {
        const auto values = randomLoudness(20000, -80.0, -5.0, seed);
        EXPECT_NEAR(histogramOf(values).gatedLoudnessLufs(-10.0), referenceGatedLufs(values), 0.01)
            << "seed " << seed;
    }
}

TEST(LoudnessHistogram, AgreesWithTheTech3342ReferenceOnManyValues)
{
    // A percentile read from a 0.01 LU bin is the mean of that bin's values.
    for (uint32_t seed = 1; seed <= 4; ++seed)
    {
        const auto values = randomLoudness(20000, -75.0, -10.0, seed);
        EXPECT_NEAR(histogramOf(values).loudnessRangeLu(), referenceRangeLu(values), 0.02) << "seed " << seed;
    }
}
