#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "dsp/ChannelLayout.h"

// What the real-time meter meters, flattened from a session: every tap as a run of consecutive
// meter channels, and the virtual bus inputs that are computed on the real-time thread as the
// sample-accurate sum of their members' post-fader taps. Built once at setup; the real-time side
// only reads it through the index arrays RealtimeMeter derives from it.
namespace headroom::server
{

struct PlannedTap
{
    std::string nodeId;                   // session id of the channel, bus or "master"
    std::string stage;                    // "input", "pre_insert", "insert:<n>", "post_insert", "post_fader", "output"
    std::size_t firstChannel = 0;         // index of its first meter channel
    std::size_t numChannels = 0;          // channels of the tap
    std::vector<dsp::ChannelRole> layout; // roles, for loudness weights
    bool isVirtual = false;               // computed as a sum of other taps, not read from a port
    std::vector<std::size_t> members;     // for a virtual tap: indices of the taps it sums
};

struct MeterPlan
{
    std::vector<PlannedTap> taps;
    std::size_t numChannels = 0; // meter channels over all taps

    // [setup] Append a tap and assign its meter channels; returns its index.
    std::size_t addTap(PlannedTap tap)
    {
        tap.firstChannel = numChannels;
        numChannels += tap.numChannels;
        taps.push_back(std::move(tap));
        return taps.size() - 1;
    }

    // [setup] Channels read from the audio source (ports or files), in meter-channel order.
    [[nodiscard]] std::size_t numSourceChannels() const
    {
        std::size_t n = 0;
        for (const PlannedTap& t : taps)
            if (!t.isVirtual) n += t.numChannels;
        return n;
    }
};

} // namespace headroom::server
