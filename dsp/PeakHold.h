#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "dsp/Decibels.h"

// Peak hold for a live meter: holds the highest peak for holdSeconds, then lets it fall at
// fallDbPerSecond until it meets the signal again; a new peak at or above the held value takes
// over and restarts the hold. A fall rate of 0 dB/s holds forever (until reset), whatever the hold
// time. Owned and fed once per 10 ms sub-block by the worker, so the held value k sub-blocks after
// its peak is peak - max(0, k/100 - holdSeconds) * fallDbPerSecond (never below the signal).
namespace headroom::dsp
{

class PeakHold
{
public:
    // [setup] Negative or NaN arguments count as 0 (no hold / no fall).
    void prepare(double holdSeconds, double fallDbPerSecond) noexcept
    {
        const double hold = holdSeconds > 0.0 ? std::min(holdSeconds, 1e7) : 0.0; // 1e7 s: ~116 days
        holdSubBlocks_ = static_cast<uint32_t>(hold * 100.0 + 0.5);
        fallDbPerSubBlock_ = fallDbPerSecond > 0.0 ? fallDbPerSecond / 100.0 : 0.0;
        reset();
    }

    // [worker]
    void reset() noexcept
    {
        heldDb_ = kMinusInfinityDb;
        age_ = 0;
    }

    // [worker] One sub-block's peak, in dB (-inf for silence; NaN counts as silence).
    void add(double peakDb) noexcept
    {
        if (std::isnan(peakDb)) peakDb = kMinusInfinityDb;
        if (peakDb >= heldDb_)
        {
            heldDb_ = peakDb;
            age_ = 0;
            return;
        }
        if (age_ < holdSubBlocks_)
        {
            ++age_;
            return;
        }
        heldDb_ = std::max(peakDb, heldDb_ - fallDbPerSubBlock_);
    }

    // [worker] The level shown, dB; -inf before the first non-silent sub-block.
    [[nodiscard]] double heldDb() const noexcept { return heldDb_; }

private:
    uint32_t holdSubBlocks_ = 200;     // sub-blocks a new maximum is held before falling
    double fallDbPerSubBlock_ = 0.2;   // fall after the hold, dB per 10 ms (0: hold forever)
    double heldDb_ = kMinusInfinityDb; // level shown, dB
    uint32_t age_ = 0;                 // sub-blocks since the held value was set (stops at the hold)
};

} // namespace headroom::dsp
