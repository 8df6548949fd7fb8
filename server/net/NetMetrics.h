#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "server/engine/EngineFeed.h"

// The network's counters and the two texts built from them at request time: /metrics (Prometheus
// text format 0.0.4: HELP and TYPE lines, `_total` counters, no timestamps) and /readyz (the checks,
// one per line with ?verbose). Built synchronously at scrape time from atomics and the engine's
// [any] accessors; nothing touches the real-time thread.
//
// Threads: counters are [any] (relaxed atomics); render functions are [any].
namespace headroom::server::net
{

struct NetCounters
{
    std::atomic<int64_t> wsClients{0};            // open WebSocket sessions (gauge)
    std::atomic<int64_t> httpConnections{0};      // open connections, HTTP and WebSocket (gauge)
    std::atomic<uint64_t> framesSent{0};          // meter frames written to clients
    std::atomic<uint64_t> framesMerged{0};        // frames folded into a pending slot (slow client)
    std::atomic<uint64_t> framesDropped{0};       // frames never sent (stats replaced, client closing)
    std::atomic<uint64_t> statsSent{0};           // statistics messages written
    std::atomic<uint64_t> rateDowngrades{0};      // a slow client moved to a lower rate tier
    std::atomic<uint64_t> stalledClosed{0};       // clients cut off after the write-stall deadline
    std::atomic<uint64_t> commandsAccepted{0};    // control commands forwarded to the worker
    std::atomic<uint64_t> commandsRefused{0};     // commands refused (viewer role, no worker)
    std::atomic<uint64_t> messagesRefused{0};     // malformed, oversized or rate-limited client messages
    std::atomic<uint64_t> rejectedConnections{0}; // over the cap, bad Host, no or wrong token
    std::atomic<uint64_t> rejectedOrigins{0};     // WebSocket upgrades with a foreign Origin
    std::atomic<uint64_t> httpRequests{0};        // requests answered
    std::atomic<uint64_t> acceptErrors{0};        // accept() failures (EMFILE...)
    std::atomic<uint64_t> tlsHandshakeFailures{0}; // --tls-cert: handshakes that failed or timed out
    std::atomic<uint64_t> topologyChanges{0};     // new topologies announced (rate or period changed)
};

// [any] The /metrics body.
[[nodiscard]] std::string renderMetrics(const NetCounters& counters, const EngineFeed& engine);

struct Readiness
{
    bool ready = false;
    std::string text; // "ok"/"not ready" lines; with verbose one "[+]check ok" / "[-]check failed: why" per check
};

// [any] /readyz: ready when the audio source is connected, not stalled, and the worker publishes.
[[nodiscard]] Readiness checkReadiness(const EngineFeed& engine, bool verbose);

} // namespace headroom::server::net
