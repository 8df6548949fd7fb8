#include "proto/RoomSummary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "server/lab/LabRooms.h"

using namespace headroom::proto::lab;

namespace
{
RoomSummary sample()
{
    RoomSummary s;
    s.site = "lab";
    s.room = "room-7";
    s.sequence = 42;
    s.timeUnixMs = 1700000000123;
    s.audioSeconds = 12.34;
    s.audioRunning = true;
    s.nodes.push_back({"vox", "channel", "input", -18.04, -17.96, -6.5, 6.5, "in"});
    s.nodes.push_back({"master", "master", "pre_insert", -std::numeric_limits<double>::infinity(), std::nullopt,
                       std::nullopt, std::nullopt, "idle"});
    s.master = {-20.0, -21.26, std::nullopt, -3.0, 3.0};
    s.advisories.push_back({"recording_too_hot:vox", "critical", "vox", "Recording too hot"});
    s.exercise.number = 1;
    s.exercise.state = "running";
    s.exercise.score = 87.4;
    s.exercise.progress = 0.5;
    s.exercise.heldSeconds = 5.0;
    s.exercise.target = "vox/input";
    s.exercise.message = "in the zone";
    s.exercise.items.push_back({"loudest (3 s)", -12.3, true, "aim -12"});
    s.exercise.runId = 3;
    return s;
}
} // namespace

TEST(RoomSummary, RoundTripsWithTenthDbResolution)
{
    const auto decoded = decodeRoomSummary(encodeRoomSummary(sample()));
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    const RoomSummary& d = *decoded;
    EXPECT_EQ(d.site, "lab");
    EXPECT_EQ(d.room, "room-7");
    EXPECT_EQ(d.sequence, 42u);
    EXPECT_EQ(d.timeUnixMs, 1700000000123);
    ASSERT_EQ(d.nodes.size(), 2u);
    EXPECT_DOUBLE_EQ(*d.nodes[0].levelDbfs, -18.0);
    EXPECT_DOUBLE_EQ(*d.nodes[0].averageDbfs, -18.0);
    EXPECT_FALSE(d.nodes[1].levelDbfs.has_value()); // -inf travels as null
    EXPECT_EQ(d.nodes[1].state, "idle");
    EXPECT_DOUBLE_EQ(*d.master.shortTermLufs, -21.3);
    EXPECT_FALSE(d.master.integratedLufs.has_value());
    ASSERT_EQ(d.advisories.size(), 1u);
    EXPECT_EQ(d.advisories[0].severity, "critical");
    EXPECT_EQ(d.exercise.number, 1);
    EXPECT_EQ(d.exercise.state, "running");
    EXPECT_DOUBLE_EQ(d.exercise.score, 87.0);
    EXPECT_EQ(d.exercise.runId, 3u);
    ASSERT_EQ(d.exercise.items.size(), 1u);
    EXPECT_TRUE(d.exercise.items[0].ok);
}

TEST(RoomSummary, RefusesMalformedOrForeignMessages)
{
    EXPECT_FALSE(decodeRoomSummary("not json").ok());
    EXPECT_FALSE(decodeRoomSummary("[]").ok());
    EXPECT_FALSE(decodeRoomSummary(R"({"v":2,"site":"lab","room":"r"})").ok());
    EXPECT_FALSE(decodeRoomSummary(R"({"v":1,"site":"lab"})").ok());
    EXPECT_FALSE(decodeRoomSummary(R"({"v":1,"site":"lab","room":"a/b"})").ok());
    EXPECT_FALSE(decodeRoomSummary(R"({"v":1,"site":"lab","room":"r","nodes":[{"id":1}]})").ok());
    EXPECT_FALSE(decodeRoomSummary(std::string(300 * 1024, ' ')).ok());
}

TEST(RoomSummary, StatusTopologyAndCommandRoundTrip)
{
    const auto status = decodeRoomStatus(encodeRoomStatus({true, 5}));
    ASSERT_TRUE(status.ok());
    EXPECT_TRUE(status->online);
    EXPECT_FALSE(decodeRoomStatus(R"({"state":"maybe"})").ok());

    const auto topology =
        decodeRoomTopology(encodeRoomTopology({"lab", "r1", "s", "http://10.0.0.2:8080/", {{"vox", "channel", "Vox"}}}));
    ASSERT_TRUE(topology.ok()) << topology.error();
    EXPECT_EQ(topology->dashboardUrl, "http://10.0.0.2:8080/");
    ASSERT_EQ(topology->nodes.size(), 1u);

    const auto command = decodeRoomCommand(encodeRoomCommand({"start", 2, "", 4.0, 30.0, 9}));
    ASSERT_TRUE(command.ok()) << command.error();
    EXPECT_EQ(command->exercise, 2);
    EXPECT_DOUBLE_EQ(command->limitSeconds, 30.0);
    EXPECT_FALSE(decodeRoomCommand(R"({"v":1,"action":"start","exercise":0})").ok());
    EXPECT_FALSE(decodeRoomCommand(R"({"v":1,"action":"start","exercise":4})").ok());
    EXPECT_FALSE(decodeRoomCommand(R"({"v":1,"action":"explode"})").ok());
    EXPECT_FALSE(decodeRoomCommand(R"({"v":1,"action":"stop","hold_s":-1})").ok());
}

TEST(RoomSummary, TopicsParseOnlyExactRoomTopics)
{
    EXPECT_EQ(roomTopic("lab", "r1", "summary"), "headroom/v1/lab/r1/summary");
    const auto parts = parseRoomTopic("headroom/v1/lab/r1/summary");
    ASSERT_TRUE(parts.has_value());
    EXPECT_EQ(parts->room, "r1");
    EXPECT_FALSE(parseRoomTopic("headroom/v1/lab/r1").has_value());
    EXPECT_FALSE(parseRoomTopic("headroom/v1/lab/r1/summary/x").has_value());
    EXPECT_FALSE(parseRoomTopic("other/v1/lab/r1/summary").has_value());
    EXPECT_FALSE(validRoomName("+"));
    EXPECT_FALSE(validRoomName(""));
}

TEST(LabRooms, LiveOfflineStaleAndResults)
{
    using headroom::server::lab::LabRooms;
    LabRooms rooms;
    const auto t0 = LabRooms::Clock::now();
    RoomSummary s = sample();
    s.exercise.state = "passed";
    ASSERT_TRUE(rooms.onMessage("headroom/v1/lab/room-7/topology",
                                encodeRoomTopology({"lab", "room-7", "s", "javascript:alert(1)", {}}), t0, 1)
                    .has_value());
    const auto tile = rooms.onMessage("headroom/v1/lab/room-7/summary", encodeRoomSummary(s), t0, 2);
    ASSERT_TRUE(tile.has_value());
    EXPECT_NE(tile->find("\"live\":true"), std::string::npos);
    EXPECT_NE(tile->find("\"dashboard\":\"\""), std::string::npos) << "only http(s) links reach the page";
    EXPECT_EQ(rooms.liveCount(), 1u);
    // A summary claiming another room on this room's topic is refused.
    std::string error;
    RoomSummary other = sample();
    other.room = "room-8";
    EXPECT_FALSE(rooms.onMessage("headroom/v1/lab/room-7/summary", encodeRoomSummary(other), t0, 3, &error));
    EXPECT_FALSE(error.empty());
    // The last will.
    const auto offline = rooms.onMessage("headroom/v1/lab/room-7/status", R"({"state":"offline"})", t0, 4);
    ASSERT_TRUE(offline.has_value());
    EXPECT_NE(offline->find("\"live\":false"), std::string::npos);
    // Back, then silent for longer than the stale limit.
    rooms.onMessage("headroom/v1/lab/room-7/summary", encodeRoomSummary(s), t0, 5);
    EXPECT_TRUE(rooms.expire(t0 + std::chrono::seconds(4)).empty());
    EXPECT_EQ(rooms.expire(t0 + std::chrono::seconds(6)).size(), 1u);
    EXPECT_EQ(rooms.liveCount(), 0u);
    const std::string csv = rooms.resultsCsv();
    EXPECT_NE(csv.find("lab,room-7,3,1,passed,87,"), std::string::npos) << csv;
}
