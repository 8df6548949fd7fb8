#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server/net/AccessPolicy.h"
#include "server/net/StaticFiles.h"

// The routing decision of one HTTP request, as a pure function of what HttpSession read from the
// request header (no Beast and no sockets here: unit-tested and fuzzed by tests/fuzz/
// RequestRouterFuzzer). HttpSession turns the decision into a response or a WebSocket upgrade.
// Order of the checks (hardening-checklist.md §1, §6 H-1, H-4, H-5):
//   Host missing or repeated 400, not allowed 421 -> target not origin-form 400 -> path with a bad escape 400 ->
//   method other than GET/HEAD 405 -> /ws: not an upgrade 426, shutting down 503, Origin 403,
//   token/subprotocol 400/401/403 -> the API routes -> the static allow-list -> 404.
// Threads: [any] (reads only immutable policy and files).
namespace headroom::server::net
{

enum class RequestMethod
{
    get,
    head,
    other
};

// What routing reads from a request (views into the request; they must outlive the call).
struct RequestFacts
{
    RequestMethod method = RequestMethod::get;
    std::string_view target;                 // the request-target as received
    std::string_view host;                   // the Host header; "" when absent
    bool multipleHosts = false;              // more than one Host field line (RFC 9112 §3.2: 400)
    std::optional<std::string_view> origin;  // the Origin header; nullopt when absent
    std::string_view subprotocols;           // every Sec-WebSocket-Protocol value, comma-separated
    std::string_view authorization;          // the Authorization header; "" when absent
    bool webSocketUpgrade = false;           // a valid WebSocket upgrade request (Beast's is_upgrade)
    bool peerIsLoopback = false;
    bool shuttingDown = false;
};

enum class Route
{
    refuse,     // answer `status` with `message` (text/plain); extra header by status: 405 Allow,
                // 426 Upgrade, 401 WWW-Authenticate
    webSocket,  // accept the upgrade with `upgrade.role` and `upgrade.subprotocol`
    livez,
    readyz,     // `readyVerbose`: the query asked for details
    metrics,
    snapshot,
    staticFile, // `file`
    notFound    // 404
};

// Which counter a refusal counts in (NetCounters).
enum class Rejection
{
    none,
    connection, // rejectedConnections: Host not allowed, token/subprotocol refused
    origin      // rejectedOrigins
};

struct RouteDecision
{
    Route route = Route::notFound;
    unsigned status = 200;
    std::string message;  // refuse: the response body without its trailing newline
    bool close = false;   // refuse: close the connection after the answer
    bool head = false;    // a HEAD request: answer without a body
    bool readyVerbose = false;
    const StaticFile* file = nullptr;
    UpgradeDecision upgrade; // webSocket: the role and subprotocol; refused upgrades: the reason
    Rejection rejection = Rejection::none;
    std::string path;        // the percent-decoded path (empty when refused before decoding)
};

// [any] Decides what to answer. Never throws for any input (beyond std::bad_alloc).
[[nodiscard]] RouteDecision routeRequest(const RequestFacts& request, const AccessPolicy& policy,
                                         const StaticFiles& files);

} // namespace headroom::server::net
