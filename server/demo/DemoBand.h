#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "server/demo/DemoScenario.h"

// The demo studio's band: a synthetic multitrack performance generated in code, sample by sample,
// with no media files. 120 BPM in 4/4, a 16-bar cycle of 32 s: an 8-bar verse (Am F C G) and an
// 8-bar chorus (F G C Am), a drum fill in the last bar of each, a crash on the chorus downbeat.
//
//   kick      pitched sine burst (120 -> 50 Hz), beats 1 and 3 (and the "and" of 3 in the chorus)
//   snare     noise burst plus a 180 Hz body, beats 2 and 4; sixteenths rising in the fills
//   hats      high-passed noise ticks: eighths in the verse, sixteenths with open hats in the chorus
//   overheads (stereo) the kit from above plus the crash, left and right weighted differently
//   bass      root and octave eighths, three harmonics
//   guitar1   strummed triads (rhythm), louder in the chorus
//   guitar2   eighth-note arpeggios an octave up (lead), quieter in the verse
//   keys      (stereo) a sustained pad of the chord, detuned left/right
//   vocal     a formant-shaped harmonic voice with vibrato, phrases of three bars and a bar's breath
//   backing   (stereo) harmonies, a third and a fifth: soft in the verse, full in the chorus
//
// Each track's performance peaks near 0 dB at full velocity; the studio (DemoStudio) applies the
// recording gain. Deterministic: the same rate gives the same samples every run.
//
// Owned by DemoStudio. prepare() is [setup]; next() is [rt]: no allocation, lock or system call;
// the sines come from a table built in prepare().
namespace headroom::server::demo
{

// Where the song is.
enum class Section : uint8_t
{
    verse,
    chorus,
};

// Performance of every track for one sample: [track][channel], mono tracks use channel 0.
using TrackFrame = std::array<std::array<float, 2>, kNumTracks>;

class DemoBand
{
public:
    static constexpr double kTempoBpm = 120.0;
    static constexpr int kBarsPerCycle = 16;
    static constexpr int kStepsPerBar = 16; // sixteenth notes

    // [setup] Start at the top of the song. Throws std::invalid_argument for a rate of 0.
    void prepare(uint32_t sampleRateHz);

    // [rt] The next sample of every track.
    void next(TrackFrame& out) noexcept;

    // [any from the rendering thread] Seconds since the top of the song (the cycle repeats).
    [[nodiscard]] double songSeconds() const noexcept;
    [[nodiscard]] Section section() const noexcept
    {
        return bar_ % kBarsPerCycle < 8 ? Section::verse : Section::chorus;
    }

    // Index of the table sine: sin(2 pi cycles) for any cycles in [0, 1).
    [[nodiscard]] float sine(float cycles) const noexcept;

    // One pitched voice of a few harmonics with a decaying (or sustained) envelope and a short
    // attack and release, so note changes do not click.
    struct Voice
    {
        static constexpr std::size_t kMaxHarmonics = 8;
        float phaseCycles = 0.0f;                   // fundamental phase, [0, 1)
        float cyclesPerSample = 0.0f;               // fundamental frequency / rate
        std::array<float, kMaxHarmonics> weights{}; // harmonic k+1 amplitude
        std::size_t numHarmonics = 1;
        float velocity = 0.0f;     // target level of the note, linear
        float level = 0.0f;        // smoothed level (attack/release), linear
        float decay = 1.0f;        // per-sample envelope factor while the note sounds
        float envelope = 0.0f;     // the decaying envelope, linear
        float vibratoDepth = 0.0f; // relative frequency deviation at full vibrato
        float vibratoPhase = 0.0f; // cycles
        float vibratoStep = 0.0f;  // vibrato cycles per sample
        float vibratoRamp = 0.0f;  // 0 -> 1 over the first 200 ms of a note
        float vibratoRampStep = 0.0f;
        float syllableDepth = 0.0f; // 0..1: how far the level dips between syllables
        float syllablePhase = 0.0f; // cycles
        float syllableStep = 0.0f;  // syllable cycles per sample
        bool gate = false;          // note on
    };

private:
    void onStep() noexcept;
    void triggerDrums(int bar, int step) noexcept;
    void triggerTonal(int bar, int step) noexcept;
    float renderVoice(Voice& voice) noexcept;
    float noise() noexcept;
    void startNote(Voice& voice, int midiNote, float velocity, float decayMs) noexcept;

    static constexpr std::size_t kSineTableSize = 4096;
    std::array<float, kSineTableSize + 1> sineTable_{}; // one cycle plus the wrap-around point

    float rateHz_ = 48000.0f;
    double samplesPerStep_ = 6000.0; // a sixteenth note in samples
    double nextStepAt_ = 0.0;        // sample index of the next sixteenth
    uint64_t sampleIndex_ = 0;       // samples since the top of the song
    int bar_ = -1;                   // bar since the top of the song (grows without bound)
    int step_ = kStepsPerBar - 1;    // sixteenth within the bar
    uint64_t noiseState_ = 0x9E3779B97F4A7C15ull;
    uint32_t humanState_ = 12345u; // velocity variation, deterministic

    // drums
    float kickPhase_ = 0.0f, kickEnv_ = 0.0f, kickPitchEnv_ = 0.0f, kickVelocity_ = 0.0f;
    float kickDecay_ = 1.0f, kickPitchDecay_ = 1.0f;
    float snareNoiseEnv_ = 0.0f, snareToneEnv_ = 0.0f, snarePhase_ = 0.0f, snareVelocity_ = 0.0f;
    float snareNoiseDecay_ = 1.0f, snareToneDecay_ = 1.0f, snareStep_ = 0.0f;
    float hatEnv_ = 0.0f, hatDecay_ = 1.0f, hatVelocity_ = 0.0f, hatPrevious_ = 0.0f;
    float hatClosedDecay_ = 1.0f, hatOpenDecay_ = 1.0f;
    std::array<float, 2> crashEnv_{}, crashPrevious_{};
    float crashDecay_ = 1.0f;
    float snarePreviousNoise_ = 0.0f;

    // tonal
    Voice bass_;
    std::array<Voice, 3> guitar1_;
    Voice guitar2_;
    std::array<std::array<Voice, 3>, 2> keys_; // [side][chord tone]
    Voice vocal_;
    std::array<Voice, 2> backing_; // left: the third, right: the fifth
    float attackStep_ = 0.0f;      // per-sample level smoothing factor (~3 ms)
    float slowAttackStep_ = 0.0f;  // for pads and backing vocals (~60 ms)
    int stepCount_ = -1;           // absolute sixteenth counter
};

} // namespace headroom::server::demo
