// The body of the metering kernel, included once per instruction set by MeterKernel*.cpp with
// HEADROOM_KERNEL_NAME (the function) and HEADROOM_KERNEL_WIDTH (floats per native register)
// defined. No include guard on purpose. Everything but the kernel has internal linkage (anonymous
// namespace, here and in MeterKernelTranspose.h), so the linker can never substitute one
// instruction set's copy of a helper for another's; for the same reason the kernel calls no
// out-of-line library templates and its state is plain arrays.
//
// Per sample and lane: sanitise (NaN/Inf -> 0, counted), sample peak, clip runs, plain and
// rectified sums, K-weighting (two biquads, transposed direct form II), the 4-phase true-peak FIR
// and the PPM integrators. All of it is branch-free so lanes never diverge.
//
// One chunk of one lane group goes through four passes over a scratch buffer that stays in L1:
//   0. transpose: planar channel buffers -> one 16-lane vector per frame;
//   1. input statistics: sanitise in place, peaks, sums, clip runs (short dependency chains);
//   2. recursive filters: K-weighting and PPM (latency-bound, so two registers run interleaved);
//   3. true-peak FIR (throughput-bound: most of the arithmetic).
// Fusing them into one loop needs ~35 live vectors, more than AVX2's 16 registers; split, each pass
// keeps its working set in registers and only re-reads the sample from L1.
//
// Every accumulator adds one sample at a time in time order, and nothing depends on where a chunk
// starts or ends (the denormal flush follows the sub-block grid), so the summaries are bit-identical
// whatever block sizes the caller uses.

#include <cstdint>
#include <cstring>

#include "dsp/detail/MeterKernel.h"
#include "dsp/detail/MeterKernelTranspose.h"

namespace headroom::dsp::detail
{
namespace
{
constexpr std::size_t kWidth = HEADROOM_KERNEL_WIDTH;  // floats per register
constexpr std::size_t kSubVectors = kLanes / kWidth;   // registers per lane group
static_assert(kLanes % kWidth == 0);

using V = float __attribute__((vector_size(kWidth * sizeof(float))));
using VI = int32_t __attribute__((vector_size(kWidth * sizeof(int32_t))));

inline V load(const float* p) noexcept
{
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline VI load(const int32_t* p) noexcept
{
    VI v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline void store(float* p, V v) noexcept { std::memcpy(p, &v, sizeof v); }
inline void store(int32_t* p, VI v) noexcept { std::memcpy(p, &v, sizeof v); }

inline V splat(float value) noexcept { return V{} + value; }
inline VI splat(int32_t value) noexcept { return VI{} + value; }
inline V bits(VI x) noexcept { return reinterpret_cast<V>(x); }
inline VI bits(V x) noexcept { return reinterpret_cast<VI>(x); }

inline V absOf(V x) noexcept { return bits(bits(x) & 0x7fffffff); }
inline V maxOf(V a, V b) noexcept { return a > b ? a : b; }
inline VI maxOf(VI a, VI b) noexcept { return a > b ? a : b; }
inline VI minOf(VI a, VI b) noexcept { return a < b ? a : b; }
// mask ? 0 : x, for a comparison mask (all ones or all zeros per lane).
inline V zeroWhere(VI mask, V x) noexcept { return bits(~mask & bits(x)); }
// mask ? x : 0.
inline V keepWhere(VI mask, V x) noexcept { return bits(mask & bits(x)); }

// Values this small only arise from decaying filter states; flushing them keeps the CPU off its
// slow denormal path during silence without touching any audible value.
inline V flushTiny(V x) noexcept { return zeroWhere(absOf(x) < splat(1e-25f), x); }

// ---- pass 1: input statistics -----------------------------------------------------------------
inline void inputStatistics(LaneGroupState& s, const KernelConstants& k, float* frames, std::size_t numFrames) noexcept
{
    const V zero{};
    const V clipThreshold = splat(k.clipThreshold);
    const VI minClipRun = splat(k.minClipRun);
    // A run stops growing at INT32_MAX samples (12 hours at 48 kHz) instead of wrapping round,
    // which would count the same run as a second event.
    const VI longestCountableRun = splat(INT32_MAX - 1);
    for (std::size_t h = 0; h < kSubVectors; ++h)
    {
        const std::size_t lane0 = h * kWidth;
        V samplePeak = load(&s.samplePeak[lane0]), sum = load(&s.sum[lane0]);
        V sumAbs = load(&s.sumAbs[lane0]), sumSquares = load(&s.sumSquares[lane0]);
        VI nonFinite = load(&s.nonFinite[lane0]), clipRun = load(&s.clipRun[lane0]);
        VI clippedSamples = load(&s.clippedSamples[lane0]), clipEvents = load(&s.clipEvents[lane0]);
        VI longestClipRun = load(&s.longestClipRun[lane0]);

        for (std::size_t i = 0; i < numFrames; ++i)
        {
            float* slot = frames + i * kLanes + lane0;
            V x = load(slot);
            const VI notFinite = (x - x) != zero; // NaN - NaN and Inf - Inf are NaN, unequal to anything
            x = zeroWhere(notFinite, x);
            nonFinite -= notFinite;               // masks are -1 where true
            store(slot, x);                       // later passes and the FIR history see the clean value

            const V rectified = absOf(x);
            samplePeak = maxOf(samplePeak, rectified);
            sum += x;
            sumAbs += rectified;
            sumSquares += x * x;

            const VI clipped = rectified >= clipThreshold;
            clippedSamples -= clipped;
            clipRun = (minOf(clipRun, longestCountableRun) - clipped) & clipped; // +1 while clipped, else 0
            clipEvents -= clipRun == minClipRun;
            longestClipRun = maxOf(longestClipRun, clipRun);
        }

        store(&s.samplePeak[lane0], samplePeak);
        store(&s.sum[lane0], sum);
        store(&s.sumAbs[lane0], sumAbs);
        store(&s.sumSquares[lane0], sumSquares);
        store(&s.nonFinite[lane0], nonFinite);
        store(&s.clipRun[lane0], clipRun);
        store(&s.clippedSamples[lane0], clippedSamples);
        store(&s.clipEvents[lane0], clipEvents);
        store(&s.longestClipRun[lane0], longestClipRun);
    }
}

// ---- pass 2: recursive filters ----------------------------------------------------------------
struct RecursiveState
{
    V shelfS1, shelfS2, highPassS1, highPassS2, kSumSquares; // K-weighting
    V ppmFast, ppmSlow, ppmPeak;                             // PPM
    V ppmAttackFast, ppmAttackSlow, ppmRelease;              // per-lane PPM constants
};

// Both recursions are serial in time (about 8 and 13 cycles of latency per sample), so one register
// alone would leave the core idle; two independent registers per step hide most of it without
// spilling (four, on SSE2, would not fit in 16 registers).
constexpr std::size_t kInterleaved = kSubVectors >= 2 ? 2 : 1;

inline void recursiveFilters(LaneGroupState& s, const KernelConstants& k, const float* frames, std::size_t numFrames,
                             std::size_t gridPosition) noexcept
{
    const V b10 = splat(k.shelfB0), b11 = splat(k.shelfB1), b12 = splat(k.shelfB2);
    const V a11 = splat(k.shelfA1), a12 = splat(k.shelfA2);
    const V d21 = splat(k.highPassD1), d22 = splat(k.highPassD2);

    for (std::size_t h0 = 0; h0 < kSubVectors; h0 += kInterleaved)
    {
        RecursiveState r[kInterleaved];
        for (std::size_t j = 0; j < kInterleaved; ++j)
        {
            const std::size_t lane0 = (h0 + j) * kWidth;
            r[j] = {load(&s.shelfS1[lane0]),    load(&s.shelfS2[lane0]),       load(&s.highPassS1[lane0]),
                    load(&s.highPassS2[lane0]), load(&s.kSumSquares[lane0]),   load(&s.ppmFast[lane0]),
                    load(&s.ppmSlow[lane0]),    load(&s.ppmPeak[lane0]),       load(&s.ppmAttackFast[lane0]),
                    load(&s.ppmAttackSlow[lane0]), load(&s.ppmRelease[lane0])};
        }

        std::size_t framesToFlush = kFlushIntervalFrames - gridPosition % kFlushIntervalFrames;
        for (std::size_t i = 0; i < numFrames; ++i)
        {
#pragma GCC unroll 2
            for (std::size_t j = 0; j < kInterleaved; ++j)
            {
                RecursiveState& q = r[j];
                const V x = load(frames + i * kLanes + (h0 + j) * kWidth);

                const V shelved = b10 * x + q.shelfS1;
                q.shelfS1 = b11 * x - a11 * shelved + q.shelfS2;
                q.shelfS2 = b12 * x - a12 * shelved;
                const V weighted = shelved + q.highPassS1;
                // Transposed direct form II of [1, -2, 1] / [1, a1, a2] rewritten with d1 = a1 + 2
                // and d2 = a2 - 1 (see KernelConstants): algebraically identical, numerically
                // robust at high sample rates.
                const V previousS1 = q.highPassS1;
                q.highPassS1 = 2.0f * previousS1 + q.highPassS2 - d21 * weighted;
                q.highPassS2 = -previousS1 - d22 * weighted;
                q.kSumSquares += weighted * weighted;

                const V rectified = absOf(x);
                q.ppmFast *= q.ppmRelease;
                q.ppmSlow *= q.ppmRelease;
                q.ppmFast += keepWhere(rectified > q.ppmFast, q.ppmAttackFast * (rectified - q.ppmFast));
                q.ppmSlow += keepWhere(rectified > q.ppmSlow, q.ppmAttackSlow * (rectified - q.ppmSlow));
                q.ppmPeak = maxOf(q.ppmPeak, q.ppmFast + q.ppmSlow);
            }
            // Rarely taken (once per kFlushIntervalFrames frames of the sub-block grid).
            if (--framesToFlush == 0)
            {
                framesToFlush = kFlushIntervalFrames;
                for (RecursiveState& q : r)
                {
                    q.shelfS1 = flushTiny(q.shelfS1);
                    q.shelfS2 = flushTiny(q.shelfS2);
                    q.highPassS1 = flushTiny(q.highPassS1);
                    q.highPassS2 = flushTiny(q.highPassS2);
                    q.ppmFast = flushTiny(q.ppmFast);
                    q.ppmSlow = flushTiny(q.ppmSlow);
                }
            }
        }

        for (std::size_t j = 0; j < kInterleaved; ++j)
        {
            const std::size_t lane0 = (h0 + j) * kWidth;
            store(&s.shelfS1[lane0], r[j].shelfS1);
            store(&s.shelfS2[lane0], r[j].shelfS2);
            store(&s.highPassS1[lane0], r[j].highPassS1);
            store(&s.highPassS2[lane0], r[j].highPassS2);
            store(&s.kSumSquares[lane0], r[j].kSumSquares);
            store(&s.ppmFast[lane0], r[j].ppmFast);
            store(&s.ppmSlow[lane0], r[j].ppmSlow);
            store(&s.ppmPeak[lane0], r[j].ppmPeak);
        }
    }
}

// ---- pass 3: true-peak FIR --------------------------------------------------------------------
// The interpolator's phases come in mirror pairs: phase 3 is phase 0 reversed and phase 2 is phase 1
// reversed (c3[t] = c0[11 - t]). For such a pair y and y',
//     max(|y|, |y'|) = (|y + y'| + |y - y'|) / 2,
// and y + y' has symmetric, y - y' antisymmetric coefficients, so both are sums over six folded
// inputs x[n-t] + x[n-11+t] and x[n-t] - x[n-11+t], shared by the two pairs. That is 24
// multiply-adds and 12 additions per sample instead of 48 multiply-adds; the halving is folded into
// the coefficients (exact: they are multiples of 2^-13).
constexpr std::size_t kFolded = kTruePeakTapsPerPhase / 2;

struct FoldedCoefficients
{
    float even[2][kFolded]; // (c[p][t] + c[p][11-t]) / 2, for phase pairs p = (0,3), (1,2)
    float odd[2][kFolded];  // (c[p][t] - c[p][11-t]) / 2
};

constexpr FoldedCoefficients foldCoefficients() noexcept
{
    FoldedCoefficients f{};
    for (std::size_t p = 0; p < 2; ++p)
        for (std::size_t t = 0; t < kFolded; ++t)
        {
            const float a = kTruePeakCoefficients[p][t], b = kTruePeakCoefficients[p][kTruePeakTapsPerPhase - 1 - t];
            f.even[p][t] = (a + b) * 0.5f;
            f.odd[p][t] = (a - b) * 0.5f;
        }
    return f;
}
constexpr FoldedCoefficients kFoldedCoefficients = foldCoefficients();
static_assert(kTruePeakCoefficients[3][0] == kTruePeakCoefficients[0][11] &&
                  kTruePeakCoefficients[2][0] == kTruePeakCoefficients[1][11],
              "the folded FIR relies on mirror-image phase pairs");

inline void truePeakFir(LaneGroupState& s, const float* history, std::size_t numFrames) noexcept
{
    V even[2][kFolded], odd[2][kFolded];
    for (std::size_t p = 0; p < 2; ++p)
        for (std::size_t t = 0; t < kFolded; ++t)
        {
            even[p][t] = splat(kFoldedCoefficients.even[p][t]);
            odd[p][t] = splat(kFoldedCoefficients.odd[p][t]);
        }

    for (std::size_t h = 0; h < kSubVectors; ++h)
    {
        const std::size_t lane0 = h * kWidth;
        V truePeak = load(&s.truePeak[lane0]);
        for (std::size_t i = 0; i < numFrames; ++i)
        {
            // oldest[m * kLanes] is x[n - 11 + m]; history holds the 11 frames before this chunk.
            const float* oldest = history + i * kLanes + lane0;
            V sum03{}, diff03{}, sum12{}, diff12{};
            for (std::size_t t = 0; t < kFolded; ++t)
            {
                const V newer = load(oldest + (kTruePeakTapsPerPhase - 1 - t) * kLanes); // x[n - t]
                const V older = load(oldest + t * kLanes);                               // x[n - 11 + t]
                const V plus = newer + older, minus = newer - older;
                sum03 += even[0][t] * plus;
                diff03 += odd[0][t] * minus;
                sum12 += even[1][t] * plus;
                diff12 += odd[1][t] * minus;
            }
            const V peak03 = absOf(sum03) + absOf(diff03); // max(|y0|, |y3|)
            const V peak12 = absOf(sum12) + absOf(diff12); // max(|y1|, |y2|)
            truePeak = maxOf(truePeak, maxOf(peak03, peak12));
        }
        store(&s.truePeak[lane0], truePeak);
    }
}
} // namespace

void HEADROOM_KERNEL_NAME(LaneGroupState& s, const KernelConstants& k, const float* const* sources,
                          std::size_t numFrames, std::size_t gridPosition, Vec* scratch) noexcept
{
    // scratch: kHistoryFrames frames of FIR history, then this chunk's frames, kLanes floats each.
    float* history = reinterpret_cast<float*>(scratch);
    float* frames = history + kHistoryFrames * kLanes;
    // Register-wide copies: a 704-byte memcpy became `rep movsq`, whose start-up cost is a few
    // percent of a 64-frame chunk.
    for (std::size_t f = 0; f < kHistoryFrames; ++f)
        for (std::size_t h = 0; h < kSubVectors; ++h) store(history + f * kLanes + h * kWidth, load(&s.history[f][h * kWidth]));

    // Eight-wide squares where registers are 256 bits or wider (AVX-512 builds do each half of the
    // group), four-wide otherwise.
    transposeIn<kWidth >= 8 ? 8 : 4>(sources, numFrames, frames);
    inputStatistics(s, k, frames, numFrames);
    recursiveFilters(s, k, frames, numFrames, gridPosition);
    truePeakFir(s, history, numFrames);

    // The last kHistoryFrames frames (history included when the chunk is shorter) for next time.
    const float* newest = history + numFrames * kLanes;
    for (std::size_t f = 0; f < kHistoryFrames; ++f)
        for (std::size_t h = 0; h < kSubVectors; ++h) store(&s.history[f][h * kWidth], load(newest + f * kLanes + h * kWidth));
}

} // namespace headroom::dsp::detail
