#include "dsp/LoudnessMeter.h"

#include <gtest/gtest.h>

#include "dsp/ChannelLayout.h"
#include "tests/support/Metering.h"

using namespace headroom;

namespace
{
dsp::LoudnessReadings measure(const test::Planar& audio, const std::vector<dsp::ChannelRole>& layout,
                              std::size_t blockFrames = 1024)
{
    dsp::TapMeterBank bank = test::preparedBank(audio.sampleRateHz, audio.channels.size());
    dsp::LoudnessMeter meter;
    meter.prepare(dsp::loudnessWeights(layout), audio.sampleRateHz);
    test::meterPlanar(bank, audio, blockFrames,
                      [&](std::span<const dsp::ChannelSummary> s, uint32_t n) { meter.addSubBlock(s, n); });
    return meter.readings();
}
} // namespace

TEST(LoudnessMeter, StereoToneAtMinus23ReadsMinus23Lufs)
{
    const auto audio = test::stereoSegments(48000, {{-23.0, 20.0}});
    const auto r = measure(audio, {dsp::ChannelRole::left, dsp::ChannelRole::right});
    EXPECT_NEAR(r.integratedLufs, -22.993, 0.01);
    EXPECT_NEAR(r.momentaryLufs, -22.993, 0.01);
    EXPECT_NEAR(r.shortTermLufs, -22.993, 0.01);
}
