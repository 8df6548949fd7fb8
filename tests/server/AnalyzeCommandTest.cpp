// End-to-end tests of `headroom analyze`: files written here with libsndfile, the real binary run
// on them, its JSON parsed with nlohmann.
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
class AnalyzeCommand : public ::testing::Test
{
protected:
    test::TempDir dir_;
};
} // namespace

// --- Formats -------------------------------------------------------------------------------------

struct FormatCase
{
    const char* name;
    int sndfileFormat;
    uint32_t sampleRateHz;
    const char* extension;
};

class AnalyzeFormats : public ::testing::TestWithParam<FormatCase>
{
protected:
    test::TempDir dir_;
};

TEST_P(AnalyzeFormats, StereoToneAtMinus23DbfsReadsMinus23LufsAndItsPeakAndRms)
{
    const FormatCase& f = GetParam();
    const std::string path = dir_.file(std::string("tone.") + f.extension);
    test::writeSoundFile(path, stereoTone(f.sampleRateHz, -23.0, 20.0), f.sndfileFormat);

    const json j = analyzeJson(quoted(path));
    EXPECT_EQ(j["file"], path);
    EXPECT_EQ(j["sample_rate_hz"], f.sampleRateHz);
    EXPECT_EQ(j["channels"], 2);
    EXPECT_DOUBLE_EQ(j["duration_s"].get<double>(), 20.0);
    // Tech 3341 case 1: -23.0 +-0.1 (reference model -22.993 at 48 kHz, -22.991 / -23.011 at 44.1 / 96).
    EXPECT_NEAR(j["integrated_lufs"].get<double>(), -23.0, 0.1);
    EXPECT_NEAR(j["max_momentary_lufs"].get<double>(), -23.0, 0.1);
    EXPECT_NEAR(j["max_short_term_lufs"].get<double>(), -23.0, 0.1);
    EXPECT_NEAR(j["loudness_range_lu"].get<double>(), 0.0, 0.1);
    EXPECT_NEAR(j["sample_peak_dbfs"].get<double>(), -23.0, 0.01);
    EXPECT_NEAR(j["true_peak_dbtp"].get<double>(), -23.0, 0.05);
    ASSERT_EQ(j["channel"].size(), 2u);
    for (const json& c : j["channel"])
    {
        EXPECT_NEAR(c["sample_peak_dbfs"].get<double>(), -23.0, 0.01);
        EXPECT_NEAR(c["true_peak_dbtp"].get<double>(), -23.0, 0.05);
        EXPECT_NEAR(c["rms_dbfs"].get<double>(), -23.0, 0.02); // AES17: a sine reads its peak level
        EXPECT_EQ(c["clipped_samples"], 0);
    }
}

INSTANTIATE_TEST_SUITE_P(
    EveryFormat, AnalyzeFormats,
    ::testing::Values(FormatCase{"Wav16", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, "wav"},
                      FormatCase{"Wav24", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, "wav"},
                      FormatCase{"Wav32", SF_FORMAT_WAV | SF_FORMAT_PCM_32, 48000, "wav"},
                      FormatCase{"WavFloat", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, "wav"},
                      FormatCase{"Flac16", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 44100, "flac"},
                      FormatCase{"Flac24", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 96000, "flac"},
                      FormatCase{"Aiff16", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 48000, "aiff"},
                      FormatCase{"Aiff24", SF_FORMAT_AIFF | SF_FORMAT_PCM_24, 44100, "aif"}),
    [](const ::testing::TestParamInfo<FormatCase>& testInfo) { return std::string(testInfo.param.name); });

// --- Output --------------------------------------------------------------------------------------

TEST_F(AnalyzeCommand, JsonHasExactlyTheDocumentedKeysInOrder)
{
    const std::string path = dir_.file("short.wav");
    test::writeSoundFile(path, stereoTone(48000, -23.0, 1.0), SF_FORMAT_WAV | SF_FORMAT_PCM_24);
    const test::ProcessResult r = analyzeStdout("--json " + quoted(path));
    ASSERT_EQ(r.exitCode, 0);
    const nlohmann::ordered_json j = nlohmann::ordered_json::parse(r.output);
    std::vector<std::string> keys;
    for (const auto& item : j.items()) keys.push_back(item.key());
    EXPECT_EQ(keys,
              (std::vector<std::string>{"file", "sample_rate_hz", "channels", "duration_s", "integrated_lufs",
                                        "loudness_range_lu", "max_momentary_lufs", "max_short_term_lufs",
                                        "true_peak_dbtp", "sample_peak_dbfs", "channel"}));
    std::vector<std::string> channelKeys;
    for (const auto& item : j["channel"][0].items()) channelKeys.push_back(item.key());
    EXPECT_EQ(channelKeys, (std::vector<std::string>{"sample_peak_dbfs", "true_peak_dbtp", "rms_dbfs",
                                                     "clipped_samples"}));
}

TEST_F(AnalyzeCommand, DecibelValuesAreRoundedToHundredths)
{
    const std::string path = dir_.file("odd-level.wav");
    test::writeSoundFile(path, stereoTone(48000, -17.3456, 5.0), SF_FORMAT_WAV | SF_FORMAT_FLOAT);
    const json j = analyzeJson(quoted(path));
    for (const char* key : {"integrated_lufs", "max_momentary_lufs", "true_peak_dbtp", "sample_peak_dbfs"})
    {
        const double v = j[key].get<double>();
        EXPECT_NEAR(v * 100.0, std::round(v * 100.0), 1e-6) << key << " = " << v;
    }
    EXPECT_DOUBLE_EQ(j["sample_peak_dbfs"].get<double>(), -17.35);
}

TEST_F(AnalyzeCommand, PlainRmsReadsThreeDecibelsBelowAes17)
{
    const std::string path = dir_.file("tone.wav");
    test::writeSoundFile(path, stereoTone(48000, -23.0, 20.0), SF_FORMAT_WAV | SF_FORMAT_PCM_24);
    const json j = analyzeJson("--rms plain " + quoted(path));
    for (const json& c : j["channel"]) EXPECT_NEAR(c["rms_dbfs"].get<double>(), -26.01, 0.02);
    const json aes = analyzeJson("--rms=aes17 " + quoted(path));
    for (const json& c : aes["channel"]) EXPECT_NEAR(c["rms_dbfs"].get<double>(), -23.0, 0.02);
}

TEST_F(AnalyzeCommand, TableShowsFileLoudnessAndOneRowPerChannel)
{
    const std::string path = dir_.file("tone.flac");
    test::writeSoundFile(path, stereoTone(48000, -23.0, 20.0), SF_FORMAT_FLAC | SF_FORMAT_PCM_24);
    const test::ProcessResult r = analyzeStdout(quoted(path));
    ASSERT_EQ(r.exitCode, 0);
    EXPECT_EQ(analyzeStderr(quoted(path)).output, ""); // no progress unless stderr is a terminal
    for (const char* expected : {"File", "48000 Hz, 2 channels (L,R)", "Integrated        -23.0 LUFS",
                                 "Loudness range", "Max momentary", "Max short-term", "True peak", "PLR",
                                 "RMS (AES17)", "Crest", "Clipped", "1   L ", "2   R ", "-23.00"})
        EXPECT_NE(r.output.find(expected), std::string::npos) << "missing '" << expected << "' in\n"
                                                              << r.output;
}

TEST_F(AnalyzeCommand, HelpDescribesTheCommandAndExitsZero)
{
    const test::ProcessResult r = analyzeStdout("--help");
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_NE(r.output.find("Usage: headroom analyze"), std::string::npos);
    EXPECT_NE(r.output.find("--layout"), std::string::npos);
    EXPECT_NE(r.output.find("--rms"), std::string::npos);
    const test::ProcessResult top = test::runCommand(std::string(HEADROOM_BINARY) + " --help");
    EXPECT_NE(top.output.find("analyze"), std::string::npos);
}

// --- Layouts -------------------------------------------------------------------------------------

TEST_F(AnalyzeCommand, FivePointOneDefaultLayoutLeavesTheLfeOut)
{
    // Tech 3341 case 6 with a loud LFE: L, R -28; C -24; Ls, Rs -30 dBFS -> -23.0 (-23.016).
    const std::string path = dir_.file("surround.wav");
    const auto tone = [](double levelDb) { return test::sine(48000, 1000.0, levelDb, 20.0); };
    test::writeSoundFile(path,
                         channelsOf(48000, {tone(-28), tone(-28), tone(-24),
                                            test::sine(48000, 60.0, -6.0, 20.0), tone(-30), tone(-30)}),
                         SF_FORMAT_WAV | SF_FORMAT_PCM_24);
    const json j = analyzeJson(quoted(path));
    EXPECT_EQ(j["channels"], 6);
    EXPECT_NEAR(j["integrated_lufs"].get<double>(), -23.0, 0.1);
    EXPECT_NEAR(j["channel"][3]["sample_peak_dbfs"].get<double>(), -6.0, 0.01); // the LFE is still metered
    EXPECT_NEAR(j["sample_peak_dbfs"].get<double>(), -6.0, 0.01);

    const test::ProcessResult table = analyzeStdout(quoted(path));
    EXPECT_NE(table.output.find("(L,R,C,LFE,Ls,Rs)"), std::string::npos) << table.output;
}

TEST_F(AnalyzeCommand, FiveChannelDefaultLayoutIsLRCLsRs)
{
    const std::string path = dir_.file("five.wav");
    const auto tone = [](double levelDb) { return test::sine(48000, 1000.0, levelDb, 20.0); };
    test::writeSoundFile(path, channelsOf(48000, {tone(-28), tone(-28), tone(-24), tone(-30), tone(-30)}),
                         SF_FORMAT_WAV | SF_FORMAT_PCM_24);
    EXPECT_NEAR(analyzeJson(quoted(path))["integrated_lufs"].get<double>(), -23.0, 0.1);
}

TEST_F(AnalyzeCommand, MonoFileIsOneChannelOfWeightOne)
{
    const std::string path = dir_.file("mono.wav");
    test::writeSoundFile(path, channelsOf(48000, {test::sine(48000, 1000.0, -23.0, 10.0)}),
                         SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    const json j = analyzeJson(quoted(path));
    EXPECT_EQ(j["channels"], 1);
    EXPECT_NEAR(j["integrated_lufs"].get<double>(), -26.0, 0.1); // half the energy of the stereo case
}

TEST_F(AnalyzeCommand, LayoutOptionOverridesTheDefaultWeights)
{
    const std::string path = dir_.file("tone.wav");
    test::writeSoundFile(path, stereoTone(48000, -23.0, 10.0), SF_FORMAT_WAV | SF_FORMAT_PCM_24);
    // As surrounds both channels weigh 1.41: -22.993 + 10*log10(1.41) = -21.50.
    EXPECT_NEAR(analyzeJson("--layout Ls,Rs " + quoted(path))["integrated_lufs"].get<double>(), -21.50, 0.1);
    // One channel as LFE: only the other counts, 3.01 dB lower.
    EXPECT_NEAR(analyzeJson(quoted(path) + " --layout=L,LFE")["integrated_lufs"].get<double>(), -26.0, 0.1);
}
