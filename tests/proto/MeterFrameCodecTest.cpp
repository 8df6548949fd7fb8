#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "proto/MeterFrameCodec.h"
#include "tests/proto/ProtoFixtures.h"

namespace headroom::proto
{
namespace
{

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<uint8_t> encodeOrFail(const MeterFrame& frame)
{
    auto bytes = encodeMeterFrame(frame);
    EXPECT_TRUE(bytes.ok()) << (bytes.ok() ? "" : bytes.error().message);
    return bytes.ok() ? bytes.value() : std::vector<uint8_t>{};
}

MeterFrame smallFrame(std::size_t n, uint16_t fields = kDefaultMeterFields)
{
    MeterFrame f;
    f.fields = fields;
    f.sequence = 77;
    f.serverTimeUs = 1'700'000'000'000'000;
    f.topologyVersion = 5;
    f.resize(n);
    for (std::size_t k = 0; k < kNumMeterFields; ++k)
        for (std::size_t i = 0; i < f.levels[k].size(); ++i)
            f.levels[k][i] = static_cast<int16_t>(-100 * static_cast<int>(i) - static_cast<int>(k));
    return f;
}

void setU32(std::vector<uint8_t>& bytes, std::size_t offset, uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        bytes[offset + static_cast<std::size_t>(i)] = static_cast<uint8_t>(v >> (8 * i));
}

TEST(CentiDb, RoundsHalfAwayFromZeroToHundredthsOfADecibel)
{
    EXPECT_EQ(centiDbFromDb(0.0), 0);
    EXPECT_EQ(centiDbFromDb(-18.0), -1800);
    EXPECT_EQ(centiDbFromDb(-12.344), -1234);
    EXPECT_EQ(centiDbFromDb(-12.346), -1235);
    EXPECT_EQ(centiDbFromDb(-0.125), -13); // -12.5 centi-dB exactly: away from zero
    EXPECT_EQ(centiDbFromDb(0.125), 13);
    EXPECT_EQ(centiDbFromDb(-0.004), 0);
    EXPECT_EQ(centiDbFromDb(3.01), 301);
}

TEST(CentiDb, MapsInfinitiesAndNaNToSentinelsAndClampsEverythingElse)
{
    EXPECT_EQ(centiDbFromDb(-kInf), kCentiDbMinusInfinity);
    EXPECT_EQ(centiDbFromDb(std::numeric_limits<double>::quiet_NaN()), kCentiDbNoData);
    EXPECT_EQ(centiDbFromDb(kInf), kCentiDbMax);
    EXPECT_EQ(centiDbFromDb(1e300), kCentiDbMax);
    EXPECT_EQ(centiDbFromDb(327.66), kCentiDbMax);
    EXPECT_EQ(centiDbFromDb(327.67), kCentiDbMax); // would be the no-data sentinel
    EXPECT_EQ(centiDbFromDb(-327.67), kCentiDbMin);
    EXPECT_EQ(centiDbFromDb(-327.68), kCentiDbMin); // would be the -inf sentinel
    EXPECT_EQ(centiDbFromDb(-1e300), kCentiDbMin);  // finite stays finite
    EXPECT_EQ(centiDbFromDb(std::numeric_limits<double>::denorm_min()), 0);
}

TEST(CentiDb, DecodesSentinelsAndValues)
{
    EXPECT_EQ(dbFromCentiDb(kCentiDbMinusInfinity), -kInf);
    EXPECT_TRUE(std::isnan(dbFromCentiDb(kCentiDbNoData)));
    EXPECT_DOUBLE_EQ(dbFromCentiDb(-1234), -12.34);
    EXPECT_DOUBLE_EQ(dbFromCentiDb(kCentiDbMax), 327.66);
    EXPECT_DOUBLE_EQ(dbFromCentiDb(kCentiDbMin), -327.67);
    for (int v = -32767; v <= 32766; v += 7)
        EXPECT_EQ(centiDbFromDb(dbFromCentiDb(static_cast<int16_t>(v))), v);
}

TEST(MeterFrameCodec, WritesTheDocumentedLittleEndianHeader)
{
    MeterFrame f = smallFrame(3, fieldBit(MeterField::truePeak));
    f.flags = frame_flags::xrun;
    f.sequence = 0x0102030405060708ull;
    f.serverTimeUs = 0x1112131415161718ull;
    f.topologyVersion = 0x21222324u;
    f.level(MeterField::truePeak) = {-1, kCentiDbMinusInfinity, kCentiDbNoData};
    f.clipFlags = {kClipLatched, kClipEvent, kClipLatched | kClipEvent};
    const std::vector<uint8_t> b = encodeOrFail(f);
    const std::vector<uint8_t> expected = {
        0x01,  0x01,  0x02, 0x00, 0x01, 0x00, 0x00, 0x00, // version, type, flags, fields, ranges
        0x08,  0x07,  0x06, 0x05, 0x04, 0x03, 0x02, 0x01, // sequence
        0x18,  0x17,  0x16, 0x15, 0x14, 0x13, 0x12, 0x11, // server time
        0x24,  0x23,  0x22, 0x21, 0x03, 0x00, 0x00, 0x00, // topology version, count
        0xFF,  0xFF,  0x00, 0x80, 0xFF, 0x7F,             // true peak: -0.01, -inf, no data
        0b101, 0b110,                                     // clip latched, clip event
    };
    EXPECT_EQ(b, expected);
    EXPECT_EQ(b.size(), meterFrameSize(3, 0, f.fields));
    EXPECT_EQ(b.size() % kMeterFrameAlignment, 0u);
}

TEST(MeterFrameCodec, SizesFollowTheLayout)
{
    EXPECT_EQ(meterFrameSize(0, 0, kDefaultMeterFields), 32u);
    EXPECT_EQ(meterFrameSize(1, 0, 0), 36u); // 32 + 0 + 2 bit bytes, padded
    EXPECT_EQ(meterFrameSize(8, 0, kDefaultMeterFields), 32u + 80u + 2u + 2u);
    EXPECT_EQ(meterFrameSize(9, 2, fieldBit(MeterField::rms)), 32u + 16u + 18u + 4u + 2u);
    EXPECT_EQ(meterFrameSize(144, 0, kDefaultMeterFields), 32u + 1440u + 36u); // a 72-tap studio: 1508 bytes
    // PROTOCOL.md's tablet: two adjacent stereo taps, one range, true peak and RMS.
    EXPECT_EQ(meterFrameSize(4, 1, fieldBit(MeterField::truePeak) | fieldBit(MeterField::rms)), 60u);
}

TEST(MeterFrameCodec, RoundTripsEveryFieldCombinationAndChannelCount)
{
    for (uint16_t fields : {uint16_t{0}, kDefaultMeterFields, kKnownMeterFields, fieldBit(MeterField::vu)})
    {
        for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 17u, 144u, 1000u})
        {
            MeterFrame f = smallFrame(n, fields);
            for (std::size_t i = 0; i < n; ++i) f.clipFlags[i] = static_cast<uint8_t>(i % 4);
            const auto decoded = decodeMeterFrame(encodeOrFail(f));
            ASSERT_TRUE(decoded.ok()) << decoded.error().message;
            EXPECT_EQ(decoded.value(), f) << "fields " << fields << ", " << n << " channels";
        }
    }
}

TEST(MeterFrameCodec, RoundTripsARangeTable)
{
    MeterFrame f = smallFrame(5);
    f.ranges = {{2, 3}, {10, 2}};
    const auto decoded = decodeMeterFrame(encodeOrFail(f));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded.value(), f);
    EXPECT_EQ(meterChannelAt(f, 0), 2u);
    EXPECT_EQ(meterChannelAt(f, 2), 4u);
    EXPECT_EQ(meterChannelAt(f, 3), 10u);
    EXPECT_EQ(meterChannelAt(f, 4), 11u);
}

TEST(MeterFrameCodec, RefusesToEncodeInconsistentFrames)
{
    MeterFrame wrongSize = smallFrame(4);
    wrongSize.level(MeterField::rms).pop_back();
    EXPECT_EQ(encodeMeterFrame(wrongSize).error().code, FrameErrorCode::inconsistent);

    MeterFrame strayArray = smallFrame(4, fieldBit(MeterField::rms));
    strayArray.level(MeterField::vu) = {1, 2, 3, 4};
    EXPECT_FALSE(encodeMeterFrame(strayArray).ok());

    MeterFrame unknownField = smallFrame(4);
    unknownField.fields = static_cast<uint16_t>(unknownField.fields | 0x0400u);
    EXPECT_FALSE(encodeMeterFrame(unknownField).ok());

    MeterFrame badRanges = smallFrame(4);
    badRanges.ranges = {{0, 2}, {1, 2}}; // overlapping
    EXPECT_FALSE(encodeMeterFrame(badRanges).ok());
    badRanges.ranges = {{0, 3}}; // 3 channels, the frame has 4
    EXPECT_FALSE(encodeMeterFrame(badRanges).ok());

    MeterFrame badClip = smallFrame(4);
    badClip.clipFlags[0] = 4;
    EXPECT_FALSE(encodeMeterFrame(badClip).ok());
}

TEST(MeterFrameDecoder, RefusesEveryTruncationOfAValidFrame)
{
    const std::vector<uint8_t> bytes = encodeOrFail(fixtures::fullFrame());
    for (std::size_t size = 0; size < bytes.size(); ++size)
    {
        const auto decoded = decodeMeterFrame(std::span(bytes.data(), size));
        ASSERT_FALSE(decoded.ok()) << size << " bytes";
        EXPECT_EQ(decoded.error().code, FrameErrorCode::truncated) << size << " bytes";
        EXPECT_FALSE(decoded.error().message.empty());
    }
}

TEST(MeterFrameDecoder, RefusesTrailingBytes)
{
    std::vector<uint8_t> bytes = encodeOrFail(fixtures::fullFrame());
    bytes.push_back(0);
    EXPECT_EQ(decodeMeterFrame(bytes).error().code, FrameErrorCode::badLength);
}

TEST(MeterFrameDecoder, RefusesOtherVersionsAndTypes)
{
    std::vector<uint8_t> bytes = encodeOrFail(fixtures::fullFrame());
    bytes[0] = 2;
    auto decoded = decodeMeterFrame(bytes);
    EXPECT_EQ(decoded.error().code, FrameErrorCode::unsupportedVersion);
    EXPECT_EQ(decoded.error().message, "protocol version 2, expected 1");
    bytes[0] = 0;
    EXPECT_EQ(decodeMeterFrame(bytes).error().code, FrameErrorCode::unsupportedVersion);
    bytes[0] = kProtocolVersion;
    bytes[1] = 2;
    EXPECT_EQ(decodeMeterFrame(bytes).error().code, FrameErrorCode::unknownType);
    // A JSON text message delivered as binary by mistake.
    const std::string text = R"({"type":"hello"})";
    EXPECT_EQ(
        decodeMeterFrame(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())).error().code,
        FrameErrorCode::unsupportedVersion);
}

TEST(MeterFrameDecoder, RefusesCountsOverTheLimitsBeforeReadingFurther)
{
    std::vector<uint8_t> bytes = encodeOrFail(smallFrame(2));
    setU32(bytes, 28, 0xFFFFFFFFu);
    EXPECT_EQ(decodeMeterFrame(bytes).error().code, FrameErrorCode::tooManyChannels);
    setU32(bytes, 28, kMaxMeterChannels + 1);
    EXPECT_EQ(decodeMeterFrame(bytes).error().code, FrameErrorCode::tooManyChannels);
    bytes = encodeOrFail(smallFrame(2));
    bytes[6] = 0xFF;
    bytes[7] = 0xFF;
    EXPECT_EQ(decodeMeterFrame(bytes).error().code, FrameErrorCode::tooManyChannels);
}

TEST(MeterFrameDecoder, RefusesBadRangeTables)
{
    const auto withRanges = [](std::vector<ChannelRange> ranges)
    {
        MeterFrame f = smallFrame(4);
        f.ranges = {{0, 4}};
        std::vector<uint8_t> b = encodeMeterFrame(f).value();
        // Rewrite the table in place (the frame size depends only on the number of ranges).
        b[6] = static_cast<uint8_t>(ranges.size());
        std::vector<uint8_t> table;
        for (const ChannelRange& r : ranges)
            for (uint32_t v : {r.first, r.count})
                for (int i = 0; i < 4; ++i) table.push_back(static_cast<uint8_t>(v >> (8 * i)));
        b.erase(b.begin() + 32, b.begin() + 40);
        b.insert(b.begin() + 32, table.begin(), table.end());
        b.resize(meterFrameSize(4, ranges.size(), f.fields), 0);
        return decodeMeterFrame(b);
    };
    EXPECT_TRUE(withRanges({{0, 4}}).ok());
    EXPECT_TRUE(withRanges({{10, 1}, {11, 3}}).ok()); // adjacent ranges are allowed
    EXPECT_EQ(withRanges({{0, 0}, {0, 4}}).error().code, FrameErrorCode::badRanges);
    EXPECT_EQ(withRanges({{5, 2}, {1, 2}}).error().code, FrameErrorCode::badRanges);
    EXPECT_EQ(withRanges({{0, 3}, {2, 1}}).error().code, FrameErrorCode::badRanges);
    EXPECT_EQ(withRanges({{0xFFFFFFFFu, 2}, {0, 2}}).error().code, FrameErrorCode::badRanges);
    EXPECT_EQ(withRanges({{0, 2}, {4, 1}}).error().code, FrameErrorCode::badRanges); // 3 of 4
    EXPECT_EQ(withRanges({{0xFFFFFFFEu, 4}}).error().code, FrameErrorCode::badRanges);
}

TEST(MeterFrameDecoder, SkipsUnknownFieldsAndKeepsUnknownFlags)
{
    const auto decoded = decodeMeterFrame(fixtures::futureFrameBytes());
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded.value(), fixtures::futureFrameDecoded());
}

TEST(MeterFrameDecoder, SurvivesRandomCorruptionOfValidFrames)
{
    // Not a fuzzer (tests/fuzz/ has one for the client parser), but every byte position and value
    // class of real frames: the decoder must answer, never crash or read out of bounds (ASan builds).
    std::mt19937 rng(1234);
    const std::vector<std::vector<uint8_t>> seeds = {encodeOrFail(fixtures::fullFrame()),
                                                     encodeOrFail(fixtures::subsetFrame()),
                                                     fixtures::futureFrameBytes()};
    std::size_t accepted = 0;
    for (int iteration = 0; iteration < 20000; ++iteration)
    {
        std::vector<uint8_t> bytes = seeds[static_cast<std::size_t>(iteration) % seeds.size()];
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e)
        {
            const std::size_t at = rng() % bytes.size();
            switch (rng() % 4)
            {
            case 0:
                bytes[at] = static_cast<uint8_t>(rng());
                break;
            case 1:
                bytes[at] = static_cast<uint8_t>(bytes[at] ^ (1u << (rng() % 8)));
                break;
            case 2:
                bytes.resize(at + 1);
                break;
            default:
                bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at), static_cast<uint8_t>(rng()));
                break;
            }
        }
        const auto decoded = decodeMeterFrame(bytes);
        if (decoded.ok())
        {
            ++accepted;
            EXPECT_EQ(checkMeterFrame(decoded.value()), "");
        }
        else
        {
            EXPECT_FALSE(decoded.error().message.empty());
        }
    }
    EXPECT_GT(accepted, 0u); // value bytes are free: many corruptions still decode
}

TEST(MeterFrameSelection, CopiesTheChosenChannelsAndFields)
{
    const MeterFrame full = fixtures::fullFrame();
    const auto part = selectMeterChannels(full, {{4, 4}, {12, 2}}, fieldBit(MeterField::rms));
    ASSERT_TRUE(part.ok()) << part.error().message;
    EXPECT_EQ(part->numChannels(), 6u);
    EXPECT_EQ(part->fields, fieldBit(MeterField::rms));
    EXPECT_TRUE(part->level(MeterField::truePeak).empty());
    EXPECT_EQ(part->level(MeterField::rms)[0], full.level(MeterField::rms)[4]);
    EXPECT_EQ(part->level(MeterField::rms)[5], full.level(MeterField::rms)[13]);
    EXPECT_EQ(part->clipFlags[2], full.clipFlags[6]);
    EXPECT_EQ(part->sequence, full.sequence);
    EXPECT_EQ(checkMeterFrame(part.value()), "");
}

TEST(MeterFrameSelection, OfEverythingIsAFullFrameWithoutRanges)
{
    const MeterFrame full = fixtures::fullFrame();
    const auto all = selectMeterChannels(full, {{0, 18}}, full.fields);
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all.value(), full);
}

TEST(MeterFrameSelection, RefusesRangesOutsideTheFrameAndFieldsItLacks)
{
    const MeterFrame full = fixtures::fullFrame();
    EXPECT_FALSE(selectMeterChannels(full, {{17, 2}}, full.fields).ok());
    EXPECT_FALSE(selectMeterChannels(full, {{4, 2}, {3, 1}}, full.fields).ok());
    EXPECT_FALSE(selectMeterChannels(full, {{0, 1}}, fieldBit(MeterField::samplePeak)).ok());
    EXPECT_FALSE(
        selectMeterChannels(fixtures::emptyFrame(), {{0, 1}}, full.fields).ok()); // nothing to select
    EXPECT_TRUE(selectMeterChannels(fixtures::emptyFrame(), {}, full.fields).ok());
    const MeterFrame part = fixtures::subsetFrame();
    EXPECT_FALSE(selectMeterChannels(part, {{0, 1}}, part.fields).ok()); // not a full frame
}

TEST(MeterFrameSelection, RangesFromChannelsSortsDeduplicatesAndCoalesces)
{
    EXPECT_EQ(rangesFromChannels({}), std::vector<ChannelRange>{});
    EXPECT_EQ(rangesFromChannels({5, 1, 2, 3, 3, 9, 10, 6}),
              (std::vector<ChannelRange>{{1, 3}, {5, 2}, {9, 2}}));
}

} // namespace
} // namespace headroom::proto
