#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

// Sums and maxima over the last few seconds of *active* signal, plus totals since reset, in fixed
// memory. Only sub-blocks the owner judges active are added, so the window holds the last ~10 s of
// signal that was actually playing, and its readings hold still through pauses instead of decaying
// to silence: an engineer who stops playback still sees where the stage sat.
//
// The window is numBuckets buckets of bucketSubBlocks active sub-blocks each; readings cover the
// full buckets plus the one filling, i.e. between (numBuckets - 1) and numBuckets bucket lengths.
// Owned by the worker (TapStatistics, EngineStatistics).
namespace headroom::server
{

class ActiveWindow
{
public:
    // [setup] numSums running sums and numMaxima running maxima (of non-negative values) per sub-block.
    void prepare(std::size_t numSums, std::size_t numMaxima, std::size_t bucketSubBlocks = 100,
                 std::size_t numBuckets = 10)
    {
        numSums_ = numSums;
        numMaxima_ = numMaxima;
        bucketSubBlocks_ = std::max<std::size_t>(bucketSubBlocks, 1);
        numBuckets_ = std::max<std::size_t>(numBuckets, 1);
        sums_.assign(numBuckets_ * numSums_, 0.0);
        maxima_.assign(numBuckets_ * numMaxima_, 0.0);
        frames_.assign(numBuckets_, 0);
        totals_.assign(numSums_, 0.0);
        reset();
    }

    // [worker]
    void reset() noexcept
    {
        std::fill(sums_.begin(), sums_.end(), 0.0);
        std::fill(maxima_.begin(), maxima_.end(), 0.0);
        std::fill(frames_.begin(), frames_.end(), uint64_t{0});
        std::fill(totals_.begin(), totals_.end(), 0.0);
        totalFrames_ = 0;
        current_ = 0;
        subBlocksInCurrent_ = 0;
    }

    // [worker] Add one active sub-block (sums.size() == numSums, maxima.size() == numMaxima).
    void add(std::span<const double> sums, std::span<const double> maxima, uint32_t numFrames) noexcept
    {
        if (subBlocksInCurrent_ == bucketSubBlocks_)
        {
            current_ = (current_ + 1) % numBuckets_;
            std::fill_n(sums_.begin() + static_cast<std::ptrdiff_t>(current_ * numSums_), numSums_, 0.0);
            std::fill_n(maxima_.begin() + static_cast<std::ptrdiff_t>(current_ * numMaxima_), numMaxima_,
                        0.0);
            frames_[current_] = 0;
            subBlocksInCurrent_ = 0;
        }
        double* bucketSums = sums_.data() + current_ * numSums_;
        for (std::size_t i = 0; i < numSums_ && i < sums.size(); ++i)
        {
            bucketSums[i] += sums[i];
            totals_[i] += sums[i];
        }
        double* bucketMaxima = maxima_.data() + current_ * numMaxima_;
        for (std::size_t i = 0; i < numMaxima_ && i < maxima.size(); ++i)
            bucketMaxima[i] = std::max(bucketMaxima[i], maxima[i]);
        frames_[current_] += numFrames;
        totalFrames_ += numFrames;
        ++subBlocksInCurrent_;
    }

    // [worker] Over the window.
    [[nodiscard]] double recentSum(std::size_t i) const noexcept
    {
        double s = 0.0;
        for (std::size_t b = 0; b < numBuckets_; ++b) s += sums_[b * numSums_ + i];
        return s;
    }
    [[nodiscard]] double recentMax(std::size_t i) const noexcept
    {
        double m = 0.0;
        for (std::size_t b = 0; b < numBuckets_; ++b) m = std::max(m, maxima_[b * numMaxima_ + i]);
        return m;
    }
    [[nodiscard]] uint64_t recentFrames() const noexcept
    {
        uint64_t f = 0;
        for (uint64_t b : frames_) f += b;
        return f;
    }

    // [worker] Since reset().
    [[nodiscard]] double totalSum(std::size_t i) const noexcept { return totals_[i]; }
    [[nodiscard]] uint64_t totalFrames() const noexcept { return totalFrames_; }

private:
    std::size_t numSums_ = 0;            // sums per sub-block
    std::size_t numMaxima_ = 0;          // maxima per sub-block
    std::size_t bucketSubBlocks_ = 100;  // active sub-blocks per bucket (1 s)
    std::size_t numBuckets_ = 10;        // buckets in the window
    std::vector<double> sums_;           // numBuckets x numSums
    std::vector<double> maxima_;         // numBuckets x numMaxima, linear
    std::vector<uint64_t> frames_;       // frames per bucket
    std::vector<double> totals_;         // numSums sums since reset
    uint64_t totalFrames_ = 0;           // frames since reset
    std::size_t current_ = 0;            // bucket filling
    std::size_t subBlocksInCurrent_ = 0; // active sub-blocks in it
};

} // namespace headroom::server
