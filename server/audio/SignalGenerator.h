#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// Test and demo signals for JACK ports: a sine from a phase accumulator, white noise from a
// xorshift generator, or silence. `headroom generate` plays one per port; the integration tests
// feed `headroom serve` with it, so its levels are defined the way Headroom reads them back.
//
// Owned by the generator client. prepare() is [setup] (validates, computes the per-sample
// constants); generate() is [rt]: no allocation, lock or system call. Two generators prepared with
// the same spec and rate produce identical samples, so two ports playing the same sine are
// coherent (they sum to +6.02 dB).
namespace headroom::server
{

struct SignalSpec
{
    enum class Kind : uint8_t
    {
        silence,
        sine,  // frequencyHz, levelDbfs = peak level (what an AES17 RMS meter reads)
        noise, // levelDbfs = RMS level in the AES17 convention (plain RMS + 3.01 dB), uniform white
    };
    Kind kind = Kind::silence;
    double frequencyHz = 0.0; // sine only
    double levelDbfs = 0.0;   // sine and noise
};

// [setup] "silence", "sine:FREQ_HZ:LEVEL_DBFS" (e.g. "sine:1000:-18"), "noise:LEVEL_DBFS"
// (e.g. "noise:-30"). Throws std::invalid_argument saying what was expected.
[[nodiscard]] SignalSpec parseSignalSpec(std::string_view text);
// [any] The text form parseSignalSpec reads.
[[nodiscard]] std::string toString(const SignalSpec& spec);

class SignalGenerator
{
public:
    // [setup] Validates the spec against the rate (a sine must lie below Nyquist; levels must be
    // finite and at most +20 dBFS) and starts the signal at phase 0. Throws std::invalid_argument.
    void prepare(const SignalSpec& spec, uint32_t sampleRateHz);

    // [rt] Write the next numFrames samples.
    void generate(float* out, std::size_t numFrames) noexcept;

    [[nodiscard]] const SignalSpec& spec() const noexcept { return spec_; }

private:
    SignalSpec spec_;
    double phaseCycles_ = 0.0;     // sine phase in cycles, [0, 1)
    double cyclesPerSample_ = 0.0; // frequencyHz / sampleRateHz
    double amplitudeLinear_ = 0.0; // sine: peak; noise: half-width of the uniform distribution
    uint64_t noiseState_ = 0;      // xorshift64* state, never 0
};

} // namespace headroom::server
