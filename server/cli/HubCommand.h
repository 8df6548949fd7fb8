#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

// `headroom hub --mqtt URL`: the lab overview (docs/LAB.md, server/lab/LabServer.h). Every room
// publishing to the broker is a tile on one page; the instructor (control role) runs the
// exercises from it; results export as CSV.
// Exit codes: 0 stopped by SIGINT/SIGTERM; 1 the address, the web root or the MQTT settings
// cannot be used; 2 usage error.
namespace headroom::server
{

struct HubArguments
{
    bool help = false;
    std::string mqttUrl;
    std::string site = "+";
    std::string mqttUsername;
    std::string mqttCaFile;
    std::string listenAddress = "127.0.0.1";
    uint16_t listenPort = 8090;
    std::vector<std::string> allowedHosts;
    std::vector<std::string> allowedOrigins;
    std::string viewerToken;
    std::string controlToken;
    std::string webRoot;
    std::size_t maxClients = 256;
};

[[nodiscard]] HubArguments parseHubArguments(std::span<const std::string> args);
int runHubCommand(std::span<const std::string> args);

} // namespace headroom::server
