#include "server/cli/HubCommand.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>

#include "proto/RoomSummary.h"
#include "server/cli/CommandSupport.h"
#include "server/cli/ServeCommand.h"
#include "server/lab/LabServer.h"

namespace headroom::server
{
namespace
{
constexpr const char* kHelp =
    "Usage: headroom hub --mqtt URL [--site NAME] [--listen ADDR:PORT] [--allow-host NAME]...\n"
    "                    [--allow-origin ORIGIN]... [--viewer-token TOKEN] [--control-token TOKEN]\n"
    "                    [--mqtt-username NAME] [--mqtt-ca-file FILE] [--web-root DIR] [--max-clients N]\n"
    "\n"
    "The lab overview (docs/LAB.md): subscribes to every room that `headroom serve --mqtt` publishes\n"
    "to the broker at URL and serves one page with every room as a tile (live/offline, worst\n"
    "advisory, master loudness and true peak, headroom, exercise progress), each linking to the\n"
    "room's own dashboard. With the control token the instructor starts, stops and resets the lab\n"
    "exercises in one room or all rooms; /api/v1/results.csv exports the results.\n"
    "\n"
    "Options:\n"
    "  --mqtt URL          the broker: mqtt://HOST[:1883] or mqtts://HOST[:8883] (required)\n"
    "  --site NAME         show only this site's rooms (default: every site)\n"
    "  --listen ADDR:PORT  HTTP and WebSocket address (default 127.0.0.1:8090; port 0: any free port)\n"
    "  --allow-host NAME   also answer requests whose Host is NAME (repeatable)\n"
    "  --allow-origin ORIGIN  also accept WebSocket connections from pages of ORIGIN (repeatable)\n"
    "  --viewer-token TOKEN   token for the viewer role (or $HEADROOM_VIEWER_TOKEN); without it,\n"
    "                      clients on this machine may view without a token\n"
    "  --control-token TOKEN  token for the control role: run the exercises (or $HEADROOM_CONTROL_TOKEN)\n"
    "  --mqtt-username NAME   broker user; password from $HEADROOM_MQTT_PASSWORD\n"
    "  --mqtt-ca-file FILE the broker's CA certificate (PEM) for mqtts://\n"
    "  --web-root DIR      the pages (default: the installed share/headroom/web, else the source web/)\n"
    "  --max-clients N     overview WebSocket clients at once (default 256)\n"
    "  -h, --help          show this help\n";

void say(std::string_view line)
{
    cli::logLine("hub", line);
}

} // namespace

HubArguments parseHubArguments(std::span<const std::string> args)
{
    HubArguments parsed;
    for (cli::ArgumentReader reader(args); !reader.done(); reader.next())
    {
        if (reader.is("--help") || reader.is("-h"))
            parsed.help = true;
        else if (reader.is("--mqtt"))
            parsed.mqttUrl = reader.value("--mqtt");
        else if (reader.is("--site"))
            parsed.site = reader.value("--site");
        else if (reader.is("--listen"))
            parseListen(reader.value("--listen"), parsed.listenAddress, parsed.listenPort);
        else if (reader.is("--allow-host"))
            parsed.allowedHosts.push_back(reader.value("--allow-host"));
        else if (reader.is("--allow-origin"))
            parsed.allowedOrigins.push_back(reader.value("--allow-origin"));
        else if (reader.is("--viewer-token"))
            parsed.viewerToken = reader.value("--viewer-token");
        else if (reader.is("--control-token"))
            parsed.controlToken = reader.value("--control-token");
        else if (reader.is("--mqtt-username"))
            parsed.mqttUsername = reader.value("--mqtt-username");
        else if (reader.is("--mqtt-ca-file"))
            parsed.mqttCaFile = reader.value("--mqtt-ca-file");
        else if (reader.is("--web-root"))
            parsed.webRoot = reader.value("--web-root");
        else if (reader.is("--max-clients"))
        {
            const std::string value = reader.value("--max-clients");
            if (value.empty() || value.size() > 5 || value.find_first_not_of("0123456789") != std::string::npos ||
                std::stoll(value) < 1 || std::stoll(value) > kMaxClientsLimit)
                throw cli::CommandUsageError("--max-clients: expected 1.." + std::to_string(kMaxClientsLimit));
            parsed.maxClients = static_cast<std::size_t>(std::stoll(value));
        }
        else
            throw cli::CommandUsageError("unknown option '" + reader.current() + "'");
    }
    if (parsed.help) return parsed;
    if (parsed.mqttUrl.empty()) throw cli::CommandUsageError("--mqtt URL is required");
    if (parsed.site != "+" && !proto::lab::validRoomName(parsed.site))
        throw cli::CommandUsageError("--site: 1..64 of letters, digits, '_', '-', '.'");
    for (const std::string* token : {&parsed.viewerToken, &parsed.controlToken})
        if (token->find_first_of(" ,\t\r\n") != std::string::npos)
            throw cli::CommandUsageError("tokens may not contain spaces or commas (they travel as a subprotocol)");
    return parsed;
}

int runHubCommand(std::span<const std::string> args)
{
    HubArguments arguments;
    if (const auto finished = cli::parseOrFinish("hub", kHelp, parseHubArguments, args, arguments)) return *finished;
    cli::TerminationSignals signals; // before any thread: only the network thread takes SIGINT/SIGTERM
    std::unique_ptr<lab::LabServer> server;
    try
    {
        lab::LabServerOptions options;
        options.net.listenAddress = arguments.listenAddress;
        options.net.listenPort = arguments.listenPort;
        options.net.allowedHosts = arguments.allowedHosts;
        options.net.allowedOrigins = arguments.allowedOrigins;
        options.net.viewerToken = cli::envOr(arguments.viewerToken, "HEADROOM_VIEWER_TOKEN");
        options.net.controlToken = cli::envOr(arguments.controlToken, "HEADROOM_CONTROL_TOKEN");
        options.net.webRoot = arguments.webRoot.empty() ? cli::defaultWebRoot() : arguments.webRoot;
        options.net.maxWebSocketClients = arguments.maxClients;
        options.net.maxConnections = arguments.maxClients + net::kReservedHttpConnections;
        if (!arguments.webRoot.empty() && !std::filesystem::is_directory(arguments.webRoot))
            throw std::runtime_error("--web-root " + arguments.webRoot + " is not a directory");
        options.mqtt.url = arguments.mqttUrl;
        options.mqtt.username = arguments.mqttUsername;
        options.mqtt.password = cli::envOr({}, "HEADROOM_MQTT_PASSWORD");
        options.mqtt.caFile = arguments.mqttCaFile;
        options.site = arguments.site;
        server = std::make_unique<lab::LabServer>(std::move(options), [](std::string_view line) { say(line); });
        server->open();
        say("web root: " + std::to_string(server->staticFileCount()) + " files; broker " + arguments.mqttUrl +
            "; site " + (arguments.site == "+" ? std::string("every site") : arguments.site));
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "headroom hub: %s\n", e.what());
        return 1;
    }
    server->run(/*handleSignals=*/true);
    say("stopped");
    return 0;
}

} // namespace headroom::server
