#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>

#include "server/net/ServerContext.h"

namespace boost::asio::ssl
{
class context;
}

// The accept loop (Beast's listener, hardened per hardening-checklist.md C-1): a connection cap
// below the descriptor limit (over it: closed at once, counted), and on EMFILE/ENFILE (or any
// accept error) a pause before accepting again, with at most one log line per 10 s, instead of the
// 1.74 example's hot loop. With a TLS context every connection is an HTTPS/WSS session (TLS
// handshake first), under the same cap. Threads: [net]; constructed at [setup] (binds; throws on
// failure).
namespace headroom::server::net
{

class Listener : public std::enable_shared_from_this<Listener>
{
public:
    // [setup] Opens, binds and listens. Throws boost::system::system_error. tls: nullptr for
    // plaintext; else it must outlive the listener and every session.
    Listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint, ServerContext& context,
             boost::asio::ssl::context* tls = nullptr);

    void run();  // [net] start accepting
    void stop(); // [net] close the acceptor (no more connections)
    [[nodiscard]] uint16_t port() const { return port_; }

private:
    void doAccept();
    void onAccept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

    boost::asio::io_context& ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer pause_;
    ServerContext& context_;
    boost::asio::ssl::context* tls_ = nullptr;
    uint16_t port_ = 0;
    std::chrono::steady_clock::time_point lastErrorLog_{};
    uint64_t errorsSinceLog_ = 0;
    bool stopped_ = false;
};

} // namespace headroom::server::net
