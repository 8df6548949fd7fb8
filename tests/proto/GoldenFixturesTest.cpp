#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "proto/JsonMessages.h"
#include "proto/MeterFrameCodec.h"
#include "tests/proto/ProtoFixtures.h"

// The checked-in files of tests/proto/fixtures/ are the protocol's memory: the C++ encoders must
// still produce them byte for byte, and both decoders (this one and web/js/protocol.js) read them.
// After a deliberate change: `ninja proto_fixtures`, review the diff, commit.
namespace headroom::proto
{
namespace
{

const std::filesystem::path kFixtureDir = HEADROOM_PROTO_FIXTURE_DIR;

std::vector<uint8_t> readFile(const std::string& name)
{
    std::ifstream in(kFixtureDir / name, std::ios::binary);
    EXPECT_TRUE(in.good()) << "missing fixture " << name << " (run `ninja proto_fixtures`)";
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string readText(const std::string& name)
{
    const std::vector<uint8_t> bytes = readFile(name);
    return {bytes.begin(), bytes.end()};
}

std::string hexDiff(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b)
{
    const std::size_t n = std::min(a.size(), b.size());
    std::size_t i = 0;
    while (i < n && a[i] == b[i]) ++i;
    return "sizes " + std::to_string(a.size()) + " and " + std::to_string(b.size()) +
           ", first difference at byte " + std::to_string(i);
}

TEST(GoldenFixtures, TheEncodersStillProduceEveryCheckedInFile)
{
    for (const auto& fixture : fixtures::allFixtures())
    {
        ASSERT_FALSE(fixture.bytes.empty()) << fixture.file;
        const std::vector<uint8_t> onDisk = readFile(fixture.file);
        EXPECT_TRUE(onDisk == fixture.bytes) << fixture.file << ": " << hexDiff(onDisk, fixture.bytes);
    }
}

TEST(GoldenFixtures, TheDirectoryHoldsNoFileTheGeneratorDoesNotKnow)
{
    std::set<std::string> known;
    for (const auto& fixture : fixtures::allFixtures()) known.insert(fixture.file);
    for (const auto& entry : std::filesystem::directory_iterator(kFixtureDir))
        EXPECT_TRUE(known.contains(entry.path().filename().string())) << "stale fixture " << entry.path();
}

TEST(GoldenFixtures, MeterFramesDecodeToTheValuesTheyWereMadeOf)
{
    const std::vector<std::pair<std::string, MeterFrame>> frames = {
        {"meter_full.bin", fixtures::fullFrame()},
        {"meter_subset.bin", fixtures::subsetFrame()},
        {"meter_merged.bin", fixtures::mergedFrame()},
        {"meter_empty.bin", fixtures::emptyFrame()},
        {"meter_future.bin", fixtures::futureFrameDecoded()},
    };
    for (const auto& [file, expected] : frames)
    {
        const auto decoded = decodeMeterFrame(readFile(file));
        ASSERT_TRUE(decoded.ok()) << file << ": " << decoded.error().message;
        EXPECT_EQ(decoded.value(), expected) << file;
    }
}

TEST(GoldenFixtures, TheFullFrameHasTheDocumentedSize)
{
    // PROTOCOL.md's worked example: 18 channels, 5 fields: 32 + 5 x 36 + 2 x 3 = 218, padded to 220.
    EXPECT_EQ(readFile("meter_full.bin").size(), 220u);
    EXPECT_EQ(readFile("meter_empty.bin").size(), 32u);
}

TEST(GoldenFixtures, ClientMessagesDecodeToWhatTheBrowserMeant)
{
    const std::vector<std::pair<std::string, ClientMessage>> messages = {
        {"client_subscribe_default.json", fixtures::subscribeDefault()},
        {"client_subscribe_subset.json", fixtures::subscribeSubset()},
        {"client_subscribe_paused.json", fixtures::subscribePaused()},
        {"client_subscribe_wall.json", fixtures::subscribeWall()},
        {"client_command_reset_peaks.json", fixtures::commandResetPeaks()},
    };
    for (const auto& [file, expected] : messages)
    {
        const auto decoded = decodeClientMessage(readText(file));
        ASSERT_TRUE(decoded.ok()) << file << ": " << decoded.error().message;
        EXPECT_EQ(decoded.value(), expected) << file;
    }
}

} // namespace
} // namespace headroom::proto
