#pragma once

#include <span>
#include <string>

// `headroom serve --session FILE`: the live engine. Reads the session, opens a JACK client with one
// input port per tapped channel ("<node>/<stage>/<n>"), connects each to its source (and sources
// that appear later), meters every tap on the RT thread and computes the virtual buses; writes one
// JSON line per node per second of audio to --log. Starts without a JACK server and keeps trying;
// survives the server going away and coming back (at another rate or period size too).
// SIGINT/SIGTERM: deactivate, close (our ports disappear), write the last log lines, exit 0.
//
// Exit codes: 0 stopped by SIGINT/SIGTERM; 1 the session or the log cannot be used; 2 usage error.
namespace headroom::server
{

struct ServeArguments
{
    bool help = false;
    std::string sessionPath;             // --session (required)
    std::string serverName;              // --jack-server; empty: $JACK_DEFAULT_SERVER or "default"
    std::string clientName = "headroom"; // --client-name
    std::string logPath;                 // --log FILE|-; empty: no statistics log
};

// [setup] Parse the arguments after `serve`. Throws cli::CommandUsageError.
[[nodiscard]] ServeArguments parseServeArguments(std::span<const std::string> args);

// [setup] Run `headroom serve`; returns the exit code when stopped.
int runServeCommand(std::span<const std::string> args);

} // namespace headroom::server
