#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "server/net/ServerContext.h"

// One HTTP connection (after Beast 1.74's advanced_server, hardened per hardening-checklist.md §1
// and §6 H-1..H-5, C-2): header limit 8 KiB (431), no request bodies (413, so the 1.74 chunk-header
// and body-limit bugs are never reached; the read buffer is bounded too), a header deadline against
// slowloris and a keep-alive idle deadline, the Host allow-list on every request (421), GET and HEAD
// only (405). Routes:
//   /livez                 200 while the event loop answers
//   /readyz[?verbose]      200 or 503 (audio source connected and advancing)
//   /metrics               Prometheus text
//   /api/v1/snapshot       the latest EngineSnapshot as JSON (every node)
//   /ws                    WebSocket upgrade: Origin and token checked here, 101 by WebSocketSession
//   anything else          the static allow-list (StaticFiles); "/" is index.html; else 404
// Every error is an HTTP answer, never a reset.
//
// Stream: beast::tcp_stream (plaintext) or beast::ssl_stream<beast::tcp_stream> (--tls-cert: the
// TLS handshake first, within tlsHandshakeTimeout; a failed handshake is closed without an answer;
// every close sends close_notify, waits at most 2 s for the peer's, then does the same lingering
// TCP close). Both are instantiated in HttpSession.cpp. Threads: [net].
namespace headroom::server::net
{

template <class Stream>
class BasicHttpSession : public std::enable_shared_from_this<BasicHttpSession<Stream>>
{
public:
    static constexpr bool kTls = !std::is_same_v<Stream, boost::beast::tcp_stream>;

    BasicHttpSession(Stream&& stream, ServerContext& context, ConnectionSlot slot);

    // [net] Start (the TLS handshake, then) reading requests.
    void run();

private:
    using Response = boost::beast::http::response<boost::beast::http::string_body>;

    void doHandshake();
    void onHandshake(boost::beast::error_code ec);
    void doRead();
    void onRead(boost::beast::error_code ec, std::size_t bytes);
    void handleRequest();
    void send(Response response, bool close);
    void onWrite(bool close, boost::beast::error_code ec, std::size_t bytes);
    void doClose();
    void lingeringClose();
    void doDrain();
    [[nodiscard]] Response makeResponse(unsigned status, std::string body, const char* contentType) const;
    void sendError(unsigned status, std::string message, bool close);

    boost::beast::tcp_stream& lowest() { return boost::beast::get_lowest_layer(stream_); }

    Stream stream_;
    // Bounded (a header is at most 8 KiB; nothing else is ever read): the 1.74 chunk-extension
    // growth cannot happen here.
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::empty_body>> parser_;
    boost::beast::http::request<boost::beast::http::empty_body> request_;
    std::shared_ptr<Response> response_; // alive while it is written
    ServerContext& context_;
    ConnectionSlot slot_;
    bool firstRequest_ = true;
    bool peerIsLoopback_ = false;
    bool tlsUp_ = false; // TLS: handshake done, close_notify not yet sent
    std::array<char, 4096> drain_{}; // lingering close: what the client still sends is discarded here
    std::size_t drainBytes_ = 0;
};

using HttpSession = BasicHttpSession<boost::beast::tcp_stream>;
using TlsHttpSession = BasicHttpSession<boost::beast::ssl_stream<boost::beast::tcp_stream>>;
extern template class BasicHttpSession<boost::beast::tcp_stream>;
extern template class BasicHttpSession<boost::beast::ssl_stream<boost::beast::tcp_stream>>;

} // namespace headroom::server::net
