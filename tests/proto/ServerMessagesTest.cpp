#include <gtest/gtest.h>

#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "proto/JsonMessages.h"
#include "tests/proto/ProtoFixtures.h"

namespace headroom::proto
{
namespace
{

using Json = nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Json parsed(const std::string& text)
{
    return Json::parse(text);
}

TEST(HelloMessage, StartsWithTypeAndCarriesVersionRatesLimitsAndTopology)
{
    const std::string text = encodeHello(fixtures::studioHello());
    EXPECT_EQ(text.rfind(R"({"type":"hello","protocol":1,)", 0), 0u) << text.substr(0, 80);
    const Json j = parsed(text);
    EXPECT_EQ(j["server"]["name"], "studio-b");
    EXPECT_EQ(j["room"], "Studio B");
    EXPECT_EQ(j["session"], "EP mix, song 2");
    EXPECT_EQ(j["sample_rate_hz"], 48000);
    EXPECT_EQ(j["period_frames"], 256);
    EXPECT_EQ(j["role"], "control");
    EXPECT_EQ(j["meter_rates_hz"], Json::array({60, 30, 15, 10}));
    EXPECT_EQ(j["default_rate_hz"], 30);
    EXPECT_EQ(j["meter_fields"], Json::array({"true_peak", "rms", "vu", "ppm", "peak_hold"}));
    EXPECT_EQ(j["limits"]["max_message_bytes"], 4096);
    EXPECT_EQ(j["topology"]["version"], 3);
    EXPECT_EQ(j["topology"]["num_meter_channels"], 18);
    EXPECT_EQ(j["topology"]["taps"].size(), 13u);
    EXPECT_EQ(j["topology"]["taps"][9]["virtual"], true);
    EXPECT_EQ(j["topology"]["taps"][9]["members"], Json::array({1, 3}));
    EXPECT_EQ(j["topology"]["taps"][6]["target"], nullptr);
    EXPECT_EQ(j["topology"]["taps"][0]["target"]["peak_max_dbtp"], -6.0);
    EXPECT_EQ(j["topology"]["nodes"][4]["destination"], nullptr);
    EXPECT_EQ(j["topology"]["nodes"][0]["master_targets"], nullptr);
    EXPECT_EQ(j["topology"]["nodes"][4]["master_targets"]["streaming"][0]["service"], "Spotify");
    EXPECT_EQ(j["topology"]["buses"][0]["measured_tap"], nullptr);
    EXPECT_EQ(j["topology"]["buses"][1]["measured_tap"], 10);
}

TEST(HelloMessage, HasNoPeriodForAFileSource)
{
    Hello h = fixtures::studioHello();
    h.periodFrames.reset();
    h.role = Role::viewer;
    const Json j = parsed(encodeHello(h));
    EXPECT_EQ(j["period_frames"], nullptr);
    EXPECT_EQ(j["role"], "viewer");
}

TEST(TopologyMessage, WrapsTheTopologyWithTheSourceRateAndPeriod)
{
    const Json j = parsed(encodeTopology(fixtures::studioTopology(4), 44100, 512u));
    EXPECT_EQ(j["type"], "topology");
    EXPECT_EQ(j["sample_rate_hz"], 44100);
    EXPECT_EQ(j["period_frames"], 512);
    EXPECT_EQ(parsed(encodeTopology(fixtures::studioTopology(4), 48000, std::nullopt))["period_frames"], nullptr);
    EXPECT_EQ(j["topology"]["version"], 4);
    EXPECT_EQ(j["topology"]["edges"][0], (Json{{"from", "kick"}, {"to", "drums"}}));
}

TEST(Topology, TheFixtureIsConsistent)
{
    EXPECT_EQ(checkTopology(fixtures::studioTopology(1)), "");
}

TEST(Topology, CheckFindsBrokenNumberingAndReferences)
{
    const auto broken = [](auto edit)
    {
        Topology t = fixtures::studioTopology(1);
        edit(t);
        return checkTopology(t);
    };
    EXPECT_NE(broken([](Topology& t) { t.numMeterChannels = 17; }), "");
    EXPECT_NE(broken([](Topology& t) { t.taps[3].firstChannel = 4; }), "");
    EXPECT_NE(broken([](Topology& t) { t.taps[3].index = 4; }), "");
    EXPECT_NE(broken([](Topology& t) { t.taps[3].node = "nobody"; }), "");
    EXPECT_NE(broken([](Topology& t) { t.taps[9].members = {99}; }), "");
    EXPECT_NE(broken([](Topology& t) { t.taps[8].layout = {"L"}; }), "");
    EXPECT_NE(broken([](Topology& t) { t.nodes[1].id = "kick"; }), "");
    EXPECT_NE(broken([](Topology& t) { t.nodes[0].destination = "nowhere"; }), "");
    EXPECT_NE(broken([](Topology& t) { t.nodes[0].taps = {2}; }), "");
    EXPECT_NE(broken([](Topology& t) { t.edges.push_back({"kick", "nowhere"}); }), "");
    EXPECT_NE(broken([](Topology& t) { t.chains[0].postInsertTap = 0; }), "");
    EXPECT_NE(broken([](Topology& t) { t.buses[0].summedTap = 8; }), "");
    EXPECT_NE(broken([](Topology& t) { t.buses[1].measuredTap = 0; }), "");
    EXPECT_NE(broken([](Topology& t) { t.buses[0].members.push_back("ghost"); }), "");
}

TEST(StatsMessage, RoundsLevelsAndSendsUnknownValuesAsNull)
{
    const Json j = parsed(encodeStats(fixtures::studioStats()));
    EXPECT_EQ(j["type"], "stats");
    EXPECT_EQ(j["topology_version"], 3);
    const Json& preInsert = j["nodes"][0]["taps"][0];
    EXPECT_EQ(preInsert["tap"], 5);
    EXPECT_EQ(preInsert["level_dbfs"], -9.23);
    EXPECT_EQ(preInsert["loudness"]["loudness_range_lu"], nullptr); // NaN: not known yet
    EXPECT_EQ(preInsert["target"]["over_seconds"], 11.4);
    EXPECT_EQ(j["nodes"][0]["chain"]["gain_db"], 4.95);
    EXPECT_EQ(j["nodes"][0]["bus"], nullptr);
    const Json& silent = j["nodes"][1]["taps"][0];
    EXPECT_EQ(silent["level_dbfs"], nullptr);  // -inf
    EXPECT_EQ(silent["headroom_db"], nullptr); // +inf
    EXPECT_EQ(j["nodes"][1]["bus"]["members"][1]["node"], "snare");
    EXPECT_EQ(j["counters"]["xruns"], 1);
    EXPECT_EQ(j["health"]["last_record_age_seconds"], 0.004);
}

TEST(StatsMessage, CarriesAdvisoriesWithEvidence)
{
    const Json j = parsed(encodeStats(fixtures::studioStats()));
    ASSERT_EQ(j["advisories"].size(), 1u);
    const Json& a = j["advisories"][0];
    EXPECT_EQ(a["id"], "plugin_input_too_hot:vocal:5");
    EXPECT_EQ(a["severity"], "warning");
    EXPECT_EQ(a["tap"], 5);
    EXPECT_EQ(a["amount_db"], -6.2);
    EXPECT_EQ(a["evidence"][0], (Json{{"label", "average (last 10 s)"}, {"value", -9.2}, {"unit", "dBFS"}}));
    EXPECT_EQ(std::vector<std::string>({"id", "rule", "node", "tap", "severity", "title", "symptom", "cause",
                                        "fix", "amount_db", "evidence", "raised_time_us"})
                  .size(),
              a.size());
}

TEST(StatsMessage, NeverPrintsMinusZeroOrLongDecimals)
{
    Stats s;
    NodeStats n;
    n.id = "x";
    TapStats t;
    t.levelDbfs = -0.001;                // rounds to -0
    t.averageDbfs = -12.010000000000002; // prints as -12.01
    t.maxTruePeakDbtp = kNaN;
    t.headroomDb = -kInf;
    n.taps = {t};
    s.nodes = {n};
    const std::string text = encodeStats(s);
    EXPECT_NE(text.find(R"("level_dbfs":0.0,)"), std::string::npos) << text;
    EXPECT_NE(text.find(R"("average_dbfs":-12.01,)"), std::string::npos) << text;
    EXPECT_NE(text.find(R"("max_true_peak_dbtp":null,"headroom_db":null)"), std::string::npos) << text;
}

TEST(Replies, AckErrorAndRateNoticeAreSmallFixedShapes)
{
    EXPECT_EQ(encodeAck({7, "reset_peaks"}), R"({"type":"ack","id":7,"request":"reset_peaks"})");
    EXPECT_EQ(encodeError({7, ErrorCode::forbidden, "commands need a control token"}),
              R"({"type":"error","id":7,"code":"forbidden","message":"commands need a control token"})");
    EXPECT_EQ(encodeError({std::nullopt, ErrorCode::tooLarge, "x"}),
              R"({"type":"error","id":null,"code":"too_large","message":"x"})");
    EXPECT_EQ(encodeRateNotice({15, "slow_client"}),
              R"({"type":"rate","rate_hz":15,"reason":"slow_client"})");
}

TEST(Replies, ErrorForARefusedMessageEchoesItsId)
{
    const auto decoded = decodeClientMessage(R"({"type":"command","id":3,"name":"nope"})");
    ASSERT_FALSE(decoded.ok());
    const Json j = parsed(encodeError(errorReplyFor(decoded.error())));
    EXPECT_EQ(j["id"], 3);
    EXPECT_EQ(j["code"], "unknown_command");
}

TEST(Replies, InvalidUtf8InStringsIsReplacedNotThrown)
{
    ErrorReply e{std::nullopt, ErrorCode::badValue, "bad \xff\xfe value"};
    std::string text;
    ASSERT_NO_THROW(text = encodeError(e));
    EXPECT_TRUE(Json::accept(text));
    Hello h = fixtures::studioHello();
    h.room = "Stu\xc3";
    ASSERT_NO_THROW(text = encodeHello(h));
    EXPECT_TRUE(Json::accept(text));
}

TEST(ErrorCodes, HaveDistinctSnakeCaseWireNames)
{
    std::set<std::string_view> names;
    for (int c = 0; c <= static_cast<int>(ErrorCode::internal); ++c)
    {
        const std::string_view name = toString(static_cast<ErrorCode>(c));
        EXPECT_TRUE(names.insert(name).second) << name;
        EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_"), std::string_view::npos) << name;
    }
    EXPECT_EQ(names.size(), 15u);
}

} // namespace
} // namespace headroom::proto
