// The generator's signals, read back through the metering core: what `headroom generate` plays is
// what the integration tests expect `headroom serve` to read.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "dsp/ChannelStatistics.h"
#include "server/audio/SignalGenerator.h"
#include "tests/support/Metering.h"

using namespace headroom;
using server::SignalGenerator;
using server::SignalSpec;

namespace
{
// Generates `seconds` of a signal in periods of `periodFrames` (as a process callback would).
std::vector<float> generate(const SignalSpec& spec, uint32_t rateHz, double seconds, std::size_t periodFrames)
{
    SignalGenerator generator;
    generator.prepare(spec, rateHz);
    std::vector<float> out(static_cast<std::size_t>(seconds * rateHz));
    for (std::size_t pos = 0; pos < out.size(); pos += periodFrames)
        generator.generate(out.data() + pos, std::min(periodFrames, out.size() - pos));
    return out;
}

dsp::ChannelReadings meter(const std::vector<float>& x, uint32_t rateHz)
{
    dsp::TapMeterBank bank = test::preparedBank(rateHz, 1);
    test::Planar audio = test::makePlanar(rateHz, 1);
    audio.channels[0] = x;
    dsp::ChannelStatistics stats;
    test::meterPlanar(bank, audio, 1024,
                      [&](std::span<const dsp::ChannelSummary> s, uint32_t n) { stats.add(s[0], n); });
    return stats.readings(dsp::RmsConvention::aes17);
}
} // namespace

TEST(SignalGenerator, ParsesTheThreeSignalForms)
{
    const SignalSpec sine = server::parseSignalSpec("sine:1000:-18");
    EXPECT_EQ(sine.kind, SignalSpec::Kind::sine);
    EXPECT_DOUBLE_EQ(sine.frequencyHz, 1000.0);
    EXPECT_DOUBLE_EQ(sine.levelDbfs, -18.0);
    const SignalSpec noise = server::parseSignalSpec("noise:-30.5");
    EXPECT_EQ(noise.kind, SignalSpec::Kind::noise);
    EXPECT_DOUBLE_EQ(noise.levelDbfs, -30.5);
    EXPECT_EQ(server::parseSignalSpec("silence").kind, SignalSpec::Kind::silence);
    EXPECT_EQ(server::toString(sine), "sine:1000:-18");
    EXPECT_EQ(server::toString(noise), "noise:-30.5");
}

TEST(SignalGenerator, RefusesMalformedSignalsWithTheExpectedForm)
{
    for (const char* bad : {"", "sine", "sine:1000", "sine:abc:-18", "sine:-5:-18", "sine:1000:-18:3",
                            "noise", "noise:loud", "square:100:-6", "sine:1000:+30", "silence:1"})
        EXPECT_THROW((void)server::parseSignalSpec(bad), std::invalid_argument) << bad;
    SignalGenerator generator;
    EXPECT_THROW(generator.prepare(server::parseSignalSpec("sine:30000:-18"), 48000), std::invalid_argument);
}

TEST(SignalGenerator, SineReadsItsPeakLevelAsAes17RmsAtAnyPeriodSize)
{
    for (std::size_t period : {64u, 256u, 384u, 1024u, 4096u})
    {
        const auto r = meter(generate(server::parseSignalSpec("sine:1000:-18"), 48000, 2.0, period), 48000);
        EXPECT_NEAR(r.rmsDbfs, -18.0, 0.01) << period;
        EXPECT_NEAR(r.samplePeakDbfs, -18.0, 0.01) << period;
    }
    const auto r441 = meter(generate(server::parseSignalSpec("sine:997:-20"), 44100, 2.0, 128), 44100);
    EXPECT_NEAR(r441.rmsDbfs, -20.0, 0.01);
}

TEST(SignalGenerator, NoiseReadsItsLevelAsAes17Rms)
{
    const auto r = meter(generate(server::parseSignalSpec("noise:-30"), 48000, 5.0, 256), 48000);
    EXPECT_NEAR(r.rmsDbfs, -30.0, 0.1);
    // Uniform noise peaks at sqrt(3) times its RMS: 4.77 dB over plain RMS, 1.76 dB over AES17 RMS.
    EXPECT_LT(r.samplePeakDbfs, -30.0 + 1.77);
    EXPECT_GT(r.samplePeakDbfs, -30.0 + 1.6);
    EXPECT_NEAR(r.dcOffsetLinear, 0.0, 1e-3);
}

TEST(SignalGenerator, SilenceIsDigitalSilence)
{
    const auto x = generate(server::parseSignalSpec("silence"), 48000, 0.1, 64);
    for (float v : x) ASSERT_EQ(v, 0.0f);
}

TEST(SignalGenerator, TwoGeneratorsWithTheSameSineAreCoherent)
{
    const SignalSpec spec = server::parseSignalSpec("sine:1000:-18");
    const auto a = generate(spec, 48000, 1.0, 256);
    const auto b = generate(spec, 48000, 1.0, 100); // the period size does not change the samples
    ASSERT_EQ(a, b);
    std::vector<float> sum(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) sum[i] = a[i] + b[i];
    EXPECT_NEAR(meter(sum, 48000).rmsDbfs, -18.0 + 20.0 * std::log10(2.0), 0.01);
}
