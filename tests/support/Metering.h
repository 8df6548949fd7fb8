#pragma once

#include "dsp/ChannelStatistics.h"
#include "dsp/LoudnessMeter.h"
#include "dsp/TapMeterBank.h"
#include "tests/support/TestSignals.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <span>
#include <vector>

// Runs planar audio through a TapMeterBank in blocks of a given size and hands every completed
// sub-block to a callback: the same loop the JACK client and the file reader use.
namespace headroom::test
{

using SubBlockCallback = std::function<void(std::span<const dsp::ChannelSummary>, uint32_t numFrames)>;

// Feeds the audio in blocks whose sizes cycle through blockSizes (one size: fixed blocks).
inline void meterPlanarInBlocks(dsp::TapMeterBank& bank, const Planar& audio,
                                std::span<const std::size_t> blockSizes, const SubBlockCallback& onSubBlock)
{
    const std::vector<const float*> pointers = audio.pointers();
    const std::size_t total = audio.numFrames();
    std::size_t which = 0;
    for (std::size_t blockStart = 0; blockStart < total;)
    {
        const std::size_t blockEnd = std::min(total, blockStart + blockSizes[which]);
        which = (which + 1) % blockSizes.size();
        for (std::size_t pos = blockStart; pos < blockEnd;)
        {
            pos += bank.process(pointers.data(), pos, blockEnd - pos);
            if (bank.subBlockComplete()) onSubBlock(bank.completedSummaries(), bank.completedFrames());
        }
        blockStart = blockEnd;
    }
}

inline void meterPlanar(dsp::TapMeterBank& bank, const Planar& audio, std::size_t blockFrames,
                        const SubBlockCallback& onSubBlock)
{
    meterPlanarInBlocks(bank, audio, std::span<const std::size_t>(&blockFrames, 1), onSubBlock);
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

// Everything a standards test reads from one measurement: the loudness meter's final readings,
// momentary and short-term loudness after every 10 ms sub-block (what a live display would show,
// element k after sub-block k), and the whole-run statistics of each channel.
struct MeteredRun
{
    dsp::LoudnessReadings loudness{};
    std::vector<double> momentaryLufs;
    std::vector<double> shortTermLufs;
    std::vector<dsp::ChannelStatistics> channels;
};

// Meters audio from a freshly reset bank and meter (Tech 3341: "The loudness meter shall be reset
// before each measurement"), with the given BS.1770 channel weights.
inline MeteredRun meterRun(const Planar& audio, std::vector<double> weights, std::size_t blockFrames = 4096,
                           dsp::SimdPath path = dsp::fastestSupportedPath())
{
    dsp::TapMeterBank bank = preparedBank(audio.sampleRateHz, audio.channels.size(), path);
    dsp::LoudnessMeter meter;
    meter.prepare(std::move(weights), audio.sampleRateHz);
    MeteredRun run;
    run.channels.resize(audio.channels.size());
    const std::size_t subBlocks = audio.numFrames() * dsp::kSubBlocksPerSecond / audio.sampleRateHz + 1;
    run.momentaryLufs.reserve(subBlocks);
    run.shortTermLufs.reserve(subBlocks);
    meterPlanar(bank, audio, blockFrames,
                [&](std::span<const dsp::ChannelSummary> s, uint32_t n)
                {
                    meter.addSubBlock(s, n);
                    run.momentaryLufs.push_back(meter.momentaryLufs());
                    run.shortTermLufs.push_back(meter.shortTermLufs());
                    for (std::size_t c = 0; c < s.size(); ++c) run.channels[c].add(s[c], n);
                });
    run.loudness = meter.readings();
    return run;
}

// Every summary of every sub-block, channel-major within a sub-block, for exact comparisons.
struct SummaryTrace
{
    std::vector<dsp::ChannelSummary> summaries;
    std::vector<uint32_t> frames; // frames of each sub-block
};

// Bit-for-bit equality of two summaries (every field, floats compared by representation).
inline bool sameBits(const dsp::ChannelSummary& a, const dsp::ChannelSummary& b)
{
    static_assert(sizeof(dsp::ChannelSummary) == 7 * sizeof(float) + 4 * sizeof(uint32_t),
                  "no padding to compare");
    return std::memcmp(&a, &b, sizeof a) == 0;
}

inline SummaryTrace traceSummaries(dsp::TapMeterBank& bank, const Planar& audio,
                                   std::span<const std::size_t> blockSizes)
{
    SummaryTrace trace;
    meterPlanarInBlocks(bank, audio, blockSizes,
                        [&](std::span<const dsp::ChannelSummary> s, uint32_t n)
                        {
                            trace.summaries.insert(trace.summaries.end(), s.begin(), s.end());
                            trace.frames.push_back(n);
                        });
    return trace;
}

} // namespace headroom::test
