// K-weighting (ITU-R BS.1770-5 Annex 1, reference §1.2-§1.3): the derived coefficients against the
// standard's 48 kHz tables and the reference's table for other rates, the magnitude response against
// the reference's frequency table, and the response as metered by TapMeterBank's float kernel.

#include "dsp/KWeighting.h"

#include "tests/support/Metering.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <gtest/gtest.h>
#include <string>

using namespace headroom;

namespace
{
constexpr double kCoefficientTolerance = 1e-12;
constexpr double kMagnitudeToleranceDb = 0.01;
constexpr double kMeteredToleranceLu = 0.05;

struct RateCoefficients
{
    double sampleRateHz;
    double shelfB0, shelfB1, shelfB2, shelfA1, shelfA2, highPassA1, highPassA2;
};

// §1.3, derived from the analog prototype (the 48 kHz row is BS.1770 Tables 1 and 2).
constexpr std::array<RateCoefficients, 10> kCoefficientTable{{
    {8000, 1.32162356892998, -0.72625549131569, 0.29812624601620, -0.29338078241492, 0.18687510604541,
     -1.94101334282922, 0.94188430416850},
    {16000, 1.44329522349136, -1.83157538126046, 0.68165875741197, -1.10153376910699, 0.39491236874986,
     -1.97028952800443, 0.97051049053584},
    {22050, 1.47982535097775, -2.17072861285683, 0.86084248472655, -1.33830533606613, 0.50824455891360,
     -1.97839760259012, 0.97851441950325},
    {32000, 1.51117789956876, -2.46488941336014, 1.04163327352230, -1.53904509625064, 0.62696685598156,
     -1.98508966898869, 0.98514532066955},
    {44100, 1.53084123005035, -2.65097999515473, 1.16907907992159, -1.66365511325602, 0.71259542807323,
     -1.98916967362980, 0.98919903578704},
    {48000, 1.53512485958697, -2.69169618940638, 1.19839281085285, -1.69065929318241, 0.73248077421585,
     -1.99004745483398, 0.99007225036621},
    {88200, 1.55751537557965, -2.90562707992635, 1.36133397747221, -1.83091998796233, 0.84414226108785,
     -1.99457751545034, 0.99458487587805},
    {96000, 1.55971422897580, -2.92674157825108, 1.37826120231582, -1.84460946989011, 0.85584332293064,
     -1.99501754472472, 0.99502375904092},
    {176400, 1.57111531774185, -3.03654450240465, 1.46887161198976, -1.91532931683305, 0.91877174416001,
     -1.99728692242381, 0.99728876502607},
    {192000, 1.57222721509128, -3.04728305156155, 1.47797134097961, -1.92220223060749, 0.92511773511683,
     -1.99750722284070, 0.99750877835551},
}};

struct MagnitudeRow
{
    double frequencyHz;
    double gainDb48k, gainDb44k1, gainDb96k;
};

// §1.3 K-weighting magnitude of the ITU-equivalent filter.
constexpr std::array<MagnitudeRow, 20> kMagnitudeTable{{
    {20, -13.2754, -13.2715, -13.2970}, {25, -10.3928, -10.3889, -10.4144}, {31.5, -7.7900, -7.7861, -7.8116},
    {50, -3.9341, -3.9302, -3.9557},    {63, -2.6639, -2.6601, -2.6856},    {100, -1.1335, -1.1297, -1.1551},
    {200, -0.2649, -0.2611, -0.2865},   {500, 0.0425, 0.0462, 0.0214},      {997, 0.6910, 0.6938, 0.6737},
    {1000, 0.6977, 0.7005, 0.6804},     {1500, 2.0355, 2.0387, 2.0163},     {2000, 3.0713, 3.0760, 3.0459},
    {3000, 3.8077, 3.8130, 3.7801},     {4000, 3.9680, 3.9729, 3.9420},     {5000, 4.0134, 4.0179, 3.9887},
    {8000, 4.0394, 4.0435, 4.0166},     {10000, 4.0419, 4.0458, 4.0195},    {12000, 4.0427, 4.0466, 4.0206},
    {16000, 4.0431, 4.0469, 4.0212},    {20000, 4.0431, 4.0469, 4.0214},
}};

double tableGainDb(const MagnitudeRow& row, uint32_t rate)
{
    return rate == 44100 ? row.gainDb44k1 : rate == 96000 ? row.gainDb96k : row.gainDb48k;
}

std::string rateName(const testing::TestParamInfo<uint32_t>& info)
{
    return "At" + std::to_string(info.param) + "Hz";
}
} // namespace

TEST(KWeighting, CoefficientsAt48kHzEqualBs1770Tables1And2)
{
    const dsp::KWeightingCoefficients k = dsp::kWeightingFor(48000.0);
    // Table 1 (stage 1, the shelf).
    EXPECT_NEAR(k.shelf.b0, 1.53512485958697, kCoefficientTolerance);
    EXPECT_NEAR(k.shelf.b1, -2.69169618940638, kCoefficientTolerance);
    EXPECT_NEAR(k.shelf.b2, 1.19839281085285, kCoefficientTolerance);
    EXPECT_NEAR(k.shelf.a1, -1.69065929318241, kCoefficientTolerance);
    EXPECT_NEAR(k.shelf.a2, 0.73248077421585, kCoefficientTolerance);
    // Table 2 (stage 2, the RLB high-pass), numerator not normalised.
    EXPECT_EQ(k.highPass.b0, 1.0);
    EXPECT_EQ(k.highPass.b1, -2.0);
    EXPECT_EQ(k.highPass.b2, 1.0);
    EXPECT_NEAR(k.highPass.a1, -1.99004745483398, kCoefficientTolerance);
    EXPECT_NEAR(k.highPass.a2, 0.99007225036621, kCoefficientTolerance);
}

TEST(KWeighting, CoefficientsAtOtherRatesFollowTheAnalogPrototype)
{
    for (const RateCoefficients& row : kCoefficientTable)
    {
        SCOPED_TRACE(std::to_string(row.sampleRateHz) + " Hz");
        const dsp::KWeightingCoefficients k = dsp::kWeightingFor(row.sampleRateHz);
        EXPECT_NEAR(k.shelf.b0, row.shelfB0, kCoefficientTolerance);
        EXPECT_NEAR(k.shelf.b1, row.shelfB1, kCoefficientTolerance);
        EXPECT_NEAR(k.shelf.b2, row.shelfB2, kCoefficientTolerance);
        EXPECT_NEAR(k.shelf.a1, row.shelfA1, kCoefficientTolerance);
        EXPECT_NEAR(k.shelf.a2, row.shelfA2, kCoefficientTolerance);
        EXPECT_EQ(k.highPass.b0, 1.0);
        EXPECT_EQ(k.highPass.b1, -2.0);
        EXPECT_EQ(k.highPass.b2, 1.0);
        EXPECT_NEAR(k.highPass.a1, row.highPassA1, kCoefficientTolerance);
        EXPECT_NEAR(k.highPass.a2, row.highPassA2, kCoefficientTolerance);
    }
}

TEST(KWeighting, GainAt997HzIsWhatTheMinus0Point691OffsetCancels)
{
    // BS.1770: "The constant -0.691 in equation (2) cancels out the K-weighting gain for 997 Hz".
    EXPECT_NEAR(dsp::kWeightingFor(48000.0).magnitudeDb(997.0, 48000.0), 0.691, 0.0005);
}

TEST(KWeighting, HighPassBlocksDcAndTheShelfLiftsHighFrequenciesByFourDecibels)
{
    const dsp::KWeightingCoefficients k = dsp::kWeightingFor(48000.0);
    EXPECT_LT(k.highPass.magnitudeDb(0.0, 48000.0), -200.0);
    EXPECT_NEAR(k.shelf.magnitudeDb(0.0, 48000.0), 0.0, 0.01);
    EXPECT_NEAR(k.shelf.magnitudeDb(20000.0, 48000.0), 4.0, 0.05);
}

class KWeightingAtRate : public testing::TestWithParam<uint32_t>
{
};

INSTANTIATE_TEST_SUITE_P(TableRates, KWeightingAtRate, testing::Values(48000u, 44100u, 96000u), rateName);

TEST_P(KWeightingAtRate, MagnitudeResponseMatchesTheReferenceFrequencyTable)
{
    const uint32_t rate = GetParam();
    const dsp::KWeightingCoefficients k = dsp::kWeightingFor(rate);
    for (const MagnitudeRow& row : kMagnitudeTable)
        EXPECT_NEAR(k.magnitudeDb(row.frequencyHz, rate), tableGainDb(row, rate), kMagnitudeToleranceDb)
            << row.frequencyHz << " Hz";
}

TEST_P(KWeightingAtRate, MeteredStereoSineAtTheTableLevelReadsMinus23)
{
    // The float kernel of TapMeterBank, through LoudnessMeter: a stereo sine whose per-channel level
    // is -23 + 0.691 - gain(f) reads -23.0 LUFS at any frequency.
    const uint32_t rate = GetParam();
    for (const double frequencyHz :
         {20.0, 25.0, 100.0, 500.0, 997.0, 2000.0, 4000.0, 10000.0, 16000.0, 20000.0})
    {
        const auto row = std::find_if(kMagnitudeTable.begin(), kMagnitudeTable.end(),
                                      [&](const MagnitudeRow& r) { return r.frequencyHz == frequencyHz; });
        ASSERT_NE(row, kMagnitudeTable.end());
        const double levelDb = -23.0 + 0.691 - tableGainDb(*row, rate);
        const auto run =
            test::meterRun(test::stereoSegments(rate, {{levelDb, 3.0}}, frequencyHz), {1.0, 1.0});
        EXPECT_NEAR(run.loudness.integratedLufs, -23.0, kMeteredToleranceLu) << frequencyHz << " Hz";
        EXPECT_NEAR(run.momentaryLufs.back(), -23.0, kMeteredToleranceLu) << frequencyHz << " Hz";
    }
}

TEST(KWeighting, MeteredLowFrequenciesStayWithinATenthOfALuAtTheHighestRates)
{
    // Known defect, reported to the owner of dsp/detail: TapMeterBank runs the K-weighting in float,
    // and rounding the high-pass coefficients a1 ~ -2, a2 ~ 1 to float moves its 38 Hz double pole at
    // 352.8/384 kHz (there 1 + a1 + a2 ~ 4e-7 while the rounding is up to 6e-8): 20-25 Hz tones read
    // 0.2-0.35 LU off (+0.35 at 352.8 kHz, -0.29 at 384 kHz for 20 Hz). Enable once the filter is
    // computed in a better-conditioned form (coefficients as offsets from -2 and 1) or in double.
    for (const uint32_t rate : {352800u, 384000u})
    {
        const dsp::KWeightingCoefficients k = dsp::kWeightingFor(rate);
        for (const double frequencyHz : {20.0, 25.0, 31.5, 50.0, 100.0})
        {
            const double levelDb = -23.0 + 0.691 - k.magnitudeDb(frequencyHz, rate);
            const auto run =
                test::meterRun(test::stereoSegments(rate, {{levelDb, 2.0}}, frequencyHz), {1.0, 1.0});
            EXPECT_NEAR(run.loudness.integratedLufs, -23.0, 0.1)
                << rate << " Hz, " << frequencyHz << " Hz tone";
        }
    }
}
