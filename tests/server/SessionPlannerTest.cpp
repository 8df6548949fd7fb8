// From a session to what the live engine runs: taps as meter channels, one JACK port per tapped
// channel named "<node>/<stage>/<n>" with its source, virtual buses, chains, targets, reference.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <stdexcept>
#include <string>

#include "server/engine/SessionParser.h"
#include "server/engine/SessionPlanner.h"

using namespace headroom::server;
using nlohmann::json;

namespace
{
Session parse(const json& doc)
{
    return parseSessionText(doc.dump(), "studio.json");
}

json studio()
{
    return json::parse(R"({"name": "N", "room": "R",
      "reference": {"rms": "plain", "zero_vu_dbfs": -20, "clip_threshold_dbfs": -1, "min_clip_run": 2},
      "channels": [
        {"id": "vox", "bus": "master", "taps": {"input": ["system:capture_1"], "pre_insert": ["daw:vox pre"],
                                                "post_insert": ["daw:vox post"], "post_fader": ["daw:vox/out"]},
         "targets": {"input": {"peak_max_dbfs": -8}}},
        {"id": "gtr1", "bus": "guitars", "taps": {"post_fader": ["daw:gtr1/out"]}},
        {"id": "gtr2", "bus": "guitars", "taps": {"post_fader": ["daw:gtr2/out"]}},
        {"id": "keys", "bus": "master", "taps": {"post_fader": {"file": "keys.wav"}}}
      ],
      "buses": [{"id": "guitars", "channels": 1, "to": "master", "taps": {"post_fader": ["daw:guitars/out"]}}],
      "master": {"channels": 1, "taps": {"pre_insert": ["daw:mix"]}}
    })");
}

const PlannedTap* findTap(const MeterPlan& plan, const std::string& node, const std::string& stage)
{
    for (const PlannedTap& t : plan.taps)
        if (t.nodeId == node && t.stage == stage) return &t;
    return nullptr;
}
} // namespace

TEST(SessionPlanner, OnePortPerTappedChannelNamedAfterNodeAndStage)
{
    const LivePlan live = planLiveSession(parse(studio()), "headroom");
    ASSERT_EQ(live.ports.size(),
              8u); // vox 4, gtr1, gtr2, guitars post_fader, master pre_insert; keys is a file
    EXPECT_EQ(live.ports[0].shortName, "vox/input/1");
    EXPECT_EQ(live.ports[0].sources, std::vector<std::string>{"system:capture_1"});
    EXPECT_EQ(live.ports[3].shortName, "vox/post_fader/1");
    EXPECT_EQ(live.ports[7].shortName, "master/pre_insert/1");
    EXPECT_EQ(live.plan.numSourceChannels(), live.ports.size());
    bool warnedAboutFile = false;
    for (const std::string& w : live.warnings)
        warnedAboutFile = warnedAboutFile || w.find("file tap") != std::string::npos;
    EXPECT_TRUE(warnedAboutFile);
}

TEST(SessionPlanner, UntappedBusInputIsTheVirtualSumOfItsMembers)
{
    const LivePlan live = planLiveSession(parse(studio()), "headroom");
    const PlannedTap* guitars = findTap(live.plan, "guitars", "pre_insert");
    ASSERT_NE(guitars, nullptr);
    EXPECT_TRUE(guitars->isVirtual);
    ASSERT_EQ(guitars->members.size(), 2u);
    EXPECT_EQ(live.plan.taps[guitars->members[0]].nodeId, "gtr1");
    EXPECT_EQ(live.plan.taps[guitars->members[1]].nodeId, "gtr2");
    ASSERT_TRUE(guitars->target.has_value());
    EXPECT_DOUBLE_EQ(guitars->target->averageMinDbfs, -21.0); // bus input: -18 +/- 3
    // A tapped master input would get its members' sum next to it, but one member (keys) is a file.
    EXPECT_EQ(findTap(live.plan, "master", "summed_members"), nullptr);
}

TEST(SessionPlanner, ChainsTargetsAndReferenceComeFromTheSession)
{
    const LivePlan live = planLiveSession(parse(studio()), "headroom");
    ASSERT_EQ(live.plan.chains.size(), 1u);
    EXPECT_EQ(live.plan.taps[live.plan.chains[0].preInsertTap].stage, "pre_insert");
    EXPECT_EQ(live.plan.taps[live.plan.chains[0].postInsertTap].stage, "post_insert");
    const PlannedTap* input = findTap(live.plan, "vox", "input");
    ASSERT_TRUE(input && input->target);
    EXPECT_DOUBLE_EQ(input->target->peakMaxDbfs, -8.0);
    EXPECT_FALSE(findTap(live.plan, "vox", "post_fader")->target.has_value());
    EXPECT_EQ(live.plan.reference.rmsConvention, headroom::dsp::RmsConvention::plain);
    EXPECT_DOUBLE_EQ(live.plan.reference.zeroVuDbfs, -20.0);
    EXPECT_NEAR(live.tapConfig.clipThresholdLinear, 0.891251, 1e-5);
    EXPECT_EQ(live.tapConfig.minClipRunSamples, 2u);
}

TEST(SessionPlanner, LongNamesAreCutToWhatJackAcceptsAndKeptUnique)
{
    json doc = studio();
    const std::string longId(60, 'x');
    doc["channels"][1]["id"] = longId + "1";
    doc["channels"][2]["id"] = longId + "2";
    const std::string client(60, 'c');
    const LivePlan live = planLiveSession(parse(doc), client);
    const std::size_t max = maxPortShortNameLength(client);
    std::set<std::string> names;
    for (const JackPortSpec& p : live.ports)
    {
        EXPECT_LE(p.shortName.size(), max);
        EXPECT_TRUE(names.insert(p.shortName).second) << p.shortName;
    }
}

TEST(SessionPlanner, RefusesASessionWithNothingToMeterLive)
{
    const json doc = json::parse(R"({"name": "N", "room": "R",
      "channels": [{"id": "a", "bus": "master", "taps": {"post_fader": {"file": "a.wav"}}}],
      "master": {"channels": 1}})");
    EXPECT_THROW((void)planLiveSession(parse(doc), "headroom"), std::invalid_argument);
}

// --- Planning for files (the offline audit) -------------------------------------------------------

namespace
{
// The studio above with every tap fed from a file instead of JACK ports.
json studioOnFiles()
{
    json doc = studio();
    for (const char* group : {"channels", "buses"})
        for (json& node : doc[group])
            for (auto& [stage, source] : node["taps"].items())
                source = json{{"file", node["id"].get<std::string>() + "-" + stage + ".wav"}};
    doc["master"]["taps"]["pre_insert"] = json{{"file", "mix.wav"}};
    return doc;
}
} // namespace

TEST(SessionPlanner, LiveAndFilePlansOfTheSameSignalFlowAreTheSame)
{
    // The same session, once on ports and once on files (keys, the one file tap, on a port too).
    json onPorts = studio();
    onPorts["channels"][3]["taps"]["post_fader"] = {"daw:keys/out"};
    const MeterPlan live = planLiveSession(parse(onPorts), "headroom").plan;
    const SessionPlan files = planSession(parse(studioOnFiles()), TapSource::Kind::file);
    const MeterPlan& audit = files.plan;
    ASSERT_EQ(audit.taps.size(), live.taps.size());
    for (std::size_t i = 0; i < live.taps.size(); ++i)
    {
        EXPECT_EQ(audit.taps[i].nodeId, live.taps[i].nodeId) << i;
        EXPECT_EQ(audit.taps[i].stage, live.taps[i].stage) << i;
        EXPECT_EQ(audit.taps[i].numChannels, live.taps[i].numChannels) << i;
        EXPECT_EQ(audit.taps[i].firstChannel, live.taps[i].firstChannel) << i;
        EXPECT_EQ(audit.taps[i].isVirtual, live.taps[i].isVirtual) << i;
        EXPECT_EQ(audit.taps[i].members, live.taps[i].members) << i;
        EXPECT_EQ(audit.taps[i].target.has_value(), live.taps[i].target.has_value()) << i;
    }
    EXPECT_EQ(audit.chains.size(), live.chains.size());
    EXPECT_EQ(audit.buses.size(), live.buses.size());
    EXPECT_EQ(audit.numChannels, live.numChannels);
    // With every member on a file, the master's tapped input gets its members' sum next to it.
    EXPECT_NE(findTap(audit, "master", "summed_members"), nullptr);
}

TEST(SessionPlanner, AFilePlanNamesTheSessionTapBehindEverySourceTap)
{
    const SessionPlan planned = planSession(parse(studioOnFiles()), TapSource::Kind::file);
    ASSERT_EQ(planned.sources.size(), planned.plan.numSourceChannels()); // all mono here
    for (std::size_t i = 0; i < planned.sources.size(); ++i)
    {
        EXPECT_EQ(planned.sources[i].nodeId, planned.plan.taps[i].nodeId);
        EXPECT_EQ(planned.sources[i].stageName(), planned.plan.taps[i].stage);
        EXPECT_EQ(planned.sources[i].source.kind, TapSource::Kind::file);
        EXPECT_FALSE(planned.plan.taps[i].isVirtual);
    }
    EXPECT_EQ(planned.sources[0].source.file, "vox-input.wav"); // resolved against "." by parse()
    EXPECT_EQ(planned.sources[0].source.jsonPath, "/channels/0/taps/input");
}

TEST(SessionPlanner, AFilePlanSkipsPortTapsAndSumsABusWhoseInputWasOnPorts)
{
    json doc = studioOnFiles();
    doc["channels"][0]["taps"]["input"] = {"system:capture_1"};
    doc["buses"][0]["taps"]["pre_insert"] = {"daw:guitars/in"};
    const SessionPlan planned = planSession(parse(doc), TapSource::Kind::file);
    EXPECT_EQ(findTap(planned.plan, "vox", "input"), nullptr);
    const PlannedTap* guitars = findTap(planned.plan, "guitars", "pre_insert");
    ASSERT_NE(guitars, nullptr);
    EXPECT_TRUE(guitars->isVirtual);
    std::size_t skipped = 0;
    for (const std::string& w : planned.warnings)
        if (w.find("warning: a tap fed from JACK ports; the offline audit skips it") != std::string::npos)
            ++skipped;
    EXPECT_EQ(skipped, 2u);
}

TEST(SessionPlanner, RefusesASessionWithNothingToAudit)
{
    json onPorts = studio();
    onPorts["channels"][3]["taps"]["post_fader"] = {"daw:keys/out"};
    EXPECT_THROW((void)planSession(parse(onPorts), TapSource::Kind::file), std::invalid_argument);
}
