#pragma once

#include <nlohmann/json.hpp>

#include "server/engine/EngineSnapshot.h"

// JSON of the worker's snapshot, for the statistics stream (5-10 Hz), /api and the statistics log.
// snake_case keys; levels, loudness and ratios in dB rounded to 0.01, seconds to 0.01, shares to
// 0.001; minus infinity (no signal), plus infinity (headroom of silence) and NaN (not yet known)
// are all null, so every number in the output is finite and parses anywhere.
//
// The to_json overloads are found by nlohmann through ADL: nlohmann::json j = snapshot;
// [any]: pure functions of their arguments.
namespace headroom::server
{

// [any] A dB (or LUFS, LU) value: rounded to 0.01, null unless finite.
[[nodiscard]] nlohmann::json dbJson(double valueDb);
// [any] A plain value rounded to a step (0.01 s, 0.001 share), null unless finite.
[[nodiscard]] nlohmann::json roundedJson(double value, double step);

void to_json(nlohmann::json& j, const StageTarget& t);
void to_json(nlohmann::json& j, const ChannelStats& c);
void to_json(nlohmann::json& j, const LoudnessStats& l);
void to_json(nlohmann::json& j, const TargetStats& t);
void to_json(nlohmann::json& j, const TapStats& t);
void to_json(nlohmann::json& j, const ChainStats& c);
void to_json(nlohmann::json& j, const BusMemberStats& m);
void to_json(nlohmann::json& j, const BusStats& b);
void to_json(nlohmann::json& j, const NodeStats& n);
void to_json(nlohmann::json& j, const EngineCounters& c);
void to_json(nlohmann::json& j, const EngineHealth& h);
void to_json(nlohmann::json& j, const AdvisoryRecord& a);
void to_json(nlohmann::json& j, const EngineSnapshot& s);

// [any] The snapshot without the fast meter readings (per-channel peaks since the last snapshot,
// needles, peak holds), which the binary meter frames carry: what the 5-10 Hz statistics stream
// needs, at about a third of the full encoding's size and cost. Per channel it keeps max true peak,
// RMS since reset and clip counts.
[[nodiscard]] nlohmann::json statisticsJson(const EngineSnapshot& snapshot);

// [any] One line of the statistics log for one node: when ("time" as UTC ISO 8601 when the
// snapshot has a wall-clock time, and "audio_seconds"), which node, and its statistics without the
// fast meter readings (peaks since the last snapshot, needles), which mean nothing once a second.
[[nodiscard]] nlohmann::json logLineJson(const EngineSnapshot& snapshot, const NodeStats& node);

// [any] "2024-05-01T12:34:56.789Z"; empty for 0.
[[nodiscard]] std::string utcTimestamp(int64_t unixMs);

} // namespace headroom::server
