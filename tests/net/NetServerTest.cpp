// The streaming server end to end: real Beast clients on 127.0.0.1 (port 0) against NetServer, fed
// by a real EngineWorker draining a RealtimeMeter that plays generated sines in real time. No JACK.
#include "server/net/NetServer.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>

#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "proto/JsonMessages.h"
#include "proto/MeterFrameCodec.h"
#include "server/audio/RealtimeMeter.h"
#include "server/engine/EngineWorker.h"
#include "server/net/ProtocolAdapter.h"
#include "tests/support/TestCertificates.h"
#include "tests/support/TestSignals.h"

using namespace headroom;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace
{
constexpr uint32_t kRate = 48000;
constexpr std::size_t kPeriod = 480; // 10 ms

// vox (mono input), gtr (stereo input), keys (stereo pre_insert): 5 meter channels.
server::MeterPlan testPlan()
{
    server::MeterPlan plan;
    const auto add = [&](const char* node, const char* stage, std::size_t channels) {
        server::PlannedTap t;
        t.nodeId = node;
        t.stage = stage;
        t.numChannels = channels;
        t.layout = channels == 1 ? std::vector<dsp::ChannelRole>{dsp::ChannelRole::mono}
                                 : std::vector<dsp::ChannelRole>{dsp::ChannelRole::left, dsp::ChannelRole::right};
        t.target = server::defaultStageTarget(server::NodeKind::channel, stage);
        plan.addTap(std::move(t));
    };
    add("vox", "input", 1);
    add("gtr", "input", 2);
    add("keys", "pre_insert", 2);
    return plan;
}

// An EngineFeed over a worker and a meter that a thread feeds with -18 dBFS sines in real time.
class TestEngine final : public server::EngineFeed
{
public:
    TestEngine() : plan_(testPlan())
    {
        meter_.prepare(plan_, kRate, {}, 4096);
        worker_.prepare(meter_.queue(), plan_, kRate, {}, {});
    }
    ~TestEngine() override { stop(); }

    void start()
    {
        worker_.start();
        running_ = true;
        feeder_ = std::thread([this] { feed(); });
    }
    void stop()
    {
        running_ = false;
        if (feeder_.joinable()) feeder_.join();
        worker_.stop();
    }
    void setConnected(bool connected) { connected_ = connected; }
    void setPeriod(uint32_t frames) { period_ = frames; } // what a jack_bufsize would report

    void setListeners(server::EngineListeners listeners) override
    {
        worker_.onMeterFrame(std::move(listeners.meterFrame));
        worker_.onSnapshot(std::move(listeners.snapshot));
    }
    const server::MeterPlan& meterPlan() const noexcept override { return plan_; }
    std::shared_ptr<const server::EngineSnapshot> latestSnapshot() const override { return worker_.latestSnapshot(); }
    server::EngineHealth health() const override
    {
        server::EngineHealth h = worker_.health();
        h.sourceRunning = connected_;
        return h;
    }
    server::SourceStatus sourceStatus() const override
    {
        server::SourceStatus s;
        s.connected = connected_;
        s.sampleRateHz = kRate;
        s.bufferFrames = period_;
        return s;
    }
    std::optional<uint64_t> submit(server::EngineCommand command) override { return worker_.submit(command); }
    uint64_t lastCommandApplied() const override { return worker_.lastCommandApplied(); }

private:
    void feed()
    {
        const std::vector<float> vox = test::sine(kRate, 997.0, -18.0, 1.0);
        const std::vector<float> gtr = test::sine(kRate, 440.0, -12.0, 1.0);
        auto next = std::chrono::steady_clock::now();
        std::size_t offset = 0;
        while (running_)
        {
            const float* channels[] = {vox.data() + offset, gtr.data() + offset, gtr.data() + offset,
                                       vox.data() + offset, vox.data() + offset};
            meter_.process(channels, kPeriod);
            offset = (offset + kPeriod) % (kRate - kRate % kPeriod);
            next += 10ms;
            std::this_thread::sleep_until(next);
        }
    }

    server::MeterPlan plan_;
    server::RealtimeMeter meter_;
    server::EngineWorker worker_;
    std::thread feeder_;
    std::atomic<bool> running_{false};
    std::atomic<bool> connected_{true};
    std::atomic<uint32_t> period_{64};
};

// The server and its engine, on their own threads.
struct Rig
{
    explicit Rig(server::net::NetOptions options = {}, bool startEngine = true)
    {
        options.listenAddress = "127.0.0.1";
        options.listenPort = 0;
        if (options.webRoot.empty()) options.webRoot = webRoot();
        server = std::make_unique<server::net::NetServer>(
            options, engine, server::net::makeHelloTemplate(engine.meterPlan(), nullptr, "test"),
            [](std::string_view) {});
        server->open();
        if (startEngine) engine.start();
        thread = std::thread([this] { server->run(false); });
    }
    ~Rig()
    {
        server->shutdown();
        if (thread.joinable()) thread.join();
        engine.stop();
    }
    static std::string webRoot()
    {
        static const std::string root = [] {
            const auto dir = std::filesystem::temp_directory_path() /
                             ("headroom-net-test-" + std::to_string(::getpid()));
            std::filesystem::create_directories(dir / "js");
            std::ofstream(dir / "index.html") << "<!doctype html><title>Headroom</title>";
            std::ofstream(dir / "js" / "app.js") << "export const x = 1;";
            std::ofstream(dir / ".hidden") << "secret";
            std::error_code ec;
            std::filesystem::create_symlink("/etc/hostname", dir / "link.txt", ec);
            return dir.string();
        }();
        return root;
    }
    uint16_t port() const { return server->port(); }

    TestEngine engine;
    std::unique_ptr<server::net::NetServer> server;
    std::thread thread;
};

struct Message
{
    bool text = false;
    std::string data;
};

struct ClientOptions
{
    std::optional<std::string> origin; // default: same origin
    std::vector<std::string> subprotocols;
    std::string host; // default 127.0.0.1:PORT
    int receiveBufferBytes = 0;
};

ClientOptions withProtocols(std::vector<std::string> protocols, std::optional<std::string> origin = std::nullopt,
                            std::string host = "")
{
    ClientOptions o;
    o.subprotocols = std::move(protocols);
    o.origin = std::move(origin);
    o.host = std::move(host);
    return o;
}

// A WebSocket client on its own io_context; reads run for a bounded time.
class Client
{
public:
    explicit Client(uint16_t port) : Client(port, ClientOptions()) {}
    Client(uint16_t port, ClientOptions options) : ws_(ioc_)
    {
        const std::string host = options.host.empty() ? "127.0.0.1:" + std::to_string(port) : options.host;
        const std::string origin = options.origin.value_or("http://" + host);
        std::string protocols;
        for (const auto& p : options.subprotocols) protocols += (protocols.empty() ? "" : ", ") + p;
        auto& socket = beast::get_lowest_layer(ws_).socket();
        socket.open(tcp::v4());
        if (options.receiveBufferBytes > 0)
            socket.set_option(asio::socket_base::receive_buffer_size(options.receiveBufferBytes));
        socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        ws_.set_option(websocket::stream_base::decorator([origin, protocols](websocket::request_type& req) {
            if (!origin.empty()) req.set(http::field::origin, origin);
            if (!protocols.empty()) req.set(http::field::sec_websocket_protocol, protocols);
        }));
        beast::error_code ec;
        ws_.handshake(response_, host, "/ws", ec);
        handshakeError_ = ec;
        ws_.read_message_max(1 << 20);
    }

    bool connected() const { return !handshakeError_; }
    unsigned status() const { return response_.result_int(); }
    const websocket::response_type& response() const { return response_; }

    // The next message, or none after timeout / when the connection ended (ended(), closeCode()).
    // A read that times out stays pending and is continued by the next call.
    std::optional<Message> read(std::chrono::milliseconds timeout = 2000ms)
    {
        if (ended_) return std::nullopt;
        if (!pending_)
        {
            pending_ = true;
            buffer_.clear();
            ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
                pending_ = false;
                if (ec)
                {
                    ended_ = true;
                    endError_ = ec;
                    return;
                }
                received_ = Message{ws_.got_text(), beast::buffers_to_string(buffer_.data())};
            });
        }
        ioc_.restart();
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (pending_ && std::chrono::steady_clock::now() < deadline)
            ioc_.run_one_until(deadline);
        return std::exchange(received_, std::nullopt);
    }
    [[nodiscard]] bool ended() const { return ended_; }

    // Reads until a message satisfies pred (or the deadline).
    template <typename Pred>
    std::optional<Message> readUntil(Pred pred, std::chrono::milliseconds timeout = 3000ms)
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline)
        {
            auto m = read(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()) + 1ms);
            if (!m)
            {
                if (ended_) return std::nullopt;
                continue;
            }
            if (pred(*m)) return m;
        }
        return std::nullopt;
    }

    std::optional<nlohmann::json> readJson(const std::string& type, std::chrono::milliseconds timeout = 3000ms)
    {
        auto m = readUntil(
            [&](const Message& msg) {
                if (!msg.text) return false;
                const auto j = nlohmann::json::parse(msg.data, nullptr, false);
                return !j.is_discarded() && j.value("type", "") == type;
            },
            timeout);
        if (!m) return std::nullopt;
        return nlohmann::json::parse(m->data);
    }

    // Binary frames received within the duration (other messages skipped).
    int countFrames(std::chrono::milliseconds duration)
    {
        int frames = 0;
        const auto end = std::chrono::steady_clock::now() + duration;
        while (std::chrono::steady_clock::now() < end)
        {
            auto m = read(std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()) + 1ms);
            if (!m && ended_) break;
            if (m && !m->text) ++frames;
        }
        return frames;
    }

    void sendText(const std::string& text)
    {
        ws_.text(true);
        ws_.write(asio::buffer(text));
    }
    void sendBinary(const std::string& bytes)
    {
        ws_.binary(true);
        ws_.write(asio::buffer(bytes));
    }

    // The close code the server sent, once read() returned none because the connection ended.
    std::optional<uint16_t> closeCode()
    {
        if (endError_ == websocket::error::closed) return static_cast<uint16_t>(ws_.reason().code);
        return std::nullopt;
    }
    // Reads until the connection ends; the server's close code, if it sent one.
    std::optional<uint16_t> waitForClose(std::chrono::milliseconds timeout = 5000ms)
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!ended_ && std::chrono::steady_clock::now() < deadline)
            read(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()) + 1ms);
        return closeCode();
    }

private:
    asio::io_context ioc_;
    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    websocket::response_type response_;
    beast::error_code handshakeError_;
    beast::error_code endError_;
    bool ended_ = false;
    bool pending_ = false;
    std::optional<Message> received_;
};

// A raw HTTP exchange: status code (0 when the connection was reset or closed without an answer)
// and the response text.
struct RawResponse
{
    unsigned status = 0;
    std::string text;
};

RawResponse rawHttp(uint16_t port, const std::string& request)
{
    asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    beast::error_code ec;
    asio::write(socket, asio::buffer(request), ec);
    std::string text;
    std::array<char, 4096> chunk{};
    for (;;)
    {
        const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
        text.append(chunk.data(), n);
        if (ec) break;
    }
    RawResponse r;
    r.text = text;
    if (text.starts_with("HTTP/1.1 ") && text.size() >= 12) r.status = static_cast<unsigned>(std::stoul(text.substr(9, 3)));
    if (ec && ec != asio::error::eof) r.status = 0; // a reset
    return r;
}

RawResponse get(uint16_t port, const std::string& target, const std::string& host = "", const std::string& token = "")
{
    return rawHttp(port, "GET " + target + " HTTP/1.1\r\nHost: " +
                             (host.empty() ? "127.0.0.1:" + std::to_string(port) : host) +
                             (token.empty() ? std::string() : "\r\nAuthorization: Bearer " + token) +
                             "\r\nConnection: close\r\n\r\n");
}

// The status of a WebSocket upgrade request that is expected to be refused (read up to the header end).
unsigned upgradeStatus(uint16_t port, const std::string& origin, const std::string& protocols, const std::string& host = "")
{
    asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    const std::string h = host.empty() ? "127.0.0.1:" + std::to_string(port) : host;
    std::string request = "GET /ws HTTP/1.1\r\nHost: " + h +
                          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n";
    if (!origin.empty()) request += "Origin: " + origin + "\r\n";
    if (!protocols.empty()) request += "Sec-WebSocket-Protocol: " + protocols + "\r\n";
    request += "\r\n";
    asio::write(socket, asio::buffer(request));
    std::string text;
    beast::error_code ec;
    std::array<char, 1024> chunk{};
    while (text.find("\r\n\r\n") == std::string::npos && !ec)
    {
        const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
        text.append(chunk.data(), n);
    }
    return text.starts_with("HTTP/1.1 ") ? static_cast<unsigned>(std::stoul(text.substr(9, 3))) : 0u;
}

std::string body(const RawResponse& r)
{
    const std::size_t p = r.text.find("\r\n\r\n");
    return p == std::string::npos ? std::string() : r.text.substr(p + 4);
}

proto::MeterFrame decodeFrame(const Message& m)
{
    auto decoded = proto::decodeMeterFrame({reinterpret_cast<const uint8_t*>(m.data.data()), m.data.size()});
    EXPECT_TRUE(decoded.ok());
    return decoded ? decoded.value() : proto::MeterFrame{};
}

double metric(uint16_t port, const std::string& name, const std::string& token = "")
{
    const std::string text = body(get(port, "/metrics", "", token));
    const std::size_t p = text.find("\n" + name + " ");
    if (p == std::string::npos) return -1.0;
    return std::stod(text.substr(p + name.size() + 2));
}
} // namespace

// ---- WebSocket stream ------------------------------------------------------------------------

TEST(NetServer, SendsHelloThenBinaryMeterFramesThatDecodeToTheSignalLevels)
{
    Rig rig;
    Client client(rig.port());
    ASSERT_TRUE(client.connected());
    auto hello = client.read();
    ASSERT_TRUE(hello && hello->text);
    const auto j = nlohmann::json::parse(hello->data);
    EXPECT_EQ(j["type"], "hello");
    EXPECT_EQ(j["role"], "viewer");
    EXPECT_EQ(j["protocol"], proto::kProtocolVersion);
    EXPECT_EQ(j["topology"]["taps"].size(), 3u);
    EXPECT_EQ(j["topology"]["num_meter_channels"], 5);

    auto frameMessage = client.readUntil([](const Message& m) { return !m.text; });
    // Wait for a frame with settled readings (the 300 ms RMS window filled).
    std::optional<proto::MeterFrame> frame;
    for (int i = 0; i < 60 && frameMessage; ++i)
    {
        frame = decodeFrame(*frameMessage);
        if (frame->level(proto::MeterField::rms)[0] > -1850 && frame->level(proto::MeterField::rms)[0] < -1750) break;
        frameMessage = client.readUntil([](const Message& m) { return !m.text; });
    }
    ASSERT_TRUE(frame);
    ASSERT_EQ(frame->numChannels(), 5u);
    EXPECT_EQ(frame->fields, proto::kDefaultMeterFields);
    EXPECT_NEAR(frame->level(proto::MeterField::rms)[0], -1800, 20);  // vox: -18 dBFS (AES17 sine)
    EXPECT_NEAR(frame->level(proto::MeterField::rms)[1], -1200, 20);  // gtr: -12 dBFS
    EXPECT_NEAR(frame->level(proto::MeterField::truePeak)[1], -1200, 30);
}

TEST(NetServer, AnnouncesANewTopologyWhenThePeriodChangesBeforeAnyFrameOfIt)
{
    Rig rig;
    Client client(rig.port());
    const auto hello = client.readJson("hello");
    ASSERT_TRUE(hello);
    EXPECT_EQ((*hello)["period_frames"], 64);
    const uint32_t first = (*hello)["topology"]["version"];
    ASSERT_TRUE(client.readUntil([](const Message& m) { return !m.text; }));

    rig.engine.setPeriod(128);
    // Frames of the old version may still arrive before the announcement; none of the new one may.
    std::optional<nlohmann::json> topology;
    for (int i = 0; i < 200 && !topology; ++i)
    {
        const auto m = client.read(3000ms);
        ASSERT_TRUE(m);
        if (m->text)
        {
            const auto j = nlohmann::json::parse(m->data);
            if (j["type"] == "topology") topology = j;
        }
        else
        {
            EXPECT_EQ(decodeFrame(*m).topologyVersion, first);
        }
    }
    ASSERT_TRUE(topology);
    EXPECT_EQ((*topology)["period_frames"], 128);
    EXPECT_EQ((*topology)["sample_rate_hz"], kRate);
    const uint32_t second = (*topology)["topology"]["version"];
    EXPECT_EQ(second, first + 1);
    EXPECT_EQ((*topology)["topology"]["taps"].size(), 3u);
    for (int i = 0; i < 5; ++i)
    {
        const auto m = client.readUntil([](const Message& x) { return !x.text; });
        ASSERT_TRUE(m);
        EXPECT_EQ(decodeFrame(*m).topologyVersion, second);
    }
    // A client connecting now is told the new version and period in its hello.
    Client late(rig.port());
    const auto lateHello = late.readJson("hello");
    ASSERT_TRUE(lateHello);
    EXPECT_EQ((*lateHello)["topology"]["version"], second);
    EXPECT_EQ((*lateHello)["period_frames"], 128);
    EXPECT_GE(metric(rig.port(), "headroom_topology_changes_total"), 1.0);
}

TEST(NetServer, AFullWebSocketCapStillLeavesHttpSlots)
{
    server::net::NetOptions options;
    options.maxWebSocketClients = 2;
    options.maxConnections = 2 + server::net::kReservedHttpConnections;
    Rig rig(options);
    Client a(rig.port());
    Client b(rig.port());
    ASSERT_TRUE(a.readJson("hello"));
    ASSERT_TRUE(b.readJson("hello"));
    const std::string origin = "127.0.0.1:" + std::to_string(rig.port());
    const RawResponse refused = rawHttp(rig.port(), "GET /ws HTTP/1.1\r\nHost: " + origin + "\r\nOrigin: http://" + origin +
                                                        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                                        "Sec-WebSocket-Version: 13\r\n\r\n");
    EXPECT_EQ(refused.status, 503u);
    EXPECT_EQ(get(rig.port(), "/livez").status, 200u);
    EXPECT_EQ(get(rig.port(), "/metrics").status, 200u);
    EXPECT_GE(metric(rig.port(), "headroom_rejected_connections_total"), 1.0);
    EXPECT_TRUE(a.readUntil([](const Message& m) { return !m.text; })); // the others are unaffected
}

TEST(NetServer, SendsStatisticsJsonOfEveryNode)
{
    Rig rig;
    Client client(rig.port());
    auto stats = client.readJson("stats");
    ASSERT_TRUE(stats);
    ASSERT_EQ((*stats)["nodes"].size(), 3u);
    EXPECT_EQ((*stats)["nodes"][0]["id"], "vox");
}

TEST(NetServer, SendsAtThirtyHertzByDefaultAndAtTheSubscribedRate)
{
    Rig rig;
    Client client(rig.port());
    ASSERT_TRUE(client.readUntil([](const Message& m) { return !m.text; }));
    const int defaultRate = client.countFrames(2000ms);
    EXPECT_GE(defaultRate, 52);
    EXPECT_LE(defaultRate, 66);

    client.sendText(R"({"type":"subscribe","id":7,"rate_hz":10})");
    auto ack = client.readJson("ack");
    ASSERT_TRUE(ack);
    EXPECT_EQ((*ack)["id"], 7);
    const int slow = client.countFrames(2000ms);
    EXPECT_GE(slow, 16);
    EXPECT_LE(slow, 24);

    client.sendText(R"({"type":"subscribe","rate_hz":60})");
    client.countFrames(200ms);
    const int fast = client.countFrames(2000ms);
    EXPECT_GE(fast, 100);
    EXPECT_LE(fast, 130);
}

TEST(NetServer, SubscriptionToANodeSendsOnlyItsChannelsAndStatistics)
{
    Rig rig;
    Client client(rig.port());
    client.sendText(R"({"type":"subscribe","id":1,"nodes":["gtr"],"fields":["rms","sample_peak"]})");
    ASSERT_TRUE(client.readJson("ack"));
    auto m = client.readUntil([](const Message& msg) { return !msg.text; });
    ASSERT_TRUE(m);
    const proto::MeterFrame frame = decodeFrame(*m);
    ASSERT_EQ(frame.numChannels(), 2u);
    ASSERT_EQ(frame.ranges.size(), 1u);
    EXPECT_EQ(frame.ranges[0], (proto::ChannelRange{1, 2}));
    EXPECT_EQ(frame.fields, proto::fieldBit(proto::MeterField::rms) | proto::fieldBit(proto::MeterField::samplePeak));
    auto stats = client.readJson("stats");
    ASSERT_TRUE(stats);
    ASSERT_EQ((*stats)["nodes"].size(), 1u);
    EXPECT_EQ((*stats)["nodes"][0]["id"], "gtr");

    client.sendText(R"({"type":"subscribe","id":2,"nodes":["nope"]})");
    auto error = client.readJson("error");
    ASSERT_TRUE(error);
    EXPECT_EQ((*error)["code"], "unknown_node");

    client.sendText(R"({"type":"subscribe","id":3,"paused":true})");
    ASSERT_TRUE(client.readJson("ack"));
    client.countFrames(100ms);
    EXPECT_EQ(client.countFrames(500ms), 0);
}

TEST(NetServer, StatsTapsLimitsWhichNodesCarryPerTapStatisticsForThatClientOnly)
{
    Rig rig;
    Client narrow(rig.port());
    Client everything(rig.port());
    narrow.sendText(R"({"type":"subscribe","id":1,"stats_taps":["gtr"]})");
    ASSERT_TRUE(narrow.readJson("ack"));
    narrow.readJson("stats"); // may have been queued before the subscribe was applied
    auto stats = narrow.readJson("stats");
    ASSERT_TRUE(stats);
    ASSERT_EQ((*stats)["nodes"].size(), 3u) << "every node keeps its entry (chain, bus)";
    for (const auto& n : (*stats)["nodes"])
    {
        if (n["id"] == "gtr") EXPECT_FALSE(n["taps"].empty()) << n.dump();
        else EXPECT_TRUE(n["taps"].empty()) << n.dump();
    }
    EXPECT_TRUE(stats->contains("advisories"));

    // Encoded per distinct subscription: the default client still gets every tap.
    everything.readJson("stats");
    auto full = everything.readJson("stats");
    ASSERT_TRUE(full);
    for (const auto& n : (*full)["nodes"]) EXPECT_FALSE(n["taps"].empty()) << n.dump();

    // With a node subset too: only those nodes, and taps only where both lists agree.
    narrow.sendText(R"({"type":"subscribe","id":2,"nodes":["vox","gtr"],"stats_taps":["vox"]})");
    ASSERT_TRUE(narrow.readJson("ack"));
    narrow.readJson("stats");
    stats = narrow.readJson("stats");
    ASSERT_TRUE(stats);
    ASSERT_EQ((*stats)["nodes"].size(), 2u);
    EXPECT_FALSE((*stats)["nodes"][0]["taps"].empty());
    EXPECT_TRUE((*stats)["nodes"][1]["taps"].empty());

    narrow.sendText(R"({"type":"subscribe","id":3,"stats_taps":["nope"]})");
    auto error = narrow.readJson("error");
    ASSERT_TRUE(error);
    EXPECT_EQ((*error)["code"], "unknown_node");
    EXPECT_NE((*error)["message"].get<std::string>().find("stats_taps"), std::string::npos);
}

// ---- roles -------------------------------------------------------------------------------------

TEST(NetServer, ViewerCommandIsRefusedAndControlCommandIsAppliedAndAcknowledged)
{
    server::net::NetOptions options;
    options.controlToken = "c0ntrol-Secret";
    Rig rig(options);

    Client viewer(rig.port());
    ASSERT_TRUE(viewer.connected());
    viewer.sendText(R"({"type":"command","id":5,"name":"reset_peaks"})");
    auto error = viewer.readJson("error");
    ASSERT_TRUE(error);
    EXPECT_EQ((*error)["code"], "forbidden");
    EXPECT_EQ((*error)["id"], 5);
    EXPECT_EQ(rig.engine.lastCommandApplied(), 0u);

    Client control(rig.port(), withProtocols({"headroom.v1", "headroom.token.c0ntrol-Secret"}));
    ASSERT_TRUE(control.connected());
    EXPECT_EQ(control.response()[http::field::sec_websocket_protocol], "headroom.v1");
    auto hello = control.readJson("hello");
    ASSERT_TRUE(hello);
    EXPECT_EQ((*hello)["role"], "control");
    control.sendText(R"({"type":"command","id":9,"name":"reset_integrated_loudness"})");
    auto ack = control.readJson("ack");
    ASSERT_TRUE(ack);
    EXPECT_EQ((*ack)["id"], 9);
    EXPECT_EQ((*ack)["request"], "reset_integrated_loudness");
    EXPECT_EQ(rig.engine.lastCommandApplied(), 1u);
    EXPECT_EQ(metric(rig.port(), "headroom_resets_total"), 1.0);
}

TEST(NetServer, RefusesAForeignOriginAWrongTokenAndAMissingTokenBeforeTheUpgrade)
{
    server::net::NetOptions options;
    options.viewerToken = "v1ewer";
    options.allowedOrigins = {"http://studio.example:8080"};
    Rig rig(options);

    const uint16_t port = rig.port();
    const std::string self = "http://127.0.0.1:" + std::to_string(port);
    EXPECT_EQ(upgradeStatus(port, self, ""), 401u);
    EXPECT_EQ(upgradeStatus(port, self, "headroom.v1, headroom.token.nope"), 403u);
    EXPECT_EQ(upgradeStatus(port, "http://evil.example", "headroom.v1, headroom.token.v1ewer"), 403u);
    EXPECT_EQ(upgradeStatus(port, self, "headroom.v1, headroom.token.v1ewer", "evil.example"), 421u);
    EXPECT_EQ(upgradeStatus(port, self, "headroom.token.v1ewer"), 400u); // the token needs headroom.v1
    Client noToken(port);
    EXPECT_FALSE(noToken.connected());
    Client allowed(port, withProtocols({"headroom.v1", "headroom.token.v1ewer"}, "http://studio.example:8080"));
    EXPECT_TRUE(allowed.connected());
    auto hello = allowed.readJson("hello");
    ASSERT_TRUE(hello);
    EXPECT_EQ((*hello)["role"], "viewer");
    // With a viewer token configured, the figures need it too (as a Bearer token), even on loopback.
    EXPECT_EQ(get(port, "/api/v1/snapshot").status, 401u);
    EXPECT_EQ(get(port, "/metrics", "", "nope").status, 403u);
    const unsigned withToken = get(port, "/api/v1/snapshot", "", "v1ewer").status;
    EXPECT_TRUE(withToken == 200u || withToken == 503u) << withToken; // 503: no statistics yet
    EXPECT_EQ(get(port, "/livez").status, 200u);
    EXPECT_GE(metric(rig.port(), "headroom_rejected_origins_total", "v1ewer"), 1.0);
    EXPECT_GE(metric(rig.port(), "headroom_rejected_connections_total", "v1ewer"), 3.0);
}

// ---- bad client messages -----------------------------------------------------------------------

TEST(NetServer, ClosesOversizedMalformedAndBinaryClientsWithTheRightCodesWhileOthersKeepReceiving)
{
    Rig rig;
    Client healthy(rig.port());
    ASSERT_TRUE(healthy.readUntil([](const Message& m) { return !m.text; }));

    Client big(rig.port());
    big.sendText(R"({"type":"subscribe","x":")" + std::string(5000, 'a') + "\"}");
    EXPECT_EQ(big.waitForClose(), 1009);

    Client binary(rig.port());
    binary.sendBinary(std::string("\x01\x02garbage", 9));
    auto error = binary.readJson("error");
    ASSERT_TRUE(error);
    EXPECT_EQ((*error)["code"], "binary_not_accepted");
    EXPECT_EQ(binary.waitForClose(), 1003);

    Client utf8(rig.port());
    utf8.sendText("\xff\xfe");
    EXPECT_EQ(utf8.waitForClose(), 1007);

    Client malformed(rig.port());
    malformed.sendText("{not json");
    auto badJson = malformed.readJson("error");
    ASSERT_TRUE(badJson);
    EXPECT_EQ((*badJson)["code"], "bad_json");
    for (int i = 0; i < 30; ++i) malformed.sendText("[]");
    EXPECT_EQ(malformed.waitForClose(), 1008);

    const int frames = healthy.countFrames(1000ms);
    EXPECT_GE(frames, 25);
}

// ---- slow clients ------------------------------------------------------------------------------

TEST(NetServer, ClosesAClientThatNeverReadsWhileAHealthyClientKeepsThirtyFramesPerSecond)
{
    server::net::NetOptions options;
    options.writeStallTimeout = 1500ms;
    options.socketSendBufferBytes = 4096;
    Rig rig(options);
    Client healthy(rig.port());
    ClientOptions small;
    small.receiveBufferBytes = 2048;
    Client stuck(rig.port(), small); // never reads
    ASSERT_TRUE(stuck.connected());
    ASSERT_TRUE(healthy.readUntil([](const Message& m) { return !m.text; }));

    int frames = 0;
    const auto start = std::chrono::steady_clock::now();
    bool closed = false;
    while (std::chrono::steady_clock::now() - start < 6s)
    {
        frames += healthy.countFrames(1000ms);
        if (rig.server->counters().stalledClosed.load() >= 1)
        {
            closed = true;
            break;
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(closed);
    EXPECT_NEAR(frames / seconds, 30.0, 3.0);
    EXPECT_EQ(rig.server->counters().wsClients.load(), 1);
    EXPECT_GE(rig.server->counters().framesMerged.load(), 1u);
    const int after = healthy.countFrames(1000ms);
    EXPECT_GE(after, 27);
}

// ---- HTTP --------------------------------------------------------------------------------------

TEST(NetServer, AnswersLivezReadyzAndMetrics)
{
    Rig rig;
    EXPECT_EQ(get(rig.port(), "/livez").status, 200u);
    const RawResponse ready = get(rig.port(), "/readyz?verbose");
    EXPECT_EQ(ready.status, 200u);
    EXPECT_NE(body(ready).find("[+]audio_source_connected ok"), std::string::npos);
    rig.engine.setConnected(false);
    const RawResponse notReady = get(rig.port(), "/readyz?verbose");
    EXPECT_EQ(notReady.status, 503u);
    EXPECT_NE(body(notReady).find("[-]audio_source_connected failed"), std::string::npos);
    EXPECT_EQ(get(rig.port(), "/readyz").status, 503u);
    rig.engine.setConnected(true);

    Client client(rig.port());
    ASSERT_TRUE(client.readUntil([](const Message& m) { return !m.text; }));
    const RawResponse metrics = get(rig.port(), "/metrics");
    EXPECT_EQ(metrics.status, 200u);
    const std::string text = body(metrics);
    for (const char* line : {"# TYPE headroom_ws_clients gauge\nheadroom_ws_clients 1\n",
                             "# TYPE headroom_frames_sent_total counter", "# TYPE headroom_jack_xruns_total counter",
                             "headroom_jack_connected 1\n", "headroom_sample_rate_hertz 48000\n",
                             "headroom_buffer_size_frames 64\n", "# TYPE headroom_records_dropped_total counter",
                             "# TYPE headroom_resets_total counter", "# TYPE headroom_rejected_origins_total counter",
                             "# TYPE headroom_frames_merged_total counter", "# TYPE headroom_frames_dropped_total counter"})
        EXPECT_NE(text.find(line), std::string::npos) << line;
    EXPECT_GE(metric(rig.port(), "headroom_frames_sent_total"), 1.0);

    ASSERT_TRUE(client.readJson("stats"));
    const RawResponse snapshot = get(rig.port(), "/api/v1/snapshot");
    EXPECT_EQ(snapshot.status, 200u);
    const auto j = nlohmann::json::parse(body(snapshot));
    EXPECT_EQ(j["nodes"].size(), 3u);
}

TEST(NetServer, ServesOnlyAllowListedFilesAndRefusesTraversalWithoutAReset)
{
    Rig rig;
    const uint16_t port = rig.port();
    const RawResponse index = get(port, "/");
    EXPECT_EQ(index.status, 200u);
    EXPECT_NE(index.text.find("Content-Type: text/html"), std::string::npos);
    EXPECT_NE(index.text.find("X-Content-Type-Options: nosniff"), std::string::npos);
    EXPECT_NE(index.text.find("Referrer-Policy: no-referrer"), std::string::npos);
    EXPECT_NE(index.text.find("Content-Security-Policy: default-src 'self'; connect-src 'self'"), std::string::npos);
    EXPECT_NE(index.text.find("Cache-Control: no-cache"), std::string::npos);
    const RawResponse js = get(port, "/js/app.js?v=1");
    EXPECT_EQ(js.status, 200u);
    EXPECT_NE(js.text.find("Content-Type: text/javascript"), std::string::npos);

    for (const char* target : {"/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd", "//etc/passwd",
                               "/a/../../x", "/index.html%00.js", "/js", "/link.txt", "/.hidden", "/%zz",
                               "http://127.0.0.1/index.html", "/js/../index.html"})
    {
        const RawResponse r = get(port, target);
        EXPECT_TRUE(r.status == 400 || r.status == 404) << target << " -> " << r.status;
    }
    EXPECT_EQ(get(port, "/index.html", "evil.example").status, 421u);
    EXPECT_EQ(rawHttp(port, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2000000\r\n\r\n" +
                                std::string(100000, 'x'))
                  .status,
              413u);
    EXPECT_EQ(rawHttp(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n").status,
              431u);
    EXPECT_EQ(rawHttp(port, "DELETE / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").status, 405u);
}

// ---- shutdown ----------------------------------------------------------------------------------

TEST(NetServer, GracefulShutdownClosesEveryWebSocketWithGoingAway)
{
    auto rig = std::make_unique<Rig>();
    Client a(rig->port());
    Client b(rig->port());
    ASSERT_TRUE(a.readUntil([](const Message& m) { return !m.text; }));
    ASSERT_TRUE(b.readUntil([](const Message& m) { return !m.text; }));
    const auto start = std::chrono::steady_clock::now();
    rig->server->shutdown();
    EXPECT_EQ(a.waitForClose(3000ms), 1001);
    EXPECT_EQ(b.waitForClose(3000ms), 1001);
    rig->thread.join();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    rig.reset();
}

// ---- TLS (--tls-cert/--tls-key) ----------------------------------------------------------------

namespace
{
namespace ssl = asio::ssl;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A self-signed certificate for 127.0.0.1 (subjectAltName IP), made once per run with the openssl CLI
// (EC P-256: milliseconds), plus an unrelated key for the mismatch check.
struct TestCert
{
    std::string cert, key, otherKey;
    bool ok = false;
};

const TestCert& testCert()
{
    static const TestCert made = [] {
        TestCert t;
        const auto dir = std::filesystem::temp_directory_path() / ("headroom-tls-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        t.cert = (dir / "cert.pem").string();
        t.key = (dir / "key.pem").string();
        t.otherKey = (dir / "other-key.pem").string();
        const std::string other = "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out '" +
                                  t.otherKey + "' >/dev/null 2>&1";
        t.ok = test::makeSelfSignedCertificate(t.cert, t.key) && std::system(other.c_str()) == 0;
        return t;
    }();
    return made;
}

server::net::NetOptions tlsOptions()
{
    server::net::NetOptions o;
    o.tlsCertFile = testCert().cert;
    o.tlsKeyFile = testCert().key;
    return o;
}

// A client context that trusts only the test certificate. version != 0: exactly that protocol
// version, with OpenSSL's security level lowered to 0 so that the client really offers TLS 1.0/1.1
// (OpenSSL 3 refuses them on its own at level 1 and above; we want the SERVER to refuse).
std::unique_ptr<ssl::context> clientContext(int version = 0, const char* ciphers = nullptr)
{
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->load_verify_file(testCert().cert);
    ctx->set_verify_mode(ssl::verify_peer);
    SSL_CTX* native = ctx->native_handle();
    if (version != 0)
    {
        SSL_CTX_set_security_level(native, 0);
        SSL_CTX_set_cipher_list(native, "DEFAULT:@SECLEVEL=0");
        SSL_CTX_set_min_proto_version(native, version);
        SSL_CTX_set_max_proto_version(native, version);
    }
    if (ciphers != nullptr) SSL_CTX_set_cipher_list(native, ciphers);
    return ctx;
}

struct HttpsResult
{
    beast::error_code handshake;
    std::string version; // negotiated, e.g. "TLSv1.3"
    unsigned status = 0;
    std::string body;
};

// One HTTPS request (the server's certificate verified for 127.0.0.1). closeNotify: end with a TLS
// shutdown (close_notify both ways), else just drop the TCP connection.
HttpsResult httpsGet(uint16_t port, const std::string& target, ssl::context& ctx, const std::string& host = "",
                     bool keepAlive = false, bool closeNotify = true)
{
    HttpsResult r;
    asio::io_context ioc;
    TlsStream stream(ioc, ctx);
    beast::get_lowest_layer(stream).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    stream.handshake(ssl::stream_base::client, r.handshake);
    if (r.handshake) return r;
    r.version = SSL_get_version(stream.native_handle());
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, host.empty() ? "127.0.0.1:" + std::to_string(port) : host);
    req.keep_alive(keepAlive);
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    r.status = res.result_int();
    r.body = res.body();
    beast::error_code ignored;
    if (closeNotify) stream.shutdown(ignored); // eof / stream_truncated are fine here
    return r;
}

// A wss:// client (synchronous: the server sends hello at once and frames at 30 Hz).
struct WssClient
{
    WssClient(uint16_t port, ssl::context& ctx, std::string origin = "") : ws(ioc, ctx)
    {
        const std::string host = "127.0.0.1:" + std::to_string(port);
        if (origin.empty()) origin = "https://" + host;
        beast::get_lowest_layer(ws).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        ws.next_layer().set_verify_callback(ssl::host_name_verification("127.0.0.1"));
        ws.next_layer().handshake(ssl::stream_base::client, error);
        if (error) return;
        ws.set_option(websocket::stream_base::decorator(
            [origin](websocket::request_type& req) { req.set(http::field::origin, origin); }));
        ws.handshake(response, host, "/ws", error);
    }
    Message read()
    {
        buffer.clear();
        ws.read(buffer);
        return Message{ws.got_text(), beast::buffers_to_string(buffer.data())};
    }

    asio::io_context ioc;
    websocket::stream<TlsStream> ws;
    websocket::response_type response;
    beast::flat_buffer buffer;
    beast::error_code error;
};

// Server-side sockets of `port` in CLOSE-WAIT (state 08 in /proc/net/tcp{,6}).
int closeWaitCount(uint16_t port)
{
    int count = 0;
    for (const char* path : {"/proc/net/tcp", "/proc/net/tcp6"})
    {
        std::ifstream in(path);
        std::string line;
        std::getline(in, line); // header
        while (std::getline(in, line))
        {
            std::istringstream fields(line);
            std::string slot, local, remote, state;
            fields >> slot >> local >> remote >> state;
            const std::size_t colon = local.rfind(':');
            if (colon == std::string::npos) continue;
            if (std::stoul(local.substr(colon + 1), nullptr, 16) == port && state == "08") ++count;
        }
    }
    return count;
}

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 2000ms)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred())
    {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}
} // namespace

TEST(NetServerTls, ServesHttpsAndWssWithTheSameChecks)
{
    ASSERT_TRUE(testCert().ok) << "the openssl CLI is needed to make the test certificate";
    Rig rig(tlsOptions());
    const uint16_t port = rig.port();
    auto ctx = clientContext();

    const HttpsResult livez = httpsGet(port, "/livez", *ctx);
    ASSERT_FALSE(livez.handshake) << livez.handshake.message();
    EXPECT_EQ(livez.status, 200u);
    EXPECT_EQ(livez.body, "ok\n");
    EXPECT_EQ(livez.version, "TLSv1.3");
    EXPECT_EQ(httpsGet(port, "/livez", *ctx, "evil.example").status, 421u); // Host allow-list as in plaintext

    WssClient client(port, *ctx);
    ASSERT_FALSE(client.error) << client.error.message();
    const Message hello = client.read();
    ASSERT_TRUE(hello.text);
    EXPECT_EQ(nlohmann::json::parse(hello.data)["type"], "hello");
    std::optional<Message> frame;
    for (int i = 0; i < 200 && !frame; ++i)
        if (Message m = client.read(); !m.text) frame = std::move(m);
    ASSERT_TRUE(frame);
    EXPECT_EQ(decodeFrame(*frame).numChannels(), 5u);
    beast::error_code ignored;
    client.ws.close(websocket::close_code::normal, ignored);

    WssClient foreign(port, *ctx, "https://evil.example");
    EXPECT_EQ(foreign.error, websocket::error::upgrade_declined); // Origin check as in plaintext (403)
    EXPECT_GE(rig.server->counters().rejectedOrigins.load(), 1u);

    // Graceful shutdown closes a wss client with 1001 as in plaintext.
    WssClient staying(port, *ctx);
    ASSERT_FALSE(staying.error) << staying.error.message();
    EXPECT_TRUE(staying.read().text);
    rig.server->shutdown();
    beast::error_code ec;
    for (int i = 0; i < 1000 && !ec; ++i)
    {
        staying.buffer.clear();
        staying.ws.read(staying.buffer, ec);
    }
    EXPECT_EQ(ec, websocket::error::closed) << ec.message();
    EXPECT_EQ(staying.ws.reason().code, 1001);
}

TEST(NetServerTls, RefusesTls11WeakCiphersAndPlaintextCleanly)
{
    ASSERT_TRUE(testCert().ok) << "the openssl CLI is needed to make the test certificate";
    Rig rig(tlsOptions());
    const uint16_t port = rig.port();
    const auto& counters = rig.server->counters();

    // The same lowered client settings negotiate TLS 1.2 (so the refusals below are the server's).
    auto tls12 = clientContext(TLS1_2_VERSION);
    const HttpsResult ok12 = httpsGet(port, "/livez", *tls12);
    ASSERT_FALSE(ok12.handshake) << ok12.handshake.message();
    EXPECT_EQ(ok12.version, "TLSv1.2");
    EXPECT_EQ(ok12.status, 200u);

    for (const int version : {TLS1_1_VERSION, TLS1_VERSION})
    {
        const uint64_t before = counters.tlsHandshakeFailures.load();
        auto old = clientContext(version);
        const HttpsResult r = httpsGet(port, "/livez", *old);
        EXPECT_TRUE(r.handshake) << "protocol version " << std::hex << version << " was accepted";
        EXPECT_EQ(r.status, 0u);
        EXPECT_TRUE(eventually([&] { return counters.tlsHandshakeFailures.load() > before; }));
    }
    auto cbc = clientContext(TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:AES128-SHA");
    EXPECT_TRUE(httpsGet(port, "/livez", *cbc).handshake) << "a CBC/SHA-1 suite was accepted";

    // Plaintext HTTP on the TLS port: no HTTP answer, closed at once with a FIN (no reset, no wait
    // for the handshake timeout).
    const auto start = std::chrono::steady_clock::now();
    asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    const std::string request = "GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    asio::write(socket, asio::buffer(request));
    std::string text;
    beast::error_code ec;
    std::array<char, 1024> chunk{};
    while (!ec)
    {
        const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
        text.append(chunk.data(), n);
    }
    EXPECT_EQ(ec, asio::error::eof) << ec.message();
    EXPECT_EQ(text.find("HTTP/"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    EXPECT_EQ(httpsGet(port, "/livez", *clientContext()).status, 200u); // still serving
}

TEST(NetServerTls, HandshakeTimeoutClosesASilentClient)
{
    ASSERT_TRUE(testCert().ok) << "the openssl CLI is needed to make the test certificate";
    server::net::NetOptions options = tlsOptions();
    options.tlsHandshakeTimeout = 300ms;
    Rig rig(options);
    const auto start = std::chrono::steady_clock::now();
    asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), rig.port()));
    std::array<char, 64> chunk{};
    beast::error_code ec;
    const std::size_t n = socket.read_some(asio::buffer(chunk), ec); // no ClientHello: the server gives up
    EXPECT_EQ(n, 0u);
    EXPECT_TRUE(ec);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_GE(elapsed, 250ms);
    EXPECT_LT(elapsed, 2s);
    // (the timer closes the socket first; the handshake's handler counts it just after)
    EXPECT_TRUE(eventually([&] { return rig.server->counters().tlsHandshakeFailures.load() == 1u; }));
}

TEST(NetServerTls, FiftyConnectCloseCyclesLeaveNoCloseWait)
{
    ASSERT_TRUE(testCert().ok) << "the openssl CLI is needed to make the test certificate";
    Rig rig(tlsOptions());
    const uint16_t port = rig.port();
    auto ctx = clientContext();
    for (int i = 0; i < 50; ++i)
    {
        switch (i % 5)
        {
        case 0: // HTTPS, Connection: close, close_notify both ways
            EXPECT_EQ(httpsGet(port, "/livez", *ctx).status, 200u);
            break;
        case 1: // HTTPS keep-alive, then the client drops TCP without close_notify
            EXPECT_EQ(httpsGet(port, "/livez", *ctx, "", /*keepAlive=*/true, /*closeNotify=*/false).status, 200u);
            break;
        case 2: // WSS with a clean close handshake (close frames, then the TLS teardown)
        {
            WssClient c(port, *ctx);
            ASSERT_FALSE(c.error) << c.error.message();
            EXPECT_TRUE(c.read().text);
            beast::error_code ignored;
            c.ws.close(websocket::close_code::normal, ignored);
            break;
        }
        case 3: // WSS dropped without a close frame or close_notify
        {
            WssClient c(port, *ctx);
            ASSERT_FALSE(c.error) << c.error.message();
            EXPECT_TRUE(c.read().text);
            beast::error_code ignored;
            beast::get_lowest_layer(c.ws).socket().shutdown(tcp::socket::shutdown_send, ignored);
            break;
        }
        case 4: // TLS handshake, then nothing: the client goes away
        {
            asio::io_context ioc;
            TlsStream stream(ioc, *ctx);
            beast::get_lowest_layer(stream).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
            beast::error_code ec;
            stream.handshake(ssl::stream_base::client, ec);
            EXPECT_FALSE(ec) << ec.message();
            break;
        }
        }
    }
    const auto& counters = rig.server->counters();
    EXPECT_TRUE(eventually([&] { return closeWaitCount(port) == 0; }, 1500ms))
        << closeWaitCount(port) << " server sockets in CLOSE-WAIT";
    EXPECT_TRUE(eventually([&] { return counters.httpConnections.load() == 0; }, 1500ms))
        << counters.httpConnections.load() << " connections still open";
    EXPECT_EQ(counters.wsClients.load(), 0);
}

TEST(NetServerTls, StartupErrorsNameTheFile)
{
    ASSERT_TRUE(testCert().ok) << "the openssl CLI is needed to make the test certificate";
    TestEngine engine;
    const auto openError = [&](const std::string& cert, const std::string& key) -> std::string {
        server::net::NetOptions o;
        o.listenPort = 0;
        o.tlsCertFile = cert;
        o.tlsKeyFile = key;
        server::net::NetServer s(o, engine, server::net::makeHelloTemplate(engine.meterPlan(), nullptr, "test"),
                                 [](std::string_view) {});
        try
        {
            s.open();
        }
        catch (const std::runtime_error& e)
        {
            return e.what();
        }
        return {};
    };
    const TestCert& t = testCert();
    const std::string missing = t.cert + ".missing";
    EXPECT_EQ(openError(missing, t.key), "--tls-cert " + missing + ": cannot open: No such file or directory");
    EXPECT_EQ(openError(t.cert, missing), "--tls-key " + missing + ": cannot open: No such file or directory");
    EXPECT_EQ(openError(t.cert, t.otherKey),
              "--tls-key " + t.otherKey + " does not match the certificate in --tls-cert " + t.cert);
    const std::string notPem = openError(t.key, t.key);
    EXPECT_TRUE(notPem.starts_with("--tls-cert " + t.key + ": no usable PEM certificate")) << notPem;
    const std::string noKey = openError(t.cert, t.cert);
    EXPECT_TRUE(noKey.starts_with("--tls-key " + t.cert + ": no usable PEM private key")) << noKey;
    EXPECT_EQ(openError(t.cert, ""), "TLS needs both --tls-cert and --tls-key");
}
