#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

// Quasi-peak programme meter ballistics (IEC 60268-10). The detector runs per sample on the
// real-time thread (inside TapMeterBank's kernel); this header owns its constants so the SIMD kernel
// and the scalar reference below (used by tests) cannot disagree.
//
// Model: two parallel peak integrators on |x| with different attack rates, both decaying at the
// same exponential release; the reading is their sum times a calibration gain chosen so that a
// steady sine reads its peak level. Two integrators shape the burst-response curve of the standard
// far better than one (a single pole cannot meet both the 10 ms and the 0.5 ms burst points).
// The attack rates are fitted to the IEC burst tables and the release is the standard's return
// time; PpmBallistics.cpp documents the fit and its residuals.
namespace headroom::dsp
{

enum class PpmType : uint8_t
{
    typeI,   // IEC 60268-10 Type I (DIN 45406): 5 ms integration time, 20 dB fall in 1.7 s
    typeIIa, // IEC 60268-10 Type IIa (BBC; IIb EBU has the same dynamics): 10 ms, 24 dB fall in 2.8 s
};

[[nodiscard]] std::string_view toString(PpmType type) noexcept;
[[nodiscard]] std::optional<PpmType> ppmTypeFromString(std::string_view name) noexcept;

struct PpmCoefficients
{
    float attackFast = 0.0f;       // per-sample charge fraction of the fast integrator
    float attackSlow = 0.0f;       // per-sample charge fraction of the slow integrator
    float releasePerSample = 1.0f; // per-sample multiplier of both integrators (exponential fall)
    float gain = 0.5f;             // reading = gain * (fast + slow); a steady sine reads its peak
};

// [setup] Coefficients for a type at a sample rate (clamped to [kMinSampleRateHz,
// kMaxSampleRateHz]). The gain is calibrated by simulating one second of a steady 997 Hz sine in
// double at that rate (deterministic; ~0.1 ms at 48 kHz, a few ms at 384 kHz), so the calibration
// follows the discretisation at every rate.
[[nodiscard]] PpmCoefficients ppmCoefficientsFor(PpmType type, double sampleRateHz) noexcept;

// Scalar reference of the same detector. [rt]-safe; the tests and the offline tools use it where a
// single channel is metered outside a TapMeterBank.
class PpmDetector
{
public:
    // [setup]
    void prepare(PpmType type, double sampleRateHz) noexcept
    {
        coefficients_ = ppmCoefficientsFor(type, sampleRateHz);
        reset();
    }

    // [rt]
    void reset() noexcept { fast_ = slow_ = 0.0f; }

    // [rt] Feed one sample; returns the reading (linear, sine-peak calibrated). NaN and Inf are
    // metered as silence, as in the kernel.
    float process(float sample) noexcept
    {
        const float rectified = std::isfinite(sample) ? std::fabs(sample) : 0.0f;
        fast_ *= coefficients_.releasePerSample;
        slow_ *= coefficients_.releasePerSample;
        if (rectified > fast_) fast_ += coefficients_.attackFast * (rectified - fast_);
        if (rectified > slow_) slow_ += coefficients_.attackSlow * (rectified - slow_);
        // Keep a long silence off the denormal path; the kernel flushes the same threshold every 64
        // frames of the sub-block grid.
        if (fast_ < kTiny) fast_ = 0.0f;
        if (slow_ < kTiny) slow_ = 0.0f;
        return reading();
    }

    // [rt] The current reading without feeding a sample.
    [[nodiscard]] float reading() const noexcept { return coefficients_.gain * (fast_ + slow_); }

    [[nodiscard]] const PpmCoefficients& coefficients() const noexcept { return coefficients_; }

private:
    static constexpr float kTiny = 1e-25f; // below this an integrator is flushed to zero (-500 dB)

    PpmCoefficients coefficients_; // derived from type and rate in prepare()
    float fast_ = 0.0f;            // fast attack integrator state, linear
    float slow_ = 0.0f;            // slow attack integrator state, linear
};

} // namespace headroom::dsp
