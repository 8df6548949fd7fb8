#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

// `headroom serve --session FILE`: the live engine. Reads the session, opens a JACK client with one
// input port per tapped channel ("<node>/<stage>/<n>"), connects each to its source (and sources
// that appear later), meters every tap on the RT thread and computes the virtual buses; writes one
// JSON line per node per second of audio to --log. Starts without a JACK server and keeps trying;
// survives the server going away and coming back (at another rate or period size too).
// Serves the dashboard, the WebSocket stream (hello, binary meter frames, statistics, commands),
// /livez /readyz /metrics and /api/v1/snapshot on --listen (server/net/, docs/NETWORK.md); with
// --tls-cert/--tls-key, as HTTPS and WSS only (TLS 1.2+).
// SIGINT/SIGTERM: stop accepting, close every WebSocket with 1001, then deactivate and close JACK
// (our ports disappear), stop the worker (last log lines), exit 0.
//
// Exit codes: 0 stopped by SIGINT/SIGTERM; 1 the session or the log cannot be used; 2 usage error.
namespace headroom::server
{

// Most WebSocket clients `--max-clients` may allow.
inline constexpr long long kMaxClientsLimit = 4096;

struct ServeArguments
{
    bool help = false;
    std::string configPath;               // --config FILE (ServeConfig.h); the command line wins over it
    std::vector<std::string> givenOptions; // the options the command line gave ("--listen", ...)
    std::string sessionPath;             // --session (required, here or in the config)
    std::string serverName;              // --jack-server; empty: $JACK_DEFAULT_SERVER or "default"
    std::string clientName = "headroom"; // --client-name
    std::string logPath;                 // --log FILE|-; empty: no statistics log
    std::string listenAddress = "127.0.0.1"; // --listen ADDR:PORT (default 127.0.0.1:8080)
    uint16_t listenPort = 8080;
    std::vector<std::string> allowedHosts;   // --allow-host NAME (repeatable)
    std::vector<std::string> allowedOrigins; // --allow-origin ORIGIN (repeatable)
    std::string viewerToken;                 // --viewer-token or $HEADROOM_VIEWER_TOKEN (never logged)
    std::string controlToken;                // --control-token or $HEADROOM_CONTROL_TOKEN (never logged)
    std::string webRoot;                     // --web-root DIR; empty: the installed or source web/
    std::string tlsCertFile;                 // --tls-cert FILE (with --tls-key): HTTPS/WSS only
    std::string tlsKeyFile;                  // --tls-key FILE
    std::size_t maxClients = 256;            // --max-clients N: WebSocket clients (HTTP keeps 32 more slots)
    // The lab (docs/LAB.md): publish this room's summary to an MQTT broker. Empty url: off.
    std::string mqttUrl;          // --mqtt URL (mqtt://host:1883, mqtts://host:8883)
    std::string mqttSite = "lab"; // --site NAME
    std::string mqttRoom;         // --room NAME; empty: the host name
    std::string mqttUsername;     // --mqtt-username
    std::string mqttPassword;     // config "mqtt.password" or $HEADROOM_MQTT_PASSWORD (never on the command line)
    std::string mqttCaFile;       // --mqtt-ca-file FILE (mqtts)
    std::string mqttCertFile;     // config "mqtt.cert_file" (client certificate, mqtts)
    std::string mqttKeyFile;      // config "mqtt.key_file"
    std::string dashboardUrl;     // --dashboard-url URL: the link on the hub's tile; empty: from --listen
};

// [setup] "ADDR:PORT" or "[V6ADDR]:PORT" (port 0: any free port). Throws cli::CommandUsageError.
void parseListen(const std::string& text, std::string& address, uint16_t& port);

// [setup] Parse the arguments after `serve`. Throws cli::CommandUsageError. Settings that may come
// from a config file are checked later (checkServeArguments).
[[nodiscard]] ServeArguments parseServeArguments(std::span<const std::string> args);

// [setup] What must hold once the config file is merged in; "" when fine, else the problem.
[[nodiscard]] std::string checkServeArguments(const ServeArguments& arguments);

// [setup] Run `headroom serve`; returns the exit code when stopped.
int runServeCommand(std::span<const std::string> args);

} // namespace headroom::server
