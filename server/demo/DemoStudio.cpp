#include "server/demo/DemoStudio.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "server/engine/MeterPlan.h"

namespace headroom::server::demo
{
namespace
{
constexpr std::string_view kNodeIds[kNumNodes] = {"kick",    "snare",   "hats",  "overheads", "bass",
                                                  "guitar1", "guitar2", "keys",  "vocal",     "backing",
                                                  "drums",   "vocals",  "master"};
constexpr std::size_t kNodeChannels[kNumNodes] = {1, 1, 1, 2, 1, 1, 1, 2, 1, 2, 2, 2, 2};
constexpr std::string_view kStageNames[kNumStages] = {"input", "pre_insert", "post_insert", "post_fader",
                                                      "output"};
constexpr std::size_t kMaster = kNumNodes - 1;
constexpr std::size_t kFirstBus = kNumTracks;

// Where each track's fader goes: a bus (node index) or the master.
constexpr std::size_t kTrackDestination[kNumTracks] = {
    kFirstBus + 0, kFirstBus + 0, kFirstBus + 0, kFirstBus + 0, // kick snare hats overheads -> drums
    kMaster,       kMaster,       kMaster,       kMaster,       // bass guitar1 guitar2 keys -> mix bus
    kFirstBus + 1, kFirstBus + 1,                               // vocal backing -> vocals
};

bool hasStage(std::size_t node, Stage stage)
{
    if (node < kNumTracks) return stage != Stage::output;
    if (node < kMaster)
        return stage == Stage::preInsert || stage == Stage::postInsert || stage == Stage::postFader;
    return stage == Stage::preInsert || stage == Stage::output;
}

float dbToLinear(float db)
{
    return std::pow(10.0f, db / 20.0f);
}

float smoothingFactor(float timeMs, float rateHz)
{
    return 1.0f - std::exp(-1000.0f / (std::max(timeMs, 0.01f) * rateHz));
}

// A rational tanh: exact at 0, within 2 % up to 3, clamped to +-1 beyond (no std::tanh per sample).
float softLimit(float x)
{
    if (x >= 3.0f) return 1.0f;
    if (x <= -3.0f) return -1.0f;
    const float x2 = x * x;
    return x * (27.0f + x2) / (27.0f + 9.0f * x2);
}

template <typename F>
void visitChain(ChainSettings& a, const ChainSettings& b, F&& f)
{
    f(a.eqGainDb, b.eqGainDb);
    f(a.compressor.thresholdDb, b.compressor.thresholdDb);
    f(a.compressor.ratio, b.compressor.ratio);
    f(a.compressor.attackMs, b.compressor.attackMs);
    f(a.compressor.releaseMs, b.compressor.releaseMs);
    f(a.makeupDb, b.makeupDb);
    f(a.saturationKneeDbfs, b.saturationKneeDbfs);
}

// Calls f(value, target) for every number of a staging.
template <typename F>
void visitStaging(StudioStaging& a, const StudioStaging& b, F&& f)
{
    for (std::size_t t = 0; t < kNumTracks; ++t)
    {
        f(a.tracks[t].recordDb, b.tracks[t].recordDb);
        f(a.tracks[t].trimDb, b.tracks[t].trimDb);
        visitChain(a.tracks[t].chain, b.tracks[t].chain, f);
        f(a.tracks[t].faderDb, b.tracks[t].faderDb);
    }
    for (std::size_t bus = 0; bus < kNumBuses; ++bus)
    {
        visitChain(a.buses[bus].chain, b.buses[bus].chain, f);
        f(a.buses[bus].faderDb, b.buses[bus].faderDb);
    }
    visitChain(a.master.chain, b.master.chain, f);
}
} // namespace

std::string_view nodeId(std::size_t node) noexcept
{
    return node < kNumNodes ? kNodeIds[node] : std::string_view();
}

std::size_t nodeChannels(std::size_t node) noexcept
{
    return node < kNumNodes ? kNodeChannels[node] : 0;
}

std::string_view stageName(Stage stage) noexcept
{
    return kStageNames[static_cast<std::size_t>(stage)];
}

std::string portShortName(const TapRef& tap)
{
    return std::string(nodeId(tap.node)) + "/" + std::string(stageName(tap.stage)) + "/" +
           std::to_string(tap.channel + 1);
}

std::optional<TapRef> parsePortShortName(std::string_view name)
{
    for (const TapRef& tap : allTaps())
        if (portShortName(tap) == name) return tap;
    return std::nullopt;
}

std::vector<TapRef> allTaps()
{
    std::vector<TapRef> taps;
    for (std::size_t node = 0; node < kNumNodes; ++node)
        for (std::size_t s = 0; s < kNumStages; ++s)
            if (hasStage(node, static_cast<Stage>(s)))
                for (std::size_t c = 0; c < kNodeChannels[node]; ++c)
                    taps.push_back({node, static_cast<Stage>(s), c});
    return taps;
}

void DemoStudio::prepare(uint32_t sampleRateHz, Scenario scenario, const std::vector<TapRef>& outputs)
{
    band_.prepare(sampleRateHz);
    rateHz_ = static_cast<float>(sampleRateHz);
    const auto index = static_cast<uint8_t>(scenario);
    requested_.store(index, std::memory_order_relaxed);
    target_ = index;
    current_ = stagingOf(scenario);
    gliding_ = false;
    // ~100 ms time constant, in steps of kGlideFrames
    glideFactor_ = 1.0f - std::exp(-static_cast<float>(kGlideFrames) / (0.1f * rateHz_));
    framesToGlide_ = kGlideFrames;
    compressors_ = {};
    taps_ = {};
    computeCoefficients();
    sources_.clear();
    for (const TapRef& tap : outputs)
    {
        if (tap.node >= kNumNodes || !hasStage(tap.node, tap.stage) || tap.channel >= kNodeChannels[tap.node])
            throw std::invalid_argument("demo studio: no such tap");
        sources_.push_back(&taps_[tap.node][static_cast<std::size_t>(tap.stage)][tap.channel]);
    }
}

void DemoStudio::requestScenario(Scenario scenario) noexcept
{
    requested_.store(static_cast<uint8_t>(scenario), std::memory_order_release);
}

Scenario DemoStudio::requestedScenario() const noexcept
{
    return static_cast<Scenario>(requested_.load(std::memory_order_acquire));
}

void DemoStudio::render(float* const* outputs, std::size_t numFrames) noexcept
{
    const uint8_t requested = requested_.load(std::memory_order_acquire);
    if (requested != target_ && requested < kNumScenarios)
    {
        target_ = requested;
        gliding_ = true;
    }
    const std::size_t numOutputs = sources_.size();
    for (std::size_t i = 0; i < numFrames; ++i)
    {
        if (gliding_ && --framesToGlide_ == 0)
        {
            framesToGlide_ = kGlideFrames;
            glide();
        }
        renderFrame();
        for (std::size_t o = 0; o < numOutputs; ++o) outputs[o][i] = *sources_[o];
    }
}

// [rt] One glide step of every number towards the target scenario; snaps when close.
void DemoStudio::glide() noexcept
{
    bool settled = true;
    const float factor = glideFactor_;
    visitStaging(current_, stagingOf(static_cast<Scenario>(target_)),
                 [&](float& value, float target)
                 {
                     value += (target - value) * factor;
                     if (std::abs(target - value) > 0.01f)
                         settled = false;
                     else
                         value = target;
                 });
    gliding_ = !settled;
    computeCoefficients();
}

void DemoStudio::computeCoefficients() noexcept
{
    const auto chainOf = [this](const ChainSettings& s)
    {
        ChainCoefficients c;
        c.eq = dbToLinear(s.eqGainDb);
        c.makeup = dbToLinear(s.makeupDb);
        c.threshold = dbToLinear(s.compressor.thresholdDb);
        c.slope = 1.0f / std::max(s.compressor.ratio, 1.0f) - 1.0f;
        c.attack = smoothingFactor(s.compressor.attackMs, rateHz_);
        c.release = smoothingFactor(s.compressor.releaseMs, rateHz_);
        c.knee = dbToLinear(std::min(s.saturationKneeDbfs, 0.0f));
        return c;
    };
    for (std::size_t t = 0; t < kNumTracks; ++t)
    {
        const TrackStaging& s = current_.tracks[t];
        coefficients_[t] = {dbToLinear(s.recordDb), dbToLinear(s.trimDb), dbToLinear(s.faderDb),
                            chainOf(s.chain)};
    }
    for (std::size_t b = 0; b < kNumBuses; ++b)
        coefficients_[kFirstBus + b] = {1.0f, 1.0f, dbToLinear(current_.buses[b].faderDb),
                                        chainOf(current_.buses[b].chain)};
    coefficients_[kMaster] = {1.0f, 1.0f, 1.0f, chainOf(current_.master.chain)};
}

// [rt] EQ -> compressor (channels linked) -> make-up -> saturation, in place.
void DemoStudio::processChain(std::size_t node, std::array<float, 2>& x, std::size_t channels) noexcept
{
    const ChainCoefficients& c = coefficients_[node].chain;
    CompressorState& comp = compressors_[node];
    float detector = 0.0f;
    for (std::size_t ch = 0; ch < channels; ++ch)
    {
        x[ch] *= c.eq;
        detector = std::max(detector, std::abs(x[ch]));
    }
    comp.envelope += (detector - comp.envelope) * (detector > comp.envelope ? c.attack : c.release);
    if (comp.countdown == 0)
    {
        // A limiter (sub-millisecond attack) follows every sample; a compressor every few.
        comp.countdown = c.attack > 0.05f ? 1 : kGainInterval;
        comp.gain = comp.envelope > c.threshold && c.slope < 0.0f
                        ? std::pow(comp.envelope / c.threshold, c.slope)
                        : 1.0f;
    }
    --comp.countdown;
    const float gain = comp.gain * c.makeup;
    for (std::size_t ch = 0; ch < channels; ++ch)
    {
        const float y = x[ch] * gain;
        const float magnitude = std::abs(y);
        if (magnitude <= c.knee) // linear below the knee
        {
            x[ch] = y;
            continue;
        }
        const float headroom = 1.0f - c.knee;
        const float rounded =
            headroom <= 1e-4f ? 1.0f : c.knee + headroom * softLimit((magnitude - c.knee) / headroom);
        x[ch] = std::copysign(rounded, y);
    }
}

// [rt] One frame of the whole studio into taps_.
void DemoStudio::renderFrame() noexcept
{
    band_.next(performance_);
    std::array<std::array<float, 2>, kNumNodes> sums{}; // bus and mix-bus inputs
    const auto stage = [this](std::size_t node, Stage s) -> std::array<float, 2>&
    { return taps_[node][static_cast<std::size_t>(s)]; };
    const auto send = [&sums](std::size_t destination, const std::array<float, 2>& x, std::size_t channels)
    {
        if (channels == 1)
        {
            // Panned centre with the -3 dB law, as Headroom assumes when it sums a virtual bus.
            sums[destination][0] += x[0] * kMonoToBusGain;
            sums[destination][1] += x[0] * kMonoToBusGain;
        }
        else
        {
            sums[destination][0] += x[0];
            sums[destination][1] += x[1];
        }
    };

    for (std::size_t t = 0; t < kNumTracks; ++t)
    {
        const NodeCoefficients& k = coefficients_[t];
        const std::size_t channels = kNodeChannels[t];
        std::array<float, 2> x{};
        for (std::size_t ch = 0; ch < channels; ++ch)
            x[ch] = std::clamp(performance_[t][ch] * k.record, -1.0f, 1.0f); // the converter clips at 0 dBFS
        stage(t, Stage::input) = x;
        for (std::size_t ch = 0; ch < channels; ++ch) x[ch] *= k.trim;
        stage(t, Stage::preInsert) = x;
        processChain(t, x, channels);
        stage(t, Stage::postInsert) = x;
        for (std::size_t ch = 0; ch < channels; ++ch) x[ch] *= k.fader;
        stage(t, Stage::postFader) = x;
        send(kTrackDestination[t], x, channels);
    }
    for (std::size_t b = kFirstBus; b < kMaster; ++b)
    {
        std::array<float, 2> x = sums[b];
        stage(b, Stage::preInsert) = x;
        processChain(b, x, 2);
        stage(b, Stage::postInsert) = x;
        x[0] *= coefficients_[b].fader;
        x[1] *= coefficients_[b].fader;
        stage(b, Stage::postFader) = x;
        send(kMaster, x, 2);
    }
    std::array<float, 2> mix = sums[kMaster];
    stage(kMaster, Stage::preInsert) = mix;
    processChain(kMaster, mix, 2);
    stage(kMaster, Stage::output) = mix;
}

} // namespace headroom::server::demo
