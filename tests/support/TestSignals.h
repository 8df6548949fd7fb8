#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <optional>
#include <vector>

// Test-signal generators written from the recipes of EBU Tech 3341/3342 and BS.1770: sines with a
// continuous phase across segments (phase 0 at the first sample), silence, multichannel buffers.
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

// Appends segments to the listed channels (others get silence), keeping the sine phase continuous
// from sample 0 of the buffer. Segment lengths are rounded to whole samples.
inline void appendSegments(Planar& p, const std::vector<Segment>& segments, double frequencyHz,
                           const std::vector<std::size_t>& activeChannels)
{
    for (const Segment& s : segments)
    {
        const std::size_t start = p.numFrames();
        const auto frames = static_cast<std::size_t>(std::llround(s.seconds * p.sampleRateHz));
        for (std::size_t c = 0; c < p.channels.size(); ++c)
        {
            bool active = false;
            for (std::size_t a : activeChannels) active = active || a == c;
            const double amplitude = (s.levelDb && active) ? std::pow(10.0, *s.levelDb / 20.0) : 0.0;
            auto& ch = p.channels[c];
            ch.resize(start + frames);
            for (std::size_t n = 0; n < frames; ++n)
            {
                const double t = static_cast<double>(start + n) / p.sampleRateHz;
                ch[start + n] = static_cast<float>(amplitude * std::sin(2.0 * std::numbers::pi * frequencyHz * t));
            }
        }
    }
}

// Stereo (in phase on L and R) sine segments, the "tones similar to #1" of Tech 3341.
inline Planar stereoSegments(uint32_t sampleRateHz, const std::vector<Segment>& segments, double frequencyHz = 1000.0)
{
    Planar p = makePlanar(sampleRateHz, 2);
    appendSegments(p, segments, frequencyHz, {0, 1});
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
        x[n] = static_cast<float>(amplitude * std::sin(2.0 * std::numbers::pi * frequencyHz * static_cast<double>(n) / sampleRateHz + phaseRadians));
    return x;
}

} // namespace headroom::test
