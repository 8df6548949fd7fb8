#include "server/demo/DemoScenario.h"

namespace headroom::server::demo
{
namespace
{
constexpr std::string_view kNames[kNumScenarios] = {
    "clean", "hot-vocal", "gain-stacking", "drum-bus-overdriven", "mix-bus-red", "limited-mix"};
constexpr std::string_view kSummaries[kNumScenarios] = {
    "a clean, well-staged mix: every stage in range",
    "the lead vocal recorded too hot: peaks at the converter's ceiling (trimmed back down after)",
    "EQ boost and compressor make-up stacking 9-10 dB through the vocal and rhythm guitar chains",
    "drum faders 9 dB up: the drum bus input far above -18 dBFS, its compressor clamping hard",
    "the faders feeding the mix bus 10 dB too high: the mix bus peaks in the red",
    "the mix bus compressor set as a brick-wall limiter with make-up: peaks pinned near 0 dBFS",
};

constexpr std::size_t track(Track t)
{
    return static_cast<std::size_t>(t);
}

constexpr CompressorSettings gentle(float thresholdDb, float ratio = 2.0f)
{
    return {thresholdDb, ratio, 10.0f, 150.0f};
}

// The clean mix. Recording gains put each input's average in -18..-12 dBFS (drums, whose average
// sits far under their peaks, have their own floor in demo.json) with peaks under -6; trims bring
// every plugin input to about -18; chains give back about what they take (within 3 dB); faders
// set the balance with the buses entering their processing near -18 and the mix bus peaking
// around -6 with an average near -18.
constexpr StudioStaging makeClean()
{
    StudioStaging s{};
    //                             record  trim   chain: eq, compressor, make-up, knee        fader
    s.tracks[track(Track::kick)] = {-9.5f, -2.0f, {1.0f, gentle(-14.0f), 1.0f, -1.0f}, -1.0f};
    s.tracks[track(Track::snare)] = {-10.0f, 3.0f, {1.0f, gentle(-14.0f), 1.0f, -1.0f}, -4.0f};
    s.tracks[track(Track::hats)] = {-7.0f, 1.0f, {0.0f, gentle(0.0f, 1.0f), 0.0f, -1.0f}, -8.0f};
    s.tracks[track(Track::overheads)] = {-7.0f, 1.0f, {1.0f, gentle(-14.0f), 0.5f, -1.0f}, -6.0f};
    s.tracks[track(Track::bass)] = {-9.0f, -2.0f, {1.0f, gentle(-18.0f, 3.0f), 2.0f, -3.0f}, -10.5f};
    s.tracks[track(Track::guitar1)] = {-11.5f, -3.0f, {1.0f, gentle(-18.0f), 1.0f, -3.0f}, -10.0f};
    s.tracks[track(Track::guitar2)] = {-9.0f, -3.0f, {1.0f, gentle(-18.0f), 1.0f, -3.0f}, -11.0f};
    s.tracks[track(Track::keys)] = {-11.5f, -3.0f, {0.0f, gentle(0.0f, 1.0f), 0.0f, -3.0f}, -13.5f};
    s.tracks[track(Track::vocal)] = {-10.5f, -3.0f, {1.5f, gentle(-20.0f, 3.0f), 2.0f, -3.0f}, 1.0f};
    s.tracks[track(Track::backing)] = {-11.5f, -3.5f, {1.0f, gentle(-18.0f), 1.0f, -3.0f}, -4.0f};
    s.buses[static_cast<std::size_t>(Bus::drums)] = {{0.0f, {-16.0f, 3.0f, 3.0f, 120.0f}, 2.0f, -1.0f},
                                                     -8.5f};
    s.buses[static_cast<std::size_t>(Bus::vocals)] = {{0.5f, gentle(-16.0f, 1.5f), 0.5f, -3.0f}, -5.5f};
    s.master.chain = {0.5f, gentle(-12.0f, 1.5f), 2.0f, -1.0f};
    return s;
}

constexpr StudioStaging makeHotVocal()
{
    StudioStaging s = makeClean();
    // 10 dB more interface gain: the loudest notes reach the converter's ceiling; the trim takes
    // the 10 dB back, so the plugins, the fader and the mix are as before: the fault is only where
    // it happened, at the input (and what clipped there stays clipped).
    s.tracks[track(Track::vocal)].recordDb += 10.0f;
    s.tracks[track(Track::vocal)].trimDb -= 10.0f;
    return s;
}

constexpr StudioStaging makeGainStacking()
{
    StudioStaging s = makeClean();
    // EQ +4 dB and compressor make-up +6 dB left uncompensated, the faders pulled down to keep the
    // balance: the chains' outputs run 9-10 dB over their inputs.
    for (Track t : {Track::vocal, Track::guitar1})
    {
        TrackStaging& ts = s.tracks[track(t)];
        ts.chain.eqGainDb += 4.0f;
        ts.chain.makeupDb += 6.0f;
        ts.faderDb -= 8.0f;
    }
    return s;
}

constexpr StudioStaging makeDrumBusOverdriven()
{
    StudioStaging s = makeClean();
    // Every drum fader 9 dB up: each drum is fine, their sum is not. The bus compressor (fed far
    // too hot) clamps hard, and the bus fader is pulled down so the mix barely changes.
    for (Track t : {Track::kick, Track::snare, Track::hats, Track::overheads})
        s.tracks[track(t)].faderDb += 9.0f;
    BusStaging& drums = s.buses[static_cast<std::size_t>(Bus::drums)];
    drums.faderDb -= 3.5f;
    return s;
}

constexpr StudioStaging makeMixBusRed()
{
    StudioStaging s = makeClean();
    // The faders that feed the mix bus 10 dB up (the guide's "multiple tracks all running hot"):
    // the bus inputs stay as they were, the mix bus peaks at 0 dBFS.
    for (Track t : {Track::bass, Track::guitar1, Track::guitar2, Track::keys})
        s.tracks[track(t)].faderDb += 10.0f;
    for (BusStaging& b : s.buses) b.faderDb += 10.0f;
    return s;
}

constexpr StudioStaging makeLimitedMix()
{
    StudioStaging s = makeClean();
    // The mix bus compressor as a brick-wall limiter: threshold -24 dBFS, ratio 30:1, instant attack,
    // +23 dB make-up into a saturation knee at -1 dBFS: the output's peaks sit at the ceiling
    // and its crest factor collapses.
    s.master.chain = {0.0f, {-24.0f, 30.0f, 0.0f, 40.0f}, 23.0f, -1.0f};
    return s;
}

constexpr std::array<StudioStaging, kNumScenarios> kStagings = {
    makeClean(),     makeHotVocal(),   makeGainStacking(), makeDrumBusOverdriven(),
    makeMixBusRed(), makeLimitedMix(),
};
} // namespace

std::string_view scenarioName(Scenario scenario) noexcept
{
    const auto i = static_cast<std::size_t>(scenario);
    return i < kNumScenarios ? kNames[i] : std::string_view("?");
}

std::optional<Scenario> scenarioFromName(std::string_view name) noexcept
{
    for (std::size_t i = 0; i < kNumScenarios; ++i)
        if (kNames[i] == name) return static_cast<Scenario>(i);
    return std::nullopt;
}

std::string_view scenarioNames() noexcept
{
    return "clean|hot-vocal|gain-stacking|drum-bus-overdriven|mix-bus-red|limited-mix";
}

std::string_view scenarioSummary(Scenario scenario) noexcept
{
    const auto i = static_cast<std::size_t>(scenario);
    return i < kNumScenarios ? kSummaries[i] : std::string_view();
}

const StudioStaging& stagingOf(Scenario scenario) noexcept
{
    const auto i = static_cast<std::size_t>(scenario);
    return kStagings[i < kNumScenarios ? i : 0];
}

} // namespace headroom::server::demo
