// headroom_lab_load: the lab's scale figures (docs/LAB.md "Scale"; a figure, not a test: STYLE.md).
//
// N simulated rooms publish real room messages (proto/RoomSummary.h's encoder: retained status and
// topology, then summaries at --rate Hz with 20..40 nodes, a few advisories and a running exercise)
// through an MQTT broker, each room on its own connection (server/lab/MqttClient over libmosquitto,
// as `headroom serve --mqtt` does; no JACK), to a running `headroom hub`; M WebSocket viewers
// (Beast, like headroom_load) read the hub's /ws as the overview page does. Per update at a viewer:
//   age = the viewer's wall clock at receipt - the summary's "t" (the room's wall clock when it
//         built the summary, ms), on this machine, so one clock;
//   hub ingress age = the tile's "received" (the hub's clock at receipt from MQTT) - "t".
// Only the first receipt of each (room, seq) counts (a status or expiry tile repeats the last
// summary). Over one measurement window: age percentiles, updates delivered per viewer against
// those published, sequence gaps, and the hub's CPU (utime+stime of /proc/PID/stat, per thread from
// /proc/PID/task) and memory (VmRSS, sampled every 100 ms for the peak); the broker's CPU too when
// --broker-pid is given. The last line compares with the targets (age p99 < 1 s, hub < 20 % of one
// core). Exit status 0 unless the tool itself could not run.
//
// Usage: headroom_lab_load --mqtt mqtt://HOST:PORT --hub ws://HOST:PORT/ws [--rooms N] [--viewers M]
//                          [--seconds S] [--rate HZ] [--hub-pid PID] [--broker-pid PID] [...]
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench/LoadHandshake.h"
#include "bench/LoadSupport.h"
#include "proto/RoomSummary.h"
#include "server/lab/MqttClient.h"

namespace
{
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace lab = headroom::proto::lab;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using headroom::bench::percentile;
using headroom::bench::readRss;
using headroom::bench::readStat;
using headroom::bench::readThreads;
using headroom::bench::selfCpuSeconds;
using headroom::bench::steadyUs;
using headroom::bench::unixTimeUs;
using headroom::bench::Window;

// Set before the rooms disconnect: their "disconnected" lines are expected then, not news.
std::atomic<bool> g_quietMqtt{false};

constexpr const char* kUsage =
    "Usage: headroom_lab_load --mqtt mqtt://HOST:PORT --hub ws://HOST:PORT/ws [options]\n"
    "  --rooms N             simulated rooms, one MQTT connection each (default 40)\n"
    "  --viewers M           WebSocket viewers of the hub (default 50)\n"
    "  --seconds S           measurement window (default 30)\n"
    "  --warmup S            seconds between everything connected and the window (default 3)\n"
    "  --rate HZ             summaries per room per second (default 2, as serve publishes)\n"
    "  --site NAME           the rooms' site (default bench)\n"
    "  --hub-pid PID         sample the hub's CPU and RSS from /proc/PID\n"
    "  --broker-pid PID      sample the broker's CPU and RSS too\n"
    "  --token T             offer headroom.token.T next to headroom.v1\n"
    "  --threads N           viewer io_context threads (default 1)\n"
    "  --max-age-p99-ms MS --max-cpu-percent P\n"
    "                        targets of the PASS/FAIL line (default 1000, 20)\n";

struct Options
{
    std::string mqttUrl;
    std::string host = "127.0.0.1";
    std::string port;
    std::string path = "/ws";
    std::size_t rooms = 40;
    std::size_t viewers = 50;
    double seconds = 30.0;
    double warmup = 3.0;
    double rate = 2.0;
    std::string site = "bench";
    std::optional<int> hubPid;
    std::optional<int> brokerPid;
    std::string token;
    unsigned threads = 1;
    double maxAgeP99Ms = 1000.0;
    double maxCpuPercent = 20.0;
};

[[noreturn]] void usageError(const std::string& message)
{
    headroom::bench::usageError("headroom_lab_load", kUsage, message);
}

Options parseOptions(int argc, char** argv)
{
    Options o;
    bool haveHub = false;
    headroom::bench::Arguments args(argc, argv, "headroom_lab_load", kUsage);
    auto value = [&] { return args.value(); };
    auto number = [&] { return args.number(); };
    while (args.next())
    {
        const std::string& a = args.option();
        if (a == "--mqtt")
            o.mqttUrl = value();
        else if (a == "--hub")
        {
            auto url = headroom::bench::parseWsUrl(value(), a, "/ws", "headroom_lab_load", kUsage);
            o.host = std::move(url.host);
            o.port = std::move(url.port);
            o.path = std::move(url.path);
            haveHub = true;
        }
        else if (a == "--rooms")
            o.rooms = static_cast<std::size_t>(number());
        else if (a == "--viewers")
            o.viewers = static_cast<std::size_t>(number());
        else if (a == "--seconds")
            o.seconds = number();
        else if (a == "--warmup")
            o.warmup = number();
        else if (a == "--rate")
            o.rate = number();
        else if (a == "--site")
            o.site = value();
        else if (a == "--hub-pid")
            o.hubPid = static_cast<int>(number());
        else if (a == "--broker-pid")
            o.brokerPid = static_cast<int>(number());
        else if (a == "--token")
            o.token = value();
        else if (a == "--threads")
            o.threads = std::clamp(static_cast<unsigned>(number()), 1u, 8u);
        else if (a == "--max-age-p99-ms")
            o.maxAgeP99Ms = number();
        else if (a == "--max-cpu-percent")
            o.maxCpuPercent = number();
        else
            usageError("unknown option " + a);
    }
    if (o.mqttUrl.empty() || !haveHub) usageError("--mqtt and --hub are required");
    if (o.rooms == 0 || o.seconds <= 0 || o.rate <= 0 || o.rate > 50)
        usageError("--rooms, --seconds must be positive; --rate 0..50");
    if (!lab::validRoomName(o.site)) usageError("--site: 1..64 of [A-Za-z0-9_.-]");
    return o;
}

// ---- the simulated rooms -----------------------------------------------------------------------

// One room: its own MQTT connection (last will "offline", like serve) and a desk whose levels wander.
class SimulatedRoom
{
public:
    SimulatedRoom(const Options& o, std::size_t index)
        : random_(static_cast<std::mt19937::result_type>(1000 + index))
    {
        char name[16];
        std::snprintf(name, sizeof name, "room%02zu", index + 1);
        summary_.site = o.site;
        summary_.room = name;
        summary_.audioRunning = true;
        const std::size_t channels = 17 + (index * 7) % 21; // + 2 buses + master: 20..40 nodes
        for (std::size_t c = 0; c < channels + 3; ++c)
        {
            lab::NodeSummary n;
            if (c < channels)
            {
                n.id = "ch" + std::to_string(c + 1);
                n.kind = "channel";
                n.stage = "input";
            }
            else
            {
                n.id = c == channels ? "drums" : c == channels + 1 ? "music" : "master";
                n.kind = c < channels + 2 ? "bus" : "master";
                n.stage = "pre_insert";
            }
            summary_.nodes.push_back(std::move(n));
            levels_.push_back(std::uniform_real_distribution<double>(-30.0, -8.0)(random_));
        }
        summary_.exercise.number = 1;
        summary_.exercise.state = "running";
        summary_.exercise.target = "ch1/input";
        summary_.exercise.runId = 1;
        summary_.exercise.message = "in the zone: hold it";

        headroom::server::lab::MqttSettings settings;
        settings.url = o.mqttUrl;
        settings.clientId = "headroom-lab-load-" + std::to_string(::getpid()) + "-" + summary_.room;
        client_ = std::make_unique<headroom::server::lab::MqttClient>(
            settings,
            [](std::string_view line)
            {
                if (!g_quietMqtt.load(std::memory_order_relaxed))
                    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
            });
        statusTopic_ = lab::roomTopic(o.site, summary_.room, "status");
        summaryTopic_ = lab::roomTopic(o.site, summary_.room, "summary");
        client_->setWill(statusTopic_, lab::encodeRoomStatus({false, 0}), 1, true);
        // Built once here: the handler runs on libmosquitto's thread while the publisher changes summary_.
        lab::RoomTopology t;
        t.site = summary_.site;
        t.room = summary_.room;
        t.sessionName = "load " + summary_.room;
        t.dashboardUrl = "http://127.0.0.1:9/" + summary_.room;
        for (const auto& n : summary_.nodes) t.nodes.push_back({n.id, n.kind, n.id});
        client_->onConnection(
            [this, topologyTopic = lab::roomTopic(o.site, summary_.room, "topology"),
             topology = lab::encodeRoomTopology(t)](bool up)
            {
                if (!up) return;
                client_->publish(topologyTopic, topology, 1, true);
                client_->publish(statusTopic_, lab::encodeRoomStatus({true, unixTimeUs() / 1000}), 1, true);
            });
        client_->start();
    }

    [[nodiscard]] bool connected() const { return client_->connected(); }
    void stop() { client_->stop(statusTopic_, lab::encodeRoomStatus({false, 0})); }

    // [publisher] Advance the desk by one summary period and publish; false when not connected.
    bool publish(double period)
    {
        step(period);
        summary_.sequence += 1;
        summary_.timeUnixMs = unixTimeUs() / 1000; // the last thing before encoding: age starts here
        return client_->publish(summaryTopic_, lab::encodeRoomSummary(summary_), 0, false);
    }

    [[nodiscard]] std::size_t lastBytes() const { return lab::encodeRoomSummary(summary_).size(); }

private:
    void step(double period)
    {
        std::normal_distribution<double> walk(0.0, 1.5);
        summary_.audioSeconds += period;
        summary_.advisories.clear();
        double loudest = -200.0;
        for (std::size_t i = 0; i < summary_.nodes.size(); ++i)
        {
            lab::NodeSummary& n = summary_.nodes[i];
            levels_[i] = std::clamp(levels_[i] + walk(random_), -60.0, -1.0);
            const double level = std::round(levels_[i] * 10.0) / 10.0;
            n.levelDbfs = level;
            n.averageDbfs = std::round((level - 1.0) * 10.0) / 10.0;
            n.truePeakDbtp = std::max(n.truePeakDbtp.value_or(-200.0), std::round((level + 11.0) * 10.0) / 10.0);
            n.headroomDb = -*n.truePeakDbtp;
            n.state = level > -15.0 ? "over" : level < -21.0 ? "under" : "in";
            loudest = std::max(loudest, *n.truePeakDbtp);
            if (*n.truePeakDbtp > -1.0 && summary_.advisories.size() < 4)
                summary_.advisories.push_back({"recording_too_hot:" + n.id, "critical", n.id, "Recording too hot"});
            else if (level < -40.0 && summary_.advisories.size() < 4)
                summary_.advisories.push_back({"recording_too_quiet:" + n.id, "warning", n.id, "Recording too quiet"});
        }
        const double master = levels_.back();
        summary_.master = {master + 2.0, master + 1.0, master, loudest, -loudest};
        lab::ExerciseState& e = summary_.exercise;
        e.elapsedSeconds += period;
        e.heldSeconds = std::fmod(e.elapsedSeconds, 10.0);
        e.progress = e.heldSeconds / 10.0;
        e.score = 80.0 + 10.0 * std::sin(e.elapsedSeconds);
        e.items = {{"loudest (3 s)", levels_[0] + 6.0, true, "aim -12 dBFS (-14..-10)"},
                   {"average (3 s)", levels_[0], true, "aim -18 dBFS (-21..-15)"},
                   {"excursions over -6", std::nullopt, true, "none"}};
    }

    std::mt19937 random_;
    lab::RoomSummary summary_;
    std::vector<double> levels_;
    std::unique_ptr<headroom::server::lab::MqttClient> client_;
    std::string statusTopic_;
    std::string summaryTopic_;
};

// ---- the viewers -------------------------------------------------------------------------------

struct Shared
{
    const Options& options;
    headroom::bench::LoadTarget target;
    Window window;
    headroom::bench::LoadCounts counts;
};

// The integer after `"name":` at or after `from` in `text`; nullopt when absent.
std::optional<int64_t> numberAfter(std::string_view text, std::string_view name, std::size_t from)
{
    const std::size_t at = text.find(name, from);
    if (at == std::string_view::npos) return std::nullopt;
    const char* p = text.data() + at + name.size();
    char* end = nullptr;
    const long long v = std::strtoll(p, &end, 10);
    if (end == p) return std::nullopt;
    return static_cast<int64_t>(v);
}

// One overview page's WebSocket; its handlers run on its strand only.
class Viewer : public headroom::bench::LoadConnection<Viewer>
{
public:
    Viewer(asio::io_context& ioc, Shared& shared) : LoadConnection(ioc, shared.target, shared.counts), shared_(shared) {}

    // results (read after the io threads joined; connected, ended and error in LoadConnection)
    std::string role;
    uint64_t messages = 0; // inside the window
    uint64_t bytes = 0;    // inside the window
    uint64_t updatesInWindow = 0; // first receipts of a (room, seq) inside the window
    uint64_t sequenceGaps = 0;    // summaries of a room never seen (between two that were)
    uint64_t malformed = 0;
    std::vector<uint32_t> agesMs;        // viewer receipt - summary t
    std::vector<uint32_t> ingressAgesMs; // hub receipt - summary t

private:
    friend class headroom::bench::LoadConnection<Viewer>;

    void onOpen() { read(); }

    void onMessage(std::string_view data, bool /*text*/)
    {
        const int64_t nowUnixUs = unixTimeUs();
        const int64_t nowSteady = steadyUs();
        if (shared_.window.contains(nowSteady))
        {
            ++messages;
            bytes += data.size();
        }
        onText(data, nowUnixUs, nowSteady);
    }

    // The hub's tiles (ROOM_SUMMARY.md "Hub to browser"), read by position instead of a full JSON
    // parse: 50 viewers x 80 tiles/s of ~4 KB would otherwise cost this tool a core, taken from the
    // hub on a small machine. The summary's keys come sorted (nlohmann), "t" is unique inside it.
    void onText(std::string_view text, int64_t nowUnixUs, int64_t nowSteady)
    {
        if (text.starts_with("{\"type\":\"lab_hello\"") || text.find("\"type\":\"lab_hello\"") != std::string_view::npos)
        {
            const std::size_t at = text.find("\"role\":\"");
            if (at != std::string_view::npos) role = std::string(text.substr(at + 8, text.find('"', at + 8) - at - 8));
            return;
        }
        if (text.find("\"type\":\"room\"") == std::string_view::npos) return; // the "rooms" snapshot, acks
        const std::size_t keyAt = text.find("\"key\":\"");
        const std::size_t summaryAt = text.find("\"summary\":{");
        if (keyAt == std::string_view::npos)
        {
            ++malformed;
            return;
        }
        if (summaryAt == std::string_view::npos) return; // a room without a summary yet
        const std::size_t keyEnd = text.find('"', keyAt + 7);
        const std::string key(text.substr(keyAt + 7, keyEnd - keyAt - 7));
        const auto seq = numberAfter(text, "\"seq\":", summaryAt);
        const auto t = numberAfter(text, "\"t\":", summaryAt);
        const auto received = numberAfter(text, "\"received\":", 0);
        if (!seq || !t || !received)
        {
            ++malformed;
            return;
        }
        uint64_t& last = lastSeq_[key];
        const auto s = static_cast<uint64_t>(*seq);
        if (s <= last) return; // a repeat (status change, expiry) of a summary already counted
        const bool counting = shared_.window.contains(nowSteady);
        if (last != 0 && s > last + 1 && counting) sequenceGaps += s - last - 1;
        last = s;
        if (!counting) return;
        ++updatesInWindow;
        const int64_t age = nowUnixUs / 1000 - *t;
        agesMs.push_back(static_cast<uint32_t>(std::clamp<int64_t>(age, 0, UINT32_MAX)));
        ingressAgesMs.push_back(static_cast<uint32_t>(std::clamp<int64_t>(*received - *t, 0, UINT32_MAX)));
    }

    Shared& shared_;
    std::unordered_map<std::string, uint64_t> lastSeq_;
};

// ---- /proc sampling ----------------------------------------------------------------------------

// CPU over the window and RSS start/end/peak of one process.
struct ProcessWatch
{
    int pid = 0;
    std::optional<std::pair<double, std::string>> cpuStart, cpuEnd;
    std::map<int, std::pair<double, std::string>> threadsStart, threadsEnd;
    long rssStart = -1, rssEnd = -1, rssPeak = -1;

    std::optional<std::pair<double, std::string>> cpu() const
    {
        return readStat("/proc/" + std::to_string(pid) + "/stat");
    }
    void begin()
    {
        if (!pid) return;
        cpuStart = cpu();
        threadsStart = readThreads(pid);
        rssStart = readRss(pid).total;
    }
    void sample()
    {
        if (pid) rssPeak = std::max(rssPeak, readRss(pid).total);
    }
    void finish()
    {
        if (!pid) return;
        cpuEnd = cpu();
        threadsEnd = readThreads(pid);
        rssEnd = readRss(pid).total;
        rssPeak = std::max(rssPeak, rssEnd);
    }
    [[nodiscard]] double cpuPercent(double seconds) const
    {
        return cpuStart && cpuEnd ? 100.0 * (cpuEnd->first - cpuStart->first) / seconds : -1.0;
    }
    void print(const char* what, double seconds) const
    {
        if (!pid) return;
        std::printf("%-6s pid %-6d CPU %.1f %% of one core; VmRSS start %.1f, end %.1f, peak %.1f MiB\n", what, pid,
                    cpuPercent(seconds), static_cast<double>(rssStart) / 1024.0, static_cast<double>(rssEnd) / 1024.0,
                    static_cast<double>(rssPeak) / 1024.0);
        std::vector<std::pair<double, std::string>> perThread;
        for (const auto& [tid, end] : threadsEnd)
        {
            const auto start = threadsStart.find(tid);
            const double used = end.first - (start != threadsStart.end() ? start->second.first : 0.0);
            perThread.emplace_back(100.0 * used / seconds, end.second + " (" + std::to_string(tid) + ")");
        }
        std::sort(perThread.rbegin(), perThread.rend());
        std::printf("       threads");
        for (std::size_t i = 0; i < perThread.size() && i < 4; ++i)
            std::printf(" %s %.1f %%;", perThread[i].second.c_str(), perThread[i].first);
        std::printf("\n");
    }
};

// GET /metrics of the hub (plain HTTP, same Host and token as the viewers); its headroom_lab_* lines.
std::string fetchMetrics(const Options& o)
{
    return headroom::bench::fetchMetrics(o.host, o.port, o.token,
                                         [](const std::string& body)
                                         {
                                             std::istringstream in(body);
                                             std::string line, out;
                                             while (std::getline(in, line))
                                                 if (!line.empty() && line[0] != '#') out += "  " + line + "\n";
                                             return out;
                                         });
}

} // namespace

int main(int argc, char** argv)
{
    const Options o = parseOptions(argc, argv);
    Shared shared{o, {}, {}, {}};

    // ---- rooms: connect, then one publisher thread, the rooms' phases spread over the period ----
    std::vector<std::unique_ptr<SimulatedRoom>> rooms;
    try
    {
        for (std::size_t i = 0; i < o.rooms; ++i) rooms.push_back(std::make_unique<SimulatedRoom>(o, i));
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "headroom_lab_load: %s\n", e.what());
        return 2;
    }
    const auto connectStart = SteadyClock::now();
    auto roomsConnected = [&]
    { return static_cast<std::size_t>(std::count_if(rooms.begin(), rooms.end(), [](auto& r) { return r->connected(); })); };
    while (roomsConnected() < o.rooms && SteadyClock::now() - connectStart < std::chrono::seconds(20))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::fprintf(stderr, "headroom_lab_load: %zu/%zu rooms connected to %s\n", roomsConnected(), o.rooms,
                 o.mqttUrl.c_str());

    std::atomic<bool> publishing{true};
    std::atomic<uint64_t> publishedInWindow{0}, publishFailures{0};
    const double period = 1.0 / o.rate;
    std::thread publisher(
        [&]
        {
            const auto step = std::chrono::duration_cast<SteadyClock::duration>(
                std::chrono::duration<double>(period / static_cast<double>(o.rooms)));
            auto due = SteadyClock::now();
            for (std::size_t tick = 0; publishing.load(std::memory_order_relaxed); ++tick)
            {
                std::this_thread::sleep_until(due);
                due += step;
                const bool ok = rooms[tick % o.rooms]->publish(period);
                if (!ok) publishFailures.fetch_add(1);
                else if (shared.window.contains(steadyUs())) publishedInWindow.fetch_add(1);
            }
        });

    // ---- viewers ----
    asio::io_context ioc;
    // As the page connects: Origin is the hub's own address (same origin), Host the same; the first
    // message carries every tile.
    shared.target.host = o.host + ":" + o.port;
    shared.target.path = o.path;
    shared.target.token = o.token;
    shared.target.origin = "http://" + o.host + ":" + o.port;
    shared.target.userAgent = "headroom_lab_load";
    shared.target.maxMessageBytes = 8u << 20;
    try
    {
        tcp::resolver resolver(ioc);
        shared.target.endpoint = *resolver.resolve(o.host, o.port).begin();
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "headroom_lab_load: cannot resolve %s:%s: %s\n", o.host.c_str(), o.port.c_str(), e.what());
        publishing = false;
        publisher.join();
        return 2;
    }
    std::vector<std::shared_ptr<Viewer>> viewers;
    for (std::size_t i = 0; i < o.viewers; ++i)
    {
        viewers.push_back(std::make_shared<Viewer>(ioc, shared));
        viewers.back()->start();
    }
    auto work = asio::make_work_guard(ioc);
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < o.threads; ++t) threads.emplace_back([&ioc] { ioc.run(); });
    const auto viewersStart = SteadyClock::now();
    while (shared.counts.finished.load() < o.viewers && SteadyClock::now() - viewersStart < std::chrono::seconds(30))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::fprintf(stderr, "headroom_lab_load: %zu/%zu viewers connected; warm-up %.1f s, window %.1f s\n",
                 shared.counts.connected.load(), o.viewers, o.warmup, o.seconds);
    std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup));

    // ---- the window ----
    ProcessWatch hub, broker;
    hub.pid = o.hubPid.value_or(0);
    broker.pid = o.brokerPid.value_or(0);
    hub.begin();
    broker.begin();
    const double selfStart = selfCpuSeconds();
    const int64_t windowStart = steadyUs();
    const int64_t windowEndPlanned = windowStart + static_cast<int64_t>(o.seconds * 1e6);
    shared.window.end.store(windowEndPlanned);
    shared.window.start.store(windowStart);
    while (steadyUs() < windowEndPlanned)
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        hub.sample();
        broker.sample();
    }
    const int64_t windowEnd = steadyUs();
    hub.finish();
    broker.finish();
    const double selfEnd = selfCpuSeconds();
    const std::string metrics = fetchMetrics(o);
    // Let the updates published at the end of the window arrive before the viewers stop.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));

    for (auto& v : viewers) v->stop();
    publishing = false;
    publisher.join();
    std::size_t sampleBytes = 0; // the rooms' last summaries, mean size
    for (const auto& r : rooms) sampleBytes += r->lastBytes();
    sampleBytes /= rooms.size();
    g_quietMqtt = true;
    for (auto& r : rooms) r->stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    work.reset();
    ioc.stop();
    for (auto& t : threads) t.join();

    // ---- figures ----
    const double windowSeconds = static_cast<double>(windowEnd - windowStart) / 1e6;
    std::vector<double> ages, ingress, perViewer;
    std::size_t connected = 0, ended = 0, controlRoles = 0;
    uint64_t gaps = 0, malformed = 0, messages = 0, bytes = 0;
    std::map<std::string, std::size_t> errors;
    const double published = static_cast<double>(publishedInWindow.load());
    for (const auto& v : viewers)
    {
        if (!v->error.empty()) ++errors[v->error];
        if (!v->connected) continue;
        ++connected;
        if (v->ended) ++ended;
        if (v->role == "control") ++controlRoles;
        for (uint32_t a : v->agesMs) ages.push_back(a);
        for (uint32_t a : v->ingressAgesMs) ingress.push_back(a);
        perViewer.push_back(published > 0 ? static_cast<double>(v->updatesInWindow) / published : 0.0);
        gaps += v->sequenceGaps;
        malformed += v->malformed;
        messages += v->messages;
        bytes += v->bytes;
    }
    const double deliveredMin = perViewer.empty() ? 0.0 : *std::min_element(perViewer.begin(), perViewer.end());
    const double deliveredMedian = percentile(perViewer, 50);
    const double ageP50 = percentile(ages, 50), ageP90 = percentile(ages, 90), ageP99 = percentile(ages, 99);
    const double ageMax = ages.empty() ? 0.0 : ages.back();
    const double ingressP50 = percentile(ingress, 50), ingressP99 = percentile(ingress, 99);

    std::printf("headroom_lab_load: broker %s, hub %s:%s%s; %zu rooms x %.1f Hz, %zu viewers, window %.2f s\n",
                o.mqttUrl.c_str(), o.host.c_str(), o.port.c_str(), o.path.c_str(), o.rooms, o.rate, o.viewers,
                windowSeconds);
    std::printf("rooms            %zu connected; %.0f summaries published in the window (%.1f/s, %zu B each on average); "
                "publish failures %llu\n",
                o.rooms, published, published / windowSeconds, sampleBytes,
                static_cast<unsigned long long>(publishFailures.load()));
    std::printf("viewers          %zu/%zu connected (%zu as control); ended during the run %zu\n", connected,
                o.viewers, controlRoles, ended);
    for (const auto& [message, count] : errors) std::printf("  error x%zu: %s\n", count, message.c_str());
    std::printf("delivered        per viewer min %.3f median %.3f of the summaries published; sequence gaps %llu; "
                "malformed tiles %llu\n",
                deliveredMin, deliveredMedian, static_cast<unsigned long long>(gaps),
                static_cast<unsigned long long>(malformed));
    std::printf("update age ms    p50 %.0f  p90 %.0f  p99 %.0f  max %.0f  (%zu updates; ms resolution)\n", ageP50,
                ageP90, ageP99, ageMax, ages.size());
    std::printf("  of which hub   receipt - t: p50 %.0f  p99 %.0f (room -> broker -> hub)\n", ingressP50, ingressP99);
    std::printf("received         in the window %.1f MB, %llu messages (%.1f/s and %.0f kB/s per viewer)\n",
                static_cast<double>(bytes) / 1e6, static_cast<unsigned long long>(messages),
                connected ? static_cast<double>(messages) / static_cast<double>(connected) / windowSeconds : 0.0,
                connected ? static_cast<double>(bytes) / 1e3 / static_cast<double>(connected) / windowSeconds : 0.0);
    std::printf("load tool CPU    %.1f %% of one core (publishers and viewers); %u cores\n",
                100.0 * (selfEnd - selfStart) / windowSeconds, std::thread::hardware_concurrency());
    hub.print("hub", windowSeconds);
    broker.print("broker", windowSeconds);
    if (!metrics.empty()) std::printf("hub /metrics\n%s", metrics.c_str());

    // ---- verdict ----
    std::vector<std::string> misses;
    char buf[160];
    if (connected < o.viewers) misses.push_back("viewers " + std::to_string(connected) + "/" + std::to_string(o.viewers));
    if (ended > 0) misses.push_back(std::to_string(ended) + " viewers ended early");
    if (ages.empty() || ageP99 >= o.maxAgeP99Ms)
    {
        std::snprintf(buf, sizeof buf, "age p99 %.0f ms >= %.0f ms", ageP99, o.maxAgeP99Ms);
        misses.emplace_back(buf);
    }
    if (deliveredMin < 0.99)
    {
        std::snprintf(buf, sizeof buf, "a viewer got %.3f of the updates", deliveredMin);
        misses.emplace_back(buf);
    }
    const double hubCpu = hub.cpuPercent(windowSeconds);
    if (hub.pid && hubCpu >= o.maxCpuPercent)
    {
        std::snprintf(buf, sizeof buf, "hub CPU %.1f %% >= %.0f %%", hubCpu, o.maxCpuPercent);
        misses.emplace_back(buf);
    }
    std::string verdict = misses.empty() ? "PASS" : "FAIL";
    for (std::size_t i = 0; i < misses.size(); ++i) verdict += (i == 0 ? ": " : "; ") + misses[i];
    std::printf("RESULT %s  (rooms %zu, viewers %zu, age p50 %.0f p99 %.0f ms, delivered min %.3f, hub CPU %.1f %%, "
                "hub VmRSS peak %.1f MiB)\n",
                verdict.c_str(), o.rooms, o.viewers, ageP50, ageP99, deliveredMin, hubCpu,
                static_cast<double>(hub.rssPeak) / 1024.0);
    return 0;
}
