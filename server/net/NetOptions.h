#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

// Settings of the streaming server (`headroom serve --listen ... --allow-host ...`). Plain values,
// filled at [setup] and read-only afterwards (every [net] handler may read them).
namespace headroom::server::net
{

// Connections kept for plain HTTP above the WebSocket cap.
inline constexpr std::size_t kReservedHttpConnections = 32;

struct NetOptions
{
    std::string listenAddress = "127.0.0.1"; // D-2: loopback unless an interface is named
    uint16_t listenPort = 8080;              // 0: any free port (logged)
    std::vector<std::string> allowedHosts;   // Host names besides localhost, 127.0.0.1, [::1] and the listen address
    std::vector<std::string> allowedOrigins; // Origins besides the request's own (e.g. "http://studio.local:8080")
    std::string viewerToken;                 // "" none: loopback clients may view without a token
    std::string controlToken;                // "" none: nobody has the control role
    std::string webRoot;                     // static files; "" none (the API still works)
    // TLS (--tls-cert/--tls-key, both or neither): the port then speaks HTTPS and WSS only.
    std::string tlsCertFile; // PEM certificate chain (leaf first); "" plaintext HTTP/WS
    std::string tlsKeyFile;  // PEM private key (unencrypted) of the leaf certificate

    // Limits and timeouts (hardening-checklist.md §1 and §6).
    // C-1: WebSocket clients are capped below the connection cap, so when every WebSocket slot is
    // taken the dashboard's files, /metrics and the health checks still answer.
    std::size_t maxWebSocketClients = 256;
    std::size_t maxConnections = 256 + kReservedHttpConnections; // HTTP and WebSocket together
    std::size_t headerLimitBytes = 8 * 1024;           // H-3: over it, 431
    std::chrono::milliseconds headerTimeout{10000};    // a request's header must arrive within this (slowloris)
    std::chrono::milliseconds tlsHandshakeTimeout{10000}; // TLS: the handshake must finish within this
    std::chrono::milliseconds keepAliveTimeout{15000}; // idle keep-alive connection closed (C-2)
    std::chrono::milliseconds wsHandshakeTimeout{10000};
    std::chrono::milliseconds wsIdleTimeout{20000}; // pings at half of it; no answer: closed (W-7)
    std::chrono::milliseconds writeStallTimeout{5000}; // a write not done within it: the client is cut off (W-5)
    std::chrono::milliseconds acceptPause{100};        // after EMFILE/ENFILE (C-1)
    std::size_t wsReadMessageMax = 4096;               // 1009 above it
    int socketSendBufferBytes = 0;                     // SO_SNDBUF of accepted sockets; 0: the system's

    // Client messages: a token bucket per connection (W-8).
    double messagesPerSecond = 20.0;
    double messageBurst = 40.0;
    uint32_t maxRefusedMessages = 20; // bad or rate-limited messages before a 1008 close
};

} // namespace headroom::server::net
