#include "server/demo/DemoBand.h"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace headroom::server::demo
{
namespace
{
struct Chord
{
    int rootMidi; // in the guitar's low octave: A2 = 45
    bool minor;
};

// One chord per bar of the 16-bar cycle: verse Am F C G twice, chorus F G C Am twice.
constexpr Chord kChords[DemoBand::kBarsPerCycle] = {
    {45, true},  {41, false}, {48, false}, {43, false}, {45, true},  {41, false}, {48, false}, {43, false},
    {41, false}, {43, false}, {48, false}, {45, true},  {41, false}, {43, false}, {48, false}, {45, true},
};

// Each track's performance gain: brings its loudest moments near 0 dB at full velocity (measured
// with the demo's own meters; tests/server/DemoTest.cpp checks the staging they lead to).
constexpr float kKickGain = 0.95f;
constexpr float kSnareGain = 0.85f;
constexpr float kHatGain = 0.9f;
constexpr float kOverheadGain = 0.9f;
constexpr float kBassGain = 0.62f;
constexpr float kGuitar1Gain = 0.42f;
constexpr float kGuitar2Gain = 0.75f;
constexpr float kKeysGain = 0.42f;
constexpr float kVocalGain = 0.8f;
constexpr float kBackingGain = 0.8f;

int chordTone(const Chord& chord, int index) // 0 root, 1 third, 2 fifth, 3 octave
{
    constexpr int kMajor[4] = {0, 4, 7, 12};
    constexpr int kMinor[4] = {0, 3, 7, 12};
    return chord.rootMidi + (chord.minor ? kMinor[index & 3] : kMajor[index & 3]);
}

float decayPerSample(float timeConstantMs, float rateHz)
{
    return timeConstantMs <= 0.0f ? 1.0f : std::exp(-1000.0f / (timeConstantMs * rateHz));
}

float fractional(float x)
{
    return x - static_cast<float>(static_cast<int>(x));
}
} // namespace

void DemoBand::prepare(uint32_t sampleRateHz)
{
    if (sampleRateHz == 0) throw std::invalid_argument("demo band: the sample rate must be positive");
    *this = DemoBand{};
    for (std::size_t i = 0; i <= kSineTableSize; ++i)
        sineTable_[i] =
            static_cast<float>(std::sin(2.0 * std::numbers::pi * static_cast<double>(i) / kSineTableSize));
    rateHz_ = static_cast<float>(sampleRateHz);
    samplesPerStep_ = static_cast<double>(sampleRateHz) * 60.0 / kTempoBpm / 4.0;
    kickDecay_ = decayPerSample(260.0f, rateHz_);
    kickPitchDecay_ = decayPerSample(30.0f, rateHz_);
    snareNoiseDecay_ = decayPerSample(170.0f, rateHz_);
    snareToneDecay_ = decayPerSample(90.0f, rateHz_);
    snareStep_ = 185.0f / rateHz_;
    hatClosedDecay_ = decayPerSample(50.0f, rateHz_);
    hatOpenDecay_ = decayPerSample(220.0f, rateHz_);
    crashDecay_ = decayPerSample(2000.0f, rateHz_);
    attackStep_ = 1.0f - decayPerSample(3.0f, rateHz_);
    slowAttackStep_ = 1.0f - decayPerSample(60.0f, rateHz_);

    const auto harmonics = [](Voice& v, std::initializer_list<float> weights)
    {
        v.numHarmonics = 0;
        for (float w : weights) v.weights[v.numHarmonics++] = w;
    };
    harmonics(bass_, {1.0f, 0.5f, 0.25f});
    for (Voice& v : guitar1_) harmonics(v, {1.0f, 0.45f, 0.25f, 0.12f});
    harmonics(guitar2_, {1.0f, 0.35f, 0.15f});
    for (auto& side : keys_)
        for (Voice& v : side) harmonics(v, {1.0f, 0.25f});
    for (Voice* v : {&vocal_, &backing_[0], &backing_[1]})
    {
        v->vibratoDepth = 0.006f;
        v->vibratoStep = 5.5f / rateHz_;
        v->vibratoRampStep = 1.0f / (0.2f * rateHz_);
    }
    vocal_.syllableDepth = 0.8f;
    vocal_.syllableStep = 4.3f / rateHz_;
    for (Voice& v : backing_)
    {
        v.syllableDepth = 0.6f;
        v.syllableStep = 2.15f / rateHz_;
    }
}

float DemoBand::sine(float cycles) const noexcept
{
    const float position = cycles * static_cast<float>(kSineTableSize);
    auto index = static_cast<std::size_t>(position);
    if (index >= kSineTableSize) index = kSineTableSize - 1;
    const float frac = position - static_cast<float>(index);
    return sineTable_[index] + frac * (sineTable_[index + 1] - sineTable_[index]);
}

double DemoBand::songSeconds() const noexcept
{
    return static_cast<double>(sampleIndex_) / static_cast<double>(rateHz_);
}

float DemoBand::noise() noexcept
{
    noiseState_ ^= noiseState_ >> 12;
    noiseState_ ^= noiseState_ << 25;
    noiseState_ ^= noiseState_ >> 27;
    const uint64_t bits = noiseState_ * 0x2545F4914F6CDD1Dull;
    return static_cast<float>(bits >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

void DemoBand::startNote(Voice& voice, int midiNote, float velocity, float decayMs) noexcept
{
    const float frequencyHz = 440.0f * std::exp2(static_cast<float>(midiNote - 69) / 12.0f);
    voice.cyclesPerSample = frequencyHz / rateHz_;
    voice.velocity = velocity;
    voice.envelope = 1.0f;
    voice.decay = decayPerSample(decayMs, rateHz_);
    voice.vibratoRamp = 0.0f;
    voice.gate = true;
}

void DemoBand::next(TrackFrame& out) noexcept
{
    if (static_cast<double>(sampleIndex_) >= nextStepAt_)
    {
        nextStepAt_ += samplesPerStep_;
        onStep();
    }
    ++sampleIndex_;

    // Drums
    const float kickFrequencyHz = 50.0f + 70.0f * kickPitchEnv_;
    kickPhase_ = fractional(kickPhase_ + kickFrequencyHz / rateHz_);
    const float kick = kKickGain * kickVelocity_ * kickEnv_ * sine(kickPhase_);
    kickEnv_ *= kickDecay_;
    kickPitchEnv_ *= kickPitchDecay_;

    const float n = noise();
    const float snareNoise = n - 0.6f * snarePreviousNoise_;
    snarePreviousNoise_ = n;
    snarePhase_ = fractional(snarePhase_ + snareStep_);
    const float snare = kSnareGain * snareVelocity_ *
                        (0.55f * snareNoise * snareNoiseEnv_ + 0.6f * sine(snarePhase_) * snareToneEnv_);
    snareNoiseEnv_ *= snareNoiseDecay_;
    snareToneEnv_ *= snareToneDecay_;

    const float h = noise();
    const float hats = kHatGain * hatVelocity_ * hatEnv_ * 0.5f * (h - hatPrevious_);
    hatPrevious_ = h;
    hatEnv_ *= hatDecay_;

    std::array<float, 2> crash{};
    for (std::size_t side = 0; side < 2; ++side)
    {
        const float c = noise();
        crash[side] = crashEnv_[side] * 0.5f * (c - crashPrevious_[side]);
        crashPrevious_[side] = c;
        crashEnv_[side] *= crashDecay_;
    }

    out[static_cast<std::size_t>(Track::kick)] = {kick, 0.0f};
    out[static_cast<std::size_t>(Track::snare)] = {snare, 0.0f};
    out[static_cast<std::size_t>(Track::hats)] = {hats, 0.0f};
    out[static_cast<std::size_t>(Track::overheads)] = {
        kOverheadGain * (0.3f * kick + 0.5f * snare + 0.6f * hats + 0.45f * crash[0]),
        kOverheadGain * (0.3f * kick + 0.5f * snare + 0.35f * hats + 0.45f * crash[1])};

    // Tonal instruments
    out[static_cast<std::size_t>(Track::bass)] = {kBassGain * renderVoice(bass_), 0.0f};
    float guitar1 = 0.0f;
    for (Voice& v : guitar1_) guitar1 += renderVoice(v);
    out[static_cast<std::size_t>(Track::guitar1)] = {kGuitar1Gain * guitar1, 0.0f};
    out[static_cast<std::size_t>(Track::guitar2)] = {kGuitar2Gain * renderVoice(guitar2_), 0.0f};
    std::array<float, 2> keys{};
    for (std::size_t side = 0; side < 2; ++side)
        for (Voice& v : keys_[side]) keys[side] += renderVoice(v);
    out[static_cast<std::size_t>(Track::keys)] = {kKeysGain * keys[0], kKeysGain * keys[1]};
    out[static_cast<std::size_t>(Track::vocal)] = {kVocalGain * renderVoice(vocal_), 0.0f};
    out[static_cast<std::size_t>(Track::backing)] = {kBackingGain * renderVoice(backing_[0]),
                                                     kBackingGain * renderVoice(backing_[1])};
}

float DemoBand::renderVoice(Voice& voice) noexcept
{
    float step = voice.cyclesPerSample;
    if (voice.vibratoDepth > 0.0f)
    {
        voice.vibratoPhase = fractional(voice.vibratoPhase + voice.vibratoStep);
        voice.vibratoRamp = std::min(1.0f, voice.vibratoRamp + voice.vibratoRampStep);
        step *= 1.0f + voice.vibratoDepth * voice.vibratoRamp * sine(voice.vibratoPhase);
    }
    voice.phaseCycles = fractional(voice.phaseCycles + step);
    float syllable = 1.0f;
    if (voice.syllableDepth > 0.0f)
    {
        // Words: the level dips between syllables, so a sung line is not a steady tone.
        voice.syllablePhase = fractional(voice.syllablePhase + voice.syllableStep);
        const float s = 0.5f + 0.5f * sine(voice.syllablePhase);
        syllable = 1.0f - voice.syllableDepth * s * s;
    }
    float sum = 0.0f;
    for (std::size_t k = 0; k < voice.numHarmonics; ++k)
        sum += voice.weights[k] * sine(fractional(voice.phaseCycles * static_cast<float>(k + 1)));
    const float target = voice.gate ? voice.velocity * voice.envelope : 0.0f;
    voice.envelope *= voice.decay;
    voice.level += (target - voice.level) * (voice.decay < 1.0f ? attackStep_ : slowAttackStep_);
    return sum * voice.level * syllable;
}

void DemoBand::onStep() noexcept
{
    ++stepCount_;
    if (++step_ == kStepsPerBar)
    {
        step_ = 0;
        ++bar_;
    }
    triggerDrums(bar_ % kBarsPerCycle, step_);
    triggerTonal(bar_ % kBarsPerCycle, step_);
}

void DemoBand::triggerDrums(int bar, int step) noexcept
{
    // A player is never exactly even: +-10 % velocity, the same every run.
    const auto human = [this](float velocity)
    {
        humanState_ = humanState_ * 1664525u + 1013904223u;
        return velocity * (0.9f + 0.2f * static_cast<float>(humanState_ >> 8) / 16777216.0f);
    };
    const bool chorus = bar >= 8;
    const bool fill = bar % 8 == 7 && step >= 8; // the last two beats of a section

    if (step == 0 || step == 8 || (chorus && step == 10 && !fill))
    {
        kickVelocity_ = human(1.0f);
        kickEnv_ = 1.0f;
        kickPitchEnv_ = 1.0f;
    }
    if (fill)
    {
        // Sixteenths rising from half to full velocity into the next section.
        snareVelocity_ = human(0.45f + 0.45f * static_cast<float>(step - 8) / 7.0f);
        snareNoiseEnv_ = 1.0f;
        snareToneEnv_ = 1.0f;
    }
    else if (step == 4 || step == 12)
    {
        snareVelocity_ = human(0.9f);
        snareNoiseEnv_ = 1.0f;
        snareToneEnv_ = 1.0f;
    }
    if (!fill && (chorus || step % 2 == 0))
    {
        const bool open = chorus && step % 4 == 2;
        hatVelocity_ = human(step % 4 == 0 ? 0.8f : 0.6f);
        hatEnv_ = 1.0f;
        hatDecay_ = open ? hatOpenDecay_ : hatClosedDecay_;
    }
    if (step == 0 && bar % 8 == 0) crashEnv_ = {human(1.0f), human(1.0f)};
}

void DemoBand::triggerTonal(int bar, int step) noexcept
{
    const Chord& chord = kChords[bar];
    const bool chorus = bar >= 8;

    // Bass: eighths, root on the beat, octave on the "and" of 2 and 4.
    if (step % 2 == 0)
        startNote(bass_, chordTone(chord, 0) - 12 + ((step == 6 || step == 14) ? 12 : 0),
                  (chorus ? 1.0f : 0.85f) * (step % 4 == 0 ? 1.0f : 0.8f), 350.0f);

    // Rhythm guitar: quarter-note strums in the verse, eighths in the chorus.
    if (step % (chorus ? 2 : 4) == 0)
        for (std::size_t i = 0; i < guitar1_.size(); ++i)
            startNote(guitar1_[i], chordTone(chord, static_cast<int>(i)) + 12,
                      (chorus ? 1.0f : 0.85f) * (step % 4 == 0 ? 1.0f : 0.85f), 900.0f);

    // Lead guitar: an eighth-note arpeggio an octave up.
    if (step % 2 == 0)
        startNote(guitar2_, chordTone(chord, (step / 2) % 4) + 24, chorus ? 1.0f : 0.7f, 300.0f);

    // Keys: the chord held for the bar, detuned a little on the right.
    if (step == 0)
        for (std::size_t side = 0; side < 2; ++side)
            for (std::size_t i = 0; i < 3; ++i)
            {
                Voice& v = keys_[side][i];
                startNote(v, chordTone(chord, static_cast<int>(i)) + 12, chorus ? 1.0f : 0.8f, 0.0f);
                if (side == 1) v.cyclesPerSample *= 1.003f;
            }

    // Lead vocal: half notes on chord tones, three bars sung and a bar's breath; each note is
    // released a sixteenth early (phrasing).
    const bool breath = bar % 4 == 3;
    if (step == 7 || step == 15 || (breath && step == 0)) vocal_.gate = false;
    if (!breath && (step == 0 || step == 8))
    {
        const int tone = (bar * 2 + step / 8) % 3;
        const int midi = chordTone(chord, tone == 0 ? 3 : tone) + 24;
        startNote(vocal_, midi, chorus ? 1.0f : 0.72f, 0.0f);
        // Vowel-like spectrum: harmonics near 700 Hz and 1150 Hz (two formants) stand out.
        const float f0 = vocal_.cyclesPerSample * rateHz_;
        vocal_.numHarmonics = Voice::kMaxHarmonics;
        for (std::size_t k = 0; k < Voice::kMaxHarmonics; ++k)
        {
            const float f = f0 * static_cast<float>(k + 1);
            const float a = (f - 700.0f) / 250.0f;
            const float b = (f - 1150.0f) / 300.0f;
            vocal_.weights[k] =
                (1.0f + 2.0f * std::exp(-a * a) + 1.5f * std::exp(-b * b)) / static_cast<float>(k + 1) / 2.2f;
        }
    }

    // Backing vocals: the third (left) and the fifth (right), half notes; soft "oohs" in the verse,
    // full voice in the chorus.
    if (step == 7 || step == 15) backing_[0].gate = backing_[1].gate = false;
    if (step == 0 || step == 8)
        for (std::size_t side = 0; side < 2; ++side)
        {
            Voice& v = backing_[side];
            startNote(v, chordTone(chord, side == 0 ? 1 : 2) + 24 - (side == 0 ? 0 : 12),
                      chorus ? 1.0f : 0.7f, 0.0f);
            v.numHarmonics = 5;
            v.weights = {1.0f, 0.6f, 0.5f, 0.3f, 0.15f, 0.0f, 0.0f, 0.0f};
        }
}

} // namespace headroom::server::demo
