#pragma once

#include "server/engine/Session.h"
#include "server/engine/SessionJsonReader.h"

#include <string_view>

// The `targets` objects of a session file: the session-wide one (every stage, plus the advisor's
// timing) and the per-node overrides (only the stages that apply to that kind of node). Each value
// given replaces one default; everything else is inherited. [setup]
namespace headroom::server::session_json
{

enum class TargetScope : unsigned char
{
    session, // /targets: every stage and `advisor`
    channel, // input, plugin_input, plugin_chain
    bus,     // bus_input, plugin_input, plugin_chain
    master,  // mix_bus, plugin_input, plugin_chain, delivery, streaming
};

// [setup] Read `value` (the JSON at `pointer`) over `targets`, which holds what is inherited.
// advisor is written only for TargetScope::session. Reports problems into diagnostics, including a
// minimum above its maximum once inherited values are merged in.
void readTargets(Diagnostics& diagnostics, const Json& value, std::string_view pointer, TargetScope scope,
                 Targets& targets, AdvisorTiming* advisor);

} // namespace headroom::server::session_json
