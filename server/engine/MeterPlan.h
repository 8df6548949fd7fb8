#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "dsp/ChannelLayout.h"
#include "dsp/ChannelStatistics.h"

// What the engine meters, flattened from a session: every tap as a run of consecutive meter
// channels, the virtual bus inputs computed on the real-time thread as the sample-accurate sum of
// their members' post-fader taps, and what the worker needs to turn measurements into gain-staging
// statistics: each tap's node kind and target range, which tap pairs form a plugin chain, and which
// taps make up each bus. Built once at setup (the session layer's adapter fills it); the real-time
// side only reads it through the index arrays RealtimeMeter derives from it, the worker through
// EngineStatistics.
namespace headroom::server
{

enum class NodeKind : uint8_t
{
    channel,
    bus,
    master,
};

[[nodiscard]] constexpr std::string_view toString(NodeKind kind) noexcept
{
    switch (kind)
    {
    case NodeKind::bus:
        return "bus";
    case NodeKind::master:
        return "master";
    case NodeKind::channel:
        break;
    }
    return "channel";
}

// The stage names a tap may carry ("insert:<n>" is the input of the n-th insert).
inline constexpr std::string_view kStageInput = "input";
inline constexpr std::string_view kStagePreInsert = "pre_insert";
inline constexpr std::string_view kStagePostInsert = "post_insert";
inline constexpr std::string_view kStagePostFader = "post_fader";
inline constexpr std::string_view kStageOutput = "output";
// A bus whose input is tapped also gets a virtual tap of this stage: the sum of its members, so the
// measured input can be compared with what the members predict.
inline constexpr std::string_view kStageSummedMembers = "summed_members";

// A mono member on a multichannel bus is assumed panned centre with the common -3 dB pan law: the
// session does not say how it is panned, and centre is what a fresh DAW channel does. The real-time
// sum and the worker's member shares use this one constant.
inline constexpr float kMonoToBusGain = 0.70710678f;

// Where a stage should sit (the guide's targets). "Average" is the sliding 300 ms RMS in the
// session's RMS convention (AES17 by default: a sine reads its peak level), of the loudest channel
// of the tap; "peak" is true peak, dBTP.
struct StageTarget
{
    double averageMinDbfs = -21.0;
    double averageMaxDbfs = -15.0;
    double peakMaxDbfs = 0.0; // 0 dBTP where the guide names no peak target: over full scale is always over
};

// The guide's targets (reference/gain-staging-guide.txt; DESIGN.md section 4).
inline constexpr StageTarget kRecordingTarget{-18.0, -12.0, -6.0};  // input tap: avg -18..-12, peaks <= -6
inline constexpr StageTarget kPluginInputTarget{-21.0, -15.0, 0.0}; // entering a plugin chain: around -18
inline constexpr StageTarget kBusInputTarget{-21.0, -15.0, 0.0};    // bus input: around -18
inline constexpr StageTarget kMixBusTarget{-21.0, -15.0, -6.0};     // master pre_insert: avg ~-18, peaks ~-6

// [any] The guide's default target for a stage of a node, or none where the guide sets no level
// (post_insert, post_fader, output, summed_members). "insert:<n>" is a plugin input.
[[nodiscard]] inline std::optional<StageTarget> defaultStageTarget(NodeKind kind, std::string_view stage)
{
    const bool pluginInput = stage == kStagePreInsert || stage.starts_with("insert:");
    switch (kind)
    {
    case NodeKind::channel:
        if (stage == kStageInput) return kRecordingTarget;
        if (pluginInput) return kPluginInputTarget;
        break;
    case NodeKind::bus:
        if (stage == kStagePreInsert) return kBusInputTarget;
        if (pluginInput) return kPluginInputTarget;
        break;
    case NodeKind::master:
        if (stage == kStagePreInsert) return kMixBusTarget;
        if (pluginInput) return kPluginInputTarget;
        break;
    }
    return std::nullopt;
}

struct PlannedTap
{
    std::string nodeId; // session id of the channel, bus or "master"
    // "input", "pre_insert", "insert:<n>", "post_insert", "post_fader", "output", "summed_members"
    std::string stage;
    std::size_t firstChannel = 0; // index of its first meter channel (assigned by addTap)
    std::size_t numChannels = 0;  // channels of the tap
    // roles, for loudness weights (empty: defaultLayout or mono weights)
    std::vector<dsp::ChannelRole> layout;
    bool isVirtual = false;                 // computed as a sum of other taps, not read from a port
    std::vector<std::size_t> members;       // for a virtual tap: indices of the taps it sums
    NodeKind nodeKind = NodeKind::channel;  // kind of the node the tap belongs to
    std::optional<StageTarget> target = {}; // range to judge the tap against; none: no in/over/under
};

// A plugin chain: the same node's signal entering (pre_insert) and leaving (post_insert) its inserts.
struct PlannedChain
{
    std::size_t preInsertTap = 0;
    std::size_t postInsertTap = 0;
};

// A bus (or the master) whose input is the sum of member taps. summedTap is the virtual tap that
// sums them (its members are the bus members). When the bus input is not tapped, summedTap IS the
// bus input (stage pre_insert); when it is, summedTap has stage summed_members and
// measuredInputTap is the tapped input, so predicted and measured can be compared.
struct PlannedBus
{
    std::string nodeId;
    std::size_t summedTap = 0;
    std::optional<std::size_t> measuredInputTap = {};
};

// How levels are expressed (the session's reference settings).
struct MeterReference
{
    dsp::RmsConvention rmsConvention = dsp::RmsConvention::aes17;
    double zeroVuDbfs = -18.0; // the digital level of 0 VU
};

struct MeterPlan
{
    std::vector<PlannedTap> taps;
    std::size_t numChannels = 0;      // meter channels over all taps
    std::vector<PlannedChain> chains; // at most one per node
    std::vector<PlannedBus> buses;    // at most one per node
    MeterReference reference;

    // [setup] Append a tap and assign its meter channels; returns its index.
    std::size_t addTap(PlannedTap tap)
    {
        tap.firstChannel = numChannels;
        numChannels += tap.numChannels;
        taps.push_back(std::move(tap));
        return taps.size() - 1;
    }

    // [setup] Add a bus (or the master) summing memberTaps: appends the virtual tap of the sum
    // (stage pre_insert when the bus input is not tapped, summed_members when measuredInputTap is
    // given) with the bus's channel count and layout, and records the bus. Returns the summed tap.
    std::size_t addBus(const std::string& nodeId, NodeKind kind, std::size_t numBusChannels,
                       std::vector<dsp::ChannelRole> layout, std::vector<std::size_t> memberTaps,
                       std::optional<std::size_t> measuredInputTap = std::nullopt)
    {
        const std::string stage{measuredInputTap ? kStageSummedMembers : kStagePreInsert};
        PlannedTap sum{nodeId,
                       stage,
                       0,
                       numBusChannels,
                       std::move(layout),
                       true,
                       std::move(memberTaps),
                       kind,
                       measuredInputTap ? std::nullopt : defaultStageTarget(kind, stage)};
        const std::size_t summed = addTap(std::move(sum));
        buses.push_back({nodeId, summed, measuredInputTap});
        return summed;
    }

    // [setup] Declare a plugin chain between two taps of the same node.
    void addChain(std::size_t preInsertTap, std::size_t postInsertTap)
    {
        chains.push_back({preInsertTap, postInsertTap});
    }

    // [setup] Channels read from the audio source (ports or files), in meter-channel order.
    [[nodiscard]] std::size_t numSourceChannels() const
    {
        std::size_t n = 0;
        for (const PlannedTap& t : taps)
            if (!t.isVirtual) n += t.numChannels;
        return n;
    }

    // [setup] Checks the cross-references (tap indices, channel ranges, chains within one node,
    // buses summing into a virtual tap of their own node). Throws std::invalid_argument.
    void validate() const
    {
        const auto fail = [](const std::string& what) { throw std::invalid_argument("meter plan: " + what); };
        const auto name = [this](std::size_t t) { return taps[t].nodeId + "/" + taps[t].stage; };
        std::size_t channel = 0;
        for (std::size_t t = 0; t < taps.size(); ++t)
        {
            const PlannedTap& tap = taps[t];
            if (tap.firstChannel != channel)
                fail("tap " + name(t) + " does not follow the previous tap's channels");
            channel += tap.numChannels;
            if (!tap.layout.empty() && tap.layout.size() != tap.numChannels)
                fail("tap " + name(t) + " has a layout of " + std::to_string(tap.layout.size()) +
                     " roles for " + std::to_string(tap.numChannels) + " channels");
            for (std::size_t m : tap.members)
                if (m >= taps.size()) fail("tap " + name(t) + " sums a tap that does not exist");
            if (tap.target && !(tap.target->averageMinDbfs <= tap.target->averageMaxDbfs))
                fail("tap " + name(t) + " has a target range whose minimum exceeds its maximum");
        }
        if (channel != numChannels) fail("channel count does not match the taps");
        for (const PlannedChain& c : chains)
        {
            if (c.preInsertTap >= taps.size() || c.postInsertTap >= taps.size())
                fail("a chain names a tap that does not exist");
            if (taps[c.preInsertTap].nodeId != taps[c.postInsertTap].nodeId)
                fail("chain " + name(c.preInsertTap) + " -> " + name(c.postInsertTap) + " spans two nodes");
        }
        for (const PlannedBus& b : buses)
        {
            if (b.summedTap >= taps.size() || !taps[b.summedTap].isVirtual ||
                taps[b.summedTap].nodeId != b.nodeId)
                fail("bus " + b.nodeId + " needs a virtual summed tap of its own node");
            if (b.measuredInputTap &&
                (*b.measuredInputTap >= taps.size() || taps[*b.measuredInputTap].nodeId != b.nodeId))
                fail("bus " + b.nodeId + " has a measured input that is not one of its taps");
        }
    }
};

} // namespace headroom::server
