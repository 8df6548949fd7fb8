#include "proto/RoomSummary.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace headroom::proto::lab
{
namespace
{
using Json = nlohmann::json;

// Levels travel with 0.1 dB resolution: plenty for a tile, and it keeps 40 rooms' summaries small.
Json level(const std::optional<double>& value)
{
    if (!value || !std::isfinite(*value)) return nullptr;
    return std::round(*value * 10.0) / 10.0;
}

std::string dump(const Json& json)
{
    return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Reading untrusted JSON: every accessor checks the type and records the first problem.
class Reader
{
public:
    explicit Reader(std::string& error) : error_(error) {}

    const Json* field(const Json& object, const char* key, bool required)
    {
        const auto it = object.find(key);
        if (it == object.end())
        {
            if (required) fail(std::string("missing \"") + key + "\"");
            return nullptr;
        }
        return &*it;
    }
    std::string text(const Json& object, const char* key, bool required = true)
    {
        const Json* v = field(object, key, required);
        if (v == nullptr) return {};
        if (!v->is_string())
        {
            fail(std::string("\"") + key + "\" must be a string");
            return {};
        }
        return v->get<std::string>();
    }
    std::optional<double> number(const Json& object, const char* key)
    {
        const Json* v = field(object, key, false);
        if (v == nullptr || v->is_null()) return std::nullopt;
        if (!v->is_number())
        {
            fail(std::string("\"") + key + "\" must be a number or null");
            return std::nullopt;
        }
        return v->get<double>();
    }
    double number(const Json& object, const char* key, double fallback)
    {
        return number(object, key).value_or(fallback);
    }
    uint64_t count(const Json& object, const char* key)
    {
        const Json* v = field(object, key, false);
        if (v == nullptr) return 0;
        if (!v->is_number_unsigned())
        {
            fail(std::string("\"") + key + "\" must be a non-negative integer");
            return 0;
        }
        return v->get<uint64_t>();
    }
    bool flag(const Json& object, const char* key)
    {
        const Json* v = field(object, key, false);
        if (v == nullptr) return false;
        if (!v->is_boolean())
        {
            fail(std::string("\"") + key + "\" must be true or false");
            return false;
        }
        return v->get<bool>();
    }
    const Json* array(const Json& object, const char* key)
    {
        const Json* v = field(object, key, false);
        if (v == nullptr) return nullptr;
        if (!v->is_array())
        {
            fail(std::string("\"") + key + "\" must be an array");
            return nullptr;
        }
        return v;
    }
    bool object(const Json& v, const char* what)
    {
        if (v.is_object()) return true;
        fail(std::string(what) + " must be an object");
        return false;
    }
    void fail(std::string why)
    {
        if (error_.empty()) error_ = std::move(why);
    }

private:
    std::string& error_;
};

std::optional<Json> parse(std::string_view text, std::string& error, int expectedVersion)
{
    if (text.size() > kMaxRoomMessageBytes)
    {
        error = "message larger than 256 KiB";
        return std::nullopt;
    }
    Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object())
    {
        error = "not a JSON object";
        return std::nullopt;
    }
    if (expectedVersion != 0)
    {
        const auto v = json.find("v");
        if (v == json.end() || !v->is_number_integer() || v->get<int>() != expectedVersion)
        {
            error = "unsupported version (expected \"v\": " + std::to_string(expectedVersion) + ")";
            return std::nullopt;
        }
    }
    return json;
}
} // namespace

std::string encodeRoomSummary(const RoomSummary& s)
{
    Json nodes = Json::array();
    for (const NodeSummary& n : s.nodes)
        nodes.push_back({{"id", n.id},
                         {"kind", n.kind},
                         {"stage", n.stage},
                         {"level", level(n.levelDbfs)},
                         {"avg", level(n.averageDbfs)},
                         {"tp", level(n.truePeakDbtp)},
                         {"headroom", level(n.headroomDb)},
                         {"state", n.state}});
    Json advisories = Json::array();
    for (const AdvisorySummary& a : s.advisories)
        advisories.push_back({{"id", a.id}, {"severity", a.severity}, {"node", a.nodeId}, {"title", a.title}});
    Json items = Json::array();
    for (const ExerciseItem& i : s.exercise.items)
        items.push_back({{"id", i.id}, {"value", level(i.valueDbfs)}, {"ok", i.ok}, {"note", i.note}});
    const ExerciseState& e = s.exercise;
    Json json = {{"v", kRoomFormatVersion},
                 {"site", s.site},
                 {"room", s.room},
                 {"seq", s.sequence},
                 {"t", s.timeUnixMs},
                 {"audio_s", std::isfinite(s.audioSeconds) ? std::round(s.audioSeconds * 10.0) / 10.0 : 0.0},
                 {"running", s.audioRunning},
                 {"nodes", std::move(nodes)},
                 {"master",
                  {{"m", level(s.master.momentaryLufs)},
                   {"s", level(s.master.shortTermLufs)},
                   {"i", level(s.master.integratedLufs)},
                   {"tp", level(s.master.truePeakDbtp)},
                   {"headroom", level(s.master.headroomDb)}}},
                 {"advisories", std::move(advisories)},
                 {"exercise",
                  {{"n", e.number},
                   {"state", e.state},
                   {"score", std::isfinite(e.score) ? std::round(e.score) : 0.0},
                   {"progress", std::isfinite(e.progress) ? std::round(e.progress * 100.0) / 100.0 : 0.0},
                   {"held_s", std::isfinite(e.heldSeconds) ? std::round(e.heldSeconds * 10.0) / 10.0 : 0.0},
                   {"elapsed_s", std::isfinite(e.elapsedSeconds) ? std::round(e.elapsedSeconds * 10.0) / 10.0 : 0.0},
                   {"target", e.target},
                   {"message", e.message},
                   {"items", std::move(items)},
                   {"run", e.runId}}}};
    return dump(json);
}

std::string encodeRoomTopology(const RoomTopology& t)
{
    Json nodes = Json::array();
    for (const RoomTopology::Node& n : t.nodes) nodes.push_back({{"id", n.id}, {"kind", n.kind}, {"label", n.label}});
    return dump({{"v", kRoomFormatVersion},
                 {"site", t.site},
                 {"room", t.room},
                 {"session", t.sessionName},
                 {"dashboard", t.dashboardUrl},
                 {"nodes", std::move(nodes)}});
}

std::string encodeRoomStatus(const RoomStatus& s)
{
    return dump({{"v", kRoomFormatVersion}, {"state", s.online ? "online" : "offline"}, {"t", s.timeUnixMs}});
}

std::string encodeRoomCommand(const RoomCommand& c)
{
    return dump({{"v", kRoomFormatVersion},
                 {"action", c.action},
                 {"exercise", c.exercise},
                 {"target", c.target},
                 {"hold_s", c.holdSeconds},
                 {"limit_s", c.limitSeconds},
                 {"id", c.id}});
}

Result<RoomSummary, std::string> decodeRoomSummary(std::string_view text)
{
    std::string error;
    const auto json = parse(text, error, kRoomFormatVersion);
    if (!json) return error;
    Reader r(error);
    RoomSummary s;
    s.site = r.text(*json, "site");
    s.room = r.text(*json, "room");
    s.sequence = r.count(*json, "seq");
    s.timeUnixMs = static_cast<int64_t>(r.number(*json, "t", 0.0));
    s.audioSeconds = r.number(*json, "audio_s", 0.0);
    s.audioRunning = r.flag(*json, "running");
    if (const Json* nodes = r.array(*json, "nodes"))
        for (const Json& n : *nodes)
        {
            if (!r.object(n, "a node")) break;
            s.nodes.push_back({r.text(n, "id"), r.text(n, "kind"), r.text(n, "stage"), r.number(n, "level"),
                               r.number(n, "avg"), r.number(n, "tp"), r.number(n, "headroom"), r.text(n, "state")});
        }
    if (const Json* m = r.field(*json, "master", false); m != nullptr && r.object(*m, "\"master\""))
        s.master = {r.number(*m, "m"), r.number(*m, "s"), r.number(*m, "i"), r.number(*m, "tp"),
                    r.number(*m, "headroom")};
    if (const Json* advisories = r.array(*json, "advisories"))
        for (const Json& a : *advisories)
        {
            if (!r.object(a, "an advisory")) break;
            s.advisories.push_back({r.text(a, "id"), r.text(a, "severity"), r.text(a, "node"), r.text(a, "title")});
        }
    if (const Json* e = r.field(*json, "exercise", false); e != nullptr && r.object(*e, "\"exercise\""))
    {
        ExerciseState& x = s.exercise;
        x.number = static_cast<int>(r.number(*e, "n", 0.0));
        x.state = r.text(*e, "state");
        x.score = r.number(*e, "score", 0.0);
        x.progress = r.number(*e, "progress", 0.0);
        x.heldSeconds = r.number(*e, "held_s", 0.0);
        x.elapsedSeconds = r.number(*e, "elapsed_s", 0.0);
        x.target = r.text(*e, "target", false);
        x.message = r.text(*e, "message", false);
        x.runId = r.count(*e, "run");
        if (const Json* items = r.array(*e, "items"))
            for (const Json& i : *items)
            {
                if (!r.object(i, "an exercise item")) break;
                x.items.push_back({r.text(i, "id"), r.number(i, "value"), r.flag(i, "ok"), r.text(i, "note", false)});
            }
    }
    if (!error.empty()) return error;
    if (!validRoomName(s.site) || !validRoomName(s.room)) return std::string("invalid site or room name");
    return s;
}

Result<RoomTopology, std::string> decodeRoomTopology(std::string_view text)
{
    std::string error;
    const auto json = parse(text, error, kRoomFormatVersion);
    if (!json) return error;
    Reader r(error);
    RoomTopology t;
    t.site = r.text(*json, "site");
    t.room = r.text(*json, "room");
    t.sessionName = r.text(*json, "session", false);
    t.dashboardUrl = r.text(*json, "dashboard", false);
    if (const Json* nodes = r.array(*json, "nodes"))
        for (const Json& n : *nodes)
        {
            if (!r.object(n, "a node")) break;
            t.nodes.push_back({r.text(n, "id"), r.text(n, "kind"), r.text(n, "label", false)});
        }
    if (!error.empty()) return error;
    return t;
}

Result<RoomStatus, std::string> decodeRoomStatus(std::string_view text)
{
    std::string error;
    const auto json = parse(text, error, 0); // the last will is fixed text: version optional
    if (!json) return error;
    Reader r(error);
    const std::string state = r.text(*json, "state");
    RoomStatus s;
    s.timeUnixMs = static_cast<int64_t>(r.number(*json, "t", 0.0));
    if (!error.empty()) return error;
    if (state != "online" && state != "offline") return std::string("\"state\" must be online or offline");
    s.online = state == "online";
    return s;
}

Result<RoomCommand, std::string> decodeRoomCommand(std::string_view text)
{
    std::string error;
    const auto json = parse(text, error, kRoomFormatVersion);
    if (!json) return error;
    Reader r(error);
    RoomCommand c;
    c.action = r.text(*json, "action");
    const double exercise = r.number(*json, "exercise", 0.0);
    c.target = r.text(*json, "target", false);
    c.holdSeconds = r.number(*json, "hold_s", 0.0);
    c.limitSeconds = r.number(*json, "limit_s", 0.0);
    c.id = r.count(*json, "id");
    if (!error.empty()) return error;
    if (c.action != "start" && c.action != "stop" && c.action != "reset")
        return std::string("\"action\" must be start, stop or reset");
    if (!(exercise >= 0.0 && exercise <= 3.0) || exercise != std::floor(exercise))
        return std::string("\"exercise\" must be 1, 2 or 3 (0: the current one)");
    c.exercise = static_cast<int>(exercise);
    if (c.action == "start" && c.exercise == 0) return std::string("start needs \"exercise\" 1, 2 or 3");
    if (!(c.holdSeconds >= 0.0 && c.holdSeconds <= 600.0)) return std::string("\"hold_s\" must be 0..600");
    if (!(c.limitSeconds >= 0.0 && c.limitSeconds <= 3600.0)) return std::string("\"limit_s\" must be 0..3600");
    if (c.target.size() > 200) return std::string("\"target\" too long");
    return c;
}

std::string roomTopic(std::string_view site, std::string_view room, std::string_view kind)
{
    std::string topic(kTopicRoot);
    topic.append("/").append(site).append("/").append(room).append("/").append(kind);
    return topic;
}

std::optional<TopicParts> parseRoomTopic(std::string_view topic)
{
    const std::string root = std::string(kTopicRoot) + "/";
    if (!topic.starts_with(root)) return std::nullopt;
    topic.remove_prefix(root.size());
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true)
    {
        const std::size_t slash = topic.find('/', start);
        parts.emplace_back(topic.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    if (parts.size() != 3 || !validRoomName(parts[0]) || !validRoomName(parts[1])) return std::nullopt;
    return TopicParts{parts[0], parts[1], parts[2]};
}

bool validRoomName(std::string_view name) noexcept
{
    if (name.empty() || name.size() > 64) return false;
    for (const char c : name)
    {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                        c == '-' || c == '.';
        if (!ok) return false;
    }
    return true;
}

} // namespace headroom::proto::lab
