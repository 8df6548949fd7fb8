#pragma once

#include <array>

// The 4-phase, 48-tap FIR interpolator of ITU-R BS.1770-5 Annex 2 (12 taps per phase). Headroom
// over-samples 4x at every sample rate (not only below 96 kHz): the filter is defined relative to
// the sample rate, so the Tech 3341 true-peak signals scaled to 44.1 or 96 kHz read exactly as at
// 48 kHz, where the usual 2x at 96 kHz under-reads them by up to 0.69 dB.
namespace headroom::dsp
{

inline constexpr int kTruePeakPhases = 4;
inline constexpr int kTruePeakTapsPerPhase = 12;

// kTruePeakCoefficients[phase][tap]: y_phase[n] = sum_tap c[phase][tap] * x[n - tap].
inline constexpr std::array<std::array<float, kTruePeakTapsPerPhase>, kTruePeakPhases> kTruePeakCoefficients{{
    {0.0017089843750f, 0.0109863281250f, -0.0196533203125f, 0.0332031250000f, -0.0594482421875f,
     0.1373291015625f, 0.9721679687500f, -0.1022949218750f, 0.0476074218750f, -0.0266113281250f,
     0.0148925781250f, -0.0083007812500f},
    {-0.0291748046875f, 0.0292968750000f, -0.0517578125000f, 0.0891113281250f, -0.1665039062500f,
     0.4650878906250f, 0.7797851562500f, -0.2003173828125f, 0.1015625000000f, -0.0582275390625f,
     0.0330810546875f, -0.0189208984375f},
    {-0.0189208984375f, 0.0330810546875f, -0.0582275390625f, 0.1015625000000f, -0.2003173828125f,
     0.7797851562500f, 0.4650878906250f, -0.1665039062500f, 0.0891113281250f, -0.0517578125000f,
     0.0292968750000f, -0.0291748046875f},
    {-0.0083007812500f, 0.0148925781250f, -0.0266113281250f, 0.0476074218750f, -0.1022949218750f,
     0.9721679687500f, 0.1373291015625f, -0.0594482421875f, 0.0332031250000f, -0.0196533203125f,
     0.0109863281250f, 0.0017089843750f},
}};

} // namespace headroom::dsp
