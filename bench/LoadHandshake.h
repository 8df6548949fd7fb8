// The WebSocket client both load tools run in their hundreds: connect, the handshake as the
// dashboard and the lab page make it, a read loop, and the bookkeeping of who connected, who
// failed and why. Header-only because it is a template (CRTP) on the tool's client class; each
// tool stays one Beast translation unit.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace headroom::bench
{

// Where and how a load client connects.
struct LoadTarget
{
    boost::asio::ip::tcp::endpoint endpoint;
    std::string host; // for the Host header, with port
    std::string path;
    std::string token;  // offered as headroom.token.T next to headroom.v1; empty: none
    std::string origin; // sent as Origin when not empty (a page's own origin)
    const char* userAgent = "headroom_load";
    std::size_t maxMessageBytes = 4u << 20;
};

// Counts shared by every client of a run.
struct LoadCounts
{
    std::atomic<std::size_t> connected{0};
    std::atomic<std::size_t> finished{0}; // connected or failed
};

// Derived provides `void onOpen()` (after the handshake; call read() to start receiving, maybe
// after a write) and `void onMessage(std::string_view data, bool text)` (one whole message).
template <class Derived>
class LoadConnection : public std::enable_shared_from_this<Derived>
{
public:
    LoadConnection(boost::asio::io_context& ioc, const LoadTarget& target, LoadCounts& counts)
        : ws_(boost::asio::make_strand(ioc)), target_(target), counts_(counts)
    {
    }

    void start()
    {
        boost::beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
        boost::beast::get_lowest_layer(ws_).async_connect(
            target_.endpoint, boost::beast::bind_front_handler(&LoadConnection::onConnect, self()));
    }

    // Closes normally once (posted to the client's strand); errors after this are not failures.
    void stop()
    {
        boost::asio::post(ws_.get_executor(),
                          [me = self()]
                          {
                              me->stopping_ = true;
                              if (!me->open_) return;
                              me->ws_.async_close(boost::beast::websocket::close_code::normal,
                                                  [me](boost::beast::error_code) {});
                          });
    }

    // results (read after the io threads joined)
    bool connected = false;
    bool ended = false; // the server closed or the socket failed during the run
    std::string error;  // the first error

protected:
    void fail(const std::string& what, boost::beast::error_code ec)
    {
        if (error.empty() && !stopping_) error = what + ": " + ec.message();
        if (connected && !stopping_) ended = true;
        countFinished();
        open_ = false;
    }

    void read()
    {
        ws_.async_read(buffer_, boost::beast::bind_front_handler(&LoadConnection::onRead, self()));
    }

    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    bool stopping_ = false;

private:
    std::shared_ptr<Derived> self() { return this->shared_from_this(); }

    void countFinished()
    {
        if (countedFinished_) return;
        countedFinished_ = true;
        counts_.finished.fetch_add(1);
    }

    void onConnect(boost::beast::error_code ec)
    {
        namespace beast = boost::beast;
        namespace websocket = beast::websocket;
        if (ec) return fail("connect", ec);
        boost::system::error_code ignored; // Nagle only costs latency: never worth failing over
        beast::get_lowest_layer(ws_).socket().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
        beast::get_lowest_layer(ws_).expires_never();
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        std::string protocols = "headroom.v1";
        if (!target_.token.empty()) protocols += ", headroom.token." + target_.token;
        ws_.set_option(websocket::stream_base::decorator(
            [protocols, origin = target_.origin, agent = target_.userAgent](websocket::request_type& req)
            {
                req.set(beast::http::field::sec_websocket_protocol, protocols);
                if (!origin.empty()) req.set(beast::http::field::origin, origin);
                req.set(beast::http::field::user_agent, agent);
            }));
        ws_.read_message_max(target_.maxMessageBytes);
        ws_.async_handshake(target_.host, target_.path,
                            beast::bind_front_handler(&LoadConnection::onHandshake, self()));
    }

    void onHandshake(boost::beast::error_code ec)
    {
        if (ec) return fail("handshake", ec);
        connected = true;
        open_ = true;
        counts_.connected.fetch_add(1);
        countFinished();
        static_cast<Derived*>(this)->onOpen();
    }

    void onRead(boost::beast::error_code ec, std::size_t)
    {
        if (ec) return fail("read", ec);
        const auto data = buffer_.cdata();
        static_cast<Derived*>(this)->onMessage({static_cast<const char*>(data.data()), data.size()}, ws_.got_text());
        buffer_.consume(buffer_.size());
        if (!stopping_) read();
    }

    boost::beast::flat_buffer buffer_;
    const LoadTarget& target_;
    LoadCounts& counts_;
    bool open_ = false;
    bool countedFinished_ = false;
};

} // namespace headroom::bench
