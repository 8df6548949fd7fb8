#pragma once

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

// [setup] Coefficients for a type at a sample rate.
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

    // [rt] Feed one sample; returns the reading (linear, sine-peak calibrated).
    float process(float sample) noexcept
    {
        const float rectified = sample < 0.0f ? -sample : sample;
        fast_ *= coefficients_.releasePerSample;
        slow_ *= coefficients_.releasePerSample;
        if (rectified > fast_) fast_ += coefficients_.attackFast * (rectified - fast_);
        if (rectified > slow_) slow_ += coefficients_.attackSlow * (rectified - slow_);
        return coefficients_.gain * (fast_ + slow_);
    }

private:
    PpmCoefficients coefficients_; // derived from type and rate in prepare()
    float fast_ = 0.0f;            // fast attack integrator state, linear
    float slow_ = 0.0f;            // slow attack integrator state, linear
};

} // namespace headroom::dsp
