#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

// The demo studio's scenarios: one clean, well-staged mix and five mixes with exactly one of the
// gain-staging guide's faults each. A scenario is nothing but numbers: the gain (and plugin
// settings) at every stage of every node of the demo studio (DemoStudio). The numbers are tuned so
// that the metered taps land where docs/DEMO.md says; tests/server/DemoTest.cpp measures them with
// the engine's own statistics.
//
// Everything here is plain data: [any] thread.
namespace headroom::server::demo
{

enum class Scenario : uint8_t
{
    clean,             // every tap in range
    hotVocal,          // the lead vocal recorded too hot (peaks near 0 dBFS at the input)
    gainStacking,      // EQ boost and compressor make-up stacking in the vocal and guitar chains
    drumBusOverdriven, // drum faders pushed: the drum bus input far above -18 dBFS
    mixBusRed,         // the faders feeding the mix bus pushed: mix bus peaks at 0 dBFS
    limitedMix,        // the mix bus compressor used as a brick-wall limiter with make-up
};
inline constexpr std::size_t kNumScenarios = 6;

// [any] "clean", "hot-vocal", "gain-stacking", "drum-bus-overdriven", "mix-bus-red", "limited-mix".
[[nodiscard]] std::string_view scenarioName(Scenario scenario) noexcept;
// [any] The scenario called name, if any.
[[nodiscard]] std::optional<Scenario> scenarioFromName(std::string_view name) noexcept;
// [any] "clean|hot-vocal|..." for help texts and errors.
[[nodiscard]] std::string_view scenarioNames() noexcept;
// [any] One line on what the scenario shows.
[[nodiscard]] std::string_view scenarioSummary(Scenario scenario) noexcept;

// The channels of the demo studio, in session order, and its buses. The ids are the node ids of
// deploy/sessions/demo.json.
enum class Track : uint8_t
{
    kick,
    snare,
    hats,
    overheads, // stereo
    bass,
    guitar1,
    guitar2,
    keys, // stereo
    vocal,
    backing, // stereo
};
inline constexpr std::size_t kNumTracks = 10;
enum class Bus : uint8_t
{
    drums,
    vocals,
};
inline constexpr std::size_t kNumBuses = 2;

// A compressor (also the brick-wall limiter of the limited mix: a high ratio and a fast attack).
struct CompressorSettings
{
    float thresholdDb = 0.0f; // dBFS; 0 with ratio 1 is "off"
    float ratio = 1.0f;       // input dB over the threshold per output dB
    float attackMs = 10.0f;
    float releaseMs = 150.0f;
};

// One node's plugin chain: EQ (a broadband gain: all the level matters here) -> compressor ->
// make-up gain -> a saturation stage that is linear up to its knee and rounds off above it.
struct ChainSettings
{
    float eqGainDb = 0.0f;
    CompressorSettings compressor;
    float makeupDb = 0.0f;
    float saturationKneeDbfs = -3.0f; // linear below; soft clipping above, never past 0 dBFS
};

struct TrackStaging
{
    float recordDb = 0.0f; // interface gain: the performance (peaks near 0 dB) to the input tap
    float trimDb = 0.0f;   // input tap -> pre_insert
    ChainSettings chain;   // pre_insert -> post_insert
    float faderDb = 0.0f;  // post_insert -> post_fader
};

struct BusStaging
{
    ChainSettings chain;  // pre_insert (the sum of the members) -> post_insert
    float faderDb = 0.0f; // post_insert -> post_fader
};

struct MasterStaging
{
    float faderDb = 0.0f; // the mix bus fader, before the inserts (a DAW's master trim)
    ChainSettings chain;  // pre_insert (the mix bus) -> output
};

struct StudioStaging
{
    std::array<TrackStaging, kNumTracks> tracks;
    std::array<BusStaging, kNumBuses> buses;
    MasterStaging master;
};

// [any] The staging of a scenario.
[[nodiscard]] const StudioStaging& stagingOf(Scenario scenario) noexcept;

} // namespace headroom::server::demo
