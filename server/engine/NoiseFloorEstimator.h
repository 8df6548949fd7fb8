#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

// Noise-floor estimate of a tap in fixed memory: a histogram of its 400 ms RMS levels (one value
// every 100 ms) from which a low percentile is read. Pauses between takes, songs and phrases are
// where a stage shows its noise, and they are the quietest windows, so a low percentile finds them
// without having to detect them; where a tap never pauses the figure is its quietest passage, an
// upper bound of the floor. Digital silence (below kFloorDbfs: an unconnected port, a muted send)
// says nothing about the noise of a stage and is left out.
//
// 0.5 dB bins from -140 to 0 dBFS (louder values go to the top bin); each bin keeps a count and the
// sum of its levels, so the reading is the mean of the bin the percentile falls in: exact to well
// under a bin. 281 bins, 3.4 KiB, whatever the duration. Owned by the worker (TapStatistics).
namespace headroom::server
{

class NoiseFloorEstimator
{
public:
    static constexpr double kFloorDbfs = -140.0;
    static constexpr double kCeilingDbfs = 0.0;
    static constexpr double kBinWidthDb = 0.5;
    static constexpr std::size_t kNumBins =
        static_cast<std::size_t>((kCeilingDbfs - kFloorDbfs) / kBinWidthDb) + 1;
    static constexpr uint64_t kMinValues = 10; // 1 s of values before there is an estimate

    // [worker]
    void reset() noexcept
    {
        counts_.fill(0);
        sumsDb_.fill(0.0);
        total_ = 0;
    }

    // [worker] One 400 ms RMS level.
    void add(double levelDbfs) noexcept
    {
        if (!(levelDbfs >= kFloorDbfs)) return; // digital silence (-inf) and NaN
        const double position = std::floor((levelDbfs - kFloorDbfs) / kBinWidthDb);
        const std::size_t bin =
            position >= static_cast<double>(kNumBins - 1) ? kNumBins - 1 : static_cast<std::size_t>(position);
        ++counts_[bin];
        sumsDb_[bin] += levelDbfs;
        ++total_;
    }

    // [worker] The level below which a fraction p of the values lie; NaN before kMinValues values.
    [[nodiscard]] double percentileDbfs(double p) const noexcept
    {
        if (total_ < kMinValues) return std::numeric_limits<double>::quiet_NaN();
        const auto index = static_cast<uint64_t>(std::llround(static_cast<double>(total_ - 1) * p));
        uint64_t seen = 0;
        for (std::size_t b = 0; b < kNumBins; ++b)
        {
            seen += counts_[b];
            if (seen > index) return sumsDb_[b] / static_cast<double>(counts_[b]);
        }
        return std::numeric_limits<double>::quiet_NaN();
    }

    [[nodiscard]] uint64_t count() const noexcept { return total_; }

private:
    std::array<uint32_t, kNumBins> counts_{}; // values per bin
    std::array<double, kNumBins> sumsDb_{};   // sum of the values of each bin, dBFS
    uint64_t total_ = 0;                      // values stored
};

} // namespace headroom::server
