// The demo studio (server/demo/) rendered offline, without JACK, and metered by the engine itself:
// deploy/sessions/demo.json planned as `headroom serve` plans it (planLiveSession), every port the
// session reads rendered by DemoStudio, fed through RealtimeMeter and EngineStatistics with the
// live 10 s "recent" window, and snapshots taken every second over a whole 32 s song cycle. The
// clean scenario must be in range at every tap at every snapshot; each faulty scenario must show
// its fault and only that one.
#include "server/demo/DemoStudio.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "dsp/SubBlockClock.h"
#include "server/audio/RealtimeMeter.h"
#include "server/engine/EngineStatistics.h"
#include "server/engine/SessionParser.h"
#include "server/engine/SessionPlanner.h"

using namespace headroom;
using namespace headroom::server;
using demo::Scenario;

namespace
{
constexpr uint32_t kRate = 48000;
constexpr const char* kClient = "headroom-demo";

std::string demoSessionPath()
{
    return std::string(HEADROOM_SOURCE_DIR) + "/deploy/sessions/demo.json";
}

// The demo's tap behind each meter channel of the live plan (the session names the demo's ports).
std::vector<demo::TapRef> outputsFor(const LivePlan& live)
{
    std::vector<demo::TapRef> outputs;
    for (const JackPortSpec& port : live.ports)
    {
        const std::string& source = port.sources.at(0);
        const std::string prefix = std::string(kClient) + ":";
        EXPECT_EQ(source.rfind(prefix, 0), 0u) << source;
        const auto tap = demo::parsePortShortName(source.substr(prefix.size()));
        EXPECT_TRUE(tap.has_value()) << source;
        outputs.push_back(tap.value_or(demo::TapRef{}));
    }
    return outputs;
}

// Everything measured at one moment: per (node, stage) the tap statistics, per node chain and bus.
struct Moment
{
    double seconds = 0.0;
    EngineSnapshot snapshot;

    [[nodiscard]] const TapStats& tap(const std::string& node, const std::string& stage) const
    {
        for (const NodeStats& n : snapshot.nodes)
            if (n.id == node)
                for (const TapStats& t : n.taps)
                    if (t.stage == stage) return t;
        throw std::out_of_range("no tap " + node + "/" + stage);
    }
    [[nodiscard]] const NodeStats& node(const std::string& id) const
    {
        for (const NodeStats& n : snapshot.nodes)
            if (n.id == id) return n;
        throw std::out_of_range("no node " + id);
    }
};

// Renders a scenario through the engine: one snapshot per second from firstSnapshotS to totalS.
// Blocks of an odd size (a JACK period need not be a power of two).
std::vector<Moment> measure(Scenario scenario, double totalSeconds = 44.0, double firstSnapshotSeconds = 12.0,
                            const std::function<void(demo::DemoStudio&, double)>& atEachSecond = {})
{
    const Session session = parseSessionFile(demoSessionPath());
    const LivePlan live = planLiveSession(session, "headroom");
    demo::DemoStudio studio;
    studio.prepare(kRate, scenario, outputsFor(live));

    constexpr std::size_t kBlock = 333;
    RealtimeMeter meter;
    meter.prepare(live.plan, kRate, live.tapConfig, kBlock / (kRate / dsp::kSubBlocksPerSecond) + 4);
    EngineStatistics statistics;
    statistics.prepare(live.plan, kRate); // the live settings: 10 s recent window

    std::vector<std::vector<float>> buffers(live.ports.size(), std::vector<float>(kBlock));
    std::vector<float*> outputs;
    for (auto& b : buffers) outputs.push_back(b.data());
    std::vector<const float*> inputs(outputs.begin(), outputs.end());

    std::vector<Moment> moments;
    const auto total = static_cast<uint64_t>(totalSeconds * kRate);
    uint64_t done = 0;
    uint64_t nextSecond = kRate;
    while (done < total)
    {
        const std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(kBlock, total - done));
        studio.render(outputs.data(), n);
        meter.process(inputs.data(), n);
        done += n;
        SummaryQueue& queue = meter.queue();
        while (const SubBlockHeader* record = queue.tryBeginRead())
        {
            statistics.addRecord(*record, queue.summariesOf(record));
            queue.commitRead();
        }
        if (done >= nextSecond)
        {
            const double seconds = static_cast<double>(nextSecond) / kRate;
            nextSecond += kRate;
            if (atEachSecond) atEachSecond(studio, seconds);
            if (seconds >= firstSnapshotSeconds) moments.push_back({seconds, statistics.snapshot()});
        }
    }
    EXPECT_EQ(meter.counters().recordsDropped, 0u);
    return moments;
}

const std::vector<Moment>& measured(Scenario scenario)
{
    static std::map<Scenario, std::vector<Moment>> cache; // each scenario rendered once per run
    auto it = cache.find(scenario);
    if (it == cache.end()) it = cache.emplace(scenario, measure(scenario)).first;
    return it->second;
}

// What is out of range at one moment, one line each ("vocal/input: average -9.1 above -12").
std::set<std::string> faults(const Moment& m)
{
    std::set<std::string> found;
    for (const NodeStats& n : m.snapshot.nodes)
    {
        for (const TapStats& t : n.taps)
        {
            if (!t.target) continue;
            const TargetStats& g = *t.target;
            if (std::isfinite(g.averageDistanceDb) && g.averageDistanceDb > 0.0)
                found.insert(n.id + "/" + t.stage + ": average too high");
            if (std::isfinite(g.averageDistanceDb) && g.averageDistanceDb < 0.0)
                found.insert(n.id + "/" + t.stage + ": average too low");
            if (g.headroomToTargetDb < 0.0) found.insert(n.id + "/" + t.stage + ": peaks over");
        }
        if (n.chain && std::isfinite(n.chain->gainDb) && n.chain->gainDb > 3.0)
            found.insert(n.id + ": chain gain over 3 dB");
        if (n.bus && std::isfinite(n.bus->measuredMinusPredictedDb) &&
            std::abs(n.bus->measuredMinusPredictedDb) > 0.5)
            found.insert(n.id + ": measured bus input differs from its members");
    }
    // The mix delivered to mastering (docs/SESSION.md, delivery): peaks -6..-3 dBTP, and once the
    // integrated loudness has a whole cycle behind it, -18..-16 LUFS.
    const TapStats& out = m.tap("master", "output");
    if (out.maxTruePeakDbtp > -3.0) found.insert("master/output: delivery peaks over -3");
    if (out.maxTruePeakDbtp < -6.0) found.insert("master/output: delivery peaks under -6");
    if (m.seconds >= 32.0 && out.loudness.integratedLufs > -16.0)
        found.insert("master/output: louder than -16 LUFS");
    if (m.seconds >= 32.0 && out.loudness.integratedLufs < -18.0)
        found.insert("master/output: quieter than -18 LUFS");
    return found;
}

std::string joined(const std::set<std::string>& lines)
{
    std::string s;
    for (const std::string& l : lines) s += "\n  " + l;
    return s;
}

// Every fault seen at any moment of the scenario.
std::set<std::string> allFaults(Scenario scenario)
{
    std::set<std::string> all;
    for (const Moment& m : measured(scenario))
        for (const std::string& f : faults(m)) all.insert(f);
    return all;
}

// On failure: every tap's average (lowest..highest over the moments), true peak and loudness, so
// a staging change can be judged from the log.
void printLevels(Scenario scenario)
{
    const std::vector<Moment>& moments = measured(scenario);
    const Moment& m = moments.back();
    std::printf("%s, averages over %zu moments, the rest at %.0f s:\n",
                std::string(demo::scenarioName(scenario)).c_str(), moments.size(), m.seconds);
    for (const NodeStats& n : m.snapshot.nodes)
    {
        for (const TapStats& t : n.taps)
        {
            double low = 1e9, high = -1e9;
            for (const Moment& each : moments)
            {
                const double a = each.tap(n.id, t.stage).averageDbfs;
                low = std::min(low, a);
                high = std::max(high, a);
            }
            std::printf("  %-10s %-14s avg %6.1f..%6.1f  maxTP %6.1f  crest %5.1f  I %6.1f  PLR %5.1f\n",
                        n.id.c_str(), t.stage.c_str(), low, high, t.maxTruePeakDbtp, t.crestFactorDb,
                        t.loudness.integratedLufs, t.loudness.plrDb);
        }
        if (n.chain) std::printf("  %-10s chain gain %.1f dB\n", n.id.c_str(), n.chain->gainDb);
        if (n.bus)
            std::printf("  %-10s bus: predicted %.1f measured-predicted %.2f\n", n.id.c_str(),
                        n.bus->predictedDbfs, n.bus->measuredMinusPredictedDb);
    }
}

void expectOnlyFaults(Scenario scenario, const std::set<std::string>& allowed,
                      const std::set<std::string>& required)
{
    const std::set<std::string> seen = allFaults(scenario);
    std::set<std::string> unexpected;
    for (const std::string& f : seen)
        if (allowed.count(f) == 0) unexpected.insert(f);
    EXPECT_TRUE(unexpected.empty()) << demo::scenarioName(scenario)
                                    << " shows faults it must not:" << joined(unexpected);
    for (const std::string& f : required)
        EXPECT_TRUE(seen.count(f) == 1)
            << demo::scenarioName(scenario) << " misses its fault: " << f << "; seen:" << joined(seen);
    // HEADROOM_DEMO_LEVELS=1 prints the table anyway: what a staging change is tuned with.
    if (::testing::Test::HasFailure() || std::getenv("HEADROOM_DEMO_LEVELS") != nullptr)
        printLevels(scenario);
}
} // namespace

TEST(DemoStudio, PortNamesRoundTripAndTheSessionPlaysEveryDemoTap)
{
    std::set<std::string> names;
    for (const demo::TapRef& tap : demo::allTaps())
    {
        const std::string name = demo::portShortName(tap);
        EXPECT_TRUE(names.insert(name).second) << name;
        const auto back = demo::parsePortShortName(name);
        ASSERT_TRUE(back.has_value()) << name;
        EXPECT_EQ(*back, tap);
    }
    EXPECT_TRUE(names.count("vocal/input/1"));
    EXPECT_TRUE(names.count("master/output/2"));
    EXPECT_FALSE(demo::parsePortShortName("master/post_fader/1").has_value()); // the master has no fader tap
    EXPECT_FALSE(demo::parsePortShortName("kick/input/2").has_value());        // the kick is mono
    EXPECT_FALSE(demo::parsePortShortName("drums/input/1").has_value());       // a bus has no input tap

    // demo.json taps every point the demo plays, each port once, and as our own port names.
    const LivePlan live = planLiveSession(parseSessionFile(demoSessionPath()), "headroom");
    std::set<std::string> sources;
    for (const JackPortSpec& port : live.ports)
    {
        ASSERT_EQ(port.sources.size(), 1u);
        sources.insert(port.sources[0]);
        EXPECT_EQ(port.sources[0], std::string(kClient) + ":" + port.shortName)
            << "serve's port and the demo's differ";
    }
    EXPECT_EQ(sources.size(), names.size());
    EXPECT_TRUE(live.warnings.empty()) << live.warnings.front();
}

TEST(DemoStudio, ScenarioNamesRoundTrip)
{
    for (std::size_t i = 0; i < demo::kNumScenarios; ++i)
    {
        const auto s = static_cast<Scenario>(i);
        EXPECT_EQ(demo::scenarioFromName(demo::scenarioName(s)), s);
        EXPECT_NE(std::string(demo::scenarioNames()).find(demo::scenarioName(s)), std::string::npos);
        EXPECT_FALSE(demo::scenarioSummary(s).empty());
    }
    EXPECT_FALSE(demo::scenarioFromName("loud").has_value());
}

TEST(DemoStudio, RenderingDoesNotDependOnThePeriodSize)
{
    const std::vector<demo::TapRef> taps = demo::allTaps();
    const auto render = [&](std::size_t block)
    {
        demo::DemoStudio studio;
        studio.prepare(kRate, Scenario::gainStacking, taps);
        const std::size_t total = kRate * 3; // three seconds: drums, notes, compressors at work
        std::vector<std::vector<float>> out(taps.size(), std::vector<float>(total));
        for (std::size_t done = 0; done < total;)
        {
            const std::size_t n = std::min(block, total - done);
            std::vector<float*> pointers;
            for (auto& o : out) pointers.push_back(o.data() + done);
            studio.render(pointers.data(), n);
            done += n;
        }
        return out;
    };
    const auto reference = render(1);
    for (std::size_t block : {64u, 333u, 8192u}) EXPECT_TRUE(render(block) == reference) << "block " << block;
    double energy = 0.0;
    for (float x : reference[0]) energy += static_cast<double>(x) * x;
    EXPECT_GT(energy, 0.0);
    for (const auto& channel : reference)
        for (float x : channel) ASSERT_TRUE(std::isfinite(x) && std::abs(x) <= 1.0f);
}

TEST(DemoScenarios, CleanMixIsInRangeAtEveryTapThroughTheWholeSong)
{
    expectOnlyFaults(Scenario::clean, {}, {});
    // and every tap carries signal
    for (const NodeStats& n : measured(Scenario::clean).back().snapshot.nodes)
        for (const TapStats& t : n.taps) EXPECT_GT(t.averageDbfs, -40.0) << n.id << "/" << t.stage;
}

TEST(DemoScenarios, HotVocalIsTooHotAtTheVocalInputOnly)
{
    expectOnlyFaults(Scenario::hotVocal, {"vocal/input: average too high", "vocal/input: peaks over"},
                     {"vocal/input: peaks over"});
    const Moment& m = measured(Scenario::hotVocal).back();
    EXPECT_GT(m.tap("vocal", "input").maxTruePeakDbtp, -1.0);
}

TEST(DemoScenarios, GainStackingShowsInTheChainsOnly)
{
    expectOnlyFaults(Scenario::gainStacking, {"vocal: chain gain over 3 dB", "guitar1: chain gain over 3 dB"},
                     {"vocal: chain gain over 3 dB", "guitar1: chain gain over 3 dB"});
    const Moment& m = measured(Scenario::gainStacking).back();
    EXPECT_GT(m.node("vocal").chain->gainDb, 6.0);
    EXPECT_LT(measured(Scenario::clean).back().node("vocal").chain->gainDb, 3.0);
}

TEST(DemoScenarios, OverdrivenDrumBusIsTooHotAtTheBusInputOnly)
{
    // Peaks over full scale at the bus input come with it (a float bus does not clip, its meter does).
    expectOnlyFaults(Scenario::drumBusOverdriven,
                     {"drums/pre_insert: average too high", "drums/pre_insert: peaks over"},
                     {"drums/pre_insert: average too high"});
    for (const Moment& m : measured(Scenario::drumBusOverdriven))
        EXPECT_GT(m.tap("drums", "pre_insert").averageDbfs, -15.0) << "at " << m.seconds << " s";
}

TEST(DemoScenarios, MixBusInTheRedPeaksOverTheMixBusTargetWhileTheChannelsAreFine)
{
    expectOnlyFaults(Scenario::mixBusRed,
                     {"master/pre_insert: peaks over", "master/pre_insert: average too high",
                      "master/output: delivery peaks over -3", "master/output: louder than -16 LUFS"},
                     {"master/pre_insert: peaks over", "master/output: delivery peaks over -3"});
    EXPECT_GT(measured(Scenario::mixBusRed).back().tap("master", "pre_insert").maxTruePeakDbtp, -3.0);
}

TEST(DemoScenarios, LimitedMixHasPeaksPinnedAtTheCeilingAndNoDynamics)
{
    expectOnlyFaults(Scenario::limitedMix,
                     {"master/output: delivery peaks over -3", "master/output: louder than -16 LUFS"},
                     {"master/output: delivery peaks over -3", "master/output: louder than -16 LUFS"});
    const TapStats& limited = measured(Scenario::limitedMix).back().tap("master", "output");
    const TapStats& clean = measured(Scenario::clean).back().tap("master", "output");
    EXPECT_GE(limited.maxTruePeakDbtp, -1.0);
    EXPECT_LT(limited.loudness.plrDb, 9.0);
    EXPECT_LT(limited.crestFactorDb, clean.crestFactorDb - 3.0);
    std::printf("limited mix output: max true peak %.1f dBTP, integrated %.1f LUFS, PLR %.1f dB, crest %.1f "
                "dB (clean %.1f)\n",
                limited.maxTruePeakDbtp, limited.loudness.integratedLufs, limited.loudness.plrDb,
                limited.crestFactorDb, clean.crestFactorDb);
}

TEST(DemoScenarios, SwitchingScenarioLiveGlidesToTheNewStaging)
{
    // clean for 12 s, then hot-vocal: the vocal input peaks must reach the ceiling within a second
    // or two, and the sample stream must stay finite and within full scale.
    bool switched = false;
    const auto moments = measure(Scenario::clean, 16.0, 11.0,
                                 [&](demo::DemoStudio& studio, double seconds)
                                 {
                                     if (seconds >= 12.0 && !switched)
                                     {
                                         studio.requestScenario(Scenario::hotVocal);
                                         switched = true;
                                     }
                                 });
    ASSERT_GE(moments.size(), 5u);
    EXPECT_LT(moments.front().tap("vocal", "input").maxTruePeakDbtp, -6.0);
    EXPECT_GT(moments.back().tap("vocal", "input").maxTruePeakDbtp, -3.0);
    EXPECT_LT(moments.back().tap("vocal", "pre_insert").averageDbfs, -15.0); // the trim followed
}
