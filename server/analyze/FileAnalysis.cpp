#include "server/analyze/FileAnalysis.h"

#include <algorithm>
#include <stdexcept>

#include "dsp/Decibels.h"
#include "dsp/TruePeakFilter.h"

namespace headroom::server
{

std::string layoutToString(const std::vector<dsp::ChannelRole>& layout)
{
    std::string text;
    for (std::size_t i = 0; i < layout.size(); ++i)
    {
        if (i > 0) text += ',';
        text += dsp::toString(layout[i]);
    }
    return text;
}

std::vector<dsp::ChannelRole> resolveLayout(const std::optional<std::vector<dsp::ChannelRole>>& layout,
                                            std::size_t numChannels)
{
    if (layout)
    {
        if (layout->size() != numChannels)
            throw std::invalid_argument("layout " + layoutToString(*layout) + " names " +
                                        std::to_string(layout->size()) + " channels but the file has " +
                                        std::to_string(numChannels));
        return *layout;
    }
    std::optional<std::vector<dsp::ChannelRole>> defaults = dsp::defaultLayout(numChannels);
    if (!defaults)
        throw std::invalid_argument("there is no default layout for " + std::to_string(numChannels) +
                                    " channels; give one role per channel (e.g. M,M,...)");
    return *defaults;
}

FileAnalysis::FileAnalysis(uint32_t sampleRateHz, std::vector<dsp::ChannelRole> layout,
                           float clipThresholdLinear)
    : layout_(std::move(layout))
{
    if (layout_.empty()) throw std::invalid_argument("a layout needs at least one channel");
    dsp::TapMeterConfig config;
    config.sampleRateHz = sampleRateHz;
    config.numChannels = layout_.size();
    config.clipThresholdLinear = clipThresholdLinear;
    bank_.prepare(config); // validates the sample rate
    loudness_.prepare(dsp::loudnessWeights(layout_), sampleRateHz);
    statistics_.assign(layout_.size(), dsp::ChannelStatistics{});
    silence_.assign(bank_.maxSubBlockFrames(), 0.0f);
    silencePointers_.assign(layout_.size(), silence_.data());
}

void FileAnalysis::process(const float* const* channels, std::size_t numFrames)
{
    if (finished_) return;
    for (std::size_t done = 0; done < numFrames;)
    {
        const std::size_t consumed = bank_.process(channels, done, numFrames - done);
        done += consumed;
        framesProcessed_ += consumed;
        framesInSubBlock_ += static_cast<uint32_t>(consumed);
        if (bank_.subBlockComplete()) onSubBlock(false);
    }
}

void FileAnalysis::finish()
{
    if (finished_) return;
    finished_ = true;
    // The bank hands over whole 10 ms sub-blocks only, so the signal is followed by silence up to
    // the next boundary: the peaks, clips and energy of the last few milliseconds then count. The
    // silence also lets the true-peak interpolator (12 taps per phase) see past the last samples,
    // as a converter would; if the boundary comes sooner, one more silent sub-block is metered.
    std::size_t silentFrames = 0;
    do
    {
        const std::size_t frames = bank_.framesToSubBlockEnd();
        bank_.process(silencePointers_.data(), 0, frames); // always reaches the boundary
        silentFrames += frames;
        onSubBlock(true);
    } while (silentFrames < static_cast<std::size_t>(dsp::kTruePeakTapsPerPhase));
}

void FileAnalysis::onSubBlock(bool endOfSignal)
{
    const std::span<const dsp::ChannelSummary> summaries = bank_.completedSummaries();
    // Padded sub-blocks carry the real frames only: the silence adds nothing to the sums, so RMS
    // and DC stay exact. They are kept from the loudness meter: BS.1770 discards an incomplete
    // final gating block, and a padded 10 ms would only lower the last momentary value.
    const uint32_t frames = endOfSignal ? framesInSubBlock_ : bank_.completedFrames();
    for (std::size_t c = 0; c < statistics_.size(); ++c) statistics_[c].add(summaries[c], frames);
    framesInSubBlock_ = 0;
    if (endOfSignal) return;
    loudness_.addSubBlock(summaries, frames);
    if (observer_) observer_(framesProcessed_, loudness_);
}

AnalysisResult FileAnalysis::result(dsp::RmsConvention convention) const
{
    AnalysisResult r;
    r.sampleRateHz = bank_.sampleRateHz();
    r.numFrames = framesProcessed_;
    r.durationSeconds = static_cast<double>(framesProcessed_) / static_cast<double>(r.sampleRateHz);
    r.rmsConvention = convention;
    r.loudness = loudness_.readings();
    r.samplePeakDbfs = dsp::kMinusInfinityDb;
    r.truePeakDbtp = dsp::kMinusInfinityDb;
    for (std::size_t c = 0; c < statistics_.size(); ++c)
    {
        const dsp::ChannelReadings readings = statistics_[c].readings(convention);
        r.samplePeakDbfs = std::max(r.samplePeakDbfs, readings.samplePeakDbfs);
        r.truePeakDbtp = std::max(r.truePeakDbtp, readings.truePeakDbtp);
        r.channels.push_back({layout_[c], readings});
    }
    return r;
}

AnalysisResult FileAnalysis::analyzeFile(const std::string& path, const AnalysisOptions& options,
                                         const ProgressCallback& progress, const LoudnessObserver& observer)
{
    AudioFileReader reader(path, options.blockFrames);
    const AudioFileInfo& info = reader.info();
    FileAnalysis analysis(info.sampleRateHz, resolveLayout(options.layout, info.numChannels),
                          info.clipThresholdLinear);
    analysis.setLoudnessObserver(observer);
    while (const std::size_t frames = reader.readBlock())
    {
        analysis.process(reader.channels(), frames);
        if (progress) progress(analysis.framesProcessed(), info.numFrames);
    }
    analysis.finish();
    AnalysisResult result = analysis.result(options.rmsConvention);
    result.file = info;
    return result;
}

} // namespace headroom::server
