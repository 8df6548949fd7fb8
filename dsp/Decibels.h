#pragma once

#include <cmath>
#include <limits>

// Conversions between linear values and decibels. dB versus linear is never implicit: every
// function names what goes in and what comes out. Minus infinity stands for "no signal".
namespace headroom::dsp
{

inline constexpr double kMinusInfinityDb = -std::numeric_limits<double>::infinity();

// AES17 references RMS to a full-scale sine: a sine reads its peak level, so plain RMS of a sine is
// raised by 10*log10(2) = 3.0103 dB (a full-scale square wave reads +3.01 dBFS).
inline constexpr double kAes17RmsOffsetDb = 3.0102999566398120;

// BS.1770 loudness offset: cancels the K-weighting gain at 997 Hz.
inline constexpr double kLoudnessOffsetDb = -0.691;

[[nodiscard]] inline double amplitudeToDb(double amplitudeLinear) noexcept
{
    return amplitudeLinear > 0.0 ? 20.0 * std::log10(amplitudeLinear) : kMinusInfinityDb;
}

[[nodiscard]] inline double powerToDb(double powerLinear) noexcept
{
    return powerLinear > 0.0 ? 10.0 * std::log10(powerLinear) : kMinusInfinityDb;
}

[[nodiscard]] inline double dbToAmplitude(double levelDb) noexcept { return std::pow(10.0, levelDb / 20.0); }

[[nodiscard]] inline double dbToPower(double levelDb) noexcept { return std::pow(10.0, levelDb / 10.0); }

// Loudness (LUFS) of a channel-weighted mean square, per BS.1770 equation (2).
[[nodiscard]] inline double meanSquareToLufs(double weightedMeanSquare) noexcept
{
    return weightedMeanSquare > 0.0 ? kLoudnessOffsetDb + 10.0 * std::log10(weightedMeanSquare) : kMinusInfinityDb;
}

[[nodiscard]] inline double lufsToMeanSquare(double loudnessLufs) noexcept
{
    return std::pow(10.0, (loudnessLufs - kLoudnessOffsetDb) / 10.0);
}

} // namespace headroom::dsp
