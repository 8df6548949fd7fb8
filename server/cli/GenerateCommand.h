#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "server/audio/SignalGenerator.h"

// `headroom generate`: a JACK client of the project's own that plays known signals into output
// ports: the integration tests' source of truth, and the seed of the demo player. Signals are made
// in the process callback by SignalGenerator from state prepared before activation.
//
// Exit codes: 0 done (--duration elapsed or SIGINT/SIGTERM); 1 JACK is not available or the client
// cannot be set up; 2 usage error; 3 the JACK server went away while playing.
namespace headroom::server
{

struct GenerateArguments
{
    bool help = false;
    std::string serverName;                                       // --jack-server; empty: default
    std::string clientName = "headroom-generator";                // --client-name
    std::vector<std::pair<std::string, SignalSpec>> ports;        // --port NAME:SIGNAL, in order
    std::vector<std::pair<std::string, std::string>> connections; // --connect OURPORT=TARGET
    double durationSeconds = 0.0;                                 // --duration; 0: until a signal
};

// [setup] Parse the arguments after `generate`. Throws cli::CommandUsageError.
[[nodiscard]] GenerateArguments parseGenerateArguments(std::span<const std::string> args);

// [setup] Run `headroom generate`; returns the exit code.
int runGenerateCommand(std::span<const std::string> args);

} // namespace headroom::server
