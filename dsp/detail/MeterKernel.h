#pragma once

#include <cstddef>
#include <cstdint>

#include "dsp/TruePeakFilter.h"

// The per-sample metering kernel of TapMeterBank: explicit SIMD across channels. A lane group is 16
// channels; each lane of a vector is one channel, so a group advances one sample per vector step
// with no dependency between lanes, and the recursive filters (K-weighting, PPM), whose chains are
// serial in time, stay serial per lane but run 16 channels wide.
//
// The kernel body (MeterKernelBody.h) is compiled once per instruction set and the bank picks the
// fastest the CPU supports at run time (one portable binary). Each build works in the native register
// width of its instruction set: 4 floats (SSE2 / NEON), 8 (AVX2 + FMA) or 16 (AVX-512), a group
// being 4, 2 or 1 registers. (A 16-float GCC vector on AVX2 looks the same in the source, but GCC 12
// splits its comparisons and selects into scalar code, which made that path no faster than SSE2.)
namespace headroom::dsp::detail
{

inline constexpr std::size_t kLanes = 16;                                // channels per lane group
inline constexpr std::size_t kHistoryFrames = kTruePeakTapsPerPhase - 1; // FIR history kept between chunks
inline constexpr std::size_t kChunkFrames = 64;                         // frames transposed per kernel call
// Filter states below 1e-25 are flushed to zero every kFlushIntervalFrames frames of the sub-block
// grid (never at chunk ends, which depend on how the caller splits its blocks).
inline constexpr std::size_t kFlushIntervalFrames = 64;

// One frame of a lane group in the scratch buffer (64 bytes, one cache line).
using Vec = float __attribute__((vector_size(kLanes * sizeof(float))));

// One value per lane. Plain arrays rather than std::array: the kernel, compiled per instruction
// set, then calls no library code that the linker could share between instruction sets.
using LaneFloats = float[kLanes];
using LaneCounts = int32_t[kLanes];

// Filter and detector constants shared by all lanes (one sample rate per bank).
struct KernelConstants
{
    float shelfB0, shelfB1, shelfB2, shelfA1, shelfA2; // K-weighting stage 1
    // K-weighting stage 2 (numerator 1, -2, 1), as offsets from the double pole at z = 1:
    // d1 = a1 + 2, d2 = a2 - 1. Near z = 1, rounding a1 (~-2) and a2 (~1) to float would move the
    // 38 Hz poles by up to 0.35 LU at 384 kHz; the small offsets keep their full float precision.
    float highPassD1, highPassD2;
    float clipThreshold;                               // |x| at or above this is clipped, linear
    int32_t minClipRun;                                // run length (samples) that counts as a clip event
};

// Everything one lane group (16 channels) carries from sample to sample and across a sub-block.
// Plain arrays, one lane per channel; the kernel loads them as registers of its native width.
struct alignas(64) LaneGroupState
{
    // Per-lane detector constants (channels of a bank may use different PPM types).
    LaneFloats ppmAttackFast; // per-sample charge fraction, fast integrator
    LaneFloats ppmAttackSlow; // per-sample charge fraction, slow integrator
    LaneFloats ppmRelease;    // per-sample decay multiplier
    LaneFloats ppmGain;       // reading = gain * (fast + slow)

    // Filter and detector state, carried across sub-blocks.
    LaneFloats history[kHistoryFrames];             // last input samples for the true-peak FIR, oldest first
    LaneFloats shelfS1, shelfS2;                    // K-weighting stage 1, transposed direct form II state
    LaneFloats highPassS1, highPassS2;              // K-weighting stage 2 state
    LaneFloats ppmFast, ppmSlow;                    // PPM integrators, linear
    LaneCounts clipRun;                             // length of the clip run in progress, samples

    // Accumulators of the sub-block being filled; cleared when it is handed over.
    LaneFloats samplePeak;      // max |x|
    LaneFloats truePeak;        // max interpolated |y|
    LaneFloats sumSquares;      // sum x^2
    LaneFloats kSumSquares;     // sum of K-weighted y^2
    LaneFloats sumAbs;          // sum |x|
    LaneFloats sum;             // sum x
    LaneFloats ppmPeak;         // max PPM reading (before gain)
    LaneCounts clippedSamples;  // count of |x| >= threshold
    LaneCounts clipEvents;      // count of runs reaching minClipRun
    LaneCounts longestClipRun;  // max run length seen
    LaneCounts nonFinite;       // count of NaN/Inf inputs
};
static_assert(sizeof(LaneFloats) == 64 && sizeof(LaneCounts) == 64, "every member is one 64-byte row");

// Meters numFrames (<= kChunkFrames) frames of one lane group. sources[l] points at the first frame
// for lane l (never nullptr: silent lanes point at zeros). gridPosition is the number of frames of
// the current sub-block metered before this chunk (it places the denormal flushes). scratch holds
// kHistoryFrames + kChunkFrames frames.
using MeterChunkFunction = void (*)(LaneGroupState& state, const KernelConstants& constants,
                                    const float* const* sources, std::size_t numFrames, std::size_t gridPosition,
                                    Vec* scratch) noexcept;

void meterChunkGeneric(LaneGroupState&, const KernelConstants&, const float* const*, std::size_t, std::size_t,
                       Vec*) noexcept;
#if defined(__x86_64__)
void meterChunkAvx2(LaneGroupState&, const KernelConstants&, const float* const*, std::size_t, std::size_t,
                    Vec*) noexcept;
void meterChunkAvx512(LaneGroupState&, const KernelConstants&, const float* const*, std::size_t, std::size_t,
                      Vec*) noexcept;
#endif

} // namespace headroom::dsp::detail
