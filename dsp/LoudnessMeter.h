#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dsp/ChannelSummary.h"
#include "dsp/LoudnessHistogram.h"
#include "dsp/SubBlockClock.h"

// Loudness of a group of channels (a stereo or 5.1 node) as EBU Tech 3341 "EBU Mode" and Tech 3342
// define it: momentary (400 ms) and short-term (3 s) sliding windows, ungated, evaluated every
// 10 ms sub-block; integrated loudness over 400 ms gating blocks every 100 ms with the -70 LUFS
// absolute and -10 LU relative gates; loudness range from short-term values every 100 ms (10 Hz, as
// Tech 3342 V3+ requires); maximum momentary and short-term. Fixed memory however long it runs.
//
// Owned by the worker; fed the ChannelSummary of each of its channels per sub-block.
namespace headroom::dsp
{

struct LoudnessReadings
{
    double momentaryLufs;      // last 400 ms (silence assumed before the measurement started)
    double shortTermLufs;      // last 3 s
    double integratedLufs;     // gated, since the integration was reset; -inf until a block passes
    double loudnessRangeLu;    // Tech 3342 LRA; NaN until a short-term value passes the gates
    double maxMomentaryLufs;   // since the integration was reset
    double maxShortTermLufs;   // since the integration was reset
    double integratedSeconds;  // audio time since the integration was reset
    bool loudnessRangeStable;  // false during the first 60 s (Tech 3341 §2.2: LRA not yet stable)
};

class LoudnessMeter
{
public:
    static constexpr std::size_t kMomentarySubBlocks = 40;  // 400 ms
    static constexpr std::size_t kShortTermSubBlocks = 300; // 3 s
    static constexpr std::size_t kGatingStepSubBlocks = 10; // 100 ms (75 % overlap of 400 ms blocks)

    // [setup] One weight per channel (ChannelLayout's loudnessWeights); allocates.
    void prepare(std::vector<double> channelWeights, uint32_t sampleRateHz);

    // [worker] Clear everything, windows included.
    void reset() noexcept;

    // [worker] Restart integrated loudness, LRA and the maxima (EBU Mode resets them together);
    // the sliding windows keep running.
    void resetIntegration() noexcept;

    // [worker] Feed one sub-block: summaries of this group's channels, in weight order.
    void addSubBlock(std::span<const ChannelSummary> channels, uint32_t numFrames) noexcept;

    // [worker] Same, from the already weighted K-filtered energy sum_i G_i * sum_n y_i^2.
    void addWeightedEnergy(double weightedSumSquares, uint32_t numFrames) noexcept;

    [[nodiscard]] LoudnessReadings readings() const noexcept;
    [[nodiscard]] double momentaryLufs() const noexcept { return momentaryLufs_; }
    [[nodiscard]] double shortTermLufs() const noexcept { return shortTermLufs_; }
    [[nodiscard]] std::size_t numChannels() const noexcept { return weights_.size(); }

private:
    struct Slot
    {
        double weightedSumSquares; // sum_i G_i * sum_n y_i^2 over the sub-block
        uint32_t numFrames;        // frames in the sub-block
    };

    // A sliding window kept as running sums over the ring.
    struct Window
    {
        double energy;       // sum of the slots' weighted energies
        uint64_t frames;     // sum of their frames
        std::size_t length;  // sub-blocks in a full window
    };

    static constexpr uint64_t kExactResumSubBlocks = 1000; // re-sum windows exactly every 10 s

    void slide(Window& window, const Slot& entering, const Slot* leaving) noexcept;
    [[nodiscard]] double exactWindowEnergy(std::size_t subBlocks) const noexcept;
    // Mean square of a window; one not yet full counts silence before the start when asked.
    [[nodiscard]] double windowMeanSquare(const Window& window, bool assumeSilenceBefore) const noexcept;

    std::vector<double> weights_;          // G_i per channel
    uint32_t sampleRateHz_ = 48000;        // for the nominal window lengths
    std::vector<Slot> ring_;               // the last kShortTermSubBlocks sub-blocks
    std::size_t newest_ = 0;               // ring index of the newest sub-block
    uint64_t subBlocksSeen_ = 0;           // since reset()
    Window momentaryWindow_{0.0, 0, kMomentarySubBlocks};  // last 400 ms
    Window shortTermWindow_{0.0, 0, kShortTermSubBlocks};  // last 3 s
    uint64_t subBlocksIntegrated_ = 0;     // since resetIntegration()
    uint64_t framesIntegrated_ = 0;        // since resetIntegration()
    double momentaryLufs_ = 0.0;           // latest momentary reading
    double shortTermLufs_ = 0.0;           // latest short-term reading
    double maxMomentaryLufs_ = 0.0;        // since resetIntegration()
    double maxShortTermLufs_ = 0.0;        // since resetIntegration()
    LoudnessHistogram gatingBlocks_;       // 400 ms block mean squares, for integrated loudness
    LoudnessHistogram shortTermValues_;    // short-term mean squares every 100 ms, for LRA
};

} // namespace headroom::dsp
