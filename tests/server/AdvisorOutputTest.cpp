// Where advisories appear: the audit's text report, JSON and HTML (well formed, every node and
// advisory in it, session text escaped), the statistics log's raised/cleared lines, the snapshot
// JSON and the wire's stats message.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "server/advisor/Advisor.h"
#include "server/analyze/SessionAudit.h"
#include "server/analyze/SessionAuditHtml.h"
#include "server/analyze/SessionAuditReport.h"
#include "server/engine/SessionParser.h"
#include "server/engine/SnapshotJson.h"
#include "server/engine/StatisticsLog.h"
#include "server/net/ProtocolAdapter.h"
#include "tests/support/AnalyzeRunner.h"
#include "tests/support/SoundFiles.h"
#include "tests/support/TestSignals.h"

using namespace headroom;
using nlohmann::json;
using server::AdvisoryRecord;

namespace
{
constexpr uint32_t kRate = 48000;

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

// A strict-enough well-formedness check of the report: every element but the void ones is
// closed, in order; attribute values are quoted; no stray '<' in text.
std::string firstNestingError(const std::string& html)
{
    static const std::vector<std::string> kVoid = {"meta", "br", "hr", "img", "input", "link"};
    std::vector<std::string> open;
    std::size_t i = 0;
    while ((i = html.find('<', i)) != std::string::npos)
    {
        const std::size_t end = html.find('>', i);
        if (end == std::string::npos) return "unterminated tag at " + std::to_string(i);
        std::string tag = html.substr(i + 1, end - i - 1);
        i = end + 1;
        if (tag.starts_with("!")) continue; // <!DOCTYPE html>
        if (tag.find('<') != std::string::npos) return "'<' inside a tag: " + tag;
        const bool closing = tag.starts_with("/");
        const bool selfClosing = tag.ends_with("/");
        std::string name = tag.substr(closing ? 1 : 0);
        name = name.substr(0, name.find_first_of(" /\n"));
        if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }))
            return "bad tag name in <" + tag + ">";
        if (std::count(tag.begin(), tag.end(), '"') % 2 != 0) return "unbalanced quotes in <" + tag + ">";
        if (name == "style") // CSS is text up to </style>
        {
            i = html.find("</style>", i);
            if (i == std::string::npos) return "unclosed style";
            i += 8;
            continue;
        }
        if (closing)
        {
            if (open.empty() || open.back() != name)
                return "</" + name + "> closes <" + (open.empty() ? std::string("nothing") : open.back()) + ">";
            open.pop_back();
        }
        else if (!selfClosing && std::find(kVoid.begin(), kVoid.end(), name) == kVoid.end())
            open.push_back(name);
    }
    return open.empty() ? "" : "unclosed <" + open.back() + ">";
}

class AdvisorOutput : public ::testing::Test
{
protected:
    // A session with a hot recording (labelled with markup), a clipping bass, a clean guitar into
    // a bus, and an untapped keyboard.
    server::SessionAuditResult hotSession()
    {
        const auto write = [this](const std::string& name, const std::vector<float>& x) {
            test::writeSoundFile(dir_.file(name), test::channelsOf(kRate, {x}), SF_FORMAT_WAV | SF_FORMAT_FLOAT);
        };
        write("vox.wav", test::sine(kRate, 440.0, -5.0, 6.0));
        std::vector<float> bass = test::sine(kRate, 80.0, 6.0, 6.0);
        for (float& v : bass) v = std::clamp(v, -1.0f, 1.0f);
        write("bass.wav", bass);
        write("gtr.wav", test::sine(kRate, 650.0, -18.0, 6.0));
        const json doc = {
            {"name", "Song <script>alert('x')</script>"},
            {"room", "Lab & \"B\""},
            {"channels",
             {{{"id", "vox"},
               {"label", "<script>alert(1)</script> vocal"},
               {"bus", "band"},
               {"inserts", {{{"name", "<img src=x onerror=alert(2)>"}, {"kind", "saturation"}}}},
               {"taps", {{"input", {{"file", "vox.wav"}}}}}},
              {{"id", "bass"}, {"bus", "master"}, {"taps", {{"post_insert", {{"file", "bass.wav"}}}}}},
              {{"id", "gtr"}, {"bus", "band"}, {"taps", {{"post_fader", {{"file", "gtr.wav"}}}}}},
              {{"id", "keys"}, {"bus", "band"}, {"taps", {{"input", json::array({"system:capture_9"})}}}}}},
            {"buses", {{{"id", "band"}, {"label", "Band bus"}, {"to", "master"}}}},
            {"master", json::object()}};
        const std::string folder = std::filesystem::path(dir_.file("x")).parent_path().string();
        return server::auditSession(server::parseSessionText(doc.dump(), "studio.json", folder));
    }

    test::TempDir dir_;
};
} // namespace

TEST_F(AdvisorOutput, HtmlReportIsWellFormedEscapedAndShowsEveryNodeAndAdvisory)
{
    const server::SessionAuditResult r = hotSession();
    ASSERT_GE(r.snapshot.advisories.size(), 2u);
    const std::string html = server::sessionAuditHtml(r);
    EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
    EXPECT_EQ(firstNestingError(html), "");
    // Self-contained: no script, nothing fetched.
    EXPECT_FALSE(contains(html, "<script")) << "session text reached the page unescaped";
    EXPECT_FALSE(contains(html, "<img"));
    EXPECT_TRUE(contains(html, "&lt;img src=x onerror=alert(2)&gt;")); // an insert name, as text
    EXPECT_FALSE(contains(html, "http://www.w3.org/1999")); // (the SVG namespace is the only URL)
    EXPECT_TRUE(contains(html, "&lt;script&gt;alert(1)&lt;/script&gt; vocal"));
    EXPECT_TRUE(contains(html, "Lab &amp; &quot;B&quot;"));
    EXPECT_TRUE(contains(html, "<svg"));
    for (const char* node : {"node-vox", "node-bass", "node-gtr", "node-keys", "node-band", "node-master"})
        EXPECT_TRUE(contains(html, node)) << node;
    for (const AdvisoryRecord& a : r.snapshot.advisories)
    {
        EXPECT_TRUE(contains(html, server::escapeHtml(a.title))) << a.id;
        EXPECT_TRUE(contains(html, server::escapeHtml(a.fix))) << a.id;
    }
    EXPECT_TRUE(contains(html, "class=\"node clip\"")); // the clipping bass is drawn red
    EXPECT_TRUE(contains(html, "class=\"node hot\""));  // the hot vocal amber
}

TEST_F(AdvisorOutput, TextAndJsonReportsCarryTheAdvisories)
{
    const server::SessionAuditResult r = hotSession();
    const std::string text = server::sessionAuditReport(r);
    EXPECT_TRUE(contains(text, "Advisories"));
    EXPECT_TRUE(contains(text, "[warning] Recording too hot (input): lower 10.0 dB")) << text;
    EXPECT_TRUE(contains(text, "[critical] Clipping (post_insert)")) << text;
    EXPECT_TRUE(contains(text, "Symptom:"));
    EXPECT_TRUE(contains(text, "Fix:"));

    const json j = json::parse(server::sessionAuditJson(r).dump());
    ASSERT_TRUE(j["advisories"].is_array());
    ASSERT_EQ(j["advisories"].size(), r.snapshot.advisories.size());
    const json& first = j["advisories"][0];
    for (const char* key : {"id", "rule", "node", "tap", "stage", "severity", "title", "symptom", "cause", "fix",
                            "amount_db", "evidence", "raised_audio_seconds", "cleared_audio_seconds"})
        EXPECT_TRUE(first.contains(key)) << key;
    EXPECT_TRUE(j["cleared_advisories"].is_array());
}

TEST_F(AdvisorOutput, CommandLineWritesTheHtmlReport)
{
    (void)hotSession(); // writes the stems
    const json doc = json::parse(R"({"name":"CLI","room":"A","channels":[{"id":"vox","bus":"master",
        "taps":{"input":{"file":"vox.wav"}}}],"master":{}})");
    test::writeTextFile(dir_.file("s.json"), doc.dump());
    const std::string out = dir_.file("report.html");
    const test::ProcessResult run =
        test::analyzeStdout("--session " + test::quoted(dir_.file("s.json")) + " --html " + test::quoted(out));
    ASSERT_EQ(run.exitCode, 0);
    EXPECT_TRUE(contains(run.output, "Recording too hot")); // the text report still on stdout
    std::ifstream in(out);
    std::stringstream html;
    html << in.rdbuf();
    EXPECT_TRUE(html.str().starts_with("<!DOCTYPE html>"));
    EXPECT_TRUE(contains(html.str(), "Recording too hot"));
    EXPECT_EQ(firstNestingError(html.str()), "");
}

TEST(AdvisorLog, WritesALineWhenAnAdvisoryIsRaisedAndWhenItClears)
{
    test::TempDir dir;
    const std::string path = dir.file("log.jsonl");
    server::Session session;
    session.advisor = {0.5, 1.0};
    server::Node vox;
    vox.id = "vox";
    vox.label = "Vox";
    vox.destination = "master";
    session.channels.push_back(vox);
    session.master.kind = server::NodeKind::master;
    session.master.id = "master";
    server::Advisor advisor(session);
    {
        server::StatisticsLog log(path);
        for (int step = 0; step < 60; ++step) // 6 s at 10 Hz: hot for 2 s, then in range
        {
            const double t = 0.1 * step;
            server::EngineSnapshot s;
            s.audioSeconds = t;
            s.wallClockUnixMs = 1714566896789 + 100 * step;
            server::NodeStats node;
            node.id = "vox";
            server::TapStats tap;
            tap.stage = "input";
            tap.active = true;
            tap.averageDbfs = t < 2.0 ? -8.0 : -16.0;
            server::ChannelStats c;
            c.truePeakDbtp = tap.averageDbfs;
            tap.channels.push_back(c);
            node.taps.push_back(tap);
            s.nodes.push_back(node);
            advisor.evaluate(s, t);
            advisor.annotate(s);
            log.write(s);
        }
    }
    std::ifstream in(path);
    std::vector<json> events;
    for (std::string line; std::getline(in, line);)
    {
        const json j = json::parse(line);
        if (j.contains("event")) events.push_back(j);
    }
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0]["event"], "advisory_raised");
    EXPECT_EQ(events[0]["advisory"]["id"], "recording_too_hot:vox:0");
    EXPECT_NEAR(events[0]["audio_seconds"].get<double>(), 0.5, 0.11);
    EXPECT_EQ(events[1]["event"], "advisory_cleared");
    EXPECT_EQ(events[1]["advisory"]["rule"], "recording_too_hot");
    EXPECT_NEAR(events[1]["audio_seconds"].get<double>(), 3.0, 0.11); // 1 s after it went back in range
    EXPECT_TRUE(events[1]["advisory"]["cleared_time"].is_string());
}

TEST(AdvisorWire, StatsMessageCarriesTheCurrentAdvisories)
{
    server::EngineSnapshot s;
    AdvisoryRecord a;
    a.id = "mix_bus_hot:master:4";
    a.rule = "mix_bus_hot";
    a.nodeId = "master";
    a.tapIndex = 4;
    a.stage = "pre_insert";
    a.severity = server::AdvisorySeverity::critical;
    a.title = "Mix bus in the red";
    a.symptom = "s";
    a.cause = "c";
    a.fix = "f";
    a.amountDb = -9.5;
    a.evidence = {{"true peak", 0.4, "dBTP"}};
    a.raisedUnixMs = 1714566892789;
    s.advisories.push_back(a);
    const headroom::proto::Stats stats = server::net::toProtoStats(s, 1, 1714566896789012);
    ASSERT_EQ(stats.advisories.size(), 1u);
    const headroom::proto::Advisory& p = stats.advisories[0];
    EXPECT_EQ(p.id, a.id);
    EXPECT_EQ(p.rule, "mix_bus_hot");
    EXPECT_EQ(p.node, "master");
    EXPECT_EQ(p.tap, std::optional<uint32_t>(4));
    EXPECT_EQ(p.severity, headroom::proto::Severity::critical);
    EXPECT_DOUBLE_EQ(p.amountDb, -9.5);
    ASSERT_EQ(p.evidence.size(), 1u);
    EXPECT_EQ(p.evidence[0].unit, "dBTP");
    EXPECT_EQ(p.raisedTimeUs, 1714566892789000u);

    const json j = server::statisticsJson(s);
    EXPECT_EQ(j["advisories"][0]["amount_db"], -9.5);
    EXPECT_EQ(j["cleared_advisories"], json::array());
}
