#pragma once

#include <algorithm>
#include <functional>
#include <span>
#include <vector>

#include "dsp/TapMeterBank.h"
#include "tests/support/TestSignals.h"

// Runs planar audio through a TapMeterBank in blocks of a given size and hands every completed
// sub-block to a callback: the same loop the JACK client and the file reader use.
namespace headroom::test
{

using SubBlockCallback = std::function<void(std::span<const dsp::ChannelSummary>, uint32_t numFrames)>;

inline void meterPlanar(dsp::TapMeterBank& bank, const Planar& audio, std::size_t blockFrames,
                        const SubBlockCallback& onSubBlock)
{
    const std::vector<const float*> pointers = audio.pointers();
    const std::size_t total = audio.numFrames();
    for (std::size_t blockStart = 0; blockStart < total; blockStart += blockFrames)
    {
        const std::size_t blockEnd = std::min(total, blockStart + blockFrames);
        for (std::size_t pos = blockStart; pos < blockEnd;)
        {
            pos += bank.process(pointers.data(), pos, blockEnd - pos);
            if (bank.subBlockComplete()) onSubBlock(bank.completedSummaries(), bank.completedFrames());
        }
    }
}

inline dsp::TapMeterBank preparedBank(uint32_t sampleRateHz, std::size_t numChannels,
                                      dsp::SimdPath path = dsp::fastestSupportedPath())
{
    dsp::TapMeterBank bank;
    dsp::TapMeterConfig config;
    config.sampleRateHz = sampleRateHz;
    config.numChannels = numChannels;
    bank.prepare(config, path);
    return bank;
}

} // namespace headroom::test
