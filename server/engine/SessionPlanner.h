#pragma once

#include <string>
#include <vector>

#include "dsp/TapMeterBank.h"
#include "server/audio/JackMeterClient.h"
#include "server/engine/MeterPlan.h"
#include "server/engine/Session.h"
#include "server/engine/SessionTopology.h"

// The step from a session (what the studio looks like) to what the live engine runs: the
// MeterPlan (every JACK-fed tap as meter channels, the virtual bus inputs, plugin chains, targets,
// reference), the JACK input ports with the source each one connects to, and the metering
// settings from the session's reference. One function, so `serve` does not know the session's
// details. [setup]
namespace headroom::server
{

struct LivePlan
{
    MeterPlan plan;                    // source channels first-to-last in port order
    std::vector<JackPortSpec> ports;   // one per source meter channel, in meter-channel order
    dsp::TapMeterConfig tapConfig;     // clip threshold, clip run, PPM type (rate/channels set later)
    std::vector<std::string> warnings; // the topology's warnings plus what live metering leaves out
};

// [setup] Our port for channel c (0-based) of a tap is "<node>/<stage>/<c+1>", e.g.
// "vocal/pre_insert/1", made valid for JACK (sanitisePortShortName, at most
// maxPortShortNameLength(clientName) bytes) and unique. Taps fed from files are left out (the
// offline audit meters those) with a warning; so is a bus whose input is neither tapped nor
// computable (the topology says why). Throws std::invalid_argument when nothing is left to meter.
[[nodiscard]] LivePlan planLiveSession(const Session& session, const std::string& clientName);

} // namespace headroom::server
