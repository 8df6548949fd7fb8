#include "server/net/HttpSession.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <nlohmann/json.hpp>

#include "server/engine/SnapshotJson.h"
#include "server/net/WebSocketSession.h"

namespace headroom::server::net
{
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace asio = boost::asio;

namespace
{
constexpr std::size_t kMaxDrainBytes = 256 * 1024;
constexpr const char* kTextPlain = "text/plain; charset=utf-8";
constexpr const char* kCsp = "default-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

bool isLoopback(const asio::ip::address& address)
{
    if (address.is_loopback()) return true;
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).is_loopback();
    return false;
}
} // namespace

HttpSession::HttpSession(asio::ip::tcp::socket&& socket, ServerContext& context, ConnectionSlot slot)
    : stream_(std::move(socket)), buffer_(context.options.headerLimitBytes + 4096), context_(context),
      slot_(std::move(slot))
{
    beast::error_code ec;
    const auto endpoint = stream_.socket().remote_endpoint(ec);
    peerIsLoopback_ = !ec && isLoopback(endpoint.address());
}

void HttpSession::run()
{
    asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::doRead, shared_from_this()));
}

void HttpSession::doRead()
{
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(context_.options.headerLimitBytes));
    parser_->body_limit(0);
    // First request: the header must arrive within headerTimeout (slowloris). Later ones on a
    // keep-alive connection: the connection may idle up to keepAliveTimeout, then it is closed.
    stream_.expires_after(firstRequest_ ? context_.options.headerTimeout : context_.options.keepAliveTimeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::onRead, shared_from_this()));
}

void HttpSession::onRead(beast::error_code ec, std::size_t)
{
    firstRequest_ = false;
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof)
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

HttpSession::Response HttpSession::makeResponse(unsigned status, std::string body, const char* contentType) const
{
    Response res{static_cast<http::status>(status), request_.version()};
    res.set(http::field::server, "headroom");
    res.set(http::field::content_type, contentType);
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.set("Content-Security-Policy", kCsp);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

void HttpSession::sendError(unsigned status, std::string message, bool close)
{
    send(makeResponse(status, std::move(message) + "\n", kTextPlain), close);
}

void HttpSession::handleRequest()
{
    context_.counters.httpRequests.fetch_add(1, std::memory_order_relaxed);
    const std::string_view host = request_[http::field::host];
    if (host.empty())
    {
        sendError(400, "missing Host", true);
        return;
    }
    if (!context_.policy.hostAllowed(host))
    {
        context_.counters.rejectedConnections.fetch_add(1, std::memory_order_relaxed);
        sendError(421, "this server does not answer for that Host", true);
        return;
    }
    const std::string_view target = request_.target();
    if (target.empty() || target.front() != '/')
    {
        sendError(400, "bad request target", true);
        return;
    }
    const std::size_t question = target.find('?');
    const std::string_view rawPath = target.substr(0, question);
    const std::string_view query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
    const std::optional<std::string> decoded = decodeUrlPath(rawPath);
    if (!decoded)
    {
        sendError(400, "bad request path", false);
        return;
    }
    const std::string& path = *decoded;
    const http::verb method = request_.method();
    const bool head = method == http::verb::head;
    if (method != http::verb::get && !head)
    {
        Response res = makeResponse(405, "only GET and HEAD\n", kTextPlain);
        res.set(http::field::allow, "GET, HEAD");
        send(std::move(res), false);
        return;
    }
    const auto reply = [&](unsigned status, std::string body, const char* type) {
        Response res = makeResponse(status, std::move(body), type);
        if (head)
        {
            const auto length = res.body().size();
            res.body().clear();
            res.content_length(length);
        }
        send(std::move(res), false);
    };

    if (path == "/ws")
    {
        if (!websocket::is_upgrade(request_))
        {
            Response res = makeResponse(426, "WebSocket only\n", kTextPlain);
            res.set(http::field::upgrade, "websocket");
            send(std::move(res), true);
            return;
        }
        if (context_.shuttingDown.load())
        {
            sendError(503, "shutting down", true);
            return;
        }
        const auto originField = request_.find(http::field::origin);
        const std::optional<std::string_view> origin =
            originField == request_.end() ? std::nullopt : std::optional<std::string_view>(originField->value());
        if (!context_.policy.originAllowed(origin, host))
        {
            context_.counters.rejectedOrigins.fetch_add(1, std::memory_order_relaxed);
            sendError(403, "Origin not allowed", true);
            return;
        }
        // Several Sec-WebSocket-Protocol lines are one comma-separated list.
        std::string offered;
        for (auto it = request_.find(http::field::sec_websocket_protocol);
             it != request_.end() && it->name() == http::field::sec_websocket_protocol; ++it)
            offered += std::string(it->value()) + ",";
        const UpgradeDecision decision = context_.policy.authorize(offered, peerIsLoopback_);
        if (decision.httpStatus != 101)
        {
            context_.counters.rejectedConnections.fetch_add(1, std::memory_order_relaxed);
            Response res = makeResponse(decision.httpStatus, decision.reason + "\n", kTextPlain);
            if (decision.httpStatus == 401) res.set(http::field::www_authenticate, "headroom-token");
            send(std::move(res), true);
            return;
        }
        stream_.expires_never();
        std::make_shared<WebSocketSession>(stream_.release_socket(), context_, std::move(slot_), decision.role,
                                           decision.subprotocol)
            ->run(std::move(request_));
        return;
    }
    if (path == "/livez")
    {
        reply(200, "ok\n", kTextPlain);
        return;
    }
    if (path == "/readyz")
    {
        const bool verbose = query == "verbose" || query.starts_with("verbose=") || query.starts_with("verbose&");
        const Readiness r = checkReadiness(context_.engine, verbose);
        reply(r.ready ? 200 : 503, r.text, kTextPlain);
        return;
    }
    if (path == "/metrics")
    {
        reply(200, renderMetrics(context_.counters, context_.engine), "text/plain; version=0.0.4; charset=utf-8");
        return;
    }
    if (path == "/api/v1/snapshot")
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
    const StaticFile* file = context_.files.find(path);
    if (file == nullptr)
    {
        reply(404, "not found\n", kTextPlain);
        return;
    }
    Response res = makeResponse(200, head ? std::string() : *file->body, file->contentType.c_str());
    res.set(http::field::cache_control, "no-cache");
    if (head) res.content_length(file->body->size());
    send(std::move(res), false);
}

void HttpSession::send(Response response, bool close)
{
    close = close || !request_.keep_alive() || context_.shuttingDown.load();
    response.keep_alive(!close);
    response_ = std::make_shared<Response>(std::move(response));
    stream_.expires_after(context_.options.writeStallTimeout);
    http::async_write(stream_, *response_,
                      beast::bind_front_handler(&HttpSession::onWrite, shared_from_this(), close));
}

void HttpSession::onWrite(bool close, beast::error_code ec, std::size_t)
{
    response_.reset();
    if (ec || close)
    {
        doClose();
        return;
    }
    doRead();
}

void HttpSession::doClose()
{
    // Lingering close: send our FIN, then read and discard what the client still sends (a refused
    // body) for a moment, so the kernel does not answer unread data with a reset that would destroy
    // the response before the client read it.
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    drainBytes_ = 0;
    doDrain();
}

void HttpSession::doDrain()
{
    stream_.async_read_some(asio::buffer(drain_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
        self->drainBytes_ += n;
        if (ec || self->drainBytes_ > kMaxDrainBytes)
        {
            self->stream_.close();
            return;
        }
        self->doDrain();
    });
}

} // namespace headroom::server::net
