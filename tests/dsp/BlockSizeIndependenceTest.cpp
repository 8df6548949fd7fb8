// TapMeterBank promises bit-identical summaries whatever the block sizes it is fed (JACK periods,
// file reads, chunks split at sub-block boundaries). Every field of every summary is compared
// bit for bit between blocks of 1, 7, 64, 1000 and 8192 frames and an irregular mix, on every SIMD
// path this CPU supports, at rates whose sub-blocks are even (48 kHz), odd (44.1 kHz) and alternating
// (22.05 kHz: 220/221 frames).

#include "tests/support/Metering.h"

#include <array>
#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <string>

using namespace headroom;

namespace
{
// Channels that exercise every detector: a tone that stops (filter tails decaying through the
// denormal-flush range), noise, clipped runs and NaN/Inf, a 20 Hz tone (slow K-filter dynamics),
// and an fs/4 burst (true peak between samples).
test::Planar demandingSignal(uint32_t rate)
{
    const double seconds = 2.5;
    const auto frames = static_cast<std::size_t>(seconds * rate);
    test::Planar p = test::makePlanar(rate, 5);

    test::appendSegments(p, {{-6.0, 1.0}, {std::nullopt, seconds - 1.0}}, 997.0, {0});

    p.channels[1].resize(frames);
    uint32_t seed = 12345;
    for (float& v : p.channels[1])
    {
        seed = seed * 1664525u + 1013904223u;
        v = static_cast<float>(0.5 * (static_cast<double>(seed) / 2147483648.0 - 1.0));
    }

    p.channels[2] = test::sine(rate, 1000.0, -1.0, seconds);
    for (std::size_t n = rate / 10; n < frames; n += rate / 7)
        for (std::size_t k = 0; k < 1 + (n % 11); ++k) p.channels[2][n + k] = (k % 2 != 0) ? -1.0f : 1.0f;
    p.channels[2][rate / 3] = std::numeric_limits<float>::quiet_NaN();
    p.channels[2][rate / 2] = std::numeric_limits<float>::infinity();
    for (std::size_t n = rate; n < rate + 700; ++n)
        p.channels[2][n] = std::numeric_limits<float>::quiet_NaN();

    p.channels[3] = test::sine(rate, 20.0, -10.0, seconds);
    p.channels[4] = test::truePeakSine(rate, 4, -6.0, 45.0, seconds, 0.01);
    return p;
}

const std::vector<std::vector<std::size_t>> kBlockPatterns = {
    {1}, {7}, {64}, {1000}, {8192}, {1, 255, 7, 4096, 64, 3, 1000, 8192, 480, 481, 2},
};

std::string describe(const std::vector<std::size_t>& pattern)
{
    std::string s = "blocks";
    for (std::size_t b : pattern)
    {
        s += ' ';
        s += std::to_string(b);
    }
    return s;
}

void expectIdenticalTraces(const test::SummaryTrace& a, const test::SummaryTrace& b, std::size_t numChannels)
{
    ASSERT_EQ(a.frames, b.frames);
    ASSERT_EQ(a.summaries.size(), b.summaries.size());
    for (std::size_t i = 0; i < a.summaries.size(); ++i)
        ASSERT_TRUE(test::sameBits(a.summaries[i], b.summaries[i]))
            << "sub-block " << i / numChannels << ", channel " << i % numChannels;
}

class BlockSizeIndependence : public testing::TestWithParam<dsp::SimdPath>
{
};

std::string pathName(const testing::TestParamInfo<dsp::SimdPath>& info)
{
    return "On" + std::string(dsp::toString(info.param));
}

INSTANTIATE_TEST_SUITE_P(EverySimdPath, BlockSizeIndependence,
                         testing::Values(dsp::SimdPath::generic, dsp::SimdPath::avx2, dsp::SimdPath::avx512),
                         pathName);
} // namespace

TEST_P(BlockSizeIndependence, SummariesAreBitIdenticalForAnyBlockSizes)
{
    if (!dsp::isSupported(GetParam())) GTEST_SKIP() << "this CPU cannot run " << dsp::toString(GetParam());
    for (const uint32_t rate : {48000u, 44100u, 22050u})
    {
        SCOPED_TRACE(std::to_string(rate) + " Hz");
        const test::Planar audio = demandingSignal(rate);
        dsp::TapMeterBank reference = test::preparedBank(rate, audio.channels.size(), GetParam());
        const std::size_t wholeSignal = audio.numFrames();
        const auto expected = test::traceSummaries(reference, audio, {&wholeSignal, 1});
        ASSERT_EQ(expected.frames.size(), 250u);
        for (const auto& pattern : kBlockPatterns)
        {
            SCOPED_TRACE(describe(pattern));
            dsp::TapMeterBank bank = test::preparedBank(rate, audio.channels.size(), GetParam());
            expectIdenticalTraces(test::traceSummaries(bank, audio, pattern), expected,
                                  audio.channels.size());
        }
    }
}

TEST_P(BlockSizeIndependence, ResetBankRepeatsItsSummariesExactly)
{
    if (!dsp::isSupported(GetParam())) GTEST_SKIP() << "this CPU cannot run " << dsp::toString(GetParam());
    const test::Planar audio = demandingSignal(48000);
    dsp::TapMeterBank bank = test::preparedBank(48000, audio.channels.size(), GetParam());
    const std::vector<std::size_t> odd{333};
    const auto first = test::traceSummaries(bank, audio, odd);
    // Stop mid-sub-block with filters charged, then reset: the next run starts from a clean grid.
    test::Planar part = audio;
    for (auto& c : part.channels) c.resize(12345);
    (void)test::traceSummaries(bank, part, odd);
    bank.reset();
    expectIdenticalTraces(test::traceSummaries(bank, audio, std::vector<std::size_t>{1000}), first,
                          audio.channels.size());
}
