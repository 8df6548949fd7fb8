#include "server/engine/SessionNodeReader.h"

#include "server/engine/SessionTargets.h"

#include <filesystem>
#include <stdexcept>

namespace headroom::server::session_json
{
namespace
{
constexpr long long kMaxNodeChannels = 8; // up to 7.1, the widest layout dsp/ knows by default
constexpr std::size_t kMaxIdChars = 64;

constexpr std::string_view kChannelKeys[] = {"id",      "label", "channels", "layout", "bus",
                                             "inserts", "taps",  "targets",  "notes"};
constexpr std::string_view kBusKeys[] = {"id",      "label", "channels", "layout", "to",
                                         "inserts", "taps",  "targets",  "notes"};
constexpr std::string_view kMasterKeys[] = {"label", "channels", "layout",  "inserts",
                                            "taps",  "mastered", "targets", "notes"};
constexpr std::string_view kChannelTaps[] = {"input", "pre_insert", "post_insert", "post_fader"};
constexpr std::string_view kBusTaps[] = {"pre_insert", "post_insert", "post_fader"};
constexpr std::string_view kMasterTaps[] = {"pre_insert", "output"};

using Keys = std::span<const std::string_view>;
Keys keysOf(NodeKind kind, Keys channel, Keys bus, Keys master)
{
    return kind == NodeKind::channel ? channel : kind == NodeKind::bus ? bus : master;
}

bool isValidId(std::string_view id)
{
    if (id.empty() || id.size() > kMaxIdChars) return false;
    for (char c : id)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    return true;
}

bool isPortName(std::string_view name)
{
    const std::size_t colon = name.find(':');
    return colon != std::string_view::npos && colon > 0 && colon + 1 < name.size();
}

} // namespace

class NodeReader::Impl
{
public:
    Impl(Diagnostics& diagnostics, const Targets& inherited, const std::string& baseDirectory)
        : diagnostics_(diagnostics), inherited_(inherited), baseDirectory_(baseDirectory)
    {
    }

    Node defaultMaster() const
    {
        Node m;
        m.kind = NodeKind::master;
        m.id = std::string(kMasterId);
        m.label = "Master";
        m.numChannels = 2;
        m.layout = *dsp::defaultLayout(2);
        m.targets = inherited_;
        m.jsonPath = "/master";
        return m;
    }

    Node read(const Json& v, const std::string& p, NodeKind kind, NodeFacts& facts)
    {
        Node node = kind == NodeKind::master ? defaultMaster() : Node{};
        node.kind = kind;
        node.jsonPath = p;
        node.numChannels = kind == NodeKind::channel ? 1 : 2;
        node.targets = inherited_;
        const std::string noun(toString(kind));
        if (!expectObject(diagnostics_, v, p, "an object (a " + noun + ")")) return node;
        checkKeys(diagnostics_, v, p, keysOf(kind, kChannelKeys, kBusKeys, kMasterKeys));
        if (kind != NodeKind::master) readId(v, p, node, facts);
        node.label = readString(diagnostics_, {v, p, "label"}, "a string")
                         .value_or(node.label.empty() ? node.id : node.label);
        node.notes = readString(diagnostics_, {v, p, "notes"}, "a string").value_or("");

        bool countKnown = true;
        if (v.contains("channels"))
        {
            const auto n = readInteger(diagnostics_, {v, p, "channels"}, 1, kMaxNodeChannels, "");
            countKnown = n.has_value();
            if (n) node.numChannels = static_cast<std::size_t>(*n);
        }
        readLayout(v, p, node, countKnown);

        if (kind != NodeKind::master)
        {
            const std::string key = kind == NodeKind::channel ? "bus" : "to";
            facts.destinationPointer = p + "/" + key;
            if (const auto d = readString(diagnostics_, {v, p, key, true}, "\"master\" or the id of a bus"))
            {
                node.destination = *d;
                facts.destinationValid = true;
            }
        }
        if (const Json* ins = member(diagnostics_, {v, p, "inserts"}, "");
            ins != nullptr && expectArray(diagnostics_, *ins, p + "/inserts", "an array of inserts"))
            for (std::size_t i = 0; i < ins->size(); ++i)
                readInsert((*ins)[i], childPointer(p + "/inserts", i), node, countKnown);
        if (const Json* taps = member(diagnostics_, {v, p, "taps"}, ""))
            readTaps(*taps, p + "/taps", node, countKnown);
        if (kind == NodeKind::master)
            node.mastered = readBool(diagnostics_, {v, p, "mastered"}, "true or false").value_or(false);
        if (const Json* t = member(diagnostics_, {v, p, "targets"}, ""))
        {
            const TargetScope scope = kind == NodeKind::channel ? TargetScope::channel
                                      : kind == NodeKind::bus   ? TargetScope::bus
                                                                : TargetScope::master;
            readTargets(diagnostics_, *t, p + "/targets", scope, node.targets, nullptr);
        }
        return node;
    }

private:
    void readId(const Json& v, const std::string& p, Node& node, NodeFacts& facts)
    {
        facts.idPointer = p + "/id";
        const std::string what = "an id of lowercase letters, digits, '_' and '-' (at most 64 characters)";
        const auto id = readString(diagnostics_, {v, p, "id", true}, what);
        if (!id) return;
        facts.rawId = *id;
        if (!isValidId(*id))
            diagnostics_.error(facts.idPointer, "expected " + what + ", got " + jsonQuoted(*id));
        else if (*id == kMasterId)
            diagnostics_.error(facts.idPointer,
                               "expected an id other than \"master\" (reserved for the master section)");
        else
        {
            node.id = *id;
            facts.idValid = true;
        }
    }

    void readLayout(const Json& v, const std::string& p, Node& node, bool countKnown)
    {
        const std::string noun(toString(node.kind));
        const std::string has = "the " + noun + " has " + counted(node.numChannels, "channel");
        const auto text =
            readString(diagnostics_, {v, p, "layout"}, "a string of comma-separated roles such as \"L,R\"");
        if (!text)
        {
            if (countKnown && v.find("layout") == v.end())
            {
                if (const auto def = dsp::defaultLayout(node.numChannels))
                    node.layout = *def;
                else
                    diagnostics_.error(p + "/layout", "missing required key (expected the roles of the " +
                                                          std::to_string(node.numChannels) +
                                                          " channels, such as \"L,R,C,Ls,Rs,Lrs,Rrs\": " +
                                                          has + ", a count without a default layout)");
            }
            return;
        }
        std::string compact;
        for (char c : *text)
            if (c != ' ') compact += c;
        try
        {
            node.layout = dsp::parseLayout(compact);
        }
        catch (const std::invalid_argument& e)
        {
            diagnostics_.error(p + "/layout",
                               "expected comma-separated roles from M, L, R, C, LFE, Ls, Rs, Lss, Rss, "
                               "Lrs, Rrs, got " +
                                   jsonQuoted(*text) + " (" + e.what() + ")");
            return;
        }
        if (countKnown && node.layout.size() != node.numChannels)
            diagnostics_.error(p + "/layout", "expected " + counted(node.numChannels, "role") + " (" + has +
                                                  "), got " + std::to_string(node.layout.size()) + " (" +
                                                  jsonQuoted(*text) + ")");
    }

    void readInsert(const Json& v, const std::string& p, Node& node, bool countKnown)
    {
        Insert insert;
        if (!expectObject(diagnostics_, v, p, "an object (an insert: name, kind, optional tap)")) return;
        checkKeys(diagnostics_, v, p, {"name", "kind", "tap"});
        insert.name =
            readString(diagnostics_, {v, p, "name", true}, "a string: the plugin's name").value_or("");
        const std::string kinds = "one of eq, compressor, saturation, limiter, other";
        if (const auto k = readString(diagnostics_, {v, p, "kind", true}, kinds))
        {
            if (const auto kind = insertKindFromString(*k))
                insert.kind = *kind;
            else
                diagnostics_.error(p + "/kind", "expected " + kinds + ", got " + jsonQuoted(*k));
        }
        if (const Json* t = member(diagnostics_, {v, p, "tap"}, ""))
            insert.tap = readSource(*t, p + "/tap", node, countKnown);
        node.inserts.push_back(std::move(insert));
    }

    void readTaps(const Json& v, const std::string& p, Node& node, bool countKnown)
    {
        if (!expectObject(diagnostics_, v, p, "an object of taps")) return;
        checkKeys(diagnostics_, v, p, keysOf(node.kind, kChannelTaps, kBusTaps, kMasterTaps));
        auto tap = [&](std::string_view key, std::optional<TapSource>& slot)
        {
            const auto it = v.find(std::string(key));
            if (it != v.end()) slot = readSource(*it, childPointer(p, key), node, countKnown);
        };
        if (node.kind == NodeKind::channel) tap("input", node.input);
        tap("pre_insert", node.preInsert);
        if (node.kind != NodeKind::master)
        {
            tap("post_insert", node.postInsert);
            tap("post_fader", node.postFader);
        }
        else
            tap("output", node.output);
    }

    std::optional<TapSource> readSource(const Json& v, const std::string& p, const Node& node,
                                        bool countKnown)
    {
        const std::size_t n = node.numChannels;
        const std::string expected =
            countKnown ? "an array of " + counted(n, "JACK port name") + " (the " +
                             std::string(toString(node.kind)) + " has " + counted(n, "channel") +
                             ") or {\"file\": PATH}"
                       : "an array of JACK port names (one per channel) or {\"file\": PATH}";
        TapSource source;
        source.jsonPath = p;
        if (v.is_array())
        {
            bool ok = true;
            if (countKnown && v.size() != n)
            {
                diagnostics_.error(
                    p, "expected " + expected + ", got " +
                           (v.empty() ? std::string("an empty array") : counted(v.size(), "name")));
                ok = false;
            }
            for (std::size_t i = 0; i < v.size(); ++i)
            {
                if (v[i].is_string() && isPortName(v[i].get_ref<const std::string&>()))
                {
                    source.ports.push_back(v[i].get<std::string>());
                    continue;
                }
                diagnostics_.error(childPointer(p, i),
                                   "expected a JACK port name \"client:port\", got " + describe(v[i]));
                ok = false;
            }
            return ok ? std::optional(std::move(source)) : std::nullopt;
        }
        if (v.is_object())
        {
            checkKeys(diagnostics_, v, p, {"file"});
            const auto file =
                readString(diagnostics_, {v, p, "file", true},
                           "a path to an audio file (relative to the session file's directory)");
            if (!file) return std::nullopt;
            source.kind = TapSource::Kind::file;
            const std::filesystem::path path(*file);
            source.file = (path.is_absolute() ? path : std::filesystem::path(baseDirectory_) / path)
                              .lexically_normal()
                              .string();
            return source;
        }
        diagnostics_.error(p, "expected " + expected + ", got " + describe(v));
        return std::nullopt;
    }

    Diagnostics& diagnostics_;
    const Targets& inherited_;
    const std::string& baseDirectory_;
};

NodeReader::NodeReader(Diagnostics& diagnostics, const Targets& inherited, const std::string& baseDirectory)
    : impl_(std::make_unique<Impl>(diagnostics, inherited, baseDirectory))
{
}

NodeReader::~NodeReader() = default;

Node NodeReader::read(const Json& value, const std::string& pointer, NodeKind kind, NodeFacts& facts)
{
    return impl_->read(value, pointer, kind, facts);
}

Node NodeReader::defaultMaster() const
{
    return impl_->defaultMaster();
}

} // namespace headroom::server::session_json
