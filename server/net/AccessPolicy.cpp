#include "server/net/AccessPolicy.h"

#include <algorithm>
#include <cctype>

#include "proto/Protocol.h"

namespace headroom::server::net
{
namespace
{
std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}
} // namespace

std::string hostPart(std::string_view host)
{
    host = trim(host);
    if (!host.empty() && host.front() == '[')
    {
        const std::size_t close = host.find(']');
        return close == std::string_view::npos ? std::string() : lower(host.substr(0, close + 1));
    }
    const std::size_t colon = host.find(':');
    return lower(colon == std::string_view::npos ? host : host.substr(0, colon));
}

bool constantTimeEquals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff = static_cast<unsigned char>(diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
    return diff == 0;
}

AccessPolicy::AccessPolicy(const NetOptions& options)
    : viewerToken_(options.viewerToken), controlToken_(options.controlToken)
{
    hosts_ = {"localhost", "127.0.0.1", "[::1]"};
    const std::string listen = lower(options.listenAddress);
    if (!listen.empty() && listen != "0.0.0.0" && listen != "::")
        hosts_.push_back(listen.find(':') != std::string::npos && listen.front() != '[' ? "[" + listen + "]" : listen);
    for (const std::string& h : options.allowedHosts) hosts_.push_back(hostPart(h));
    for (const std::string& o : options.allowedOrigins) origins_.push_back(lower(trim(o)));
}

bool AccessPolicy::hostAllowed(std::string_view hostHeader) const
{
    const std::string host = hostPart(hostHeader);
    if (host.empty()) return false;
    return std::find(hosts_.begin(), hosts_.end(), host) != hosts_.end();
}

bool AccessPolicy::originAllowed(std::optional<std::string_view> origin, std::string_view hostHeader) const
{
    if (!origin) return true;
    const std::string o = lower(trim(*origin));
    if (o == "http://" + lower(trim(hostHeader)) || o == "https://" + lower(trim(hostHeader))) return true;
    return std::find(origins_.begin(), origins_.end(), o) != origins_.end();
}

UpgradeDecision AccessPolicy::authorize(std::string_view header, bool peerIsLoopback) const
{
    UpgradeDecision d;
    bool offersV1 = false;
    bool offersOtherVersion = false;
    std::optional<std::string_view> token;
    while (!header.empty())
    {
        const std::size_t comma = header.find(',');
        const std::string_view item = trim(header.substr(0, comma));
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
        if (item.empty()) continue;
        if (item == proto::kSubprotocol)
            offersV1 = true;
        else if (item.starts_with(kTokenSubprotocolPrefix))
            token = item.substr(kTokenSubprotocolPrefix.size());
        else if (item.starts_with("headroom.v"))
            offersOtherVersion = true;
    }
    if ((offersOtherVersion || token) && !offersV1)
    {
        d.httpStatus = 400;
        d.reason = "offer the subprotocol " + std::string(proto::kSubprotocol);
        return d;
    }
    if (offersV1) d.subprotocol = std::string(proto::kSubprotocol);

    const UpgradeDecision role = roleFor(token, peerIsLoopback);
    d.httpStatus = role.httpStatus;
    d.role = role.role;
    d.reason = role.reason;
    return d;
}

UpgradeDecision AccessPolicy::roleFor(std::optional<std::string_view> token, bool peerIsLoopback) const
{
    UpgradeDecision d;
    if (token)
    {
        if (!controlToken_.empty() && constantTimeEquals(*token, controlToken_))
        {
            d.role = proto::Role::control;
            return d;
        }
        if (!viewerToken_.empty() && constantTimeEquals(*token, viewerToken_))
        {
            d.role = proto::Role::viewer;
            return d;
        }
        d.httpStatus = 403;
        d.reason = "token refused";
        return d;
    }
    if (viewerToken_.empty() && peerIsLoopback)
    {
        d.role = proto::Role::viewer;
        return d;
    }
    d.httpStatus = viewerToken_.empty() ? 403 : 401;
    d.reason = viewerToken_.empty() ? "viewing without a token is allowed from this machine only" : "token required";
    return d;
}

UpgradeDecision AccessPolicy::authorizeBearer(std::string_view authorization, bool peerIsLoopback) const
{
    std::optional<std::string_view> token;
    authorization = trim(authorization);
    if (!authorization.empty())
    {
        constexpr std::string_view kBearer = "bearer ";
        const bool bearer = authorization.size() > kBearer.size() &&
                            std::equal(kBearer.begin(), kBearer.end(), authorization.begin(),
                                       [](char a, char b) { return a == static_cast<char>(std::tolower(static_cast<unsigned char>(b))); });
        if (!bearer)
        {
            UpgradeDecision d;
            d.httpStatus = 401;
            d.reason = "expected Authorization: Bearer TOKEN";
            return d;
        }
        token = trim(authorization.substr(kBearer.size()));
    }
    return roleFor(token, peerIsLoopback);
}

} // namespace headroom::server::net
