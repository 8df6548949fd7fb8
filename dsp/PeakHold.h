#pragma once

#include <algorithm>
#include <cstdint>

#include "dsp/Decibels.h"

// Peak hold for a live meter: holds the highest peak for holdSeconds, then lets it fall at
// fallDbPerSecond (a hold of 0 s and a fall of 0 dB/s holds forever, until reset). Fed once per
// 10 ms sub-block by the worker.
namespace headroom::dsp
{

class PeakHold
{
public:
    // [setup]
    void prepare(double holdSeconds, double fallDbPerSecond) noexcept
    {
        holdSubBlocks_ = static_cast<uint32_t>(holdSeconds * 100.0 + 0.5);
        fallDbPerSubBlock_ = fallDbPerSecond / 100.0;
        reset();
    }

    // [worker]
    void reset() noexcept
    {
        heldDb_ = kMinusInfinityDb;
        age_ = 0;
    }

    // [worker] One sub-block's peak, in dB.
    void add(double peakDb) noexcept
    {
        if (peakDb >= heldDb_)
        {
            heldDb_ = peakDb;
            age_ = 0;
            return;
        }
        if (holdSubBlocks_ == 0 && fallDbPerSubBlock_ == 0.0) return; // infinite hold
        if (age_ < holdSubBlocks_)
        {
            ++age_;
            return;
        }
        heldDb_ = std::max(peakDb, heldDb_ - fallDbPerSubBlock_);
    }

    [[nodiscard]] double heldDb() const noexcept { return heldDb_; }

private:
    uint32_t holdSubBlocks_ = 200;    // sub-blocks a new maximum is held before falling
    double fallDbPerSubBlock_ = 0.2;  // fall after the hold, dB per 10 ms
    double heldDb_ = kMinusInfinityDb; // level shown
    uint32_t age_ = 0;                 // sub-blocks since the held value was set
};

} // namespace headroom::dsp
