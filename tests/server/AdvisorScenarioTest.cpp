// One scenario per advisor rule, end to end through the offline audit: stems generated here with
// exactly that fault (and nothing else wrong), written with libsndfile, run through auditSession()
// (planner, RealtimeMeter, EngineStatistics, Advisor every 100 ms of audio). Each checks the rule,
// its node and its amount in dB (within 1 dB of what the signal's own figures and the guide's
// targets give, computed here from the samples), and that it is the only advisory. A clean,
// well-staged session raises nothing.
#include "server/analyze/SessionAudit.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numbers>
#include <string>
#include <vector>

#include "server/engine/SessionParser.h"
#include "tests/support/AnalyzeRunner.h"
#include "tests/support/SoundFiles.h"
#include "tests/support/TestSignals.h"

using namespace headroom;
using nlohmann::json;
using server::AdvisoryRecord;
using server::SessionAuditResult;

namespace
{
constexpr uint32_t kRate = 48000;
constexpr int kFloatWav = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
constexpr double kSeconds = 8.0; // long enough for the 3 s raise delay, short enough to be quick

// The guide's targets, as the session defaults give them (docs/SESSION.md).
constexpr double kRecordingCentreDbfs = -15.0; // centre of -18..-12
constexpr double kRecordingPeakMaxDbfs = -6.0;
constexpr double kOperatingLevelDbfs = -18.0;  // plugin and bus inputs, mix bus average
constexpr double kMixBusPeakMaxDbfs = -6.0;
constexpr double kDeliveryPeakCentreDbfs = -4.5; // centre of -3..-6

std::vector<float> tone(double frequencyHz, double levelDb, double seconds = kSeconds)
{
    return test::sine(kRate, frequencyHz, levelDb, seconds);
}

std::vector<float> sum(const std::vector<std::vector<float>>& parts)
{
    std::vector<float> s(parts.front().size(), 0.0f);
    for (const auto& p : parts)
        for (std::size_t i = 0; i < s.size(); ++i) s[i] += p[i];
    return s;
}

// AES17 RMS (a sine reads its peak level): plain RMS + 3.01 dB.
double aes17Dbfs(const std::vector<float>& x)
{
    double sumSquares = 0.0;
    for (float v : x) sumSquares += static_cast<double>(v) * v;
    return 10.0 * std::log10(sumSquares / static_cast<double>(x.size())) + 10.0 * std::log10(2.0);
}

double samplePeakDbfs(const std::vector<float>& x)
{
    float peak = 0.0f;
    for (float v : x) peak = std::max(peak, std::fabs(v));
    return 20.0 * std::log10(peak);
}

json file(const std::string& name)
{
    return {{"file", name}};
}

json session(json channels, json buses = json::array(), json master = json::object())
{
    return {{"name", "Advisor scenario"}, {"room", "Lab 1"}, {"channels", std::move(channels)},
            {"buses", std::move(buses)},  {"master", std::move(master)}};
}

class AdvisorScenario : public ::testing::Test
{
protected:
    std::string stem(const std::string& name, const std::vector<std::vector<float>>& channels)
    {
        test::writeSoundFile(dir_.file(name), test::channelsOf(kRate, channels), kFloatWav);
        return name;
    }

    SessionAuditResult audit(const json& doc) const
    {
        const std::string folder = std::filesystem::path(dir_.file("x")).parent_path().string();
        return server::auditSession(server::parseSessionText(doc.dump(), "studio.json", folder));
    }

    // The audit's one advisory, which must be `rule` on `node`; fails listing what was raised.
    static AdvisoryRecord only(const SessionAuditResult& r, const std::string& rule, const std::string& node)
    {
        std::string raised;
        for (const AdvisoryRecord& a : r.snapshot.advisories) raised += " " + a.id;
        for (const AdvisoryRecord& a : r.snapshot.clearedAdvisories) raised += " (cleared " + a.id + ")";
        EXPECT_EQ(r.snapshot.advisories.size(), 1u) << "raised:" << raised;
        EXPECT_TRUE(r.snapshot.clearedAdvisories.empty()) << "raised:" << raised;
        for (const AdvisoryRecord& a : r.snapshot.advisories)
            if (a.rule == rule && a.nodeId == node)
            {
                EXPECT_FALSE(a.symptom.empty());
                EXPECT_FALSE(a.cause.empty());
                EXPECT_FALSE(a.fix.empty());
                EXPECT_FALSE(a.evidence.empty());
                return a;
            }
        ADD_FAILURE() << "no " << rule << " on " << node << "; raised:" << raised;
        return {};
    }

    test::TempDir dir_;
};
} // namespace

TEST_F(AdvisorScenario, CleanWellStagedSessionRaisesNothing)
{
    // A vocal recorded at -16 dBFS average (peaks -16), trimmed to -18 into a plugin chain that
    // leaves it at -18, a guitar at -18 post-fader; both mono into a stereo band bus (-3 dB pan law
    // each: the bus sums to -18), the bus fader at 0 dB into the mix bus (-18 average, peaks -12).
    const auto vox = tone(440.0, -18.0);
    const auto gtr = tone(650.0, -18.0);
    const float pan = 0.70710678f;
    std::vector<float> busSide(vox.size());
    for (std::size_t i = 0; i < vox.size(); ++i) busSide[i] = pan * (vox[i] + gtr[i]);
    stem("vox-in.wav", {tone(440.0, -16.0)});
    stem("vox-pre.wav", {vox});
    stem("vox-post.wav", {vox});
    stem("vox-fader.wav", {vox});
    stem("gtr-fader.wav", {gtr});
    stem("band.wav", {busSide, busSide});
    const json doc = session(
        {{{"id", "vox"},
          {"label", "Lead vocal"},
          {"bus", "band"},
          {"inserts", {{{"name", "EQ"}, {"kind", "eq"}}, {{"name", "Comp"}, {"kind", "compressor"}}}},
          {"taps",
           {{"input", file("vox-in.wav")},
            {"pre_insert", file("vox-pre.wav")},
            {"post_insert", file("vox-post.wav")},
            {"post_fader", file("vox-fader.wav")}}}},
         {{"id", "gtr"}, {"bus", "band"}, {"taps", {{"post_fader", file("gtr-fader.wav")}}}}},
        {{{"id", "band"}, {"to", "master"}, {"taps", {{"post_fader", file("band.wav")}}}}});
    const SessionAuditResult r = audit(doc);
    for (const AdvisoryRecord& a : r.snapshot.advisories) ADD_FAILURE() << a.id << ": " << a.symptom;
    for (const AdvisoryRecord& a : r.snapshot.clearedAdvisories) ADD_FAILURE() << "cleared " << a.id;
    // The session was metered everywhere: the mix bus is the bus's sum.
    bool masterMetered = false;
    for (const server::NodeStats& n : r.snapshot.nodes) masterMetered = masterMetered || n.id == "master";
    EXPECT_TRUE(masterMetered);
}

TEST_F(AdvisorScenario, RecordingTooHotLowersTheInterfaceGainToTheRange)
{
    const auto take = tone(1000.0, -6.0); // average -6 dBFS, peaks -6: 6 dB over the range's top
    stem("vox-in.wav", {take});
    const SessionAuditResult r =
        audit(session({{{"id", "vox"}, {"bus", "master"}, {"taps", {{"input", file("vox-in.wav")}}}}}));
    const AdvisoryRecord a = only(r, "recording_too_hot", "vox");
    EXPECT_EQ(a.stage, "input");
    const double expected = -std::max(aes17Dbfs(take) - kRecordingCentreDbfs, samplePeakDbfs(take) - kRecordingPeakMaxDbfs);
    EXPECT_NEAR(a.amountDb, expected, 1.0);
    EXPECT_NEAR(a.raisedAudioSeconds, 3.3, 0.5); // after the 300 ms RMS settles, plus the 3 s raise delay
}

TEST_F(AdvisorScenario, RecordingTooQuietRaisesTheInterfaceGain)
{
    const auto take = tone(1000.0, -32.0);
    stem("vox-in.wav", {take});
    const SessionAuditResult r =
        audit(session({{{"id", "vox"}, {"bus", "master"}, {"taps", {{"input", file("vox-in.wav")}}}}}));
    const AdvisoryRecord a = only(r, "recording_too_quiet", "vox");
    const double expected =
        std::min(kRecordingCentreDbfs - aes17Dbfs(take), kRecordingPeakMaxDbfs - samplePeakDbfs(take));
    EXPECT_NEAR(a.amountDb, expected, 1.0);
    EXPECT_GT(a.amountDb, 0.0);
}

TEST_F(AdvisorScenario, PluginInputTooHotTrimsBeforeTheSaturator)
{
    const auto pre = tone(220.0, -9.0);
    stem("vox-pre.wav", {pre});
    const SessionAuditResult r = audit(session({{{"id", "vox"},
                                                 {"label", "Lead vocal"},
                                                 {"bus", "master"},
                                                 {"inserts", {{{"name", "Tape"}, {"kind", "saturation"}}}},
                                                 {"taps", {{"pre_insert", file("vox-pre.wav")}}}}}));
    const AdvisoryRecord a = only(r, "plugin_input_too_hot", "vox");
    EXPECT_EQ(a.stage, "pre_insert");
    EXPECT_NEAR(a.amountDb, kOperatingLevelDbfs - aes17Dbfs(pre), 1.0);
    EXPECT_NE(a.symptom.find("Lead vocal"), std::string::npos) << a.symptom;
    EXPECT_NE(a.cause.find("Analog-modelled"), std::string::npos) << a.cause;
}

TEST_F(AdvisorScenario, PluginInputTooHotAtATappedCompressorInput)
{
    const auto compIn = tone(220.0, -8.0);
    stem("comp-in.wav", {compIn});
    const SessionAuditResult r = audit(session(
        {{{"id", "bass"},
          {"bus", "master"},
          {"inserts",
           {{{"name", "EQ"}, {"kind", "eq"}}, {{"name", "LA-2A"}, {"kind", "compressor"}, {"tap", file("comp-in.wav")}}}},
          {"taps", json::object()}}}));
    const AdvisoryRecord a = only(r, "plugin_input_too_hot", "bass");
    EXPECT_EQ(a.stage, "insert:1");
    EXPECT_NEAR(a.amountDb, kOperatingLevelDbfs - aes17Dbfs(compIn), 1.0);
}

TEST_F(AdvisorScenario, GainStackingCompensatesTheChainsGain)
{
    const auto pre = tone(330.0, -18.0);
    const auto post = tone(330.0, -10.0); // EQ boost and make-up gain: +8 dB through the chain
    stem("pre.wav", {pre});
    stem("post.wav", {post});
    const SessionAuditResult r = audit(session({{{"id", "keys"},
                                                 {"bus", "master"},
                                                 {"inserts", {{{"name", "EQ"}, {"kind", "eq"}}}},
                                                 {"taps", {{"pre_insert", file("pre.wav")}, {"post_insert", file("post.wav")}}}}}));
    const AdvisoryRecord a = only(r, "gain_stacking", "keys");
    EXPECT_EQ(a.stage, "post_insert");
    EXPECT_NEAR(a.amountDb, -(aes17Dbfs(post) - aes17Dbfs(pre)), 1.0);
}

TEST_F(AdvisorScenario, BusInputTooHotPullsTheMembersDown)
{
    // Four drum tracks, each well staged at -18 dBFS, sum to about -12 at the (virtual) bus input.
    std::vector<std::vector<float>> members;
    json channels = json::array();
    for (const double hz : {200.0, 310.0, 520.0, 730.0})
    {
        members.push_back(tone(hz, -18.0));
        const std::string id = "drum" + std::to_string(members.size());
        stem(id + ".wav", {members.back(), members.back()});
        channels.push_back({{"id", id}, {"channels", 2}, {"bus", "drums"}, {"taps", {{"post_fader", file(id + ".wav")}}}});
    }
    const SessionAuditResult r = audit(session(
        channels, {{{"id", "drums"}, {"to", "master"}, {"inserts", {{{"name", "SSL bus comp"}, {"kind", "compressor"}}}}}}));
    const AdvisoryRecord a = only(r, "bus_input_too_hot", "drums");
    EXPECT_EQ(a.stage, "pre_insert");
    EXPECT_NEAR(a.amountDb, kOperatingLevelDbfs - aes17Dbfs(sum(members)), 1.0);
}

TEST_F(AdvisorScenario, MixBusInTheRedWhileNoSingleChannelClips)
{
    // Four tracks at -14 dBFS (none clipping, none near it) sum to about -8 average on the mix bus.
    std::vector<std::vector<float>> members;
    json channels = json::array();
    for (const double hz : {110.0, 260.0, 440.0, 1250.0})
    {
        members.push_back(tone(hz, -14.0));
        const std::string id = "trk" + std::to_string(members.size());
        stem(id + ".wav", {members.back(), members.back()});
        channels.push_back({{"id", id}, {"channels", 2}, {"bus", "master"}, {"taps", {{"post_fader", file(id + ".wav")}}}});
    }
    const SessionAuditResult r = audit(session(channels));
    const AdvisoryRecord a = only(r, "mix_bus_hot", "master");
    const std::vector<float> mix = sum(members);
    const double expected =
        -std::max(samplePeakDbfs(mix) - kMixBusPeakMaxDbfs, aes17Dbfs(mix) - kOperatingLevelDbfs);
    EXPECT_NEAR(a.amountDb, expected, 1.0);
    EXPECT_LE(a.amountDb, -6.0); // the guide's 6 to 12 dB
    EXPECT_GE(a.amountDb, -12.0);
}

TEST_F(AdvisorScenario, ClippingAtAPluginChainOutput)
{
    // A sine driven 6 dB over full scale and hard-clipped: runs of full-scale samples every half cycle.
    std::vector<float> clipped = tone(100.0, 6.0);
    for (float& x : clipped) x = std::clamp(x, -1.0f, 1.0f);
    stem("post.wav", {clipped});
    const SessionAuditResult r =
        audit(session({{{"id", "synth"}, {"bus", "master"}, {"taps", {{"post_insert", file("post.wav")}}}}}));
    const AdvisoryRecord a = only(r, "clipping", "synth");
    EXPECT_EQ(a.stage, "post_insert");
    EXPECT_EQ(a.severity, server::AdvisorySeverity::critical);
    EXPECT_LT(a.raisedAudioSeconds, 0.2); // a clip is a fact: raised at once
    // At least down to -1 dBTP from the clipped waveform's peak (full scale; its true peak is a
    // little over, which the 1 dB tolerance covers).
    EXPECT_NEAR(r.snapshot.nodes.front().taps.front().maxTruePeakDbtp, 0.0, 1.0);
    EXPECT_NEAR(a.amountDb, -1.0 - samplePeakDbfs(clipped), 1.0);
    EXPECT_NE(a.fix.find("output gain"), std::string::npos) << a.fix;
}

TEST_F(AdvisorScenario, IntersampleOversWithoutAClippedSample)
{
    // A -20 dBFS tone with a 2 ms burst every 2 s of a quarter-rate sine at 45 degrees: its samples
    // sit at 0.99 (no clip), its waveform peaks at 1.4 (+2.9 dBTP) between them.
    std::vector<float> x = tone(1000.0, -20.0);
    const double amplitude = 1.4;
    for (std::size_t start = kRate / 2; start + 96 < x.size(); start += 2 * kRate)
        for (std::size_t n = 0; n < 96; ++n)
            x[start + n] = static_cast<float>(
                amplitude * std::sin(std::numbers::pi / 2.0 * static_cast<double>(n) + std::numbers::pi / 4.0));
    EXPECT_LT(samplePeakDbfs(x), 0.0);
    stem("post.wav", {x});
    const SessionAuditResult r =
        audit(session({{{"id", "synth"}, {"bus", "master"}, {"taps", {{"post_insert", file("post.wav")}}}}}));
    const AdvisoryRecord a = only(r, "intersample_overs", "synth");
    EXPECT_NEAR(a.amountDb, 0.0 - 20.0 * std::log10(amplitude), 1.0);
}

TEST_F(AdvisorScenario, LimitedMixForMasteringIsToldToLeaveHeadroom)
{
    // No dynamics left: a stereo 1 kHz tone at -8 dBFS reads -8 LUFS (EBU Tech 3341) with its peaks
    // at -8 dBTP, a peak-to-loudness ratio of 0 dB.
    const double levelDb = -8.0;
    const auto x = tone(1000.0, levelDb);
    stem("mix.wav", {x, x});
    const SessionAuditResult r = audit(session(json::array(), json::array(),
                                               {{"inserts", {{{"name", "Maximiser"}, {"kind", "limiter"}}}},
                                                {"taps", {{"output", file("mix.wav")}}}}));
    const AdvisoryRecord a = only(r, "mix_limited_for_mastering", "master");
    EXPECT_EQ(a.stage, "output");
    const double integratedLufs = levelDb;
    const double expected = -std::max(samplePeakDbfs(x) - kDeliveryPeakCentreDbfs, integratedLufs - (-17.0));
    EXPECT_NEAR(a.amountDb, expected, 1.0);
    EXPECT_NE(a.cause.find("Maximiser"), std::string::npos) << a.cause;
}

TEST_F(AdvisorScenario, MixTooHotForMasteringLowersTheMasterToTheDeliveryPeaks)
{
    // A -20 dBFS stereo tone (about -20 LUFS: within the delivery loudness) with a 5 ms hit at -2.5
    // dBFS every 2 s: peaks over -3 dBFS, a healthy peak-to-loudness ratio, so not a limited mix.
    std::vector<float> x = tone(1000.0, -20.0);
    const auto hit = tone(1000.0, -2.5);
    for (std::size_t start = kRate / 4; start + 240 < x.size(); start += 2 * kRate)
        std::copy_n(hit.begin() + static_cast<std::ptrdiff_t>(start), 240, x.begin() + static_cast<std::ptrdiff_t>(start));
    stem("mix.wav", {x, x});
    const SessionAuditResult r = audit(session(json::array(), json::array(), {{"taps", {{"output", file("mix.wav")}}}}));
    const AdvisoryRecord a = only(r, "mix_too_loud_for_mastering", "master");
    EXPECT_NEAR(a.amountDb, -(samplePeakDbfs(x) - kDeliveryPeakCentreDbfs), 1.0);
}

TEST_F(AdvisorScenario, MasteredOutputIsComparedWithTheStreamingTargets)
{
    const double levelDb = -10.0; // a stereo 1 kHz tone: -10 LUFS
    const auto x = tone(1000.0, levelDb);
    stem("master.wav", {x, x});
    const SessionAuditResult r =
        audit(session(json::array(), json::array(), {{"mastered", true}, {"taps", {{"output", file("master.wav")}}}}));
    const AdvisoryRecord a = only(r, "streaming_loudness", "master");
    EXPECT_EQ(a.severity, server::AdvisorySeverity::info);
    EXPECT_NEAR(a.amountDb, -14.0 - levelDb, 1.0);
    EXPECT_NE(a.fix.find("Spotify"), std::string::npos);
    EXPECT_NE(a.fix.find("Apple Music"), std::string::npos);
}

TEST_F(AdvisorScenario, AnAdvisoryThatClearedDuringTheAuditIsInItsHistory)
{
    // Into the plugin chain 6 dB hot for 4 s, then trimmed well down for 20 s: raised at about 3 s;
    // the whole-audit average falls under the clear threshold about 6 s after the trim, and the
    // advisory clears 10 s after that.
    std::vector<float> pre = tone(220.0, -12.0, 4.0);
    const auto trimmed = tone(220.0, -30.0, 20.0);
    pre.insert(pre.end(), trimmed.begin(), trimmed.end());
    stem("pre.wav", {pre});
    const SessionAuditResult r =
        audit(session({{{"id", "vox"}, {"bus", "master"}, {"taps", {{"pre_insert", file("pre.wav")}}}}}));
    ASSERT_EQ(r.snapshot.clearedAdvisories.size(), 1u);
    const AdvisoryRecord& a = r.snapshot.clearedAdvisories.front();
    EXPECT_EQ(a.rule, "plugin_input_too_hot");
    EXPECT_NEAR(a.raisedAudioSeconds, 3.3, 0.5);
    EXPECT_NEAR(a.clearedAudioSeconds, 4.0 + 6.3 + 10.0, 1.5);
    EXPECT_TRUE(r.snapshot.advisories.empty());
}
