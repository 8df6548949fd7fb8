#include "proto/MeterFrameCodec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace headroom::proto
{

namespace
{

// Little-endian regardless of the host: bytes are assembled explicitly (no memcpy of host integers).
void putU16(uint8_t* p, uint16_t v) noexcept
{
    p[0] = static_cast<uint8_t>(v);
    p[1] = static_cast<uint8_t>(v >> 8);
}

void putU32(uint8_t* p, uint32_t v) noexcept
{
    for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

void putU64(uint8_t* p, uint64_t v) noexcept
{
    for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint16_t getU16(const uint8_t* p) noexcept
{
    return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

uint32_t getU32(const uint8_t* p) noexcept
{
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
    return v;
}

uint64_t getU64(const uint8_t* p) noexcept
{
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    return v;
}

std::size_t bitArrayBytes(std::size_t numChannels) noexcept
{
    return (numChannels + 7) / 8;
}

FrameError frameError(FrameErrorCode code, std::string message)
{
    return FrameError{code, std::move(message)};
}

} // namespace

std::string checkChannelRanges(const std::vector<ChannelRange>& ranges, std::size_t numChannels,
                               std::optional<uint64_t> limit)
{
    if (ranges.empty()) return {};
    uint64_t nextFree = 0;
    uint64_t total = 0;
    for (std::size_t i = 0; i < ranges.size(); ++i)
    {
        const ChannelRange& r = ranges[i];
        const std::string where = "range " + std::to_string(i) + ": ";
        if (r.count == 0) return where + "is empty";
        if (i > 0 && r.first < nextFree) return where + "starts inside or before the previous range";
        const uint64_t end = uint64_t{r.first} + r.count;
        if (end > (uint64_t{1} << 32)) return where + "ends past channel 2^32";
        if (limit && end > *limit)
            return where + "ends at channel " + std::to_string(end) + ", past " + std::to_string(*limit);
        nextFree = end;
        total += r.count;
    }
    if (total != numChannels)
        return "ranges cover " + std::to_string(total) + " channels, the frame has " +
               std::to_string(numChannels);
    return {};
}

void MeterFrame::resize(std::size_t numChannels)
{
    for (std::size_t f = 0; f < kNumMeterFields; ++f)
    {
        if ((fields & fieldBit(static_cast<MeterField>(f))) != 0)
            levels[f].resize(numChannels, kCentiDbNoData);
        else
            levels[f].clear();
    }
    clipFlags.resize(numChannels, 0);
}

int16_t centiDbFromDb(double db) noexcept
{
    if (std::isnan(db)) return kCentiDbNoData;
    if (db == -std::numeric_limits<double>::infinity()) return kCentiDbMinusInfinity;
    // Clamp in dB first so the conversion to an integer is always defined (also for +inf).
    const double centi = std::round(std::clamp(db * 100.0, double{kCentiDbMin}, double{kCentiDbMax}));
    return static_cast<int16_t>(centi);
}

double dbFromCentiDb(int16_t centiDb) noexcept
{
    if (centiDb == kCentiDbMinusInfinity) return -std::numeric_limits<double>::infinity();
    if (centiDb == kCentiDbNoData) return std::numeric_limits<double>::quiet_NaN();
    return centiDb / 100.0;
}

std::string_view toString(FrameErrorCode code) noexcept
{
    switch (code)
    {
    case FrameErrorCode::truncated:
        return "truncated";
    case FrameErrorCode::unsupportedVersion:
        return "unsupported_version";
    case FrameErrorCode::unknownType:
        return "unknown_type";
    case FrameErrorCode::badLength:
        return "bad_length";
    case FrameErrorCode::tooManyChannels:
        return "too_many_channels";
    case FrameErrorCode::badRanges:
        return "bad_ranges";
    case FrameErrorCode::inconsistent:
        return "inconsistent";
    }
    return "inconsistent";
}

std::size_t meterFrameSize(std::size_t numChannels, std::size_t numRanges, uint16_t fields) noexcept
{
    const std::size_t numArrays = static_cast<std::size_t>(std::popcount(fields));
    const std::size_t unpadded = kMeterFrameHeaderBytes + numRanges * kChannelRangeBytes +
                                 numArrays * numChannels * sizeof(int16_t) + 2 * bitArrayBytes(numChannels);
    return (unpadded + kMeterFrameAlignment - 1) / kMeterFrameAlignment * kMeterFrameAlignment;
}

std::string checkMeterFrame(const MeterFrame& frame)
{
    if ((frame.fields & ~kKnownMeterFields) != 0) return "fields has bits this encoder does not know";
    const std::size_t n = frame.numChannels();
    if (n > kMaxMeterChannels) return std::to_string(n) + " channels, over the limit";
    if (frame.ranges.size() > kMaxChannelRanges)
        return std::to_string(frame.ranges.size()) + " ranges, over the limit";
    for (std::size_t f = 0; f < kNumMeterFields; ++f)
    {
        const auto field = static_cast<MeterField>(f);
        const std::size_t expected = frame.has(field) ? n : 0;
        if (frame.levels[f].size() != expected)
            return std::string(toString(field)) + " has " + std::to_string(frame.levels[f].size()) +
                   " values, expected " + std::to_string(expected);
    }
    for (uint8_t c : frame.clipFlags)
        if ((c & ~(kClipLatched | kClipEvent)) != 0) return "clip flags with unknown bits";
    return checkChannelRanges(frame.ranges, n);
}

Result<std::vector<uint8_t>, FrameError> encodeMeterFrame(const MeterFrame& frame)
{
    if (std::string problem = checkMeterFrame(frame); !problem.empty())
        return frameError(FrameErrorCode::inconsistent, "cannot encode meter frame: " + problem);

    const std::size_t n = frame.numChannels();
    std::vector<uint8_t> out(meterFrameSize(n, frame.ranges.size(), frame.fields), 0);
    uint8_t* p = out.data();
    p[0] = kProtocolVersion;
    p[1] = static_cast<uint8_t>(FrameType::meter);
    putU16(p + 2, frame.flags);
    putU16(p + 4, frame.fields);
    putU16(p + 6, static_cast<uint16_t>(frame.ranges.size()));
    putU64(p + 8, frame.sequence);
    putU64(p + 16, frame.serverTimeUs);
    putU32(p + 24, frame.topologyVersion);
    putU32(p + 28, static_cast<uint32_t>(n));
    p += kMeterFrameHeaderBytes;
    for (const ChannelRange& r : frame.ranges)
    {
        putU32(p, r.first);
        putU32(p + 4, r.count);
        p += kChannelRangeBytes;
    }
    for (std::size_t f = 0; f < kNumMeterFields; ++f)
    {
        if (!frame.has(static_cast<MeterField>(f))) continue;
        for (int16_t v : frame.levels[f])
        {
            putU16(p, static_cast<uint16_t>(v));
            p += 2;
        }
    }
    for (uint8_t bit : {kClipLatched, kClipEvent})
    {
        for (std::size_t i = 0; i < n; ++i)
            if ((frame.clipFlags[i] & bit) != 0) p[i / 8] = static_cast<uint8_t>(p[i / 8] | (1u << (i % 8)));
        p += bitArrayBytes(n);
    }
    return out;
}

Result<MeterFrame, FrameError> decodeMeterFrame(std::span<const uint8_t> bytes)
{
    const std::size_t size = bytes.size();
    if (size < 2)
        return frameError(FrameErrorCode::truncated, "meter frame of " + std::to_string(size) + " bytes");
    if (bytes[0] != kProtocolVersion)
        return frameError(FrameErrorCode::unsupportedVersion, "protocol version " + std::to_string(bytes[0]) +
                                                                  ", expected " +
                                                                  std::to_string(kProtocolVersion));
    if (bytes[1] != static_cast<uint8_t>(FrameType::meter))
        return frameError(FrameErrorCode::unknownType,
                          "frame type " + std::to_string(bytes[1]) + " is not known");
    if (size < kMeterFrameHeaderBytes)
        return frameError(FrameErrorCode::truncated,
                          std::to_string(size) + " bytes, shorter than the 32-byte header");

    const uint8_t* p = bytes.data();
    MeterFrame frame;
    frame.flags = getU16(p + 2);
    const uint16_t wireFields = getU16(p + 4);
    const uint16_t numRanges = getU16(p + 6);
    frame.sequence = getU64(p + 8);
    frame.serverTimeUs = getU64(p + 16);
    frame.topologyVersion = getU32(p + 24);
    const uint32_t n = getU32(p + 28);
    if (n > kMaxMeterChannels)
        return frameError(FrameErrorCode::tooManyChannels, std::to_string(n) + " channels, over the limit");
    if (numRanges > kMaxChannelRanges)
        return frameError(FrameErrorCode::tooManyChannels,
                          std::to_string(numRanges) + " ranges, over the limit");

    const std::size_t expected = meterFrameSize(n, numRanges, wireFields);
    if (size < expected)
        return frameError(FrameErrorCode::truncated,
                          std::to_string(size) + " bytes, the header describes " + std::to_string(expected));
    if (size > expected)
        return frameError(FrameErrorCode::badLength,
                          std::to_string(size) + " bytes, the header describes " + std::to_string(expected));

    p += kMeterFrameHeaderBytes;
    frame.ranges.resize(numRanges);
    for (ChannelRange& r : frame.ranges)
    {
        r.first = getU32(p);
        r.count = getU32(p + 4);
        p += kChannelRangeBytes;
    }
    if (std::string problem = checkChannelRanges(frame.ranges, n); !problem.empty())
        return frameError(FrameErrorCode::badRanges, problem);

    frame.fields = static_cast<uint16_t>(wireFields & kKnownMeterFields);
    for (unsigned bit = 0; bit < 16; ++bit)
    {
        if ((wireFields & (1u << bit)) == 0) continue;
        if (bit < kNumMeterFields)
        {
            std::vector<int16_t>& values = frame.levels[bit];
            values.resize(n);
            for (uint32_t i = 0; i < n; ++i) values[i] = static_cast<int16_t>(getU16(p + 2 * std::size_t{i}));
        }
        p += std::size_t{n} * 2; // an unknown field: skipped
    }
    frame.clipFlags.assign(n, 0);
    for (uint8_t bit : {kClipLatched, kClipEvent})
    {
        for (uint32_t i = 0; i < n; ++i)
            if ((p[i / 8] >> (i % 8)) & 1u)
                frame.clipFlags[i] = static_cast<uint8_t>(frame.clipFlags[i] | bit);
        p += bitArrayBytes(n);
    }
    return frame;
}

} // namespace headroom::proto
