// The EBU's own loudness test set (v05) through FileAnalysis, as `headroom analyze` reads it (the
// binary is left out for speed). Expected values and tolerances are those of EBU Tech 3341 Table 1:
// M, S, I +-0.1 LU; true peak +0.2/-0.4 dB. The set lives outside the repository (../shared); the
// tests skip when it is absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <string>

#include "server/analyze/FileAnalysis.h"

using namespace headroom;

namespace
{
const std::filesystem::path kTestSetFolder =
    std::filesystem::path(HEADROOM_SOURCE_DIR) / ".." / "shared" / "reference" / "ebu-loudness-test-set-v05";

class EbuTestSet : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (!std::filesystem::is_directory(kTestSetFolder))
            GTEST_SKIP() << "EBU loudness test set not found at " << kTestSetFolder.string();
    }

    // Some files of the set end in ".wav.wav"; look for both.
    static std::string fileFor(const std::string& stem)
    {
        for (const char* suffix : {".wav", ".wav.wav"})
        {
            const std::filesystem::path p = kTestSetFolder / (stem + suffix);
            if (std::filesystem::exists(p)) return p.string();
        }
        ADD_FAILURE() << "missing from the test set: " << stem;
        return (kTestSetFolder / (stem + ".wav")).string();
    }

    static server::AnalysisResult analyze(const std::string& stem,
                                          const server::FileAnalysis::LoudnessObserver& observer = {})
    {
        return server::FileAnalysis::analyzeFile(fileFor(stem), server::AnalysisOptions{}, {}, observer);
    }
};
} // namespace

TEST_F(EbuTestSet, Case1StereoToneAtMinus23ReadsMinus23Lufs)
{
    const server::AnalysisResult r = analyze("seq-3341-1-16bit");
    EXPECT_NEAR(r.loudness.integratedLufs, -23.0, 0.1); // reference -22.954 (16-bit, dithered)
    EXPECT_NEAR(r.loudness.maxMomentaryLufs, -23.0, 0.1);
    EXPECT_NEAR(r.loudness.maxShortTermLufs, -23.0, 0.1);
}

TEST_F(EbuTestSet, Case2StereoToneAtMinus33ReadsMinus33Lufs)
{
    EXPECT_NEAR(analyze("seq-3341-2-16bit").loudness.integratedLufs, -33.0, 0.1); // reference -32.960
}

TEST_F(EbuTestSet, Case10MaxShortTermOfEachFileIsMinus23)
{
    for (int k = 1; k <= 20; ++k)
    {
        const std::string stem = "seq-3341-10-" + std::to_string(k) + "-24bit";
        EXPECT_NEAR(analyze(stem).loudness.maxShortTermLufs, -23.0, 0.1) << stem;
    }
}

TEST_F(EbuTestSet, Case12MomentaryIsConstantAfterOneSecond)
{
    double lowest = std::numeric_limits<double>::infinity();
    double highest = -std::numeric_limits<double>::infinity();
    const auto observe = [&](uint64_t framesDone, const dsp::LoudnessMeter& meter)
    {
        if (framesDone < 48000) return; // Tech 3341: constant after 1 s
        lowest = std::min(lowest, meter.momentaryLufs());
        highest = std::max(highest, meter.momentaryLufs());
    };
    const server::AnalysisResult r = analyze("seq-3341-12-24bit", observe);
    ASSERT_EQ(r.sampleRateHz, 48000u);
    EXPECT_NEAR(lowest, -23.0, 0.1); // reference -22.960 throughout
    EXPECT_NEAR(highest, -23.0, 0.1);
    EXPECT_NEAR(r.loudness.maxMomentaryLufs, -23.0, 0.1);
}

TEST_F(EbuTestSet, Case13MaxMomentaryOfEachFileIsMinus23)
{
    // Needs M evaluated every 10 ms: on a 100 ms grid some files read -23.2 or -23.45.
    for (int k = 1; k <= 20; ++k)
    {
        const std::string stem = "seq-3341-13-" + std::to_string(k) + "-24bit";
        EXPECT_NEAR(analyze(stem).loudness.maxMomentaryLufs, -23.0, 0.1) << stem;
    }
}

TEST_F(EbuTestSet, Cases15To23TruePeakIsWithinTolerance)
{
    struct Case
    {
        int number;
        double expectedDbtp;
    };
    for (const Case c : {Case{15, -6.0}, Case{16, -6.0}, Case{17, -6.0}, Case{18, -6.0}, Case{19, 3.0},
                         Case{20, 0.0}, Case{21, 0.0}, Case{22, 0.0}, Case{23, 0.0}})
    {
        const std::string stem = "seq-3341-" + std::to_string(c.number) + "-24bit";
        const double truePeakDbtp = analyze(stem).truePeakDbtp; // maximum over the channels
        EXPECT_LE(truePeakDbtp, c.expectedDbtp + 0.2) << stem;
        EXPECT_GE(truePeakDbtp, c.expectedDbtp - 0.4) << stem;
    }
}

TEST_F(EbuTestSet, CalibrationTonesReadTheirNominalLoudness)
{
    for (const int lufs : {-20, -26, -40})
    {
        const std::string stem = "1kHz Sine " + std::to_string(lufs) + " LUFS-16bit";
        EXPECT_NEAR(analyze(stem).loudness.integratedLufs, lufs, 0.1) << stem;
    }
}
