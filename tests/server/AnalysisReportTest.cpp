#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "server/analyze/AnalysisReport.h"

using namespace headroom;

TEST(AnalysisReport, RoundsDecibelsToHundredthsAndHasNoValueForInfinities)
{
    EXPECT_DOUBLE_EQ(*server::roundedDb(-22.9936), -22.99);
    EXPECT_DOUBLE_EQ(*server::roundedDb(-26.0103), -26.01);
    EXPECT_DOUBLE_EQ(*server::roundedDb(3.0149), 3.01);
    EXPECT_EQ(*server::roundedDb(-0.001), 0.0);
    EXPECT_FALSE(std::signbit(*server::roundedDb(-0.001)));
    EXPECT_FALSE(server::roundedDb(-std::numeric_limits<double>::infinity()).has_value());
    EXPECT_FALSE(server::roundedDb(std::numeric_limits<double>::quiet_NaN()).has_value());
}

TEST(AnalysisReport, WritesNullForSilenceAndUndefinedValues)
{
    server::AnalysisResult r;
    r.file.path = "silence.wav";
    r.sampleRateHz = 48000;
    r.numFrames = 48000;
    r.durationSeconds = 1.0;
    const double inf = std::numeric_limits<double>::infinity();
    r.loudness = dsp::LoudnessReadings{-inf, -inf, -inf, std::numeric_limits<double>::quiet_NaN(),
                                       -inf, -inf, 1.0,  false};
    r.samplePeakDbfs = r.truePeakDbtp = -inf;
    dsp::ChannelReadings silent{};
    silent.samplePeakDbfs = silent.truePeakDbtp = silent.rmsDbfs = silent.dcOffsetDbfs = -inf;
    silent.crestFactorDb = -inf;
    r.channels.push_back({dsp::ChannelRole::mono, silent});

    const nlohmann::ordered_json j = server::analysisToJson(r);
    EXPECT_EQ(j["file"], "silence.wav");
    EXPECT_TRUE(j["integrated_lufs"].is_null());
    EXPECT_TRUE(j["loudness_range_lu"].is_null());
    EXPECT_TRUE(j["channel"][0]["rms_dbfs"].is_null());
    EXPECT_EQ(j["channel"][0]["clipped_samples"], 0);

    const std::string table = server::analysisTable(r);
    EXPECT_NE(table.find("Integrated           -- LUFS"), std::string::npos) << table;
    EXPECT_NE(table.find("-inf"), std::string::npos) << table;
}

TEST(AnalysisReport, TableShowsPeakToLoudnessRatioAndCrestFactor)
{
    server::AnalysisResult r;
    r.file.path = "mix.wav";
    r.file.containerName = "WAV (Microsoft)";
    r.file.encodingName = "Signed 24 bit PCM";
    r.sampleRateHz = 48000;
    r.numFrames = 480000;
    r.durationSeconds = 10.0;
    r.loudness = dsp::LoudnessReadings{-20.0, -19.0, -18.04, 6.26, -12.5, -16.0, 10.0, false};
    r.samplePeakDbfs = -3.0;
    r.truePeakDbtp = -2.46;
    dsp::ChannelReadings c{};
    c.samplePeakDbfs = -3.0;
    c.truePeakDbtp = -2.46;
    c.rmsDbfs = -17.0;
    c.crestFactorDb = 17.01;
    c.dcOffsetDbfs = -96.3;
    c.clippedSamples = 12;
    r.channels.push_back({dsp::ChannelRole::left, c});
    r.channels.push_back({dsp::ChannelRole::right, c});

    const std::string table = server::analysisTable(r);
    for (const char* expected : {"WAV (Microsoft), Signed 24 bit PCM", "48000 Hz, 2 channels (L,R)",
                                 "Integrated        -18.0 LUFS", "Loudness range      6.3 LU",
                                 "PLR                15.6 LU", "True peak         -2.46 dBTP", "17.01", "-96.3", "12"})
        EXPECT_NE(table.find(expected), std::string::npos) << "missing '" << expected << "' in\n" << table;
}
