#include "server/cli/CheckCommand.h"

#include "server/engine/SessionParser.h"
#include "server/engine/SessionTopology.h"

#include <cstdio>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <vector>

namespace headroom::server
{
namespace
{
constexpr const char* kHelp =
    "Usage: headroom check SESSION.json...\n"
    "\n"
    "Validates session files: the signal flow Headroom meters (channels, buses, master, their\n"
    "inserts and taps), the reference settings and the targets. The format is described in\n"
    "docs/SESSION.md; examples are in deploy/sessions/.\n"
    "\n"
    "A valid file gets a summary (name, room, channels, buses and how many are virtual, taps, JACK\n"
    "ports) and its warnings on stdout. Warnings are legal but probably unintended: a bus whose\n"
    "input is not tapped and cannot be computed from its members, a limiter on a master that is\n"
    "not mastered, a file tap whose audio file does not exist, ...\n"
    "An invalid file gets every problem on stderr, one line each:\n"
    "  FILE: JSON_POINTER: what was expected, got ...\n"
    "JACK ports that do not exist now are not problems: Headroom connects them when they appear.\n"
    "\n"
    "Options:\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 every file is valid (warnings allowed); 1 a file is invalid or unreadable;\n"
    "2 usage error.\n";

std::string masterSummary(const Session& session, const SessionTopology& topology)
{
    const Node& m = session.master;
    const BusInfo* info = topology.find({NodeKind::master, 0});
    std::string text = std::to_string(m.numChannels) + " channels, input ";
    if (m.preInsert)
        text += "tapped (pre_insert)";
    else if (info != nullptr && info->membersSummable)
        text += "virtual (sum of " + std::to_string(info->members.size()) + " members)";
    else
        text += "not metered";
    text += m.output ? ", output tapped" : ", output not tapped";
    text += m.mastered ? ", mastered (streaming targets)" : ", mix for mastering (delivery targets)";
    return text;
}

std::string busSummary(const Session& session, const SessionTopology& topology)
{
    std::string text = std::to_string(session.buses.size());
    std::string virtualIds;
    for (const BusInfo& b : topology.buses)
        if (b.bus.kind == NodeKind::bus && b.isVirtual)
            virtualIds += (virtualIds.empty() ? "" : ", ") + nodeAt(session, b.bus).id;
    text += " (" + std::to_string(topology.numVirtualBuses()) + " virtual" +
            (virtualIds.empty() ? std::string() : ": " + virtualIds) + ")";
    return text;
}

// Files a file tap names but that are not there: legal (the stems may come later), worth saying.
void warnAboutMissingFiles(const Session& session, SessionTopology& topology)
{
    for (const SessionTap& tap : topology.taps)
    {
        if (tap.source.kind != TapSource::Kind::file) continue;
        std::error_code ec;
        if (!std::filesystem::exists(tap.source.file, ec))
            topology.warnings.push_back(session.sourceName + ": " + tap.source.jsonPath +
                                        "/file: warning: audio file \"" + tap.source.file +
                                        "\" does not exist");
    }
}

bool checkOne(const std::string& path)
{
    Session session;
    try
    {
        session = parseSessionFile(path);
    }
    catch (const SessionError& e)
    {
        for (const std::string& line : e.errors()) std::fprintf(stderr, "%s\n", line.c_str());
        return false;
    }
    SessionTopology topology = buildTopology(session);
    warnAboutMissingFiles(session, topology);

    const std::size_t fileTaps = topology.numFileTaps();
    std::printf("%s: valid\n", path.c_str());
    std::printf("  name:      %s\n", session.name.c_str());
    std::printf("  room:      %s\n", session.room.c_str());
    std::printf("  channels:  %zu\n", session.channels.size());
    std::printf("  buses:     %s\n", busSummary(session, topology).c_str());
    std::printf("  master:    %s\n", masterSummary(session, topology).c_str());
    std::printf("  taps:      %zu (%zu from JACK ports, %zu from files)\n", topology.taps.size(),
                topology.taps.size() - fileTaps, fileTaps);
    std::printf("  ports:     %zu JACK ports\n", topology.numJackPorts());
    std::printf("  warnings:  %zu\n", topology.warnings.size());
    for (const std::string& w : topology.warnings) std::printf("%s\n", w.c_str());
    return true;
}
} // namespace

int runCheckCommand(std::span<const std::string> args)
{
    std::vector<std::string> files;
    bool optionsEnded = false;
    for (const std::string& a : args)
    {
        if (!optionsEnded && (a == "-h" || a == "--help"))
        {
            std::fputs(kHelp, stdout);
            return 0;
        }
        if (!optionsEnded && a == "--")
            optionsEnded = true;
        else if (!optionsEnded && a.size() > 1 && a.front() == '-')
        {
            std::fprintf(stderr, "headroom check: unknown option '%s' (run 'headroom check --help')\n",
                         a.c_str());
            return 2;
        }
        else
            files.push_back(a);
    }
    if (files.empty())
    {
        std::fprintf(stderr,
                     "headroom check: no session file given (usage: headroom check SESSION.json...)\n");
        return 2;
    }
    bool allValid = true;
    for (std::size_t i = 0; i < files.size(); ++i)
    {
        if (i > 0) std::printf("\n");
        std::fflush(stdout);
        allValid = checkOne(files[i]) && allValid;
    }
    std::fflush(stdout);
    return allValid ? 0 : 1;
}

} // namespace headroom::server
