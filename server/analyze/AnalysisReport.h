#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "server/analyze/FileAnalysis.h"

// How `headroom analyze` shows an AnalysisResult: a table for people, or one JSON object for
// scripts. Both round dB values to 0.01 dB; JSON has null (the table "--" or "-inf") where a value
// is minus infinity or undefined (silence, a file too short for a gating block).
//
// [any] Pure functions of the result.
namespace headroom::server
{

// [any] A dB value rounded to 0.01 dB; empty for minus infinity, NaN and plus infinity.
[[nodiscard]] std::optional<double> roundedDb(double valueDb) noexcept;

// [any] A dB value for a table at the given decimals: "-inf" for minus infinity (digital silence),
// "+inf" for plus infinity, "--" for undefined (NaN); never "-0.00".
[[nodiscard]] std::string dbText(double valueDb, int decimals);

// [any] The JSON object of the `analyze --json` output. Keys, in order: file, sample_rate_hz,
// channels, duration_s, integrated_lufs, loudness_range_lu, max_momentary_lufs,
// max_short_term_lufs, true_peak_dbtp, sample_peak_dbfs, channel (an array, one object per channel:
// sample_peak_dbfs, true_peak_dbtp, rms_dbfs, clipped_samples).
[[nodiscard]] nlohmann::ordered_json analysisToJson(const AnalysisResult& result);

// [any] The readable report: file, loudness (I, LRA, max M, max S, peaks, PLR) and a row per channel
// (role, sample peak, true peak, RMS, crest factor, DC offset, clipped samples). Ends in a newline.
[[nodiscard]] std::string analysisTable(const AnalysisResult& result);

} // namespace headroom::server
