#include "proto/JsonMessages.h"

#include <algorithm>
#include <exception>
#include <set>

#include <nlohmann/json.hpp>

// Client -> server messages: the strict decoder for untrusted text and the matching encoder.
namespace headroom::proto
{

namespace
{

using Json = nlohmann::json;

struct Refusal // thrown only inside this file, caught in decodeClientMessage
{
    ErrorCode code;
    std::string message;
};

[[noreturn]] void refuse(ErrorCode code, std::string message)
{
    throw Refusal{code, std::move(message)};
}

// The deepest nesting of objects and arrays, found without parsing (strings skipped), stopping as
// soon as it exceeds the limit: the parser never sees a deeply nested document.
bool nestingWithin(std::string_view text, std::size_t limit) noexcept
{
    std::size_t depth = 0;
    bool inString = false;
    bool escaped = false;
    for (char c : text)
    {
        if (inString)
        {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"')
            inString = true;
        else if (c == '{' || c == '[')
        {
            if (++depth > limit) return false;
        }
        else if ((c == '}' || c == ']') && depth > 0)
            --depth;
    }
    return true;
}

std::string typeName(const Json& j)
{
    if (j.is_number_float()) return "a number with a fraction";
    if (j.is_number()) return "a number";
    if (j.is_object()) return "an object";
    if (j.is_array()) return "an array";
    return std::string("a ") + j.type_name(); // "a string", "a boolean", "a null"
}

// At most 40 bytes of a client's string, for an error message (the encoder replaces bad UTF-8).
std::string quoted(const std::string& s)
{
    return "\"" + (s.size() > 40 ? s.substr(0, 40) + "..." : s) + "\"";
}

uint64_t requestId(const Json& j)
{
    if (!j.is_number() || j.is_number_float())
        refuse(ErrorCode::wrongType, "id: expected an integer 0..2^53-1, got " + typeName(j));
    if (j.is_number_integer() && !j.is_number_unsigned())
        refuse(ErrorCode::badValue, "id: expected an integer 0..2^53-1, got a negative number");
    const uint64_t id = j.get<uint64_t>();
    if (id > kMaxRequestId)
        refuse(ErrorCode::badValue, "id: expected an integer 0..2^53-1, got a larger one");
    return id;
}

bool boolean(const Json& j, const char* key)
{
    if (!j.is_boolean())
        refuse(ErrorCode::wrongType, std::string(key) + ": expected true or false, got " + typeName(j));
    return j.get<bool>();
}

const std::string& string(const Json& j, const std::string& key)
{
    if (!j.is_string()) refuse(ErrorCode::wrongType, key + ": expected a string, got " + typeName(j));
    return j.get_ref<const std::string&>();
}

void refuseUnknownKeys(const Json& message, std::initializer_list<std::string_view> keys,
                       std::string_view type)
{
    for (const auto& [key, value] : message.items())
        if (std::find(keys.begin(), keys.end(), key) == keys.end())
            refuse(ErrorCode::unknownField, quoted(key) + " is not a key of " + std::string(type));
}

bool isNodeId(const std::string& id) noexcept
{
    if (id.empty() || id.size() > kMaxNodeIdBytes) return false;
    return std::all_of(id.begin(), id.end(),
                       [](char c)
                       { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; });
}

std::vector<std::string> nodeList(const Json& j, const std::string& name)
{
    if (j.is_string()) // any string but "all", which the caller handles
        refuse(ErrorCode::badValue, name + ": expected \"all\" or an array of node ids, got " +
                                        quoted(j.get_ref<const std::string&>()));
    if (!j.is_array())
        refuse(ErrorCode::wrongType, name + ": expected \"all\" or an array of node ids, got " + typeName(j));
    if (j.size() > kMaxSubscribeNodes)
        refuse(ErrorCode::badValue,
               name + ": " + std::to_string(j.size()) + " ids, at most " + std::to_string(kMaxSubscribeNodes));
    std::vector<std::string> ids;
    std::set<std::string_view> seen;
    for (std::size_t i = 0; i < j.size(); ++i)
    {
        const std::string key = name + "[" + std::to_string(i) + "]";
        const std::string& id = string(j[i], key);
        if (!isNodeId(id))
            refuse(ErrorCode::badValue, key + ": " + quoted(id) + " is not a node id ([a-z0-9_-]{1,64})");
        if (!seen.insert(id).second) refuse(ErrorCode::badValue, key + ": " + quoted(id) + " appears twice");
        ids.push_back(id);
    }
    return ids;
}

uint16_t fieldList(const Json& j)
{
    if (!j.is_array())
        refuse(ErrorCode::wrongType, "fields: expected an array of field names, got " + typeName(j));
    if (j.size() > kNumMeterFields) refuse(ErrorCode::badValue, "fields: more names than there are fields");
    uint16_t fields = 0;
    for (std::size_t i = 0; i < j.size(); ++i)
    {
        const std::string key = "fields[" + std::to_string(i) + "]";
        const std::string& name = string(j[i], key);
        const std::optional<MeterField> field = meterFieldFromString(name);
        if (!field)
            refuse(ErrorCode::badValue, key + ": " + quoted(name) +
                                            " is not one of true_peak, sample_peak, rms, vu, ppm, peak_hold");
        if ((fields & fieldBit(*field)) != 0)
            refuse(ErrorCode::badValue, key + ": " + quoted(name) + " appears twice");
        fields = static_cast<uint16_t>(fields | fieldBit(*field));
    }
    return fields;
}

Subscribe decodeSubscribe(const Json& m, std::optional<uint64_t> id)
{
    refuseUnknownKeys(m, {"type", "id", "rate_hz", "nodes", "fields", "stats", "stats_taps", "paused"}, "subscribe");
    Subscribe s;
    s.id = id;
    if (const auto it = m.find("rate_hz"); it != m.end())
    {
        if (!it->is_number_integer())
            refuse(ErrorCode::wrongType, "rate_hz: expected one of 60, 30, 15, 10, got " + typeName(*it));
        const bool negative = !it->is_number_unsigned();
        if (negative || !isMeterRate(it->get<uint64_t>()))
            refuse(ErrorCode::badValue,
                   "rate_hz: expected one of 60, 30, 15, 10, got " +
                       (negative ? std::string("a negative number") : std::to_string(it->get<uint64_t>())));
        s.rateHz = static_cast<uint32_t>(it->get<uint64_t>());
    }
    if (const auto it = m.find("nodes"); it != m.end())
    {
        if (!(it->is_string() && it->get_ref<const std::string&>() == "all")) s.nodes = nodeList(*it, "nodes");
    }
    if (const auto it = m.find("stats_taps"); it != m.end())
    {
        if (!(it->is_string() && it->get_ref<const std::string&>() == "all"))
            s.statsTaps = nodeList(*it, "stats_taps");
    }
    if (const auto it = m.find("fields"); it != m.end()) s.fields = fieldList(*it);
    if (const auto it = m.find("stats"); it != m.end()) s.stats = boolean(*it, "stats");
    if (const auto it = m.find("paused"); it != m.end()) s.paused = boolean(*it, "paused");
    return s;
}

Command decodeCommand(const Json& m, std::optional<uint64_t> id)
{
    refuseUnknownKeys(m, {"type", "id", "name"}, "command");
    if (!id) refuse(ErrorCode::missingField, "id: a command needs an id");
    const auto it = m.find("name");
    if (it == m.end()) refuse(ErrorCode::missingField, "name: a command needs a name");
    const std::string& name = string(*it, "name");
    const std::optional<CommandName> command = commandNameFromString(name);
    if (!command)
        refuse(ErrorCode::unknownCommand,
               "name: " + quoted(name) +
                   " is not one of reset_peaks, reset_integrated_loudness, reset_statistics");
    return Command{*id, *command};
}

ClientMessageError refusal(ErrorCode code, std::string message, std::optional<uint64_t> id = std::nullopt)
{
    return ClientMessageError{code, std::move(message), id};
}

} // namespace

Result<ClientMessage, ClientMessageError> decodeClientMessage(std::string_view text)
{
    if (text.size() > kMaxClientMessageBytes)
        return refusal(ErrorCode::tooLarge, "message of " + std::to_string(text.size()) + " bytes, at most " +
                                                std::to_string(kMaxClientMessageBytes));
    if (!nestingWithin(text, kMaxClientJsonDepth))
        return refusal(ErrorCode::tooDeep, "objects and arrays nested deeper than " +
                                               std::to_string(kMaxClientJsonDepth) + " levels");
    // nlohmann's parser stops at a NUL byte as if the input ended there ("{...}\0anything" would
    // pass); JSON allows no raw control character anywhere, so refuse it here.
    if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos)
        return refusal(ErrorCode::badJson, "not valid JSON: a NUL byte at byte " + std::to_string(nul));
    std::optional<uint64_t> id;
    try
    {
        Json m;
        try
        {
            m = Json::parse(text);
        }
        catch (const Json::exception& e) // parse_error; out_of_range for numbers like 1e400
        {
            // nlohmann's description without its "[json.exception.parse_error.101] " prefix.
            std::string why = e.what();
            if (const auto p = why.find("] "); p != std::string::npos) why.erase(0, p + 2);
            if (why.size() > 160) why.resize(160);
            return refusal(ErrorCode::badJson, "not valid JSON: " + why);
        }
        if (!m.is_object())
            return refusal(ErrorCode::badMessage, "expected a JSON object, got " + typeName(m));

        if (const auto it = m.find("id"); it != m.end()) id = requestId(*it);
        const auto type = m.find("type");
        if (type == m.end()) return refusal(ErrorCode::missingField, "type: every message needs a type", id);
        const std::string& name = string(*type, "type");
        if (name == "subscribe") return ClientMessage{decodeSubscribe(m, id)};
        if (name == "command") return ClientMessage{decodeCommand(m, id)};
        return refusal(ErrorCode::unknownType, "type: " + quoted(name) + " is not subscribe or command", id);
    }
    catch (const Refusal& r)
    {
        return refusal(r.code, r.message, id);
    }
    catch (const std::exception& e)
    {
        // Not expected (every access is type-checked first); a client must still not crash the server.
        return refusal(ErrorCode::internal, std::string("decoder failure: ") + e.what(), id);
    }
}

std::string encodeClientMessage(const ClientMessage& message)
{
    using Ordered = nlohmann::ordered_json;
    Ordered j;
    if (const auto* s = std::get_if<Subscribe>(&message))
    {
        j["type"] = "subscribe";
        if (s->id) j["id"] = *s->id;
        j["rate_hz"] = s->rateHz;
        j["nodes"] = s->nodes ? Ordered(*s->nodes) : Ordered("all");
        if (s->fields)
        {
            Ordered names = Ordered::array();
            for (std::size_t f = 0; f < kNumMeterFields; ++f)
                if ((*s->fields & fieldBit(static_cast<MeterField>(f))) != 0)
                    names.push_back(std::string(toString(static_cast<MeterField>(f))));
            j["fields"] = std::move(names);
        }
        j["stats"] = s->stats;
        if (s->statsTaps) j["stats_taps"] = Ordered(*s->statsTaps);
        j["paused"] = s->paused;
    }
    else
    {
        const auto& c = std::get<Command>(message);
        j["type"] = "command";
        j["id"] = c.id;
        j["name"] = std::string(toString(c.name));
    }
    return j.dump(-1, ' ', false, Ordered::error_handler_t::replace);
}

} // namespace headroom::proto
