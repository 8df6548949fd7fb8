#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "proto/ServerMessages.h"
#include "server/engine/EngineFeed.h"
#include "server/net/AccessPolicy.h"
#include "server/net/NetMetrics.h"
#include "server/net/NetOptions.h"
#include "server/net/StaticFiles.h"

// What every connection of one server shares: settings, the access policy, the static files, the
// counters, the engine and the hub. Owned by NetServer, which outlives every session (sessions keep
// a reference). Threads: built at [setup]; afterwards read-only except the atomics; all sessions and
// the hub run on the one network thread ([net]).
namespace headroom::server::net
{

class Hub;

using LogFunction = std::function<void(std::string_view)>;

struct ServerContext
{
    ServerContext(NetOptions o, EngineFeed& e, proto::Hello hello, LogFunction logFunction)
        : options(std::move(o)), policy(options), files(StaticFiles::load(options.webRoot)), engine(e),
          helloTemplate(std::move(hello)), log(std::move(logFunction))
    {
    }

    const NetOptions options;
    const AccessPolicy policy;
    const StaticFiles files;
    NetCounters counters;
    EngineFeed& engine;
    const proto::Hello helloTemplate; // topology and names; role, time and rates are filled per connection
    const LogFunction log;
    Hub* hub = nullptr;              // set by NetServer before the first accept
    std::atomic<bool> shuttingDown{false};
};

// One open TCP connection counted in NetCounters::httpConnections, handed from the HTTP session to
// the WebSocket session on upgrade (move-only, RAII). [net]
class ConnectionSlot
{
public:
    ConnectionSlot() = default;
    explicit ConnectionSlot(NetCounters& counters) : counters_(&counters)
    {
        counters_->httpConnections.fetch_add(1, std::memory_order_relaxed);
    }
    ConnectionSlot(ConnectionSlot&& other) noexcept : counters_(std::exchange(other.counters_, nullptr)) {}
    ConnectionSlot& operator=(ConnectionSlot&& other) noexcept
    {
        if (this != &other)
        {
            release();
            counters_ = std::exchange(other.counters_, nullptr);
        }
        return *this;
    }
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ~ConnectionSlot() { release(); }

private:
    void release() noexcept
    {
        if (counters_ != nullptr) counters_->httpConnections.fetch_sub(1, std::memory_order_relaxed);
        counters_ = nullptr;
    }
    NetCounters* counters_ = nullptr;
};

} // namespace headroom::server::net
