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
    momentaryWindow_ = Window{0.0, 0, kMomentarySubBlocks};
    shortTermWindow_ = Window{0.0, 0, kShortTermSubBlocks};
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

double LoudnessMeter::exactWindowEnergy(std::size_t subBlocks) const noexcept
{
    double energy = 0.0;
    const std::size_t available = static_cast<std::size_t>(std::min<uint64_t>(subBlocksSeen_, subBlocks));
    for (std::size_t k = 0; k < available; ++k) energy += ring_[(newest_ + ring_.size() - k) % ring_.size()].weightedSumSquares;
    return energy;
}

void LoudnessMeter::slide(Window& window, const Slot& entering, const Slot* leaving) noexcept
{
    window.energy += entering.weightedSumSquares;
    window.frames += entering.numFrames;
    if (leaving == nullptr) return;
    window.energy -= leaving->weightedSumSquares;
    window.frames -= leaving->numFrames;
    // A running sum that loses a slot far louder than what remains keeps that slot's rounding
    // residue, where silence must read -inf; such windows (and every window now and then, to
    // bound drift) are summed again exactly. Quiet-after-loud is rare, so this stays cheap.
    const bool cancelled = !(window.energy > leaving->weightedSumSquares * 1e-9);
    if (cancelled || subBlocksSeen_ % kExactResumSubBlocks == 0) window.energy = exactWindowEnergy(window.length);
}

double LoudnessMeter::windowMeanSquare(const Window& window, bool assumeSilenceBefore) const noexcept
{
    uint64_t frames = window.frames;
    if (assumeSilenceBefore && subBlocksSeen_ < window.length)
        frames = static_cast<uint64_t>(sampleRateHz_) * window.length / kSubBlocksPerSecond;
    return frames == 0 ? 0.0 : window.energy / static_cast<double>(frames);
}

void LoudnessMeter::addWeightedEnergy(double weightedSumSquares, uint32_t numFrames) noexcept
{
    // Running window sums make every 10 ms update O(1) instead of re-adding 340 slots per node.
    newest_ = (newest_ + 1) % ring_.size();
    const Slot leavingShortTerm = ring_[newest_]; // overwritten now: it left the 3 s window
    const Slot entering{weightedSumSquares, numFrames};
    ring_[newest_] = entering;
    ++subBlocksSeen_;
    ++subBlocksIntegrated_;
    framesIntegrated_ += numFrames;

    const bool momentaryFull = subBlocksSeen_ > kMomentarySubBlocks;
    const Slot leavingMomentary = ring_[(newest_ + ring_.size() - kMomentarySubBlocks) % ring_.size()];
    slide(momentaryWindow_, entering, momentaryFull ? &leavingMomentary : nullptr);
    slide(shortTermWindow_, entering, subBlocksSeen_ > kShortTermSubBlocks ? &leavingShortTerm : nullptr);

    momentaryLufs_ = meanSquareToLufs(windowMeanSquare(momentaryWindow_, true));
    shortTermLufs_ = meanSquareToLufs(windowMeanSquare(shortTermWindow_, true));
    maxMomentaryLufs_ = std::max(maxMomentaryLufs_, momentaryLufs_);
    maxShortTermLufs_ = std::max(maxShortTermLufs_, shortTermLufs_);

    // Gating blocks start at the integration reset and step by 100 ms; a block is only formed once
    // it lies entirely after the reset (so an incomplete final block is never used).
    const bool onGatingStep = subBlocksIntegrated_ % kGatingStepSubBlocks == 0;
    if (onGatingStep && subBlocksIntegrated_ >= kMomentarySubBlocks)
        gatingBlocks_.add(windowMeanSquare(momentaryWindow_, false));
    if (onGatingStep && subBlocksIntegrated_ >= kShortTermSubBlocks)
        shortTermValues_.add(windowMeanSquare(shortTermWindow_, false));
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
