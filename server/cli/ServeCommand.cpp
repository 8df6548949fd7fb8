#include "server/cli/ServeCommand.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "server/audio/JackSupport.h"
#include "server/cli/CommandSupport.h"
#include "server/engine/LiveEngine.h"
#include "server/engine/SessionParser.h"
#include "server/engine/SessionPlanner.h"

namespace headroom::server
{
namespace
{
constexpr const char* kHelp =
    "Usage: headroom serve --session FILE [--jack-server NAME] [--client-name NAME] [--log FILE|-]\n"
    "\n"
    "Meters a studio live: opens a JACK client with one input port per tapped channel of the session\n"
    "(named <node>/<stage>/<n>, e.g. vocal/pre_insert/1), connects each to the session's source port\n"
    "(and sources that appear later), meters every tap and computes the virtual bus inputs.\n"
    "Without a JACK server it keeps retrying (0.5 s to 5 s apart); when the server goes away or comes\n"
    "back at another sample rate or period size, it reconnects and restores its connections.\n"
    "\n"
    "Options:\n"
    "  --session FILE      the session file (docs/SESSION.md)\n"
    "  --jack-server NAME  JACK server to use (default: $JACK_DEFAULT_SERVER or 'default');\n"
    "                      never starts a server\n"
    "  --client-name NAME  JACK client name (default headroom; must be free)\n"
    "  --log FILE|-        append one JSON line per node per second of audio (statistics: level,\n"
    "                      average, true peak, headroom, loudness, time in range, chain gain, bus sums)\n"
    "                      to FILE, or write them to standard output with -\n"
    "  -h, --help          show this help\n"
    "\n"
    "Events (connections, JACK status, warnings) are logged on standard error.\n"
    "SIGINT or SIGTERM stops it cleanly: our ports disappear, the last log lines are written.\n"
    "Exit status: 0 stopped by a signal; 1 the session or the log cannot be used; 2 usage error.\n";

void say(std::string_view line)
{
    cli::logLine("serve", line);
}
} // namespace

ServeArguments parseServeArguments(std::span<const std::string> args)
{
    ServeArguments parsed;
    for (cli::ArgumentReader reader(args); !reader.done(); reader.next())
    {
        if (reader.is("--help") || reader.is("-h"))
            parsed.help = true;
        else if (reader.is("--session"))
            parsed.sessionPath = reader.value("--session");
        else if (reader.is("--jack-server"))
            parsed.serverName = reader.value("--jack-server");
        else if (reader.is("--client-name"))
            parsed.clientName = reader.value("--client-name");
        else if (reader.is("--log"))
            parsed.logPath = reader.value("--log");
        else
            throw cli::CommandUsageError("unknown option '" + reader.current() + "'");
    }
    if (parsed.help) return parsed;
    if (parsed.sessionPath.empty()) throw cli::CommandUsageError("--session FILE is required");
    if (parsed.clientName.empty()) throw cli::CommandUsageError("--client-name must not be empty");
    if (parsed.logPath.empty() && std::find(args.begin(), args.end(), "--log") != args.end())
        throw cli::CommandUsageError("--log needs FILE or -");
    return parsed;
}

int runServeCommand(std::span<const std::string> args)
{
    ServeArguments arguments;
    try
    {
        arguments = parseServeArguments(args);
    }
    catch (const cli::CommandUsageError& e)
    {
        std::fprintf(stderr, "headroom serve: %s (run 'headroom serve --help')\n", e.what());
        return 2;
    }
    if (arguments.help)
    {
        std::fputs(kHelp, stdout);
        return 0;
    }

    // Before any thread exists: SIGINT/SIGTERM are then only taken by signals.wait() below.
    cli::TerminationSignals signals;
    ::setenv("JACK_NO_START_SERVER", "1", 1); // belt and braces with JackNoStartServer
    routeJackMessages([](const std::string& line) { say("jack: " + line); });

    std::unique_ptr<LiveEngine> engine;
    try
    {
        const Session session = parseSessionFile(arguments.sessionPath);
        LivePlan live = planLiveSession(session, arguments.clientName);
        for (const std::string& warning : live.warnings) say(warning);
        say("session '" + session.name + "': " + std::to_string(live.plan.taps.size()) + " taps, " +
            std::to_string(live.ports.size()) + " JACK ports, " + std::to_string(live.plan.numChannels) +
            " meter channels");

        LiveEngineOptions options;
        options.jack.serverName = arguments.serverName;
        options.jack.clientName = arguments.clientName;
        options.jack.log = [](const std::string& line) { say("jack: " + line); };
        options.statisticsLogPath = arguments.logPath;
        options.worker.stallAfterSeconds = 1.0;
        engine = std::make_unique<LiveEngine>(std::move(live), std::move(options));
    }
    catch (const SessionError& e)
    {
        for (const std::string& line : e.errors()) std::fprintf(stderr, "headroom serve: %s\n", line.c_str());
        return 1;
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "headroom serve: %s\n", e.what());
        return 1;
    }

    engine->start();
    int signal = 0;
    while (signal == 0) signal = signals.wait(std::chrono::milliseconds(500));
    say(std::string("stopping on ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"));
    engine->stop();
    const JackMeterClientStatus status = engine->jackStatus();
    say("stopped: " + std::to_string(status.cycles) + " process cycles, " + std::to_string(status.xruns) +
        " xruns, " + std::to_string(status.connections) + " connections to JACK");
    return 0;
}

} // namespace headroom::server
