#include "server/lab/LabRooms.h"

#include <nlohmann/json.hpp>

namespace headroom::server::lab
{
namespace
{
using Json = nlohmann::json;

std::string csvField(const std::string& text)
{
    // RFC 4180 quoting; a leading = + - @ is prefixed with ' so a spreadsheet never runs it (CSV injection).
    // (Built by appending: GCC 12 at -O3 misreports insert(0, ...) as an overlapping memcpy.)
    std::string out;
    out.reserve(text.size() + 1);
    if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@')) out += '\'';
    out += text;
    if (out.find_first_of(",\"\r\n") == std::string::npos) return out;
    std::string quoted = "\"";
    for (const char c : out)
    {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

std::string number(double v, int decimals)
{
    char text[48];
    std::snprintf(text, sizeof text, "%.*f", decimals, v);
    return text;
}
} // namespace

std::optional<std::string> LabRooms::onMessage(std::string_view topic, std::string_view payload, Clock::time_point now,
                                               int64_t nowUnixMs, std::string* error)
{
    const auto fail = [error](std::string why) -> std::optional<std::string> {
        if (error != nullptr) *error = std::move(why);
        return std::nullopt;
    };
    const auto parts = proto::lab::parseRoomTopic(topic);
    if (!parts) return fail("not a room topic");
    if (parts->kind == "command") return std::nullopt; // ours, echoed by the broker
    const std::string key = parts->site + "/" + parts->room;
    if (parts->kind == "status")
    {
        if (payload.empty()) // a cleared retained status: the room was removed
        {
            rooms_.erase(key);
            return std::nullopt;
        }
        auto status = proto::lab::decodeRoomStatus(payload);
        if (!status) return fail("status: " + status.error());
        Room& room = rooms_[key];
        room.site = parts->site;
        room.room = parts->room;
        room.statusOnline = status->online;
        // Online becomes live with its first summary; offline (the last will, or a goodbye) at once.
        if (!status->online) room.live = false;
    }
    else if (parts->kind == "topology")
    {
        auto topology = proto::lab::decodeRoomTopology(payload);
        if (!topology) return fail("topology: " + topology.error());
        Room& room = rooms_[key];
        room.site = parts->site;
        room.room = parts->room;
        // Only web links: the overview must never render a javascript: URL from the broker.
        room.dashboardUrl = topology->dashboardUrl.starts_with("http://") || topology->dashboardUrl.starts_with("https://")
                                ? topology->dashboardUrl
                                : std::string();
        room.sessionName = topology->sessionName;
    }
    else if (parts->kind == "summary")
    {
        auto summary = proto::lab::decodeRoomSummary(payload);
        if (!summary) return fail("summary: " + summary.error());
        if (summary->site != parts->site || summary->room != parts->room) return fail("summary names another room");
        Room& room = rooms_[key];
        room.site = parts->site;
        room.room = parts->room;
        room.summaryJson = std::string(payload);
        room.lastSummary = now;
        room.lastSummaryUnixMs = nowUnixMs;
        room.live = true;
        room.statusOnline = true;
        const proto::lab::ExerciseState& e = summary->exercise;
        if (e.number > 0 && e.runId > 0)
            results_[{room.site, room.room, e.runId}] = {room.site, room.room, e.runId, e, nowUnixMs};
        room.summary = std::move(*summary);
    }
    else
        return std::nullopt;
    Room& room = rooms_[key];
    room.tile = makeTile(room);
    return room.tile;
}

std::vector<std::string> LabRooms::expire(Clock::time_point now)
{
    std::vector<std::string> changed;
    for (auto& [key, room] : rooms_)
        if (room.live && now - room.lastSummary > kRoomStaleAfter)
        {
            room.live = false;
            room.tile = makeTile(room);
            changed.push_back(room.tile);
        }
    return changed;
}

std::string LabRooms::makeTile(const Room& room) const
{
    // The summary travels as received (it decoded cleanly, so it is a valid JSON object); the
    // envelope is the hub's. Encoding it once serves every viewer.
    Json envelope = {{"type", "room"},
                     {"key", room.site + "/" + room.room},
                     {"site", room.site},
                     {"room", room.room},
                     {"live", room.live},
                     {"dashboard", room.dashboardUrl},
                     {"session", room.sessionName},
                     {"received", room.lastSummaryUnixMs}};
    std::string text = envelope.dump(-1, ' ', false, Json::error_handler_t::replace);
    text.pop_back(); // '}'
    text += ",\"summary\":";
    text += room.summaryJson.empty() ? std::string("null") : room.summaryJson;
    text += "}";
    return text;
}

std::string LabRooms::snapshotMessage() const
{
    std::string text = "{\"type\":\"rooms\",\"rooms\":[";
    bool first = true;
    for (const auto& [key, room] : rooms_)
    {
        if (room.tile.empty()) continue;
        if (!first) text += ",";
        first = false;
        text += room.tile;
    }
    return text + "]}";
}

std::string LabRooms::resultsCsv() const
{
    std::string csv = "site,room,run,exercise,state,score,held_s,elapsed_s,target,message,updated_unix_ms\r\n";
    for (const auto& [key, r] : results_)
    {
        const proto::lab::ExerciseState& e = r.exercise;
        csv += csvField(r.site) + "," + csvField(r.room) + "," + std::to_string(r.run) + "," +
               std::to_string(e.number) + "," + csvField(e.state) + "," + number(e.score, 0) + "," +
               number(e.heldSeconds, 1) + "," + number(e.elapsedSeconds, 1) + "," + csvField(e.target) + "," +
               csvField(e.message) + "," + std::to_string(r.updatedUnixMs) + "\r\n";
    }
    return csv;
}

std::vector<std::pair<std::string, std::string>> LabRooms::rooms() const
{
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [key, room] : rooms_) out.emplace_back(room.site, room.room);
    return out;
}

std::size_t LabRooms::liveCount() const
{
    std::size_t n = 0;
    for (const auto& [key, room] : rooms_) n += room.live ? 1 : 0;
    return n;
}

} // namespace headroom::server::lab
