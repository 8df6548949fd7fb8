#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <utility>

// The highest peak of a tap over the last windowSeconds of audio time, kept in 1 s buckets, for the
// advisor's peak rules: "peaks above -6 dBFS" must describe the recent signal, not a since-reset
// maximum that would keep an advisory up forever. An infinite window (the offline audit) keeps the
// maximum since the start, as the audit's other figures cover the whole audit. [worker]
namespace headroom::server
{

class PeakWindow
{
public:
    explicit PeakWindow(double windowSeconds = 10.0) : windowSeconds_(windowSeconds) {}

    // [worker] A peak measured up to nowSeconds (audio time). -inf and NaN are ignored.
    void add(double nowSeconds, double peakDb)
    {
        if (!(peakDb > kMinusInfinity)) return;
        if (!std::isfinite(windowSeconds_))
        {
            allTimeDb_ = std::max(allTimeDb_, peakDb);
            return;
        }
        const auto bucket = static_cast<int64_t>(std::floor(nowSeconds));
        if (!buckets_.empty() && buckets_.back().first == bucket)
            buckets_.back().second = std::max(buckets_.back().second, peakDb);
        else
            buckets_.emplace_back(bucket, peakDb);
        expire(bucket);
    }

    // [worker] Forget buckets that have left the window at nowSeconds (no new peak needed).
    void advance(double nowSeconds) { expire(static_cast<int64_t>(std::floor(nowSeconds))); }

    // [worker] The maximum over the window; -inf when nothing was measured in it.
    [[nodiscard]] double maxDb() const
    {
        double peak = allTimeDb_;
        for (const auto& b : buckets_) peak = std::max(peak, b.second);
        return peak;
    }

private:
    static constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

    void expire(int64_t currentBucket)
    {
        if (!std::isfinite(windowSeconds_)) return;
        const auto buckets = static_cast<int64_t>(std::ceil(windowSeconds_));
        while (!buckets_.empty() && buckets_.front().first <= currentBucket - buckets) buckets_.pop_front();
    }

    double windowSeconds_;                            // length of the window, s (infinite: since start)
    std::deque<std::pair<int64_t, double>> buckets_;  // (second of audio time, max peak dB in it)
    double allTimeDb_ = kMinusInfinity;               // infinite window: max since the start, dB
};

} // namespace headroom::server
