#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "server/lab/MqttClient.h"
#include "server/net/NetOptions.h"

// `headroom hub`: the lab overview (docs/LAB.md). Subscribes to every room of the broker
// (headroom/v1/<site>/+/#), keeps the rooms' tiles (LabRooms) and serves, on one network thread:
//   /            the overview page (web/lab.html)
//   /ws          WebSocket: the room tiles as they arrive (one JSON text per update); control-role
//                clients start/stop/reset exercises in one room or all rooms (sent over MQTT)
//   /api/v1/snapshot     every tile as JSON;  /api/v1/results.csv  the exercise results (CSV)
//   /livez /readyz /metrics
// The same access rules as `serve` (server/net/AccessPolicy + routeRequest: Host allow-list,
// Origin check, viewer/control tokens as the subprotocol headroom.token.<T>; HTTP API calls carry
// the token as "Authorization: Bearer <T>"). Plain HTTP only: put a TLS-terminating proxy in
// front for other networks (docs/LAB.md). Threads: [setup] construct/open/run; shutdown [any].
namespace headroom::server::lab
{

struct LabServerOptions
{
    net::NetOptions net;
    MqttSettings mqtt;
    std::string site = "+"; // the site to show; "+" every site on the broker
};

class LabServer
{
public:
    using LogFunction = std::function<void(std::string_view)>;

    LabServer(LabServerOptions options, LogFunction log);
    ~LabServer();
    LabServer(const LabServer&) = delete;
    LabServer& operator=(const LabServer&) = delete;

    void open();                            // [setup] binds (throws std::runtime_error); connects to the broker
    [[nodiscard]] uint16_t port() const noexcept;
    void run(bool handleSignals);           // [setup] until shutdown() or SIGINT/SIGTERM
    void shutdown();                        // [any]
    [[nodiscard]] std::size_t staticFileCount() const noexcept;

    struct Impl; // LabServer.cpp: the sessions use it too

private:
    std::shared_ptr<Impl> impl_;
};

} // namespace headroom::server::lab
