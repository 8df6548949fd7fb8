#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// One advisory of the gain-staging advisor (docs/ADVISOR.md): the guide's "symptom -> most likely
// cause -> fix" about one node (and one of its taps), with the measured evidence and the correction
// in dB. Plain values, no JSON and no proto types: EngineSnapshot carries them, SnapshotJson encodes
// them, the network maps them to proto::Advisory, the audit report renders them. [any]
namespace headroom::server
{

enum class AdvisorySeverity : uint8_t
{
    info,     // informative: nothing is wrong (streaming loudness of a master)
    warning,  // a stage outside the guide's range
    critical, // audible damage: clipping, a mix bus over full scale
};

// [any] "info", "warning", "critical" (the wire's names).
[[nodiscard]] constexpr std::string_view toString(AdvisorySeverity severity) noexcept
{
    switch (severity)
    {
    case AdvisorySeverity::info:
        return "info";
    case AdvisorySeverity::critical:
        return "critical";
    case AdvisorySeverity::warning:
        break;
    }
    return "warning";
}

// One measured value behind an advisory ("average", -9.2, "dBFS").
struct AdvisoryEvidence
{
    std::string label;
    double value = 0.0;
    std::string unit; // dBFS, dBTP, dB, LUFS, LU, s, events
};

struct AdvisoryRecord
{
    std::string id;     // "<rule>:<node>[:<tap>]": stable while the condition lasts
    std::string rule;   // recording_too_hot, plugin_input_too_hot, gain_stacking, ... (docs/ADVISOR.md)
    std::string nodeId; // the node it concerns
    std::optional<std::size_t> tapIndex; // the plan tap it concerns, if one
    std::string stage;                   // that tap's stage ("input", "pre_insert", "insert:1", ...)
    AdvisorySeverity severity = AdvisorySeverity::warning;
    std::string title;   // "Plugin input too hot"
    std::string symptom; // what the meter shows
    std::string cause;   // the most likely cause
    std::string fix;     // what to do, with the amount
    // The correction in dB (negative: lower); NaN: none applies.
    double amountDb = std::numeric_limits<double>::quiet_NaN();
    std::vector<AdvisoryEvidence> evidence;
    double raisedAudioSeconds = 0.0; // audio time it was raised (after the raise delay)
    int64_t raisedUnixMs = 0;        // wall clock then; 0 offline
    // audio time and wall clock it cleared; NaN and 0 while it is active
    double clearedAudioSeconds = std::numeric_limits<double>::quiet_NaN();
    int64_t clearedUnixMs = 0;
};

} // namespace headroom::server
