#include "server/audio/SignalGenerator.h"

#include <charconv>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

namespace headroom::server
{
namespace
{
constexpr double kMaxLevelDbfs = 20.0;
constexpr uint64_t kNoiseSeed = 0x9E3779B97F4A7C15ull; // any non-zero value; fixed for repeatable runs

std::vector<std::string_view> splitColons(std::string_view text)
{
    std::vector<std::string_view> parts;
    for (std::size_t start = 0;;)
    {
        const std::size_t colon = text.find(':', start);
        parts.push_back(
            text.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
        if (colon == std::string_view::npos) return parts;
        start = colon + 1;
    }
}

double parseNumber(std::string_view text, std::string_view what, std::string_view whole)
{
    double value = 0.0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(value))
        throw std::invalid_argument("signal '" + std::string(whole) + "': " + std::string(what) +
                                    " must be a number, got '" + std::string(text) + "'");
    return value;
}

std::string formatNumber(double value)
{
    char buffer[32];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return error == std::errc{} ? std::string(buffer, end) : std::string("?");
}
} // namespace

SignalSpec parseSignalSpec(std::string_view text)
{
    const std::vector<std::string_view> parts = splitColons(text);
    SignalSpec spec;
    if (parts[0] == "silence" && parts.size() == 1) return spec;
    if (parts[0] == "sine" && parts.size() == 3)
    {
        spec.kind = SignalSpec::Kind::sine;
        spec.frequencyHz = parseNumber(parts[1], "the frequency (Hz)", text);
        spec.levelDbfs = parseNumber(parts[2], "the peak level (dBFS)", text);
        if (spec.frequencyHz <= 0.0)
            throw std::invalid_argument("signal '" + std::string(text) + "': the frequency must be positive");
    }
    else if (parts[0] == "noise" && parts.size() == 2)
    {
        spec.kind = SignalSpec::Kind::noise;
        spec.levelDbfs = parseNumber(parts[1], "the RMS level (dBFS)", text);
    }
    else
    {
        throw std::invalid_argument("signal '" + std::string(text) +
                                    "': expected silence, sine:FREQ_HZ:PEAK_DBFS or noise:RMS_DBFS");
    }
    if (spec.levelDbfs > kMaxLevelDbfs)
        throw std::invalid_argument("signal '" + std::string(text) + "': the level must be at most +20 dBFS");
    return spec;
}

std::string toString(const SignalSpec& spec)
{
    switch (spec.kind)
    {
    case SignalSpec::Kind::sine:
        return "sine:" + formatNumber(spec.frequencyHz) + ":" + formatNumber(spec.levelDbfs);
    case SignalSpec::Kind::noise:
        return "noise:" + formatNumber(spec.levelDbfs);
    case SignalSpec::Kind::silence:
        break;
    }
    return "silence";
}

void SignalGenerator::prepare(const SignalSpec& spec, uint32_t sampleRateHz)
{
    if (sampleRateHz == 0) throw std::invalid_argument("signal generator: the sample rate must be positive");
    if (spec.kind != SignalSpec::Kind::silence &&
        (!std::isfinite(spec.levelDbfs) || spec.levelDbfs > kMaxLevelDbfs))
        throw std::invalid_argument("signal " + toString(spec) +
                                    ": the level must be finite and at most +20 dBFS");
    if (spec.kind == SignalSpec::Kind::sine &&
        !(spec.frequencyHz > 0.0 && spec.frequencyHz < 0.5 * sampleRateHz))
        throw std::invalid_argument("signal " + toString(spec) + ": the frequency must lie between 0 and " +
                                    std::to_string(sampleRateHz / 2) + " Hz at " +
                                    std::to_string(sampleRateHz) + " Hz");
    spec_ = spec;
    phaseCycles_ = 0.0;
    cyclesPerSample_ = spec.kind == SignalSpec::Kind::sine ? spec.frequencyHz / sampleRateHz : 0.0;
    switch (spec.kind)
    {
    case SignalSpec::Kind::sine:
        amplitudeLinear_ = std::pow(10.0, spec.levelDbfs / 20.0);
        break;
    case SignalSpec::Kind::noise:
        // AES17 RMS reads plain RMS + 3.01 dB; a uniform distribution on [-a, a] has RMS a / sqrt(3).
        amplitudeLinear_ =
            std::sqrt(3.0) * std::pow(10.0, (spec.levelDbfs - 20.0 * std::log10(std::sqrt(2.0))) / 20.0);
        break;
    case SignalSpec::Kind::silence:
        amplitudeLinear_ = 0.0;
        break;
    }
    noiseState_ = kNoiseSeed;
}

void SignalGenerator::generate(float* out, std::size_t numFrames) noexcept
{
    switch (spec_.kind)
    {
    case SignalSpec::Kind::silence:
        for (std::size_t i = 0; i < numFrames; ++i) out[i] = 0.0f;
        return;
    case SignalSpec::Kind::sine:
        for (std::size_t i = 0; i < numFrames; ++i)
        {
            out[i] = static_cast<float>(amplitudeLinear_ * std::sin(2.0 * std::numbers::pi * phaseCycles_));
            phaseCycles_ += cyclesPerSample_;
            if (phaseCycles_ >= 1.0) phaseCycles_ -= 1.0; // keeps the phase exact for hours
        }
        return;
    case SignalSpec::Kind::noise:
        for (std::size_t i = 0; i < numFrames; ++i)
        {
            // xorshift64* (Vigna): fast, full period, good enough for a test signal.
            noiseState_ ^= noiseState_ >> 12;
            noiseState_ ^= noiseState_ << 25;
            noiseState_ ^= noiseState_ >> 27;
            const uint64_t bits = noiseState_ * 0x2545F4914F6CDD1Dull;
            // Top 24 bits -> [-1, 1): exact in float, symmetric to within one step.
            const double uniform = static_cast<double>(bits >> 40) * (2.0 / 16777216.0) - 1.0;
            out[i] = static_cast<float>(amplitudeLinear_ * uniform);
        }
        return;
    }
}

} // namespace headroom::server
