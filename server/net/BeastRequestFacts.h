#pragma once

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <string>

#include "server/net/RequestRouter.h"

// The routing facts (RequestRouter.h) of a request parsed by Beast: shared by HttpSession and
// tests/fuzz/RequestRouterFuzzer, so the fuzzer routes exactly what the server routes. Header-only
// on purpose: it adds no translation unit that includes Beast.
namespace headroom::server::net
{

// [any] `subprotocols` receives every Sec-WebSocket-Protocol line joined by commas (several lines
// are one list); the returned facts view into it and into `request`.
[[nodiscard]] inline RequestFacts requestFacts(
    const boost::beast::http::request<boost::beast::http::empty_body>& request, std::string& subprotocols,
    bool peerIsLoopback, bool shuttingDown)
{
    namespace http = boost::beast::http;
    subprotocols.clear();
    for (auto it = request.find(http::field::sec_websocket_protocol);
         it != request.end() && it->name() == http::field::sec_websocket_protocol; ++it)
    {
        subprotocols.append(it->value().data(), it->value().size());
        subprotocols.push_back(',');
    }
    RequestFacts facts;
    const http::verb verb = request.method();
    facts.method = verb == http::verb::get    ? RequestMethod::get
                   : verb == http::verb::head ? RequestMethod::head
                                              : RequestMethod::other;
    facts.target = request.target();
    facts.host = request[http::field::host];
    facts.multipleHosts = request.count(http::field::host) > 1; // Beast keeps every line; [] is the first
    const auto origin = request.find(http::field::origin);
    if (origin != request.end()) facts.origin = origin->value();
    facts.subprotocols = subprotocols;
    facts.authorization = request[http::field::authorization];
    facts.webSocketUpgrade = boost::beast::websocket::is_upgrade(request);
    facts.peerIsLoopback = peerIsLoopback;
    facts.shuttingDown = shuttingDown;
    return facts;
}

} // namespace headroom::server::net
