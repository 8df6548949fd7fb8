// True peak (ITU-R BS.1770-5 Annex 2, reference §1.6): the interpolator's coefficients against the
// Annex 2 table, the bank's per-sub-block true peak against a double-precision evaluation of that
// filter, and properties every true-peak reading must have. The Tech 3341 cases 15-23 are in
// Tech3341Test.cpp.

#include "dsp/Decibels.h"
#include "dsp/TruePeakFilter.h"
#include "tests/support/Metering.h"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <numbers>
#include <string>

using namespace headroom;

namespace
{
// Annex 2, "order 48, 4-phase, FIR interpolating", as printed (phase k, tap j).
constexpr double kAnnex2[4][12] = {
    {0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000, -0.0594482421875, 0.1373291015625,
     0.9721679687500, -0.1022949218750, 0.0476074218750, -0.0266113281250, 0.0148925781250, -0.0083007812500},
    {-0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250, -0.1665039062500, 0.4650878906250,
     0.7797851562500, -0.2003173828125, 0.1015625000000, -0.0582275390625, 0.0330810546875, -0.0189208984375},
    {-0.0189208984375, 0.0330810546875, -0.0582275390625, 0.1015625000000, -0.2003173828125, 0.7797851562500,
     0.4650878906250, -0.1665039062500, 0.0891113281250, -0.0517578125000, 0.0292968750000, -0.0291748046875},
    {-0.0083007812500, 0.0148925781250, -0.0266113281250, 0.0476074218750, -0.1022949218750, 0.9721679687500,
     0.1373291015625, -0.0594482421875, 0.0332031250000, -0.0196533203125, 0.0109863281250, 0.0017089843750},
};

// Per-sub-block true peak of one channel by the definition: max over n in the sub-block of |x[n]| and
// of |y_k[n]| = |sum_j c_k[j] x[n - j]| (silence before the first sample), in double precision.
std::vector<double> referenceTruePeaks(const std::vector<float>& x, uint32_t rate)
{
    dsp::SubBlockClock clock;
    clock.prepare(rate);
    std::vector<double> peaks;
    double peak = 0.0;
    uint32_t inSubBlock = 0;
    for (std::size_t n = 0; n < x.size(); ++n)
    {
        peak = std::max(peak, std::fabs(static_cast<double>(x[n])));
        for (const auto& phase : kAnnex2)
        {
            double y = 0.0;
            for (std::size_t j = 0; j < 12 && j <= n; ++j) y += phase[j] * static_cast<double>(x[n - j]);
            peak = std::max(peak, std::fabs(y));
        }
        if (++inSubBlock == clock.currentFrames())
        {
            peaks.push_back(peak);
            peak = 0.0;
            inSubBlock = 0;
            clock.advance();
        }
    }
    return peaks;
}

// Deterministic white noise in [-amplitude, amplitude) (a 32-bit LCG).
std::vector<float> noise(std::size_t frames, double amplitude, uint32_t seed)
{
    std::vector<float> x(frames);
    for (float& v : x)
    {
        seed = seed * 1664525u + 1013904223u;
        v = static_cast<float>(amplitude * (static_cast<double>(seed) / 2147483648.0 - 1.0));
    }
    return x;
}

double truePeakDbtp(const std::vector<float>& x, uint32_t rate)
{
    const auto run = test::meterRun(test::replicated(rate, x, 1), {1.0});
    return run.channels[0].readings().truePeakDbtp;
}
} // namespace

TEST(TruePeak, InterpolatorIsTheAnnex2Table)
{
    // Every printed value is a multiple of 2^-16, so the float table holds it exactly.
    for (std::size_t k = 0; k < 4; ++k)
        for (std::size_t j = 0; j < 12; ++j)
            EXPECT_EQ(static_cast<double>(dsp::kTruePeakCoefficients[k][j]), kAnnex2[k][j])
                << "phase " << k << " tap " << j;
}

TEST(TruePeak, OuterAndInnerPhasesAreMirrorImagesWithTheDocumentedDcGains)
{
    double dcGain[4] = {};
    for (std::size_t k = 0; k < 4; ++k)
        for (std::size_t j = 0; j < 12; ++j)
        {
            dcGain[k] += dsp::kTruePeakCoefficients[k][j];
            EXPECT_EQ(dsp::kTruePeakCoefficients[k][j], dsp::kTruePeakCoefficients[3 - k][11 - j]);
        }
    EXPECT_NEAR(dcGain[0], 1.0015869, 1e-6);
    EXPECT_NEAR(dcGain[1], 0.9730225, 1e-6);
}

TEST(TruePeak, EverySubBlockReadsTheAnnex2InterpolatorWithTheSamplePeakFoldedIn)
{
    constexpr uint32_t kRate = 48000;
    test::Planar audio = test::makePlanar(kRate, 4);
    audio.channels[0] = noise(kRate, 0.9, 1);
    audio.channels[1] = test::truePeakSine(kRate, 4, -1.0, 45.0, 1.0, 0.01);
    audio.channels[2] = test::truePeakBurst(kRate, 2, 1.0, 0.01);
    // Steps and single impulses: the interpolator's overshoot, and peaks right at sub-block edges.
    audio.channels[3].assign(kRate, 0.0f);
    for (std::size_t n = 0; n < kRate; n += 2400)
        std::fill_n(audio.channels[3].begin() + static_cast<std::ptrdiff_t>(n), 1200, 0.8f);
    audio.channels[3][479] = -1.0f;
    audio.channels[3][480] = 1.0f;

    dsp::TapMeterBank bank = test::preparedBank(kRate, audio.channels.size());
    const std::size_t block = 333;
    const auto trace = test::traceSummaries(bank, audio, {&block, 1});
    for (std::size_t c = 0; c < audio.channels.size(); ++c)
    {
        SCOPED_TRACE("channel " + std::to_string(c));
        const auto reference = referenceTruePeaks(audio.channels[c], kRate);
        ASSERT_EQ(reference.size() * audio.channels.size(), trace.summaries.size());
        for (std::size_t k = 0; k < reference.size(); ++k)
        {
            const double measured = trace.summaries[k * audio.channels.size() + c].truePeak;
            ASSERT_NEAR(measured, reference[k], 1e-5 * reference[k] + 1e-9) << "sub-block " << k;
        }
    }
}

TEST(TruePeak, QuarterRateSineSampledAtItsCrestsReadsItsPeakBecauseSamplesAreFoldedIn)
{
    // Tech 3341 case 15: the Annex 2 phases alone read -6.197 dBTP (none reproduces the samples).
    EXPECT_NEAR(truePeakDbtp(test::truePeakSine(48000, 4, -6.0, 0.0), 48000), -6.0, 0.001);
}

TEST(TruePeak, IntersamplePeakOfAQuarterRateSineAt45DegreesIsFound)
{
    // Samples at +-0.354 (-9.01 dBFS) of a -6 dBFS sine; reference model: -5.955 dBTP.
    const auto x = test::truePeakSine(48000, 4, -6.0, 45.0);
    EXPECT_NEAR(truePeakDbtp(x, 48000), -5.955, 0.005);
}

TEST(TruePeak, SteadyTonesUpToAQuarterOfTheRateReadWithinTech3343Tolerance)
{
    // Tech 3343: ±0.3 dB for band-limited signals. Up to fs/4 the 4x under-read bound is 0.17 dB and
    // this filter's pass-band ripple +0.22 dB; fs/6 at 60 degrees (case 17) is the worst, -0.295.
    for (const uint32_t rate : {44100u, 48000u, 96000u})
        for (const double fraction : {0.001, 0.01, 0.05, 0.08, 0.1, 0.125, 0.15, 1.0 / 6.0, 0.2, 0.249, 0.25})
            for (const double phaseDegrees : {0.0, 22.5, 45.0, 60.0, 67.5, 90.0})
            {
                // Faded in and out (10 ms, as Tech 3341 tapers its signals): a hard onset is not
                // band-limited and legitimately reads higher.
                auto x =
                    test::sine(rate, fraction * rate, -3.0, 0.25, phaseDegrees * std::numbers::pi / 180.0);
                test::applyLinearFades(x, rate / 100);
                EXPECT_NEAR(truePeakDbtp(x, rate), -3.0, 0.3)
                    << rate << " Hz, f = " << fraction << " fs, phase " << phaseDegrees;
            }
}

TEST(TruePeak, ReadingIsDefinedRelativeToTheSampleRate)
{
    // 4x over-sampling at every rate: the same samples read the same true peak at any rate.
    const auto x = test::truePeakSine(48000, 4, -6.0, 45.0, 1.0, 0.01);
    const double at48k = truePeakDbtp(x, 48000);
    for (const uint32_t rate : {8000u, 22050u, 44100u, 88200u, 96000u, 192000u, 384000u})
        EXPECT_EQ(truePeakDbtp(x, rate), at48k) << rate << " Hz";
}

TEST(TruePeak, NeverReadsBelowTheSamplePeak)
{
    for (uint32_t seed = 1; seed <= 5; ++seed)
    {
        const auto run = test::meterRun(test::replicated(48000, noise(48000, 0.1 * seed, seed), 1), {1.0});
        const auto r = run.channels[0].readings();
        EXPECT_GE(r.truePeakDbtp, r.samplePeakDbfs);
    }
}

TEST(TruePeak, FullScaleDcReadsTheOuterPhasesDcGain)
{
    // Phases 0 and 3 pass DC with a gain of 1.0015869 (+0.014 dB): the meter keeps DC, as a
    // true-peak meter for overload purposes must (BS.1770 Annex 2).
    std::vector<float> x(48000, 1.0f);
    test::applyLinearFades(x, 4800); // a step would read the interpolator's overshoot instead
    EXPECT_NEAR(truePeakDbtp(x, 48000), dsp::amplitudeToDb(1.0015869), 1e-3);
}
