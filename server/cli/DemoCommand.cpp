#include "server/cli/DemoCommand.h"

#include <jack/jack.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "server/audio/JackSupport.h"
#include "server/audio/RealtimeScope.h"
#include "server/cli/CommandSupport.h"
#include "server/demo/DemoStudio.h"
#include "server/engine/SessionParser.h"

namespace headroom::server
{
namespace
{
constexpr const char* kHelp =
    "Usage: headroom demo [--session FILE] [--scenario NAME] [--jack-server NAME] [--client-name NAME]\n"
    "                     [--duration SECONDS] [--no-stdin]\n"
    "\n"
    "The demo studio: a synthetic band (drums, bass, two guitars, keys, lead and backing vocals) played\n"
    "through a simulated mixer into JACK output ports, one per metering point of the demo session, so\n"
    "`headroom serve --session demo.json` shows a live studio with no audio hardware. Scenarios\n"
    "reproduce the gain-staging guide's problems (docs/DEMO.md):\n"
    "  clean                a clean, well-staged mix: every stage in range\n"
    "  hot-vocal            the lead vocal recorded too hot\n"
    "  gain-stacking        EQ boost and make-up gain stacking through plugin chains\n"
    "  drum-bus-overdriven  the drum bus input far above -18 dBFS\n"
    "  mix-bus-red          the mix bus peaking in the red\n"
    "  limited-mix          a limited mix bus: peaks pinned at 0 dBFS, no dynamics\n"
    "Switch while it plays: type a scenario's name or number (1-6) and Enter, or send SIGUSR1 for the\n"
    "next one. The levels glide to the new staging in about 100 ms.\n"
    "\n"
    "Options:\n"
    "  --session FILE      the session whose taps name our ports, '<client>:<node>/<stage>/<n>'\n"
    "                      (default: the installed share/headroom/sessions/demo.json, else the\n"
    "                      source tree's deploy/sessions/demo.json)\n"
    "  --scenario NAME     the scenario to start with (default clean)\n"
    "  --jack-server NAME  JACK server to use (default: $JACK_DEFAULT_SERVER or 'default');\n"
    "                      never starts one: waits for it, and comes back when it restarts\n"
    "  --client-name NAME  JACK client name (default headroom-demo; must be free and match the\n"
    "                      session's port names)\n"
    "  --duration SECONDS  stop after this long (default 0: run until SIGINT/SIGTERM)\n"
    "  --no-stdin          do not read scenario names from standard input\n"
    "  -h, --help          show this help\n"
    "\n"
    "Exit status: 0 stopped by a signal or --duration; 1 the session or the JACK client cannot be set\n"
    "up; 2 usage error.\n";

void say(std::string_view line)
{
    cli::logLine("demo", line);
}

// The ports the session wants from us, in session order, each once.
std::vector<demo::TapRef> portsWanted(const Session& session, const std::string& clientName,
                                      std::vector<std::string>& unknown)
{
    const std::string prefix = clientName + ":";
    std::vector<demo::TapRef> taps;
    std::set<std::string> seen;
    const auto consider = [&](const std::string& port)
    {
        if (port.rfind(prefix, 0) != 0 || !seen.insert(port).second) return;
        if (const auto tap = demo::parsePortShortName(std::string_view(port).substr(prefix.size())))
            taps.push_back(*tap);
        else
            unknown.push_back(port);
    };
    const auto nodeTaps = [&](const Node& node)
    {
        for (const std::optional<TapSource>* tap :
             {&node.input, &node.preInsert, &node.postInsert, &node.postFader, &node.output})
            if (*tap && (*tap)->kind == TapSource::Kind::ports)
                for (const std::string& port : (*tap)->ports) consider(port);
        for (const Insert& insert : node.inserts)
            if (insert.tap && insert.tap->kind == TapSource::Kind::ports)
                for (const std::string& port : insert.tap->ports) consider(port);
    };
    for (const Node& node : session.channels) nodeTaps(node);
    for (const Node& node : session.buses) nodeTaps(node);
    nodeTaps(session.master);
    return taps;
}

// Everything the process callback touches; built while no client is active.
struct Player
{
    demo::DemoStudio studio;             // [rt] renders; the scenario request is atomic
    std::vector<jack_port_t*> ports;     // one per tap, in the studio's output order
    std::vector<float*> buffers;         // [rt] scratch: this period's port buffers
    std::atomic<bool> serverGone{false}; // set by the info-shutdown callback
};

int onProcess(jack_nframes_t numFrames, void* arg) noexcept
{
    HEADROOM_RT_SCOPE();
    auto* player = static_cast<Player*>(arg);
    const std::size_t n = player->ports.size();
    for (std::size_t p = 0; p < n; ++p)
        player->buffers[p] = static_cast<float*>(jack_port_get_buffer(player->ports[p], numFrames));
    player->studio.render(player->buffers.data(), numFrames);
    return 0;
}

void onInfoShutdown(jack_status_t, const char*, void* arg) noexcept
{
    static_cast<Player*>(arg)->serverGone.store(true, std::memory_order_release);
}

// Scenario names (or numbers) from standard input, line by line, without ever blocking.
class StdinLines
{
public:
    explicit StdinLines(bool enabled) : open_(enabled) {}

    // [setup] The complete lines that arrived since the last call.
    std::vector<std::string> poll()
    {
        std::vector<std::string> lines;
        while (open_)
        {
            pollfd fd{STDIN_FILENO, POLLIN, 0};
            if (::poll(&fd, 1, 0) <= 0 || (fd.revents & (POLLIN | POLLHUP)) == 0) break;
            char chunk[256];
            const ssize_t got = ::read(STDIN_FILENO, chunk, sizeof chunk);
            if (got <= 0)
            {
                open_ = false; // end of input (or /dev/null): keep playing, stop reading
                break;
            }
            pending_.append(chunk, static_cast<std::size_t>(got));
            if (pending_.size() > 4096) pending_.clear(); // no line is that long
        }
        for (std::size_t newline; (newline = pending_.find('\n')) != std::string::npos;)
        {
            std::string line = pending_.substr(0, newline);
            pending_.erase(0, newline + 1);
            line.erase(std::remove_if(line.begin(), line.end(),
                                      [](char c) { return c == '\r' || c == ' ' || c == '\t'; }),
                       line.end());
            if (!line.empty()) lines.push_back(std::move(line));
        }
        return lines;
    }

private:
    bool open_;
    std::string pending_;
};

std::optional<demo::Scenario> scenarioFromLine(const std::string& line)
{
    if (line.size() == 1 && line[0] >= '1' && line[0] < static_cast<char>('1' + demo::kNumScenarios))
        return static_cast<demo::Scenario>(line[0] - '1');
    return demo::scenarioFromName(line);
}

void announce(demo::Scenario scenario)
{
    say("scenario " + std::string(demo::scenarioName(scenario)) + ": " +
        std::string(demo::scenarioSummary(scenario)));
}
} // namespace

DemoArguments parseDemoArguments(std::span<const std::string> args)
{
    DemoArguments parsed;
    for (cli::ArgumentReader reader(args); !reader.done(); reader.next())
    {
        if (reader.is("--help") || reader.is("-h"))
            parsed.help = true;
        else if (reader.is("--session"))
            parsed.sessionPath = reader.value("--session");
        else if (reader.is("--scenario"))
        {
            const std::string name = reader.value("--scenario");
            const auto scenario = demo::scenarioFromName(name);
            if (!scenario)
                throw cli::CommandUsageError("--scenario must be one of " +
                                             std::string(demo::scenarioNames()) + ", not '" + name + "'");
            parsed.scenario = *scenario;
        }
        else if (reader.is("--jack-server"))
            parsed.serverName = reader.value("--jack-server");
        else if (reader.is("--client-name"))
        {
            parsed.clientName = reader.value("--client-name");
            if (parsed.clientName.empty()) throw cli::CommandUsageError("--client-name must not be empty");
        }
        else if (reader.is("--duration"))
            parsed.durationSeconds = cli::parseSeconds(reader.value("--duration"), "--duration");
        else if (reader.is("--no-stdin"))
            parsed.readStdin = false;
        else
            throw cli::CommandUsageError("unknown option '" + reader.current() + "'");
    }
    return parsed;
}

int runDemoCommand(std::span<const std::string> args)
{
    DemoArguments arguments;
    if (const auto finished = cli::parseOrFinish("demo", kHelp, parseDemoArguments, args, arguments))
        return *finished;
    if (arguments.sessionPath.empty())
    {
        const std::string sessions = cli::defaultSessionsDirectory();
        arguments.sessionPath = (sessions.empty() ? std::string("deploy/sessions") : sessions) + "/demo.json";
    }

    // Before any thread exists: SIGINT/SIGTERM and SIGUSR1 are then only taken synchronously here.
    cli::TerminationSignals signals;
    sigset_t nextScenarioSignal;
    sigemptyset(&nextScenarioSignal);
    sigaddset(&nextScenarioSignal, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &nextScenarioSignal, nullptr);
    ::setenv("JACK_NO_START_SERVER", "1", 1);
    routeJackMessages([](const std::string& line) { say("jack: " + line); });

    std::vector<demo::TapRef> taps;
    try
    {
        const Session session = parseSessionFile(arguments.sessionPath);
        std::vector<std::string> unknown;
        taps = portsWanted(session, arguments.clientName, unknown);
        if (!unknown.empty())
        {
            std::string list;
            for (const std::string& u : unknown) list += (list.empty() ? "" : ", ") + u;
            throw std::runtime_error(arguments.sessionPath + ": the demo has no port " + list +
                                     " (its ports are <node>/<stage>/<n> of docs/DEMO.md)");
        }
        if (taps.empty())
            throw std::runtime_error(arguments.sessionPath + ": no tap reads a port of '" +
                                     arguments.clientName + "' (expected names like " + arguments.clientName +
                                     ":vocal/input/1)");
        say("session '" + session.name + "': " + std::to_string(taps.size()) + " ports");
    }
    catch (const SessionError& e)
    {
        for (const std::string& line : e.errors()) std::fprintf(stderr, "headroom demo: %s\n", line.c_str());
        return 1;
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "headroom demo: %s\n", e.what());
        return 1;
    }

    using Clock = std::chrono::steady_clock;
    const Clock::time_point end =
        Clock::now() +
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(arguments.durationSeconds));
    StdinLines input(arguments.readStdin);
    demo::Scenario scenario = arguments.scenario;
    announce(scenario);
    std::chrono::milliseconds retryDelay{500};
    std::string lastFailure;
    Clock::time_point nextAttempt = Clock::now();
    jack_client_t* client = nullptr;
    auto player = std::make_unique<Player>();

    const auto closeClient = [&]()
    {
        if (client == nullptr) return;
        jack_client_close(client);
        client = nullptr;
    };
    const auto openClient = [&]() -> bool
    {
        auto flags = static_cast<unsigned>(JackNoStartServer) | static_cast<unsigned>(JackUseExactName);
        if (!arguments.serverName.empty()) flags |= static_cast<unsigned>(JackServerName);
        jack_status_t status{};
        client =
            arguments.serverName.empty()
                ? jack_client_open(arguments.clientName.c_str(), static_cast<jack_options_t>(flags), &status)
                : jack_client_open(arguments.clientName.c_str(), static_cast<jack_options_t>(flags), &status,
                                   arguments.serverName.c_str());
        if (client == nullptr)
        {
            const std::string failure = "cannot open JACK client '" + arguments.clientName + "': status " +
                                        describeJackStatus(status) + "; retrying";
            if (failure != lastFailure) say(failure);
            lastFailure = failure;
            return false;
        }
        player = std::make_unique<Player>(); // a fresh one: the previous client is closed
        const uint32_t rate = jack_get_sample_rate(client);
        player->studio.prepare(rate, scenario, taps);
        player->buffers.assign(taps.size(), nullptr);
        for (const demo::TapRef& tap : taps)
        {
            const std::string name = demo::portShortName(tap);
            jack_port_t* port = jack_port_register(client, name.c_str(), JACK_DEFAULT_AUDIO_TYPE,
                                                   JackPortIsOutput | JackPortIsTerminal, 0);
            if (port == nullptr)
            {
                say("cannot register port '" + name + "'");
                closeClient();
                return false;
            }
            player->ports.push_back(port);
        }
        if (jack_set_process_callback(client, &onProcess, player.get()) != 0)
        {
            say("cannot set the process callback");
            closeClient();
            return false;
        }
        jack_on_info_shutdown(client, &onInfoShutdown, player.get());
        if (jack_activate(client) != 0)
        {
            say("cannot activate the JACK client");
            closeClient();
            return false;
        }
        forgetJackMessages();
        lastFailure.clear();
        retryDelay = std::chrono::milliseconds(500);
        say("playing " + std::to_string(taps.size()) + " ports as '" +
            std::string(jack_get_client_name(client)) + "' at " + std::to_string(rate) + " Hz");
        return true;
    };

    int exitCode = 0;
    for (;;)
    {
        if (const int signal = signals.wait(std::chrono::milliseconds(50)); signal != 0)
        {
            say(std::string("stopping on ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"));
            break;
        }
        if (arguments.durationSeconds > 0.0 && Clock::now() >= end) break;

        std::optional<demo::Scenario> wanted;
        timespec zero{0, 0};
        if (sigtimedwait(&nextScenarioSignal, nullptr, &zero) == SIGUSR1)
            wanted =
                static_cast<demo::Scenario>((static_cast<std::size_t>(scenario) + 1) % demo::kNumScenarios);
        for (const std::string& line : input.poll())
        {
            if (const auto s = scenarioFromLine(line))
                wanted = s;
            else
                say("unknown scenario '" + line + "': type one of " + std::string(demo::scenarioNames()) +
                    " or 1-6");
        }
        if (wanted && *wanted != scenario)
        {
            scenario = *wanted;
            player->studio.requestScenario(scenario);
            announce(scenario);
        }

        if (client != nullptr && player->serverGone.load(std::memory_order_acquire))
        {
            say("the JACK server went away; waiting for it to come back");
            closeClient();
            nextAttempt = Clock::now(); // a quick restart is picked up at once
        }
        if (client == nullptr && Clock::now() >= nextAttempt)
        {
            if (!openClient())
            {
                nextAttempt = Clock::now() + retryDelay;
                retryDelay = std::min(retryDelay * 2, std::chrono::milliseconds(5000));
            }
        }
    }
    if (client != nullptr)
    {
        jack_deactivate(client);
        closeClient();
    }
    return exitCode;
}

} // namespace headroom::server
