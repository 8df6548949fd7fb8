#include "server/engine/SessionTargets.h"

#include <array>
#include <cstdio>
#include <vector>

namespace headroom::server::session_json
{
namespace
{
// Plausible ranges: wide enough for any studio practice, narrow enough to catch a sign error or a
// value typed in the wrong unit (a level of +18 dBFS, a tolerance of -3 dB).
constexpr double kMinLevelDbfs = -120.0;
constexpr double kMinLoudnessLufs = -70.0; // BS.1770's absolute gate: nothing quieter is measured
constexpr double kMaxDeltaDb = 40.0;

struct NumberSpec
{
    std::string_view key;
    double min;
    double max;
    std::string_view unit;
    double& (*ref)(Targets&);
};

struct StageSpec
{
    std::string_view key;
    std::vector<NumberSpec> fields;
};

#define HEADROOM_TARGET(stage, member)                                                                       \
    [](Targets& t) -> double& { return t.stage.member; }

const std::array<StageSpec, 7>& stageSpecs()
{
    static const std::array<StageSpec, 7> specs{{
        {"input",
         {{"average_min_dbfs", kMinLevelDbfs, 0, "dBFS", HEADROOM_TARGET(input, averageMinDbfs)},
          {"average_max_dbfs", kMinLevelDbfs, 0, "dBFS", HEADROOM_TARGET(input, averageMaxDbfs)},
          {"peak_max_dbfs", kMinLevelDbfs, 0, "dBFS", HEADROOM_TARGET(input, peakMaxDbfs)}}},
        {"plugin_input",
         {{"average_dbfs", kMinLevelDbfs, 0, "dBFS", HEADROOM_TARGET(pluginInput, averageDbfs)},
          {"tolerance_db", 0, kMaxDeltaDb, "dB", HEADROOM_TARGET(pluginInput, toleranceDb)}}},
        {"plugin_chain", {{"max_gain_db", 0, kMaxDeltaDb, "dB", HEADROOM_TARGET(pluginChain, maxGainDb)}}},
        {"bus_input",
         {{"average_dbfs", kMinLevelDbfs, 0, "dBFS", HEADROOM_TARGET(busInput, averageDbfs)},
          {"tolerance_db", 0, kMaxDeltaDb, "dB", HEADROOM_TARGET(busInput, toleranceDb)}}},
        {"mix_bus",
         {{"peak_max_dbfs", kMinLevelDbfs, 0, "dBFS", HEADROOM_TARGET(mixBus, peakMaxDbfs)},
          {"average_dbfs", kMinLevelDbfs, 0, "dBFS", HEADROOM_TARGET(mixBus, averageDbfs)},
          {"tolerance_db", 0, kMaxDeltaDb, "dB", HEADROOM_TARGET(mixBus, toleranceDb)}}},
        {"delivery",
         {{"peak_min_dbfs", kMinLevelDbfs, 0, "dBFS", HEADROOM_TARGET(delivery, peakMinDbfs)},
          {"peak_max_dbfs", kMinLevelDbfs, 0, "dBFS", HEADROOM_TARGET(delivery, peakMaxDbfs)},
          {"integrated_min_lufs", kMinLoudnessLufs, 0, "LUFS", HEADROOM_TARGET(delivery, integratedMinLufs)},
          {"integrated_max_lufs", kMinLoudnessLufs, 0, "LUFS",
           HEADROOM_TARGET(delivery, integratedMaxLufs)}}},
        {"streaming",
         {{"spotify_lufs", kMinLoudnessLufs, 0, "LUFS", HEADROOM_TARGET(streaming, spotifyLufs)},
          {"apple_music_lufs", kMinLoudnessLufs, 0, "LUFS", HEADROOM_TARGET(streaming, appleMusicLufs)},
          {"youtube_lufs", kMinLoudnessLufs, 0, "LUFS", HEADROOM_TARGET(streaming, youtubeLufs)}}},
    }};
    return specs;
}

#undef HEADROOM_TARGET

const StageSpec& spec(std::string_view key)
{
    for (const StageSpec& s : stageSpecs())
        if (s.key == key) return s;
    return stageSpecs().front();
}

std::span<const std::string_view> stagesOf(TargetScope scope)
{
    static constexpr std::string_view kSession[] = {"input",   "plugin_input", "plugin_chain", "bus_input",
                                                    "mix_bus", "delivery",     "streaming",    "advisor"};
    static constexpr std::string_view kChannel[] = {"input", "plugin_input", "plugin_chain"};
    static constexpr std::string_view kBus[] = {"bus_input", "plugin_input", "plugin_chain"};
    static constexpr std::string_view kMaster[] = {"mix_bus", "plugin_input", "plugin_chain", "delivery",
                                                   "streaming"};
    switch (scope)
    {
    case TargetScope::session:
        return kSession;
    case TargetScope::channel:
        return kChannel;
    case TargetScope::bus:
        return kBus;
    case TargetScope::master:
        return kMaster;
    }
    return kSession;
}

std::string formatDb(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

// A range given as a minimum and a maximum must not be upside down once merged with what it inherits.
void checkOrder(Diagnostics& diagnostics, std::string_view stagePointer, std::string_view minKey, double min,
                std::string_view maxKey, double max)
{
    if (min <= max) return;
    diagnostics.error(stagePointer, "expected " + std::string(minKey) + " (" + formatDb(min) +
                                        ") not above " + std::string(maxKey) + " (" + formatDb(max) +
                                        ") once merged with the inherited targets");
}

void readStage(Diagnostics& diagnostics, const Json& value, std::string_view pointer, const StageSpec& stage,
               Targets& targets)
{
    if (!expectObject(diagnostics, value, pointer, "an object of " + std::string(stage.key) + " targets"))
        return;
    std::vector<std::string_view> keys;
    for (const NumberSpec& f : stage.fields) keys.push_back(f.key);
    checkKeys(diagnostics, value, pointer, keys);
    for (const NumberSpec& f : stage.fields)
        if (const auto v = readNumber(diagnostics, {value, pointer, f.key}, f.min, f.max, f.unit))
            f.ref(targets) = *v;

    if (stage.key == "input")
        checkOrder(diagnostics, pointer, "average_min_dbfs", targets.input.averageMinDbfs, "average_max_dbfs",
                   targets.input.averageMaxDbfs);
    if (stage.key == "delivery")
    {
        checkOrder(diagnostics, pointer, "peak_min_dbfs", targets.delivery.peakMinDbfs, "peak_max_dbfs",
                   targets.delivery.peakMaxDbfs);
        checkOrder(diagnostics, pointer, "integrated_min_lufs", targets.delivery.integratedMinLufs,
                   "integrated_max_lufs", targets.delivery.integratedMaxLufs);
    }
}

void readAdvisor(Diagnostics& diagnostics, const Json& value, std::string_view pointer,
                 AdvisorTiming& advisor)
{
    if (!expectObject(diagnostics, value, pointer, "an object with raise_after_s and clear_after_s")) return;
    checkKeys(diagnostics, value, pointer, {"raise_after_s", "clear_after_s"});
    constexpr double kMaxSeconds = 3600.0;
    if (const auto v = readNumber(diagnostics, {value, pointer, "raise_after_s"}, 0, kMaxSeconds, "seconds"))
        advisor.raiseAfterS = *v;
    if (const auto v = readNumber(diagnostics, {value, pointer, "clear_after_s"}, 0, kMaxSeconds, "seconds"))
        advisor.clearAfterS = *v;
}
} // namespace

void readTargets(Diagnostics& diagnostics, const Json& value, std::string_view pointer, TargetScope scope,
                 Targets& targets, AdvisorTiming* advisor)
{
    if (!expectObject(diagnostics, value, pointer, "an object of targets per stage")) return;
    const auto allowed = stagesOf(scope);
    checkKeys(diagnostics, value, pointer, allowed);
    for (std::string_view key : allowed)
    {
        const auto it = value.find(std::string(key));
        if (it == value.end()) continue;
        const std::string stagePointer = childPointer(pointer, key);
        if (key == "advisor")
        {
            if (advisor != nullptr) readAdvisor(diagnostics, *it, stagePointer, *advisor);
            continue;
        }
        readStage(diagnostics, *it, stagePointer, spec(key), targets);
    }
}

} // namespace headroom::server::session_json
