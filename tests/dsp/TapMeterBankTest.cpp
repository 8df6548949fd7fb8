// TapMeterBank: the 10 ms sub-block grid, the process() contract, setup validation, SIMD paths that
// agree with each other, and channel counts that do not fill (or exceed) one 16-lane group.

#include "dsp/TapMeterBank.h"

#include "tests/support/Metering.h"

#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <stdexcept>
#include <string>

using namespace headroom;

namespace
{
constexpr uint32_t kRate = 48000;

// One distinct signal per channel: tones at different frequencies and levels, a few clipped runs,
// and true-peak bursts on every third channel.
test::Planar distinctChannels(uint32_t rate, std::size_t numChannels, double seconds = 1.0)
{
    test::Planar p = test::makePlanar(rate, numChannels);
    for (std::size_t c = 0; c < numChannels; ++c)
    {
        p.channels[c] =
            test::sine(rate, 50.0 + 211.0 * static_cast<double>(c), -1.0 - 1.5 * static_cast<double>(c % 13),
                       seconds, 0.3 * static_cast<double>(c));
        if (c % 3 == 2)
            for (std::size_t n = 1000 + 37 * c; n < p.channels[c].size(); n += 4000 + c)
                p.channels[c][n] = 1.0f;
        if (c % 4 == 1)
            for (std::size_t n = 2000; n < p.channels[c].size(); n += 9000)
                for (std::size_t k = 0; k < 5; ++k) p.channels[c][n + k] = -1.0f;
    }
    return p;
}

// Relative agreement of two float detector outputs computed with different instruction sets (FMA
// contraction changes the rounding): 1e-4 relative, with a tiny floor for values near 0.
constexpr double kRelativeTolerance = 1e-4;
// The K-weighted energy is the exception. Its high-pass stage has a double pole near z = 1 (38 Hz),
// so below ~100 Hz a float filter's rounding is amplified: at 48 kHz each path already differs from
// a double-precision filter by up to 2e-4 at 50 Hz and 2e-3 at 20 Hz (0.008 dB). The paths agree
// with each other to 1e-3 (0.004 dB), far inside any loudness tolerance.
constexpr double kKWeightedRelativeTolerance = 1e-3;

bool closeEnough(float a, float b, double relativeTolerance = kRelativeTolerance)
{
    const double scale = std::max(std::fabs(static_cast<double>(a)), std::fabs(static_cast<double>(b)));
    return std::fabs(static_cast<double>(a) - static_cast<double>(b)) <= relativeTolerance * scale + 1e-9;
}

std::string describeDifference(const dsp::ChannelSummary& a, const dsp::ChannelSummary& b)
{
    std::string d;
    const auto check = [&](const char* name, float x, float y, double tolerance = kRelativeTolerance)
    {
        if (!closeEnough(x, y, tolerance))
            d += std::string(name) + " " + std::to_string(x) + " vs " + std::to_string(y) + "; ";
    };
    check("samplePeak", a.samplePeak, b.samplePeak);
    check("truePeak", a.truePeak, b.truePeak);
    check("sumSquares", a.sumSquares, b.sumSquares);
    check("kWeightedSumSquares", a.kWeightedSumSquares, b.kWeightedSumSquares, kKWeightedRelativeTolerance);
    check("sumAbs", a.sumAbs, b.sumAbs);
    check("sum", a.sum, b.sum);
    check("ppmPeak", a.ppmPeak, b.ppmPeak);
    if (a.clippedSamples != b.clippedSamples) d += "clippedSamples; ";
    if (a.clipEvents != b.clipEvents) d += "clipEvents; ";
    if (a.longestClipRun != b.longestClipRun) d += "longestClipRun; ";
    if (a.nonFiniteSamples != b.nonFiniteSamples) d += "nonFiniteSamples; ";
    return d;
}

std::vector<dsp::SimdPath> supportedPaths()
{
    std::vector<dsp::SimdPath> paths;
    for (const auto p : {dsp::SimdPath::generic, dsp::SimdPath::avx2, dsp::SimdPath::avx512})
        if (dsp::isSupported(p)) paths.push_back(p);
    return paths;
}
} // namespace

// ---- The sub-block grid -----------------------------------------------------------------------

TEST(TapMeterBank, SubBlocksEndAtFloorOfKTimesRateOverOneHundredAtEveryRate)
{
    for (const uint32_t rate :
         {8000u, 11025u, 22050u, 32000u, 44100u, 48000u, 88200u, 96000u, 176400u, 192000u, 384000u})
    {
        SCOPED_TRACE(std::to_string(rate) + " Hz");
        dsp::TapMeterBank bank = test::preparedBank(rate, 1);
        EXPECT_EQ(bank.maxSubBlockFrames(), (rate + 99) / 100);
        const test::Planar silence = test::replicated(rate, std::vector<float>(2 * rate + 17, 0.0f), 1);
        std::vector<uint32_t> frames;
        test::meterPlanar(bank, silence, 1000, [&](auto, uint32_t n) { frames.push_back(n); });
        ASSERT_EQ(frames.size(), 200u) << "the 17 trailing frames do not complete a sub-block";
        uint64_t end = 0;
        for (std::size_t k = 0; k < frames.size(); ++k)
        {
            end += frames[k];
            ASSERT_EQ(end, (k + 1) * uint64_t{rate} / 100) << "sub-block " << k;
        }
    }
}

TEST(TapMeterBank, ProcessStopsAtEachSubBlockBoundaryAndSaysHowManyFramesItTook)
{
    dsp::TapMeterBank bank = test::preparedBank(44100, 2);
    const std::vector<float> x(10000, 0.25f);
    const float* channels[] = {x.data(), x.data()};
    EXPECT_EQ(bank.framesToSubBlockEnd(), 441u);
    EXPECT_EQ(bank.process(channels, 0, 100), 100u);
    EXPECT_FALSE(bank.subBlockComplete());
    EXPECT_EQ(bank.framesToSubBlockEnd(), 341u);
    EXPECT_EQ(bank.process(channels, 100, 5000), 341u);
    EXPECT_TRUE(bank.subBlockComplete());
    EXPECT_EQ(bank.completedFrames(), 441u);
    ASSERT_EQ(bank.completedSummaries().size(), 2u);
    EXPECT_FLOAT_EQ(bank.completedSummaries()[0].sum, 0.25f * 441);
    EXPECT_EQ(bank.framesToSubBlockEnd(), 441u);
    EXPECT_EQ(bank.process(channels, 441, 0), 0u);
    EXPECT_FALSE(bank.subBlockComplete());
}

TEST(TapMeterBank, NullChannelIsMeteredAsSilence)
{
    const std::vector<float> tone = test::sine(kRate, 1000.0, -10.0, 0.05);
    const std::vector<float> zeros(tone.size(), 0.0f);
    dsp::TapMeterBank a = test::preparedBank(kRate, 2);
    dsp::TapMeterBank b = test::preparedBank(kRate, 2);
    const float* withNull[] = {tone.data(), nullptr};
    const float* withZeros[] = {tone.data(), zeros.data()};
    for (std::size_t done = 0; done < tone.size();)
    {
        const std::size_t n = a.process(withNull, done, tone.size() - done);
        ASSERT_EQ(b.process(withZeros, done, tone.size() - done), n);
        done += n;
        ASSERT_EQ(a.subBlockComplete(), b.subBlockComplete());
        if (!a.subBlockComplete()) continue;
        EXPECT_TRUE(test::sameBits(a.completedSummaries()[0], b.completedSummaries()[0]));
        EXPECT_TRUE(test::sameBits(a.completedSummaries()[1], b.completedSummaries()[1]));
        EXPECT_EQ(a.completedSummaries()[1].samplePeak, 0.0f);
    }
}

TEST(TapMeterBank, BankWithoutChannelsStillKeepsTheGrid)
{
    dsp::TapMeterBank bank = test::preparedBank(kRate, 0);
    EXPECT_EQ(bank.process(nullptr, 0, 1000), 480u);
    EXPECT_TRUE(bank.subBlockComplete());
    EXPECT_TRUE(bank.completedSummaries().empty());
}

TEST(TapMeterBank, MovedBankKeepsMetering)
{
    dsp::TapMeterBank original = test::preparedBank(kRate, 1);
    const test::Planar audio = test::replicated(kRate, test::sine(kRate, 1000.0, -6.0, 0.1), 1);
    dsp::TapMeterBank moved = std::move(original);
    float peak = 0.0f;
    test::meterPlanar(moved, audio, 256, [&](auto s, uint32_t) { peak = std::max(peak, s[0].samplePeak); });
    EXPECT_NEAR(peak, 0.501187f, 1e-5f);
}

// ---- Setup validation --------------------------------------------------------------------------

TEST(TapMeterBank, PrepareRejectsRatesThresholdsAndRunLengthsOutsideTheirRanges)
{
    const auto prepareWith = [](auto edit)
    {
        dsp::TapMeterConfig config;
        config.numChannels = 2;
        edit(config);
        dsp::TapMeterBank bank;
        bank.prepare(config);
    };
    EXPECT_THROW(prepareWith([](auto& c) { c.sampleRateHz = dsp::kMinSampleRateHz - 1; }),
                 std::invalid_argument);
    EXPECT_THROW(prepareWith([](auto& c) { c.sampleRateHz = dsp::kMaxSampleRateHz + 1; }),
                 std::invalid_argument);
    EXPECT_THROW(prepareWith([](auto& c) { c.clipThresholdLinear = 0.0f; }), std::invalid_argument);
    EXPECT_THROW(prepareWith([](auto& c) { c.clipThresholdLinear = -1.0f; }), std::invalid_argument);
    EXPECT_THROW(
        prepareWith([](auto& c) { c.clipThresholdLinear = std::numeric_limits<float>::quiet_NaN(); }),
        std::invalid_argument);
    EXPECT_THROW(prepareWith([](auto& c) { c.minClipRunSamples = 0; }), std::invalid_argument);
    EXPECT_NO_THROW(prepareWith([](auto& c) { c.sampleRateHz = dsp::kMinSampleRateHz; }));
    EXPECT_NO_THROW(prepareWith([](auto& c) { c.sampleRateHz = dsp::kMaxSampleRateHz; }));
}

TEST(TapMeterBank, PrepareRefusesAnInstructionSetTheCpuLacks)
{
    for (const auto path : {dsp::SimdPath::generic, dsp::SimdPath::avx2, dsp::SimdPath::avx512})
    {
        dsp::TapMeterConfig config;
        config.numChannels = 1;
        dsp::TapMeterBank bank;
        if (dsp::isSupported(path))
        {
            EXPECT_NO_THROW(bank.prepare(config, path));
            EXPECT_EQ(bank.simdPath(), path);
        }
        else
            EXPECT_THROW(bank.prepare(config, path), std::invalid_argument);
    }
    EXPECT_TRUE(dsp::isSupported(dsp::SimdPath::generic));
    EXPECT_TRUE(dsp::isSupported(dsp::fastestSupportedPath()));
    EXPECT_EQ(dsp::toString(dsp::SimdPath::avx512), "avx512");
}

TEST(TapMeterBank, PpmTypeOfAChannelTheBankDoesNotHaveIsRejected)
{
    dsp::TapMeterBank bank = test::preparedBank(kRate, 3);
    EXPECT_NO_THROW(bank.setPpmType(2, dsp::PpmType::typeI));
    EXPECT_THROW(bank.setPpmType(3, dsp::PpmType::typeI), std::out_of_range);
}

// ---- SIMD paths and channel counts -------------------------------------------------------------

TEST(TapMeterBank, EverySupportedSimdPathAgreesWithTheGenericPath)
{
    const test::Planar audio = distinctChannels(kRate, 17);
    const std::vector<std::size_t> blocks{512};
    dsp::TapMeterBank generic = test::preparedBank(kRate, audio.channels.size(), dsp::SimdPath::generic);
    const auto expected = test::traceSummaries(generic, audio, blocks);
    for (const dsp::SimdPath path : supportedPaths())
    {
        SCOPED_TRACE(std::string(dsp::toString(path)));
        dsp::TapMeterBank bank = test::preparedBank(kRate, audio.channels.size(), path);
        const auto trace = test::traceSummaries(bank, audio, blocks);
        ASSERT_EQ(trace.frames, expected.frames);
        for (std::size_t i = 0; i < trace.summaries.size(); ++i)
        {
            const std::string difference = describeDifference(trace.summaries[i], expected.summaries[i]);
            ASSERT_TRUE(difference.empty())
                << "sub-block " << i / 17 << ", channel " << i % 17 << ": " << difference;
        }
    }
}

TEST(TapMeterBank, AnyChannelCountMetersEachChannelAsIfItWereAlone)
{
    // Lanes are independent: channel c of an N-channel bank equals a 1-channel bank fed channel c,
    // bit for bit, for counts below, at and above the 16-lane group size.
    const test::Planar all = distinctChannels(kRate, 33, 0.25);
    const std::vector<std::size_t> blocks{700};
    for (const dsp::SimdPath path : supportedPaths())
    {
        std::vector<test::SummaryTrace> alone;
        for (const auto& channel : all.channels)
        {
            dsp::TapMeterBank bank = test::preparedBank(kRate, 1, path);
            alone.push_back(test::traceSummaries(bank, test::replicated(kRate, channel, 1), blocks));
        }
        for (const std::size_t numChannels : {1u, 2u, 5u, 17u, 33u})
        {
            SCOPED_TRACE(std::string(dsp::toString(path)) + ", " + std::to_string(numChannels) + " channels");
            test::Planar audio = all;
            audio.channels.resize(numChannels);
            dsp::TapMeterBank bank = test::preparedBank(kRate, numChannels, path);
            const auto trace = test::traceSummaries(bank, audio, blocks);
            ASSERT_EQ(trace.summaries.size(), trace.frames.size() * numChannels);
            for (std::size_t c = 0; c < numChannels; ++c)
                for (std::size_t k = 0; k < alone[c].summaries.size(); ++k)
                    ASSERT_TRUE(test::sameBits(trace.summaries[k * numChannels + c], alone[c].summaries[k]))
                        << "channel " << c << ", sub-block " << k;
        }
    }
}
