#include "server/analyze/AnalysisReport.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <string_view>
#include <vector>

namespace headroom::server
{
namespace
{
nlohmann::ordered_json dbOrNull(double valueDb)
{
    const std::optional<double> rounded = roundedDb(valueDb);
    return rounded ? nlohmann::ordered_json(*rounded) : nlohmann::ordered_json(nullptr);
}

// printf into a std::string (the table is a few dozen lines; no formatting library needed).
[[gnu::format(printf, 2, 3)]] void appendf(std::string& out, const char* format, ...)
{
    char line[512];
    va_list args;
    va_start(args, format);
    const int n = std::vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (n > 0) out.append(line, std::min(static_cast<std::size_t>(n), sizeof line - 1));
}

// Loudness has no meaningful "-inf LUFS" for a reader: silence and too-short files read "--".
std::string loudnessText(double valueLu)
{
    return std::isfinite(valueLu) ? dbText(valueLu, 1) : "--";
}

std::string encodingText(const AudioFileInfo& file)
{
    if (file.containerName.empty()) return "(not from a file)";
    return file.containerName + ", " + file.encodingName;
}
} // namespace

std::optional<double> roundedDb(double valueDb) noexcept
{
    if (!std::isfinite(valueDb)) return std::nullopt;
    const double rounded = std::round(valueDb * 100.0) / 100.0;
    return rounded == 0.0 ? 0.0 : rounded; // no "-0.0"
}

std::string dbText(double valueDb, int decimals)
{
    if (std::isnan(valueDb)) return "--";
    if (std::isinf(valueDb)) return valueDb < 0.0 ? "-inf" : "+inf";
    // Printed from the exact value (rounding to 0.01 first would turn -22.954 into "-22.9").
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, valueDb);
    std::string_view shown = text;
    if (shown.find_first_not_of("-0.") == std::string_view::npos)
        shown.remove_prefix(shown[0] == '-' ? 1 : 0);
    return std::string(shown);
}

nlohmann::ordered_json analysisToJson(const AnalysisResult& result)
{
    nlohmann::ordered_json channels = nlohmann::ordered_json::array();
    for (const ChannelAnalysis& c : result.channels)
    {
        nlohmann::ordered_json channel;
        channel["sample_peak_dbfs"] = dbOrNull(c.readings.samplePeakDbfs);
        channel["true_peak_dbtp"] = dbOrNull(c.readings.truePeakDbtp);
        channel["rms_dbfs"] = dbOrNull(c.readings.rmsDbfs);
        channel["clipped_samples"] = c.readings.clippedSamples;
        channels.push_back(std::move(channel));
    }

    nlohmann::ordered_json j;
    j["file"] = result.file.path;
    j["sample_rate_hz"] = result.sampleRateHz;
    j["channels"] = result.channels.size();
    j["duration_s"] = std::round(result.durationSeconds * 1000.0) / 1000.0; // to the millisecond
    j["integrated_lufs"] = dbOrNull(result.loudness.integratedLufs);
    j["loudness_range_lu"] = dbOrNull(result.loudness.loudnessRangeLu);
    j["max_momentary_lufs"] = dbOrNull(result.loudness.maxMomentaryLufs);
    j["max_short_term_lufs"] = dbOrNull(result.loudness.maxShortTermLufs);
    j["true_peak_dbtp"] = dbOrNull(result.truePeakDbtp);
    j["sample_peak_dbfs"] = dbOrNull(result.samplePeakDbfs);
    j["channel"] = std::move(channels);
    return j;
}

std::string analysisTable(const AnalysisResult& r)
{
    std::string out;
    std::vector<dsp::ChannelRole> layout;
    for (const ChannelAnalysis& c : r.channels) layout.push_back(c.role);

    appendf(out, "File             %s\n", r.file.path.c_str());
    appendf(out, "Format           %s\n", encodingText(r.file).c_str());
    appendf(out, "                 %u Hz, %zu channel%s (%s)\n", r.sampleRateHz, r.channels.size(),
            r.channels.size() == 1 ? "" : "s", layoutToString(layout).c_str());
    appendf(out, "Duration         %.3f s (%llu frames)\n", r.durationSeconds,
            static_cast<unsigned long long>(r.numFrames));

    const dsp::LoudnessReadings& l = r.loudness;
    const bool hasLfe = std::find(layout.begin(), layout.end(), dsp::ChannelRole::lfe) != layout.end();
    appendf(out, "\nLoudness (EBU R 128, ITU-R BS.1770-5%s)\n", hasLfe ? "; LFE excluded" : "");
    appendf(out, "  Integrated     %8s LUFS\n", loudnessText(l.integratedLufs).c_str());
    appendf(out, "  Loudness range %8s LU\n", loudnessText(l.loudnessRangeLu).c_str());
    appendf(out, "  Max momentary  %8s LUFS\n", loudnessText(l.maxMomentaryLufs).c_str());
    appendf(out, "  Max short-term %8s LUFS\n", loudnessText(l.maxShortTermLufs).c_str());
    appendf(out, "  Sample peak    %8s dBFS\n", dbText(r.samplePeakDbfs, 2).c_str());
    appendf(out, "  True peak      %8s dBTP\n", dbText(r.truePeakDbtp, 2).c_str());
    // Peak-to-loudness ratio (EBU Tech 3342 / AES TD1004): how far peaks stand above the programme.
    const double plrLu = r.truePeakDbtp - l.integratedLufs;
    appendf(out, "  PLR            %8s LU   (true peak - integrated)\n", loudnessText(plrLu).c_str());

    appendf(out, "\n%-3s %-4s %12s %10s %12s %7s %9s %9s\n", "Ch", "Role", "Sample peak", "True peak",
            r.rmsConvention == dsp::RmsConvention::aes17 ? "RMS (AES17)" : "RMS (plain)", "Crest", "DC",
            "Clipped");
    appendf(out, "%-3s %-4s %12s %10s %12s %7s %9s %9s\n", "", "", "dBFS", "dBTP", "dBFS", "dB", "dBFS",
            "samples");
    uint64_t nonFinite = 0;
    for (std::size_t i = 0; i < r.channels.size(); ++i)
    {
        const dsp::ChannelReadings& c = r.channels[i].readings;
        const std::string_view role = dsp::toString(r.channels[i].role);
        // Crest factor is undefined for silence (ChannelStatistics says -inf).
        const std::string crestText = std::isfinite(c.rmsDbfs) ? dbText(c.crestFactorDb, 2) : "--";
        appendf(out, "%-3zu %-4.*s %12s %10s %12s %7s %9s %9llu\n", i + 1, static_cast<int>(role.size()),
                role.data(), dbText(c.samplePeakDbfs, 2).c_str(), dbText(c.truePeakDbtp, 2).c_str(),
                dbText(c.rmsDbfs, 2).c_str(), crestText.c_str(), dbText(c.dcOffsetDbfs, 1).c_str(),
                static_cast<unsigned long long>(c.clippedSamples));
        nonFinite += c.nonFiniteSamples;
    }
    if (nonFinite > 0)
        appendf(out, "\nWarning: %llu NaN or infinite samples, metered as silence.\n",
                static_cast<unsigned long long>(nonFinite));
    return out;
}

} // namespace headroom::server
