// End-to-end tests of `headroom check`: the real binary on the shipped example sessions and on
// broken files written to a temporary directory.
#include "tests/support/RunProcess.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>

using headroom::test::ProcessResult;
using headroom::test::runCommand;

namespace
{
std::string examplePath(const std::string& name)
{
    return std::string(HEADROOM_SOURCE_DIR) + "/deploy/sessions/" + name;
}

// A path for the shell. (Built with += : GCC 12 warns falsely about "'" + std::string&& at -O3.)
std::string shellQuoted(const std::string& path)
{
    std::string quotedPath = "'";
    quotedPath += path;
    quotedPath += "'";
    return quotedPath;
}

// Standard output only.
ProcessResult checkStdout(const std::string& args)
{
    return runCommand(std::string(HEADROOM_BINARY) + " check " + args + " 2>/dev/null");
}

// Standard error only.
ProcessResult checkStderr(const std::string& args)
{
    return runCommand(std::string(HEADROOM_BINARY) + " check " + args + " 2>&1 >/dev/null");
}

// A directory of its own per test, removed afterwards.
class CheckCommand : public ::testing::Test
{
protected:
    void SetUp() override
    {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = std::filesystem::temp_directory_path() /
               ("headroom-check-" + std::to_string(::getpid()) + "-" + info->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& text)
    {
        const auto path = dir_ / name;
        std::ofstream(path) << text;
        return path.string();
    }

    std::filesystem::path dir_;
};

const char* kValidSession = R"({
  "name": "Broken on purpose",
  "room": "Test room",
  "channels": [
    {"id": "vox", "bus": "drums", "taps": {"input": ["system:capture_1"], "post_fader": ["daw:vox/out"]}},
    {"id": "kick", "bus": "drums", "taps": {"input": ["system:capture_2"]}}
  ],
  "buses": [{"id": "drums", "to": "master", "taps": {"post_fader": ["daw:drums/out 1", "daw:drums/out 2"]}}],
  "master": {"taps": {"pre_insert": ["daw:mix/in 1", "daw:mix/in 2"], "output": {"file": "mix.wav"}}}
})";
} // namespace

TEST(CheckCommandExamples, HomeStudioIsValidWithItsSummary)
{
    const ProcessResult r = checkStdout(examplePath("home-studio.json"));
    EXPECT_EQ(r.exitCode, 0) << r.output;
    EXPECT_NE(r.output.find("home-studio.json: valid\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("  name:      Singer-songwriter mix\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("  room:      Home studio\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("  channels:  6\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("  buses:     1 (0 virtual)\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("  warnings:  0\n"), std::string::npos) << r.output;
}

TEST(CheckCommandExamples, TrackingRoomHas32InputsAndVirtualBuses)
{
    const ProcessResult r = checkStdout(examplePath("tracking-room-32.json"));
    EXPECT_EQ(r.exitCode, 0) << r.output;
    EXPECT_NE(r.output.find("  buses:     5 (4 virtual: drums, bass, guitars, keys_bus)\n"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("  warnings:  0\n"), std::string::npos) << r.output;
    for (int port = 1; port <= 32; ++port)
    {
        const ProcessResult grep = runCommand("grep -c '\"system:capture_" + std::to_string(port) + "\"' '" +
                                              examplePath("tracking-room-32.json") + "'");
        EXPECT_EQ(grep.output, "1\n") << "system:capture_" << port;
    }
}

TEST(CheckCommandExamples, TeachingLabHasAVirtualDrumBus)
{
    const ProcessResult r = checkStdout(examplePath("teaching-lab-room.json"));
    EXPECT_EQ(r.exitCode, 0) << r.output;
    EXPECT_NE(r.output.find("  buses:     1 (1 virtual: drums)\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("  warnings:  0\n"), std::string::npos) << r.output;
}

TEST(CheckCommandExamples, ChecksSeveralFilesInOneRun)
{
    const ProcessResult r =
        checkStdout(examplePath("home-studio.json") + " " + examplePath("tracking-room-32.json") + " " +
                    examplePath("teaching-lab-room.json"));
    EXPECT_EQ(r.exitCode, 0);
    std::size_t valid = 0;
    for (std::size_t at = r.output.find(": valid\n"); at != std::string::npos;
         at = r.output.find(": valid\n", at + 1))
        ++valid;
    EXPECT_EQ(valid, 3u);
}

TEST_F(CheckCommand, AValidFileWithWarningsExitsZeroAndPrintsThem)
{
    const std::string path = write("warned.json", kValidSession);
    const ProcessResult r = checkStdout(shellQuoted(path));
    EXPECT_EQ(r.exitCode, 0) << r.output;
    EXPECT_NE(r.output.find("  buses:     1 (1 virtual: drums)\n"), std::string::npos) << r.output;
    EXPECT_NE(
        r.output.find("  master:    2 channels, input tapped (pre_insert), output tapped, mix for mastering "
                      "(delivery targets)\n"),
        std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("  taps:      6 (5 from JACK ports, 1 from files)\n"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("  ports:     7 JACK ports\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(
                  path + ": /buses/0: warning: the input of bus \"drums\" is not tapped (no pre_insert) and "
                         "cannot be computed: kick has no post_fader tap\n"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find(path + ": /master/taps/output/file: warning: audio file \"" +
                            (dir_ / "mix.wav").string() + "\" does not exist\n"),
              std::string::npos)
        << r.output;
}

TEST_F(CheckCommand, AnInvalidFileExitsOneWithEveryErrorOnStderr)
{
    std::string text = kValidSession;
    text.replace(text.find("\"to\": \"master\""), 14, "\"to\": \"mixbus\"");
    text.replace(text.find("[\"system:capture_2\"]"), 20, "[\"system:capture_2\", \"system:capture_3\"]");
    text.replace(text.find("\"room\""), 6, "\"rooom\"");
    const std::string path = write("broken.json", text);
    const ProcessResult r = checkStderr(shellQuoted(path));
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(r.output,
              path +
                  ": /rooom: unknown key (expected one of name, room, notes, reference, targets, "
                  "channels, buses, master)\n" +
                  path + ": /room: missing required key (expected a string: the room's name)\n" + path +
                  ": /channels/1/taps/input: expected an array of 1 JACK port name (the channel has 1 "
                  "channel) or {\"file\": PATH}, got 2 names\n" +
                  path +
                  ": /buses/0/to: routed to a missing bus \"mixbus\" (expected \"master\" or the id "
                  "of a bus: drums)\n");
    EXPECT_EQ(checkStdout(shellQuoted(path)).output, ""); // nothing on stdout for an invalid file
}

TEST_F(CheckCommand, ABusCycleAndADuplicateIdAreNamed)
{
    std::string text = kValidSession;
    text.replace(text.find("\"to\": \"master\""), 14, "\"to\": \"fx\"");
    text.replace(text.find("{\"id\": \"drums\""), 0,
                 "{\"id\": \"fx\", \"to\": \"drums\"}, {\"id\": \"vox\", \"to\": \"master\"}, ");
    const std::string path = write("cycle.json", text);
    const ProcessResult r = checkStderr(shellQuoted(path));
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(r.output,
              path +
                  ": /buses/1/id: expected a unique id, got \"vox\" again (first used at /channels/0/id)\n" +
                  path +
                  ": /buses/0/to: bus cycle fx -> drums -> fx (expected every bus route to end at "
                  "\"master\")\n");
}

TEST_F(CheckCommand, AJsonSyntaxErrorNamesLineAndColumn)
{
    const std::string path =
        write("syntax.json", "{\n  \"name\": \"x\",\n  \"room\": \"y\"\n  \"channels\": []\n}\n");
    const ProcessResult r = checkStderr(shellQuoted(path));
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(r.output.rfind(path + ": line 4, column ", 0), 0u) << r.output;
    EXPECT_NE(r.output.find("invalid JSON: syntax error while parsing object"), std::string::npos)
        << r.output;
}

TEST_F(CheckCommand, AMissingFileIsAnError)
{
    const ProcessResult r = checkStderr(shellQuoted((dir_ / "absent.json").string()));
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(r.output,
              (dir_ / "absent.json").string() + ": cannot read the file: No such file or directory\n");
}

TEST_F(CheckCommand, OneInvalidFileAmongValidOnesFailsTheRun)
{
    const std::string bad = write("bad.json", "[]");
    const ProcessResult r = runCommand(std::string(HEADROOM_BINARY) + " check " +
                                       examplePath("home-studio.json") + " " + shellQuoted(bad) + " 2>&1");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.output.find("home-studio.json: valid"), std::string::npos);
    EXPECT_NE(r.output.find(bad + ": /: expected an object"), std::string::npos);
}

TEST(CheckCommandUsage, HelpNoFileAndUnknownOptions)
{
    const ProcessResult help = checkStdout("--help");
    EXPECT_EQ(help.exitCode, 0);
    EXPECT_EQ(help.output.rfind("Usage: headroom check SESSION.json...", 0), 0u);
    const ProcessResult none = checkStderr("");
    EXPECT_EQ(none.exitCode, 2);
    EXPECT_NE(none.output.find("no session file given"), std::string::npos);
    const ProcessResult unknown = checkStderr("--strict x.json");
    EXPECT_EQ(unknown.exitCode, 2);
    EXPECT_NE(unknown.output.find("unknown option '--strict'"), std::string::npos);
    const ProcessResult listed = runCommand(std::string(HEADROOM_BINARY) + " --help");
    EXPECT_NE(listed.output.find("  check "), std::string::npos);
}
