#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <numeric>
#include <optional>
#include <vector>

// Test-signal generators written from the recipes of EBU Tech 3341/3342 and BS.1770: sines with a
// continuous phase across segments (phase 0 at the first sample), silence, multichannel buffers, and
// the Tech 3341 true-peak signals 15-23 (defined relative to the sample rate).
namespace headroom::test
{

// Planar multichannel audio: channels[c][n].
struct Planar
{
    uint32_t sampleRateHz = 48000;
    std::vector<std::vector<float>> channels;

    [[nodiscard]] std::size_t numFrames() const { return channels.empty() ? 0 : channels.front().size(); }
    [[nodiscard]] std::vector<const float*> pointers() const
    {
        std::vector<const float*> p;
        for (const auto& c : channels) p.push_back(c.data());
        return p;
    }
};

// A segment of a sine at a per-channel peak level (dBFS), or silence when levelDb is empty.
struct Segment
{
    std::optional<double> levelDb;
    double seconds;
};

inline Planar makePlanar(uint32_t sampleRateHz, std::size_t numChannels)
{
    Planar p;
    p.sampleRateHz = sampleRateHz;
    p.channels.resize(numChannels);
    return p;
}

// sin(2 pi f n / fs) for n = 0, 1, 2, ...: one value per frame, whatever the number of channels. An
// integral frequency has an exact period of fs / gcd(fs, f) samples, so the phase is reduced with
// integers (exact at any n) and one period is tabulated; other frequencies are computed directly.
class UnitSine
{
public:
    UnitSine(double frequencyHz, uint32_t sampleRateHz)
        : frequencyHz_(frequencyHz), sampleRateHz_(sampleRateHz)
    {
        constexpr std::size_t kMaxTable = std::size_t{1} << 20;
        if (frequencyHz >= 0.0 && frequencyHz == std::floor(frequencyHz) && frequencyHz < 1.0e9)
        {
            const auto f = static_cast<uint64_t>(frequencyHz);
            const uint64_t period = f == 0 ? 1 : sampleRateHz / std::gcd(uint64_t{sampleRateHz}, f);
            if (period <= kMaxTable)
            {
                table_.resize(period);
                for (uint64_t n = 0; n < period; ++n)
                    table_[n] =
                        std::sin(2.0 * std::numbers::pi * static_cast<double>((f * n) % sampleRateHz) /
                                 static_cast<double>(sampleRateHz));
            }
        }
    }

    [[nodiscard]] double operator()(std::size_t n) const
    {
        if (!table_.empty()) return table_[n % table_.size()];
        return std::sin(2.0 * std::numbers::pi * frequencyHz_ * static_cast<double>(n) / sampleRateHz_);
    }

private:
    double frequencyHz_;
    uint32_t sampleRateHz_;
    std::vector<double> table_; // one exact period, when the frequency is integral
};

// Appends segments to the listed channels (others get silence), keeping the sine phase continuous
// from sample 0 of the buffer. Segment lengths are rounded to whole samples.
inline void appendSegments(Planar& p, const std::vector<Segment>& segments, double frequencyHz,
                           const std::vector<std::size_t>& activeChannels)
{
    const UnitSine unit(frequencyHz, p.sampleRateHz);
    for (const Segment& s : segments)
    {
        const std::size_t start = p.numFrames();
        const auto frames = static_cast<std::size_t>(std::llround(s.seconds * p.sampleRateHz));
        for (std::size_t c = 0; c < p.channels.size(); ++c)
        {
            const bool active =
                std::find(activeChannels.begin(), activeChannels.end(), c) != activeChannels.end();
            const double amplitude = (s.levelDb && active) ? std::pow(10.0, *s.levelDb / 20.0) : 0.0;
            auto& ch = p.channels[c];
            ch.resize(start + frames, 0.0f);
            if (amplitude == 0.0) continue;
            for (std::size_t n = 0; n < frames; ++n)
                ch[start + n] = static_cast<float>(amplitude * unit(start + n));
        }
    }
}

// Stereo (in phase on L and R) sine segments, the "tones similar to #1" of Tech 3341.
inline Planar stereoSegments(uint32_t sampleRateHz, const std::vector<Segment>& segments,
                             double frequencyHz = 1000.0)
{
    Planar p = makePlanar(sampleRateHz, 2);
    appendSegments(p, segments, frequencyHz, {0, 1});
    return p;
}

// The same segments `times` times over, e.g. Tech 3341 case 9: repeated({{-20, 1.34}, {-30, 1.66}}, 5).
inline std::vector<Segment> repeated(const std::vector<Segment>& pattern, std::size_t times)
{
    std::vector<Segment> out;
    for (std::size_t i = 0; i < times; ++i) out.insert(out.end(), pattern.begin(), pattern.end());
    return out;
}

// One steady sine on several channels at once, each at its own peak level (empty: silent channel),
// e.g. the 5.0 programme of Tech 3341 case 6.
inline Planar multichannelTone(uint32_t sampleRateHz, const std::vector<std::optional<double>>& levelsDb,
                               double seconds, double frequencyHz = 1000.0)
{
    Planar p = makePlanar(sampleRateHz, levelsDb.size());
    for (std::size_t c = 0; c < levelsDb.size(); ++c)
    {
        Planar one = makePlanar(sampleRateHz, 1);
        appendSegments(one, {{levelsDb[c], seconds}}, frequencyHz, {0});
        p.channels[c] = std::move(one.channels[0]);
    }
    return p;
}

// A steady sine on one channel buffer.
inline std::vector<float> sine(uint32_t sampleRateHz, double frequencyHz, double levelDb, double seconds,
                               double phaseRadians = 0.0)
{
    const auto frames = static_cast<std::size_t>(std::llround(seconds * sampleRateHz));
    std::vector<float> x(frames);
    const double amplitude = std::pow(10.0, levelDb / 20.0);
    for (std::size_t n = 0; n < frames; ++n)
        x[n] = static_cast<float>(amplitude * std::sin(2.0 * std::numbers::pi * frequencyHz *
                                                           static_cast<double>(n) / sampleRateHz +
                                                       phaseRadians));
    return x;
}

// Linear fade-in over the first and fade-out over the last fadeFrames samples (the Tech 3341
// true-peak signals are tapered this way; the EBU files use 100 ms).
template <typename Sample>
void applyLinearFades(std::vector<Sample>& x, std::size_t fadeFrames)
{
    fadeFrames = std::min(fadeFrames, x.size() / 2);
    for (std::size_t n = 0; n < fadeFrames; ++n)
    {
        const double gain = static_cast<double>(n) / static_cast<double>(fadeFrames);
        x[n] = static_cast<Sample>(static_cast<double>(x[n]) * gain);
        x[x.size() - 1 - n] = static_cast<Sample>(static_cast<double>(x[x.size() - 1 - n]) * gain);
    }
}

// Tech 3341 true-peak cases 15-19 (§2.4): x[n] = A sin(2 pi n / samplesPerPeriod + phase), a sine
// defined relative to the sample rate (fs/4, fs/6, fs/8), with linear fades.
inline std::vector<float> truePeakSine(uint32_t sampleRateHz, int samplesPerPeriod, double amplitudeDb,
                                       double phaseDegrees, double seconds = 3.2, double fadeSeconds = 0.1)
{
    const auto frames = static_cast<std::size_t>(std::llround(seconds * sampleRateHz));
    const double amplitude = std::pow(10.0, amplitudeDb / 20.0);
    const double phase = phaseDegrees * std::numbers::pi / 180.0;
    std::vector<double> x(frames);
    for (std::size_t n = 0; n < frames; ++n)
        x[n] = amplitude * std::sin(2.0 * std::numbers::pi *
                                        static_cast<double>(n % static_cast<std::size_t>(samplesPerPeriod)) /
                                        samplesPerPeriod +
                                    phase);
    applyLinearFades(x, static_cast<std::size_t>(std::llround(fadeSeconds * sampleRateHz)));
    return {x.begin(), x.end()};
}

// Zeroth-order modified Bessel function of the first kind (for the Kaiser window).
inline double besselI0(double x)
{
    double term = 1.0, sum = 1.0;
    for (int k = 1; k < 60 && term > 1e-17 * sum; ++k)
    {
        const double half = x / (2.0 * k);
        term *= half * half;
        sum += term;
    }
    return sum;
}

// Tech 3341 true-peak cases 20-23 (§2.4): at 4 fs, an fs/6 sine at -6 dBFS (24 samples per period)
// interrupted near 1.51 s by one period of an fs/4 sine at full scale (16 samples), phase-continuous
// on both sides; linear fades; low-passed by a linear-phase FIR (1023 taps, Kaiser beta 10, cut-off
// 0.48 fs); then every 4th sample from decimationOffset (0..3 for cases 20..23) is kept.
inline std::vector<float> truePeakBurst(uint32_t sampleRateHz, int decimationOffset, double seconds = 3.2,
                                        double fadeSeconds = 0.1)
{
    constexpr int kFactor = 4;
    constexpr int kTaps = 1023;
    constexpr int kHalf = kTaps / 2;
    constexpr double kBeta = 10.0;
    constexpr double kCutoff = 0.48 / kFactor; // cycles per sample at 4 fs

    const auto frames = static_cast<std::size_t>(std::llround(seconds * sampleRateHz));
    const std::size_t upFrames = frames * kFactor;
    const double baseAmplitude = std::pow(10.0, -6.0 / 20.0);
    const std::size_t burstStart =
        24 * static_cast<std::size_t>(std::llround(1.51 * sampleRateHz * kFactor / 24.0));

    std::vector<double> up(upFrames);
    for (std::size_t m = 0; m < upFrames; ++m)
    {
        if (m < burstStart)
            up[m] = baseAmplitude * std::sin(2.0 * std::numbers::pi * static_cast<double>(m % 24) / 24.0);
        else if (m < burstStart + 16)
            up[m] = std::sin(2.0 * std::numbers::pi * static_cast<double>(m - burstStart) / 16.0);
        else
            up[m] = baseAmplitude *
                    std::sin(2.0 * std::numbers::pi * static_cast<double>((m - burstStart - 16) % 24) / 24.0);
    }
    applyLinearFades(up, static_cast<std::size_t>(std::llround(fadeSeconds * sampleRateHz * kFactor)));

    std::vector<double> h(kTaps);
    double dcGain = 0.0;
    for (int j = 0; j < kTaps; ++j)
    {
        const double d = j - kHalf;
        const double sinc = d == 0.0
                                ? 2.0 * kCutoff
                                : std::sin(2.0 * std::numbers::pi * kCutoff * d) / (std::numbers::pi * d);
        const double r = d / kHalf;
        h[static_cast<std::size_t>(j)] = sinc * besselI0(kBeta * std::sqrt(1.0 - r * r)) / besselI0(kBeta);
        dcGain += h[static_cast<std::size_t>(j)];
    }
    for (double& c : h) c /= dcGain;

    // Zero-phase filtering evaluated only at the kept samples; eight partial sums keep the
    // 1023-tap dot product from being latency-bound.
    std::vector<float> out(frames);
    for (std::size_t n = 0; n < frames; ++n)
    {
        const auto centre = static_cast<std::ptrdiff_t>(n * kFactor) + decimationOffset;
        const std::ptrdiff_t first = std::max<std::ptrdiff_t>(0, centre - kHalf);
        const std::ptrdiff_t last =
            std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(upFrames) - 1, centre + kHalf);
        double acc[8] = {};
        std::ptrdiff_t m = first;
        for (; m + 8 <= last + 1; m += 8)
            for (std::ptrdiff_t u = 0; u < 8; ++u)
                acc[u] += h[static_cast<std::size_t>(centre - (m + u) + kHalf)] *
                          up[static_cast<std::size_t>(m + u)];
        for (; m <= last; ++m)
            acc[0] += h[static_cast<std::size_t>(centre - m + kHalf)] * up[static_cast<std::size_t>(m)];
        out[n] = static_cast<float>(acc[0] + acc[1] + acc[2] + acc[3] + acc[4] + acc[5] + acc[6] + acc[7]);
    }
    return out;
}

// The same mono buffer on every channel.
inline Planar replicated(uint32_t sampleRateHz, const std::vector<float>& mono, std::size_t numChannels)
{
    Planar p = makePlanar(sampleRateHz, numChannels);
    for (auto& c : p.channels) c = mono;
    return p;
}

} // namespace headroom::test
