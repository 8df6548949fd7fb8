// Pass 0 of the metering kernel (MeterKernelBody.h): planar channel buffers -> one 16-lane vector
// per frame. Square blocks of channels x frames are transposed by in-register shuffles; the scalar
// gather this replaces cost a load and a store per sample. Written out register by register: with
// arrays and loops GCC kept the block in memory, and the mismatched store and load sizes stalled
// store forwarding.
//
// Included only by MeterKernelBody.h, once per instruction set. Everything is in an anonymous
// namespace on purpose: the same inline function compiled with AVX in one translation unit and
// for plain SSE2 in another must never be merged by the linker.
#pragma once

#include <cstddef>
#include <cstring>

#include "dsp/detail/MeterKernel.h"

namespace headroom::dsp::detail
{
namespace
{
using B4 = float __attribute__((vector_size(4 * sizeof(float))));
using B8 = float __attribute__((vector_size(8 * sizeof(float))));

template <class T>
inline T loadRow(const float* p) noexcept
{
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// out[f * kLanes + r] = rows[r][f] for 8 channels r and 8 frames f. The classic AVX 8x8 pattern,
// written as shuffles so every build can compile it: unpack pairs of rows within 128-bit halves,
// then pairs of pairs, then exchange halves. With AVX each shuffle is one vunpck*ps, vshufps or
// vperm2f128 / vinsertf128.
inline void transpose8(const float* const* rows, std::size_t frame, float* out) noexcept
{
    const B8 r0 = loadRow<B8>(rows[0] + frame), r1 = loadRow<B8>(rows[1] + frame);
    const B8 r2 = loadRow<B8>(rows[2] + frame), r3 = loadRow<B8>(rows[3] + frame);
    const B8 r4 = loadRow<B8>(rows[4] + frame), r5 = loadRow<B8>(rows[5] + frame);
    const B8 r6 = loadRow<B8>(rows[6] + frame), r7 = loadRow<B8>(rows[7] + frame);

    // Channel pairs interleaved per 128-bit half: t01lo = r0[0] r1[0] r0[1] r1[1] | r0[4] r1[4] r0[5] r1[5].
    const B8 t01lo = __builtin_shufflevector(r0, r1, 0, 8, 1, 9, 4, 12, 5, 13);
    const B8 t01hi = __builtin_shufflevector(r0, r1, 2, 10, 3, 11, 6, 14, 7, 15);
    const B8 t23lo = __builtin_shufflevector(r2, r3, 0, 8, 1, 9, 4, 12, 5, 13);
    const B8 t23hi = __builtin_shufflevector(r2, r3, 2, 10, 3, 11, 6, 14, 7, 15);
    const B8 t45lo = __builtin_shufflevector(r4, r5, 0, 8, 1, 9, 4, 12, 5, 13);
    const B8 t45hi = __builtin_shufflevector(r4, r5, 2, 10, 3, 11, 6, 14, 7, 15);
    const B8 t67lo = __builtin_shufflevector(r6, r7, 0, 8, 1, 9, 4, 12, 5, 13);
    const B8 t67hi = __builtin_shufflevector(r6, r7, 2, 10, 3, 11, 6, 14, 7, 15);

    // Four channels per frame, frames f and f + 4 in the two halves: f04a = frames 0 | 4 of channels 0-3.
    const B8 f04a = __builtin_shufflevector(t01lo, t23lo, 0, 1, 8, 9, 4, 5, 12, 13);
    const B8 f15a = __builtin_shufflevector(t01lo, t23lo, 2, 3, 10, 11, 6, 7, 14, 15);
    const B8 f26a = __builtin_shufflevector(t01hi, t23hi, 0, 1, 8, 9, 4, 5, 12, 13);
    const B8 f37a = __builtin_shufflevector(t01hi, t23hi, 2, 3, 10, 11, 6, 7, 14, 15);
    const B8 f04b = __builtin_shufflevector(t45lo, t67lo, 0, 1, 8, 9, 4, 5, 12, 13);
    const B8 f15b = __builtin_shufflevector(t45lo, t67lo, 2, 3, 10, 11, 6, 7, 14, 15);
    const B8 f26b = __builtin_shufflevector(t45hi, t67hi, 0, 1, 8, 9, 4, 5, 12, 13);
    const B8 f37b = __builtin_shufflevector(t45hi, t67hi, 2, 3, 10, 11, 6, 7, 14, 15);

    const B8 frames[8] = {
        __builtin_shufflevector(f04a, f04b, 0, 1, 2, 3, 8, 9, 10, 11),
        __builtin_shufflevector(f15a, f15b, 0, 1, 2, 3, 8, 9, 10, 11),
        __builtin_shufflevector(f26a, f26b, 0, 1, 2, 3, 8, 9, 10, 11),
        __builtin_shufflevector(f37a, f37b, 0, 1, 2, 3, 8, 9, 10, 11),
        __builtin_shufflevector(f04a, f04b, 4, 5, 6, 7, 12, 13, 14, 15),
        __builtin_shufflevector(f15a, f15b, 4, 5, 6, 7, 12, 13, 14, 15),
        __builtin_shufflevector(f26a, f26b, 4, 5, 6, 7, 12, 13, 14, 15),
        __builtin_shufflevector(f37a, f37b, 4, 5, 6, 7, 12, 13, 14, 15),
    };
#pragma GCC unroll 8
    for (std::size_t f = 0; f < 8; ++f) std::memcpy(out + f * kLanes, &frames[f], sizeof(B8));
}

// The 4x4 version: unpcklps / unpckhps / movlhps / movhlps on SSE, zip1 / zip2 on NEON.
inline void transpose4(const float* const* rows, std::size_t frame, float* out) noexcept
{
    const B4 r0 = loadRow<B4>(rows[0] + frame), r1 = loadRow<B4>(rows[1] + frame);
    const B4 r2 = loadRow<B4>(rows[2] + frame), r3 = loadRow<B4>(rows[3] + frame);
    const B4 t01lo = __builtin_shufflevector(r0, r1, 0, 4, 1, 5);
    const B4 t01hi = __builtin_shufflevector(r0, r1, 2, 6, 3, 7);
    const B4 t23lo = __builtin_shufflevector(r2, r3, 0, 4, 1, 5);
    const B4 t23hi = __builtin_shufflevector(r2, r3, 2, 6, 3, 7);
    const B4 frames[4] = {
        __builtin_shufflevector(t01lo, t23lo, 0, 1, 4, 5),
        __builtin_shufflevector(t01lo, t23lo, 2, 3, 6, 7),
        __builtin_shufflevector(t01hi, t23hi, 0, 1, 4, 5),
        __builtin_shufflevector(t01hi, t23hi, 2, 3, 6, 7),
    };
#pragma GCC unroll 4
    for (std::size_t f = 0; f < 4; ++f) std::memcpy(out + f * kLanes, &frames[f], sizeof(B4));
}

// frames[i * kLanes + l] = sources[l][i] for i < numFrames, in kBlock x kBlock squares (8 or 4).
template <std::size_t kBlock>
inline void transposeIn(const float* const* sources, std::size_t numFrames, float* frames) noexcept
{
    const std::size_t blockedFrames = numFrames - numFrames % kBlock;
    for (std::size_t lane0 = 0; lane0 < kLanes; lane0 += kBlock)
    {
        for (std::size_t i = 0; i < blockedFrames; i += kBlock)
        {
            if constexpr (kBlock == 8)
                transpose8(sources + lane0, i, frames + i * kLanes + lane0);
            else
                transpose4(sources + lane0, i, frames + i * kLanes + lane0);
        }
        // The last numFrames % kBlock frames one by one: reading a whole block could run past the
        // end of the caller's buffer.
        for (std::size_t r = 0; r < kBlock; ++r)
            for (std::size_t i = blockedFrames; i < numFrames; ++i) frames[i * kLanes + lane0 + r] = sources[lane0 + r][i];
    }
}
} // namespace
} // namespace headroom::dsp::detail
