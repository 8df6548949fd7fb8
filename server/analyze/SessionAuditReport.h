#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "server/analyze/SessionAudit.h"

// How `headroom analyze --session FILE` shows a SessionAuditResult: one JSON document for scripts
// (--json), or a report of aligned text tables for people. The JSON's statistics are the live
// engine's snapshot encoding (SnapshotJson), so a script reads an audit and the live /api alike.
//
// [any] Pure functions of the result.
namespace headroom::server
{

// [any] The `analyze --session --json` document. Keys, in order: session, room, session_file,
// sample_rate_hz, duration_s (the longest file), files[] (node, stage, json_path, file, format,
// channels, duration_s, padded_s), warnings[], then the snapshot's fields as SnapshotJson encodes
// them (audio_seconds, counters, nodes[], rms_convention, zero_vu_dbfs), without those only a
// running server has (sequence, time, health, last_command_id); the snapshot's "advisories" are those
// raised at the end, "cleared_advisories" those raised and cleared during the audit, newest first.
// Each node also gets its "label".
[[nodiscard]] nlohmann::ordered_json sessionAuditJson(const SessionAuditResult& result);

// [any] The readable report: the session; the advisor's advisories (symptom, cause, fix) per node,
// and those that cleared during the audit; its files; per tap its average, peaks, headroom,
// integrated loudness and clips; each tap against its target range (time in, over, under); the
// master's loudness (I, LRA, max M/S, PLR) next to its delivery or streaming targets; plugin-chain
// gains; every bus's members and shares, predicted versus measured input; the warnings. Ends in a
// newline.
[[nodiscard]] std::string sessionAuditReport(const SessionAuditResult& result);

} // namespace headroom::server
