#pragma once

#include <cstdint>
#include <type_traits>

// What the real-time thread tells the worker about one channel for one 10 ms sub-block. It is the
// whole interface between the [rt] processors and the [worker] accumulators: trivially copyable so
// it crosses a lock-free queue by memcpy, and sufficient for every reading Headroom shows (sums, not
// means, so summaries of several sub-blocks add up exactly).
namespace headroom::dsp
{

struct ChannelSummary
{
    float samplePeak = 0.0f;        // max |x| in the sub-block, linear re full scale
    float truePeak = 0.0f;          // max of |x| and the 4x-interpolated |y| (BS.1770 Annex 2), linear
    float sumSquares = 0.0f;        // sum of x^2 (unweighted), for RMS
    float kWeightedSumSquares = 0.0f; // sum of K-weighted y^2, for loudness (BS.1770 z_i times frames)
    float sumAbs = 0.0f;            // sum of |x|, the full-wave rectified input of the VU meter
    float sum = 0.0f;               // sum of x, for the DC offset
    float ppmPeak = 0.0f;           // max PPM quasi-peak reading in the sub-block, linear, sine-peak calibrated
    uint32_t clippedSamples = 0;    // samples with |x| at or above the clip threshold
    uint32_t clipEvents = 0;        // runs of consecutive clipped samples that reached the minimum run length
    uint32_t longestClipRun = 0;    // longest run of consecutive clipped samples seen ending in this sub-block
    uint32_t nonFiniteSamples = 0;  // NaN or Inf input samples, metered as silence
};

static_assert(std::is_trivially_copyable_v<ChannelSummary>);

} // namespace headroom::dsp
