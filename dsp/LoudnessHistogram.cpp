#include "dsp/LoudnessHistogram.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dsp/Decibels.h"

namespace headroom::dsp
{
namespace
{
constexpr auto kNumBins =
    static_cast<std::size_t>((LoudnessHistogram::kCeilingLufs - LoudnessHistogram::kFloorLufs) /
                             LoudnessHistogram::kBinWidthLu + 0.5);
}

LoudnessHistogram::LoudnessHistogram() : counts_(kNumBins, 0), meanSquares_(kNumBins, 0.0) {}

void LoudnessHistogram::clear() noexcept
{
    std::fill(counts_.begin(), counts_.end(), 0u);
    std::fill(meanSquares_.begin(), meanSquares_.end(), 0.0);
    total_ = 0;
    totalMeanSquare_ = 0.0;
}

void LoudnessHistogram::add(double meanSquare) noexcept
{
    const double lufs = meanSquareToLufs(meanSquare);
    if (!(lufs >= kFloorLufs)) return; // also drops NaN
    const double position = std::floor((lufs - kFloorLufs) / kBinWidthLu);
    const std::size_t bin = position >= static_cast<double>(kNumBins - 1) ? kNumBins - 1 : static_cast<std::size_t>(position);
    ++counts_[bin];
    meanSquares_[bin] += meanSquare;
    ++total_;
    totalMeanSquare_ += meanSquare;
}

double LoudnessHistogram::binLoudnessLufs(std::size_t bin) const noexcept
{
    return meanSquareToLufs(meanSquares_[bin] / counts_[bin]);
}

double LoudnessHistogram::relativeThresholdLufs(double relativeGateLu) const noexcept
{
    return meanSquareToLufs(totalMeanSquare_ / static_cast<double>(total_)) + relativeGateLu;
}

double LoudnessHistogram::gatedLoudnessLufs(double relativeGateLu) const noexcept
{
    if (total_ == 0) return kMinusInfinityDb;
    const double threshold = relativeThresholdLufs(relativeGateLu);
    double sum = 0.0;
    uint64_t n = 0;
    for (std::size_t b = 0; b < kNumBins; ++b)
    {
        if (counts_[b] == 0 || !(binLoudnessLufs(b) > threshold)) continue;
        sum += meanSquares_[b];
        n += counts_[b];
    }
    return n == 0 ? kMinusInfinityDb : meanSquareToLufs(sum / static_cast<double>(n));
}

double LoudnessHistogram::percentileLufs(uint64_t zeroBasedIndex, std::size_t firstBin) const noexcept
{
    uint64_t seen = 0;
    for (std::size_t b = firstBin; b < kNumBins; ++b)
    {
        seen += counts_[b];
        if (seen > zeroBasedIndex) return binLoudnessLufs(b);
    }
    return std::numeric_limits<double>::quiet_NaN();
}

double LoudnessHistogram::loudnessRangeLu() const noexcept
{
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    if (total_ == 0) return kNaN;
    // Tech 3342: short-term values are already loudness, so the relative gate is their energy mean
    // minus 20 LU, and values at the threshold are kept (>=).
    const double threshold = relativeThresholdLufs(-20.0);
    std::size_t firstBin = kNumBins;
    uint64_t n = 0;
    for (std::size_t b = 0; b < kNumBins; ++b)
    {
        if (counts_[b] == 0 || !(binLoudnessLufs(b) >= threshold)) continue;
        if (firstBin == kNumBins) firstBin = b;
        n += counts_[b];
    }
    if (n == 0) return kNaN;
    // Percentile positions as the Tech 3342 reference: 0-based index round((n - 1) * p).
    const auto index = [n](double p) { return static_cast<uint64_t>(std::llround(static_cast<double>(n - 1) * p)); };
    return percentileLufs(index(0.95), firstBin) - percentileLufs(index(0.10), firstBin);
}

} // namespace headroom::dsp
