#include "server/cli/GenerateCommand.h"

#include <jack/jack.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "server/audio/JackSupport.h"
#include "server/audio/RealtimeScope.h"
#include "server/cli/CommandSupport.h"

namespace headroom::server
{
namespace
{
constexpr const char* kHelp =
    "Usage: headroom generate [--jack-server NAME] [--client-name NAME] --port NAME:SIGNAL...\n"
    "                         [--connect PORT=TARGET]... [--duration SECONDS]\n"
    "\n"
    "Plays known signals into JACK output ports, one signal per port, until SIGINT/SIGTERM or the\n"
    "duration has passed. Ports playing the same signal are sample-for-sample identical (coherent).\n"
    "\n"
    "Options:\n"
    "  --jack-server NAME     JACK server to use (default: $JACK_DEFAULT_SERVER or 'default');\n"
    "                         never starts a server\n"
    "  --client-name NAME     JACK client name (default headroom-generator; must be free)\n"
    "  --port NAME:SIGNAL     an output port and its signal; repeatable. SIGNAL is one of\n"
    "                           sine:FREQ_HZ:PEAK_DBFS  e.g. sine:1000:-18 (reads -18 dBFS AES17 RMS)\n"
    "                           noise:RMS_DBFS          uniform white noise, e.g. noise:-30\n"
    "                           silence\n"
    "  --connect PORT=TARGET  connect our PORT to the full port name TARGET after starting; repeatable\n"
    "  --duration SECONDS     stop after this long (default 0: run until SIGINT/SIGTERM)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 done; 1 JACK unavailable or the client cannot be set up; 2 usage error;\n"
    "3 the JACK server went away.\n";

void say(std::string_view line)
{
    cli::logLine("generate", line);
}

// Everything the process callback touches, built before activation and left alone until after
// jack_client_close(): the callback only reads it.
struct Player
{
    std::vector<jack_port_t*> ports;         // output ports, one per generator
    std::vector<SignalGenerator> generators; // [rt] state advances in the callback
    std::atomic<bool> serverGone{false};     // set by the info-shutdown callback
};

int onProcess(jack_nframes_t numFrames, void* arg) noexcept
{
    HEADROOM_RT_SCOPE();
    auto* player = static_cast<Player*>(arg);
    for (std::size_t p = 0; p < player->ports.size(); ++p)
        player->generators[p].generate(static_cast<float*>(jack_port_get_buffer(player->ports[p], numFrames)),
                                       numFrames);
    return 0;
}

void onInfoShutdown(jack_status_t, const char*, void* arg) noexcept
{
    static_cast<Player*>(arg)->serverGone.store(true, std::memory_order_release);
}
} // namespace

GenerateArguments parseGenerateArguments(std::span<const std::string> args)
{
    GenerateArguments parsed;
    std::set<std::string> names;
    for (cli::ArgumentReader reader(args); !reader.done(); reader.next())
    {
        if (reader.is("--help") || reader.is("-h"))
        {
            parsed.help = true;
        }
        else if (reader.is("--jack-server"))
        {
            parsed.serverName = reader.value("--jack-server");
        }
        else if (reader.is("--client-name"))
        {
            parsed.clientName = reader.value("--client-name");
            if (parsed.clientName.empty()) throw cli::CommandUsageError("--client-name must not be empty");
        }
        else if (reader.is("--port"))
        {
            const std::string value = reader.value("--port");
            const std::size_t colon = value.find(':');
            if (colon == std::string::npos || colon == 0)
                throw cli::CommandUsageError("--port expects NAME:SIGNAL, e.g. out1:sine:1000:-18, not '" +
                                             value + "'");
            std::string name = value.substr(0, colon);
            if (!names.insert(name).second)
                throw cli::CommandUsageError("--port " + name + " is given twice");
            try
            {
                parsed.ports.emplace_back(std::move(name), parseSignalSpec(value.substr(colon + 1)));
            }
            catch (const std::invalid_argument& e)
            {
                throw cli::CommandUsageError(std::string("--port: ") + e.what());
            }
        }
        else if (reader.is("--connect"))
        {
            const std::string value = reader.value("--connect");
            const std::size_t equals = value.find('=');
            if (equals == std::string::npos || equals == 0 || equals + 1 == value.size())
                throw cli::CommandUsageError("--connect expects PORT=TARGET, not '" + value + "'");
            parsed.connections.emplace_back(value.substr(0, equals), value.substr(equals + 1));
        }
        else if (reader.is("--duration"))
        {
            parsed.durationSeconds = cli::parseSeconds(reader.value("--duration"), "--duration");
        }
        else
        {
            throw cli::CommandUsageError("unknown option '" + reader.current() + "'");
        }
    }
    if (parsed.help) return parsed;
    if (parsed.ports.empty()) throw cli::CommandUsageError("give at least one --port NAME:SIGNAL");
    for (const auto& [ours, target] : parsed.connections)
        if (names.count(ours) == 0)
            throw cli::CommandUsageError("--connect names no --port called '" + ours + "'");
    return parsed;
}

int runGenerateCommand(std::span<const std::string> args)
{
    GenerateArguments arguments;
    if (const auto finished = cli::parseOrFinish("generate", kHelp, parseGenerateArguments, args, arguments)) return *finished;

    // Before any thread exists (libjack starts several): signals are then only taken by wait().
    cli::TerminationSignals signals;
    ::setenv("JACK_NO_START_SERVER", "1", 1); // belt and braces with JackNoStartServer
    routeJackMessages([](const std::string& line) { say(line); });

    auto flags = static_cast<unsigned>(JackNoStartServer) | static_cast<unsigned>(JackUseExactName);
    if (!arguments.serverName.empty()) flags |= static_cast<unsigned>(JackServerName);
    jack_status_t status{};
    jack_client_t* client =
        arguments.serverName.empty()
            ? jack_client_open(arguments.clientName.c_str(), static_cast<jack_options_t>(flags), &status)
            : jack_client_open(arguments.clientName.c_str(), static_cast<jack_options_t>(flags), &status,
                               arguments.serverName.c_str());
    if (client == nullptr)
    {
        say("cannot open JACK client '" + arguments.clientName + "': status " + describeJackStatus(status));
        return 1;
    }

    Player player;
    const uint32_t rate = jack_get_sample_rate(client);
    const auto fail = [&](const std::string& what)
    {
        say(what);
        jack_client_close(client);
        return 1;
    };
    try
    {
        for (const auto& [name, spec] : arguments.ports)
        {
            player.generators.emplace_back().prepare(spec, rate);
            jack_port_t* port = jack_port_register(client, name.c_str(), JACK_DEFAULT_AUDIO_TYPE,
                                                   JackPortIsOutput | JackPortIsTerminal, 0);
            if (port == nullptr) return fail("cannot register port '" + name + "'");
            player.ports.push_back(port);
        }
    }
    catch (const std::invalid_argument& e)
    {
        return fail(e.what());
    }
    if (jack_set_process_callback(client, &onProcess, &player) != 0)
        return fail("cannot set the process callback");
    jack_on_info_shutdown(client, &onInfoShutdown, &player);
    if (jack_activate(client) != 0) return fail("cannot activate the JACK client");

    for (const auto& [ours, target] : arguments.connections)
    {
        const std::string full = std::string(jack_get_client_name(client)) + ":" + ours;
        const int result = jack_connect(client, full.c_str(), target.c_str());
        if (result != 0 && result != EEXIST) say("warning: cannot connect " + full + " to " + target);
    }

    std::string playing;
    for (const auto& [name, spec] : arguments.ports) playing += " " + name + "=" + toString(spec);
    say("playing at " + std::to_string(rate) + " Hz:" + playing);

    using Clock = std::chrono::steady_clock;
    const Clock::time_point end =
        Clock::now() +
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(arguments.durationSeconds));
    int exitCode = 0;
    for (;;)
    {
        if (const int signal = signals.wait(std::chrono::milliseconds(50)); signal != 0)
        {
            say(std::string("stopping on ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"));
            break;
        }
        if (player.serverGone.load(std::memory_order_acquire))
        {
            say("the JACK server went away");
            exitCode = 3;
            break;
        }
        if (arguments.durationSeconds > 0.0 && Clock::now() >= end) break;
    }
    if (exitCode == 0) jack_deactivate(client);
    jack_client_close(client);
    return exitCode;
}

} // namespace headroom::server
