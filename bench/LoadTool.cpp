// headroom_load: a WebSocket load generator for `headroom serve` (a figure, not a test; STYLE.md).
//
// Opens N clients against a running server (one or two io_context threads, every client async on
// its own strand), subscribes each at --rate Hz, and for every binary meter frame reads the header
// with proto's layout (version, type, flags, server_time_us) to measure the frame's age: the local
// system clock at receipt minus the server's timestamp (both on this machine). After the clients
// are connected and a warm-up, one measurement window of --seconds: per-client delivered frame
// rate, frame age percentiles, and the server's CPU (utime+stime of /proc/PID/stat, per thread from
// /proc/PID/task) and resident memory (VmRSS and RssShmem, sampled every 100 ms for the peaks). The
// last line compares the figures with the targets (PASS/FAIL); the memory target is judged on the
// server's own memory, VmRSS - RssShmem: every JACK client maps jackd's port-buffer segment, ~100 MiB
// resident with jackd's default --port-max, which is jackd's memory, not Headroom's (both printed).
// Two io threads by default: one thread reading 200+ clients' statistics (~0.5 MB/s each) falls
// behind on a busy 2-core machine and the server then, correctly, downgrades "slow" clients.
// The exit status is 0 unless the tool itself could not run (a report, not a test).
//
// Usage: headroom_load --url ws://127.0.0.1:PORT/ws [--clients N] [--seconds S] [--rate HZ]
//                      [--server-pid PID] [--threads 1|2] [--warmup S] [--no-stats] [--token T]
//                      [--full-decode] [--min-fps F] [--max-age-p99-ms MS] [--max-cpu-percent P]
//                      [--max-rss-mib M]
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
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/LoadHandshake.h"
#include "bench/LoadSupport.h"
#include "proto/JsonMessages.h"
#include "proto/MeterFrameCodec.h"
#include "proto/Protocol.h"

namespace
{
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using headroom::bench::loadAverage;
using headroom::bench::machineJiffies;
using headroom::bench::percentile;
using headroom::bench::readRss;
using headroom::bench::readStat;
using headroom::bench::readThreads;
using headroom::bench::Rss;
using headroom::bench::selfCpuSeconds;
using headroom::bench::steadyUs;
using headroom::bench::unixTimeUs;
using headroom::bench::Window;

constexpr const char* kUsage =
    "Usage: headroom_load --url ws://HOST:PORT/PATH [options]\n"
    "  --clients N           WebSocket clients (default 200)\n"
    "  --seconds S           measurement window (default 20)\n"
    "  --rate HZ             subscribe at 60, 30, 15 or 10 Hz (default: no subscribe, the server's 30 Hz)\n"
    "  --server-pid PID      sample the server's CPU and RSS from /proc/PID\n"
    "  --threads 1|2         io_context threads (default 2)\n"
    "  --warmup S            seconds between the last connection and the window (default 2)\n"
    "  --no-stats            subscribe with stats:false (meters only)\n"
    "  --stats-taps IDS      subscribe with stats_taps [IDS] (comma-separated node ids), as the\n"
    "                        dashboard does with the master and its selected node\n"
    "  --token T             offer headroom.token.T next to headroom.v1\n"
    "  --full-decode         decode every frame with proto::decodeMeterFrame (default: the first\n"
    "                        frame of each client fully, then headers only)\n"
    "  --min-fps F --max-age-p99-ms MS --max-cpu-percent P --max-rss-mib M\n"
    "                        targets of the PASS/FAIL line (default: 0.967 x rate, 50, 25, 64)\n";

struct Options
{
    std::string host = "127.0.0.1";
    std::string port = "8080";
    std::string path = "/ws";
    std::size_t clients = 200;
    double seconds = 20.0;
    std::optional<uint32_t> rate;
    std::optional<int> serverPid;
    unsigned threads = 2;
    double warmup = 2.0;
    bool stats = true;
    std::optional<std::vector<std::string>> statsTaps;
    std::string token;
    bool fullDecode = false;
    std::optional<double> minFps;
    double maxAgeP99Ms = 50.0;
    double maxCpuPercent = 25.0;
    double maxRssMiB = 64.0;
};

[[noreturn]] void usageError(const std::string& message)
{
    headroom::bench::usageError("headroom_load", kUsage, message);
}

Options parseOptions(int argc, char** argv)
{
    Options o;
    bool haveUrl = false;
    headroom::bench::Arguments args(argc, argv, "headroom_load", kUsage);
    auto value = [&] { return args.value(); };
    auto number = [&] { return args.number(); };
    while (args.next())
    {
        const std::string& a = args.option();
        if (a == "--url")
        {
            auto url = headroom::bench::parseWsUrl(value(), a, "/", "headroom_load", kUsage);
            o.host = std::move(url.host);
            o.port = std::move(url.port);
            o.path = std::move(url.path);
            haveUrl = true;
        }
        else if (a == "--clients")
            o.clients = static_cast<std::size_t>(number());
        else if (a == "--seconds")
            o.seconds = number();
        else if (a == "--rate")
            o.rate = static_cast<uint32_t>(number());
        else if (a == "--server-pid")
            o.serverPid = static_cast<int>(number());
        else if (a == "--threads")
            o.threads = std::clamp(static_cast<unsigned>(number()), 1u, 8u);
        else if (a == "--warmup")
            o.warmup = number();
        else if (a == "--no-stats")
            o.stats = false;
        else if (a == "--stats-taps")
        {
            std::vector<std::string> ids;
            std::string list = value();
            for (std::size_t start = 0; start <= list.size();)
            {
                const std::size_t comma = std::min(list.find(',', start), list.size());
                if (comma > start) ids.push_back(list.substr(start, comma - start));
                start = comma + 1;
            }
            o.statsTaps = std::move(ids);
        }
        else if (a == "--token")
            o.token = value();
        else if (a == "--full-decode")
            o.fullDecode = true;
        else if (a == "--min-fps")
            o.minFps = number();
        else if (a == "--max-age-p99-ms")
            o.maxAgeP99Ms = number();
        else if (a == "--max-cpu-percent")
            o.maxCpuPercent = number();
        else if (a == "--max-rss-mib")
            o.maxRssMiB = number();
        else
            usageError("unknown option " + a);
    }
    if (!haveUrl) usageError("--url is required");
    if (o.clients == 0 || o.seconds <= 0) usageError("--clients and --seconds must be positive");
    if (o.rate && *o.rate != 60 && *o.rate != 30 && *o.rate != 15 && *o.rate != 10)
        usageError("--rate must be 60, 30, 15 or 10");
    return o;
}

template <typename T>
T readLe(const uint8_t* p)
{
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>(v | (static_cast<T>(p[i]) << (8 * i)));
    return v;
}

// The subscribe every client sends, or "" for none (the server's default: 30 Hz, everything).
std::string subscribeMessage(const Options& o)
{
    if (!o.rate && o.stats && !o.statsTaps) return {};
    headroom::proto::Subscribe s;
    s.rateHz = o.rate.value_or(headroom::proto::kDefaultMeterRateHz);
    s.stats = o.stats;
    s.statsTaps = o.statsTaps;
    return headroom::proto::encodeClientMessage(s);
}

struct Shared
{
    const Options& options;
    std::string subscribe; // encoded once (proto/, the wire format's one source); empty: none sent
    headroom::bench::LoadTarget target;
    Window window;
    headroom::bench::LoadCounts counts;
};

// One client. Its handlers run on its strand only; main reads its counters after the threads joined.
class Client : public headroom::bench::LoadConnection<Client>
{
public:
    Client(asio::io_context& ioc, Shared& shared) : LoadConnection(ioc, shared.target, shared.counts), shared_(shared) {}

    // results (read after the io threads joined; connected, ended and error in LoadConnection)
    uint64_t framesInWindow = 0;
    uint64_t framesTotal = 0;
    uint64_t bytesTotal = 0;
    uint64_t textMessages = 0;
    uint64_t textBytes = 0;
    uint64_t mergedFrames = 0; // frames with frame_flags::merged (the server merged our slot)
    uint64_t rateNotices = 0;  // "rate" notices (slow_client / recovered)
    uint64_t decodeErrors = 0;
    uint64_t sequenceGaps = 0;    // frames skipped relative to the tier (merged or missed)
    std::vector<uint32_t> agesUs; // frames inside the window
    // first and last frame inside the window: the source's rate from the engine's sequence numbers
    uint64_t windowFirstSeq = 0, windowLastSeq = 0;
    int64_t windowFirstUs = 0, windowLastUs = 0;
    int64_t firstFrameSteadyUs = 0;

private:
    friend class headroom::bench::LoadConnection<Client>;

    void onOpen()
    {
        if (shared_.subscribe.empty()) return read();
        ws_.text(true);
        ws_.async_write(asio::buffer(shared_.subscribe),
                        [self = shared_from_this()](beast::error_code wec, std::size_t)
                        {
                            if (wec) self->fail("subscribe", wec);
                        });
        read();
    }

    void onMessage(std::string_view data, bool text)
    {
        const int64_t nowUnix = unixTimeUs();
        const int64_t nowSteady = steadyUs();
        bytesTotal += data.size();
        if (text)
        {
            ++textMessages;
            textBytes += data.size();
            if (data.find("\"type\":\"rate\"") != std::string_view::npos) ++rateNotices;
        }
        else
        {
            onFrame(data, nowUnix, nowSteady);
        }
    }

    void onFrame(std::string_view data, int64_t nowUnix, int64_t nowSteady)
    {
        namespace proto = headroom::proto;
        const auto* p = reinterpret_cast<const uint8_t*>(data.data());
        const std::size_t n = data.size();
        ++framesTotal;
        if (firstFrameSteadyUs == 0) firstFrameSteadyUs = nowSteady;
        if (shared_.options.fullDecode || framesTotal == 1)
        {
            if (!proto::decodeMeterFrame({p, n}))
            {
                ++decodeErrors;
                return;
            }
        }
        else if (n < proto::kMeterFrameHeaderBytes || p[0] != proto::kProtocolVersion ||
                 p[1] != static_cast<uint8_t>(proto::FrameType::meter))
        {
            ++decodeErrors;
            return;
        }
        // Header (PROTOCOL.md 3.1): flags u16 @2, sequence u64 @8, server_time_us u64 @16.
        const auto flags = readLe<uint16_t>(p + 2);
        const auto sequence = readLe<uint64_t>(p + 8);
        const auto serverTimeUs = readLe<uint64_t>(p + 16);
        if ((flags & proto::frame_flags::merged) != 0) ++mergedFrames;
        const uint64_t step = 60 / shared_.options.rate.value_or(30);
        if (lastSequence_ != 0 && sequence > lastSequence_ + step)
            sequenceGaps += (sequence - lastSequence_) / step - 1;
        lastSequence_ = sequence;
        if (!shared_.window.contains(nowSteady)) return;
        ++framesInWindow;
        if (windowFirstSeq == 0)
        {
            windowFirstSeq = sequence;
            windowFirstUs = nowSteady;
        }
        windowLastSeq = sequence;
        windowLastUs = nowSteady;
        const int64_t age = nowUnix - static_cast<int64_t>(serverTimeUs);
        agesUs.push_back(static_cast<uint32_t>(std::clamp<int64_t>(age, 0, UINT32_MAX)));
    }

    Shared& shared_;
    uint64_t lastSequence_ = 0;
};

// ---- /proc sampling ----------------------------------------------------------------------------

struct RssPeak
{
    Rss start, end;
    long peakTotal = -1;
    long peakOwn = -1;
    long peakShmem = 0;
    void sample(int pid)
    {
        const Rss r = readRss(pid);
        peakTotal = std::max(peakTotal, r.total);
        peakOwn = std::max(peakOwn, r.own());
        peakShmem = std::max(peakShmem, r.shmem);
    }
};

double mib(long kib)
{
    return static_cast<double>(kib) / 1024.0;
}

// GET /metrics over plain HTTP (no token, as before); selected counters, or "" when unavailable.
std::string fetchMetrics(const Options& o)
{
    return headroom::bench::fetchMetrics(
        o.host, o.port, "",
        [](const std::string& body)
        {
            std::istringstream in(body);
            std::string line, out;
            for (const char* name :
                 {"headroom_ws_clients ", "headroom_frames_sent_total ", "headroom_frames_merged_total ",
                  "headroom_frames_dropped_total ", "headroom_rate_downgrades_total ",
                  "headroom_stalled_clients_closed_total ", "headroom_rejected_connections_total ",
                  "headroom_jack_xruns_total ", "headroom_records_dropped_total "})
            {
                in.clear();
                in.seekg(0);
                while (std::getline(in, line))
                    if (line.rfind(name, 0) == 0) out += "  " + line + "\n";
            }
            return out;
        });
}

void raiseFileLimit(std::size_t clients)
{
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return;
    const rlim_t want = std::min<rlim_t>(r.rlim_max, static_cast<rlim_t>(clients + 256));
    if (r.rlim_cur < want)
    {
        r.rlim_cur = want;
        ::setrlimit(RLIMIT_NOFILE, &r);
    }
}

} // namespace

int main(int argc, char** argv)
{
    const Options o = parseOptions(argc, argv);
    raiseFileLimit(o.clients);
    Shared shared{o, subscribeMessage(o), {}, {}, {}};
    shared.target.host = o.host + ":" + o.port;
    shared.target.path = o.path;
    shared.target.token = o.token;
    shared.target.userAgent = "headroom_load";

    asio::io_context ioc;
    try
    {
        tcp::resolver resolver(ioc);
        shared.target.endpoint = *resolver.resolve(o.host, o.port).begin();
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "headroom_load: cannot resolve %s:%s: %s\n", o.host.c_str(), o.port.c_str(),
                     e.what());
        return 2;
    }

    const int pid = o.serverPid.value_or(0);
    RssPeak rss;

    std::vector<std::shared_ptr<Client>> clients;
    clients.reserve(o.clients);
    for (std::size_t i = 0; i < o.clients; ++i)
    {
        clients.push_back(std::make_shared<Client>(ioc, shared));
        clients.back()->start();
    }
    auto work = asio::make_work_guard(ioc);
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < o.threads; ++t) threads.emplace_back([&ioc] { ioc.run(); });

    const auto connectStart = SteadyClock::now();
    while (shared.counts.finished.load() < o.clients && SteadyClock::now() - connectStart < std::chrono::seconds(60))
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (pid) rss.sample(pid);
    }
    const double connectSeconds = std::chrono::duration<double>(SteadyClock::now() - connectStart).count();
    std::fprintf(stderr,
                 "headroom_load: %zu/%zu clients connected in %.2f s; warm-up %.1f s, window %.1f s\n",
                 shared.counts.connected.load(), o.clients, connectSeconds, o.warmup, o.seconds);
    std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup));

    // ---- the window ----
    const auto cpuAt = [pid]
    { return pid ? readStat("/proc/" + std::to_string(pid) + "/stat") : std::nullopt; };
    const auto threadsStart = pid ? readThreads(pid) : std::map<int, std::pair<double, std::string>>{};
    const auto cpuStart = cpuAt();
    const double selfStart = selfCpuSeconds();
    const auto machineStart = machineJiffies();
    const std::string loadStart = loadAverage();
    const int64_t windowStart = steadyUs();
    shared.window.start.store(windowStart);
    const int64_t windowEndPlanned = windowStart + static_cast<int64_t>(o.seconds * 1e6);
    shared.window.end.store(windowEndPlanned);
    if (pid) rss.start = readRss(pid);
    while (steadyUs() < windowEndPlanned)
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (pid) rss.sample(pid);
    }
    const int64_t windowEnd = steadyUs();
    const auto cpuEnd = cpuAt();
    const auto threadsEnd = pid ? readThreads(pid) : std::map<int, std::pair<double, std::string>>{};
    const double selfEnd = selfCpuSeconds();
    const auto machineEnd = machineJiffies();
    const std::string loadEnd = loadAverage();
    if (pid) rss.end = readRss(pid);
    const std::string metrics = fetchMetrics(o);

    for (auto& c : clients) c->stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    work.reset();
    ioc.stop();
    for (auto& t : threads) t.join();

    // ---- figures ----
    const double windowSeconds = static_cast<double>(windowEnd - windowStart) / 1e6;
    const uint32_t rate = o.rate.value_or(30);
    const double minFpsTarget = o.minFps.value_or(static_cast<double>(rate) * 29.0 / 30.0);
    std::vector<double> fps;
    std::vector<double> sourceRates; // the tier's rate the engine produced, from sequence numbers
    std::vector<double> ages;
    std::size_t connected = 0, ended = 0, below = 0;
    uint64_t framesTotal = 0, framesInWindow = 0, bytes = 0, text = 0, textBytes = 0, merged = 0, notices = 0;
    uint64_t decodeErrors = 0, gaps = 0;
    std::map<std::string, std::size_t> errors;
    for (const auto& c : clients)
    {
        if (!c->error.empty()) ++errors[c->error];
        if (!c->connected) continue;
        ++connected;
        if (c->ended) ++ended;
        const double f = static_cast<double>(c->framesInWindow) / windowSeconds;
        fps.push_back(f);
        if (f < minFpsTarget) ++below;
        if (c->windowLastUs > c->windowFirstUs && c->windowLastSeq > c->windowFirstSeq)
            sourceRates.push_back(static_cast<double>(c->windowLastSeq - c->windowFirstSeq) /
                                  static_cast<double>(60 / rate) /
                                  (static_cast<double>(c->windowLastUs - c->windowFirstUs) / 1e6));
        for (uint32_t a : c->agesUs) ages.push_back(static_cast<double>(a) / 1000.0);
        framesTotal += c->framesTotal;
        framesInWindow += c->framesInWindow;
        bytes += c->bytesTotal;
        text += c->textMessages;
        textBytes += c->textBytes;
        merged += c->mergedFrames;
        notices += c->rateNotices;
        decodeErrors += c->decodeErrors;
        gaps += c->sequenceGaps;
    }
    std::vector<double> fpsSorted = fps;
    const double fpsMin = fpsSorted.empty() ? 0.0 : *std::min_element(fpsSorted.begin(), fpsSorted.end());
    const double fpsMedian = percentile(fpsSorted, 50);
    const double fpsP1 = percentile(fpsSorted, 1);
    const double sourceFps = percentile(sourceRates, 50);
    const double ageP50 = percentile(ages, 50);
    const double ageP90 = percentile(ages, 90);
    const double ageP99 = percentile(ages, 99);
    const double ageMax = ages.empty() ? 0.0 : ages.back();

    std::printf("headroom_load: %s:%s%s  clients %zu  rate %u Hz%s  window %.2f s  io threads %u\n",
                o.host.c_str(), o.port.c_str(), o.path.c_str(), o.clients, rate, o.stats ? "" : " (no stats)",
                windowSeconds, o.threads);
    std::printf("connected        %zu/%zu (in %.2f s); ended during the run %zu\n", connected, o.clients,
                connectSeconds, ended);
    for (const auto& [message, count] : errors) std::printf("  error x%zu: %s\n", count, message.c_str());
    std::printf("fps per client   min %.2f  p1 %.2f  median %.2f  (target >= %.2f; %zu below); the engine "
                "produced %.2f/s (sequence numbers, median)\n",
                fpsMin, fpsP1, fpsMedian, minFpsTarget, below, sourceFps);
    std::printf("frame age ms     p50 %.2f  p90 %.2f  p99 %.2f  max %.2f  (%zu frames in the window)\n",
                ageP50, ageP90, ageP99, ageMax, ages.size());
    std::printf("frames           total %llu, in window %llu (%.0f/s); merged-flag %llu; sequence gaps %llu; "
                "rate notices %llu; decode errors %llu\n",
                static_cast<unsigned long long>(framesTotal), static_cast<unsigned long long>(framesInWindow),
                static_cast<double>(framesInWindow) / windowSeconds, static_cast<unsigned long long>(merged),
                static_cast<unsigned long long>(gaps), static_cast<unsigned long long>(notices),
                static_cast<unsigned long long>(decodeErrors));
    std::printf(
        "received         %.1f MB total: meter frames %.1f MB (%.0f B each), %llu text messages (hello, "
        "stats, notices) %.1f MB (%.0f B each)\n",
        static_cast<double>(bytes) / 1e6, static_cast<double>(bytes - textBytes) / 1e6,
        framesTotal ? static_cast<double>(bytes - textBytes) / static_cast<double>(framesTotal) : 0.0,
        static_cast<unsigned long long>(text), static_cast<double>(textBytes) / 1e6,
        text ? static_cast<double>(textBytes) / static_cast<double>(text) : 0.0);
    const double machineBusy =
        machineEnd.second > machineStart.second
            ? 100.0 * (machineEnd.first - machineStart.first) / (machineEnd.second - machineStart.second)
            : 0.0;
    std::printf(
        "load tool CPU    %.1f %% of one core; machine %.0f %% busy over %u cores, load average %s -> %s\n",
        100.0 * (selfEnd - selfStart) / windowSeconds, machineBusy, std::thread::hardware_concurrency(),
        loadStart.c_str(), loadEnd.c_str());

    double cpuPercent = -1.0;
    if (pid)
    {
        if (cpuStart && cpuEnd) cpuPercent = 100.0 * (cpuEnd->first - cpuStart->first) / windowSeconds;
        std::printf("server pid %d    CPU %.1f %% of one core\n", pid, cpuPercent);
        std::printf("server memory    VmRSS start %.1f, end %.1f, peak %.1f MiB; of which JACK shared memory "
                    "(RssShmem) peak %.1f MiB; own (VmRSS - RssShmem) start %.1f, end %.1f, peak %.1f MiB\n",
                    mib(rss.start.total), mib(rss.end.total), mib(rss.peakTotal), mib(rss.peakShmem),
                    mib(rss.start.own()), mib(rss.end.own()), mib(rss.peakOwn));
        std::vector<std::pair<double, std::string>> perThread;
        for (const auto& [tid, end] : threadsEnd)
        {
            const auto start = threadsStart.find(tid);
            const double used = end.first - (start != threadsStart.end() ? start->second.first : 0.0);
            perThread.emplace_back(100.0 * used / windowSeconds,
                                   end.second + " (" + std::to_string(tid) + ")");
        }
        std::sort(perThread.rbegin(), perThread.rend());
        std::printf("server threads  ");
        for (std::size_t i = 0; i < perThread.size() && i < 6; ++i)
            std::printf(" %s %.1f %%;", perThread[i].second.c_str(), perThread[i].first);
        std::printf("\n");
    }
    if (!metrics.empty()) std::printf("server /metrics\n%s", metrics.c_str());

    // ---- verdict ----
    std::vector<std::string> misses;
    char buf[160];
    if (connected < o.clients)
        misses.push_back("connected " + std::to_string(connected) + "/" + std::to_string(o.clients));
    if (ended > 0) misses.push_back(std::to_string(ended) + " clients ended early");
    if (fps.empty() || fpsMin < minFpsTarget)
    {
        std::snprintf(buf, sizeof buf, "fps min %.2f < %.2f", fpsMin, minFpsTarget);
        misses.emplace_back(buf);
    }
    if (ages.empty() || ageP99 >= o.maxAgeP99Ms)
    {
        std::snprintf(buf, sizeof buf, "age p99 %.2f ms >= %.0f ms", ageP99, o.maxAgeP99Ms);
        misses.emplace_back(buf);
    }
    if (pid && cpuPercent >= o.maxCpuPercent)
    {
        std::snprintf(buf, sizeof buf, "server CPU %.1f %% >= %.0f %%", cpuPercent, o.maxCpuPercent);
        misses.emplace_back(buf);
    }
    // The server's own memory: JACK's port-buffer segment is jackd's, mapped by every JACK client.
    if (pid && mib(rss.peakOwn) >= o.maxRssMiB)
    {
        std::snprintf(buf, sizeof buf, "server RSS (own) peak %.1f MiB >= %.0f MiB", mib(rss.peakOwn),
                      o.maxRssMiB);
        misses.emplace_back(buf);
    }
    if (decodeErrors > 0) misses.push_back(std::to_string(decodeErrors) + " undecodable frames");
    std::string verdict = misses.empty() ? "PASS" : "FAIL";
    for (std::size_t i = 0; i < misses.size(); ++i) verdict += (i == 0 ? ": " : "; ") + misses[i];
    std::printf("RESULT %s  (clients %zu, fps min %.2f median %.2f (source %.2f), age p50 %.2f p99 %.2f ms, "
                "server CPU %.1f %%, RSS own peak %.1f MiB (VmRSS %.1f incl. %.1f JACK shm))\n",
                verdict.c_str(), o.clients, fpsMin, fpsMedian, sourceFps, ageP50, ageP99, cpuPercent,
                mib(rss.peakOwn), mib(rss.peakTotal), mib(rss.peakShmem));
    return 0;
}
