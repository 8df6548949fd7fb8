#pragma once

#include <cstdint>

// K-weighting (ITU-R BS.1770-5 Annex 1): a high shelf modelling the head (stage 1) followed by the
// RLB high-pass (stage 2). The coefficients are derived for any sample rate from the analog
// prototype whose bilinear transform reproduces the standard's 48 kHz tables to all printed digits,
// so every rate gets the same frequency response rather than a resampled 48 kHz filter.
namespace headroom::dsp
{

// One biquad, direct form with a0 = 1: y = b0 x + b1 x1 + b2 x2 - a1 y1 - a2 y2.
struct BiquadCoefficients
{
    double b0 = 1.0;
    double b1 = 0.0;
    double b2 = 0.0;
    double a1 = 0.0;
    double a2 = 0.0;

    // [any] Magnitude response at frequencyHz, in dB.
    [[nodiscard]] double magnitudeDb(double frequencyHz, double sampleRateHz) const noexcept;
};

struct KWeightingCoefficients
{
    BiquadCoefficients shelf;    // stage 1, the spherical-head high shelf
    BiquadCoefficients highPass; // stage 2, the RLB high-pass; numerator [1, -2, 1] (not normalised)

    // [any] Combined magnitude response in dB (both stages).
    [[nodiscard]] double magnitudeDb(double frequencyHz, double sampleRateHz) const noexcept
    {
        return shelf.magnitudeDb(frequencyHz, sampleRateHz) + highPass.magnitudeDb(frequencyHz, sampleRateHz);
    }
};

// [any] Derive the K-weighting filter for a sample rate (Hz).
[[nodiscard]] KWeightingCoefficients kWeightingFor(double sampleRateHz) noexcept;

} // namespace headroom::dsp
