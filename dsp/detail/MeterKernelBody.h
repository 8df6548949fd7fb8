// The body of the metering kernel, included once per instruction set by MeterKernel*.cpp with
// HEADROOM_KERNEL_NAME defined. No include guard on purpose.
//
// Per sample and lane: sanitise (NaN/Inf -> 0, counted), sample peak, clip runs, plain and
// rectified sums, K-weighting (two biquads, transposed direct form II), the 4-phase true-peak FIR
// and the PPM integrators. All of it is branch-free so lanes never diverge.

#include "dsp/detail/MeterKernel.h"

namespace headroom::dsp::detail
{
namespace
{
inline Vec splat(float value) noexcept { return Vec{} + value; }

inline Vec absOf(Vec x) noexcept { return reinterpret_cast<Vec>(reinterpret_cast<VecInt>(x) & 0x7fffffff); }

inline Vec maxOf(Vec a, Vec b) noexcept { return a > b ? a : b; }

// Values this small only arise from decaying filter states; flushing them keeps the CPU off its
// slow denormal path during silence without touching any audible value.
inline Vec flushTiny(Vec x) noexcept { return absOf(x) < splat(1e-25f) ? Vec{} : x; }
} // namespace

void HEADROOM_KERNEL_NAME(LaneGroupState& s, const KernelConstants& k, Vec* scratch, std::size_t numFrames) noexcept
{
    const Vec zero{};
    const Vec one = splat(1.0f);
    const Vec clipThreshold = splat(k.clipThreshold);
    const Vec minClipRun = splat(k.minClipRun);
    const Vec b10 = splat(k.shelfB0), b11 = splat(k.shelfB1), b12 = splat(k.shelfB2);
    const Vec a11 = splat(k.shelfA1), a12 = splat(k.shelfA2);
    const Vec a21 = splat(k.highPassA1), a22 = splat(k.highPassA2);

    Vec shelfS1 = s.shelfS1, shelfS2 = s.shelfS2, highPassS1 = s.highPassS1, highPassS2 = s.highPassS2;
    Vec ppmFast = s.ppmFast, ppmSlow = s.ppmSlow, clipRun = s.clipRun;
    Vec samplePeak = s.samplePeak, truePeak = s.truePeak, sumSquares = s.sumSquares, kSumSquares = s.kSumSquares;
    Vec sumAbs = s.sumAbs, sum = s.sum, ppmPeak = s.ppmPeak, clippedSamples = s.clippedSamples;
    Vec clipEvents = s.clipEvents, longestClipRun = s.longestClipRun, nonFinite = s.nonFinite;
    const Vec ppmAttackFast = s.ppmAttackFast, ppmAttackSlow = s.ppmAttackSlow, ppmRelease = s.ppmRelease;

    for (std::size_t i = 0; i < numFrames; ++i)
    {
        Vec x = scratch[kHistoryFrames + i];
        const VecInt finite = (x - x) == zero; // false for NaN and for +-Inf
        x = finite ? x : zero;
        nonFinite += finite ? zero : one;
        scratch[kHistoryFrames + i] = x;

        const Vec rectified = absOf(x);
        samplePeak = maxOf(samplePeak, rectified);
        sum += x;
        sumAbs += rectified;
        sumSquares += x * x;

        const VecInt clipped = rectified >= clipThreshold;
        clipRun = clipped ? clipRun + one : zero;
        clippedSamples += clipped ? one : zero;
        clipEvents += clipRun == minClipRun ? one : zero;
        longestClipRun = maxOf(longestClipRun, clipRun);

        const Vec shelved = b10 * x + shelfS1;
        shelfS1 = b11 * x - a11 * shelved + shelfS2;
        shelfS2 = b12 * x - a12 * shelved;
        const Vec weighted = shelved + highPassS1;
        highPassS1 = -2.0f * shelved - a21 * weighted + highPassS2;
        highPassS2 = shelved - a22 * weighted;
        kSumSquares += weighted * weighted;

        // scratch[i + kHistoryFrames - tap] is x[n - tap].
        const Vec* newest = scratch + i + kHistoryFrames;
        Vec phase0{}, phase1{}, phase2{}, phase3{};
        for (int tap = 0; tap < kTruePeakTapsPerPhase; ++tap)
        {
            const Vec past = newest[-tap];
            phase0 += kTruePeakCoefficients[0][static_cast<std::size_t>(tap)] * past;
            phase1 += kTruePeakCoefficients[1][static_cast<std::size_t>(tap)] * past;
            phase2 += kTruePeakCoefficients[2][static_cast<std::size_t>(tap)] * past;
            phase3 += kTruePeakCoefficients[3][static_cast<std::size_t>(tap)] * past;
        }
        truePeak = maxOf(truePeak, maxOf(maxOf(absOf(phase0), absOf(phase1)), maxOf(absOf(phase2), absOf(phase3))));

        ppmFast *= ppmRelease;
        ppmSlow *= ppmRelease;
        ppmFast += rectified > ppmFast ? ppmAttackFast * (rectified - ppmFast) : zero;
        ppmSlow += rectified > ppmSlow ? ppmAttackSlow * (rectified - ppmSlow) : zero;
        ppmPeak = maxOf(ppmPeak, ppmFast + ppmSlow);
    }

    s.shelfS1 = flushTiny(shelfS1);
    s.shelfS2 = flushTiny(shelfS2);
    s.highPassS1 = flushTiny(highPassS1);
    s.highPassS2 = flushTiny(highPassS2);
    s.ppmFast = flushTiny(ppmFast);
    s.ppmSlow = flushTiny(ppmSlow);
    s.clipRun = clipRun;
    s.samplePeak = samplePeak;
    s.truePeak = truePeak;
    s.sumSquares = sumSquares;
    s.kSumSquares = kSumSquares;
    s.sumAbs = sumAbs;
    s.sum = sum;
    s.ppmPeak = ppmPeak;
    s.clippedSamples = clippedSamples;
    s.clipEvents = clipEvents;
    s.longestClipRun = longestClipRun;
    s.nonFinite = nonFinite;
}

} // namespace headroom::dsp::detail
