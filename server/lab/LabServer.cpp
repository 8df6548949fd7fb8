#include "server/lab/LabServer.h"

// The hub's only Beast translation unit (CI builds on 2 cores: NETWORK.md keeps Beast TUs few).
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <csignal>
#include <pthread.h>
#include <deque>
#include <nlohmann/json.hpp>
#include <set>

#include "server/lab/LabRooms.h"
#include "server/net/AccessPolicy.h"
#include "server/net/RequestRouter.h"
#include "server/net/ResponseHeaders.h"
#include "server/net/StaticFiles.h"

namespace headroom::server::lab
{
namespace
{
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Json = nlohmann::json;

constexpr std::size_t kMaxQueuedMessages = 512; // a viewer further behind than this is cut off

int64_t unixMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}
} // namespace

class ViewerSession;

struct LabServer::Impl : std::enable_shared_from_this<LabServer::Impl>
{
    Impl(LabServerOptions o, LogFunction l)
        : options(std::move(o)), log(std::move(l)), policy(options.net), files(net::StaticFiles::load(options.net.webRoot)),
          acceptor(ioc), expiry(ioc), signals(ioc)
    {
    }

    void accept();
    void onMqtt(std::string topic, std::string payload);
    void broadcast(const std::shared_ptr<const std::string>& message);
    void scheduleExpiry();
    void handleCommand(const std::shared_ptr<ViewerSession>& from, std::string_view text);
    void stop();

    LabServerOptions options;
    LogFunction log;
    asio::io_context ioc{1};
    const net::AccessPolicy policy;
    const net::StaticFiles files;
    tcp::acceptor acceptor;
    asio::steady_timer expiry;
    asio::signal_set signals;
    std::unique_ptr<MqttClient> mqtt;
    LabRooms rooms;
    std::set<std::shared_ptr<ViewerSession>> viewers;
    std::size_t connections = 0;
    uint64_t commandId = 0;
    uint64_t refusedMessages = 0;
    uint16_t boundPort = 0;
    bool stopping = false;
};

// One overview page's WebSocket. [net]
class ViewerSession : public std::enable_shared_from_this<ViewerSession>
{
public:
    ViewerSession(tcp::socket socket, LabServer::Impl& hub, proto::Role role)
        : ws_(std::move(socket)), hub_(hub), role_(role)
    {
    }

    void start(http::request<http::empty_body> request)
    {
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        ws_.read_message_max(4096);
        ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
            res.set(http::field::server, "headroom-hub");
            res.set(http::field::sec_websocket_protocol, "headroom.v1");
        }));
        ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) { self->onAccept(ec); });
    }

    void send(std::shared_ptr<const std::string> message)
    {
        if (closed_) return;
        if (queue_.size() >= kMaxQueuedMessages)
        {
            close(); // W-5: a viewer that stopped reading must not hold the hub's memory
            return;
        }
        queue_.push_back(std::move(message));
        if (queue_.size() == 1 && open_) doWrite();
    }

    void close()
    {
        if (closed_) return;
        closed_ = true;
        queue_.clear();
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(ws_).socket().close(ignored);
        hub_.viewers.erase(shared_from_this());
    }

    void closeGoingAway()
    {
        if (closed_ || !open_) return close();
        ws_.async_close(websocket::close_code::going_away, [self = shared_from_this()](beast::error_code) { self->close(); });
    }

    [[nodiscard]] proto::Role role() const { return role_; }

private:
    void onAccept(beast::error_code ec)
    {
        if (ec) return close();
        open_ = true;
        hub_.viewers.insert(shared_from_this());
        const Json hello = {{"type", "lab_hello"},
                            {"role", role_ == proto::Role::control ? "control" : "viewer"},
                            {"server_time", unixMs()}};
        queue_.push_front(std::make_shared<const std::string>(hub_.rooms.snapshotMessage()));
        queue_.push_front(std::make_shared<const std::string>(hello.dump()));
        doWrite();
        doRead();
    }

    void doWrite()
    {
        if (queue_.empty() || closed_) return;
        ws_.text(true);
        ws_.async_write(asio::buffer(*queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            if (!self->queue_.empty()) self->queue_.pop_front();
            self->doWrite();
        });
    }

    void doRead()
    {
        ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            if (!self->ws_.got_text())
                self->reply({{"type", "error"}, {"message", "binary messages are not accepted"}});
            else
                self->hub_.handleCommand(self, beast::buffers_to_string(self->buffer_.data()));
            self->buffer_.consume(self->buffer_.size());
            self->doRead();
        });
    }

public:
    void reply(const Json& message) { send(std::make_shared<const std::string>(message.dump())); }

private:
    websocket::stream<beast::tcp_stream> ws_;
    LabServer::Impl& hub_;
    proto::Role role_;
    beast::flat_buffer buffer_;
    std::deque<std::shared_ptr<const std::string>> queue_;
    bool open_ = false;
    bool closed_ = false;
};

// One HTTP connection: header limit 8 KiB, no bodies, 10 s header deadline, 15 s keep-alive,
// Host/Origin/token through net::routeRequest (the same decisions as `serve`). [net]
class HubHttpSession : public std::enable_shared_from_this<HubHttpSession>
{
public:
    HubHttpSession(tcp::socket socket, LabServer::Impl& hub) : stream_(std::move(socket)), hub_(hub)
    {
        ++hub_.connections;
        beast::error_code ec;
        const auto peer = stream_.socket().remote_endpoint(ec);
        loopback_ = !ec && peer.address().is_loopback();
    }
    ~HubHttpSession() { --hub_.connections; }

    void run() { doRead(); }

private:
    using Response = http::response<http::string_body>;

    void doRead()
    {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(hub_.options.net.headerLimitBytes));
        parser_->body_limit(0);
        stream_.expires_after(first_ ? hub_.options.net.headerTimeout : hub_.options.net.keepAliveTimeout);
        http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->onRead(ec);
        });
    }

    void onRead(beast::error_code ec)
    {
        if (ec == http::error::header_limit) return send(respond(431, "header too large\n", "text/plain"), true);
        if (ec == http::error::body_limit) return send(respond(413, "no request bodies\n", "text/plain"), true);
        if (ec) return closeSocket();
        first_ = false;
        handle(parser_->release());
    }

    Response respond(unsigned status, std::string body, const char* type) const
    {
        return net::makeStandardResponse<Response>(status, 11, "headroom-hub", std::move(body), type);
    }

    void handle(http::request<http::empty_body> request)
    {
        std::string target(request.target());
        if (target == "/" || target.starts_with("/?")) target.replace(0, 1, "/lab.html"); // the hub's page
        std::string subprotocols;
        const auto offered = request.equal_range(http::field::sec_websocket_protocol);
        for (auto field = offered.first; field != offered.second; ++field)
        {
            if (!subprotocols.empty()) subprotocols += ",";
            subprotocols += std::string(field->value());
        }
        net::RequestFacts facts;
        facts.method = request.method() == http::verb::get    ? net::RequestMethod::get
                       : request.method() == http::verb::head ? net::RequestMethod::head
                                                              : net::RequestMethod::other;
        facts.target = target;
        const auto hosts = request.equal_range(http::field::host);
        facts.multipleHosts = std::distance(hosts.first, hosts.second) > 1;
        facts.host = request[http::field::host];
        if (request.find(http::field::origin) != request.end()) facts.origin = request[http::field::origin];
        facts.subprotocols = subprotocols;
        facts.webSocketUpgrade = websocket::is_upgrade(request);
        facts.peerIsLoopback = loopback_;
        facts.shuttingDown = hub_.stopping;
        const net::RouteDecision d = net::routeRequest(facts, hub_.policy, hub_.files);
        const bool close = !request.keep_alive();

        switch (d.route)
        {
        case net::Route::refuse:
        {
            Response res = respond(d.status, d.message + "\n", "text/plain; charset=utf-8");
            if (d.status == 401) res.set(http::field::www_authenticate, "Bearer realm=\"headroom\"");
            if (d.status == 405) res.set(http::field::allow, "GET, HEAD");
            if (d.status == 426) res.set(http::field::upgrade, "websocket");
            return send(std::move(res), close || d.close);
        }
        case net::Route::webSocket:
            if (hub_.viewers.size() >= hub_.options.net.maxWebSocketClients)
            {
                Response res = respond(503, "too many viewers\n", "text/plain");
                res.set(http::field::retry_after, "5");
                return send(std::move(res), true);
            }
            stream_.expires_never();
            return std::make_shared<ViewerSession>(stream_.release_socket(), hub_, d.upgrade.role)
                ->start(std::move(request));
        case net::Route::livez:
            return send(respond(200, "ok\n", "text/plain"), close);
        case net::Route::readyz:
        {
            const bool ready = hub_.mqtt && hub_.mqtt->connected();
            return send(respond(ready ? 200 : 503, ready ? "ok\n" : "not connected to the MQTT broker\n", "text/plain"),
                        close);
        }
        case net::Route::metrics:
        {
            std::string text = "# HELP headroom_lab_rooms Rooms known to the hub.\n# TYPE headroom_lab_rooms gauge\n"
                               "headroom_lab_rooms " + std::to_string(hub_.rooms.roomCount()) +
                               "\n# HELP headroom_lab_rooms_live Rooms sending summaries.\n# TYPE headroom_lab_rooms_live gauge\n"
                               "headroom_lab_rooms_live " + std::to_string(hub_.rooms.liveCount()) +
                               "\n# HELP headroom_lab_viewers Overview WebSocket clients.\n# TYPE headroom_lab_viewers gauge\n"
                               "headroom_lab_viewers " + std::to_string(hub_.viewers.size()) +
                               "\n# HELP headroom_lab_mqtt_connected 1 while connected to the broker.\n"
                               "# TYPE headroom_lab_mqtt_connected gauge\nheadroom_lab_mqtt_connected " +
                               std::string(hub_.mqtt && hub_.mqtt->connected() ? "1" : "0") + "\n";
            return send(respond(200, std::move(text), "text/plain; version=0.0.4"), close);
        }
        case net::Route::snapshot:
            return send(respond(200, hub_.rooms.snapshotMessage(), "application/json"), close);
        case net::Route::staticFile:
        {
            Response res = respond(200, d.head ? std::string() : *d.file->body, d.file->contentType.c_str());
            res.set(http::field::cache_control, "no-cache");
            if (d.head) res.content_length(d.file->body->size());
            return send(std::move(res), close);
        }
        case net::Route::notFound:
            if (d.path == "/api/v1/results.csv") return sendResults(request, close);
            return send(respond(404, "not found\n", "text/plain"), close);
        }
    }

    // The results need the viewer role, decided by the same policy as the WebSocket: the bearer
    // token is checked as if it had been offered as the token subprotocol.
    void sendResults(const http::request<http::empty_body>& request, bool close)
    {
        std::string offered = "headroom.v1";
        const std::string_view authorization = request[http::field::authorization];
        if (authorization.starts_with("Bearer "))
        {
            const std::string_view token = authorization.substr(7);
            if (token.find_first_of(" ,") != std::string_view::npos)
                return send(respond(400, "malformed token\n", "text/plain"), true);
            offered += ", " + std::string(net::kTokenSubprotocolPrefix) + std::string(token);
        }
        const net::UpgradeDecision who = hub_.policy.authorize(offered, loopback_);
        if (who.httpStatus != 101)
        {
            Response res = respond(who.httpStatus, who.reason + "\n", "text/plain");
            if (who.httpStatus == 401) res.set(http::field::www_authenticate, "Bearer realm=\"headroom\"");
            return send(std::move(res), close);
        }
        Response res = respond(200, hub_.rooms.resultsCsv(), "text/csv; charset=utf-8");
        res.set(http::field::content_disposition, "attachment; filename=\"headroom-lab-results.csv\"");
        send(std::move(res), close);
    }

    void send(Response response, bool close)
    {
        response.keep_alive(!close);
        response_ = std::make_shared<Response>(std::move(response));
        stream_.expires_after(hub_.options.net.writeStallTimeout);
        http::async_write(stream_, *response_, [self = shared_from_this(), close](beast::error_code ec, std::size_t) {
            self->response_.reset();
            if (ec || close) return self->closeSocket();
            self->doRead();
        });
    }

    void closeSocket()
    {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.close();
    }

    beast::tcp_stream stream_;
    LabServer::Impl& hub_;
    beast::flat_buffer buffer_{8192};
    std::optional<http::request_parser<http::empty_body>> parser_;
    std::shared_ptr<Response> response_;
    bool loopback_ = false;
    bool first_ = true;
};

void LabServer::Impl::accept()
{
    acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
        if (self->stopping) return;
        if (!ec)
        {
            if (self->connections >= self->options.net.maxConnections)
            {
                beast::error_code ignored;
                socket.close(ignored); // C-1: over the cap, closed at accept
            }
            else
                std::make_shared<HubHttpSession>(std::move(socket), *self)->run();
            self->accept();
        }
        else
        {
            // EMFILE and friends: pause instead of a hot loop.
            auto timer = std::make_shared<asio::steady_timer>(self->ioc, self->options.net.acceptPause);
            timer->async_wait([self, timer](beast::error_code) { self->accept(); });
        }
    });
}

void LabServer::Impl::onMqtt(std::string topic, std::string payload)
{
    std::string error;
    auto tile = rooms.onMessage(topic, payload, std::chrono::steady_clock::now(), unixMs(), &error);
    if (!error.empty() && log && ++refusedMessages <= 20) log("mqtt: ignored a message on " + topic + ": " + error);
    if (tile) broadcast(std::make_shared<const std::string>(std::move(*tile)));
}

void LabServer::Impl::broadcast(const std::shared_ptr<const std::string>& message)
{
    // Copy: a session that falls too far behind removes itself from the set while we iterate.
    const std::vector<std::shared_ptr<ViewerSession>> current(viewers.begin(), viewers.end());
    for (const auto& v : current) v->send(message);
}

void LabServer::Impl::scheduleExpiry()
{
    expiry.expires_after(std::chrono::milliseconds(500));
    expiry.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec || self->stopping) return;
        for (std::string& tile : self->rooms.expire(std::chrono::steady_clock::now()))
        {
            if (self->log) self->log("lab: a room stopped sending summaries: " + tile.substr(0, tile.find(",\"live\"")));
            self->broadcast(std::make_shared<const std::string>(std::move(tile)));
        }
        self->scheduleExpiry();
    });
}

void LabServer::Impl::handleCommand(const std::shared_ptr<ViewerSession>& from, std::string_view text)
{
    Json message = Json::parse(text, nullptr, false);
    if (message.is_discarded() || !message.is_object() || !message.contains("type") || !message["type"].is_string())
        return from->reply({{"type", "error"}, {"message", "expected a JSON object with a \"type\""}});
    if (message["type"] != "exercise")
        return from->reply({{"type", "error"}, {"message", "unknown message type"}});
    if (from->role() != proto::Role::control)
        return from->reply({{"type", "error"}, {"code", "forbidden"}, {"message", "exercises need the control role"}});
    // The command as the rooms will decode it: validated by the same decoder first.
    proto::lab::RoomCommand command;
    command.action = message.value("action", std::string());
    command.exercise = message.contains("exercise") && message["exercise"].is_number_integer() ? message["exercise"].get<int>() : 0;
    command.target = message.contains("target") && message["target"].is_string() ? message["target"].get<std::string>() : "";
    command.holdSeconds = message.contains("hold_s") && message["hold_s"].is_number() ? message["hold_s"].get<double>() : 0.0;
    command.limitSeconds = message.contains("limit_s") && message["limit_s"].is_number() ? message["limit_s"].get<double>() : 0.0;
    command.id = ++commandId;
    const std::string encoded = proto::lab::encodeRoomCommand(command);
    if (auto check = proto::lab::decodeRoomCommand(encoded); !check)
        return from->reply({{"type", "error"}, {"message", check.error()}});

    std::vector<std::pair<std::string, std::string>> targets;
    const Json& which = message.contains("rooms") ? message["rooms"] : Json("all");
    if (which.is_string() && which == "all")
        targets = rooms.rooms();
    else if (which.is_array())
        for (const Json& key : which)
        {
            if (!key.is_string()) continue;
            const std::string k = key.get<std::string>();
            const std::size_t slash = k.find('/');
            if (slash == std::string::npos) continue;
            const std::string site = k.substr(0, slash), room = k.substr(slash + 1);
            if (proto::lab::validRoomName(site) && proto::lab::validRoomName(room)) targets.emplace_back(site, room);
        }
    std::size_t sent = 0;
    for (const auto& [site, room] : targets)
        if (mqtt && mqtt->publish(proto::lab::roomTopic(site, room, "command"), encoded, 1, false)) ++sent;
    if (log)
        log("lab: exercise " + command.action + " " + std::to_string(command.exercise) + " sent to " +
            std::to_string(sent) + " room(s)");
    from->reply({{"type", "ack"}, {"id", command.id}, {"sent", sent}});
}

void LabServer::Impl::stop()
{
    if (stopping) return;
    stopping = true;
    beast::error_code ignored;
    acceptor.close(ignored);
    expiry.cancel();
    signals.cancel();
    const std::vector<std::shared_ptr<ViewerSession>> current(viewers.begin(), viewers.end());
    for (const auto& v : current) v->closeGoingAway();
    auto grace = std::make_shared<asio::steady_timer>(ioc, std::chrono::seconds(2));
    grace->async_wait([this, grace](beast::error_code) { ioc.stop(); });
}

LabServer::LabServer(LabServerOptions options, LogFunction log)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(log)))
{
}

LabServer::~LabServer()
{
    if (impl_->mqtt) impl_->mqtt->stop();
}

void LabServer::open()
{
    Impl& h = *impl_;
    const tcp::endpoint endpoint(asio::ip::make_address(h.options.net.listenAddress), h.options.net.listenPort);
    try
    {
        h.acceptor.open(endpoint.protocol());
        h.acceptor.set_option(asio::socket_base::reuse_address(true));
        h.acceptor.bind(endpoint);
        h.acceptor.listen(asio::socket_base::max_listen_connections);
    }
    catch (const boost::system::system_error& e)
    {
        throw std::runtime_error("cannot listen on " + h.options.net.listenAddress + ":" +
                                 std::to_string(h.options.net.listenPort) + ": " + e.code().message());
    }
    h.boundPort = h.acceptor.local_endpoint().port();
    if (h.log) h.log("listening on http://" + h.options.net.listenAddress + ":" + std::to_string(h.boundPort) + "/");

    if (h.options.mqtt.clientId.empty()) h.options.mqtt.clientId = "headroom-hub-" + std::to_string(::getpid());
    h.mqtt = std::make_unique<MqttClient>(h.options.mqtt, h.log);
    h.mqtt->subscribe(std::string(proto::lab::kTopicRoot) + "/" + h.options.site + "/+/status", 1);
    h.mqtt->subscribe(std::string(proto::lab::kTopicRoot) + "/" + h.options.site + "/+/topology", 1);
    h.mqtt->subscribe(std::string(proto::lab::kTopicRoot) + "/" + h.options.site + "/+/summary", 0);
    std::weak_ptr<Impl> weak = impl_;
    h.mqtt->onMessage([weak](std::string_view topic, std::string_view payload, bool) {
        // [mqtt] -> [net]: everything about rooms happens on the network thread.
        if (auto self = weak.lock())
            asio::post(self->ioc, [self, t = std::string(topic), p = std::string(payload)]() mutable {
                self->onMqtt(std::move(t), std::move(p));
            });
    });
    h.mqtt->start();
}

uint16_t LabServer::port() const noexcept
{
    return impl_->boundPort;
}

std::size_t LabServer::staticFileCount() const noexcept
{
    return impl_->files.size();
}

void LabServer::run(bool handleSignals)
{
    Impl& h = *impl_;
    sigset_t unblock;
    sigset_t previous;
    sigemptyset(&unblock);
    if (handleSignals)
    {
        // Handlers first, then unblock on this thread only (blocked in the MQTT client's network thread).
        h.signals.add(SIGINT);
        h.signals.add(SIGTERM);
        h.signals.async_wait([self = impl_](beast::error_code ec, int) {
            if (!ec) self->stop();
        });
        sigaddset(&unblock, SIGINT);
        sigaddset(&unblock, SIGTERM);
    }
    pthread_sigmask(SIG_UNBLOCK, &unblock, &previous);
    h.accept();
    h.scheduleExpiry();
    h.ioc.run();
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    h.mqtt->stop();
}

void LabServer::shutdown()
{
    asio::post(impl_->ioc, [self = impl_] { self->stop(); });
}

} // namespace headroom::server::lab
