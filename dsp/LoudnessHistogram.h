#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

// Fixed-memory store of loudness values for gated measurements (integrated loudness, LRA). Days of
// signal cost no more memory than a second: each 0.01 LU bin keeps a count and the exact sum of its
// values' mean squares, so energy means are exact and only the gate decision for values within
// 0.01 LU of a threshold is quantised (far inside the standards' 0.1 LU tolerance).
namespace headroom::dsp
{

class LoudnessHistogram
{
public:
    static constexpr double kFloorLufs = -70.0;   // BS.1770 absolute gate; lower values are not stored
    static constexpr double kCeilingLufs = 30.0;  // louder values go to the top bin (energy kept exact)
    static constexpr double kBinWidthLu = 0.01;

    // [setup] Allocates the bins.
    LoudnessHistogram();

    // [worker]
    void clear() noexcept;

    // [worker] Store one value, given as the weighted mean square behind it (loudness is
    // meanSquareToLufs(meanSquare)). Values below the absolute gate are dropped.
    void add(double meanSquare) noexcept;

    // [worker] Values stored.
    [[nodiscard]] uint64_t count() const noexcept { return total_; }

    // [worker] BS.1770 gated loudness: mean over the stored values above (mean of all stored
    // values) + relativeGateLu. Minus infinity when nothing is stored.
    [[nodiscard]] double gatedLoudnessLufs(double relativeGateLu) const noexcept;

    // [worker] EBU Tech 3342 loudness range of stored short-term values: relative gate -20 LU,
    // then the 95th minus the 10th percentile. NaN when nothing passes the gates.
    [[nodiscard]] double loudnessRangeLu() const noexcept;

private:
    [[nodiscard]] double binLoudnessLufs(std::size_t bin) const noexcept;
    [[nodiscard]] double relativeThresholdLufs(double relativeGateLu) const noexcept;
    [[nodiscard]] double percentileLufs(uint64_t zeroBasedIndex, std::size_t firstBin) const noexcept;

    std::vector<uint32_t> counts_;    // values per bin
    std::vector<double> meanSquares_; // sum of the values' mean squares per bin
    uint64_t total_ = 0;              // values stored
    double totalMeanSquare_ = 0.0;    // sum of all stored mean squares (the relative gate's mean)
};

} // namespace headroom::dsp
