// Targets in a session file: the guide's defaults, session-wide overrides, per-node overrides merged
// value by value, and the checks on them.
#include "server/engine/SessionParser.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using namespace headroom::server;
using nlohmann::json;

namespace
{
json targetSession()
{
    return json::parse(R"({"name": "T", "room": "R",
      "channels": [{"id": "kick", "bus": "drums"}, {"id": "vox", "bus": "master"}],
      "buses": [{"id": "drums", "to": "master"}],
      "master": {}})");
}

std::vector<std::string> errorsOf(const json& doc)
{
    try
    {
        (void)parseSessionText(doc.dump(), "studio.json");
    }
    catch (const SessionError& e)
    {
        return e.errors();
    }
    return {};
}

std::string errorOf(const json& doc)
{
    const auto errors = errorsOf(doc);
    EXPECT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
    return errors.empty() ? std::string() : errors.front();
}
} // namespace

TEST(SessionTargets, SessionTargetsReplaceOnlyTheValuesGiven)
{
    json doc = targetSession();
    doc["targets"] = {{"input", {{"peak_max_dbfs", -10}}},
                      {"streaming", {{"youtube_lufs", -14}}},
                      {"advisor", {{"raise_after_s", 1.5}}}};
    const Session s = parseSessionText(doc.dump(), "studio.json");
    EXPECT_DOUBLE_EQ(s.targets.input.peakMaxDbfs, -10.0);
    EXPECT_DOUBLE_EQ(s.targets.input.averageMinDbfs, -18.0); // inherited
    EXPECT_DOUBLE_EQ(s.targets.streaming.youtubeLufs, -14.0);
    EXPECT_DOUBLE_EQ(s.targets.streaming.spotifyLufs, -14.0);
    EXPECT_DOUBLE_EQ(s.advisor.raiseAfterS, 1.5);
    EXPECT_DOUBLE_EQ(s.advisor.clearAfterS, 10.0);
    // Every node starts from the session's targets.
    EXPECT_DOUBLE_EQ(s.channels[0].targets.input.peakMaxDbfs, -10.0);
    EXPECT_DOUBLE_EQ(s.master.targets.streaming.youtubeLufs, -14.0);
}

TEST(SessionTargets, NodeOverridesMergeOverTheSessionTargets)
{
    json doc = targetSession();
    doc["targets"] = {{"input", {{"average_min_dbfs", -20}}}};
    doc["channels"][0]["targets"] = {{"input", {{"peak_max_dbfs", -3}}},
                                     {"plugin_chain", {{"max_gain_db", 6}}}};
    doc["buses"][0]["targets"] = {{"bus_input", {{"average_dbfs", -16}, {"tolerance_db", 2}}}};
    doc["master"]["targets"] = {{"delivery", {{"integrated_min_lufs", -20}}}};
    const Session s = parseSessionText(doc.dump(), "studio.json");
    const Node& kick = s.channels[0];
    EXPECT_DOUBLE_EQ(kick.targets.input.peakMaxDbfs, -3.0);     // the node's own
    EXPECT_DOUBLE_EQ(kick.targets.input.averageMinDbfs, -20.0); // the session's
    EXPECT_DOUBLE_EQ(kick.targets.input.averageMaxDbfs, -12.0); // the guide's
    EXPECT_DOUBLE_EQ(kick.targets.pluginChain.maxGainDb, 6.0);
    EXPECT_DOUBLE_EQ(s.channels[1].targets.input.peakMaxDbfs, -6.0); // another channel is untouched
    EXPECT_DOUBLE_EQ(s.buses[0].targets.busInput.averageDbfs, -16.0);
    EXPECT_DOUBLE_EQ(s.buses[0].targets.busInput.toleranceDb, 2.0);
    EXPECT_DOUBLE_EQ(s.master.targets.delivery.integratedMinLufs, -20.0);
    EXPECT_DOUBLE_EQ(s.master.targets.delivery.integratedMaxLufs, -16.0);
    EXPECT_DOUBLE_EQ(s.targets.input.peakMaxDbfs, -6.0); // the session's targets are not changed by a node
}

TEST(SessionTargets, ANodeMayOnlyOverrideTheStagesItHas)
{
    json doc = targetSession();
    doc["channels"][0]["targets"] = {{"delivery", {{"peak_max_dbfs", -1}}}};
    EXPECT_EQ(errorOf(doc), "studio.json: /channels/0/targets/delivery: unknown key (expected one of input, "
                            "plugin_input, plugin_chain)");
    doc = targetSession();
    doc["buses"][0]["targets"] = {{"input", json::object()}};
    EXPECT_EQ(errorOf(doc), "studio.json: /buses/0/targets/input: unknown key (expected one of bus_input, "
                            "plugin_input, plugin_chain)");
    doc = targetSession();
    doc["master"]["targets"] = {{"advisor", json::object()}};
    EXPECT_EQ(errorOf(doc), "studio.json: /master/targets/advisor: unknown key (expected one of mix_bus, "
                            "plugin_input, plugin_chain, delivery, streaming)");
    doc = targetSession();
    doc["targets"] = {{"mixbus", json::object()}};
    EXPECT_EQ(errorOf(doc), "studio.json: /targets/mixbus: unknown key (expected one of input, plugin_input, "
                            "plugin_chain, bus_input, mix_bus, delivery, streaming, advisor)");
}

TEST(SessionTargets, ValuesAreCheckedForTypeRangeAndName)
{
    json doc = targetSession();
    doc["targets"] = {{"plugin_input", {{"average_dbfs", "-18"}}}};
    EXPECT_EQ(errorOf(doc), "studio.json: /targets/plugin_input/average_dbfs: expected a number from -120 to "
                            "0 dBFS, got \"-18\"");
    doc["targets"] = {{"plugin_input", {{"tolerance_db", -3}}}};
    EXPECT_EQ(errorOf(doc),
              "studio.json: /targets/plugin_input/tolerance_db: expected a number from 0 to 40 dB, got -3");
    doc["targets"] = {{"mix_bus", {{"peak_max_dbfs", 6}}}};
    EXPECT_EQ(errorOf(doc),
              "studio.json: /targets/mix_bus/peak_max_dbfs: expected a number from -120 to 0 dBFS, got 6");
    doc["targets"] = {{"delivery", {{"integrated_lufs", -16}}}};
    EXPECT_EQ(errorOf(doc), "studio.json: /targets/delivery/integrated_lufs: unknown key (expected one of "
                            "peak_min_dbfs, peak_max_dbfs, integrated_min_lufs, integrated_max_lufs)");
    doc["targets"] = {{"advisor", {{"clear_after_s", -1}}}};
    EXPECT_EQ(
        errorOf(doc),
        "studio.json: /targets/advisor/clear_after_s: expected a number from 0 to 3600 seconds, got -1");
    doc["targets"] = {{"input", 3}};
    EXPECT_EQ(errorOf(doc), "studio.json: /targets/input: expected an object of input targets, got 3");
}

TEST(SessionTargets, ARangeMustNotTurnUpsideDownOnceMerged)
{
    json doc = targetSession();
    doc["targets"] = {{"input", {{"average_min_dbfs", -10}}}}; // above the guide's -12 maximum
    EXPECT_EQ(errorOf(doc), "studio.json: /targets/input: expected average_min_dbfs (-10) not above "
                            "average_max_dbfs (-12) once merged with the inherited targets");
    doc = targetSession();
    doc["master"]["targets"] = {{"delivery", {{"peak_max_dbfs", -8}}}};
    EXPECT_EQ(errorOf(doc), "studio.json: /master/targets/delivery: expected peak_min_dbfs (-6) not above "
                            "peak_max_dbfs (-8) once merged with the inherited targets");
    doc["master"]["targets"] = {{"delivery", {{"peak_max_dbfs", -8}, {"peak_min_dbfs", -10}}}};
    EXPECT_TRUE(errorsOf(doc).empty());
}
