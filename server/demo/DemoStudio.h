#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/demo/DemoBand.h"
#include "server/demo/DemoScenario.h"

// The demo studio: the band (DemoBand) played through a simulated mixer, so that every metering
// point of deploy/sessions/demo.json carries what a real session would show at that point:
//
//   performance x record gain -> [input] x trim -> [pre_insert] -> EQ -> compressor -> make-up
//   -> saturation -> [post_insert] x fader -> [post_fader] -> bus (sum of members) -> [pre_insert]
//   -> bus chain -> [post_insert] x fader -> [post_fader] -> mix bus: sum -> [pre_insert] -> mix
//   bus chain -> [output]
//
// Mono channels reach a stereo bus panned centre at -3 dB each side (kMonoToBusGain), exactly as
// Headroom sums a virtual bus, so a tapped bus input matches the sum of its members. The scenario
// (DemoScenario) sets every gain; a new one can be requested at any time and the gains glide to it
// over ~100 ms (no clicks, no jump in the meters' history).
//
// Ownership and threads: one owner builds it ([setup]: prepare()), one thread renders ([rt]:
// render(), no allocation, lock or system call), and any thread may request a scenario ([any],
// one atomic).
namespace headroom::server::demo
{

enum class Stage : uint8_t
{
    input,
    preInsert,
    postInsert,
    postFader,
    output,
};
inline constexpr std::size_t kNumStages = 5;
inline constexpr std::size_t kNumNodes = kNumTracks + kNumBuses + 1; // the master last

// One channel of one metering point of the demo studio.
struct TapRef
{
    std::size_t node = 0; // tracks, then buses, then the master
    Stage stage = Stage::input;
    std::size_t channel = 0; // 0-based
    friend bool operator==(const TapRef&, const TapRef&) = default;
};

// [any] Node ids ("kick", ..., "drums", "vocals", "master") and their channel counts.
[[nodiscard]] std::string_view nodeId(std::size_t node) noexcept;
[[nodiscard]] std::size_t nodeChannels(std::size_t node) noexcept;
// [any] Session stage names: "input", "pre_insert", "post_insert", "post_fader", "output".
[[nodiscard]] std::string_view stageName(Stage stage) noexcept;
// [any] The demo's port for a tap: "<node>/<stage>/<channel + 1>", e.g. "vocal/input/1".
[[nodiscard]] std::string portShortName(const TapRef& tap);
// [any] The tap behind a port short name, when the demo has that point (a channel's input,
// pre_insert, post_insert, post_fader; a bus's pre_insert, post_insert, post_fader; the master's
// pre_insert and output).
[[nodiscard]] std::optional<TapRef> parsePortShortName(std::string_view name);
// [any] Every tap the demo can play, in session order.
[[nodiscard]] std::vector<TapRef> allTaps();

class DemoStudio
{
public:
    // [setup] Prepare for sampleRateHz, start the song from the top in `scenario` (no glide), and
    // play `outputs` (one per output buffer render() is given). Throws std::invalid_argument.
    void prepare(uint32_t sampleRateHz, Scenario scenario, const std::vector<TapRef>& outputs);

    // [any] Glide to another scenario from the next render() on.
    void requestScenario(Scenario scenario) noexcept;
    [[nodiscard]] Scenario requestedScenario() const noexcept;

    // [rt] The next numFrames samples of every output (outputs[i] has numFrames floats).
    void render(float* const* outputs, std::size_t numFrames) noexcept;

    [[nodiscard]] const DemoBand& band() const noexcept { return band_; }

private:
    // A compressor's running state: envelope of the linked channels, gain applied.
    struct CompressorState
    {
        float envelope = 0.0f; // linear peak envelope
        float gain = 1.0f;     // linear gain reduction, recomputed every kGainInterval samples
        unsigned countdown = 0;
    };
    // Linear coefficients of a ChainSettings (recomputed when the settings move).
    struct ChainCoefficients
    {
        float eq = 1.0f, makeup = 1.0f, threshold = 1.0f, slope = 0.0f, attack = 1.0f, release = 1.0f;
        float knee = 1.0f;
    };
    struct NodeCoefficients
    {
        float record = 1.0f, trim = 1.0f, fader = 1.0f;
        ChainCoefficients chain;
    };

    void glide() noexcept;
    void computeCoefficients() noexcept;
    void processChain(std::size_t node, std::array<float, 2>& x, std::size_t channels) noexcept;
    void renderFrame() noexcept;

    static constexpr unsigned kGainInterval = 8;    // compressor gain update period, samples
    static constexpr std::size_t kGlideFrames = 64; // staging glides in steps of this many frames

    DemoBand band_;
    float rateHz_ = 48000.0f;
    std::atomic<uint8_t> requested_{0}; // the scenario asked for ([any] -> [rt])
    uint8_t target_ = 0;                // the scenario the glide goes to ([rt])
    StudioStaging current_;             // the staging now, gliding towards stagingOf(target_)
    bool gliding_ = false;
    float glideFactor_ = 0.0f; // per kGlideFrames step, ~100 ms time constant
    std::size_t framesToGlide_ = 0;

    std::array<NodeCoefficients, kNumNodes> coefficients_{};
    std::array<CompressorState, kNumNodes> compressors_{};
    // The value of every tap for the current frame: [node][stage][channel]
    std::array<std::array<std::array<float, 2>, kNumStages>, kNumNodes> taps_{};
    std::vector<const float*> sources_; // per output: the tap value it plays
    TrackFrame performance_{};
};

} // namespace headroom::server::demo
