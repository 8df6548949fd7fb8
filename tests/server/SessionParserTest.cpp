// The session file parser: defaults, overrides, and for every kind of mistake the exact line it
// reports — file, JSON pointer, what was expected.
#include "server/engine/SessionParser.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using namespace headroom::server;
using nlohmann::json;

namespace
{
// A small valid session: a mono vocal to the master, a stereo guitar to a stereo bus.
json baseSession()
{
    return json::parse(R"({
      "name": "Test session",
      "room": "Room 1",
      "channels": [
        {"id": "vocal", "bus": "master",
         "taps": {"input": ["system:capture_1"], "post_fader": ["daw:Vocal/out 1"]}},
        {"id": "gtr", "label": "Guitar", "channels": 2, "bus": "band",
         "inserts": [{"name": "EQ", "kind": "eq"}, {"name": "Comp", "kind": "compressor"}],
         "taps": {"input": ["system:capture_2", "system:capture_3"],
                  "post_fader": ["daw:Guitar/out 1", "daw:Guitar/out 2"]}}
      ],
      "buses": [
        {"id": "band", "to": "master", "taps": {"post_fader": ["daw:Band/out 1", "daw:Band/out 2"]}}
      ],
      "master": {"taps": {"output": ["daw:Master/out 1", "daw:Master/out 2"]}}
    })");
}

// The error lines for a document, or nothing when it parses.
std::vector<std::string> errorsOfText(const std::string& text)
{
    try
    {
        (void)parseSessionText(text, "studio.json", "/sessions");
    }
    catch (const SessionError& e)
    {
        return e.errors();
    }
    return {};
}

std::vector<std::string> errorsOf(const json& document)
{
    return errorsOfText(document.dump(2));
}

// The one error line of a document (fails the test when there is not exactly one).
std::string errorOf(const json& document)
{
    const auto errors = errorsOf(document);
    EXPECT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
    return errors.empty() ? std::string() : errors.front();
}

Session parse(const json& document)
{
    return parseSessionText(document.dump(), "studio.json", "/sessions");
}
} // namespace

TEST(SessionParser, MinimalSessionGetsEveryDefault)
{
    const Session s = parse(json::parse(R"({"name": "N", "room": "R",
        "channels": [{"id": "a", "bus": "master"}], "master": {}})"));
    EXPECT_EQ(s.name, "N");
    EXPECT_EQ(s.room, "R");
    EXPECT_EQ(s.sourceName, "studio.json");
    EXPECT_DOUBLE_EQ(s.reference.zeroVuDbfs, -18.0);
    EXPECT_EQ(s.reference.rms, headroom::dsp::RmsConvention::aes17);
    EXPECT_EQ(s.reference.ppm, headroom::dsp::PpmType::typeIIa);
    EXPECT_DOUBLE_EQ(s.reference.clipThresholdDbfs, 0.0);
    EXPECT_EQ(s.reference.minClipRun, 3u);
    EXPECT_DOUBLE_EQ(s.advisor.raiseAfterS, 3.0);
    EXPECT_DOUBLE_EQ(s.advisor.clearAfterS, 10.0);

    // The guide's targets (DESIGN.md section 4).
    const Targets& t = s.targets;
    EXPECT_DOUBLE_EQ(t.input.averageMinDbfs, -18.0);
    EXPECT_DOUBLE_EQ(t.input.averageMaxDbfs, -12.0);
    EXPECT_DOUBLE_EQ(t.input.peakMaxDbfs, -6.0);
    EXPECT_DOUBLE_EQ(t.pluginInput.averageDbfs, -18.0);
    EXPECT_DOUBLE_EQ(t.pluginInput.toleranceDb, 3.0);
    EXPECT_DOUBLE_EQ(t.pluginChain.maxGainDb, 3.0);
    EXPECT_DOUBLE_EQ(t.busInput.averageDbfs, -18.0);
    EXPECT_DOUBLE_EQ(t.mixBus.peakMaxDbfs, -6.0);
    EXPECT_DOUBLE_EQ(t.mixBus.averageDbfs, -18.0);
    EXPECT_DOUBLE_EQ(t.delivery.peakMinDbfs, -6.0);
    EXPECT_DOUBLE_EQ(t.delivery.peakMaxDbfs, -3.0);
    EXPECT_DOUBLE_EQ(t.delivery.integratedMinLufs, -18.0);
    EXPECT_DOUBLE_EQ(t.delivery.integratedMaxLufs, -16.0);
    EXPECT_DOUBLE_EQ(t.streaming.spotifyLufs, -14.0);
    EXPECT_DOUBLE_EQ(t.streaming.appleMusicLufs, -16.0);
    EXPECT_DOUBLE_EQ(t.streaming.youtubeLufs, -16.0);

    ASSERT_EQ(s.channels.size(), 1u);
    const Node& a = s.channels[0];
    EXPECT_EQ(a.kind, NodeKind::channel);
    EXPECT_EQ(a.label, "a");
    EXPECT_EQ(a.numChannels, 1u);
    EXPECT_EQ(a.layout, std::vector{headroom::dsp::ChannelRole::mono});
    EXPECT_EQ(a.destination, "master");
    EXPECT_EQ(a.jsonPath, "/channels/0");
    EXPECT_FALSE(a.input || a.preInsert || a.postInsert || a.postFader || a.output);
    EXPECT_TRUE(s.buses.empty());
    EXPECT_EQ(s.master.kind, NodeKind::master);
    EXPECT_EQ(s.master.id, "master");
    EXPECT_EQ(s.master.label, "Master");
    EXPECT_EQ(s.master.numChannels, 2u);
    EXPECT_EQ(s.master.layout.size(), 2u);
    EXPECT_FALSE(s.master.mastered);
}

TEST(SessionParser, ReadsChannelsBusesInsertsAndTaps)
{
    json doc = baseSession();
    doc["channels"][1]["inserts"][1]["tap"] = {"daw:Guitar comp in/out 1", "daw:Guitar comp in/out 2"};
    doc["master"]["mastered"] = true;
    doc["reference"] = {{"zero_vu_dbfs", -20},
                        {"rms", "plain"},
                        {"ppm", "type_i"},
                        {"clip_threshold_dbfs", -0.1},
                        {"min_clip_run", 1}};
    const Session s = parse(doc);
    EXPECT_DOUBLE_EQ(s.reference.zeroVuDbfs, -20.0);
    EXPECT_EQ(s.reference.rms, headroom::dsp::RmsConvention::plain);
    EXPECT_EQ(s.reference.ppm, headroom::dsp::PpmType::typeI);
    EXPECT_DOUBLE_EQ(s.reference.clipThresholdDbfs, -0.1);
    EXPECT_EQ(s.reference.minClipRun, 1u);

    const Node& gtr = s.channels.at(1);
    EXPECT_EQ(gtr.label, "Guitar");
    EXPECT_EQ(gtr.numChannels, 2u);
    EXPECT_EQ(gtr.destination, "band");
    ASSERT_EQ(gtr.inserts.size(), 2u);
    EXPECT_EQ(gtr.inserts[0].name, "EQ");
    EXPECT_EQ(gtr.inserts[0].kind, InsertKind::eq);
    EXPECT_FALSE(gtr.inserts[0].tap);
    ASSERT_TRUE(gtr.inserts[1].tap);
    EXPECT_EQ(gtr.inserts[1].tap->ports.at(1), "daw:Guitar comp in/out 2");
    EXPECT_EQ(gtr.inserts[1].tap->jsonPath, "/channels/1/inserts/1/tap");
    ASSERT_TRUE(gtr.input);
    EXPECT_EQ(gtr.input->kind, TapSource::Kind::ports);
    EXPECT_EQ(gtr.input->ports, (std::vector<std::string>{"system:capture_2", "system:capture_3"}));
    EXPECT_EQ(s.buses.at(0).destination, "master");
    EXPECT_EQ(s.buses.at(0).numChannels, 2u);
    EXPECT_TRUE(s.master.mastered);
    EXPECT_TRUE(s.master.output);
}

TEST(SessionParser, FileTapsResolveAgainstTheSessionDirectory)
{
    json doc = baseSession();
    doc["channels"][0]["taps"]["input"] = {{"file", "stems/vocal.wav"}};
    doc["channels"][1]["taps"]["input"] = {{"file", "/audio/gtr.flac"}};
    const Session s = parse(doc);
    ASSERT_TRUE(s.channels[0].input);
    EXPECT_EQ(s.channels[0].input->kind, TapSource::Kind::file);
    EXPECT_EQ(s.channels[0].input->file, "/sessions/stems/vocal.wav");
    EXPECT_EQ(s.channels[1].input->file, "/audio/gtr.flac");
    EXPECT_TRUE(s.channels[1].input->ports.empty());
}

TEST(SessionParser, UnknownJackPortsAreNotErrors)
{
    json doc = baseSession();
    doc["channels"][0]["taps"]["input"] = {"no_such_client:no such port"};
    EXPECT_TRUE(errorsOf(doc).empty());
}

TEST(SessionParser, UnknownKeyNamesThePathAndTheKeysExpected)
{
    json doc = baseSession();
    doc["buses"][0]["colour"] = "red";
    EXPECT_EQ(errorOf(doc),
              "studio.json: /buses/0/colour: unknown key (expected one of id, label, channels, layout, "
              "to, inserts, taps, targets, notes)");
    doc = baseSession();
    doc["version"] = 2;
    EXPECT_EQ(errorOf(doc),
              "studio.json: /version: unknown key (expected one of name, room, notes, reference, "
              "targets, channels, buses, master)");
    doc = baseSession();
    doc["channels"][1]["inserts"][0]["bypass"] = true;
    EXPECT_EQ(errorOf(doc),
              "studio.json: /channels/1/inserts/0/bypass: unknown key (expected one of name, kind, tap)");
}

TEST(SessionParser, TapsAllowedDependOnTheKindOfNode)
{
    json doc = baseSession();
    doc["buses"][0]["taps"]["input"] = {"system:capture_4", "system:capture_5"};
    EXPECT_EQ(errorOf(doc), "studio.json: /buses/0/taps/input: unknown key (expected one of pre_insert, "
                            "post_insert, post_fader)");
    doc = baseSession();
    doc["master"]["taps"]["post_fader"] = {"daw:Master/out 1", "daw:Master/out 2"};
    EXPECT_EQ(errorOf(doc),
              "studio.json: /master/taps/post_fader: unknown key (expected one of pre_insert, output)");
    doc = baseSession();
    doc["channels"][0]["taps"]["output"] = {"daw:Vocal/out 1"};
    EXPECT_EQ(errorOf(doc),
              "studio.json: /channels/0/taps/output: unknown key (expected one of input, pre_insert, "
              "post_insert, post_fader)");
}

TEST(SessionParser, WrongTypesSayWhatWasExpectedAndWhatCame)
{
    json doc = baseSession();
    doc["name"] = 42;
    EXPECT_EQ(errorOf(doc), "studio.json: /name: expected a string: the session's name, got 42");
    doc = baseSession();
    doc["channels"][1]["channels"] = "2";
    // The count is unknown, so the taps' widths are not judged (no second, derived error).
    EXPECT_EQ(errorOf(doc), "studio.json: /channels/1/channels: expected an integer from 1 to 8, got \"2\"");
    doc = baseSession();
    doc["channels"][1]["channels"] = 9;
    EXPECT_EQ(errorOf(doc), "studio.json: /channels/1/channels: expected an integer from 1 to 8, got 9");
    doc = baseSession();
    doc["buses"] = json::object();
    EXPECT_EQ(errorOf(doc), "studio.json: /buses: expected an array of buses, got an empty object");
    doc = baseSession();
    doc["channels"][0] = "vocal";
    EXPECT_EQ(errorOf(doc), "studio.json: /channels/0: expected an object (a channel), got \"vocal\"");
    doc = baseSession();
    doc["channels"][1]["inserts"][0]["kind"] = "reverb";
    EXPECT_EQ(errorOf(doc),
              "studio.json: /channels/1/inserts/0/kind: expected one of eq, compressor, saturation, "
              "limiter, other, got \"reverb\"");
    doc = baseSession();
    doc["master"]["mastered"] = "yes";
    EXPECT_EQ(errorOf(doc), "studio.json: /master/mastered: expected true or false, got \"yes\"");
    doc = baseSession();
    doc["reference"] = {{"rms", "vu"}};
    EXPECT_EQ(errorOf(doc), "studio.json: /reference/rms: expected \"aes17\" or \"plain\", got \"vu\"");
    doc = baseSession();
    doc["reference"] = {{"min_clip_run", 0}};
    EXPECT_EQ(errorOf(doc),
              "studio.json: /reference/min_clip_run: expected an integer from 1 to 1000 samples, got 0");
    doc = baseSession();
    doc["reference"] = {{"zero_vu_dbfs", 18}};
    EXPECT_EQ(errorOf(doc),
              "studio.json: /reference/zero_vu_dbfs: expected a number from -40 to 0 dBFS, got 18");
    EXPECT_EQ(errorOf(json::array()),
              "studio.json: /: expected an object (a session: name, room, channels, master), "
              "got an empty array");
}

TEST(SessionParser, MissingRequiredKeysArePointedAtWhereTheyBelong)
{
    json doc = baseSession();
    doc.erase("room");
    EXPECT_EQ(errorOf(doc), "studio.json: /room: missing required key (expected a string: the room's name)");
    doc = baseSession();
    doc.erase("master");
    EXPECT_EQ(errorOf(doc),
              "studio.json: /master: missing required key (expected an object: the master section)");
    doc = baseSession();
    doc.erase("channels");
    EXPECT_EQ(errorOf(doc), "studio.json: /channels: missing required key (expected an array of channels)");
    doc = baseSession();
    doc["channels"][0].erase("bus");
    EXPECT_EQ(errorOf(doc),
              "studio.json: /channels/0/bus: missing required key (expected \"master\" or the id of a "
              "bus)");
    doc = baseSession();
    doc["buses"][0].erase("to");
    EXPECT_EQ(errorOf(doc),
              "studio.json: /buses/0/to: missing required key (expected \"master\" or the id of a bus)");
    doc = baseSession();
    doc["channels"][1]["inserts"][1].erase("kind");
    EXPECT_EQ(errorOf(doc),
              "studio.json: /channels/1/inserts/1/kind: missing required key (expected one of eq, "
              "compressor, saturation, limiter, other)");
}

TEST(SessionParser, IdsMustBeNonEmptyLowercaseAndNotMaster)
{
    const std::string expected =
        "expected an id of lowercase letters, digits, '_' and '-' (at most 64 characters), got ";
    json doc = baseSession();
    doc["channels"][0]["id"] = "";
    EXPECT_EQ(errorOf(doc), "studio.json: /channels/0/id: " + expected + "\"\"");
    doc = baseSession();
    doc["channels"][0]["id"] = "Lead Vocal";
    EXPECT_EQ(errorOf(doc), "studio.json: /channels/0/id: " + expected + "\"Lead Vocal\"");
    doc = baseSession();
    doc["channels"][0].erase("id");
    EXPECT_EQ(errorOf(doc), "studio.json: /channels/0/id: missing required key (" +
                                expected.substr(0, expected.size() - 6) + ")");
    doc = baseSession();
    doc["buses"][0]["id"] = "master";
    const auto errors = errorsOf(doc);
    ASSERT_FALSE(errors.empty());
    EXPECT_EQ(
        errors.front(),
        "studio.json: /buses/0/id: expected an id other than \"master\" (reserved for the master section)");
}

TEST(SessionParser, DuplicateIdPointsAtTheSecondUseAndNamesTheFirst)
{
    json doc = baseSession();
    doc["channels"][1]["id"] = "vocal";
    doc["channels"][1]["bus"] = "master";
    EXPECT_EQ(errorOf(doc), "studio.json: /channels/1/id: expected a unique id, got \"vocal\" again (first "
                            "used at /channels/0/id)");
    doc = baseSession();
    doc["buses"][0]["id"] = "gtr";
    doc["channels"][1]["bus"] = "master";
    EXPECT_EQ(
        errorOf(doc),
        "studio.json: /buses/0/id: expected a unique id, got \"gtr\" again (first used at /channels/1/id)");
}

TEST(SessionParser, RoutingToAMissingBusNamesTheId)
{
    json doc = baseSession();
    doc["channels"][1]["bus"] = "bnad";
    EXPECT_EQ(errorOf(doc),
              "studio.json: /channels/1/bus: routed to a missing bus \"bnad\" (expected \"master\" or "
              "the id of a bus: band)");
    doc = baseSession();
    doc["buses"][0]["to"] = "mix";
    EXPECT_EQ(errorOf(doc),
              "studio.json: /buses/0/to: routed to a missing bus \"mix\" (expected \"master\" or the id "
              "of a bus: band)");
    doc = baseSession();
    doc["channels"][1]["bus"] = "vocal";
    EXPECT_EQ(errorOf(doc), "studio.json: /channels/1/bus: expected \"master\" or the id of a bus: band, got "
                            "\"vocal\", which is a channel (channels feed buses, not channels)");
}

TEST(SessionParser, BusCycleIsNamedFromItsFirstBus)
{
    json doc = baseSession();
    doc["buses"][0]["to"] = "parallel";
    doc["buses"].push_back({{"id", "parallel"}, {"to", "band"}});
    EXPECT_EQ(errorOf(doc),
              "studio.json: /buses/0/to: bus cycle band -> parallel -> band (expected every bus route "
              "to end at \"master\")");
    doc = baseSession();
    doc["buses"][0]["to"] = "band";
    EXPECT_EQ(
        errorOf(doc),
        "studio.json: /buses/0/to: bus cycle band -> band (expected every bus route to end at \"master\")");
    // A bus feeding a cycle is not itself part of it; the cycle is reported once.
    doc = baseSession();
    doc["buses"][0]["to"] = "a";
    doc["buses"].push_back({{"id", "a"}, {"to", "b"}});
    doc["buses"].push_back({{"id", "b"}, {"to", "c"}});
    doc["buses"].push_back({{"id", "c"}, {"to", "a"}});
    EXPECT_EQ(errorOf(doc), "studio.json: /buses/1/to: bus cycle a -> b -> c -> a (expected every bus route "
                            "to end at \"master\")");
}

TEST(SessionParser, TapWidthMustMatchTheChannelCount)
{
    json doc = baseSession();
    doc["channels"][1]["taps"]["input"] = {"system:capture_2", "system:capture_3", "system:capture_4"};
    EXPECT_EQ(errorOf(doc),
              "studio.json: /channels/1/taps/input: expected an array of 2 JACK port names (the channel "
              "has 2 channels) or {\"file\": PATH}, got 3 names");
    doc = baseSession();
    doc["channels"][0]["taps"]["post_fader"] = {"daw:Vocal/out 1", "daw:Vocal/out 2"};
    EXPECT_EQ(errorOf(doc),
              "studio.json: /channels/0/taps/post_fader: expected an array of 1 JACK port name (the "
              "channel has 1 channel) or {\"file\": PATH}, got 2 names");
    doc = baseSession();
    doc["channels"][1]["inserts"][0]["tap"] = {"daw:Guitar eq/out 1"};
    EXPECT_EQ(errorOf(doc),
              "studio.json: /channels/1/inserts/0/tap: expected an array of 2 JACK port names (the "
              "channel has 2 channels) or {\"file\": PATH}, got 1 name");
    doc = baseSession();
    doc["master"]["taps"]["output"] = json::array();
    EXPECT_EQ(errorOf(doc),
              "studio.json: /master/taps/output: expected an array of 2 JACK port names (the master has "
              "2 channels) or {\"file\": PATH}, got an empty array");
    doc = baseSession();
    doc["buses"][0]["taps"]["pre_insert"] = "daw:Band in";
    EXPECT_EQ(errorOf(doc),
              "studio.json: /buses/0/taps/pre_insert: expected an array of 2 JACK port names (the bus "
              "has 2 channels) or {\"file\": PATH}, got \"daw:Band in\"");
}

TEST(SessionParser, PortNamesAndFileSourcesAreChecked)
{
    json doc = baseSession();
    doc["channels"][0]["taps"]["input"] = {"capture_1"};
    EXPECT_EQ(errorOf(doc), "studio.json: /channels/0/taps/input/0: expected a JACK port name "
                            "\"client:port\", got \"capture_1\"");
    doc = baseSession();
    doc["channels"][1]["taps"]["input"] = {"system:capture_2", 3};
    EXPECT_EQ(errorOf(doc),
              "studio.json: /channels/1/taps/input/1: expected a JACK port name \"client:port\", got 3");
    doc = baseSession();
    doc["channels"][0]["taps"]["input"] = {{"file", "vocal.wav"}, {"channel", 1}};
    EXPECT_EQ(errorOf(doc),
              "studio.json: /channels/0/taps/input/channel: unknown key (expected one of file)");
    doc = baseSession();
    doc["channels"][0]["taps"]["input"] = {{"file", ""}};
    EXPECT_EQ(errorOf(doc),
              "studio.json: /channels/0/taps/input/file: expected a path to an audio file (relative to "
              "the session file's directory), got \"\"");
}

TEST(SessionParser, LayoutsMustFitTheChannelCount)
{
    json doc = baseSession();
    doc["channels"][1]["layout"] = "L, R";
    EXPECT_EQ(parse(doc).channels[1].layout.size(), 2u);
    doc["channels"][1]["layout"] = "L,R,C";
    EXPECT_EQ(errorOf(doc),
              "studio.json: /channels/1/layout: expected 2 roles (the channel has 2 channels), got 3 "
              "(\"L,R,C\")");
    doc["channels"][1]["layout"] = "L,X";
    EXPECT_EQ(errorOf(doc),
              "studio.json: /channels/1/layout: expected comma-separated roles from M, L, R, C, LFE, Ls, "
              "Rs, Lss, Rss, Lrs, Rrs, got \"L,X\" (unknown channel role 'X' (expected one of M, L, R, "
              "C, LFE, Ls, Rs, Lss, Rss, Lrs, Rrs))");
    doc = baseSession();
    doc["master"] = {{"channels", 7}};
    EXPECT_EQ(errorOf(doc),
              "studio.json: /master/layout: missing required key (expected the roles of the 7 channels, "
              "such as \"L,R,C,Ls,Rs,Lrs,Rrs\": the master has 7 channels, a count without a default "
              "layout)");
    doc["master"]["layout"] = "L,R,C,Ls,Rs,Lrs,Rrs";
    EXPECT_EQ(parse(doc).master.numChannels, 7u);
}

TEST(SessionParser, JsonSyntaxErrorsNameTheLineAndColumn)
{
    const auto errors = errorsOfText("{\n  \"name\": \"x\",\n  \"room\": oops\n}\n");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].rfind("studio.json: line 3, column ", 0), 0u) << errors[0];
    EXPECT_NE(errors[0].find(": invalid JSON: syntax error while parsing value"), std::string::npos)
        << errors[0];
    const auto empty = errorsOfText("");
    ASSERT_EQ(empty.size(), 1u);
    EXPECT_NE(empty[0].find("invalid JSON"), std::string::npos);
}

TEST(SessionParser, RepeatedKeysInAnObjectAreErrors)
{
    const std::string text = R"({"name": "a", "room": "r", "channels": [
        {"id": "v", "bus": "master", "taps": {"input": ["system:capture_1"], "input": ["system:capture_2"]}}],
        "master": {}, "name": "b"})";
    const auto errors = errorsOfText(text);
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0],
              "studio.json: /channels/0/taps/input: duplicate key (a key may appear only once in an object)");
    EXPECT_EQ(errors[1], "studio.json: /name: duplicate key (a key may appear only once in an object)");
}

TEST(SessionParser, ReportsEveryErrorOfAFileInDocumentOrder)
{
    json doc = baseSession();
    doc["room"] = json::array();
    doc["channels"][0]["colour"] = "red";
    doc["channels"][1]["taps"]["input"] = {"system:capture_2"};
    doc["buses"][0]["to"] = "nowhere";
    const auto errors = errorsOf(doc);
    ASSERT_EQ(errors.size(), 4u) << ::testing::PrintToString(errors);
    EXPECT_EQ(errors[0], "studio.json: /room: expected a string: the room's name, got an empty array");
    EXPECT_EQ(errors[1].rfind("studio.json: /channels/0/colour: unknown key", 0), 0u);
    EXPECT_EQ(errors[2].rfind("studio.json: /channels/1/taps/input: expected an array of 2", 0), 0u);
    EXPECT_EQ(errors[3].rfind("studio.json: /buses/0/to: routed to a missing bus \"nowhere\"", 0), 0u);

    // SessionError's message is the same lines.
    try
    {
        (void)parse(doc);
        FAIL();
    }
    catch (const SessionError& e)
    {
        EXPECT_EQ(std::string(e.what()), errors[0] + "\n" + errors[1] + "\n" + errors[2] + "\n" + errors[3]);
    }
}

TEST(SessionParser, AnUnreadableIdDoesNotCascadeIntoMissingBusErrors)
{
    json doc = baseSession();
    doc["buses"][0]["id"] = "Band";
    const auto errors = errorsOf(doc);
    ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
    EXPECT_EQ(errors[0].rfind("studio.json: /buses/0/id: expected an id", 0), 0u);
}

TEST(SessionParser, VeryManyErrorsAreCut)
{
    json doc = baseSession();
    for (int i = 0; i < 150; ++i) doc["unknown_" + std::to_string(1000 + i)] = i;
    const auto errors = errorsOf(doc);
    ASSERT_EQ(errors.size(), 101u);
    EXPECT_EQ(errors.back(), "studio.json: 50 more errors not shown");
}

TEST(SessionParser, ReadsFilesAndNamesThemAsGiven)
{
    try
    {
        (void)parseSessionFile("/nonexistent/dir/studio.json");
        FAIL();
    }
    catch (const SessionError& e)
    {
        EXPECT_EQ(std::string(e.what()),
                  "/nonexistent/dir/studio.json: cannot read the file: No such file or directory");
    }
    const Session s =
        parseSessionFile(std::string(HEADROOM_SOURCE_DIR) + "/deploy/sessions/home-studio.json");
    EXPECT_EQ(s.baseDirectory, std::string(HEADROOM_SOURCE_DIR) + "/deploy/sessions");
}

TEST(SessionParser, AReservedBusIdDoesNotHideOtherMissingDestinations)
{
    json doc = baseSession();
    doc["buses"].push_back({{"id", "master"}, {"to", "master"}});
    doc["channels"][0]["bus"] = "drumz";
    const auto errors = errorsOf(doc);
    ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
    EXPECT_EQ(errors[1], "studio.json: /channels/0/bus: routed to a missing bus \"drumz\" (expected \"master\" or the "
                         "id of a bus: band)");
}
