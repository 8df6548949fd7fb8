#include "dsp/PpmBallistics.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "dsp/SubBlockClock.h"

namespace headroom::dsp
{
namespace
{
struct PpmDynamics
{
    double fastAttackHz; // fast integrator: charge rate (1 / time constant), rate-independent
    double slowAttackHz; // slow integrator: charge rate
    double fallDb;       // release: this many dB ...
    double fallSeconds;  // ... in this time
};

// The release comes straight from the return time of IEC 60268-10 (both integrators fall at the
// same exponential rate, so the reading falls exactly fallDb in fallSeconds). The two attack rates
// were fitted to the standard's burst-response table with a throwaway search over this detector's
// exact maths (a 2-D log grid refined by coordinate descent) at 48 kHz: 5 kHz bursts at reference
// level from rest, phase 0, read relative to the steady 5 kHz reading; least squares in dB with
// weight 20 on the integration-time point (the normative definition) and on the 100 ms point, 1 on
// the others. Readings, and in brackets residual = reading - table, at 48 kHz with the rounded
// constants below (44.1 to 384 kHz differ by at most 0.04 dB):
//
//   Type I  (fast 1090 Hz, slow 523 Hz; 20 dB in 1.7 s):
//     10 ms -1 dB: -0.78 (+0.22)   5 ms -2 dB: -2.03 (-0.03)   3 ms -4 dB: -3.57 (+0.43)
//     0.4 ms -15 dB: -15.05 (-0.05)
//   Type IIa (fast 838 Hz, slow 209 Hz; 24 dB in 2.8 s):
//     100 ms 0 dB: -0.02 (-0.02)   10 ms -2 dB: -1.99 (+0.01)   5 ms -4 dB: -3.93 (+0.07)
//     1.5 ms -9 dB: -9.44 (-0.44)   0.5 ms -17 dB: -16.74 (+0.26)
//
// No pair of rates does much better: a minimax fit (integration point held within 0.05 dB) only
// lowers the worst residual to 0.37 dB (Type I) / 0.37 dB (Type IIa), at the cost of the others.
PpmDynamics dynamicsOf(PpmType type) noexcept
{
    switch (type)
    {
    case PpmType::typeI: return {1090.0, 523.0, 20.0, 1.7};
    case PpmType::typeIIa: return {838.0, 209.0, 24.0, 2.8};
    }
    return {838.0, 209.0, 24.0, 2.8};
}

// The calibration tone: 997 Hz, as in AES17, because it shares no short period with any common
// sample rate, so its samples sweep every phase and the result stands for a sine in general rather
// than for one lucky sampling pattern (1 kHz at 8 kHz always samples the crest exactly).
constexpr double kCalibrationHz = 997.0;
// Both integrators settle on a steady sine within ~50 ms; at 8 kHz the 997 Hz sampling pattern
// beats with a period of 1/3 s, so the maximum is taken over half a second after half a second.
constexpr double kCalibrationSettleSeconds = 0.5;
constexpr double kCalibrationMeasureSeconds = 0.5;

// Highest value of fast + slow for a unit sine in steady state, simulated in double with the exact
// float coefficients the kernel will use. The integrators sit slightly below the crest (charge
// near each crest balances the release in between): about -0.18 dB for Type I, -0.24 dB for IIa.
double steadySineSum(const PpmCoefficients& c, double sampleRateHz) noexcept
{
    const double attackFast = c.attackFast;
    const double attackSlow = c.attackSlow;
    const double release = c.releasePerSample;
    // The sine as a rotating phasor: no transcendental per sample, and its amplitude drifts by
    // less than 1e-12 over the run at 384 kHz.
    const double step = 2.0 * std::numbers::pi * kCalibrationHz / sampleRateHz;
    const double stepCos = std::cos(step);
    const double stepSin = std::sin(step);
    double re = 1.0; // cos(phase)
    double im = 0.0; // sin(phase): the signal
    double fast = 0.0;
    double slow = 0.0;
    double highest = 0.0;
    const auto settleFrames = static_cast<long>(std::lround(kCalibrationSettleSeconds * sampleRateHz));
    const auto totalFrames =
        settleFrames + static_cast<long>(std::lround(kCalibrationMeasureSeconds * sampleRateHz));
    for (long n = 0; n < totalFrames; ++n)
    {
        const double rectified = std::fabs(im);
        fast *= release;
        slow *= release;
        if (rectified > fast) fast += attackFast * (rectified - fast);
        if (rectified > slow) slow += attackSlow * (rectified - slow);
        if (n >= settleFrames) highest = std::max(highest, fast + slow);
        const double nextRe = re * stepCos - im * stepSin;
        im = re * stepSin + im * stepCos;
        re = nextRe;
    }
    return highest;
}
} // namespace

std::string_view toString(PpmType type) noexcept
{
    switch (type)
    {
    case PpmType::typeI: return "type_i";
    case PpmType::typeIIa: return "type_iia";
    }
    return "type_iia";
}

std::optional<PpmType> ppmTypeFromString(std::string_view name) noexcept
{
    if (name == "type_i" || name == "din") return PpmType::typeI;
    if (name == "type_iia" || name == "type_iib" || name == "bbc" || name == "ebu") return PpmType::typeIIa;
    return std::nullopt;
}

PpmCoefficients ppmCoefficientsFor(PpmType type, double sampleRateHz) noexcept
{
    // Callers validate the rate (TapMeterBank::prepare throws); clamping keeps this noexcept
    // function meaningful, and NaN lands on the lowest rate.
    constexpr auto lowestHz = static_cast<double>(kMinSampleRateHz);
    constexpr auto highestHz = static_cast<double>(kMaxSampleRateHz);
    const double fs = std::clamp(std::isnan(sampleRateHz) ? 0.0 : sampleRateHz, lowestHz, highestHz);
    const PpmDynamics d = dynamicsOf(type);
    PpmCoefficients c;
    // Exact discretisation of each integrator's charge, dx/dt = rate * (|x| - state).
    c.attackFast = static_cast<float>(1.0 - std::exp(-d.fastAttackHz / fs));
    c.attackSlow = static_cast<float>(1.0 - std::exp(-d.slowAttackHz / fs));
    c.releasePerSample = static_cast<float>(std::pow(10.0, -d.fallDb / 20.0 / (d.fallSeconds * fs)));
    c.gain = static_cast<float>(1.0 / steadySineSum(c, fs));
    return c;
}

} // namespace headroom::dsp
