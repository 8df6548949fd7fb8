#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dsp/ChannelStatistics.h"
#include "dsp/ChannelSummary.h"
#include "dsp/LoudnessMeter.h"
#include "dsp/PeakHold.h"
#include "dsp/VuMeter.h"
#include "server/engine/ActiveWindow.h"
#include "server/engine/EngineSnapshot.h"
#include "server/engine/MeterPlan.h"
#include "server/engine/NoiseFloorEstimator.h"

// Everything the worker knows about one tap, fed the tap's ChannelSummary run once per 10 ms
// sub-block: per channel the live meters (sliding 300 ms RMS, VU needle, PPM, peak hold, clip latch,
// peaks since the last meter frame and since the last snapshot) and the statistics since reset; per
// tap the loudness of its channel group, headroom, crest factor, noise floor, and time in, over and
// under its target range.
//
// Tap-level levels are those of the loudest channel: an engineer reading a stereo meter reads the
// higher bar, and a hard-panned source must not read 3 dB low. "Active" means that level (the
// sliding 300 ms RMS) is at or above StatisticsSettings::activeGateDbfs: time in range, the recent
// average, crest factor, chain gain and bus sums only count active signal, so pauses neither drag
// an average down nor count as "under target".
//
// Owned by EngineStatistics; every method is [worker].
namespace headroom::server
{

struct StatisticsSettings
{
    double activeGateDbfs = -60.0;      // active signal: loudest channel's 300 ms RMS at or above this
    double peakHoldSeconds = 2.0;       // peak hold: time a new maximum is held
    double peakFallDbPerSecond = 20.0;  // then its fall
    double noiseFloorPercentile = 0.10; // of the 400 ms RMS values (NoiseFloorEstimator)
    // integrated loudness and LRA recomputed once per this (EBU Mode: >= 1 Hz)
    std::size_t loudnessRefreshSubBlocks = 100;
    // The "recent" window (ActiveWindow) of the average, crest factor, chain gain and bus sums: the
    // last this many seconds of active signal. The offline audit makes it as long as its files, so
    // those figures cover the whole audit.
    double recentWindowSeconds = 10.0;
};

// [any] Active sub-blocks per bucket of an ActiveWindow of kRecentWindowBuckets buckets covering
// settings.recentWindowSeconds (100 for the default 10 s: 1 s buckets).
inline constexpr std::size_t kRecentWindowBuckets = 10;
[[nodiscard]] std::size_t recentBucketSubBlocks(const StatisticsSettings& settings) noexcept;

class TapStatistics
{
public:
    // 300 ms sliding RMS (the "average" of a DAW meter)
    static constexpr std::size_t kRmsWindowSubBlocks = 30;
    static constexpr std::size_t kNoiseWindowSubBlocks = 40; // 400 ms RMS values for the noise floor
    static constexpr std::size_t kNoiseStepSubBlocks = 10;   // one value every 100 ms
    static constexpr std::size_t kPsrSteps = 30;             // 3 s of 100 ms true-peak maxima, for PSR

    // [setup] Allocates.
    void prepare(const PlannedTap& tap, std::size_t tapIndex, uint32_t sampleRateHz,
                 const MeterReference& reference, const StatisticsSettings& settings);

    // [worker] One sub-block: this tap's summaries (numChannels of them).
    void add(std::span<const dsp::ChannelSummary> channels, uint32_t numFrames) noexcept;

    // [worker] Commands (see EngineSnapshot.h for what each one covers).
    void resetPeaks() noexcept;
    void resetIntegratedLoudness() noexcept;
    void resetStatistics() noexcept;

    // [worker] After add(): whether the tap's last sub-block was active signal.
    [[nodiscard]] bool active() const noexcept { return active_; }
    // [worker] After add(): sum of x^2 over all channels of the last sub-block.
    [[nodiscard]] double lastSumSquares() const noexcept { return lastSumSquares_; }
    [[nodiscard]] double maxTruePeakLinear() const noexcept;
    [[nodiscard]] std::size_t numChannels() const noexcept { return channels_.size(); }

    // [worker] Write this tap's channels into a meter frame (sized for the plan) and start new
    // since-last-frame maxima. No allocation.
    void takeMeters(MeterFrame& frame) noexcept;

    // [worker] The tap's statistics; starts new since-last-snapshot maxima. Allocates.
    [[nodiscard]] TapStats takeStats();

private:
    struct Peaks
    {
        float samplePeak = 0.0f; // linear
        float truePeak = 0.0f;   // linear
        float ppm = 0.0f;        // linear
        bool clipped = false;    // a clip event

        void add(const dsp::ChannelSummary& s) noexcept;
    };

    struct Channel
    {
        dsp::ChannelStatistics statistics; // since resetStatistics
        dsp::VuMeter vu;                   // needle
        dsp::PeakHold peakHold;            // true peak, dBTP
        Peaks sinceFrame;                  // since the last meter frame
        Peaks sinceSnapshot;               // since the last snapshot
        float maxSamplePeak = 0.0f;        // since resetPeaks, linear
        float maxTruePeak = 0.0f;          // since resetPeaks, linear
        bool clipLatched = false;          // since resetPeaks
        double rmsMeanSquare = 0.0;        // sliding 300 ms mean square, linear
    };

    [[nodiscard]] double toRmsDb(double meanSquare) const noexcept;
    void classifyAgainstTarget(double levelDb, double truePeakDb, uint32_t numFrames) noexcept;
    void refreshLoudness() noexcept;

    std::size_t tapIndex_ = 0; // index in the plan
    std::string stage_;        // as in the plan
    bool isVirtual_ = false;
    std::size_t firstChannel_ = 0;      // meter channel of channels_[0]
    std::optional<StageTarget> target_; // range judged against
    uint32_t sampleRateHz_ = 48000;
    dsp::RmsConvention rmsConvention_ = dsp::RmsConvention::aes17; // session's RMS convention
    double rmsOffsetDb_ = 0.0;                                     // dB it adds to 20 log10(rms)
    double gateMeanSquare_ = 0.0;                                  // activeGateDbfs as a plain mean square
    StatisticsSettings settings_;

    std::vector<Channel> channels_;
    std::vector<double> squaresRing_; // kNoiseWindowSubBlocks x channels: sum x^2 per sub-block
    std::array<uint32_t, kNoiseWindowSubBlocks> framesRing_{}; // frames per ring slot
    std::size_t ringNewest_ = 0;                               // ring slot of the newest sub-block
    uint64_t subBlocks_ = 0;                                   // since prepare (ring fill, 100 ms steps)

    dsp::LoudnessMeter loudness_; // channel group, BS.1770 weights
    // integrated loudness and LRA, refreshed by refreshLoudness()
    dsp::LoudnessReadings loudnessCache_{};
    uint64_t loudnessEpoch_ = 0;               // refresh period (phased) of the last refresh
    uint64_t loudnessPhase_ = 0;               // this tap's offset into the refresh period, sub-blocks
    bool loudnessStale_ = true;                // a reset since the last refresh
    float maxTruePeakSinceIntegration_ = 0.0f; // for PLR, linear
    double maxMomentaryLufs_ = 0.0;            // since resetIntegratedLoudness (fresh, unlike the cache)
    double maxShortTermLufs_ = 0.0;            // since resetIntegratedLoudness
    uint64_t framesIntegrated_ = 0;            // since resetIntegratedLoudness
    std::array<float, kPsrSteps> psrRing_{};   // true-peak maxima of the last 100 ms steps, linear
    float psrCurrent_ = 0.0f;                  // max of the step filling

    bool active_ = false;               // last sub-block was active
    double levelMeanSquare_ = 0.0;      // loudest channel's 300 ms mean square
    double lastSumSquares_ = 0.0;       // all channels, last sub-block
    std::vector<double> scratchSums_;   // per channel, for the active window
    std::vector<double> scratchMaxima_; // per channel, for the active window
    ActiveWindow recent_;               // per channel sum x^2 and sample peak over active signal
    NoiseFloorEstimator noiseFloor_;    // 400 ms levels since resetStatistics

    uint64_t activeFrames_ = 0; // since resetStatistics, while active
    uint64_t inRangeFrames_ = 0;
    uint64_t overFrames_ = 0;
    uint64_t underFrames_ = 0;
    uint64_t peakOverFrames_ = 0;
};

} // namespace headroom::server
