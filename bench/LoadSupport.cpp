// The shared helpers of the two load tools (LoadSupport.h). [setup]/[main] threads of the tools only,
// except the clocks, which their io threads call too.
#include "bench/LoadSupport.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace headroom::bench
{
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

int64_t unixTimeUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

int64_t steadyUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

namespace
{
double clockTicks()
{
    static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return ticks;
}
} // namespace

std::optional<CpuAndName> readStat(const std::string& path)
{
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) return std::nullopt;
    const std::size_t open = line.find('(');
    const std::size_t close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) return std::nullopt;
    const std::string comm = line.substr(open + 1, close - open - 1);
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && (rest >> field); ++i)
    {
        if (i == 14) utime = std::strtod(field.c_str(), nullptr);
        if (i == 15) stime = std::strtod(field.c_str(), nullptr);
    }
    return std::make_pair((utime + stime) / clockTicks(), comm);
}

std::map<int, CpuAndName> readThreads(int pid)
{
    std::map<int, CpuAndName> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec))
        if (auto s = readStat(entry.path().string() + "/stat"))
            out[std::atoi(entry.path().filename().string().c_str())] = *s;
    return out;
}

Rss readRss(int pid)
{
    Rss r;
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
    {
        if (line.rfind("VmRSS:", 0) == 0) r.total = std::strtol(line.c_str() + 6, nullptr, 10);
        if (line.rfind("RssShmem:", 0) == 0) r.shmem = std::strtol(line.c_str() + 9, nullptr, 10);
    }
    return r;
}

double selfCpuSeconds()
{
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::pair<double, double> machineJiffies()
{
    std::ifstream in("/proc/stat");
    std::string cpu;
    in >> cpu;
    double total = 0, idle = 0, v = 0;
    for (int i = 0; i < 8 && (in >> v); ++i)
    {
        total += v;
        if (i == 3 || i == 4) idle += v; // idle, iowait
    }
    return {total - idle, total};
}

std::string loadAverage()
{
    std::ifstream in("/proc/loadavg");
    std::string one, five;
    in >> one >> five;
    return one + " " + five;
}

double percentile(std::vector<double>& v, double p)
{
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const double rank = p / 100.0 * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(rank);
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

std::string fetchMetrics(const std::string& host, const std::string& port, const std::string& token,
                         const std::function<std::string(const std::string& body)>& select)
{
    try
    {
        asio::io_context ioc;
        tcp::resolver resolver(ioc);
        beast::tcp_stream stream(ioc);
        stream.expires_after(std::chrono::seconds(5));
        stream.connect(resolver.resolve(host, port));
        http::request<http::empty_body> req{http::verb::get, "/metrics", 11};
        req.set(http::field::host, host + ":" + port);
        req.set(http::field::connection, "close");
        if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
        http::write(stream, req);
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        http::read(stream, buffer, res);
        return select(res.body());
    }
    catch (const std::exception& e)
    {
        return std::string("  (/metrics unavailable: ") + e.what() + ")\n";
    }
}

void usageError(const char* tool, const char* usage, const std::string& message)
{
    std::fprintf(stderr, "%s: %s\n%s", tool, message.c_str(), usage);
    std::exit(2);
}

bool Arguments::next()
{
    if (++i_ >= argc_) return false;
    option_ = argv_[i_];
    if (option_ == "-h" || option_ == "--help")
    {
        std::fputs(usage_, stdout);
        std::exit(0);
    }
    return true;
}

std::string Arguments::value()
{
    if (i_ + 1 >= argc_) usageError(tool_, usage_, option_ + " needs a value");
    return argv_[++i_];
}

double Arguments::number()
{
    const std::string v = value();
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end != '\0' || d < 0) usageError(tool_, usage_, option_ + ": not a number: " + v);
    return d;
}

WsUrl parseWsUrl(const std::string& url, const std::string& option, const std::string& defaultPath,
                 const char* tool, const char* usage)
{
    if (url.rfind("ws://", 0) != 0) usageError(tool, usage, option + " must start with ws:// (no TLS here)");
    const std::string rest = url.substr(5);
    const std::size_t slash = rest.find('/');
    WsUrl out;
    out.path = slash == std::string::npos ? defaultPath : rest.substr(slash);
    const std::string authority = rest.substr(0, slash);
    const std::size_t colon = authority.rfind(':');
    if (colon == std::string::npos) usageError(tool, usage, option + " needs HOST:PORT");
    out.host = authority.substr(0, colon);
    out.port = authority.substr(colon + 1);
    return out;
}

} // namespace headroom::bench
