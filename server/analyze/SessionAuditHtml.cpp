#include "server/analyze/SessionAuditHtml.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

#include "server/analyze/AdvisoryText.h"
#include "server/analyze/AnalysisReport.h"

namespace headroom::server
{
namespace
{
// Where a stage stands against its target; the order is how bad (a node shows its worst stage).
enum class Standing : int
{
    notMetered = 0,
    noTarget,
    inRange,
    quiet,
    hot,
    clipping,
};

const char* cssClass(Standing s)
{
    switch (s)
    {
    case Standing::notMetered:
        return "none";
    case Standing::noTarget:
        return "plain";
    case Standing::inRange:
        return "ok";
    case Standing::quiet:
        return "quiet";
    case Standing::hot:
        return "hot";
    case Standing::clipping:
        return "clip";
    }
    return "plain";
}

const char* standingText(Standing s)
{
    switch (s)
    {
    case Standing::notMetered:
        return "not metered";
    case Standing::noTarget:
        return "no target";
    case Standing::inRange:
        return "in range";
    case Standing::quiet:
        return "quiet";
    case Standing::hot:
        return "hot";
    case Standing::clipping:
        return "clipping";
    }
    return "";
}

Standing standingOf(const TapStats& t)
{
    uint64_t clips = 0;
    for (const ChannelStats& c : t.channels) clips += c.clipEvents;
    if (clips > 0 || t.clipLatched) return Standing::clipping;
    if (!t.target) return Standing::noTarget;
    const TargetStats& g = *t.target;
    if (g.averageDistanceDb > 0.0 || t.maxTruePeakDbtp > g.target.peakMaxDbfs) return Standing::hot;
    if (g.averageDistanceDb < 0.0) return Standing::quiet;
    if (std::isnan(g.averageDistanceDb)) return Standing::noTarget; // never active
    return Standing::inRange;
}

std::string db1(double v)
{
    return dbText(v, 1);
}

struct NodeView
{
    const Node* node = nullptr;
    const NodeStats* stats = nullptr; // nullptr: not metered
    std::vector<const AdvisoryRecord*> advisories;
    int column = 0;
    double x = 0.0, y = 0.0, height = 0.0;
    Standing worst = Standing::notMetered;
};

// Channels in column 0; a bus one column right of everything routed to it; the master last.
void assignColumns(std::vector<NodeView>& views, const Session& session)
{
    const auto indexOf = [&views](const std::string& id) -> NodeView* {
        for (NodeView& v : views)
            if (v.node->id == id) return &v;
        return nullptr;
    };
    for (NodeView& v : views) v.column = v.node->kind == NodeKind::channel ? 0 : 1;
    // Routes have no cycles (the parser refuses them): as many passes as there are buses settle it.
    for (std::size_t pass = 0; pass <= session.buses.size(); ++pass)
        for (NodeView& v : views)
            if (NodeView* to = indexOf(v.node->destination); to != nullptr && to->node->kind == NodeKind::bus)
                to->column = std::max(to->column, v.column + 1);
    int last = 0;
    for (const NodeView& v : views)
        if (v.node->kind != NodeKind::master) last = std::max(last, v.column);
    for (NodeView& v : views)
        if (v.node->kind == NodeKind::master) v.column = last + 1;
}

constexpr double kBoxWidth = 230.0;
constexpr double kColumnStep = 300.0;
constexpr double kRowHeight = 17.0;
constexpr double kBoxHead = 26.0;
constexpr double kGap = 18.0;

void appendSvg(std::string& out, std::vector<NodeView>& views)
{
    std::map<int, double> columnBottom;
    int columns = 0;
    for (NodeView& v : views)
    {
        const std::size_t rows = v.stats != nullptr ? std::max<std::size_t>(v.stats->taps.size(), 1) : 1;
        v.height = kBoxHead + kRowHeight * static_cast<double>(rows) + 6.0;
        v.x = 20.0 + kColumnStep * v.column;
        v.y = columnBottom.contains(v.column) ? columnBottom[v.column] : 20.0;
        columnBottom[v.column] = v.y + v.height + kGap;
        columns = std::max(columns, v.column + 1);
    }
    double height = 40.0;
    for (const auto& [column, bottom] : columnBottom) height = std::max(height, bottom);
    const double width = 40.0 + kColumnStep * (columns - 1) + kBoxWidth;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "<svg class=\"flow\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
                  "width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"Signal flow\">\n",
                  width, height, width, height);
    out += buf;
    // Routes first, under the boxes.
    for (const NodeView& v : views)
        for (const NodeView& to : views)
            if (to.node->id == v.node->destination)
            {
                const double x1 = v.x + kBoxWidth, y1 = v.y + v.height / 2.0, x2 = to.x, y2 = to.y + to.height / 2.0;
                std::snprintf(buf, sizeof buf,
                              "<path class=\"route\" d=\"M%.1f %.1f C%.1f %.1f %.1f %.1f %.1f %.1f\"/>\n", x1, y1,
                              x1 + 40.0, y1, x2 - 40.0, y2, x2, y2);
                out += buf;
            }
    for (const NodeView& v : views)
    {
        std::snprintf(buf, sizeof buf, "<g class=\"node %s\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\" rx=\"6\"/>\n",
                      cssClass(v.worst), v.x, v.y, kBoxWidth, v.height);
        out += buf;
        std::snprintf(buf, sizeof buf, "<text class=\"name\" x=\"%.1f\" y=\"%.1f\">", v.x + 8.0, v.y + 17.0);
        out += buf;
        std::string name = v.node->label.empty() ? v.node->id : v.node->label;
        if (name.size() > 26) name = name.substr(0, 25) + "\xE2\x80\xA6"; // an ellipsis
        out += escapeHtml(name) + "</text>\n";
        if (v.stats == nullptr)
        {
            std::snprintf(buf, sizeof buf, "<text class=\"stage\" x=\"%.1f\" y=\"%.1f\">not metered</text>\n",
                          v.x + 8.0, v.y + kBoxHead + 12.0);
            out += buf;
        }
        else
        {
            double y = v.y + kBoxHead;
            for (const TapStats& t : v.stats->taps)
            {
                const Standing s = standingOf(t);
                std::snprintf(buf, sizeof buf, "<rect class=\"chip %s\" x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\"/>",
                              cssClass(s), v.x + 8.0, y + 2.0);
                out += buf;
                std::snprintf(buf, sizeof buf, "<text class=\"stage\" x=\"%.1f\" y=\"%.1f\">", v.x + 24.0, y + 11.0);
                out += buf;
                out += escapeHtml(t.stage + (t.isVirtual ? " (sum)" : "")) + "  " + db1(t.averageDbfs) + " avg, " +
                       db1(t.maxTruePeakDbtp) + " pk</text>\n";
                y += kRowHeight;
            }
        }
        if (!v.advisories.empty())
        {
            bool critical = false;
            for (const AdvisoryRecord* a : v.advisories) critical = critical || a->severity == AdvisorySeverity::critical;
            // The anchor names a node id ([a-z0-9_-]: the parser enforces it), escaped all the same.
            out += "<a href=\"#node-" + escapeHtml(v.node->id) + "\">";
            std::snprintf(buf, sizeof buf,
                          "<circle class=\"badge%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"10\"/>"
                          "<text class=\"badge\" x=\"%.1f\" y=\"%.1f\">%zu</text></a>\n",
                          critical ? " critical" : "", v.x + kBoxWidth - 4.0, v.y + 4.0, v.x + kBoxWidth - 4.0,
                          v.y + 8.0, v.advisories.size());
            out += buf;
        }
        out += "</g>\n";
    }
    out += "</svg>\n";
}

void appendAdvisoryHtml(std::string& out, const AdvisoryRecord& a, bool cleared)
{
    out += "<div class=\"advisory " + std::string(toString(a.severity)) + "\">\n<h4>" + escapeHtml(a.title) +
           " <span class=\"stage\">" + escapeHtml(a.stage) + "</span>";
    const std::string amount = amountPhrase(a);
    if (!amount.empty()) out += " <span class=\"amount\">" + escapeHtml(amount) + "</span>";
    out += "</h4>\n";
    if (cleared)
        out += "<p class=\"when\">Raised at " + audioTimeText(a.raisedAudioSeconds) + ", cleared at " +
               audioTimeText(a.clearedAudioSeconds) + " of the audit.</p>\n";
    out += "<dl><dt>Symptom</dt><dd>" + escapeHtml(a.symptom) + "</dd><dt>Most likely cause</dt><dd>" +
           escapeHtml(a.cause) + "</dd><dt>Fix</dt><dd>" + escapeHtml(a.fix) + "</dd></dl>\n";
    if (!a.evidence.empty())
    {
        out += "<p class=\"evidence\">";
        for (std::size_t i = 0; i < a.evidence.size(); ++i)
        {
            const AdvisoryEvidence& e = a.evidence[i];
            out += (i > 0 ? " · " : "") + escapeHtml(e.label) + ": " + dbText(e.value, 1) + " " + escapeHtml(e.unit);
        }
        out += "</p>\n";
    }
    out += "</div>\n";
}

void appendNodeSection(std::string& out, const NodeView& v)
{
    const std::string title = v.node->label.empty() || v.node->label == v.node->id
                                  ? v.node->id
                                  : v.node->label + " (" + v.node->id + ")";
    out += "<section class=\"node-detail\" id=\"node-" + escapeHtml(v.node->id) + "\">\n<h3>" + escapeHtml(title) +
           " <span class=\"kind\">" + std::string(toString(v.node->kind)) + "</span></h3>\n";
    if (!v.node->inserts.empty())
    {
        out += "<p class=\"inserts\">Inserts: ";
        for (std::size_t i = 0; i < v.node->inserts.size(); ++i)
            out += (i > 0 ? " → " : "") + escapeHtml(v.node->inserts[i].name) + " (" +
                   std::string(toString(v.node->inserts[i].kind)) + ")";
        out += "</p>\n";
    }
    if (v.stats == nullptr)
        out += "<p>Not metered in this audit (no audio file for its taps).</p>\n";
    else
    {
        out += "<table><thead><tr><th>Stage</th><th>Average dBFS</th><th>True peak dBTP</th><th>Target dBFS</th>"
               "<th>Integrated LUFS</th><th>Standing</th></tr></thead><tbody>\n";
        for (const TapStats& t : v.stats->taps)
        {
            const Standing s = standingOf(t);
            const std::string target =
                t.target ? db1(t.target->target.averageMinDbfs) + " to " + db1(t.target->target.averageMaxDbfs) +
                               ", peaks ≤ " + db1(t.target->target.peakMaxDbfs)
                         : "—";
            out += "<tr><td>" + escapeHtml(t.stage + (t.isVirtual ? " (sum)" : "")) + "</td><td>" +
                   db1(t.averageDbfs) + "</td><td>" + db1(t.maxTruePeakDbtp) + "</td><td>" + target + "</td><td>" +
                   db1(t.loudness.integratedLufs) + "</td><td><span class=\"chip " + cssClass(s) + "\"></span>" +
                   standingText(s) + "</td></tr>\n";
        }
        if (v.stats->chain)
            out += "<tr><td colspan=\"6\">Plugin chain gain (post minus pre insert): " + db1(v.stats->chain->gainDb) +
                   " dB</td></tr>\n";
        out += "</tbody></table>\n";
    }
    for (const AdvisoryRecord* a : v.advisories) appendAdvisoryHtml(out, *a, false);
    if (v.advisories.empty() && v.stats != nullptr) out += "<p class=\"fine\">No advisory.</p>\n";
    out += "</section>\n";
}

constexpr const char* kStyle = R"(<style>
body{font:15px/1.45 system-ui,sans-serif;color:#1b1f24;max-width:1100px;margin:2em auto;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ccd;padding-bottom:.2em}
.meta{color:#555}.legend span{display:inline-block;margin-right:1.2em}
.chip{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.35em;vertical-align:-.05em}
.ok{fill:#2e9d4f;background:#2e9d4f}.quiet{fill:#3a78c2;background:#3a78c2}.hot{fill:#e09b19;background:#e09b19}
.clip{fill:#d2322d;background:#d2322d}.plain{fill:#9aa3ad;background:#9aa3ad}.none{fill:#fff;background:#fff}
svg.flow{max-width:100%;height:auto;border:1px solid #dde;border-radius:8px;background:#fafbfc}
svg .route{fill:none;stroke:#8b95a1;stroke-width:2}
svg .node rect:first-child{fill:#fff;stroke-width:2.5}svg .node.ok rect:first-child{stroke:#2e9d4f}
svg .node.quiet rect:first-child{stroke:#3a78c2}svg .node.hot rect:first-child{stroke:#e09b19}
svg .node.clip rect:first-child{stroke:#d2322d}svg .node.plain rect:first-child,svg .node.none rect:first-child{stroke:#9aa3ad}
svg .node.none rect:first-child{stroke-dasharray:5 4}
svg text{font:12px system-ui,sans-serif;fill:#1b1f24}svg text.name{font-weight:600;font-size:13px}
svg circle.badge{fill:#e09b19}svg circle.badge.critical{fill:#d2322d}
svg text.badge{fill:#fff;font-weight:700;text-anchor:middle}
table{border-collapse:collapse;margin:.4em 0 .8em}td,th{border-bottom:1px solid #e3e6ea;padding:.2em .7em;text-align:left}
.advisory{border-left:5px solid #e09b19;background:#fff8ec;padding:.4em .9em;margin:.6em 0;border-radius:4px}
.advisory.critical{border-color:#d2322d;background:#fdf0ef}.advisory.info{border-color:#3a78c2;background:#eef4fb}
.advisory h4{margin:.2em 0}.advisory .stage{font-weight:400;color:#555;font-size:.9em}
.advisory .amount{background:#1b1f24;color:#fff;border-radius:3px;padding:0 .4em;font-size:.85em}
dl{display:grid;grid-template-columns:max-content auto;gap:.15em 1em;margin:.3em 0}dt{font-weight:600}dd{margin:0}
.evidence,.when,.kind,.inserts{color:#555;font-size:.9em}
@media print{svg.flow{border:none}.advisory{break-inside:avoid}}
</style>
)";
} // namespace

std::string escapeHtml(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (const char c : text)
    {
        switch (c)
        {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string sessionAuditHtml(const SessionAuditResult& r)
{
    const Session& s = r.session;
    std::vector<NodeView> views;
    const auto add = [&views](const Node& n) {
        NodeView v;
        v.node = &n;
        views.push_back(v);
    };
    for (const Node& n : s.channels) add(n);
    for (const Node& n : s.buses) add(n);
    add(s.master);
    for (NodeView& v : views)
    {
        for (const NodeStats& n : r.snapshot.nodes)
            if (n.id == v.node->id) v.stats = &n;
        if (v.stats != nullptr)
            for (const TapStats& t : v.stats->taps) v.worst = std::max(v.worst, standingOf(t));
        for (const AdvisoryRecord& a : r.snapshot.advisories)
            if (a.nodeId == v.node->id) v.advisories.push_back(&a);
    }
    assignColumns(views, s);

    std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Session audit: " +
                      escapeHtml(s.name) + "</title>\n" + kStyle + "</head>\n<body>\n";
    out += "<h1>Session audit: " + escapeHtml(s.name) + "</h1>\n<p class=\"meta\">Room " + escapeHtml(s.room) +
           " · " + escapeHtml(s.sourceName) + " · " + std::to_string(r.files.size()) +
           (r.files.size() == 1 ? " file" : " files") + ", " + std::to_string(r.sampleRateHz) + " Hz, " +
           audioTimeText(r.durationSeconds) + "</p>\n";
    if (!s.notes.empty()) out += "<p class=\"notes\">" + escapeHtml(s.notes) + "</p>\n";
    std::size_t advisories = r.snapshot.advisories.size();
    out += "<p><strong>" + std::to_string(advisories) + (advisories == 1 ? " advisory" : " advisories") +
           "</strong> at the end of the audit" +
           (r.snapshot.clearedAdvisories.empty()
                ? std::string(".")
                : ", " + std::to_string(r.snapshot.clearedAdvisories.size()) + " more raised and cleared during it.") +
           "</p>\n";

    out += "<h2>Signal flow</h2>\n<p class=\"legend\">";
    for (Standing st : {Standing::quiet, Standing::inRange, Standing::hot, Standing::clipping, Standing::noTarget})
        out += std::string("<span><span class=\"chip ") + cssClass(st) + "\"></span>" + standingText(st) + "</span>";
    out += "</p>\n";
    appendSvg(out, views);
    out += "<p class=\"meta\">Each stage against the guide's target: average around −18 dBFS into plugins and "
           "buses, −18 to −12 dBFS with peaks no higher than −6 dBFS when recording, peaks around −6 dBFS on the "
           "mix bus. A badge counts a node's advisories.</p>\n";

    out += "<h2>Stages and advisories</h2>\n";
    for (const NodeView& v : views) appendNodeSection(out, v);

    if (!r.snapshot.clearedAdvisories.empty())
    {
        out += "<h2>Raised and cleared during the audit</h2>\n";
        for (auto it = r.snapshot.clearedAdvisories.rbegin(); it != r.snapshot.clearedAdvisories.rend(); ++it)
        {
            const Node* node = findNode(s, it->nodeId);
            out += "<p class=\"meta\">" + escapeHtml(node != nullptr ? node->label : it->nodeId) + "</p>\n";
            appendAdvisoryHtml(out, *it, true);
        }
    }
    if (!r.warnings.empty())
    {
        out += "<h2>Warnings</h2>\n<ul>\n";
        for (const std::string& w : r.warnings) out += "<li>" + escapeHtml(w) + "</li>\n";
        out += "</ul>\n";
    }
    out += "<p class=\"meta\">Made by headroom analyze --session. Levels: RMS in the session's convention "
           "(AES17 by default: a sine reads its peak level); peaks: true peak (ITU-R BS.1770).</p>\n</body>\n</html>\n";
    return out;
}

} // namespace headroom::server
