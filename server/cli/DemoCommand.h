#pragma once

#include <span>
#include <string>

#include "server/demo/DemoScenario.h"

// `headroom demo`: the demo studio (server/demo/DemoStudio.h) as a JACK client of its own. It reads
// a session (deploy/sessions/demo.json by default), registers one output port for every tap of the
// session that names one of its own ports ("headroom-demo:vocal/input/1"), and plays the synthetic
// band through the simulated mixer into them, in the scenario chosen with --scenario. The scenario
// can be changed while it plays: a scenario name (or its number, 1-6) on a line of standard input,
// or SIGUSR1 for the next one. Like `headroom serve`, it waits for a JACK server that is not there
// yet and comes back when the server goes away (0.5 s to 5 s between attempts); it never starts one.
//
// Exit codes: 0 stopped by SIGINT/SIGTERM or --duration; 1 the session cannot be used or the client
// cannot be set up; 2 usage error.
namespace headroom::server
{

struct DemoArguments
{
    bool help = false;
    std::string sessionPath;                         // --session; empty: the installed/source demo.json
    demo::Scenario scenario = demo::Scenario::clean; // --scenario
    std::string serverName;                          // --jack-server; empty: default
    std::string clientName = "headroom-demo";        // --client-name
    double durationSeconds = 0.0;                    // --duration; 0: until a signal
    bool readStdin = true;                           // --no-stdin: ignore standard input
};

// [setup] Parse the arguments after `demo`. Throws cli::CommandUsageError.
[[nodiscard]] DemoArguments parseDemoArguments(std::span<const std::string> args);

// [setup] Run `headroom demo`; returns the exit code.
int runDemoCommand(std::span<const std::string> args);

} // namespace headroom::server
