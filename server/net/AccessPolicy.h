#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/ServerMessages.h"
#include "server/net/NetOptions.h"

// Who may talk to the server, decided from request headers only (no Beast here: tested and fuzzed
// without sockets). Three checks (hardening-checklist.md §1 and §4):
//   - Host (every HTTP request; DNS rebinding): loopback names, the listen address and --allow-host.
//   - Origin (the WebSocket upgrade; cross-site WebSocket hijacking): a browser's Origin must be the
//     page's own origin (http://<the request's Host>) or one of --allow-origin. No Origin means no
//     browser, which cannot be a hijacked page, so only the token rule applies.
//   - Role (the WebSocket upgrade): the token travels as a subprotocol, `headroom.token.<TOKEN>`
//     next to `headroom.v1` (browsers can set nothing else on a WebSocket; never the query string,
//     which ends up in logs and history). The control token gives the control role, the viewer
//     token the viewer role. Without a viewer token configured, loopback peers may view without a
//     token. Anything else: 401 (no token) or 403 (a wrong one), before the 101.
// Tokens are compared in constant time and never logged.
//
// Threads: constructed at [setup], then [any] (immutable).
namespace headroom::server::net
{

inline constexpr std::string_view kTokenSubprotocolPrefix = "headroom.token.";

struct UpgradeDecision
{
    unsigned httpStatus = 101;      // 101 accept; else 400, 401 or 403 and no upgrade
    proto::Role role = proto::Role::viewer;
    std::string subprotocol;        // to echo (exactly one the client offered), or "" for none
    std::string reason;             // for the log and the response body; never contains a token
};

class AccessPolicy
{
public:
    explicit AccessPolicy(const NetOptions& options);

    // [any] The Host header names this server (port ignored; case-insensitive).
    [[nodiscard]] bool hostAllowed(std::string_view hostHeader) const;
    // [any] The Origin header (absent: nullopt) is acceptable for a request carrying this Host.
    [[nodiscard]] bool originAllowed(std::optional<std::string_view> origin, std::string_view hostHeader) const;
    // [any] Role and subprotocol from the Sec-WebSocket-Protocol header(s) (comma-separated list).
    [[nodiscard]] UpgradeDecision authorize(std::string_view subprotocols, bool peerIsLoopback) const;
    // [any] The same roles for plain HTTP (/api/v1/snapshot, /metrics): the token travels as
    // `Authorization: Bearer TOKEN` (""  when the header is absent). httpStatus 101 means allowed.
    [[nodiscard]] UpgradeDecision authorizeBearer(std::string_view authorization, bool peerIsLoopback) const;

private:
    [[nodiscard]] UpgradeDecision roleFor(std::optional<std::string_view> token, bool peerIsLoopback) const;

    std::vector<std::string> hosts_;   // lower case, no port
    std::vector<std::string> origins_; // lower case, exact
    std::string viewerToken_;
    std::string controlToken_;
};

// [any] "Host:Port" / "[v6]:port" / "host" -> the host part, lower case.
[[nodiscard]] std::string hostPart(std::string_view hostHeader);
// [any] Compares without an early exit on the first difference (the length is not secret).
[[nodiscard]] bool constantTimeEquals(std::string_view a, std::string_view b) noexcept;

} // namespace headroom::server::net
