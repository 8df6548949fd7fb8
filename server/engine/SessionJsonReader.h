#pragma once

#include <cstddef>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// The careful half of the session parser: reads JSON values by JSON pointer and, instead of
// throwing at the first surprise, records one line per problem — "FILE: POINTER: what was
// expected[, got ...]" — so `headroom check` can list every mistake in a file at once. Used only
// by SessionParser and its targets reader. [setup]
namespace headroom::server::session_json
{

using Json = nlohmann::json;

// The collected problems of one file, in the order found.
class Diagnostics
{
public:
    explicit Diagnostics(std::string fileName) : file_(std::move(fileName)) {}

    // One error line at a JSON pointer ("" is the document itself, printed as "/").
    void error(std::string_view pointer, std::string_view message);
    // One error line at a place that is not a JSON pointer (a line and column, a read failure).
    void errorAt(std::string_view where, std::string_view message);

    [[nodiscard]] std::size_t count() const noexcept { return lines_.size(); }
    [[nodiscard]] const std::vector<std::string>& lines() const noexcept { return lines_; }
    [[nodiscard]] const std::string& file() const noexcept { return file_; }

private:
    std::string file_;
    std::vector<std::string> lines_;
};

// RFC 6901 pointers: "~" and "/" in keys are escaped as "~0" and "~1".
[[nodiscard]] std::string childPointer(std::string_view parent, std::string_view key);
[[nodiscard]] std::string childPointer(std::string_view parent, std::size_t index);

// What a value is, for "got ...": "\"abc\"" (strings quoted and shortened), "3", "true", "null",
// "an array of 3 elements", "an object".
[[nodiscard]] std::string describe(const Json& value);
// A string as JSON writes it: "\"drums\"".
[[nodiscard]] std::string jsonQuoted(std::string_view text);
// "1 channel", "2 channels".
[[nodiscard]] std::string counted(std::size_t n, std::string_view singular);

// [setup] Parse a whole document. Syntax errors are reported as "line L, column C: invalid JSON: ..."
// and keys repeated in one object (which JSON parsers silently collapse) as errors at their pointer.
// nullopt when the text is not JSON at all.
[[nodiscard]] std::optional<Json> parseDocument(Diagnostics& diagnostics, std::string_view text);

// Reports every key of an object that is not allowed: "unknown key (expected one of a, b, c)".
void checkKeys(Diagnostics& diagnostics, const Json& object, std::string_view pointer,
               std::span<const std::string_view> allowed);
inline void checkKeys(Diagnostics& diagnostics, const Json& object, std::string_view pointer,
                      std::initializer_list<std::string_view> allowed)
{
    checkKeys(diagnostics, object, pointer,
              std::span<const std::string_view>(allowed.begin(), allowed.size()));
}

// Reports "expected <what>, got ..." unless the value is an object; returns whether it is.
bool expectObject(Diagnostics& diagnostics, const Json& value, std::string_view pointer,
                  std::string_view what);
bool expectArray(Diagnostics& diagnostics, const Json& value, std::string_view pointer,
                 std::string_view what);

// Typed members of an object. Absent: nullopt, and when required "missing required key (expected
// <what>)" at the key's pointer. Present with the wrong type or out of range: "expected <what>,
// got ..." and nullopt.
struct Field
{
    const Json& object;
    std::string_view pointer; // of the object
    std::string_view key;
    bool required = false;
};
[[nodiscard]] const Json* member(Diagnostics& diagnostics, const Field& field, std::string_view what);
[[nodiscard]] std::optional<std::string> readString(Diagnostics& diagnostics, const Field& field,
                                                    std::string_view what);
[[nodiscard]] std::optional<double> readNumber(Diagnostics& diagnostics, const Field& field, double min,
                                               double max, std::string_view unit);
[[nodiscard]] std::optional<long long> readInteger(Diagnostics& diagnostics, const Field& field,
                                                   long long min, long long max, std::string_view what);
[[nodiscard]] std::optional<bool> readBool(Diagnostics& diagnostics, const Field& field,
                                           std::string_view what);

} // namespace headroom::server::session_json
