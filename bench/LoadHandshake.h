// The WebSocket client side both load tools share: the handshake as the dashboard and the lab
// page make it. Header-only because it is a template on Beast's stream (the tools' one Beast TU each).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <cstddef>
#include <string>

namespace headroom::bench
{

// After the TCP connect: no Nagle, Beast's suggested client timeouts instead of the connect
// deadline, the `headroom.v1` subprotocol (plus `headroom.token.T` when a token is given), a
// User-Agent naming the tool, Origin when not empty (a page's own origin), and the largest
// message the tool accepts.
template <class WebSocketStream>
void prepareHandshake(WebSocketStream& ws, const std::string& token, const char* userAgent, const std::string& origin,
                      std::size_t maxMessageBytes)
{
    namespace beast = boost::beast;
    namespace websocket = beast::websocket;
    boost::system::error_code ignored; // Nagle only costs latency: never worth failing over
    beast::get_lowest_layer(ws).socket().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    beast::get_lowest_layer(ws).expires_never();
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    std::string protocols = "headroom.v1";
    if (!token.empty()) protocols += ", headroom.token." + token;
    ws.set_option(websocket::stream_base::decorator(
        [protocols, origin, userAgent](websocket::request_type& req)
        {
            req.set(beast::http::field::sec_websocket_protocol, protocols);
            if (!origin.empty()) req.set(beast::http::field::origin, origin);
            req.set(beast::http::field::user_agent, userAgent);
        }));
    ws.read_message_max(maxMessageBytes);
}

} // namespace headroom::bench
