#include "server/net/HttpSession.h"
#include "server/net/ResponseHeaders.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/asio/ssl/error.hpp>

#include <nlohmann/json.hpp>

#include "server/engine/SnapshotJson.h"
#include "server/net/BeastRequestFacts.h"
#include "server/net/WebSocketSession.h"

namespace headroom::server::net
{
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace asio = boost::asio;

namespace
{
constexpr std::size_t kMaxDrainBytes = 256 * 1024;
constexpr const char* kTextPlain = "text/plain; charset=utf-8";

bool isLoopback(const asio::ip::address& address)
{
    if (address.is_loopback()) return true;
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).is_loopback();
    return false;
}
} // namespace

template <class Stream>
BasicHttpSession<Stream>::BasicHttpSession(Stream&& stream, ServerContext& context, ConnectionSlot slot)
    : stream_(std::move(stream)), buffer_(context.options.headerLimitBytes + 4096), context_(context),
      slot_(std::move(slot))
{
    beast::error_code ec;
    const auto endpoint = lowest().socket().remote_endpoint(ec);
    peerIsLoopback_ = !ec && isLoopback(endpoint.address());
}

template <class Stream>
void BasicHttpSession<Stream>::run()
{
    auto self = this->shared_from_this();
    if constexpr (kTls)
        asio::dispatch(lowest().get_executor(), beast::bind_front_handler(&BasicHttpSession::doHandshake, self));
    else
        asio::dispatch(lowest().get_executor(), beast::bind_front_handler(&BasicHttpSession::doRead, self));
}

template <class Stream>
void BasicHttpSession<Stream>::doHandshake()
{
    if constexpr (kTls)
    {
        // The whole handshake within tlsHandshakeTimeout (a client that connects and stays silent,
        // or trickles its ClientHello, is cut off like a slowloris header).
        lowest().expires_after(context_.options.tlsHandshakeTimeout);
        stream_.async_handshake(asio::ssl::stream_base::server,
                                beast::bind_front_handler(&BasicHttpSession::onHandshake, this->shared_from_this()));
    }
}

template <class Stream>
void BasicHttpSession<Stream>::onHandshake(beast::error_code ec)
{
    if (ec)
    {
        // Plain HTTP on the TLS port, TLS 1.0/1.1 only, no shared cipher, a timeout: no TLS, so no
        // HTTP answer either; close cleanly (FIN, the unread bytes drained: no reset).
        context_.counters.tlsHandshakeFailures.fetch_add(1, std::memory_order_relaxed);
        lingeringClose();
        return;
    }
    tlsUp_ = true;
    doRead();
}

template <class Stream>
void BasicHttpSession<Stream>::doRead()
{
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(context_.options.headerLimitBytes));
    parser_->body_limit(0);
    // First request: the header must arrive within headerTimeout (slowloris). Later ones on a
    // keep-alive connection: the connection may idle up to keepAliveTimeout, then it is closed.
    lowest().expires_after(firstRequest_ ? context_.options.headerTimeout : context_.options.keepAliveTimeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&BasicHttpSession::onRead, this->shared_from_this()));
}

template <class Stream>
void BasicHttpSession<Stream>::onRead(beast::error_code ec, std::size_t)
{
    firstRequest_ = false;
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)
    {
        doClose();
        return;
    }
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
    {
        sendError(431, "request header fields too large", true);
        return;
    }
    if (ec == http::error::body_limit)
    {
        sendError(413, "request bodies are not accepted", true);
        return;
    }
    if (ec)
    {
        sendError(400, "bad request", true);
        return;
    }
    // No request has a body here. Refuse one before reading any of it (H-2): neither Beast's body
    // limit (its 1.74 eager-parse bug) nor the chunk parser (unbounded chunk extensions) is reached.
    const auto length = parser_->content_length();
    if (parser_->chunked() || (length && *length > 0))
    {
        sendError(413, "request bodies are not accepted", true);
        return;
    }
    request_ = parser_->release();
    handleRequest();
}

template <class Stream>
typename BasicHttpSession<Stream>::Response BasicHttpSession<Stream>::makeResponse(unsigned status, std::string body,
                                                                                  const char* contentType) const
{
    return makeStandardResponse<Response>(status, request_.version(), "headroom", std::move(body), contentType);
}

template <class Stream>
void BasicHttpSession<Stream>::sendError(unsigned status, std::string message, bool close)
{
    send(makeResponse(status, std::move(message) + "\n", kTextPlain), close);
}

template <class Stream>
void BasicHttpSession<Stream>::handleRequest()
{
    context_.counters.httpRequests.fetch_add(1, std::memory_order_relaxed);
    std::string offered;
    const RouteDecision route = routeRequest(requestFacts(request_, offered, peerIsLoopback_, context_.shuttingDown.load()),
                                             context_.policy, context_.files);
    if (route.rejection == Rejection::connection)
        context_.counters.rejectedConnections.fetch_add(1, std::memory_order_relaxed);
    if (route.rejection == Rejection::origin) context_.counters.rejectedOrigins.fetch_add(1, std::memory_order_relaxed);
    const auto reply = [&](unsigned status, std::string body, const char* type) {
        Response res = makeResponse(status, std::move(body), type);
        if (route.head)
        {
            const auto length = res.body().size();
            res.body().clear();
            res.content_length(length);
        }
        send(std::move(res), false);
    };

    switch (route.route)
    {
    case Route::refuse:
    {
        Response res = makeResponse(route.status, route.message + "\n", kTextPlain);
        if (route.status == 405) res.set(http::field::allow, "GET, HEAD");
        if (route.status == 426) res.set(http::field::upgrade, "websocket");
        if (route.status == 401)
            res.set(http::field::www_authenticate, route.path == "/ws" ? "headroom-token" : "Bearer realm=\"headroom\"");
        send(std::move(res), route.close);
        return;
    }
    case Route::webSocket:
        if (static_cast<std::size_t>(context_.counters.wsClients.load(std::memory_order_relaxed)) >=
            context_.options.maxWebSocketClients)
        {
            // Every WebSocket slot is taken; HTTP keeps its reserved connections.
            context_.counters.rejectedConnections.fetch_add(1, std::memory_order_relaxed);
            Response res = makeResponse(503, "too many WebSocket clients; try again later\n", kTextPlain);
            res.set(http::field::retry_after, "5");
            send(std::move(res), true);
            return;
        }
        lowest().expires_never();
        if constexpr (kTls)
            std::make_shared<BasicWebSocketSession<Stream>>(std::move(stream_), context_, std::move(slot_),
                                                            route.upgrade.role, route.upgrade.subprotocol)
                ->run(std::move(request_));
        else
            std::make_shared<WebSocketSession>(beast::tcp_stream(stream_.release_socket()), context_, std::move(slot_),
                                               route.upgrade.role, route.upgrade.subprotocol)
                ->run(std::move(request_));
        return;
    case Route::livez:
        reply(200, "ok\n", kTextPlain);
        return;
    case Route::readyz:
    {
        const Readiness r = checkReadiness(context_.engine, route.readyVerbose);
        reply(r.ready ? 200 : 503, r.text, kTextPlain);
        return;
    }
    case Route::metrics:
        reply(200, renderMetrics(context_.counters, context_.engine), "text/plain; version=0.0.4; charset=utf-8");
        return;
    case Route::snapshot:
    {
        const auto snapshot = context_.engine.latestSnapshot();
        if (!snapshot)
        {
            reply(503, "{\"error\":\"no snapshot yet: no audio source has run\"}\n", "application/json");
            return;
        }
        const nlohmann::json j = *snapshot;
        reply(200, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", "application/json");
        return;
    }
    case Route::staticFile:
    {
        Response res = makeResponse(200, route.head ? std::string() : *route.file->body, route.file->contentType.c_str());
        res.set(http::field::cache_control, "no-cache");
        if (route.head) res.content_length(route.file->body->size());
        send(std::move(res), false);
        return;
    }
    case Route::notFound:
        reply(404, "not found\n", kTextPlain);
        return;
    }
}

template <class Stream>
void BasicHttpSession<Stream>::send(Response response, bool close)
{
    close = close || !request_.keep_alive() || context_.shuttingDown.load();
    response.keep_alive(!close);
    response_ = std::make_shared<Response>(std::move(response));
    lowest().expires_after(context_.options.writeStallTimeout);
    http::async_write(stream_, *response_,
                      beast::bind_front_handler(&BasicHttpSession::onWrite, this->shared_from_this(), close));
}

template <class Stream>
void BasicHttpSession<Stream>::onWrite(bool close, beast::error_code ec, std::size_t)
{
    response_.reset();
    if (ec || close)
    {
        doClose();
        return;
    }
    doRead();
}

template <class Stream>
void BasicHttpSession<Stream>::doClose()
{
    if constexpr (kTls)
    {
        if (tlsUp_)
        {
            // close_notify first (within 2 s: a peer that never answers it is not waited for), then
            // the same lingering TCP close as plaintext. The socket is closed by us in every case.
            tlsUp_ = false;
            lowest().expires_after(std::chrono::seconds(2));
            stream_.async_shutdown(
                [self = this->shared_from_this()](beast::error_code) { self->lingeringClose(); });
            return;
        }
    }
    lingeringClose();
}

template <class Stream>
void BasicHttpSession<Stream>::lingeringClose()
{
    // Lingering close: send our FIN, then read and discard what the client still sends (a refused
    // body) for a moment, so the kernel does not answer unread data with a reset that would destroy
    // the response before the client read it.
    beast::error_code ignored;
    lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    lowest().expires_after(std::chrono::seconds(2));
    drainBytes_ = 0;
    doDrain();
}

template <class Stream>
void BasicHttpSession<Stream>::doDrain()
{
    auto self = this->shared_from_this();
    lowest().async_read_some(asio::buffer(drain_), [self](beast::error_code ec, std::size_t n) {
        self->drainBytes_ += n;
        if (ec || self->drainBytes_ > kMaxDrainBytes)
        {
            self->lowest().close();
            return;
        }
        self->doDrain();
    });
}

template class BasicHttpSession<beast::tcp_stream>;
template class BasicHttpSession<beast::ssl_stream<beast::tcp_stream>>;

} // namespace headroom::server::net
