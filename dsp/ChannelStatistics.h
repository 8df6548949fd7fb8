#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "dsp/ChannelSummary.h"

// Whole-measurement statistics of one channel, accumulated by the worker from sub-block summaries:
// maximum sample and true peak, RMS, DC offset, crest factor, clips, NaN/Inf count, maximum PPM.
// Used by `headroom analyze` for the file as a whole and by the live engine since the last reset.
namespace headroom::dsp
{

// How RMS is expressed in dBFS. AES17 (the default) references RMS to a full-scale sine, so a sine
// reads its peak level and RMS, peak, VU and the K-system agree on tones; plain RMS is
// 20*log10(rms), 3.01 dB lower for a sine (what some DAWs show).
enum class RmsConvention : unsigned char
{
    aes17,
    plain,
};

[[nodiscard]] std::string_view toString(RmsConvention convention) noexcept;
[[nodiscard]] std::optional<RmsConvention> rmsConventionFromString(std::string_view name) noexcept;
// [any] dB to add to 20*log10(rms) under a convention.
[[nodiscard]] double rmsOffsetDb(RmsConvention convention) noexcept;

struct ChannelReadings
{
    double samplePeakDbfs;    // max |x|; -inf for digital silence
    double truePeakDbtp;      // BS.1770 Annex 2, sample peak folded in
    double rmsDbfs;           // over the whole measurement, in the requested convention
    double dcOffsetDbfs;      // |mean| in dBFS (amplitude); -inf when exactly zero
    double dcOffsetLinear;    // signed mean
    double crestFactorDb;     // sample peak over plain RMS (a sine: 3.01 dB)
    double maxPpmDbfs;        // max PPM reading (sine-peak calibrated)
    uint64_t clippedSamples;  // samples at or above the clip threshold
    uint64_t clipEvents;      // runs of consecutive clipped samples of at least the minimum length
    uint32_t longestClipRun;  // samples
    uint64_t nonFiniteSamples;
    uint64_t numFrames;       // frames accumulated
};

class ChannelStatistics
{
public:
    // [worker]
    void reset() noexcept { *this = ChannelStatistics{}; }

    // [worker] Accumulate one sub-block.
    void add(const ChannelSummary& summary, uint32_t numFrames) noexcept;

    [[nodiscard]] ChannelReadings readings(RmsConvention convention = RmsConvention::aes17) const noexcept;

private:
    float samplePeak_ = 0.0f;      // linear
    float truePeak_ = 0.0f;        // linear
    float ppmPeak_ = 0.0f;         // linear
    double sumSquares_ = 0.0;      // sum x^2
    double sum_ = 0.0;             // sum x
    uint64_t frames_ = 0;
    uint64_t clippedSamples_ = 0;
    uint64_t clipEvents_ = 0;
    uint32_t longestClipRun_ = 0;
    uint64_t nonFinite_ = 0;
};

} // namespace headroom::dsp
