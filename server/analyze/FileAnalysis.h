#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dsp/ChannelLayout.h"
#include "dsp/ChannelStatistics.h"
#include "dsp/LoudnessMeter.h"
#include "dsp/TapMeterBank.h"
#include "server/analyze/AudioFileReader.h"

// Meters one multichannel signal from start to end: a TapMeterBank produces the 10 ms summaries,
// a LoudnessMeter accumulates the group's loudness (its channels weighted by the layout, LFE
// excluded) and a ChannelStatistics per channel accumulates peaks, RMS, DC and clips. The result is
// a plain struct that `headroom analyze` renders and that a session audit can collect per tap.
//
// Owned by one [worker] thread. Fed planar blocks of any size (the bank's results do not depend on
// them); analyzeFile() runs the whole loop over an AudioFileReader.
namespace headroom::server
{

struct ChannelAnalysis
{
    dsp::ChannelRole role;         // from the layout
    dsp::ChannelReadings readings; // whole-signal statistics, RMS in the result's convention
};

struct AnalysisResult
{
    AudioFileInfo file;           // what was read (path empty when fed block by block)
    uint32_t sampleRateHz = 0;    // frames per second
    uint64_t numFrames = 0;       // frames metered
    double durationSeconds = 0.0; // numFrames / sampleRateHz
    dsp::RmsConvention rmsConvention = dsp::RmsConvention::aes17;
    dsp::LoudnessReadings loudness{};      // the group of all channels, weighted by role
    std::vector<ChannelAnalysis> channels; // one per channel, in file order
    double samplePeakDbfs = 0.0;           // max over channels; -inf for digital silence
    double truePeakDbtp = 0.0;             // max over channels; -inf for digital silence
};

struct AnalysisOptions
{
    std::optional<std::vector<dsp::ChannelRole>> layout; // empty: dsp::defaultLayout of the channel count
    dsp::RmsConvention rmsConvention = dsp::RmsConvention::aes17;
    std::size_t blockFrames = AudioFileReader::kDefaultBlockFrames; // frames read and metered at a time
};

class FileAnalysis
{
public:
    // Called after each block with the frames metered so far and the total the header announced.
    using ProgressCallback = std::function<void(uint64_t framesDone, std::optional<uint64_t> totalFrames)>;
    // Called after each complete 10 ms sub-block has been added to the loudness meter, with the
    // frames metered up to the end of that sub-block (for loudness over time and tests).
    using LoudnessObserver = std::function<void(uint64_t framesDone, const dsp::LoudnessMeter& meter)>;

    // [setup] One role per channel. Throws std::invalid_argument for a sample rate the metering
    // core does not support or an empty layout.
    FileAnalysis(uint32_t sampleRateHz, std::vector<dsp::ChannelRole> layout,
                 float clipThresholdLinear = 1.0f);

    // [worker]
    void setLoudnessObserver(LoudnessObserver observer) { observer_ = std::move(observer); }

    // [worker] Meter numFrames frames of each channel (one pointer per channel of the layout).
    void process(const float* const* channels, std::size_t numFrames);

    // [worker] End of the signal: meter the last, incomplete sub-block and flush the true-peak
    // interpolator. Further process() calls are ignored.
    void finish();

    // [worker] The readings so far; after finish(), of the whole signal.
    [[nodiscard]] AnalysisResult result(dsp::RmsConvention convention = dsp::RmsConvention::aes17) const;

    [[nodiscard]] uint64_t framesProcessed() const noexcept { return framesProcessed_; }
    [[nodiscard]] const std::vector<dsp::ChannelRole>& layout() const noexcept { return layout_; }

    // [worker] Read and meter a whole file. Throws AudioFileError when the file cannot be read and
    // std::invalid_argument when the layout does not fit it or its sample rate is unsupported.
    static AnalysisResult analyzeFile(const std::string& path, const AnalysisOptions& options,
                                      const ProgressCallback& progress = {},
                                      const LoudnessObserver& observer = {});

private:
    void onSubBlock(bool endOfSignal);

    std::vector<dsp::ChannelRole> layout_;           // role per channel
    dsp::TapMeterBank bank_;                         // per-sample metering, 10 ms summaries
    dsp::LoudnessMeter loudness_;                    // the group's loudness
    std::vector<dsp::ChannelStatistics> statistics_; // per channel
    std::vector<float> silence_;                     // one sub-block of zeros, to flush the end
    std::vector<const float*> silencePointers_;      // silence_.data() per channel
    LoudnessObserver observer_;                      // optional
    uint64_t framesProcessed_ = 0;                   // real frames metered (padding excluded)
    uint32_t framesInSubBlock_ = 0;                  // real frames in the sub-block in progress
    bool finished_ = false;                          // finish() ran
};

// [setup] The layout to meter numChannels with: the given one if its length matches, else the
// default for the channel count. Throws std::invalid_argument with a message naming the mismatch.
[[nodiscard]] std::vector<dsp::ChannelRole>
resolveLayout(const std::optional<std::vector<dsp::ChannelRole>>& layout, std::size_t numChannels);

// [any] "L,R,C,LFE,Ls,Rs"
[[nodiscard]] std::string layoutToString(const std::vector<dsp::ChannelRole>& layout);

} // namespace headroom::server
