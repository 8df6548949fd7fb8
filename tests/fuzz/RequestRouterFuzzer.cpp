// libFuzzer target for the HTTP request router and the static asset lookup (hardening-checklist.md
// §6 F-1 (c)): the fuzz bytes are a raw request head, parsed by Beast's request_parser configured as
// HttpSession configures it (8 KiB header limit, no body), then routed by routeRequest with the
// facts HttpSession extracts (BeastRequestFacts.h), under two access policies (tokens configured or
// not) and every combination of loopback peer and shutting down. No sockets.
// Build: -DHEADROOM_FUZZ=ON with clang (tests/fuzz/CMakeLists.txt); run:
//   build-fuzz/tests/fuzz/RequestRouterFuzzer -max_len=4096 -dict=tests/fuzz/request_router.dict CORPUS_DIR
// Properties (a violation is __builtin_trap):
//   - nothing is served (a route other than a refusal or 404) unless the one Host is allowed, the method
//     is GET or HEAD and the target is origin-form;
//   - a served file is the allow-list's entry for the decoded path, which never holds '\\', '..'
//     segments or control characters; the dotfile and the symlink planted in the web root (both
//     hold "SECRET") are never served;
//   - a WebSocket is accepted only for /ws, a real upgrade, an allowed Origin, not while shutting
//     down, echoing no subprotocol or headroom.v1; the control role only with the control token;
//   - refusals carry a known status and a message, and no answer contains a token;
//   - shutting down changes nothing but the answer to a WebSocket upgrade of an allowed Host (503).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>

#include "server/net/AccessPolicy.h"
#include "server/net/BeastRequestFacts.h"
#include "server/net/RequestRouter.h"
#include "server/net/StaticFiles.h"

namespace
{
using namespace headroom::server::net;
namespace http = boost::beast::http;
namespace fs = std::filesystem;

constexpr std::string_view kViewerToken = "v1ewer-token-9f3a";
constexpr std::string_view kControlToken = "c0ntrol-token-77be";
const std::size_t kHeaderLimit = NetOptions{}.headerLimitBytes; // as the server

void check(bool ok)
{
    if (!ok) __builtin_trap();
}

void writeFile(const fs::path& path, std::string_view text)
{
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

// A web root with ordinary files, names that look like traversal or need escapes, and two things
// that must never be served: a dotfile and a symlink to a file outside the root. Loaded into memory,
// then deleted.
StaticFiles makeFiles()
{
    const fs::path base = fs::temp_directory_path() / ("headroom-router-fuzz-" + std::to_string(::getpid()));
    fs::remove_all(base);
    const fs::path root = base / "web";
    writeFile(root / "index.html", "<!doctype html>index");
    writeFile(root / "js" / "app.js", "app");
    writeFile(root / "a..b.js", "dots in a name");
    writeFile(root / "sp ace.css", "space");
    writeFile(root / "100%.txt", "percent");
    writeFile(root / "sub" / "index.html", "sub index");
    writeFile(root / ".secret", "SECRET dotfile");
    writeFile(root / ".git" / "config", "SECRET git");
    writeFile(base / "outside.txt", "SECRET outside");
    fs::create_symlink(base / "outside.txt", root / "link.txt");
    fs::create_directory_symlink(base, root / "up");
    StaticFiles files = StaticFiles::load(root.string());
    fs::remove_all(base);
    check(files.size() == 6);
    return files;
}

NetOptions options(bool tokens)
{
    NetOptions o;
    o.listenAddress = "192.168.1.20";
    o.allowedHosts = {"studio.local", "[fd00::1]"};
    o.allowedOrigins = {"http://studio.local:8080", "https://meter.example"};
    if (tokens)
    {
        o.viewerToken = std::string(kViewerToken);
        o.controlToken = std::string(kControlToken);
    }
    return o;
}

struct Fixture
{
    StaticFiles files = makeFiles();
    AccessPolicy withTokens{options(true)};
    AccessPolicy withoutTokens{options(false)};
};

const Fixture& fixture()
{
    static const Fixture f;
    return f;
}

bool knownRefusal(unsigned status)
{
    switch (status)
    {
    case 400: case 401: case 403: case 405: case 421: case 426: case 503: return true;
    default: return false;
    }
}

bool holdsToken(std::string_view text)
{
    return text.find(kViewerToken) != std::string_view::npos || text.find(kControlToken) != std::string_view::npos;
}

bool hasDotDotSegment(std::string_view path)
{
    return path == ".." || path.starts_with("../") || path.ends_with("/..") ||
           path.find("/../") != std::string_view::npos;
}

void checkDecision(const RouteDecision& d, const RequestFacts& facts, const AccessPolicy& policy, bool tokens)
{
    const auto& files = fixture().files;
    check(!holdsToken(d.message) && !holdsToken(d.upgrade.reason));
    if (d.route == Route::refuse)
    {
        check(knownRefusal(d.status) && !d.message.empty());
        check(d.rejection != Rejection::origin || d.status == 403);
        return;
    }
    // Anything else is an answer about this server's resources: the request passed every gate.
    check(!facts.host.empty() && !facts.multipleHosts && policy.hostAllowed(facts.host));
    check(facts.method != RequestMethod::other);
    check(!facts.target.empty() && facts.target.front() == '/');
    check(d.rejection == Rejection::none);
    check(d.head == (facts.method == RequestMethod::head));
    for (const char c : d.path)
        check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f && c != '\\');
    switch (d.route)
    {
    case Route::staticFile:
        check(d.status == 200 && d.file != nullptr && d.file == files.find(d.path));
        check(d.file->body->find("SECRET") == std::string::npos);
        check(!hasDotDotSegment(d.path) && d.path.find("/.") == std::string::npos);
        break;
    case Route::notFound:
        check(d.status == 404 && d.file == nullptr && files.find(d.path) == nullptr);
        break;
    case Route::webSocket:
    {
        check(d.status == 101 && d.path == "/ws" && facts.webSocketUpgrade && !facts.shuttingDown);
        check(policy.originAllowed(facts.origin, facts.host));
        check(d.upgrade.httpStatus == 101);
        check(d.upgrade.subprotocol.empty() || d.upgrade.subprotocol == "headroom.v1");
        const bool control = d.upgrade.role == headroom::proto::Role::control;
        const std::string controlOffer = "headroom.token." + std::string(kControlToken);
        const std::string viewerOffer = "headroom.token." + std::string(kViewerToken);
        check(!control || (tokens && facts.subprotocols.find(controlOffer) != std::string_view::npos));
        if (tokens && !control) check(facts.subprotocols.find(viewerOffer) != std::string_view::npos);
        if (!tokens) check(!control && facts.peerIsLoopback);
        break;
    }
    default:
        check(d.status == 200 && (d.path == "/livez" || d.path == "/readyz" || d.path == "/metrics" ||
                                  d.path == "/api/v1/snapshot"));
        break;
    }
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    (void)fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    // As HttpSession::doRead/onRead: the header only, at most 8 KiB, no body.
    http::request_parser<http::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(kHeaderLimit));
    parser.body_limit(0);
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(data, size), ec);
    if (ec || !parser.is_header_done()) return 0; // 400/431/413, or waiting for more
    const auto length = parser.content_length();
    if (parser.chunked() || (length && *length > 0)) return 0; // 413
    const http::request<http::empty_body>& request = parser.get();

    const Fixture& f = fixture();
    for (const bool tokens : {true, false})
    {
        const AccessPolicy& policy = tokens ? f.withTokens : f.withoutTokens;
        for (const bool loopback : {false, true})
        {
            std::string offeredA;
            std::string offeredB;
            const RequestFacts running = requestFacts(request, offeredA, loopback, false);
            const RequestFacts stopping = requestFacts(request, offeredB, loopback, true);
            const RouteDecision a = routeRequest(running, policy, f.files);
            const RouteDecision b = routeRequest(stopping, policy, f.files);
            checkDecision(a, running, policy, tokens);
            checkDecision(b, stopping, policy, tokens);
            // Past the Host, method and upgrade checks, /ws answers 503 while shutting down (before
            // Origin and token are looked at); nothing else changes.
            const bool upgradeAttempt = a.route == Route::webSocket || (a.route == Route::refuse && a.path == "/ws" &&
                                                                       a.status != 405 && a.status != 426);
            if (upgradeAttempt)
                check(b.route == Route::refuse && b.status == 503 && b.close);
            else
                check(a.route == b.route && a.status == b.status && a.file == b.file && a.message == b.message);
        }
    }
    return 0;
}
