// End-to-end tests of `headroom analyze --session`: a session file and its stems written here (the
// stems in a subfolder, named relative to the session file), the real binary run on them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/AnalyzeRunner.h"
#include "tests/support/RunProcess.h"
#include "tests/support/SoundFiles.h"
#include "tests/support/TestSignals.h"

using namespace headroom;
using nlohmann::json;
using test::analyzeStderr;
using test::analyzeStdout;
using test::quoted;

namespace
{
constexpr uint32_t kRate = 48000;

// A small mix: a vocal tapped before and after its plugin chain (+6 dB of gain stacking) and at its
// fader, two stereo guitars summed into a virtual bus, the master's input as a stereo stem, and an
// interface input on a JACK port (skipped by the audit).
class AnalyzeSession : public ::testing::Test
{
protected:
    AnalyzeSession()
    {
        std::filesystem::create_directory(dir_.file("stems"));
        const std::vector<float> minus18 = test::sine(kRate, 1000.0, -18.0, 2.0);
        const std::vector<float> minus12 = test::sine(kRate, 1000.0, -12.0, 2.0);
        const std::vector<float> minus23 = test::sine(kRate, 1000.0, -23.0, 2.0);
        const int format = SF_FORMAT_WAV | SF_FORMAT_PCM_24;
        test::writeSoundFile(dir_.file("stems/vox-pre.wav"), test::channelsOf(kRate, {minus18}), format);
        test::writeSoundFile(dir_.file("stems/vox-post.wav"), test::channelsOf(kRate, {minus12}), format);
        test::writeSoundFile(dir_.file("stems/vox-fader.wav"), test::channelsOf(kRate, {minus18}), format);
        test::writeSoundFile(dir_.file("stems/gtr1.wav"), test::channelsOf(kRate, {minus18, minus18}),
                             format);
        test::writeSoundFile(dir_.file("stems/gtr2.wav"), test::channelsOf(kRate, {minus18, minus18}),
                             format);
        test::writeSoundFile(dir_.file("stems/mix.wav"), test::channelsOf(kRate, {minus23, minus23}), format);
        session_ = {{"name", "EP mix, song 2"},
                    {"room", "Studio B"},
                    {"channels",
                     {{{"id", "vox"},
                       {"label", "Lead vocal"},
                       {"bus", "master"},
                       {"inserts",
                        {{{"name", "EQ"}, {"kind", "eq"}}, {{"name", "Compressor"}, {"kind", "compressor"}}}},
                       {"taps",
                        {{"input", {"system:capture_1"}},
                         {"pre_insert", {{"file", "stems/vox-pre.wav"}}},
                         {"post_insert", {{"file", "stems/vox-post.wav"}}},
                         {"post_fader", {{"file", "stems/vox-fader.wav"}}}}}},
                      {{"id", "gtr1"},
                       {"channels", 2},
                       {"bus", "guitars"},
                       {"taps", {{"post_fader", {{"file", "stems/gtr1.wav"}}}}}},
                      {{"id", "gtr2"},
                       {"channels", 2},
                       {"bus", "guitars"},
                       {"taps", {{"post_fader", {{"file", "stems/gtr2.wav"}}}}}}}},
                    {"buses", {{{"id", "guitars"}, {"label", "Guitars"}, {"to", "master"}}}},
                    {"master", {{"taps", {{"pre_insert", {{"file", "stems/mix.wav"}}}}}}}};
        writeSession();
    }

    void writeSession() { test::writeTextFile(dir_.file("studio.json"), session_.dump(2)); }
    [[nodiscard]] std::string sessionArg() const { return "--session " + quoted(dir_.file("studio.json")); }

    test::TempDir dir_;
    json session_;
};

const json& node(const json& doc, const std::string& id)
{
    for (const json& n : doc["nodes"])
        if (n["id"] == id) return n;
    throw std::out_of_range("no node " + id);
}

const json& tap(const json& doc, const std::string& id, const std::string& stage)
{
    for (const json& t : node(doc, id)["taps"])
        if (t["stage"] == stage) return t;
    throw std::out_of_range("no tap " + id + "/" + stage);
}
} // namespace

TEST_F(AnalyzeSession, JsonHoldsEveryNodesStatistics)
{
    const test::ProcessResult r = analyzeStdout("--json " + sessionArg());
    ASSERT_EQ(r.exitCode, 0);
    const json doc = json::parse(r.output); // exactly one JSON document
    EXPECT_EQ(doc["session"], "EP mix, song 2");
    EXPECT_EQ(doc["room"], "Studio B");
    EXPECT_EQ(doc["sample_rate_hz"], kRate);
    EXPECT_DOUBLE_EQ(doc["duration_s"].get<double>(), 2.0);
    ASSERT_EQ(doc["files"].size(), 6u); // every file tap; the JACK input is skipped
    EXPECT_EQ(doc["files"][0]["file"], dir_.file("stems/vox-pre.wav"));
    EXPECT_EQ(doc["files"][0]["json_path"], "/channels/0/taps/pre_insert");
    EXPECT_EQ(doc["counters"]["dropped_records"], 0);
    bool skippedInput = false;
    for (const json& w : doc["warnings"])
        skippedInput = skippedInput || w.get<std::string>().find("/channels/0/taps/input: warning: a tap fed "
                                                                 "from JACK ports") != std::string::npos;
    EXPECT_TRUE(skippedInput) << doc["warnings"];

    EXPECT_NEAR(tap(doc, "guitars", "pre_insert")["average_dbfs"].get<double>(), -12.0, 0.1);
    EXPECT_TRUE(tap(doc, "guitars", "pre_insert")["virtual"].get<bool>());
    for (const json& m : node(doc, "guitars")["bus"]["members"])
        EXPECT_NEAR(m["share"].get<double>(), 0.5, 0.001);
    EXPECT_NEAR(node(doc, "vox")["chain"]["gain_since_reset_db"].get<double>(), 6.0, 0.1);
    EXPECT_EQ(node(doc, "vox")["label"], "Lead vocal");
    EXPECT_NEAR(tap(doc, "master", "pre_insert")["loudness"]["integrated_lufs"].get<double>(), -23.0, 0.1);
}

TEST_F(AnalyzeSession, ReportIsReadableTables)
{
    const test::ProcessResult r = analyzeStdout(sessionArg());
    ASSERT_EQ(r.exitCode, 0);
    EXPECT_EQ(analyzeStderr(sessionArg()).output, ""); // no progress unless stderr is a terminal
    for (const char* expected :
         {"  Session       EP mix, song 2", "  Room          Studio B", "6 files, 48000 Hz, 2.000 s",
          "stems/gtr2.wav", "guitars/pre_insert (sum)", "-12.0", "Master loudness (EBU R 128)", "-23.0",
          "vox \"Lead vocal\"", "+6.0", "louder: compensate at the plugin outputs",
          "guitars \"Guitars\" -> master: input computed, the sum of its 2 members", "0.500",
          "/channels/0/taps/input: warning: a tap fed from JACK ports; the offline audit skips it"})
        EXPECT_NE(r.output.find(expected), std::string::npos) << "missing '" << expected << "' in\n"
                                                              << r.output;
}

TEST_F(AnalyzeSession, FileProblemsAreListedOnePerLineAndExitOne)
{
    session_["channels"][1]["taps"]["post_fader"]["file"] = "stems/vox-pre.wav"; // mono for a stereo channel
    session_["channels"][2]["taps"]["post_fader"]["file"] = "stems/missing.wav";
    writeSession();
    const test::ProcessResult r = analyzeStderr(sessionArg());
    EXPECT_EQ(r.exitCode, 1);
    const std::string session = dir_.file("studio.json");
    EXPECT_EQ(r.output, session +
                            ": /channels/1/taps/post_fader/file: expected an audio file of 2 channels (the "
                            "channel \"gtr1\" has 2), got 1 channel in \"" +
                            dir_.file("stems/vox-pre.wav") + "\"\n" + session +
                            ": /channels/2/taps/post_fader/file: cannot read '" +
                            dir_.file("stems/missing.wav") + "': no such file or directory\n");
    EXPECT_EQ(analyzeStdout(sessionArg()).output, ""); // nothing on stdout
}

TEST_F(AnalyzeSession, MismatchedSampleRatesExitOne)
{
    const std::vector<float> t = test::sine(44100, 1000.0, -18.0, 1.0);
    test::writeSoundFile(dir_.file("stems/gtr2.wav"), test::channelsOf(44100, {t, t}),
                         SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    const test::ProcessResult r = analyzeStderr(sessionArg());
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.output.find("/channels/2/taps/post_fader/file: expected 48000 Hz like the other files"),
              std::string::npos)
        << r.output;
}

TEST_F(AnalyzeSession, AnInvalidSessionIsReportedAsCheckReportsIt)
{
    session_["channels"][1]["bus"] = "gutiars";
    writeSession();
    const test::ProcessResult r = analyzeStderr(sessionArg());
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(
        r.output.find(dir_.file("studio.json") + ": /channels/1/bus: routed to a missing bus \"gutiars\""),
        std::string::npos)
        << r.output;
}

TEST_F(AnalyzeSession, UsageErrorsExitTwo)
{
    EXPECT_EQ(analyzeStderr(sessionArg() + " take.wav").exitCode, 2);
    EXPECT_EQ(analyzeStderr(sessionArg() + " --layout L,R").exitCode, 2);
    EXPECT_EQ(analyzeStderr(sessionArg() + " --rms plain").exitCode, 2);
    EXPECT_EQ(analyzeStderr("--session").exitCode, 2);
    const test::ProcessResult help = analyzeStdout("--help");
    EXPECT_EQ(help.exitCode, 0);
    EXPECT_NE(help.output.find("headroom analyze [--json] --session SESSION.json"), std::string::npos);
}
