#pragma once

#include <string>
#include <utility>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

// The headers every answer of Headroom's HTTP servers carries (`serve` and `hub`; hardening checklist
// H-5): no caching of live figures, no MIME sniffing, no referrer, and a CSP that allows only the
// server's own scripts, styles and WebSocket (the dashboard has no inline code). [net]
namespace headroom::server::net
{

inline constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

// A complete response: status, the standard headers, body and its length. Response is a
// beast::http::response<string_body>.
template <class Response>
[[nodiscard]] Response makeStandardResponse(unsigned status, unsigned version, const char* serverName,
                                            std::string body, const char* contentType)
{
    Response res{static_cast<boost::beast::http::status>(status), version};
    res.set(boost::beast::http::field::server, serverName);
    res.set(boost::beast::http::field::content_type, contentType);
    res.set(boost::beast::http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.set("Content-Security-Policy", kContentSecurityPolicy);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

} // namespace headroom::server::net
