#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "proto/Protocol.h"
#include "proto/Result.h"

// The binary meter frame (PROTOCOL.md "Meter frames"): the value type, its little-endian encoding,
// a strict decoder for untrusted bytes, and the merge a connection's pending slot needs.
//
// MeterFrame holds the wire's values (int16 centi-dB), so decode(encode(f)) == f exactly and a
// merged frame re-encodes without a second rounding. The server converts the engine's dB readings
// once per frame with centiDbFromDb(), encodes once per rate tier, and shares the bytes.
// All functions are pure: [any].
namespace headroom::proto
{

// A run of meter channels (topology.taps[].first_channel numbering).
struct ChannelRange
{
    uint32_t first = 0;
    uint32_t count = 0;

    friend bool operator==(const ChannelRange&, const ChannelRange&) = default;
};

struct MeterFrame
{
    uint16_t flags = 0;                    // frame_flags bits
    uint16_t fields = kDefaultMeterFields; // which level arrays are present (fieldBit())
    uint64_t sequence = 0;                 // the engine's frame sequence of the newest frame included
    uint64_t serverTimeUs = 0;             // server clock when the frame was taken, µs since the Unix epoch
    uint32_t topologyVersion = 0;          // the `topology.version` the channel numbering belongs to
    // The meter channels the frame carries, ascending. Empty: channels 0..numChannels()-1 (a full frame).
    std::vector<ChannelRange> ranges;
    // Per field: numChannels() centi-dB values when the field's bit is set in `fields`, else empty.
    std::array<std::vector<int16_t>, kNumMeterFields> levels;
    // Per channel: kClipLatched | kClipEvent bits. Its size is the channel count.
    std::vector<uint8_t> clipFlags;

    [[nodiscard]] std::size_t numChannels() const noexcept { return clipFlags.size(); }
    [[nodiscard]] bool has(MeterField f) const noexcept { return (fields & fieldBit(f)) != 0; }
    [[nodiscard]] std::vector<int16_t>& level(MeterField f) { return levels[static_cast<std::size_t>(f)]; }
    [[nodiscard]] const std::vector<int16_t>& level(MeterField f) const
    {
        return levels[static_cast<std::size_t>(f)];
    }

    // Sizes clipFlags and the arrays of the fields set in `fields` to numChannels (new values: no
    // data, no clip) and empties the others.
    void resize(std::size_t numChannels);

    friend bool operator==(const MeterFrame&, const MeterFrame&) = default;
};

// ---- centi-dB ----

// round(dB x 100) half away from zero, clamped to kCentiDbMin..kCentiDbMax; -inf gives
// kCentiDbMinusInfinity, +inf kCentiDbMax, NaN kCentiDbNoData.
[[nodiscard]] int16_t centiDbFromDb(double db) noexcept;
// The inverse: -inf for kCentiDbMinusInfinity, NaN for kCentiDbNoData, else value / 100.
[[nodiscard]] double dbFromCentiDb(int16_t centiDb) noexcept;

// ---- encode / decode ----

enum class FrameErrorCode : uint8_t
{
    truncated,          // shorter than its header says
    unsupportedVersion, // byte 0 is not kProtocolVersion
    unknownType,        // byte 1 is not a known FrameType
    badLength,          // longer than its header says
    tooManyChannels,    // count or range count over the limits
    badRanges,          // ranges empty, overlapping, descending, overflowing or not adding up to count
    inconsistent,       // encode only: arrays and channel count or ranges disagree
};

struct FrameError
{
    FrameErrorCode code = FrameErrorCode::truncated;
    std::string message;
};

[[nodiscard]] std::string_view toString(FrameErrorCode code) noexcept;

// Bytes the encoding of a frame with these dimensions takes (header, ranges, arrays, clip bits,
// padding). popcount(fields) arrays, whether known or not.
[[nodiscard]] std::size_t meterFrameSize(std::size_t numChannels, std::size_t numRanges,
                                         uint16_t fields) noexcept;

// Why a frame cannot be encoded (array sizes, unknown field bits, ranges), or an empty string.
[[nodiscard]] std::string checkMeterFrame(const MeterFrame& frame);

// The wire bytes; an error (never a malformed frame) when checkMeterFrame() objects.
[[nodiscard]] Result<std::vector<uint8_t>, FrameError> encodeMeterFrame(const MeterFrame& frame);

// Strict decoder for untrusted bytes: never throws on any input (bad_alloc aside, bounded by the
// limits), never reads out of bounds. Unknown flag bits are kept; arrays of unknown field bits are
// skipped and their bits cleared from `fields`; padding content is ignored.
[[nodiscard]] Result<MeterFrame, FrameError> decodeMeterFrame(std::span<const uint8_t> bytes);

// ---- merging ----

enum class MergeOutcome : uint8_t
{
    merged,   // `newer` was folded into `into`
    replaced, // the frames were incompatible (topology, fields or channels differ): `into` = `newer`
};

// Folds a newer frame into an older one that was not sent yet (a connection's pending slot, or a
// slower rate tier's accumulator): per channel the maximum of the "since previous frame" fields
// (true peak, sample peak, PPM; no data yields to a value), the newer needles and holds (RMS, VU,
// peak hold) and clip latch, the OR of clip events; flags merged, xrun and dropped OR-ed, stale
// and unknown bits from the newer frame; sequence, time and topology version from the newer frame.
// markMerged sets frame_flags::merged (a slow connection; a rate tier's normal aggregation does not).
MergeOutcome mergeMeterFrames(MeterFrame& into, const MeterFrame& newer, bool markMerged = true);

// The same on encoded frames, for a pending slot that holds shared bytes: decode both, merge,
// encode. An error only when either input does not decode.
[[nodiscard]] Result<std::vector<uint8_t>, FrameError>
mergeEncodedMeterFrames(std::span<const uint8_t> pending, std::span<const uint8_t> newer,
                        bool markMerged = true);

// ---- channel subsets ----

// Why a range table is invalid, or "": ranges must be non-empty, ascending, non-overlapping,
// within u32 and add up to numChannels; channelLimit, when given, bounds the last channel + 1.
// An empty table is valid (a full frame).
[[nodiscard]] std::string checkChannelRanges(const std::vector<ChannelRange>& ranges, std::size_t numChannels,
                                             std::optional<uint64_t> channelLimit = std::nullopt);

// The meter channel of the i-th value of a frame (i < numChannels()).
[[nodiscard]] uint32_t meterChannelAt(const MeterFrame& frame, std::size_t i) noexcept;

// Sorted, de-duplicated channel indices as coalesced ranges.
[[nodiscard]] std::vector<ChannelRange> rangesFromChannels(std::vector<uint32_t> channels);

// The part of a full frame (no ranges) covering `ranges` (ascending, within the frame), with the
// given fields (a subset of the full frame's fields): a subscription to some nodes or fields.
[[nodiscard]] Result<MeterFrame, FrameError>
selectMeterChannels(const MeterFrame& full, const std::vector<ChannelRange>& ranges, uint16_t fields);

} // namespace headroom::proto
