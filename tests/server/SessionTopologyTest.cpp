// The graph views of a session: taps flattened, bus members, virtual buses, bus order, and the
// warnings `headroom check` prints.
#include "server/engine/SessionTopology.h"

#include "server/engine/SessionParser.h"

#include <algorithm>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

using namespace headroom::server;
using nlohmann::json;

namespace
{
Session parse(const json& doc)
{
    return parseSessionText(doc.dump(), "studio.json");
}

std::vector<std::string> ids(const Session& s, const std::vector<NodeRef>& refs)
{
    std::vector<std::string> out;
    for (const NodeRef& r : refs) out.push_back(nodeAt(s, r).id);
    return out;
}

std::vector<std::string> busOrder(const Session& s, const SessionTopology& t)
{
    std::vector<std::string> out;
    for (const BusInfo& b : t.buses) out.push_back(nodeAt(s, b.bus).id);
    return out;
}

// Buses declared in the file before the buses that feed them: the order must come from routing.
json nestedSession()
{
    return json::parse(R"({"name": "N", "room": "R",
      "channels": [
        {"id": "kick", "bus": "drums", "taps": {"post_fader": ["daw:kick/out"]}},
        {"id": "snare", "bus": "drums", "taps": {"post_fader": ["daw:snare/out"]}},
        {"id": "oh", "channels": 2, "bus": "drums", "taps": {"post_fader": ["daw:oh/out 1", "daw:oh/out 2"]}},
        {"id": "vox", "bus": "music", "inserts": [{"name": "EQ", "kind": "eq"},
            {"name": "Tape", "kind": "saturation", "tap": ["daw:vox tape/in"]}],
         "taps": {"input": ["system:capture_1"], "pre_insert": ["daw:vox pre/out"],
                  "post_insert": ["daw:vox post/out"], "post_fader": ["daw:vox/out"]}}
      ],
      "buses": [
        {"id": "music", "to": "master", "taps": {"pre_insert": ["daw:music in/1", "daw:music in/2"],
                                                 "post_fader": ["daw:music/out 1", "daw:music/out 2"]}},
        {"id": "drums", "to": "music", "taps": {"post_fader": ["daw:drums/out 1", "daw:drums/out 2"]}}
      ],
      "master": {"taps": {"output": ["daw:master/out 1", "daw:master/out 2"]}}
    })");
}
} // namespace

TEST(SessionTopology, FlattensEveryTapInNodeAndSignalOrder)
{
    json doc = nestedSession();
    const Session s = parse(doc);
    const SessionTopology t = buildTopology(s);
    std::vector<std::string> names;
    for (const SessionTap& tap : t.taps) names.push_back(tap.nodeId + "/" + tap.stageName());
    EXPECT_EQ(names, (std::vector<std::string>{"kick/post_fader", "snare/post_fader", "oh/post_fader",
                                               "vox/input", "vox/pre_insert", "vox/insert:1",
                                               "vox/post_insert", "vox/post_fader", "music/pre_insert",
                                               "music/post_fader", "drums/post_fader", "master/output"}));
    const SessionTap& insertTap = t.taps[5];
    EXPECT_EQ(insertTap.stage, TapStage::insertInput);
    EXPECT_EQ(insertTap.insertIndex, 1u);
    EXPECT_EQ(insertTap.node, (NodeRef{NodeKind::channel, 3}));
    EXPECT_EQ(t.taps[2].numChannels, 2u);
    EXPECT_EQ(t.numJackPorts(), 17u);
    EXPECT_EQ(t.numFileTaps(), 0u);
}

TEST(SessionTopology, MembersVirtualBusesAndOrder)
{
    json doc = nestedSession();
    const Session s = parse(doc);
    const SessionTopology t = buildTopology(s);
    // drums feeds music: drums first although the file lists music first; the master last.
    EXPECT_EQ(busOrder(s, t), (std::vector<std::string>{"drums", "music", "master"}));
    const BusInfo* drums = t.find({NodeKind::bus, 1});
    ASSERT_NE(drums, nullptr);
    EXPECT_EQ(ids(s, drums->members), (std::vector<std::string>{"kick", "snare", "oh"}));
    EXPECT_TRUE(drums->isVirtual);       // no pre_insert tap
    EXPECT_TRUE(drums->membersSummable); // mono and stereo members on a stereo bus, all post-fader tapped
    const BusInfo* music = t.find({NodeKind::bus, 0});
    EXPECT_EQ(ids(s, music->members), (std::vector<std::string>{"vox", "drums"})); // channels, then buses
    EXPECT_FALSE(music->isVirtual);
    EXPECT_TRUE(music->membersSummable); // measured input can be compared with the members' sum
    const BusInfo* master = t.find({NodeKind::master, 0});
    EXPECT_EQ(ids(s, master->members), (std::vector<std::string>{"music"}));
    EXPECT_TRUE(master->isVirtual);
    EXPECT_EQ(t.numVirtualBuses(), 1u); // buses only
    EXPECT_TRUE(t.warnings.empty()) << ::testing::PrintToString(t.warnings);
}

TEST(SessionTopology, AVirtualBusWithAnUntappedMemberCannotBeComputed)
{
    json doc = nestedSession();
    doc["channels"][1]["taps"].erase("post_fader");
    doc["channels"][1]["taps"]["input"] = {"system:capture_2"};
    const Session s = parse(doc);
    const SessionTopology t = buildTopology(s);
    const BusInfo* drums = t.find({NodeKind::bus, 1});
    EXPECT_TRUE(drums->isVirtual);
    EXPECT_FALSE(drums->membersSummable);
    ASSERT_EQ(t.warnings.size(), 1u);
    EXPECT_EQ(t.warnings[0], "studio.json: /buses/1: warning: the input of bus \"drums\" is not tapped (no "
                             "pre_insert) and cannot be computed: snare has no post_fader tap");
}

TEST(SessionTopology, AMemberWiderThanAMonoBusCannotBeSummed)
{
    const Session s = parse(json::parse(R"({"name": "N", "room": "R",
      "channels": [{"id": "pad", "channels": 2, "bus": "fx", "taps": {"post_fader": ["a:1", "a:2"]}},
                   {"id": "gtr", "bus": "fx", "taps": {"post_fader": ["a:3"]}}],
      "buses": [{"id": "fx", "channels": 1, "to": "master", "taps": {"post_fader": ["a:4"]}}],
      "master": {"taps": {"pre_insert": ["a:5", "a:6"]}}})"));
    const SessionTopology t = buildTopology(s);
    EXPECT_FALSE(t.find({NodeKind::bus, 0})->membersSummable);
    ASSERT_EQ(t.warnings.size(), 1u);
    EXPECT_EQ(t.warnings[0],
              "studio.json: /buses/0: warning: the input of bus \"fx\" is not tapped (no pre_insert) "
              "and cannot be computed: pad has 2 channels, the bus 1 (members need the bus's channel "
              "count or mono)");
}

TEST(SessionTopology, WarnsAboutWhatIsLegalButProbablyUnmeant)
{
    const Session s = parse(json::parse(R"({"name": "N", "room": "R",
      "channels": [
        {"id": "a", "bus": "master", "inserts": [{"name": "EQ", "kind": "eq", "tap": ["x:eq"]}],
         "taps": {"pre_insert": ["x:pre"], "post_fader": ["x:a"]}},
        {"id": "b", "channels": 2, "bus": "master", "taps": {"input": ["system:capture_1", "system:capture_1"],
                                                               "post_fader": {"file": "b.wav"}}},
        {"id": "c", "bus": "master"}],
      "buses": [{"id": "empty", "to": "master", "taps": {"post_fader": ["y:1", "y:2"]}}],
      "master": {"inserts": [{"name": "Brickwall", "kind": "limiter"}], "taps": {"pre_insert": ["z:1", "z:2"]}}})"));
    const SessionTopology t = buildTopology(s);
    EXPECT_EQ(t.warnings,
              (std::vector<std::string>{
                  "studio.json: /buses/0: warning: nothing is routed to bus \"empty\"",
                  "studio.json: /master/inserts/0: warning: a limiter (\"Brickwall\") on a master that is "
                  "not mastered: the guide says not to limit a mix delivered to mastering (set "
                  "\"mastered\": true if this output is the finished master)",
                  "studio.json: /channels/1/taps/input/1: warning: port \"system:capture_1\" is already "
                  "channel 1 of this tap",
                  "studio.json: /: warning: the taps mix JACK ports (6 taps) and files (1 tap): live "
                  "metering uses only the ports, an offline audit only the files",
                  "studio.json: /channels/0/inserts/0/tap: warning: the input of the first insert is the "
                  "pre_insert point, which is tapped too",
                  "studio.json: /channels/2: warning: channel \"c\" has no taps: nothing of it is metered",
              }));
}

TEST(SessionTopology, FindsEachBusCycleOnceFromItsLowestBus)
{
    // 0 -> 1 -> 2 -> 1 (a loop of 1 and 2, entered from 0); 3 -> master; 4 -> 4.
    const auto cycles = findBusCycles({1, 2, 1, std::nullopt, 4});
    ASSERT_EQ(cycles.size(), 2u);
    EXPECT_EQ(cycles[0], (std::vector<std::size_t>{1, 2}));
    EXPECT_EQ(cycles[1], (std::vector<std::size_t>{4}));
    EXPECT_TRUE(findBusCycles({std::nullopt, 0, 1}).empty());
}

TEST(SessionTopology, ShippedExampleSessionsAreValidAndClean)
{
    for (const char* name : {"home-studio.json", "tracking-room-32.json", "teaching-lab-room.json"})
    {
        SCOPED_TRACE(name);
        const Session s = parseSessionFile(std::string(HEADROOM_SOURCE_DIR) + "/deploy/sessions/" + name);
        const SessionTopology t = buildTopology(s);
        EXPECT_TRUE(t.warnings.empty()) << ::testing::PrintToString(t.warnings);
        EXPECT_EQ(t.numFileTaps(), 0u);
        EXPECT_EQ(t.buses.back().bus.kind, NodeKind::master);
    }
    const Session lab =
        parseSessionFile(std::string(HEADROOM_SOURCE_DIR) + "/deploy/sessions/teaching-lab-room.json");
    const SessionTopology labTopology = buildTopology(lab);
    EXPECT_EQ(labTopology.numVirtualBuses(), 1u); // the drum bus
    EXPECT_TRUE(labTopology.buses.front().membersSummable);
}

TEST(SessionTopology, TheExampleInTheDocumentationIsValid)
{
    std::ifstream in(std::string(HEADROOM_SOURCE_DIR) + "/docs/SESSION.md");
    ASSERT_TRUE(in);
    std::stringstream text;
    text << in.rdbuf();
    const std::string doc = text.str();
    const std::string fence = "```json\n";
    const std::size_t start = doc.find(fence);
    ASSERT_NE(start, std::string::npos);
    const std::size_t end = doc.find("```", start + fence.size());
    ASSERT_NE(end, std::string::npos);
    const std::string example = doc.substr(start + fence.size(), end - start - fence.size());
    const Session s = parseSessionText(example, "SESSION.md", std::string(HEADROOM_SOURCE_DIR) + "/docs");
    EXPECT_FALSE(s.channels.empty());
    EXPECT_FALSE(s.buses.empty());
}
