#include "server/analyze/AdvisoryText.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace headroom::server
{
namespace
{
std::string nodeHeading(const Session& session, const std::string& id)
{
    const Node* node = findNode(session, id);
    if (node == nullptr || node->label.empty() || node->label == id) return id;
    return id + " \"" + node->label + "\"";
}

// One advisory, its texts wrapped under aligned labels.
void appendAdvisory(std::string& out, const AdvisoryRecord& a)
{
    out += "    [" + std::string(toString(a.severity)) + "] " + a.title + " (" + a.stage + ")";
    const std::string amount = amountPhrase(a);
    if (!amount.empty()) out += ": " + amount;
    out += "\n";
    out += "      Symptom: " + a.symptom + "\n";
    out += "      Cause:   " + a.cause + "\n";
    out += "      Fix:     " + a.fix + "\n";
}
} // namespace

std::string amountPhrase(const AdvisoryRecord& a)
{
    if (!std::isfinite(a.amountDb)) return {};
    char text[48];
    // At least 0.1 dB, as in the fix texts: "lower 0.0 dB" would read as nothing to do.
    const double magnitude = std::max(0.1, std::round(std::fabs(a.amountDb) * 10.0) / 10.0);
    std::snprintf(text, sizeof text, "%s %.1f dB", a.amountDb < 0.0 ? "lower" : "raise", magnitude);
    return text;
}

std::string audioTimeText(double seconds)
{
    char text[32];
    if (!std::isfinite(seconds)) return "--";
    if (seconds < 60.0)
        std::snprintf(text, sizeof text, "%.2f s", seconds);
    else
        std::snprintf(text, sizeof text, "%d:%05.2f", static_cast<int>(seconds / 60.0),
                      seconds - 60.0 * std::floor(seconds / 60.0));
    return text;
}

void appendAdvisoriesText(std::string& out, const Session& session, const std::vector<AdvisoryRecord>& active,
                          const std::vector<AdvisoryRecord>& cleared)
{
    out += "\nAdvisories (the gain-staging guide: symptom, most likely cause, fix)\n";
    if (active.empty() && cleared.empty())
    {
        out += "  None: every audited stage sits where the guide wants it.\n";
        return;
    }
    if (active.empty()) out += "  None at the end of the audit.\n";
    std::string node;
    for (const AdvisoryRecord& a : active)
    {
        if (a.nodeId != node)
        {
            node = a.nodeId;
            out += "  " + nodeHeading(session, node) + "\n";
        }
        appendAdvisory(out, a);
    }
    if (cleared.empty()) return;
    out += "\n  Raised and cleared during the audit (oldest first)\n";
    for (auto it = cleared.rbegin(); it != cleared.rend(); ++it)
    {
        out += "  " + nodeHeading(session, it->nodeId) + ", from " + audioTimeText(it->raisedAudioSeconds) +
               " to " + audioTimeText(it->clearedAudioSeconds) + "\n";
        appendAdvisory(out, *it);
    }
}

} // namespace headroom::server
