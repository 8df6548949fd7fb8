#include "server/net/Listener.h"

#include <boost/beast/core/bind_handler.hpp>

#include "server/net/HttpSession.h"

namespace headroom::server::net
{
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Listener::Listener(asio::io_context& ioc, const tcp::endpoint& endpoint, ServerContext& context,
                   asio::ssl::context* tls)
    : ioc_(ioc), acceptor_(ioc), pause_(ioc), context_(context), tls_(tls)
{
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    port_ = acceptor_.local_endpoint().port();
}

void Listener::run()
{
    doAccept();
}

void Listener::stop()
{
    stopped_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    pause_.cancel();
}

void Listener::doAccept()
{
    if (stopped_) return;
    acceptor_.async_accept(ioc_, boost::beast::bind_front_handler(&Listener::onAccept, shared_from_this()));
}

void Listener::onAccept(boost::system::error_code ec, tcp::socket socket)
{
    if (stopped_ || ec == asio::error::operation_aborted) return;
    if (ec)
    {
        // EMFILE/ENFILE (out of descriptors) and friends: accepting again at once would spin and
        // flood the log (the 1.74 example: 89 % CPU, 975k lines in 3 s). Pause, log once in a while.
        context_.counters.acceptErrors.fetch_add(1, std::memory_order_relaxed);
        ++errorsSinceLog_;
        const auto now = std::chrono::steady_clock::now();
        if (now - lastErrorLog_ >= std::chrono::seconds(10))
        {
            context_.log("accept failed: " + ec.message() + " (" + std::to_string(errorsSinceLog_) +
                         " failures since the last report); pausing accepts");
            lastErrorLog_ = now;
            errorsSinceLog_ = 0;
        }
        pause_.expires_after(context_.options.acceptPause);
        pause_.async_wait([self = shared_from_this()](boost::system::error_code waitEc) {
            if (!waitEc) self->doAccept();
        });
        return;
    }
    if (context_.shuttingDown.load() ||
        static_cast<std::size_t>(context_.counters.httpConnections.load(std::memory_order_relaxed)) >=
            context_.options.maxConnections)
    {
        context_.counters.rejectedConnections.fetch_add(1, std::memory_order_relaxed);
        boost::system::error_code ignored;
        socket.close(ignored);
        doAccept();
        return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored); // small meter frames: latency over batching
    if (context_.options.socketSendBufferBytes > 0)
        socket.set_option(asio::socket_base::send_buffer_size(context_.options.socketSendBufferBytes), ignored);
    if (tls_ != nullptr)
        std::make_shared<TlsHttpSession>(boost::beast::ssl_stream<boost::beast::tcp_stream>(std::move(socket), *tls_),
                                         context_, ConnectionSlot(context_.counters))
            ->run();
    else
        std::make_shared<HttpSession>(boost::beast::tcp_stream(std::move(socket)), context_,
                                      ConnectionSlot(context_.counters))
            ->run();
    doAccept();
}

} // namespace headroom::server::net
