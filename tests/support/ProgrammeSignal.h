#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <vector>

#include "tests/support/TestSignals.h"

// Seeded, programme-like multichannel signals for benchmarks and differential tests: coloured noise
// plus a few tones under a syllabic envelope, in sections of different levels separated by the odd
// stretch of digital silence, with short loud bursts. Channels share a common component (as a mix
// does) plus their own. The same seed gives the same samples on every platform: the generator is
// SplitMix64 and nothing uses std::*_distribution (whose output is implementation-defined).
namespace headroom::test
{

struct ProgrammeOptions
{
    uint32_t sampleRateHz = 48000;
    std::size_t numChannels = 2;
    double seconds = 30.0;
    uint64_t seed = 1;
    double peakCeilingDb = -0.5;  // the whole signal is scaled down if any sample exceeds this
    bool withSilence = true;      // some sections are digital silence
};

// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and well distributed for test signals.
class SplitMix64
{
public:
    explicit SplitMix64(uint64_t seed) : state_(seed) {}
    uint64_t next()
    {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, 1).
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Approximately standard normal (Irwin-Hall of four uniforms, variance scaled to 1).
    double gaussian() { return (uniform() + uniform() + uniform() + uniform() - 2.0) * std::sqrt(3.0); }

private:
    uint64_t state_; // generator state
};

namespace detail
{
// One section of the programme: a level, a length, and the character of its envelope.
struct Section
{
    std::size_t startFrame;
    std::size_t numFrames;
    double levelDb;       // RMS-ish level of the section; ignored when silent
    double syllableHz;    // envelope modulation rate
    bool silent;          // digital silence
};

// Levels as in a mix: most sections within a few dB of the programme's own level, some quiet
// passages well below it (which the relative gates must drop), the odd stretch of silence.
inline std::vector<Section> planSections(const ProgrammeOptions& o, SplitMix64& rng, std::size_t totalFrames)
{
    std::vector<Section> sections;
    const double programmeLevelDb = rng.uniform(-26.0, -18.0);
    for (std::size_t start = 0; start < totalFrames;)
    {
        const auto frames = static_cast<std::size_t>(rng.uniform(1.5, 7.0) * o.sampleRateHz);
        const bool quiet = rng.uniform() < 0.2;
        const double levelDb = quiet ? programmeLevelDb - rng.uniform(8.0, 18.0)
                                     : programmeLevelDb + std::clamp(3.0 * rng.gaussian(), -8.0, 8.0);
        Section s{start, std::min(frames, totalFrames - start), levelDb, rng.uniform(1.5, 6.0),
                  o.withSilence && start > 0 && rng.uniform() < 0.12};
        sections.push_back(s);
        start += s.numFrames;
    }
    // Every signal long enough for three sections has at least one stretch of silence.
    const bool anySilent = std::any_of(sections.begin(), sections.end(), [](const Section& s) { return s.silent; });
    if (o.withSilence && !anySilent && sections.size() >= 3) sections[sections.size() / 2].silent = true;
    return sections;
}
} // namespace detail

// [setup] Generate the signal (planar, float).
inline Planar programmeSignal(const ProgrammeOptions& o)
{
    SplitMix64 rng(o.seed * 0x2545f4914f6cdd1dull + 12345u);
    const auto totalFrames = static_cast<std::size_t>(std::llround(o.seconds * o.sampleRateHz));
    const double fs = o.sampleRateHz;
    const std::vector<detail::Section> sections = detail::planSections(o, rng, totalFrames);

    // The shared part of the mix: a bass line and a "melody" tone, both changing per section.
    std::vector<double> common(totalFrames, 0.0);
    {
        double lowPass = 0.0;
        double bassPhase = 0.0, tonePhase = 0.0;
        for (const detail::Section& s : sections)
        {
            const double bassHz = rng.uniform(45.0, 160.0), toneHz = rng.uniform(300.0, 4000.0);
            const double toneMix = rng.uniform(0.0, 0.6);
            for (std::size_t n = s.startFrame; n < s.startFrame + s.numFrames; ++n)
            {
                lowPass += 0.05 * (rng.gaussian() - lowPass); // reddish noise, the body of the mix
                bassPhase += 2.0 * std::numbers::pi * bassHz / fs;
                tonePhase += 2.0 * std::numbers::pi * toneHz / fs;
                common[n] = 2.0 * lowPass + 0.5 * std::sin(bassPhase) + toneMix * std::sin(tonePhase);
            }
        }
    }

    Planar p = makePlanar(o.sampleRateHz, o.numChannels);
    double peak = 0.0;
    for (std::size_t c = 0; c < o.numChannels; ++c)
    {
        std::vector<float>& out = p.channels[c];
        out.resize(totalFrames);
        const double channelGainDb = rng.uniform(-4.0, 2.0); // channels of a mix are not equally loud
        const double ownMix = rng.uniform(0.2, 0.8);          // how much of the channel is its own
        // The channel's own noise falls off above ~4.6 kHz (two one-pole low-passes, a = 0.45), as
        // mixed programme does: energy near Nyquist sits 20-30 dB down. (Flat or rising noise up to
        // Nyquist is not programme-like, and there every 4x true-peak interpolator under-reads.)
        double lowPass1 = 0.0, lowPass2 = 0.0;
        // Level changes (sections, bursts, fades into silence) glide with a 2 ms time constant, like
        // a fader or a drum's attack: a hard gain step would add broadband clicks no mix has.
        const double glide = 1.0 - std::exp(-1.0 / (0.002 * fs));
        double smoothedGain = 0.0;
        for (const detail::Section& s : sections)
        {
            const double gain = std::pow(10.0, (s.levelDb + channelGainDb) / 20.0);
            const double syllablePhase = rng.uniform(0.0, 2.0 * std::numbers::pi);
            // One short burst (drum hit, plosive) per section on average, +6 to +14 dB.
            const std::size_t burstStart = s.startFrame + static_cast<std::size_t>(rng.uniform() * static_cast<double>(s.numFrames));
            const auto burstFrames = static_cast<std::size_t>(rng.uniform(0.02, 0.25) * fs);
            const double burstGain = std::pow(10.0, rng.uniform(6.0, 14.0) / 20.0);
            for (std::size_t n = s.startFrame; n < s.startFrame + s.numFrames; ++n)
            {
                const double white = rng.gaussian();
                lowPass1 += 0.45 * (white - lowPass1);
                lowPass2 += 0.45 * (lowPass1 - lowPass2);
                const bool inBurst = n >= burstStart && n < burstStart + burstFrames;
                smoothedGain += glide * ((s.silent ? 0.0 : gain * (inBurst ? burstGain : 1.0)) - smoothedGain);
                if (s.silent && smoothedGain < 1e-6) // faded out (-120 dB): digital silence from here
                {
                    out[n] = 0.0f;
                    continue;
                }
                const double t = static_cast<double>(n - s.startFrame) / fs;
                const double syllable = std::sin(std::numbers::pi * s.syllableHz * t + syllablePhase);
                const double envelope = 0.35 + 0.65 * syllable * syllable;
                const double x = smoothedGain * envelope *
                                 ((1.0 - ownMix) * common[n] + ownMix * (1.6 * lowPass2 + 0.3 * lowPass1));
                out[n] = static_cast<float>(x);
                peak = std::max(peak, std::fabs(x));
            }
        }
    }

    // Keep the loudest sample under the ceiling so nothing clips unless a test wants it to.
    const double ceiling = std::pow(10.0, o.peakCeilingDb / 20.0);
    if (peak > ceiling)
    {
        const auto scale = static_cast<float>(ceiling / peak);
        for (auto& ch : p.channels)
            for (float& x : ch) x *= scale;
    }
    return p;
}

} // namespace headroom::test
