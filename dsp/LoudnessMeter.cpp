#include "dsp/LoudnessMeter.h"

#include <algorithm>
#include <stdexcept>

#include "dsp/Decibels.h"

namespace headroom::dsp
{

void LoudnessMeter::prepare(std::vector<double> channelWeights, uint32_t sampleRateHz)
{
    if (sampleRateHz < kMinSampleRateHz || sampleRateHz > kMaxSampleRateHz)
        throw std::invalid_argument("loudness meter: sample rate out of range");
    weights_ = std::move(channelWeights);
    sampleRateHz_ = sampleRateHz;
    ring_.assign(kShortTermSubBlocks, Slot{0.0, 0});
    reset();
}

void LoudnessMeter::reset() noexcept
{
    std::fill(ring_.begin(), ring_.end(), Slot{0.0, 0});
    newest_ = 0;
    subBlocksSeen_ = 0;
    momentaryLufs_ = shortTermLufs_ = kMinusInfinityDb;
    resetIntegration();
}

void LoudnessMeter::resetIntegration() noexcept
{
    subBlocksIntegrated_ = 0;
    framesIntegrated_ = 0;
    maxMomentaryLufs_ = maxShortTermLufs_ = kMinusInfinityDb;
    gatingBlocks_.clear();
    shortTermValues_.clear();
}

void LoudnessMeter::addSubBlock(std::span<const ChannelSummary> channels, uint32_t numFrames) noexcept
{
    double energy = 0.0;
    const std::size_t n = std::min(channels.size(), weights_.size());
    for (std::size_t i = 0; i < n; ++i) energy += weights_[i] * static_cast<double>(channels[i].kWeightedSumSquares);
    addWeightedEnergy(energy, numFrames);
}

double LoudnessMeter::windowMeanSquare(std::size_t subBlocks, bool assumeSilenceBefore) const noexcept
{
    double energy = 0.0;
    uint64_t frames = 0;
    const std::size_t available = static_cast<std::size_t>(std::min<uint64_t>(subBlocksSeen_, subBlocks));
    for (std::size_t k = 0; k < available; ++k)
    {
        const Slot& slot = ring_[(newest_ + ring_.size() - k) % ring_.size()];
        energy += slot.weightedSumSquares;
        frames += slot.numFrames;
    }
    if (assumeSilenceBefore && available < subBlocks)
        frames = static_cast<uint64_t>(sampleRateHz_) * subBlocks / kSubBlocksPerSecond;
    return frames == 0 ? 0.0 : energy / static_cast<double>(frames);
}

void LoudnessMeter::addWeightedEnergy(double weightedSumSquares, uint32_t numFrames) noexcept
{
    newest_ = (newest_ + 1) % ring_.size();
    ring_[newest_] = Slot{weightedSumSquares, numFrames};
    ++subBlocksSeen_;
    ++subBlocksIntegrated_;
    framesIntegrated_ += numFrames;

    momentaryLufs_ = meanSquareToLufs(windowMeanSquare(kMomentarySubBlocks, true));
    shortTermLufs_ = meanSquareToLufs(windowMeanSquare(kShortTermSubBlocks, true));
    maxMomentaryLufs_ = std::max(maxMomentaryLufs_, momentaryLufs_);
    maxShortTermLufs_ = std::max(maxShortTermLufs_, shortTermLufs_);

    // Gating blocks start at the integration reset and step by 100 ms; a block is only formed once
    // it lies entirely after the reset (so an incomplete final block is never used).
    const bool onGatingStep = subBlocksIntegrated_ % kGatingStepSubBlocks == 0;
    if (onGatingStep && subBlocksIntegrated_ >= kMomentarySubBlocks)
        gatingBlocks_.add(windowMeanSquare(kMomentarySubBlocks, false));
    if (onGatingStep && subBlocksIntegrated_ >= kShortTermSubBlocks)
        shortTermValues_.add(windowMeanSquare(kShortTermSubBlocks, false));
}

LoudnessReadings LoudnessMeter::readings() const noexcept
{
    LoudnessReadings r{};
    r.momentaryLufs = momentaryLufs_;
    r.shortTermLufs = shortTermLufs_;
    r.integratedLufs = gatingBlocks_.gatedLoudnessLufs(-10.0);
    r.loudnessRangeLu = shortTermValues_.loudnessRangeLu();
    r.maxMomentaryLufs = maxMomentaryLufs_;
    r.maxShortTermLufs = maxShortTermLufs_;
    r.integratedSeconds = static_cast<double>(framesIntegrated_) / static_cast<double>(sampleRateHz_);
    r.loudnessRangeStable = r.integratedSeconds >= 60.0;
    return r;
}

} // namespace headroom::dsp
