// End-to-end tests of `headroom analyze` on unusual files and bad command lines: silence, files too
// short for loudness, clipping, and the errors (one line on stderr, nothing on stdout, exit 1 or 2).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/support/AnalyzeRunner.h"
#include "tests/support/RunProcess.h"
#include "tests/support/SoundFiles.h"
#include "tests/support/TestSignals.h"

using namespace headroom;
using nlohmann::json;
using test::analyzeJson;
using test::analyzeStderr;
using test::analyzeStdout;
using test::channelsOf;
using test::countLines;
using test::quoted;
using test::stereoTone;

namespace
{
class AnalyzeEdgeCases : public ::testing::Test
{
protected:
    test::TempDir dir_;
};
} // namespace

// --- Edge cases ----------------------------------------------------------------------------------

TEST_F(AnalyzeEdgeCases, SilenceReadsNullForLoudnessAndPeaks)
{
    const std::string path = dir_.file("silence.wav");
    test::Planar silence = test::makePlanar(48000, 2);
    for (auto& c : silence.channels) c.assign(5 * 48000, 0.0f);
    test::writeSoundFile(path, silence, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    const json j = analyzeJson(quoted(path));
    for (const char* key : {"integrated_lufs", "loudness_range_lu", "max_momentary_lufs",
                            "max_short_term_lufs", "true_peak_dbtp", "sample_peak_dbfs"})
        EXPECT_TRUE(j[key].is_null()) << key << " = " << j[key];
    for (const json& c : j["channel"])
    {
        EXPECT_TRUE(c["sample_peak_dbfs"].is_null());
        EXPECT_TRUE(c["true_peak_dbtp"].is_null());
        EXPECT_TRUE(c["rms_dbfs"].is_null());
        EXPECT_EQ(c["clipped_samples"], 0);
    }
    EXPECT_DOUBLE_EQ(j["duration_s"].get<double>(), 5.0);
    EXPECT_EQ(analyzeStdout(quoted(path)).exitCode, 0); // the table copes with -inf too
}

TEST_F(AnalyzeEdgeCases, FileShorterThanAGatingBlockHasNoIntegratedLoudness)
{
    const std::string path = dir_.file("short.wav");
    test::writeSoundFile(path, stereoTone(48000, -23.0, 0.2), SF_FORMAT_WAV | SF_FORMAT_PCM_24);
    const json j = analyzeJson(quoted(path));
    EXPECT_TRUE(j["integrated_lufs"].is_null());
    EXPECT_TRUE(j["loudness_range_lu"].is_null());
    EXPECT_TRUE(j["max_momentary_lufs"].is_number()); // the 400 ms window, silence before the file
    EXPECT_NEAR(j["sample_peak_dbfs"].get<double>(), -23.0, 0.01);
    EXPECT_DOUBLE_EQ(j["duration_s"].get<double>(), 0.2);
}

class AnalyzeClipping : public ::testing::TestWithParam<int>
{
protected:
    test::TempDir dir_;
};

// An over-driven sine on L (clamped by the converter), a clean one on R, and a run of full-scale
// samples in the last, incomplete 10 ms of the file.
TEST_P(AnalyzeClipping, CountsSamplesAtFullScale)
{
    const int format = GetParam();
    const int bits = test::integerBits(format);
    const std::size_t frames = 48000 + 123;
    std::vector<float> left = test::sine(48000, 997.0, 6.0, static_cast<double>(frames) / 48000.0);
    std::vector<float> right = test::sine(48000, 997.0, -6.0, static_cast<double>(frames) / 48000.0);
    left.resize(frames);
    right.resize(frames);
    for (std::size_t n = frames - 50; n < frames; ++n) left[n] = 1.0f;
    right[frames - 1] = -1.0f;

    // What the file stores, counted the way the issue defines clipping.
    const auto expectedClips = [bits](const std::vector<float>& x)
    {
        std::size_t count = 0;
        for (float v : x)
        {
            if (bits > 0)
                count += std::llabs(test::toCode(v, bits)) >= (int64_t{1} << (bits - 1)) - 1 ? 1 : 0;
            else
                count += std::fabs(v) >= 1.0f ? 1 : 0;
        }
        return count;
    };

    const std::string path = dir_.file("clipped.wav");
    test::writeSoundFile(path, channelsOf(48000, {left, right}), format);
    const json j = analyzeJson(quoted(path));
    EXPECT_EQ(j["channel"][0]["clipped_samples"].get<std::size_t>(), expectedClips(left));
    EXPECT_GT(j["channel"][0]["clipped_samples"].get<std::size_t>(), 1000u);
    EXPECT_EQ(j["channel"][1]["clipped_samples"].get<std::size_t>(), 1u);
    if (bits == 0)
        EXPECT_NEAR(j["channel"][0]["sample_peak_dbfs"].get<double>(), 6.0, 0.01); // float keeps overs
    else
        EXPECT_NEAR(j["channel"][0]["sample_peak_dbfs"].get<double>(), 0.0, 0.01);
}

INSTANTIATE_TEST_SUITE_P(IntegerAndFloat, AnalyzeClipping,
                         ::testing::Values(SF_FORMAT_WAV | SF_FORMAT_PCM_16, SF_FORMAT_WAV | SF_FORMAT_PCM_24,
                                           SF_FORMAT_WAV | SF_FORMAT_FLOAT),
                         [](const ::testing::TestParamInfo<int>& testInfo)
                         {
                             const int bits = test::integerBits(testInfo.param);
                             return bits > 0 ? "Pcm" + std::to_string(bits) : std::string("Float");
                         });

// --- Errors: one line on stderr, nothing on stdout, non-zero exit ---------------------------------

namespace
{
void expectOneLineError(const std::string& args, int exitCode, const std::string& mentions)
{
    const test::ProcessResult err = analyzeStderr(args);
    EXPECT_EQ(err.exitCode, exitCode) << args;
    EXPECT_EQ(countLines(err.output), 1u) << args << ":\n" << err.output;
    EXPECT_NE(err.output.find(mentions), std::string::npos) << args << ":\n" << err.output;
    EXPECT_EQ(err.output.rfind("headroom analyze: ", 0), 0u) << err.output;
    const test::ProcessResult out = analyzeStdout(args);
    EXPECT_EQ(out.output, "") << args;
}
} // namespace

TEST_F(AnalyzeEdgeCases, MissingFileIsOneLineAndExitOne)
{
    const std::string path = dir_.file("nothing-here.wav");
    expectOneLineError(quoted(path), 1, "cannot read '" + path + "': no such file or directory");
    expectOneLineError("--json " + quoted(path), 1, "cannot read");
}

TEST_F(AnalyzeEdgeCases, NonAudioFileIsOneLineAndExitOne)
{
    const std::string path = dir_.file("notes.wav");
    test::writeTextFile(path, "These are not the samples you are looking for.\n");
    expectOneLineError(quoted(path), 1, "format not recognised");
    expectOneLineError(quoted(dir_.file("")), 1, "directory");
}

TEST_F(AnalyzeEdgeCases, UnknownLayoutNameIsAUsageError)
{
    const std::string path = dir_.file("tone.wav");
    test::writeSoundFile(path, stereoTone(48000, -23.0, 1.0), SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    expectOneLineError("--layout L,Q " + quoted(path), 2, "unknown channel role 'Q'");
}

TEST_F(AnalyzeEdgeCases, LayoutOfTheWrongLengthIsOneLineAndExitOne)
{
    const std::string path = dir_.file("tone.wav");
    test::writeSoundFile(path, stereoTone(48000, -23.0, 1.0), SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    expectOneLineError("--layout L,R,C " + quoted(path), 1,
                       "layout L,R,C names 3 channels but the file has 2");
}

TEST_F(AnalyzeEdgeCases, ChannelCountWithoutDefaultLayoutNeedsOne)
{
    const std::string path = dir_.file("seven.wav");
    test::Planar p = test::makePlanar(48000, 7);
    for (auto& c : p.channels) c = test::sine(48000, 1000.0, -30.0, 1.0);
    test::writeSoundFile(path, p, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    expectOneLineError(quoted(path), 1, "no default layout for 7 channels");
    EXPECT_EQ(analyzeStdout("--layout M,M,M,M,M,M,M " + quoted(path)).exitCode, 0);
}

TEST_F(AnalyzeEdgeCases, UnsupportedSampleRateIsOneLineAndExitOne)
{
    const std::string path = dir_.file("slow.wav");
    test::writeSoundFile(path, channelsOf(4000, {test::sine(4000, 100.0, -20.0, 1.0)}),
                         SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    expectOneLineError(quoted(path), 1, "sample rate 4000 Hz");
}

TEST_F(AnalyzeEdgeCases, UsageErrorsAreOneLineAndExitTwo)
{
    const std::string path = dir_.file("tone.wav");
    test::writeSoundFile(path, stereoTone(48000, -23.0, 1.0), SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    expectOneLineError("--frobnicate " + quoted(path), 2, "unknown option '--frobnicate'");
    expectOneLineError("", 2, "no FILE");
    expectOneLineError(quoted(path) + " " + quoted(path), 2, "one FILE at a time");
    expectOneLineError("--rms loud " + quoted(path), 2, "--rms must be aes17 or plain");
    expectOneLineError(quoted(path) + " --layout", 2, "--layout needs a value");
}
