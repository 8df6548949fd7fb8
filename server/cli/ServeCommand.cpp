#include "server/cli/ServeCommand.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <unistd.h>

#include "server/audio/JackSupport.h"
#include "server/cli/CommandSupport.h"
#include "server/cli/ServeConfig.h"
#include "server/engine/LiveEngine.h"
#include "server/engine/SessionParser.h"
#include "server/engine/SessionPlanner.h"
#include "server/lab/RoomPublisher.h"
#include "server/net/NetServer.h"
#include "server/net/ProtocolAdapter.h"

namespace headroom::server
{
namespace
{
constexpr const char* kHelp =
    "Usage: headroom serve --session FILE [--jack-server NAME] [--client-name NAME] [--log FILE|-]\n"
    "                      [--listen ADDR:PORT] [--allow-host NAME]... [--allow-origin ORIGIN]...\n"
    "                      [--viewer-token TOKEN] [--control-token TOKEN] [--web-root DIR]\n"
    "                      [--tls-cert FILE --tls-key FILE] [--max-clients N]\n"
    "                      [--mqtt URL [--site NAME] [--room NAME] [--mqtt-username NAME]\n"
    "                       [--mqtt-ca-file FILE] [--dashboard-url URL]]\n"
    "       headroom serve --config FILE [OPTIONS]\n"
    "\n"
    "Meters a studio live: opens a JACK client with one input port per tapped channel of the session\n"
    "(named <node>/<stage>/<n>, e.g. vocal/pre_insert/1), connects each to the session's source port\n"
    "(and sources that appear later), meters every tap and computes the virtual bus inputs.\n"
    "Without a JACK server it keeps retrying (0.5 s to 5 s apart); when the server goes away or comes\n"
    "back at another sample rate or period size, it reconnects and restores its connections.\n"
    "\n"
    "Options:\n"
    "  --config FILE       read these settings from a JSON file (keys: session, listen, allow_hosts,\n"
    "                      allow_origins, viewer_token, control_token, jack_server, client_name, log,\n"
    "                      web_root, tls_cert, tls_key, max_clients; docs/NETWORK.md); options on the\n"
    "                      command line win. Keep tokens here, not on the command line\n"
    "  --session FILE      the session file (docs/SESSION.md)\n"
    "  --jack-server NAME  JACK server to use (default: $JACK_DEFAULT_SERVER or 'default');\n"
    "                      never starts a server\n"
    "  --client-name NAME  JACK client name (default headroom; must be free)\n"
    "  --log FILE|-        append one JSON line per node per second of audio (statistics: level,\n"
    "                      average, true peak, headroom, loudness, time in range, chain gain, bus sums)\n"
    "                      to FILE, or write them to standard output with -\n"
    "  --listen ADDR:PORT  HTTP and WebSocket address (default 127.0.0.1:8080; port 0: any free\n"
    "                      port, logged as 'listening on http://ADDR:PORT/'); [V6ADDR]:PORT for IPv6\n"
    "  --allow-host NAME   also answer requests whose Host is NAME (default: localhost, 127.0.0.1,\n"
    "                      [::1] and the listen address); others get 421 (repeatable)\n"
    "  --allow-origin ORIGIN  also accept WebSocket connections from pages of ORIGIN\n"
    "                      (e.g. http://studio.local:8080; default: the server's own origin)\n"
    "  --viewer-token TOKEN   token for the viewer role (or $HEADROOM_VIEWER_TOKEN); without it,\n"
    "                      clients on this machine may view without a token\n"
    "  --control-token TOKEN  token for the control role: reset peaks and loudness\n"
    "                      (or $HEADROOM_CONTROL_TOKEN). Browsers pass a token as the WebSocket\n"
    "                      subprotocol headroom.token.TOKEN next to headroom.v1\n"
    "  --web-root DIR      the dashboard's files (default: the installed share/headroom/web, else\n"
    "                      the source tree's web/)\n"
    "  --tls-cert FILE     with --tls-key: serve HTTPS and WSS (and no plaintext) on --listen;\n"
    "                      FILE is the PEM certificate chain, leaf first. TLS 1.2 and 1.3 only,\n"
    "                      ECDHE with AES-GCM or ChaCha20 (docs/NETWORK.md, TLS)\n"
    "  --tls-key FILE      the certificate's PEM private key, unencrypted (keep it mode 0600)\n"
    "  --max-clients N     WebSocket clients at once (default 256); 32 more connections stay for\n"
    "                      plain HTTP (the dashboard's files, /metrics, health checks)\n"
    "  --mqtt URL          lab mode (docs/LAB.md): publish this room's summary (2 Hz), topology and\n"
    "                      status to the MQTT broker at URL (mqtt://HOST[:1883] or mqtts://HOST[:8883])\n"
    "                      and take lab exercise commands from it; the dashboard works without it\n"
    "  --site NAME         the lab's site name in the topics (default lab)\n"
    "  --room NAME         this room's name (default: the host name)\n"
    "  --mqtt-username NAME  broker user; the password comes from the config (mqtt.password) or\n"
    "                      $HEADROOM_MQTT_PASSWORD\n"
    "  --mqtt-ca-file FILE the broker's CA certificate (PEM) for mqtts:// (default: the system's CAs)\n"
    "  --dashboard-url URL this room's dashboard as the lab overview links it (default from --listen)\n"
    "  -h, --help          show this help\n"
    "\n"
    "Events (connections, JACK status, warnings) are logged on standard error.\n"
    "SIGINT or SIGTERM stops it cleanly: our ports disappear, the last log lines are written.\n"
    "SIGHUP reads the config and the session again: a broken edit is refused (logged) and nothing\n"
    "changes; a good one reconnects every dashboard (close code 1012) to the new session, same address.\n"
    "Exit status: 0 stopped by a signal; 1 the config, the session, the log, the address or the TLS files\n"
    "cannot be used; 2 usage error.\n";

void say(std::string_view line)
{
    cli::logLine("serve", line);
}

std::string hostName()
{
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return "headroom";
    return name;
}

// The lab's room publisher (docs/LAB.md), from --mqtt and friends.
std::unique_ptr<lab::RoomPublisher> makeRoomPublisher(const ServeArguments& arguments, const Session& session,
                                                      EngineFeed& engine, uint16_t port, const std::string& host)
{
    lab::RoomPublisherOptions options;
    options.mqtt.url = arguments.mqttUrl;
    options.mqtt.username = arguments.mqttUsername;
    options.mqtt.password = cli::envOr(arguments.mqttPassword, "HEADROOM_MQTT_PASSWORD");
    options.mqtt.caFile = arguments.mqttCaFile;
    options.mqtt.certFile = arguments.mqttCertFile;
    options.mqtt.keyFile = arguments.mqttKeyFile;
    options.site = arguments.mqttSite;
    options.room = arguments.mqttRoom.empty() ? host : arguments.mqttRoom;
    const bool anyAddress = arguments.listenAddress == "0.0.0.0" || arguments.listenAddress == "::";
    const std::string address = anyAddress ? host
                                : arguments.listenAddress.find(':') != std::string::npos ? "[" + arguments.listenAddress + "]"
                                                                                          : arguments.listenAddress;
    options.dashboardUrl = !arguments.dashboardUrl.empty()
                               ? arguments.dashboardUrl
                               : (arguments.tlsCertFile.empty() ? "http://" : "https://") + address + ":" +
                                     std::to_string(port) + "/";
    options.sessionName = session.name;
    for (const PlannedTap& tap : engine.meterPlan().taps)
        if (std::none_of(options.nodes.begin(), options.nodes.end(), [&](const auto& n) { return n.id == tap.nodeId; }))
            options.nodes.push_back({tap.nodeId, std::string(toString(tap.nodeKind)), tap.nodeId});
    auto publisher =
        std::make_unique<lab::RoomPublisher>(std::move(options), engine, [](std::string_view line) { say(line); });
    say("lab: publishing room '" + arguments.mqttSite + "/" + (arguments.mqttRoom.empty() ? host : arguments.mqttRoom) +
        "' to " + arguments.mqttUrl);
    return publisher;
}
} // namespace

void parseListen(const std::string& text, std::string& address, uint16_t& port)
{
    const std::size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
        throw cli::CommandUsageError("--listen: expected ADDR:PORT, got '" + text + "'");
    std::string host = text.substr(0, colon);
    if (host.front() == '[')
    {
        if (host.back() != ']' || host.size() < 3)
            throw cli::CommandUsageError("--listen: expected [V6ADDR]:PORT, got '" + text + "'");
        host = host.substr(1, host.size() - 2);
    }
    else if (host.find(':') != std::string::npos)
    {
        throw cli::CommandUsageError("--listen: write an IPv6 address in brackets, [V6ADDR]:PORT");
    }
    const std::string digits = text.substr(colon + 1);
    if (digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(digits) > 65535)
        throw cli::CommandUsageError("--listen: port must be 0..65535, got '" + digits + "'");
    address = host;
    port = static_cast<uint16_t>(std::stoul(digits));
}

ServeArguments parseServeArguments(std::span<const std::string> args)
{
    ServeArguments parsed;
    const auto remember = [&parsed](const char* option) {
        parsed.givenOptions.emplace_back(option);
        return true;
    };
    for (cli::ArgumentReader reader(args); !reader.done(); reader.next())
    {
        if (reader.is("--help") || reader.is("-h"))
            parsed.help = true;
        else if (reader.is("--config"))
            parsed.configPath = reader.value("--config");
        else if (reader.is("--max-clients") && remember("--max-clients"))
        {
            const std::string value = reader.value("--max-clients");
            if (value.empty() || value.size() > 5 || value.find_first_not_of("0123456789") != std::string::npos ||
                std::stoll(value) < 1 || std::stoll(value) > kMaxClientsLimit)
                throw cli::CommandUsageError("--max-clients: expected 1.." + std::to_string(kMaxClientsLimit) +
                                             ", got '" + value + "'");
            parsed.maxClients = static_cast<std::size_t>(std::stoll(value));
        }
        else if (reader.is("--session") && remember("--session"))
            parsed.sessionPath = reader.value("--session");
        else if (reader.is("--jack-server") && remember("--jack-server"))
            parsed.serverName = reader.value("--jack-server");
        else if (reader.is("--client-name") && remember("--client-name"))
            parsed.clientName = reader.value("--client-name");
        else if (reader.is("--log") && remember("--log"))
            parsed.logPath = reader.value("--log");
        else if (reader.is("--listen") && remember("--listen"))
            parseListen(reader.value("--listen"), parsed.listenAddress, parsed.listenPort);
        else if (reader.is("--allow-host") && remember("--allow-host"))
            parsed.allowedHosts.push_back(reader.value("--allow-host"));
        else if (reader.is("--allow-origin") && remember("--allow-origin"))
            parsed.allowedOrigins.push_back(reader.value("--allow-origin"));
        else if (reader.is("--viewer-token") && remember("--viewer-token"))
            parsed.viewerToken = reader.value("--viewer-token");
        else if (reader.is("--control-token") && remember("--control-token"))
            parsed.controlToken = reader.value("--control-token");
        else if (reader.is("--web-root") && remember("--web-root"))
            parsed.webRoot = reader.value("--web-root");
        else if (reader.is("--tls-cert") && remember("--tls-cert"))
            parsed.tlsCertFile = reader.value("--tls-cert");
        else if (reader.is("--tls-key") && remember("--tls-key"))
            parsed.tlsKeyFile = reader.value("--tls-key");
        else if (reader.is("--mqtt") && remember("--mqtt"))
            parsed.mqttUrl = reader.value("--mqtt");
        else if (reader.is("--site") && remember("--site"))
            parsed.mqttSite = reader.value("--site");
        else if (reader.is("--room") && remember("--room"))
            parsed.mqttRoom = reader.value("--room");
        else if (reader.is("--mqtt-username") && remember("--mqtt-username"))
            parsed.mqttUsername = reader.value("--mqtt-username");
        else if (reader.is("--mqtt-ca-file") && remember("--mqtt-ca-file"))
            parsed.mqttCaFile = reader.value("--mqtt-ca-file");
        else if (reader.is("--dashboard-url") && remember("--dashboard-url"))
            parsed.dashboardUrl = reader.value("--dashboard-url");
        else
            throw cli::CommandUsageError("unknown option '" + reader.current() + "'");
    }
    if (parsed.help) return parsed;
    if (parsed.sessionPath.empty() && parsed.configPath.empty())
        throw cli::CommandUsageError("--session FILE is required (or --config FILE naming it)");
    if (parsed.logPath.empty() && std::find(args.begin(), args.end(), "--log") != args.end())
        throw cli::CommandUsageError("--log needs FILE or -");
    if (parsed.configPath.empty())
        if (const std::string problem = checkServeArguments(parsed); !problem.empty())
            throw cli::CommandUsageError(problem);
    return parsed;
}

std::string checkServeArguments(const ServeArguments& arguments)
{
    if (arguments.sessionPath.empty()) return "no session: give --session FILE or \"session\" in the config";
    if (arguments.clientName.empty()) return "--client-name must not be empty";
    if (arguments.tlsCertFile.empty() != arguments.tlsKeyFile.empty())
        return "--tls-cert and --tls-key go together (TLS needs both)";
    for (const std::string* token : {&arguments.viewerToken, &arguments.controlToken})
        if (token->find_first_of(" ,\t\r\n") != std::string::npos)
            return "tokens may not contain spaces or commas (they travel as a subprotocol)";
    return {};
}

namespace
{
// The config and the session as read from their files, checked and planned: at start, and again
// on SIGHUP before anything that runs is touched.
struct ServeSetup
{
    ServeArguments arguments; // the command line with the config merged in
    Session session;
    LivePlan live;
    std::vector<std::string> warnings; // the config's and the planner's
};

// Everything that is wrong with the files, a line each, each naming its file (and JSON pointer).
struct SetupError
{
    std::vector<std::string> lines;
};

ServeSetup readServeSetup(const ServeArguments& commandLine)
{
    ServeSetup setup;
    setup.arguments = commandLine;
    if (!commandLine.configPath.empty())
    {
        const cli::ServeConfigResult config = cli::applyServeConfig(commandLine.configPath, setup.arguments);
        if (!config.errors.empty()) throw SetupError{config.errors};
        for (const std::string& line : config.warnings) setup.warnings.push_back("warning: " + line);
        if (const std::string problem = checkServeArguments(setup.arguments); !problem.empty())
            throw SetupError{{commandLine.configPath + ": " + problem}};
    }
    try
    {
        setup.session = parseSessionFile(setup.arguments.sessionPath);
        setup.live = planLiveSession(setup.session, setup.arguments.clientName);
    }
    catch (const SessionError& e)
    {
        throw SetupError{e.errors()};
    }
    catch (const std::exception& e)
    {
        throw SetupError{{e.what()}};
    }
    setup.warnings.insert(setup.warnings.end(), setup.live.warnings.begin(), setup.live.warnings.end());
    return setup;
}

constexpr int kReload = -1;

// Serves one setup until a signal. SIGINT/SIGTERM: returns 0. SIGHUP: the files are read again on
// the network thread; if they are fine (`next`), everything is stopped and kReload returned, else
// the refusal is logged and serving goes on untouched. `port` keeps a port 0 chose across reloads.
int serveSetup(const ServeArguments& commandLine, ServeSetup setup, uint16_t& port, std::optional<ServeSetup>& next)
{
    const ServeArguments& arguments = setup.arguments;
    for (const std::string& warning : setup.warnings) say(warning);
    std::unique_ptr<LiveEngine> engine;
    std::unique_ptr<net::NetServer> server;
    std::unique_ptr<lab::RoomPublisher> publisher;
    try
    {
        const Session& session = setup.session;
        LivePlan& live = setup.live;
        say("session '" + session.name + "': " + std::to_string(live.plan.taps.size()) + " taps, " +
            std::to_string(live.ports.size()) + " JACK ports, " + std::to_string(live.plan.numChannels) +
            " meter channels");
        proto::Hello hello = net::makeHelloTemplate(live.plan, &session, hostName());

        LiveEngineOptions options;
        options.jack.serverName = arguments.serverName;
        options.jack.clientName = arguments.clientName;
        options.jack.log = [](const std::string& line) { say("jack: " + line); };
        options.statisticsLogPath = arguments.logPath;
        options.worker.stallAfterSeconds = 1.0;
        options.session = std::make_shared<const Session>(session); // the gain-staging advisor's
        engine = std::make_unique<LiveEngine>(std::move(live), std::move(options));

        net::NetOptions netOptions;
        netOptions.listenAddress = arguments.listenAddress;
        netOptions.listenPort = arguments.listenPort == 0 ? port : arguments.listenPort;
        netOptions.allowedHosts = arguments.allowedHosts;
        netOptions.allowedOrigins = arguments.allowedOrigins;
        netOptions.viewerToken = cli::envOr(arguments.viewerToken, "HEADROOM_VIEWER_TOKEN");
        netOptions.controlToken = cli::envOr(arguments.controlToken, "HEADROOM_CONTROL_TOKEN");
        netOptions.webRoot = arguments.webRoot.empty() ? cli::defaultWebRoot() : arguments.webRoot;
        netOptions.tlsCertFile = arguments.tlsCertFile;
        netOptions.tlsKeyFile = arguments.tlsKeyFile;
        netOptions.maxWebSocketClients = arguments.maxClients;
        netOptions.maxConnections = arguments.maxClients + net::kReservedHttpConnections;
        if (!arguments.webRoot.empty() && !std::filesystem::is_directory(arguments.webRoot))
            throw std::runtime_error("--web-root " + arguments.webRoot + " is not a directory");
        server = std::make_unique<net::NetServer>(std::move(netOptions), *engine, std::move(hello),
                                                  [](std::string_view line) { say(line); });
        server->open(); // binds and registers with the engine: before the engine starts
        port = server->port();
        say("web root: " + (server->staticFileCount() > 0 ? std::to_string(server->staticFileCount()) + " files"
                                                            : std::string("none (API and WebSocket only)")) +
            "; viewer token " + (cli::envOr(arguments.viewerToken, "HEADROOM_VIEWER_TOKEN").empty() ? "off" : "on") +
            ", control token " + (cli::envOr(arguments.controlToken, "HEADROOM_CONTROL_TOKEN").empty() ? "off" : "on"));
        if (!arguments.mqttUrl.empty())
            publisher = makeRoomPublisher(arguments, session, *engine, server->port(), hostName());
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "headroom serve: %s\n", e.what());
        return 1;
    }
    server->setReloadCheck([&commandLine, &next, name = setup.session.name]
    {
        try
        {
            next = readServeSetup(commandLine);
            say("reload: the files read fine (session '" + next->session.name +
                "'); restarting the engine and the server on the same address");
            return true;
        }
        catch (const SetupError& e)
        {
            for (const std::string& line : e.lines) say("reload refused: " + line);
            say("reload refused: still serving session '" + name + "' as it was");
            return false;
        }
    });

    engine->start();
    if (publisher) publisher->start();
    // The network runs on this thread; SIGINT/SIGTERM (blocked in every other thread) start its
    // graceful shutdown: no more connections, every WebSocket closed with 1001 (1012 for a reload).
    // Then JACK is deactivated and closed, and the worker drains and writes its last log lines.
    const int signal = server->run(/*handleSignals=*/true);
    if (publisher) publisher->stop(); // "offline" (retained) before the engine goes
    engine->stop();
    const JackMeterClientStatus status = engine->jackStatus();
    say("stopped: " + std::to_string(status.cycles) + " process cycles, " + std::to_string(status.xruns) +
        " xruns, " + std::to_string(status.connections) + " connections to JACK");
    server.reset();
    return signal == SIGHUP ? kReload : 0;
}
} // namespace

int runServeCommand(std::span<const std::string> args)
{
    ServeArguments commandLine;
    if (const auto finished = cli::parseOrFinish("serve", kHelp, parseServeArguments, args, commandLine))
        return *finished;
    std::optional<ServeSetup> setup;
    try
    {
        setup = readServeSetup(commandLine);
    }
    catch (const SetupError& e)
    {
        for (const std::string& line : e.lines) std::fprintf(stderr, "headroom serve: %s\n", line.c_str());
        return 1;
    }

    // Before any thread exists: SIGINT/SIGTERM/SIGHUP stay blocked in every thread libjack and the
    // worker start, across reloads too; the network thread (this one) unblocks them for its
    // net::signal_set.
    cli::TerminationSignals signals(/*alsoHangup=*/true);
    ::setenv("JACK_NO_START_SERVER", "1", 1); // belt and braces with JackNoStartServer
    routeJackMessages([](const std::string& line) { say("jack: " + line); });

    uint16_t port = 0;
    for (;;)
    {
        std::optional<ServeSetup> next;
        const int result = serveSetup(commandLine, std::move(*setup), port, next);
        if (result != kReload || !next) return result;
        setup = std::move(next);
    }
}

} // namespace headroom::server
