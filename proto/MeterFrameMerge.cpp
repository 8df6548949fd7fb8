#include "proto/MeterFrameCodec.h"

#include <algorithm>
#include <limits>

// Merging frames (a connection's pending slot, a rate tier) and selecting channel subsets.
namespace headroom::proto
{

namespace
{

FrameError frameError(FrameErrorCode code, std::string message)
{
    return FrameError{code, std::move(message)};
}

int16_t maxCentiDb(int16_t a, int16_t b) noexcept
{
    // No data yields to any reading; -inf (-32768) is already the smallest int16.
    if (a == kCentiDbNoData) return b;
    if (b == kCentiDbNoData) return a;
    return std::max(a, b);
}

} // namespace

MergeOutcome mergeMeterFrames(MeterFrame& into, const MeterFrame& newer, bool markMerged)
{
    // Events within the span survive whatever happens to the readings.
    const uint16_t events = static_cast<uint16_t>(
        (into.flags | newer.flags) & (frame_flags::merged | frame_flags::xrun | frame_flags::dropped));
    const uint16_t states = static_cast<uint16_t>(
        newer.flags & ~(frame_flags::merged | frame_flags::xrun | frame_flags::dropped));
    const uint16_t flags = static_cast<uint16_t>(events | states | (markMerged ? frame_flags::merged : 0));

    const bool compatible = into.topologyVersion == newer.topologyVersion && into.fields == newer.fields &&
                            into.ranges == newer.ranges && into.numChannels() == newer.numChannels();
    if (!compatible)
    {
        // Readings of another channel numbering or field set cannot be combined; the newer wins.
        into = newer;
        into.flags = flags;
        return MergeOutcome::replaced;
    }
    const std::size_t n = into.numChannels();
    for (std::size_t f = 0; f < kNumMeterFields; ++f)
    {
        const auto field = static_cast<MeterField>(f);
        if (!into.has(field)) continue;
        std::vector<int16_t>& a = into.levels[f];
        const std::vector<int16_t>& b = newer.levels[f];
        if (a.size() != n || b.size() != n) continue; // not a consistent frame: keep what is there
        if (mergesByMaximum(field))
            for (std::size_t i = 0; i < n; ++i) a[i] = maxCentiDb(a[i], b[i]);
        else
            a = b;
    }
    for (std::size_t i = 0; i < n; ++i)
    {
        // The latch is a state (reset_peaks clears it): the newer one is right. Events are OR-ed.
        into.clipFlags[i] = static_cast<uint8_t>((newer.clipFlags[i] & kClipLatched) |
                                                 ((into.clipFlags[i] | newer.clipFlags[i]) & kClipEvent));
    }
    into.flags = flags;
    into.sequence = newer.sequence;
    into.serverTimeUs = newer.serverTimeUs;
    return MergeOutcome::merged;
}

Result<std::vector<uint8_t>, FrameError>
mergeEncodedMeterFrames(std::span<const uint8_t> pending, std::span<const uint8_t> newer, bool markMerged)
{
    auto older = decodeMeterFrame(pending);
    if (!older) return older.error();
    auto latest = decodeMeterFrame(newer);
    if (!latest) return latest.error();
    mergeMeterFrames(*older, *latest, markMerged);
    return encodeMeterFrame(*older);
}

uint32_t meterChannelAt(const MeterFrame& frame, std::size_t i) noexcept
{
    if (frame.ranges.empty()) return static_cast<uint32_t>(i);
    for (const ChannelRange& r : frame.ranges)
    {
        if (i < r.count) return r.first + static_cast<uint32_t>(i);
        i -= r.count;
    }
    return std::numeric_limits<uint32_t>::max(); // i out of range
}

std::vector<ChannelRange> rangesFromChannels(std::vector<uint32_t> channels)
{
    std::sort(channels.begin(), channels.end());
    channels.erase(std::unique(channels.begin(), channels.end()), channels.end());
    std::vector<ChannelRange> ranges;
    for (uint32_t c : channels)
    {
        if (!ranges.empty() && uint64_t{ranges.back().first} + ranges.back().count == c)
            ++ranges.back().count;
        else
            ranges.push_back({c, 1});
    }
    return ranges;
}

Result<MeterFrame, FrameError> selectMeterChannels(const MeterFrame& full,
                                                   const std::vector<ChannelRange>& ranges, uint16_t fields)
{
    if (!full.ranges.empty())
        return frameError(FrameErrorCode::inconsistent, "the source frame is not a full frame");
    if ((fields & ~full.fields) != 0)
        return frameError(FrameErrorCode::inconsistent, "fields the source frame does not carry");
    std::size_t n = 0;
    for (const ChannelRange& r : ranges) n += r.count;
    if (std::string problem = checkChannelRanges(ranges, n, full.numChannels()); !problem.empty())
        return frameError(FrameErrorCode::badRanges, problem);

    MeterFrame part;
    part.flags = full.flags;
    part.fields = fields;
    part.sequence = full.sequence;
    part.serverTimeUs = full.serverTimeUs;
    part.topologyVersion = full.topologyVersion;
    // A selection of everything is a full frame: no range table.
    const bool everything = ranges.size() == 1 && ranges[0].first == 0 && n == full.numChannels();
    if (!everything) part.ranges = ranges;
    for (std::size_t f = 0; f < kNumMeterFields; ++f)
    {
        if ((fields & fieldBit(static_cast<MeterField>(f))) == 0) continue;
        if (full.levels[f].size() != full.numChannels())
            return frameError(FrameErrorCode::inconsistent, "the source frame's arrays are inconsistent");
        part.levels[f].reserve(n);
        for (const ChannelRange& r : ranges)
            part.levels[f].insert(part.levels[f].end(), full.levels[f].begin() + r.first,
                                  full.levels[f].begin() + r.first + r.count);
    }
    part.clipFlags.reserve(n);
    for (const ChannelRange& r : ranges)
        part.clipFlags.insert(part.clipFlags.end(), full.clipFlags.begin() + r.first,
                              full.clipFlags.begin() + r.first + r.count);
    return part;
}

} // namespace headroom::proto
