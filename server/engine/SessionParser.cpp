#include "server/engine/SessionParser.h"

#include "server/engine/SessionJsonReader.h"
#include "server/engine/SessionNodeReader.h"
#include "server/engine/SessionTargets.h"
#include "server/engine/SessionTopology.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

namespace headroom::server
{
namespace
{
using namespace session_json;

constexpr std::size_t kMaxFileBytes = 16u << 20; // the 32-input example is under 10 KiB
constexpr std::size_t kMaxErrorLines = 100;      // beyond this the rest is one summary line

constexpr std::string_view kTopKeys[] = {"name",    "room",     "notes", "reference",
                                         "targets", "channels", "buses", "master"};

class Parser
{
public:
    Parser(const std::string& sourceName, const std::string& baseDirectory) : diagnostics_(sourceName)
    {
        session_.sourceName = sourceName;
        session_.baseDirectory = baseDirectory;
    }

    Session run(std::string_view text)
    {
        const auto document = parseDocument(diagnostics_, text);
        if (document &&
            expectObject(diagnostics_, *document, "", "an object (a session: name, room, channels, master)"))
            readSession(*document);
        if (diagnostics_.count() > 0) fail();
        return std::move(session_);
    }

private:
    [[noreturn]] void fail()
    {
        std::vector<std::string> lines = diagnostics_.lines();
        if (lines.size() > kMaxErrorLines)
        {
            const std::size_t more = lines.size() - kMaxErrorLines;
            lines.resize(kMaxErrorLines);
            lines.push_back(diagnostics_.file() + ": " + std::to_string(more) + " more errors not shown");
        }
        throw SessionError(std::move(lines));
    }

    void readSession(const Json& top)
    {
        checkKeys(diagnostics_, top, "", kTopKeys);
        session_.name =
            readString(diagnostics_, {top, "", "name", true}, "a string: the session's name").value_or("");
        session_.room =
            readString(diagnostics_, {top, "", "room", true}, "a string: the room's name").value_or("");
        session_.notes = readString(diagnostics_, {top, "", "notes"}, "a string").value_or("");
        if (const Json* v = member(diagnostics_, {top, "", "reference"}, "")) readReference(*v, "/reference");
        if (const Json* v = member(diagnostics_, {top, "", "targets"}, ""))
            readTargets(diagnostics_, *v, "/targets", TargetScope::session, session_.targets,
                        &session_.advisor);

        NodeReader nodes(diagnostics_, session_.targets, session_.baseDirectory);

        if (const Json* v = member(diagnostics_, {top, "", "channels", true}, "an array of channels");
            v != nullptr && expectArray(diagnostics_, *v, "/channels", "an array of channels"))
            for (std::size_t i = 0; i < v->size(); ++i)
                session_.channels.push_back(nodes.read((*v)[i], childPointer("/channels", i),
                                                       NodeKind::channel, channelFacts_.emplace_back()));
        if (const Json* v = member(diagnostics_, {top, "", "buses"}, ""))
        {
            busesReadable_ = expectArray(diagnostics_, *v, "/buses", "an array of buses");
            for (std::size_t i = 0; busesReadable_ && i < v->size(); ++i)
                session_.buses.push_back(
                    nodes.read((*v)[i], childPointer("/buses", i), NodeKind::bus, busFacts_.emplace_back()));
        }
        if (const Json* v = member(diagnostics_, {top, "", "master", true}, "an object: the master section"))
        {
            NodeFacts unused;
            session_.master = nodes.read(*v, "/master", NodeKind::master, unused);
        }
        else
            session_.master = nodes.defaultMaster();
        checkIds();
        checkRouting();
    }

    void readReference(const Json& v, const std::string& p)
    {
        if (!expectObject(diagnostics_, v, p, "an object of reference settings")) return;
        checkKeys(diagnostics_, v, p, {"zero_vu_dbfs", "rms", "ppm", "clip_threshold_dbfs", "min_clip_run"});
        Reference& r = session_.reference;
        r.zeroVuDbfs =
            readNumber(diagnostics_, {v, p, "zero_vu_dbfs"}, -40, 0, "dBFS").value_or(r.zeroVuDbfs);
        if (const auto s = readString(diagnostics_, {v, p, "rms"}, "\"aes17\" or \"plain\""))
        {
            if (const auto c = dsp::rmsConventionFromString(*s))
                r.rms = *c;
            else
                diagnostics_.error(p + "/rms", "expected \"aes17\" or \"plain\", got " + jsonQuoted(*s));
        }
        if (const auto s = readString(diagnostics_, {v, p, "ppm"}, "\"type_i\" or \"type_iia\""))
        {
            if (const auto t = dsp::ppmTypeFromString(*s))
                r.ppm = *t;
            else
                diagnostics_.error(p + "/ppm", "expected \"type_i\" or \"type_iia\", got " + jsonQuoted(*s));
        }
        r.clipThresholdDbfs = readNumber(diagnostics_, {v, p, "clip_threshold_dbfs"}, -20, 0, "dBFS")
                                  .value_or(r.clipThresholdDbfs);
        if (const auto n = readInteger(diagnostics_, {v, p, "min_clip_run"}, 1, 1000, "samples"))
            r.minClipRun = static_cast<uint32_t>(*n);
    }

    // Ids are unique over channels and buses; the second use is the error and names the first.
    void checkIds()
    {
        std::map<std::string, std::string> firstUse;
        auto check = [&](const std::vector<Node>& nodes, const std::vector<NodeFacts>& facts)
        {
            for (std::size_t i = 0; i < nodes.size(); ++i)
            {
                if (!facts[i].idValid) continue;
                const auto [it, inserted] = firstUse.emplace(nodes[i].id, facts[i].idPointer);
                if (!inserted)
                    diagnostics_.error(facts[i].idPointer, "expected a unique id, got " +
                                                               jsonQuoted(nodes[i].id) +
                                                               " again (first used at " + it->second + ")");
            }
        };
        check(session_.channels, channelFacts_);
        check(session_.buses, busFacts_);
    }

    void checkRouting();

    Diagnostics diagnostics_;
    Session session_;
    std::vector<NodeFacts> channelFacts_;
    std::vector<NodeFacts> busFacts_;
    bool busesReadable_ = true; // false: `buses` is not an array, so no destination can be judged missing
};

// Every destination exists and is a bus or the master; bus routes end at the master.
void Parser::checkRouting()
{
    // A destination is reported missing only when every bus id could be used: a malformed or
    // absent id may be the very bus that was meant, and its own error says so. (A bus that took
    // the reserved id "master" cannot be meant: "master" is the master.)
    const bool everyBusIdUsable =
        busesReadable_ &&
        std::all_of(busFacts_.begin(), busFacts_.end(),
                    [](const NodeFacts& f) { return f.idValid || f.rawId == std::string(kMasterId); });
    std::string busList;
    for (std::size_t b = 0; b < session_.buses.size(); ++b)
        if (busFacts_[b].idValid) busList += (busList.empty() ? "" : ", ") + session_.buses[b].id;
    const std::string expected = busList.empty() ? "expected \"master\" (the session has no buses)"
                                                 : "expected \"master\" or the id of a bus: " + busList;

    auto busIndex = [&](const std::string& id) -> std::optional<std::size_t>
    {
        for (std::size_t b = 0; b < session_.buses.size(); ++b)
            if (busFacts_[b].idValid && session_.buses[b].id == id) return b;
        return std::nullopt;
    };
    auto checkDestination = [&](const Node& node, const NodeFacts& facts)
    {
        if (!facts.destinationValid || node.destination == kMasterId || busIndex(node.destination)) return;
        const Node* other = findNode(session_, node.destination);
        if (other != nullptr && other->kind == NodeKind::channel)
            diagnostics_.error(facts.destinationPointer,
                               expected + ", got " + jsonQuoted(node.destination) +
                                   ", which is a channel (channels feed buses, not channels)");
        else if (everyBusIdUsable)
            diagnostics_.error(facts.destinationPointer, "routed to a missing bus " +
                                                             jsonQuoted(node.destination) + " (" + expected +
                                                             ")");
    };
    for (std::size_t c = 0; c < session_.channels.size(); ++c)
        checkDestination(session_.channels[c], channelFacts_[c]);
    for (std::size_t b = 0; b < session_.buses.size(); ++b) checkDestination(session_.buses[b], busFacts_[b]);

    std::vector<std::optional<std::size_t>> destinationOfBus;
    for (std::size_t b = 0; b < session_.buses.size(); ++b)
        destinationOfBus.push_back(busFacts_[b].destinationValid ? busIndex(session_.buses[b].destination)
                                                                 : std::nullopt);
    for (const auto& cycle : findBusCycles(destinationOfBus))
    {
        std::string route;
        for (std::size_t b : cycle) route += session_.buses[b].id + " -> ";
        route += session_.buses[cycle.front()].id;
        diagnostics_.error(busFacts_[cycle.front()].destinationPointer,
                           "bus cycle " + route + " (expected every bus route to end at \"master\")");
    }
}
} // namespace

Session parseSessionText(std::string_view text, const std::string& sourceName,
                         const std::string& baseDirectory)
{
    return Parser(sourceName, baseDirectory).run(text);
}

Session parseSessionFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw SessionError({path + ": cannot read the file: " + std::strerror(errno)});
    std::string text;
    std::array<char, 64 * 1024> buffer{};
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0)
    {
        text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
        if (text.size() > kMaxFileBytes)
            throw SessionError(
                {path + ": the file is larger than 16 MiB (expected a session file, not audio)"});
    }
    if (in.bad()) throw SessionError({path + ": cannot read the file: " + std::strerror(errno)});
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    const std::string base = parent.empty() ? std::string(".") : parent.string();
    return parseSessionText(text, path, base);
}

} // namespace headroom::server
