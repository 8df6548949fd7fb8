#include <gtest/gtest.h>

#include <cmath>

#include "server/analyze/FileAnalysis.h"
#include "tests/support/SoundFiles.h"
#include "tests/support/TestSignals.h"

using namespace headroom;

namespace
{
server::AnalysisResult analyzePlanar(const test::Planar& audio, std::vector<dsp::ChannelRole> layout,
                                     std::size_t blockFrames, float clipThreshold = 1.0f)
{
    server::FileAnalysis analysis(audio.sampleRateHz, std::move(layout), clipThreshold);
    const std::vector<const float*> base = audio.pointers();
    std::vector<const float*> pointers(base.size());
    for (std::size_t start = 0; start < audio.numFrames(); start += blockFrames)
    {
        for (std::size_t c = 0; c < base.size(); ++c) pointers[c] = base[c] + start;
        analysis.process(pointers.data(), std::min(blockFrames, audio.numFrames() - start));
    }
    analysis.finish();
    return analysis.result();
}

const std::vector<dsp::ChannelRole> kStereo{dsp::ChannelRole::left, dsp::ChannelRole::right};
} // namespace

TEST(FileAnalysis, GivesTheSameReadingsWhateverTheBlockSize)
{
    test::Planar audio = test::stereoSegments(44100, {{-20.0, 1.3}, {std::nullopt, 0.2}, {-30.0, 2.1}});
    audio.channels[1][1234] = 1.5f; // a clip and a peak on R
    const server::AnalysisResult reference = analyzePlanar(audio, kStereo, 4096);
    for (std::size_t block :
         {std::size_t{1}, std::size_t{64}, std::size_t{441}, std::size_t{997}, std::size_t{100000}})
    {
        const server::AnalysisResult r = analyzePlanar(audio, kStereo, block);
        EXPECT_EQ(r.numFrames, reference.numFrames);
        EXPECT_EQ(r.loudness.integratedLufs, reference.loudness.integratedLufs) << block;
        EXPECT_EQ(r.loudness.maxMomentaryLufs, reference.loudness.maxMomentaryLufs) << block;
        for (std::size_t c = 0; c < 2; ++c)
        {
            EXPECT_EQ(r.channels[c].readings.samplePeakDbfs, reference.channels[c].readings.samplePeakDbfs);
            EXPECT_EQ(r.channels[c].readings.truePeakDbtp, reference.channels[c].readings.truePeakDbtp);
            EXPECT_EQ(r.channels[c].readings.rmsDbfs, reference.channels[c].readings.rmsDbfs);
            EXPECT_EQ(r.channels[c].readings.clippedSamples, reference.channels[c].readings.clippedSamples);
        }
    }
    EXPECT_EQ(reference.channels[1].readings.clippedSamples, 1u);
    EXPECT_EQ(reference.channels[0].readings.clippedSamples, 0u);
}

TEST(FileAnalysis, MetersTheLastIncompleteSubBlock)
{
    // 10 ms + 100 frames: only the first sub-block is complete; the peak sits in the remainder.
    test::Planar audio = test::makePlanar(48000, 1);
    audio.channels[0].assign(580, 0.0f);
    audio.channels[0][575] = 0.5f;
    const server::AnalysisResult r = analyzePlanar(audio, {dsp::ChannelRole::mono}, 4096);
    EXPECT_EQ(r.numFrames, 580u);
    EXPECT_EQ(r.channels[0].readings.numFrames, 580u); // padding does not count as signal
    EXPECT_NEAR(r.channels[0].readings.samplePeakDbfs, -6.02, 0.01);
    EXPECT_GE(r.channels[0].readings.truePeakDbtp, r.channels[0].readings.samplePeakDbfs);
    // RMS over the real 580 frames, not over the padded 960.
    EXPECT_NEAR(r.channels[0].readings.rmsDbfs, 10.0 * std::log10(0.25 / 580.0) + 3.0103, 0.001);
}

TEST(FileAnalysis, FlushesTheTruePeakInterpolatorAtTheEnd)
{
    // A burst in the last four samples, whose interpolated peak lies between them: the file must
    // read as the same signal followed by silence, whether it ends on a sub-block boundary or not.
    for (std::size_t frames : {std::size_t{480}, std::size_t{485}, std::size_t{955}, std::size_t{959}})
    {
        test::Planar audio = test::makePlanar(48000, 1);
        audio.channels[0].assign(frames, 0.0f);
        const float a = 0.35f;
        for (std::size_t k = 0; k < 4; ++k) audio.channels[0][frames - 4 + k] = k < 2 ? a : -a;
        test::Planar followed = audio;
        followed.channels[0].resize(frames + 1000, 0.0f);

        const server::AnalysisResult r = analyzePlanar(audio, {dsp::ChannelRole::mono}, 4096);
        const server::AnalysisResult withSilence = analyzePlanar(followed, {dsp::ChannelRole::mono}, 4096);
        EXPECT_EQ(r.channels[0].readings.truePeakDbtp, withSilence.channels[0].readings.truePeakDbtp)
            << frames;
        EXPECT_GT(r.channels[0].readings.truePeakDbtp, r.channels[0].readings.samplePeakDbfs + 0.5) << frames;
    }
}

TEST(FileAnalysis, TopLevelPeaksAreTheMaximumOverChannels)
{
    test::Planar audio = test::makePlanar(48000, 2);
    audio.channels[0] = test::sine(48000, 1000.0, -12.0, 1.0);
    audio.channels[1] = test::sine(48000, 1000.0, -3.0, 1.0);
    const server::AnalysisResult r = analyzePlanar(audio, kStereo, 4096);
    EXPECT_NEAR(r.samplePeakDbfs, -3.0, 0.01);
    EXPECT_NEAR(r.truePeakDbtp, -3.0, 0.05);
}

TEST(FileAnalysis, ResolvesDefaultAndGivenLayouts)
{
    EXPECT_EQ(server::layoutToString(server::resolveLayout(std::nullopt, 6)), "L,R,C,LFE,Ls,Rs");
    EXPECT_EQ(server::layoutToString(server::resolveLayout(std::nullopt, 1)), "M");
    EXPECT_EQ(server::layoutToString(server::resolveLayout(dsp::parseLayout("Ls,Rs"), 2)), "Ls,Rs");
    EXPECT_THROW((void)server::resolveLayout(dsp::parseLayout("L,R,C"), 2), std::invalid_argument);
    EXPECT_THROW((void)server::resolveLayout(std::nullopt, 7), std::invalid_argument);
}

TEST(FileAnalysis, ReadsIntegerFilesWithTheLargestPositiveCodeAsFullScale)
{
    EXPECT_EQ(server::clipThresholdFor(SF_FORMAT_WAV | SF_FORMAT_PCM_16), 32767.0f / 32768.0f);
    EXPECT_EQ(server::clipThresholdFor(SF_FORMAT_FLAC | SF_FORMAT_PCM_24), 8388607.0f / 8388608.0f);
    EXPECT_EQ(server::clipThresholdFor(SF_FORMAT_WAV | SF_FORMAT_FLOAT), 1.0f);
    EXPECT_EQ(server::integerBitsOf(SF_FORMAT_AIFF | SF_FORMAT_PCM_24), 24);
    EXPECT_FALSE(server::integerBitsOf(SF_FORMAT_WAV | SF_FORMAT_DOUBLE).has_value());

    test::TempDir dir;
    const std::string path = dir.file("fs.wav");
    test::Planar audio = test::makePlanar(48000, 1);
    audio.channels[0] = {0.0f, 1.0f, -1.0f, 0.5f, 0.999f};
    test::writeSoundFile(path, audio, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    server::AnalysisOptions options;
    const server::AnalysisResult r = server::FileAnalysis::analyzeFile(path, options);
    EXPECT_EQ(r.file.integerBits, 16);
    EXPECT_EQ(r.file.numFrames, 5u);
    EXPECT_EQ(r.channels[0].readings.clippedSamples, 2u); // +32767 and -32768; 0.999 is 32735
    EXPECT_NEAR(r.samplePeakDbfs, 0.0, 1e-9);             // -32768 reads exactly -1.0
}
