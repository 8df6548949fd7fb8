#include "server/analyze/SessionAuditReport.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string_view>
#include <vector>

#include "dsp/Decibels.h"
#include "server/analyze/AdvisoryText.h"
#include "server/analyze/AnalysisReport.h"
#include "server/analyze/TextTable.h"
#include "server/engine/SnapshotJson.h"

namespace headroom::server
{
namespace
{
// The snapshot's nodes in the session file's order: channels, buses, master.
using Nodes = std::vector<const NodeStats*>;

Nodes inSessionOrder(const SessionAuditResult& r)
{
    const auto rank = [&r](const NodeStats& n) -> std::size_t
    {
        const Session& s = r.session;
        for (std::size_t i = 0; i < s.channels.size(); ++i)
            if (s.channels[i].id == n.id) return i;
        for (std::size_t i = 0; i < s.buses.size(); ++i)
            if (s.buses[i].id == n.id) return s.channels.size() + i;
        return s.channels.size() + s.buses.size();
    };
    Nodes nodes;
    for (const NodeStats& n : r.snapshot.nodes) nodes.push_back(&n);
    std::stable_sort(nodes.begin(), nodes.end(),
                     [&rank](const NodeStats* a, const NodeStats* b) { return rank(*a) < rank(*b); });
    return nodes;
}

std::string format(const char* spec, double value)
{
    char text[64];
    std::snprintf(text, sizeof text, spec, value);
    return text;
}

// "+6.00", "-3.00", "0.00"; "--" when undefined.
std::string signedDb(double valueDb, int decimals = 2)
{
    if (!std::isfinite(valueDb)) return dbText(valueDb, decimals);
    const std::string plain = dbText(valueDb, decimals);
    return plain.find_first_not_of("0.") == std::string::npos || plain[0] == '-' ? plain : "+" + plain;
}

std::string lufsText(double valueLufs)
{
    return std::isfinite(valueLufs) ? dbText(valueLufs, 1) : "--";
}

std::string secondsText(double seconds)
{
    return format("%.2f", seconds);
}

std::string tapName(const std::string& nodeId, const TapStats& tap)
{
    return nodeId + "/" + tap.stage + (tap.isVirtual ? " (sum)" : "");
}

// The node's id, with its label when that says something more.
std::string nodeTitle(const Session& session, const std::string& id)
{
    const Node* node = findNode(session, id);
    if (node == nullptr || node->label.empty() || node->label == id) return id;
    return id + " \"" + node->label + "\"";
}

double maxSamplePeakDbfs(const TapStats& tap)
{
    double peak = dsp::kMinusInfinityDb;
    for (const ChannelStats& c : tap.channels) peak = std::max(peak, c.maxSamplePeakDbfs);
    return peak;
}

uint64_t clipEvents(const TapStats& tap)
{
    uint64_t n = 0;
    for (const ChannelStats& c : tap.channels) n += c.clipEvents;
    return n;
}

void appendHeader(std::string& out, const SessionAuditResult& r)
{
    const Session& s = r.session;
    const auto field = [&out](const char* name, const std::string& value) {
        out += std::string("  ") + name + std::string(14 - std::string_view(name).size(), ' ') + value + "\n";
    };
    out += "Session audit\n";
    field("Session", s.name);
    field("Room", s.room);
    field("Session file", s.sourceName);
    field("Audio", std::to_string(r.files.size()) + (r.files.size() == 1 ? " file, " : " files, ") +
                       std::to_string(r.sampleRateHz) + " Hz, " + format("%.3f", r.durationSeconds) +
                       " s (the longest file)");
    field("Reference", std::string("RMS ") +
                           (r.snapshot.rmsConvention == dsp::RmsConvention::aes17
                                ? "AES17 (a sine reads its peak level)"
                                : "plain (a sine reads 3.01 dB below its peak)") +
                           ", 0 VU = " + dbText(r.snapshot.zeroVuDbfs, 1) + " dBFS");
}

void appendFiles(std::string& out, const SessionAuditResult& r)
{
    out += "\nFiles (one per tap, aligned at their first sample)\n";
    TextTable table({{"Tap", "", true},
                     {"Channels", "", false},
                     {"Duration", "s", false},
                     {"Padded", "s", false},
                     {"File", "", true}});
    bool padded = false;
    for (const AuditedFile& f : r.files)
    {
        padded = padded || f.paddedSeconds > 0.0;
        table.addRow({f.nodeId + "/" + f.stage, std::to_string(f.info.numChannels),
                      format("%.3f", f.durationSeconds),
                      f.paddedSeconds > 0.0 ? format("%.3f", f.paddedSeconds) : "-", f.info.path});
    }
    table.renderTo(out, "  ");
    if (padded)
        out +=
            "  Padded: shorter than the longest file, followed by that much silence (not active signal).\n";
}

void appendLevels(std::string& out, const Nodes& nodes)
{
    out += "\nLevels (average: RMS of the loudest channel over the active signal; peaks: the whole audit)\n";
    TextTable table({{"Tap", "", true},
                     {"Average", "dBFS", false},
                     {"Peak", "dBFS", false},
                     {"True peak", "dBTP", false},
                     {"Headroom", "dB", false},
                     {"Integrated", "LUFS", false},
                     {"Crest", "dB", false},
                     {"Clips", "", false}});
    bool anyVirtual = false;
    for (const NodeStats* stats : nodes)
        for (const TapStats& t : stats->taps)
        {
            const NodeStats& n = *stats;
            anyVirtual = anyVirtual || t.isVirtual;
            table.addRow({tapName(n.id, t), dbText(t.averageDbfs, 2), dbText(maxSamplePeakDbfs(t), 2),
                          dbText(t.maxTruePeakDbtp, 2), dbText(t.headroomDb, 2),
                          lufsText(t.loudness.integratedLufs), dbText(t.crestFactorDb, 2),
                          std::to_string(clipEvents(t))});
        }
    table.renderTo(out, "  ");
    if (anyVirtual)
        out += "  (sum): computed, the sample-accurate sum of the bus members' post_fader taps.\n";
}

std::string distanceText(const TargetStats& g)
{
    if (std::isnan(g.averageDistanceDb)) return "--";
    if (g.averageDistanceDb == 0.0) return "in range";
    return signedDb(g.averageDistanceDb) + (g.averageDistanceDb > 0.0 ? " over" : " under");
}

void appendTargets(std::string& out, const Nodes& nodes)
{
    out += "\nTargets (active signal only; over: average above the range or true peak above the limit)\n";
    TextTable table({{"Tap", "", true},
                     {"Range", "dBFS", false},
                     {"Peak limit", "dBTP", false},
                     {"Average", "vs range", false},
                     {"Active", "s", false},
                     {"In", "s", false},
                     {"Over", "s", false},
                     {"Under", "s", false}});
    for (const NodeStats* stats : nodes)
        for (const TapStats& t : stats->taps)
        {
            const NodeStats& n = *stats;
            if (!t.target) continue;
            const TargetStats& g = *t.target;
            table.addRow({tapName(n.id, t),
                          dbText(g.target.averageMinDbfs, 1) + ".." + dbText(g.target.averageMaxDbfs, 1),
                          dbText(g.target.peakMaxDbfs, 1), distanceText(g), secondsText(g.activeSeconds),
                          secondsText(g.inRangeSeconds), secondsText(g.overSeconds),
                          secondsText(g.underSeconds)});
        }
    if (table.empty())
        out += "  (no audited tap has a target: the guide sets none for post_insert, post_fader, output)\n";
    else
        table.renderTo(out, "  ");
}

void appendMasterLoudness(std::string& out, const SessionAuditResult& r, const Nodes& nodes)
{
    out += "\nMaster loudness (EBU R 128)\n";
    TextTable table({{"Tap", "", true},
                     {"Integrated", "LUFS", false},
                     {"LRA", "LU", false},
                     {"Max momentary", "LUFS", false},
                     {"Max short-term", "LUFS", false},
                     {"True peak", "dBTP", false},
                     {"PLR", "LU", false}});
    for (const NodeStats* stats : nodes)
    {
        const NodeStats& n = *stats;
        if (n.kind != NodeKind::master) continue;
        for (const TapStats& t : n.taps)
        {
            const LoudnessStats& l = t.loudness;
            table.addRow({tapName(n.id, t), lufsText(l.integratedLufs), lufsText(l.loudnessRangeLu),
                          lufsText(l.maxMomentaryLufs), lufsText(l.maxShortTermLufs),
                          dbText(t.maxTruePeakDbtp, 2), lufsText(l.plrDb)});
        }
    }
    if (table.empty())
    {
        out += "  (no master tap audited, and the master's input cannot be summed from its members)\n";
        return;
    }
    table.renderTo(out, "  ");
    const Node& m = r.session.master;
    if (m.mastered)
    {
        const StreamingTargets& s = m.targets.streaming;
        out += "  Streaming references (mastered): Spotify " + dbText(s.spotifyLufs, 1) + ", Apple Music " +
               dbText(s.appleMusicLufs, 1) + ", YouTube " + dbText(s.youtubeLufs, 1) + " LUFS integrated\n";
    }
    else
    {
        const DeliveryTargets& d = m.targets.delivery;
        out += "  Delivery to mastering (the output): true peak " + dbText(d.peakMinDbfs, 1) + " to " +
               dbText(d.peakMaxDbfs, 1) + " dBTP, integrated " + dbText(d.integratedMinLufs, 1) + " to " +
               dbText(d.integratedMaxLufs, 1) + " LUFS\n";
    }
}

void appendChains(std::string& out, const SessionAuditResult& r, const Nodes& nodes,
                  const std::map<std::size_t, const TapStats*>& taps)
{
    out +=
        "\nPlugin chains (post_insert over pre_insert energy per channel, while the pre-insert is active)\n";
    TextTable table({{"Node", "", true},
                     {"Pre-insert", "dBFS", false},
                     {"Post-insert", "dBFS", false},
                     {"Gain", "dB", false},
                     {"Allowed", "dB", false},
                     {"Active", "s", false},
                     {"", "", true}});
    for (const NodeStats* stats : nodes)
    {
        const NodeStats& n = *stats;
        if (!n.chain) continue;
        const ChainStats& c = *n.chain;
        const Node* node = findNode(r.session, n.id);
        const double allowedDb = node != nullptr ? node->targets.pluginChain.maxGainDb : 3.0;
        std::string status = "--";
        if (std::isfinite(c.gainSinceResetDb))
            status = std::abs(c.gainSinceResetDb) <= allowedDb
                         ? "output ~ input"
                         : (c.gainSinceResetDb > 0.0 ? "louder: compensate at the plugin outputs"
                                                     : "quieter: compensate at the plugin outputs");
        table.addRow({nodeTitle(r.session, n.id), dbText(taps.at(c.preInsertTap)->averageDbfs, 2),
                      dbText(taps.at(c.postInsertTap)->averageDbfs, 2), signedDb(c.gainSinceResetDb),
                      "+-" + dbText(allowedDb, 1), secondsText(c.activeSeconds), status});
    }
    if (table.empty())
        out += "  (no node has both pre_insert and post_insert audited)\n";
    else
        table.renderTo(out, "  ");
}

void appendBuses(std::string& out, const SessionAuditResult& r, const Nodes& nodes)
{
    out += "\nBuses (while the summed members are active)\n";
    bool any = false;
    for (const NodeStats* stats : nodes)
    {
        const NodeStats& n = *stats;
        if (!n.bus) continue;
        any = true;
        const BusStats& b = *n.bus;
        const Node* node = findNode(r.session, n.id);
        std::string title = "  " + nodeTitle(r.session, n.id);
        if (node != nullptr && !node->destination.empty()) title += " -> " + node->destination;
        title += b.measuredTap ? ": input tapped, compared with the sum of its "
                               : ": input computed, the sum of its ";
        out +=
            title + std::to_string(b.members.size()) + (b.members.size() == 1 ? " member\n" : " members\n");

        const auto field = [&out](const char* name, const std::string& value) {
            out += std::string("    ") + name + std::string(22 - std::string_view(name).size(), ' ') + value +
                   "\n";
        };
        field("Summed members", dbText(b.predictedDbfs, 2) + " dBFS (RMS, mean over the bus channels)");
        if (b.measuredTap)
        {
            field("Measured input", dbText(b.measuredDbfs, 2) + " dBFS");
            std::string difference = signedDb(b.measuredMinusPredictedDb) + " dB";
            if (std::abs(b.measuredMinusPredictedDb) > 0.5)
                difference += " (hidden gain or a routing mistake)";
            field("Measured - predicted", difference);
        }
        field("Summing gain",
              signedDb(b.summingGainDb) + " dB (0: incoherent members, +3: two equal coherent)");
        field("Summed true peak",
              dbText(b.summedTruePeakDbtp, 2) + " dBTP (headroom " + dbText(b.summedHeadroomDb, 2) + " dB)");
        TextTable members({{"Member", "", true}, {"Level at the bus", "dBFS", false}, {"Share", "", false}});
        for (const BusMemberStats& m : b.members)
            members.addRow({m.nodeId + "/" + m.stage, dbText(m.levelDbfs, 2),
                            std::isfinite(m.share) ? format("%.3f", m.share) : "--"});
        members.renderTo(out, "    ");
    }
    if (!any) out += "  (no bus could be summed: each needs every member's post_fader audited)\n";
}

void appendWarnings(std::string& out, const SessionAuditResult& r)
{
    if (r.warnings.empty())
    {
        out += "\nWarnings: none\n";
        return;
    }
    out += "\nWarnings\n";
    for (const std::string& w : r.warnings) out += "  " + w + "\n";
}
} // namespace

nlohmann::ordered_json sessionAuditJson(const SessionAuditResult& r)
{
    nlohmann::ordered_json j;
    j["session"] = r.session.name;
    j["room"] = r.session.room;
    j["session_file"] = r.session.sourceName;
    j["sample_rate_hz"] = r.sampleRateHz;
    j["duration_s"] = roundedJson(r.durationSeconds, 0.001);
    nlohmann::ordered_json files = nlohmann::ordered_json::array();
    for (const AuditedFile& f : r.files)
    {
        nlohmann::ordered_json file;
        file["node"] = f.nodeId;
        file["stage"] = f.stage;
        file["json_path"] = f.jsonPath;
        file["file"] = f.info.path;
        file["format"] = f.info.containerName + ", " + f.info.encodingName;
        file["channels"] = f.info.numChannels;
        file["duration_s"] = roundedJson(f.durationSeconds, 0.001);
        file["padded_s"] = roundedJson(f.paddedSeconds, 0.001);
        files.push_back(std::move(file));
    }
    j["files"] = std::move(files);
    j["warnings"] = r.warnings;

    // The statistics: SnapshotJson's encoding as it is, minus what only a running server has.
    nlohmann::json snapshot = r.snapshot;
    for (const char* liveOnly : {"sequence", "time", "health", "last_command_id", "sample_rate_hz"})
        snapshot.erase(liveOnly);
    for (nlohmann::json& node : snapshot["nodes"])
    {
        const Node* n = findNode(r.session, node["id"].get<std::string>());
        node["label"] = n != nullptr ? n->label : node["id"].get<std::string>();
    }
    for (auto it = snapshot.begin(); it != snapshot.end(); ++it) j[it.key()] = std::move(it.value());
    return j;
}

std::string sessionAuditReport(const SessionAuditResult& r)
{
    std::map<std::size_t, const TapStats*> taps; // plan index -> statistics
    for (const NodeStats& n : r.snapshot.nodes)
        for (const TapStats& t : n.taps) taps[t.tapIndex] = &t;

    std::string out;
    appendHeader(out, r);
    appendAdvisoriesText(out, r.session, r.snapshot.advisories, r.snapshot.clearedAdvisories);
    appendFiles(out, r);
    const Nodes nodes = inSessionOrder(r);
    appendLevels(out, nodes);
    appendTargets(out, nodes);
    appendMasterLoudness(out, r, nodes);
    appendChains(out, r, nodes, taps);
    appendBuses(out, r, nodes);
    appendWarnings(out, r);
    return out;
}

} // namespace headroom::server
