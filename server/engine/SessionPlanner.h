#pragma once

#include <string>
#include <vector>

#include "dsp/TapMeterBank.h"
#include "server/audio/JackMeterClient.h"
#include "server/engine/MeterPlan.h"
#include "server/engine/Session.h"
#include "server/engine/SessionTopology.h"

// The step from a session (what the studio looks like) to what the engine runs. One function,
// planSession(), turns a session into a MeterPlan (every tap fed from the chosen kind of source as
// meter channels, the virtual bus inputs, plugin chains, targets, reference) and the metering
// settings, for the live engine (taps fed from JACK ports) and the offline audit (taps fed from
// audio files) alike, so the two cannot meter one session differently. planLiveSession() adds the
// JACK input ports; the audit (server/analyze/SessionAudit.h) opens the files. [setup]
namespace headroom::server
{

// A session planned for one kind of source.
struct SessionPlan
{
    MeterPlan plan; // the source taps first (in topology order), then the bus sums
    // The session tap behind each source (non-virtual) tap of the plan: sources[i] feeds plan.taps[i].
    std::vector<SessionTap> sources;
    dsp::TapMeterConfig tapConfig;     // clip threshold, clip run, PPM type (rate/channels set later)
    std::vector<std::string> warnings; // the topology's warnings plus what this source leaves out
};

// [setup] Plans the taps fed from sourceKind (ports: live, file: offline audit). Taps fed from the
// other kind are left out with a warning, and a bus input that is left out is computed from the
// members instead (a virtual bus), as when it is not tapped. A bus is summed only when every
// member's post_fader tap is metered; a bus whose input is neither tapped nor computable is left
// out (the topology says why). Throws std::invalid_argument when nothing is left to meter.
[[nodiscard]] SessionPlan planSession(const Session& session, TapSource::Kind sourceKind);

struct LivePlan
{
    MeterPlan plan;                    // source channels first-to-last in port order
    std::vector<JackPortSpec> ports;   // one per source meter channel, in meter-channel order
    dsp::TapMeterConfig tapConfig;     // clip threshold, clip run, PPM type (rate/channels set later)
    std::vector<std::string> warnings; // the topology's warnings plus what live metering leaves out
};

// [setup] planSession(session, ports) plus one JACK input port per source meter channel: our port
// for channel c (0-based) of a tap is "<node>/<stage>/<c+1>", e.g. "vocal/pre_insert/1", made valid
// for JACK (sanitisePortShortName, at most maxPortShortNameLength(clientName) bytes) and unique.
// Taps fed from files are left out (the offline audit meters those) with a warning. Throws
// std::invalid_argument when nothing is left to meter.
[[nodiscard]] LivePlan planLiveSession(const Session& session, const std::string& clientName);

} // namespace headroom::server
