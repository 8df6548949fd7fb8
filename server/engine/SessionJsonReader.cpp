#include "server/engine/SessionJsonReader.h"

#include <cstdio>
#include <set>

namespace headroom::server::session_json
{
namespace
{
std::string formatNumber(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

// nlohmann's parse_error text is "[json.exception.parse_error.101] parse error at line 3, column 5:
// syntax error while parsing ..."; keep the position and the explanation, drop the prefix.
void reportSyntaxError(Diagnostics& diagnostics, const Json::parse_error& e)
{
    const std::string what = e.what();
    const std::string marker = "parse error at ";
    const std::size_t at = what.find(marker);
    if (at == std::string::npos)
    {
        diagnostics.errorAt("byte " + std::to_string(e.byte), "invalid JSON: " + what);
        return;
    }
    const std::size_t positionStart = at + marker.size();
    const std::size_t colon = what.find(": ", positionStart);
    if (colon == std::string::npos)
    {
        diagnostics.errorAt(what.substr(positionStart), "invalid JSON");
        return;
    }
    diagnostics.errorAt(what.substr(positionStart, colon - positionStart),
                        "invalid JSON: " + what.substr(colon + 2));
}

// Where the parser is inside the document, to name repeated keys by their pointer.
struct Frame
{
    bool isArray = false;
    std::size_t index = 0;      // elements completed so far (arrays)
    std::string key;            // the key being read (objects)
    std::set<std::string> keys; // keys seen (objects)
    std::string pointer;        // of this container
};

std::string currentChild(const Frame& f)
{
    return f.isArray ? childPointer(f.pointer, f.index) : childPointer(f.pointer, f.key);
}
} // namespace

void Diagnostics::error(std::string_view pointer, std::string_view message)
{
    lines_.push_back(file_ + ": " + (pointer.empty() ? std::string("/") : std::string(pointer)) + ": " +
                     std::string(message));
}

void Diagnostics::errorAt(std::string_view where, std::string_view message)
{
    lines_.push_back(file_ + ": " + std::string(where) + ": " + std::string(message));
}

std::string childPointer(std::string_view parent, std::string_view key)
{
    std::string p(parent);
    p += '/';
    for (char c : key)
    {
        if (c == '~')
            p += "~0";
        else if (c == '/')
            p += "~1";
        else
            p += c;
    }
    return p;
}

std::string childPointer(std::string_view parent, std::size_t index)
{
    return std::string(parent) + "/" + std::to_string(index);
}

std::string jsonQuoted(std::string_view text)
{
    // replace: a string cut for brevity may end inside a UTF-8 sequence.
    return Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string counted(std::size_t n, std::string_view singular)
{
    return std::to_string(n) + " " + std::string(singular) + (n == 1 ? "" : "s");
}

std::string describe(const Json& value)
{
    constexpr std::size_t kMaxChars = 60;
    switch (value.type())
    {
    case Json::value_t::string:
    {
        const auto& s = value.get_ref<const std::string&>();
        if (s.size() <= kMaxChars) return jsonQuoted(s);
        return jsonQuoted(s.substr(0, kMaxChars)) + "...";
    }
    case Json::value_t::array:
        return value.empty() ? "an empty array" : "an array of " + counted(value.size(), "element");
    case Json::value_t::object:
        return value.empty() ? "an empty object" : "an object";
    case Json::value_t::null:
        return "null";
    default:
        return value.dump();
    }
}

std::optional<Json> parseDocument(Diagnostics& diagnostics, std::string_view text)
{
    std::vector<Frame> stack;
    auto onEvent = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) -> bool
    {
        auto elementDone = [&]
        {
            if (!stack.empty() && stack.back().isArray) ++stack.back().index;
        };
        switch (event)
        {
        case Json::parse_event_t::object_start:
        case Json::parse_event_t::array_start:
        {
            Frame f;
            f.isArray = event == Json::parse_event_t::array_start;
            f.pointer = stack.empty() ? std::string() : currentChild(stack.back());
            stack.push_back(std::move(f));
            break;
        }
        case Json::parse_event_t::key:
        {
            Frame& f = stack.back();
            f.key = parsed.get<std::string>();
            if (!f.keys.insert(f.key).second)
                diagnostics.error(currentChild(f), "duplicate key (a key may appear only once in an object)");
            break;
        }
        case Json::parse_event_t::object_end:
        case Json::parse_event_t::array_end:
            stack.pop_back();
            elementDone();
            break;
        case Json::parse_event_t::value:
            elementDone();
            break;
        }
        return true;
    };
    try
    {
        return Json::parse(text.begin(), text.end(), onEvent);
    }
    catch (const Json::parse_error& e)
    {
        reportSyntaxError(diagnostics, e);
        return std::nullopt;
    }
}

void checkKeys(Diagnostics& diagnostics, const Json& object, std::string_view pointer,
               std::span<const std::string_view> allowed)
{
    std::string expected;
    for (std::string_view k : allowed)
    {
        if (!expected.empty()) expected += ", ";
        expected += k;
    }
    for (const auto& item : object.items())
    {
        bool known = false;
        for (std::string_view k : allowed) known = known || item.key() == k;
        if (!known)
            diagnostics.error(childPointer(pointer, item.key()),
                              "unknown key (expected one of " + expected + ")");
    }
}

bool expectObject(Diagnostics& diagnostics, const Json& value, std::string_view pointer,
                  std::string_view what)
{
    if (value.is_object()) return true;
    diagnostics.error(pointer, "expected " + std::string(what) + ", got " + describe(value));
    return false;
}

bool expectArray(Diagnostics& diagnostics, const Json& value, std::string_view pointer, std::string_view what)
{
    if (value.is_array()) return true;
    diagnostics.error(pointer, "expected " + std::string(what) + ", got " + describe(value));
    return false;
}

const Json* member(Diagnostics& diagnostics, const Field& field, std::string_view what)
{
    const auto it = field.object.find(std::string(field.key));
    if (it != field.object.end()) return &*it;
    if (field.required)
        diagnostics.error(childPointer(field.pointer, field.key),
                          "missing required key (expected " + std::string(what) + ")");
    return nullptr;
}

std::optional<std::string> readString(Diagnostics& diagnostics, const Field& field, std::string_view what)
{
    const Json* v = member(diagnostics, field, what);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string() || v->get_ref<const std::string&>().empty())
    {
        diagnostics.error(childPointer(field.pointer, field.key),
                          "expected " + std::string(what) + ", got " + describe(*v));
        return std::nullopt;
    }
    return v->get<std::string>();
}

std::optional<double> readNumber(Diagnostics& diagnostics, const Field& field, double min, double max,
                                 std::string_view unit)
{
    const std::string what = "a number from " + formatNumber(min) + " to " + formatNumber(max) +
                             (unit.empty() ? "" : " ") + std::string(unit);
    const Json* v = member(diagnostics, field, what);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number() || v->get<double>() < min || v->get<double>() > max)
    {
        diagnostics.error(childPointer(field.pointer, field.key),
                          "expected " + what + ", got " + describe(*v));
        return std::nullopt;
    }
    return v->get<double>();
}

std::optional<long long> readInteger(Diagnostics& diagnostics, const Field& field, long long min,
                                     long long max, std::string_view what)
{
    const std::string expected = "an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                                 (what.empty() ? "" : " ") + std::string(what);
    const Json* v = member(diagnostics, field, expected);
    if (v == nullptr) return std::nullopt;
    // JSON integers only ("channels": 2, not 2.0); unsigned values are compared before converting.
    const bool inRange =
        v->is_number_unsigned()
            ? v->get<unsigned long long>() <= static_cast<unsigned long long>(max) &&
                  (min <= 0 || v->get<unsigned long long>() >= static_cast<unsigned long long>(min))
            : v->is_number_integer() && v->get<long long>() >= min && v->get<long long>() <= max;
    if (!inRange)
    {
        diagnostics.error(childPointer(field.pointer, field.key),
                          "expected " + expected + ", got " + describe(*v));
        return std::nullopt;
    }
    return v->get<long long>();
}

std::optional<bool> readBool(Diagnostics& diagnostics, const Field& field, std::string_view what)
{
    const Json* v = member(diagnostics, field, what);
    if (v == nullptr) return std::nullopt;
    if (!v->is_boolean())
    {
        diagnostics.error(childPointer(field.pointer, field.key),
                          "expected " + std::string(what) + ", got " + describe(*v));
        return std::nullopt;
    }
    return v->get<bool>();
}

} // namespace headroom::server::session_json
