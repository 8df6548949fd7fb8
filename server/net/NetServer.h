#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "proto/ServerMessages.h"
#include "server/engine/EngineFeed.h"
#include "server/net/NetMetrics.h"
#include "server/net/NetOptions.h"
#include "server/net/ServerContext.h"

// The streaming server of `headroom serve`: one io_context run by ONE network thread (every
// session, the listener and the hub's client list live on it, so they need no strands or locks),
// fed by the engine's worker through the Hub. No Beast in this header: ServeCommand and the tests
// include it cheaply.
//
// Lifecycle: construct, open() (binds; sets the engine's listeners: call it before the engine
// starts), run() on the thread that is to be the network thread, shutdown() from anywhere (or
// SIGINT/SIGTERM when run(handleSignals=true)): stop accepting, close every WebSocket with 1001,
// give them up to shutdownGrace to finish the close handshake, stop the io_context; run() returns.
// Then stop the engine (the hub is already detached from it), then destroy the server.
// With a reload check, SIGHUP asks it; when it agrees the same shutdown runs with 1012 (the
// session is being reloaded: clients reconnect) and run() returns SIGHUP; when it refuses, serving
// goes on untouched.
//
// Threads: constructor, open, run are [setup] (the controlling thread); shutdown, port, counters [any].
namespace headroom::server::net
{

class NetServer
{
public:
    NetServer(NetOptions options, EngineFeed& engine, proto::Hello helloTemplate, LogFunction log);
    ~NetServer();
    NetServer(const NetServer&) = delete;
    NetServer& operator=(const NetServer&) = delete;

    // [setup] Load the TLS certificate and key if configured (throws std::runtime_error naming the
    // file), bind and listen (throws std::runtime_error naming the address); logs
    // "listening on http://ADDR:PORT/" (https:// with TLS); registers the hub with the engine.
    void open();
    // [any] The bound port (after open()).
    [[nodiscard]] uint16_t port() const noexcept;

    // [setup] Before run(): on SIGHUP (with handleSignals), `check` runs on the network thread;
    // true starts the shutdown for a reload (1012), false keeps serving (it logs why itself).
    void setReloadCheck(std::function<bool()> check);

    // [setup] Serve on the calling thread until the shutdown completes. With handleSignals, SIGINT
    // and SIGTERM start it (a net::signal_set; the signals are unblocked on this thread only, so
    // they never interrupt JACK's or the worker's threads), and SIGHUP asks the reload check.
    // Returns the signal, or 0.
    int run(bool handleSignals);
    // [any] Start the graceful shutdown (idempotent).
    void shutdown();

    [[nodiscard]] const NetCounters& counters() const noexcept;
    // [any] How many static files were found at open().
    [[nodiscard]] std::size_t staticFileCount() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace headroom::server::net
