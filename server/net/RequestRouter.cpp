#include "server/net/RequestRouter.h"

#include <utility>

namespace headroom::server::net
{
namespace
{
RouteDecision refuse(unsigned status, std::string message, bool close, Rejection rejection = Rejection::none)
{
    RouteDecision d;
    d.route = Route::refuse;
    d.status = status;
    d.message = std::move(message);
    d.close = close;
    d.rejection = rejection;
    return d;
}
} // namespace

RouteDecision routeRequest(const RequestFacts& request, const AccessPolicy& policy, const StaticFiles& files)
{
    if (request.host.empty()) return refuse(400, "missing Host", true);
    if (request.multipleHosts) return refuse(400, "more than one Host", true);
    if (!policy.hostAllowed(request.host))
        return refuse(421, "this server does not answer for that Host", true, Rejection::connection);

    const std::string_view target = request.target;
    if (target.empty() || target.front() != '/') return refuse(400, "bad request target", true);
    const std::size_t question = target.find('?');
    const std::string_view rawPath = target.substr(0, question);
    const std::string_view query =
        question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
    std::optional<std::string> decoded = decodeUrlPath(rawPath);
    if (!decoded) return refuse(400, "bad request path", false);
    if (request.method == RequestMethod::other)
    {
        RouteDecision d = refuse(405, "only GET and HEAD", false);
        d.path = std::move(*decoded);
        return d;
    }

    RouteDecision d;
    d.path = std::move(*decoded);
    d.head = request.method == RequestMethod::head;
    const std::string& path = d.path;
    if (path == "/ws")
    {
        if (!request.webSocketUpgrade)
        {
            d.route = Route::refuse;
            d.status = 426;
            d.message = "WebSocket only";
            d.close = true;
            return d;
        }
        if (request.shuttingDown)
        {
            d.route = Route::refuse;
            d.status = 503;
            d.message = "shutting down";
            d.close = true;
            return d;
        }
        if (!policy.originAllowed(request.origin, request.host))
        {
            d.route = Route::refuse;
            d.status = 403;
            d.message = "Origin not allowed";
            d.close = true;
            d.rejection = Rejection::origin;
            return d;
        }
        d.upgrade = policy.authorize(request.subprotocols, request.peerIsLoopback);
        if (d.upgrade.httpStatus != 101)
        {
            d.route = Route::refuse;
            d.status = d.upgrade.httpStatus;
            d.message = d.upgrade.reason;
            d.close = true;
            d.rejection = Rejection::connection;
            return d;
        }
        d.route = Route::webSocket;
        d.status = 101;
        return d;
    }
    if (path == "/livez")
    {
        d.route = Route::livez;
        return d;
    }
    if (path == "/readyz")
    {
        d.route = Route::readyz;
        d.readyVerbose = query == "verbose" || query.starts_with("verbose=") || query.starts_with("verbose&");
        return d;
    }
    if (path == "/metrics" || path == "/api/v1/snapshot")
    {
        // The studio's figures: the viewer rule of the WebSocket, with the token as a Bearer header.
        const UpgradeDecision access = policy.authorizeBearer(request.authorization, request.peerIsLoopback);
        if (access.httpStatus != 101)
        {
            RouteDecision refused = refuse(access.httpStatus, access.reason, false, Rejection::connection);
            refused.path = std::move(d.path);
            return refused;
        }
        d.route = path == "/metrics" ? Route::metrics : Route::snapshot;
        return d;
    }
    d.file = files.find(path);
    if (d.file == nullptr)
    {
        d.route = Route::notFound;
        d.status = 404;
        return d;
    }
    d.route = Route::staticFile;
    return d;
}

} // namespace headroom::server::net
