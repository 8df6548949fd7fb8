#include "server/engine/SnapshotJson.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <numbers>
#include <regex>

#include "dsp/Decibels.h"
#include "server/engine/EngineStatistics.h"
#include "server/engine/StatisticsLog.h"

using namespace headroom;
using nlohmann::json;

namespace
{
constexpr uint32_t kRate = 48000;

dsp::ChannelSummary sineSummary(double peakDbfs)
{
    const double a = dsp::dbToAmplitude(peakDbfs);
    dsp::ChannelSummary s;
    s.samplePeak = s.truePeak = s.ppmPeak = static_cast<float>(a);
    s.sumSquares = static_cast<float>(480.0 * a * a / 2.0);
    s.kWeightedSumSquares = static_cast<float>(480.0 * a * a / 2.0 * dsp::dbToPower(-dsp::kLoudnessOffsetDb));
    s.sumAbs = static_cast<float>(480.0 * 2.0 * a / std::numbers::pi);
    return s;
}

// gtr1 (-15 dBFS) and gtr2 (silent) into bus "guitars", with gtr1's plugin chain.
server::MeterPlan plan()
{
    server::MeterPlan p;
    const auto add = [&p](std::string node, std::string stage)
    {
        server::PlannedTap t;
        t.nodeId = std::move(node);
        t.stage = std::move(stage);
        t.numChannels = 1;
        t.layout = {dsp::ChannelRole::mono};
        t.target = server::defaultStageTarget(server::NodeKind::channel, t.stage);
        return p.addTap(std::move(t));
    };
    const std::size_t pre = add("gtr1", "pre_insert");
    const std::size_t post = add("gtr1", "post_fader");
    const std::size_t other = add("gtr2", "post_fader");
    p.addChain(pre, post);
    p.addBus("guitars", server::NodeKind::bus, 1, {dsp::ChannelRole::mono}, {post, other});
    return p;
}

struct Engine
{
    server::EngineStatistics stats;
    uint64_t sequence = 0;

    Engine() { stats.prepare(plan(), kRate); }

    void run(double seconds, const std::function<void(const server::EngineSnapshot&)>& everyTenth = {})
    {
        const std::vector<dsp::ChannelSummary> record{
            sineSummary(-15.0), sineSummary(-15.0), {}, sineSummary(-15.0)};
        for (long i = 0; i < std::lround(seconds * 100.0); ++i)
        {
            server::SubBlockHeader h;
            h.sequence = ++sequence;
            h.numFrames = 480;
            h.sampleRateHz = kRate;
            stats.addRecord(h, record);
            if (everyTenth && sequence % 10 == 0)
            {
                server::EngineSnapshot s = stats.snapshot();
                s.wallClockUnixMs = 1714566896789; // 2024-05-01T12:34:56.789Z
                everyTenth(s);
            }
        }
    }
};

// Every key snake_case, every number finite.
void expectClean(const json& j, const std::string& path = "$")
{
    static const std::regex snake("^[a-z][a-z0-9_]*$");
    if (j.is_object())
    {
        for (const auto& [key, value] : j.items())
        {
            EXPECT_TRUE(std::regex_match(key, snake)) << path << "." << key;
            expectClean(value, path + "." + key);
        }
    }
    else if (j.is_array())
    {
        for (std::size_t i = 0; i < j.size(); ++i) expectClean(j[i], path + "[" + std::to_string(i) + "]");
    }
    else if (j.is_number_float())
    {
        EXPECT_TRUE(std::isfinite(j.get<double>())) << path;
    }
}
} // namespace

TEST(SnapshotJson, DecibelsAreRoundedToHundredthsAndNonFiniteValuesAreNull)
{
    EXPECT_EQ(server::dbJson(-12.014).dump(), "-12.01");
    EXPECT_EQ(server::dbJson(-12.016).dump(), "-12.02");
    EXPECT_EQ(server::dbJson(3.0102999566).dump(), "3.01");
    EXPECT_EQ(server::dbJson(-0.001).dump(), "0.0");
    EXPECT_TRUE(server::dbJson(dsp::kMinusInfinityDb).is_null());
    EXPECT_TRUE(server::dbJson(std::numeric_limits<double>::infinity()).is_null());
    EXPECT_TRUE(server::dbJson(std::numeric_limits<double>::quiet_NaN()).is_null());
    EXPECT_EQ(server::roundedJson(0.12345, 0.001).dump(), "0.123");
}

TEST(SnapshotJson, ASnapshotEncodesWithSnakeCaseKeysAndFiniteNumbers)
{
    Engine engine;
    engine.run(2.0);
    const json j = engine.stats.snapshot();
    expectClean(j);
    EXPECT_EQ(j["rms_convention"], "aes17");
    EXPECT_EQ(j["sample_rate_hz"], 48000);
    EXPECT_EQ(j["audio_seconds"], 2.0);
    EXPECT_TRUE(j["time"].is_null()); // EngineStatistics alone has no clock
    ASSERT_EQ(j["nodes"].size(), 3u);

    const json& gtr1 = j["nodes"][0];
    EXPECT_EQ(gtr1["id"], "gtr1");
    EXPECT_EQ(gtr1["kind"], "channel");
    EXPECT_EQ(gtr1["taps"][0]["stage"], "pre_insert");
    EXPECT_EQ(gtr1["taps"][0]["level_dbfs"], -15.0);
    EXPECT_EQ(gtr1["taps"][0]["headroom_db"], 15.0);
    EXPECT_EQ(gtr1["taps"][0]["target"]["range"]["average_min_dbfs"], -21.0);
    EXPECT_EQ(gtr1["taps"][0]["target"]["average_distance_db"], 0.0);
    EXPECT_EQ(gtr1["taps"][0]["channels"][0]["rms_dbfs"], -15.0);
    EXPECT_EQ(gtr1["taps"][1]["target"], nullptr); // post_fader has no target
    EXPECT_EQ(gtr1["chain"]["gain_db"], 0.0);
    EXPECT_EQ(gtr1["bus"], nullptr);

    const json& gtr2 = j["nodes"][1];
    EXPECT_EQ(gtr2["taps"][0]["level_dbfs"], nullptr);                    // silence: -inf
    EXPECT_EQ(gtr2["taps"][0]["headroom_db"], nullptr);                   // +inf
    EXPECT_EQ(gtr2["taps"][0]["loudness"]["loudness_range_lu"], nullptr); // NaN

    const json& bus = j["nodes"][2]["bus"];
    EXPECT_EQ(bus["members"][0]["node"], "gtr1");
    EXPECT_EQ(bus["members"][0]["share"], 1.0);
    EXPECT_EQ(bus["members"][1]["share"], 0.0);
    EXPECT_EQ(bus["measured_tap"], nullptr);
    EXPECT_EQ(bus["summed_headroom_db"], 15.0);
}

TEST(SnapshotJson, TheLogWritesOneLinePerNodePerSecondOfAudio)
{
    const auto path = std::filesystem::temp_directory_path() /
                      ("headroom-log-test-" + std::to_string(::getpid()) + ".jsonl");
    std::filesystem::remove(path);
    {
        server::StatisticsLog log(path.string());
        Engine engine;
        engine.run(3.0, [&](const server::EngineSnapshot& s) { log.write(s); }); // snapshots at 10 Hz
        EXPECT_EQ(log.linesWritten(), 4u * 3u); // seconds 0 (at 0.1 s), 1, 2, 3 (at 3.0 s); 3 nodes
        EXPECT_EQ(log.writeErrors(), 0u);
    }
    std::ifstream in(path);
    std::string line;
    std::vector<json> lines;
    while (std::getline(in, line)) lines.push_back(json::parse(line));
    std::filesystem::remove(path);
    ASSERT_EQ(lines.size(), 12u);
    EXPECT_EQ(lines[0]["node"], "gtr1");
    EXPECT_EQ(lines[0]["time"], "2024-05-01T12:34:56.789Z");
    EXPECT_EQ(lines[0]["audio_seconds"], 0.1);
    EXPECT_EQ(lines[3]["audio_seconds"], 1.0);
    EXPECT_EQ(lines[3]["xruns"], 0); // the offline engine has none
    EXPECT_EQ(lines[2]["node"], "guitars");
    EXPECT_EQ(lines[2]["kind"], "bus");
    EXPECT_TRUE(lines[2].contains("bus"));
    EXPECT_EQ(lines[5]["taps"][0]["max_true_peak_dbtp"], -15.0);
    EXPECT_TRUE(lines[5]["taps"][0]["loudness"].contains("integrated_lufs"));
    EXPECT_FALSE(lines[5]["taps"][0]["channels"][0].contains("vu_dbfs")); // no fast meters in the log
    for (const json& l : lines) expectClean(l);
}

TEST(SnapshotJson, EveryLogLineCarriesTheXrunCountSoAReadingAcrossAnXrunCanBeTold)
{
    Engine engine;
    engine.run(1.0);
    server::EngineSnapshot snapshot = engine.stats.snapshot();
    snapshot.counters.xruns = 7;
    const json line = server::logLineJson(snapshot, snapshot.nodes.at(0));
    EXPECT_EQ(line["xruns"], 7);
    EXPECT_EQ(line["node"], "gtr1");
}

TEST(SnapshotJson, AnUnwritableLogPathIsReportedWithItsName)
{
    try
    {
        server::StatisticsLog log("/nonexistent-dir/headroom.jsonl");
        FAIL() << "expected an exception";
    }
    catch (const std::runtime_error& e)
    {
        EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/headroom.jsonl"), std::string::npos);
    }
}

TEST(SnapshotJson, TheStatisticsFormLeavesTheFastMetersToTheMeterFrames)
{
    Engine engine;
    engine.run(1.0);
    const server::EngineSnapshot s = engine.stats.snapshot();
    const json full = s;
    const json lean = server::statisticsJson(s);
    expectClean(lean);
    EXPECT_EQ(lean["sequence"], full["sequence"]);
    EXPECT_EQ(lean["nodes"][0]["taps"][0]["level_dbfs"], -15.0);
    EXPECT_EQ(lean["nodes"][0]["chain"], full["nodes"][0]["chain"]);
    EXPECT_EQ(lean["nodes"][2]["bus"], full["nodes"][2]["bus"]);
    EXPECT_TRUE(full["nodes"][0]["taps"][0]["channels"][0].contains("vu_dbfs"));
    EXPECT_FALSE(lean["nodes"][0]["taps"][0]["channels"][0].contains("vu_dbfs"));
    EXPECT_LT(lean.dump().size(), full.dump().size());
}
