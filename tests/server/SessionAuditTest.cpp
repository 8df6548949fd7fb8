// The offline audit: stems written here with libsndfile, one per tap, run through auditSession()
// (the live engine's planner, RealtimeMeter and EngineStatistics) and read back from its snapshot.
#include "server/analyze/SessionAudit.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "server/analyze/FileAnalysis.h"
#include "server/analyze/SessionAuditReport.h"
#include "server/engine/SessionParser.h"
#include "server/engine/SnapshotJson.h"
#include "tests/support/AnalyzeRunner.h"
#include "tests/support/SoundFiles.h"
#include "tests/support/TestSignals.h"

using namespace headroom;
using nlohmann::json;
using server::SessionAuditError;
using server::SessionAuditResult;

namespace
{
constexpr uint32_t kRate = 48000;
constexpr int kFloatWav = SF_FORMAT_WAV | SF_FORMAT_FLOAT;

std::vector<float> tone(double levelDb, double seconds = 3.0, uint32_t rate = kRate)
{
    return test::sine(rate, 1000.0, levelDb, seconds);
}

std::vector<float> scaled(std::vector<float> x, double gainDb)
{
    const auto g = static_cast<float>(std::pow(10.0, gainDb / 20.0));
    for (float& v : x) v *= g;
    return x;
}

std::vector<float> summed(const std::vector<float>& a, const std::vector<float>& b)
{
    std::vector<float> s(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) s[i] = a[i] + b[i];
    return s;
}

class SessionAudit : public ::testing::Test
{
protected:
    // Writes a stem into the session's folder; returns the name a session refers to it by.
    std::string stem(const std::string& name, const std::vector<std::vector<float>>& channels,
                     uint32_t rate = kRate)
    {
        test::writeSoundFile(dir_.file(name), test::channelsOf(rate, channels), kFloatWav);
        return name;
    }

    [[nodiscard]] std::string folder() const
    {
        return std::filesystem::path(dir_.file("x")).parent_path().string();
    }

    server::Session parse(const json& doc) const
    {
        return server::parseSessionText(doc.dump(), "studio.json", folder());
    }

    SessionAuditResult audit(const json& doc, std::size_t blockFrames = 4096) const
    {
        server::AuditOptions options;
        options.blockFrames = blockFrames;
        return server::auditSession(parse(doc), options);
    }

    // The error lines of an audit that must fail.
    std::vector<std::string> auditErrors(const json& doc) const
    {
        try
        {
            (void)audit(doc);
        }
        catch (const SessionAuditError& e)
        {
            return e.errors();
        }
        ADD_FAILURE() << "the audit did not fail";
        return {};
    }

    test::TempDir dir_;
};

json file(const std::string& name)
{
    return {{"file", name}};
}

// Two stereo guitars into a bus; the bus input tapped when busInput names a file.
json guitarSession(const std::string& busInput = "")
{
    json doc = {
        {"name", "Guitars"},
        {"room", "B"},
        {"channels",
         {{{"id", "gtr1"}, {"channels", 2}, {"bus", "guitars"}, {"taps", {{"post_fader", file("gtr1.wav")}}}},
          {{"id", "gtr2"},
           {"channels", 2},
           {"bus", "guitars"},
           {"taps", {{"post_fader", file("gtr2.wav")}}}}}},
        {"buses", {{{"id", "guitars"}, {"label", "Guitar bus"}, {"to", "master"}, {"taps", json::object()}}}},
        {"master", json::object()}};
    if (!busInput.empty()) doc["buses"][0]["taps"]["pre_insert"] = file(busInput);
    return doc;
}

const server::NodeStats& node(const SessionAuditResult& r, const std::string& id)
{
    for (const server::NodeStats& n : r.snapshot.nodes)
        if (n.id == id) return n;
    throw std::out_of_range("no node " + id);
}

const server::TapStats& tap(const SessionAuditResult& r, const std::string& id, const std::string& stage)
{
    for (const server::TapStats& t : node(r, id).taps)
        if (t.stage == stage) return t;
    throw std::out_of_range("no tap " + id + "/" + stage);
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}
} // namespace

// --- Figures -------------------------------------------------------------------------------------

TEST_F(SessionAudit, VirtualBusOfTwoCoherentMinus18DbfsStemsReadsMinus12WithEqualShares)
{
    const std::vector<float> g = tone(-18.0);
    stem("gtr1.wav", {g, g});
    stem("gtr2.wav", {g, g});
    const SessionAuditResult r = audit(guitarSession());

    const server::TapStats& bus = tap(r, "guitars", "pre_insert");
    EXPECT_TRUE(bus.isVirtual);
    EXPECT_NEAR(bus.averageDbfs, -12.0, 0.1); // AES17: the coherent sum's peak level, -18 + 6.02
    ASSERT_TRUE(node(r, "guitars").bus.has_value());
    const server::BusStats& b = *node(r, "guitars").bus;
    ASSERT_EQ(b.members.size(), 2u);
    EXPECT_NEAR(b.members[0].share, 0.5, 0.001);
    EXPECT_NEAR(b.members[1].share, 0.5, 0.001);
    EXPECT_NEAR(b.predictedDbfs, -12.0, 0.1);
    EXPECT_NEAR(b.summingGainDb, 3.01, 0.02); // two equal coherent members
    EXPECT_FALSE(b.measuredTap.has_value());
    EXPECT_EQ(r.snapshot.counters.droppedRecords, 0u);
    EXPECT_EQ(r.snapshot.counters.sequenceGaps, 0u);
    EXPECT_EQ(r.snapshot.counters.records, 300u); // 3 s of 10 ms sub-blocks, nothing padded
    for (const std::string& w : r.warnings) EXPECT_FALSE(contains(w, "skips")) << w; // every tap is a file
}

TEST_F(SessionAudit, MonoMembersReachAStereoBusPannedCentreAtMinus3Db)
{
    const std::vector<float> g = tone(-18.0);
    stem("gtr1.wav", {g});
    stem("gtr2.wav", {g});
    json doc = guitarSession();
    doc["channels"][0]["channels"] = 1;
    doc["channels"][1]["channels"] = 1;
    const SessionAuditResult r = audit(doc);
    EXPECT_NEAR(tap(r, "guitars", "pre_insert").averageDbfs, -15.0, 0.1); // (-18 - 3) + 6
}

TEST_F(SessionAudit, ChainGainOfAChannelIsPostInsertMinusPreInsert)
{
    stem("pre.wav", {tone(-18.0)});
    stem("post.wav", {tone(-12.0)});
    const json doc = {{"name", "Vocal"},
                      {"room", "B"},
                      {"channels",
                       {{{"id", "vox"},
                         {"bus", "master"},
                         {"inserts", {{{"name", "EQ"}, {"kind", "eq"}}}},
                         {"taps", {{"pre_insert", file("pre.wav")}, {"post_insert", file("post.wav")}}}}}},
                      {"master", json::object()}};
    const SessionAuditResult r = audit(doc);
    ASSERT_TRUE(node(r, "vox").chain.has_value());
    EXPECT_NEAR(node(r, "vox").chain->gainSinceResetDb, 6.0, 0.1);
    EXPECT_NEAR(node(r, "vox").chain->gainDb, 6.0, 0.1); // the "recent" window spans the whole audit
    EXPECT_NEAR(node(r, "vox").chain->activeSeconds, 3.0, 0.001);
    EXPECT_NEAR(tap(r, "vox", "pre_insert").target->inRangeSeconds, 3.0, 0.001); // -18: plugin input
}

TEST_F(SessionAudit, FiguresCoverTheWholeAuditNotTheLastTenSeconds)
{
    // 12 s: the chain adds 6 dB for 6 s, then nothing. Whole audit: energy (4 + 1) / 2 -> +3.98 dB;
    // the live meter's last 10 s would read (4 * 4 + 6) / 10 -> +3.42 dB.
    const std::vector<float> pre = tone(-18.0, 12.0);
    std::vector<float> post = tone(-18.0, 12.0);
    for (std::size_t n = 0; n < post.size() / 2; ++n) post[n] *= 2.0f;
    stem("pre.wav", {pre});
    stem("post.wav", {post});
    const json doc = {{"name", "Vocal"},
                      {"room", "B"},
                      {"channels",
                       {{{"id", "vox"},
                         {"bus", "master"},
                         {"taps", {{"pre_insert", file("pre.wav")}, {"post_insert", file("post.wav")}}}}}},
                      {"master", json::object()}};
    const SessionAuditResult r = audit(doc);
    EXPECT_NEAR(node(r, "vox").chain->gainDb, 3.98, 0.05);
    EXPECT_NEAR(node(r, "vox").chain->gainSinceResetDb, 3.98, 0.05);
    EXPECT_NEAR(tap(r, "vox", "post_insert").averageDbfs, -18.0 + 3.98, 0.05);
}

TEST_F(SessionAudit, MasterPreInsertStereoToneAtMinus23DbfsReadsMinus23Lufs)
{
    const std::vector<float> t = tone(-23.0, 5.0);
    stem("mix.wav", {t, t});
    const json doc = {{"name", "Mix"},
                      {"room", "B"},
                      {"channels", json::array()},
                      {"master", {{"taps", {{"pre_insert", file("mix.wav")}}}}}};
    const SessionAuditResult r = audit(doc);
    const server::TapStats& mix = tap(r, "master", "pre_insert");
    EXPECT_NEAR(mix.loudness.integratedLufs, -23.0, 0.1); // Tech 3341 case 1
    EXPECT_NEAR(mix.loudness.maxMomentaryLufs, -23.0, 0.1);
    EXPECT_NEAR(mix.loudness.maxShortTermLufs, -23.0, 0.1);
    EXPECT_NEAR(mix.loudness.loudnessRangeLu, 0.0, 0.1);
    EXPECT_NEAR(mix.maxTruePeakDbtp, -23.0, 0.05);
    EXPECT_NEAR(mix.headroomDb, 23.0, 0.05);
    EXPECT_NEAR(mix.target->averageDistanceDb, -2.0, 0.05); // mix bus: -21..-15
    EXPECT_NEAR(mix.target->underSeconds, 5.0, 0.001);
}

TEST_F(SessionAudit, TappedBusInputWithHiddenGainReadsSixDecibelsOverItsMembers)
{
    const std::vector<float> a = tone(-18.0);
    const std::vector<float> b = scaled(tone(-18.0), -6.0);
    const std::vector<float> in = scaled(summed(a, b), 6.0); // a bus fader or plugin nobody accounted for
    stem("gtr1.wav", {a, a});
    stem("gtr2.wav", {b, b});
    stem("bus-in.wav", {in, in});
    const SessionAuditResult r = audit(guitarSession("bus-in.wav"));

    const server::BusStats& bus = *node(r, "guitars").bus;
    ASSERT_TRUE(bus.measuredTap.has_value());
    EXPECT_NEAR(bus.measuredMinusPredictedDb, 6.0, 0.1);
    EXPECT_NEAR(bus.members[0].share, 0.8, 0.001); // energies 1 : 1/4
    EXPECT_NEAR(bus.members[1].share, 0.2, 0.001);
    EXPECT_EQ(tap(r, "guitars", "summed_members").isVirtual, true);
    EXPECT_FALSE(tap(r, "guitars", "pre_insert").isVirtual);
}

TEST_F(SessionAudit, ShorterFilesAreFollowedBySilenceAndSaySo)
{
    const std::vector<float> g = tone(-18.0, 3.0);
    stem("gtr1.wav", {g, g});
    const std::vector<float> s = tone(-18.0, 1.0);
    stem("gtr2.wav", {s, s});
    const SessionAuditResult r = audit(guitarSession());
    EXPECT_DOUBLE_EQ(r.durationSeconds, 3.0);
    ASSERT_EQ(r.files.size(), 2u);
    EXPECT_DOUBLE_EQ(r.files[0].paddedSeconds, 0.0);
    EXPECT_DOUBLE_EQ(r.files[1].durationSeconds, 1.0);
    EXPECT_DOUBLE_EQ(r.files[1].paddedSeconds, 2.0);
    EXPECT_NEAR(tap(r, "gtr2", "post_fader").channels[0].maxSamplePeakDbfs, -18.0, 0.01);
    // gtr2 plays one second of the bus's three: a quarter of the members' energy.
    EXPECT_NEAR(node(r, "guitars").bus->members[1].share, 0.25, 0.001);
    EXPECT_NEAR(node(r, "guitars").bus->activeSeconds, 3.0, 0.001);
    EXPECT_TRUE(contains(server::sessionAuditReport(r), "Padded: shorter than the longest file"));
}

TEST_F(SessionAudit, ReadingsDoNotDependOnTheBlockSize)
{
    const std::vector<float> a = tone(-18.0, 2.0);
    const std::vector<float> b = scaled(tone(-18.0, 1.337), -9.0);
    stem("gtr1.wav", {a, a});
    stem("gtr2.wav", {b, b});
    const json reference = server::statisticsJson(audit(guitarSession(), 4096).snapshot);
    for (std::size_t block : {1u, 64u, 441u, 1000u, 8192u, 20000u})
        EXPECT_EQ(server::statisticsJson(audit(guitarSession(), block).snapshot), reference) << block;
}

TEST_F(SessionAudit, TapsReadWhatAnalyzeReadsForTheSameFile)
{
    const std::vector<float> t = tone(-23.0, 4.0);
    stem("mix.wav", {t, scaled(t, -4.0)});
    const json doc = {{"name", "Mix"},
                      {"room", "B"},
                      {"channels", json::array()},
                      {"master", {{"taps", {{"output", file("mix.wav")}}}}}};
    const SessionAuditResult r = audit(doc);
    const server::AnalysisResult single = server::FileAnalysis::analyzeFile(dir_.file("mix.wav"), {});
    const server::TapStats& out = tap(r, "master", "output");
    EXPECT_NEAR(out.loudness.integratedLufs, single.loudness.integratedLufs, 0.01);
    EXPECT_NEAR(out.loudness.loudnessRangeLu, single.loudness.loudnessRangeLu, 0.01);
    for (std::size_t c = 0; c < 2; ++c)
    {
        EXPECT_NEAR(out.channels[c].maxSamplePeakDbfs, single.channels[c].readings.samplePeakDbfs, 0.001);
        EXPECT_NEAR(out.channels[c].maxTruePeakDbtp, single.channels[c].readings.truePeakDbtp, 0.01);
        EXPECT_NEAR(out.channels[c].rmsSinceResetDbfs, single.channels[c].readings.rmsDbfs, 0.01);
    }
}

TEST_F(SessionAudit, WorksAtFortyFourPointOneKilohertz)
{
    const std::vector<float> g = tone(-18.0, 2.0, 44100);
    stem("gtr1.wav", {g, g}, 44100);
    stem("gtr2.wav", {g, g}, 44100);
    const SessionAuditResult r = audit(guitarSession(), 1000);
    EXPECT_EQ(r.sampleRateHz, 44100u);
    EXPECT_NEAR(tap(r, "guitars", "pre_insert").averageDbfs, -12.0, 0.1);
    EXPECT_EQ(r.snapshot.counters.records, 200u);
}

// --- Sources -------------------------------------------------------------------------------------

TEST_F(SessionAudit, TapsFedFromJackPortsAreSkippedWithAWarningAndTheirBusIsSummed)
{
    const std::vector<float> g = tone(-18.0);
    stem("gtr1.wav", {g, g});
    stem("gtr2.wav", {g, g});
    json doc = guitarSession();
    doc["channels"][0]["taps"]["input"] = {"system:capture_1", "system:capture_2"};
    doc["buses"][0]["taps"]["pre_insert"] = {"ardour:Guitars/in 1", "ardour:Guitars/in 2"};
    const SessionAuditResult r = audit(doc);
    std::size_t skipped = 0;
    for (const std::string& w : r.warnings)
        if (contains(w, "a tap fed from JACK ports; the offline audit skips it")) ++skipped;
    EXPECT_EQ(skipped, 2u);
    EXPECT_TRUE(tap(r, "guitars", "pre_insert").isVirtual); // computed, as if the input were not tapped
    EXPECT_THROW((void)tap(r, "gtr1", "input"), std::out_of_range);
    EXPECT_TRUE(
        contains(server::sessionAuditReport(r), "/channels/0/taps/input: warning: a tap fed from JACK"));
}

TEST_F(SessionAudit, ASessionWithoutFileTapsCannotBeAudited)
{
    json doc = guitarSession();
    doc["channels"][0]["taps"]["post_fader"] = {"a:1", "a:2"};
    doc["channels"][1]["taps"]["post_fader"] = {"b:1", "b:2"};
    const std::vector<std::string> errors = auditErrors(doc);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_TRUE(contains(errors[0], "studio.json: nothing to audit")) << errors[0];
}

// --- Errors --------------------------------------------------------------------------------------

TEST_F(SessionAudit, AFileWithTheWrongChannelCountIsNamedWithItsTap)
{
    const std::vector<float> g = tone(-18.0, 0.5);
    stem("gtr1.wav", {g, g});
    stem("gtr2.wav", {g});
    const std::vector<std::string> errors = auditErrors(guitarSession());
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0],
              "studio.json: /channels/1/taps/post_fader/file: expected an audio file of 2 channels "
              "(the channel \"gtr2\" has 2), got 1 channel in \"" +
                  dir_.file("gtr2.wav") + "\"");
}

TEST_F(SessionAudit, FilesAtDifferentSampleRatesAreRefused)
{
    stem("gtr1.wav", {tone(-18.0, 0.5), tone(-18.0, 0.5)});
    const std::vector<float> g = tone(-18.0, 0.5, 44100);
    stem("gtr2.wav", {g, g}, 44100);
    const std::vector<std::string> errors = auditErrors(guitarSession());
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_TRUE(contains(errors[0],
                         "studio.json: /channels/1/taps/post_fader/file: expected 48000 Hz like the "
                         "other files (/channels/0/taps/post_fader/file"))
        << errors[0];
    EXPECT_TRUE(contains(errors[0], "got 44100 Hz in \"" + dir_.file("gtr2.wav") + "\"")) << errors[0];
}

TEST_F(SessionAudit, AMissingFileIsNamedWithItsTap)
{
    stem("gtr1.wav", {tone(-18.0, 0.5), tone(-18.0, 0.5)});
    const std::vector<std::string> errors = auditErrors(guitarSession());
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0], "studio.json: /channels/1/taps/post_fader/file: cannot read '" +
                             dir_.file("gtr2.wav") + "': no such file or directory");
}

TEST_F(SessionAudit, EveryFileProblemIsReportedAtOnce)
{
    stem("gtr1.wav", {tone(-18.0, 0.5)});   // mono for a stereo channel
    json doc = guitarSession("bus-in.wav"); // gtr2.wav and bus-in.wav missing
    const std::vector<std::string> errors = auditErrors(doc);
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_TRUE(
        contains(errors[0], "/channels/0/taps/post_fader/file: expected an audio file of 2 channels"));
    EXPECT_TRUE(contains(errors[1], "/channels/1/taps/post_fader/file: cannot read"));
    EXPECT_TRUE(contains(errors[2], "/buses/0/taps/pre_insert/file: cannot read"));
}

// --- Output --------------------------------------------------------------------------------------

TEST_F(SessionAudit, ReportShowsEveryTableAndTheFiguresThatMatter)
{
    const std::vector<float> a = tone(-18.0);
    stem("gtr1.wav", {a, a});
    stem("gtr2.wav", {a, a});
    stem("bus-in.wav", {scaled(summed(a, a), 6.0), scaled(summed(a, a), 6.0)});
    json doc = guitarSession("bus-in.wav");
    doc["master"] = {{"taps", {{"pre_insert", file("gtr1.wav")}}}};
    const std::string report = server::sessionAuditReport(audit(doc));
    for (const char* expected :
         {"Session audit",
          "  Session       Guitars",
          "4 files, 48000 Hz, 3.000 s (the longest file)",
          "RMS AES17 (a sine reads its peak level), 0 VU = -18.0 dBFS",
          "Files (one per tap",
          "  gtr1/post_fader",
          "Levels (average:",
          "Average",
          "True peak",
          "Headroom",
          "Integrated",
          "guitars/summed_members (sum)",
          "Targets (active signal only",
          "guitars/pre_insert",
          "-21.0..-15.0",
          "Master loudness (EBU R 128)",
          "master/pre_insert",
          "Delivery to mastering (the output): true peak -6.0 to -3.0 dBTP, integrated -18.0 to -16.0 LUFS",
          "Plugin chains",
          "(no node has both pre_insert and post_insert audited)",
          "Buses",
          "guitars \"Guitar bus\" -> master: input tapped, compared with the sum of its 2 members",
          "Measured - predicted  +6.0",
          "(hidden gain or a routing mistake)",
          "Summing gain          +3.01 dB",
          "0.500",
          "Warnings: none"})
        EXPECT_TRUE(contains(report, expected)) << "missing '" << expected << "' in\n" << report;
}

TEST_F(SessionAudit, JsonIsTheSessionItsFilesAndTheSnapshotEncoding)
{
    const std::vector<float> a = tone(-18.0);
    stem("gtr1.wav", {a, a});
    stem("gtr2.wav", {a, a});
    const SessionAuditResult r = audit(guitarSession());
    const nlohmann::ordered_json j = server::sessionAuditJson(r);
    std::vector<std::string> keys;
    for (const auto& item : j.items()) keys.push_back(item.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"session", "room", "session_file", "sample_rate_hz",
                                              "duration_s", "files", "warnings", "advisories", "audio_seconds",
                                              "cleared_advisories", "counters", "nodes", "rms_convention",
                                              "zero_vu_dbfs"}));
    EXPECT_EQ(j["files"][1]["json_path"], "/channels/1/taps/post_fader");
    EXPECT_EQ(j["files"][1]["file"], dir_.file("gtr2.wav"));
    EXPECT_EQ(j["files"][1]["padded_s"], 0.0);
    // The nodes are SnapshotJson's, plus each node's label.
    const json expected = json(r.snapshot)["nodes"];
    ASSERT_EQ(j["nodes"].size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
    {
        json node = json::parse(j["nodes"][i].dump());
        const json label = i == 2 ? json("Guitar bus") : expected[i]["id"];
        EXPECT_EQ(node["label"], label);
        node.erase("label");
        EXPECT_EQ(node, expected[i]);
    }
}
