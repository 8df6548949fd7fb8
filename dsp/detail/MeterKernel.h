#pragma once

#include <cstddef>
#include <cstdint>

#include "dsp/TruePeakFilter.h"

// The per-sample metering kernel of TapMeterBank: explicit SIMD across channels. Each lane of a
// vector is one channel, so 16 channels advance one sample per loop iteration with no dependency
// between lanes; the recursive K-weighting filter, whose chain is serial in time, is therefore
// latency-bound per lane group but throughput-bound across lanes.
//
// The vector type is a GCC/Clang vector extension of 16 floats. The same kernel body
// (MeterKernelBody.h) is compiled once per instruction set (generic, AVX2+FMA, AVX-512) and the
// bank picks the fastest the CPU supports at run time: on AVX-512 one vector is one register, on
// AVX2 two (which also gives two independent filter chains to interleave), on SSE2 four.
namespace headroom::dsp::detail
{

inline constexpr std::size_t kLanes = 16;
inline constexpr std::size_t kHistoryFrames = kTruePeakTapsPerPhase - 1; // FIR history kept between chunks
inline constexpr std::size_t kChunkFrames = 64;                         // frames interleaved per kernel call

using Vec = float __attribute__((vector_size(kLanes * sizeof(float))));
using VecInt = int32_t __attribute__((vector_size(kLanes * sizeof(int32_t))));

// Filter and detector constants shared by all lanes (one sample rate per bank).
struct KernelConstants
{
    float shelfB0, shelfB1, shelfB2, shelfA1, shelfA2; // K-weighting stage 1
    float highPassA1, highPassA2;                      // K-weighting stage 2 (numerator 1, -2, 1)
    float clipThreshold;                               // |x| at or above this is clipped, linear
    float minClipRun;                                  // run length (samples) that counts as a clip event
};

// Everything one lane group (16 channels) carries from sample to sample and across a sub-block.
struct alignas(64) LaneGroupState
{
    // Per-lane detector constants (channels of a bank may use different PPM types).
    Vec ppmAttackFast;    // per-sample charge fraction, fast integrator
    Vec ppmAttackSlow;    // per-sample charge fraction, slow integrator
    Vec ppmRelease;       // per-sample decay multiplier
    Vec ppmGain;          // reading = gain * (fast + slow)

    // Filter and detector state, carried across sub-blocks.
    Vec history[kHistoryFrames]; // last input samples for the true-peak FIR, oldest first
    Vec shelfS1, shelfS2;        // K-weighting stage 1, transposed direct form II state
    Vec highPassS1, highPassS2;  // K-weighting stage 2 state
    Vec ppmFast, ppmSlow;        // PPM integrators, linear
    Vec clipRun;                 // length of the clip run in progress, samples

    // Accumulators of the sub-block being filled; cleared when it is handed over.
    Vec samplePeak;      // max |x|
    Vec truePeak;        // max interpolated |y|
    Vec sumSquares;      // sum x^2
    Vec kSumSquares;     // sum of K-weighted y^2
    Vec sumAbs;          // sum |x|
    Vec sum;             // sum x
    Vec ppmPeak;         // max PPM reading (before gain)
    Vec clippedSamples;  // count of |x| >= threshold
    Vec clipEvents;      // count of runs reaching minClipRun
    Vec longestClipRun;  // max run length seen
    Vec nonFinite;       // count of NaN/Inf inputs
};

// scratch holds kHistoryFrames vectors of history followed by numFrames new input vectors; the
// kernel replaces non-finite inputs by zero in place. numFrames <= kChunkFrames.
using MeterChunkFunction = void (*)(LaneGroupState& state, const KernelConstants& constants, Vec* scratch,
                                    std::size_t numFrames) noexcept;

void meterChunkGeneric(LaneGroupState&, const KernelConstants&, Vec*, std::size_t) noexcept;
#if defined(__x86_64__)
void meterChunkAvx2(LaneGroupState&, const KernelConstants&, Vec*, std::size_t) noexcept;
void meterChunkAvx512(LaneGroupState&, const KernelConstants&, Vec*, std::size_t) noexcept;
#endif

} // namespace headroom::dsp::detail
