#include "dsp/KWeighting.h"

#include <cmath>
#include <complex>
#include <numbers>

namespace headroom::dsp
{
namespace
{
// Analog prototype of the BS.1770 filters. These parameters, put through the bilinear transform
// with frequency pre-warping, reproduce Tables 1 and 2 of BS.1770-5 at 48 kHz to 14 digits.
constexpr double kShelfFrequencyHz = 1681.974450955533;
constexpr double kShelfGainDb = 3.999843853973347;
constexpr double kShelfQ = 0.7071752369554196;
constexpr double kShelfBandExponent = 0.4996667741545416; // Vb = Vh^exponent
constexpr double kHighPassFrequencyHz = 38.13547087602444;
constexpr double kHighPassQ = 0.5003270373238773;
} // namespace

double BiquadCoefficients::magnitudeDb(double frequencyHz, double sampleRateHz) const noexcept
{
    const double w = 2.0 * std::numbers::pi * frequencyHz / sampleRateHz;
    const std::complex<double> z1 = std::polar(1.0, -w);
    const std::complex<double> z2 = z1 * z1;
    const std::complex<double> numerator = b0 + b1 * z1 + b2 * z2;
    const std::complex<double> denominator = 1.0 + a1 * z1 + a2 * z2;
    return 20.0 * std::log10(std::abs(numerator / denominator));
}

KWeightingCoefficients kWeightingFor(double sampleRateHz) noexcept
{
    KWeightingCoefficients k;

    {
        const double kk = std::tan(std::numbers::pi * kShelfFrequencyHz / sampleRateHz);
        const double vh = std::pow(10.0, kShelfGainDb / 20.0);
        const double vb = std::pow(vh, kShelfBandExponent);
        const double a0 = 1.0 + kk / kShelfQ + kk * kk;
        k.shelf.b0 = (vh + vb * kk / kShelfQ + kk * kk) / a0;
        k.shelf.b1 = 2.0 * (kk * kk - vh) / a0;
        k.shelf.b2 = (vh - vb * kk / kShelfQ + kk * kk) / a0;
        k.shelf.a1 = 2.0 * (kk * kk - 1.0) / a0;
        k.shelf.a2 = (1.0 - kk / kShelfQ + kk * kk) / a0;
    }
    {
        const double kk = std::tan(std::numbers::pi * kHighPassFrequencyHz / sampleRateHz);
        const double d = 1.0 + kk / kHighPassQ + kk * kk;
        // The standard keeps the un-normalised numerator [1, -2, 1]; the -0.691 offset absorbs the
        // resulting +0.04 dB, so normalising here would bias every reading.
        k.highPass.b0 = 1.0;
        k.highPass.b1 = -2.0;
        k.highPass.b2 = 1.0;
        k.highPass.a1 = 2.0 * (kk * kk - 1.0) / d;
        k.highPass.a2 = (1.0 - kk / kHighPassQ + kk * kk) / d;
    }
    return k;
}

} // namespace headroom::dsp
