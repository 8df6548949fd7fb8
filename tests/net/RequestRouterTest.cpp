// routeRequest (server/net/RequestRouter): the order of the checks and the decision for each route,
// without sockets or Beast (the end-to-end answers are in NetServerTest; random requests in
// tests/fuzz/RequestRouterFuzzer).
#include "server/net/RequestRouter.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <unistd.h>

namespace
{
using namespace headroom::server::net;
namespace fs = std::filesystem;

struct RouterRig
{
    RouterRig()
    {
        root = fs::temp_directory_path() / ("headroom-router-test-" + std::to_string(::getpid()));
        fs::remove_all(root);
        fs::create_directories(root / "js");
        std::ofstream(root / "index.html") << "index";
        std::ofstream(root / "js" / "app.js") << "app";
        files = StaticFiles::load(root.string());
        fs::remove_all(root);
        NetOptions o;
        o.allowedOrigins = {"http://studio.local:8080"};
        o.viewerToken = "view";
        o.controlToken = "ctl";
        policy.emplace(o);
    }
    RouteDecision route(RequestFacts facts) const { return routeRequest(facts, *policy, files); }

    fs::path root;
    StaticFiles files;
    std::optional<AccessPolicy> policy;
};

RequestFacts get(std::string_view target, std::string_view host = "localhost:8080")
{
    RequestFacts f;
    f.target = target;
    f.host = host;
    return f;
}

RequestFacts upgrade(std::string_view subprotocols, std::optional<std::string_view> origin = std::nullopt)
{
    RequestFacts f = get("/ws");
    f.webSocketUpgrade = true;
    f.subprotocols = subprotocols;
    f.origin = origin;
    return f;
}
} // namespace

TEST(RequestRouter, HostIsCheckedBeforeAnythingElse)
{
    const RouterRig rig;
    RequestFacts f = get("/index.html", "");
    EXPECT_EQ(rig.route(f).status, 400u);
    f = get("/index.html");
    f.multipleHosts = true; // "Host: localhost" then "Host: evil.example": Beast's [] sees only the first
    EXPECT_EQ(rig.route(f).status, 400u);
    f = get("relative", "evil.example");
    f.method = RequestMethod::other;
    const RouteDecision d = rig.route(f);
    EXPECT_EQ(d.status, 421u);
    EXPECT_TRUE(d.close);
    EXPECT_EQ(d.rejection, Rejection::connection);
}

TEST(RequestRouter, TargetPathAndMethod)
{
    const RouterRig rig;
    EXPECT_EQ(rig.route(get("http://localhost/index.html")).status, 400u);
    EXPECT_EQ(rig.route(get("/%zz")).status, 400u);
    EXPECT_FALSE(rig.route(get("/%zz")).close);
    RequestFacts del = get("/index.html");
    del.method = RequestMethod::other;
    EXPECT_EQ(rig.route(del).status, 405u);
    RequestFacts head = get("/js/app.js?v=1");
    head.method = RequestMethod::head;
    const RouteDecision d = rig.route(head);
    EXPECT_EQ(d.route, Route::staticFile);
    EXPECT_TRUE(d.head);
    EXPECT_EQ(*d.file->body, "app");
    EXPECT_EQ(rig.route(get("/")).route, Route::staticFile);
    EXPECT_EQ(rig.route(get("/%2e%2e/index.html")).route, Route::notFound);
    EXPECT_EQ(rig.route(get("/nope")).status, 404u);
}

TEST(RequestRouter, ApiRoutesAndReadyzVerbose)
{
    const RouterRig rig;
    EXPECT_EQ(rig.route(get("/livez")).route, Route::livez);
    const auto bearer = [](std::string_view target, std::string_view authorization) {
        RequestFacts f = get(target);
        f.authorization = authorization;
        return f;
    };
    EXPECT_EQ(rig.route(bearer("/metrics", "Bearer view")).route, Route::metrics);
    EXPECT_EQ(rig.route(bearer("/api/v1/snapshot", "bearer ctl")).route, Route::snapshot);
    // The studio's figures follow the viewer rule: a configured viewer token is required, even on loopback.
    RequestFacts loopback = get("/api/v1/snapshot");
    loopback.peerIsLoopback = true;
    EXPECT_EQ(rig.route(loopback).status, 401u);
    EXPECT_EQ(rig.route(bearer("/api/v1/snapshot", "Bearer wrong")).status, 403u);
    EXPECT_EQ(rig.route(bearer("/metrics", "Basic dmlldzp2aWV3")).status, 401u);
    EXPECT_EQ(rig.route(bearer("/metrics", "")).status, 401u);
    EXPECT_FALSE(rig.route(get("/readyz")).readyVerbose);
    EXPECT_TRUE(rig.route(get("/readyz?verbose")).readyVerbose);
    EXPECT_TRUE(rig.route(get("/readyz?verbose=1")).readyVerbose);
    EXPECT_FALSE(rig.route(get("/readyz?verbosely")).readyVerbose);
}

TEST(RequestRouter, WithoutAViewerTokenOnlyLoopbackReadsTheFigures)
{
    NetOptions o;
    const AccessPolicy open(o);
    const StaticFiles none;
    RequestFacts f = get("/api/v1/snapshot");
    f.peerIsLoopback = true;
    EXPECT_EQ(routeRequest(f, open, none).route, Route::snapshot);
    f.peerIsLoopback = false;
    EXPECT_EQ(routeRequest(f, open, none).status, 403u);
}

TEST(RequestRouter, WebSocketChecksInOrder)
{
    const RouterRig rig;
    EXPECT_EQ(rig.route(get("/ws")).status, 426u);
    RequestFacts stopping = upgrade("headroom.v1, headroom.token.ctl", "http://evil.example");
    stopping.shuttingDown = true;
    EXPECT_EQ(rig.route(stopping).status, 503u); // before Origin and token
    const RouteDecision evil = rig.route(upgrade("headroom.v1, headroom.token.ctl", "http://evil.example"));
    EXPECT_EQ(evil.status, 403u);
    EXPECT_EQ(evil.rejection, Rejection::origin);
    EXPECT_EQ(rig.route(upgrade("headroom.v1")).status, 401u);
    const RouteDecision wrong = rig.route(upgrade("headroom.v1,headroom.token.nope"));
    EXPECT_EQ(wrong.status, 403u);
    EXPECT_EQ(wrong.rejection, Rejection::connection);
    const RouteDecision control = rig.route(upgrade("headroom.v1,headroom.token.ctl,", "http://studio.local:8080"));
    EXPECT_EQ(control.route, Route::webSocket);
    EXPECT_EQ(control.upgrade.role, headroom::proto::Role::control);
    EXPECT_EQ(control.upgrade.subprotocol, "headroom.v1");
    const RouteDecision viewer = rig.route(upgrade("headroom.token.view, headroom.v1", "http://LOCALHOST:8080"));
    EXPECT_EQ(viewer.route, Route::webSocket);
    EXPECT_EQ(viewer.upgrade.role, headroom::proto::Role::viewer);
}
