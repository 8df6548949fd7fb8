// What headroom_load (LoadTool.cpp) and headroom_lab_load (LabLoad.cpp) share: clocks, /proc
// sampling of a process under load, percentiles, GET /metrics, and the command-line helpers.
// Bench code (figures, not tests; STYLE.md): no behaviour of its own beyond what both tools print.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace headroom::bench
{

// ---- clocks ------------------------------------------------------------------------------------

int64_t unixTimeUs(); // wall clock: compared with timestamps taken by the server on this machine
int64_t steadyUs();   // steady clock: the measurement window

// The measurement window, in steady µs; the tools' clients count what arrives inside it.
struct Window
{
    std::atomic<int64_t> start{INT64_MAX};
    std::atomic<int64_t> end{INT64_MAX};
    bool contains(int64_t t) const
    {
        return t >= start.load(std::memory_order_relaxed) && t < end.load(std::memory_order_relaxed);
    }
};

// ---- /proc sampling ----------------------------------------------------------------------------

using CpuAndName = std::pair<double, std::string>; // utime+stime in seconds, command name

// utime+stime in seconds and the command name from a /proc/.../stat file.
std::optional<CpuAndName> readStat(const std::string& path);

// tid -> (cpu seconds, name), from /proc/PID/task/*/stat.
std::map<int, CpuAndName> readThreads(int pid);

// Resident memory from /proc/PID/status, KiB (-1: unknown). VmRSS counts shared mappings too: a JACK
// client maps the server's port-buffer segment (/dev/shm/jack-*), which shows up as RssShmem.
struct Rss
{
    long total = -1; // VmRSS
    long shmem = 0;  // RssShmem (JACK's shared segments)
    [[nodiscard]] long own() const { return total < 0 ? -1 : total - shmem; }
};

Rss readRss(int pid);

// This process's utime+stime, seconds (getrusage).
double selfCpuSeconds();

// The whole machine: busy and total jiffies over every core (/proc/stat "cpu" line).
std::pair<double, double> machineJiffies();

// The 1- and 5-minute load averages, "1.23 0.98".
std::string loadAverage();

// ---- figures -----------------------------------------------------------------------------------

// Linear-interpolated percentile p (0..100); sorts v in place; 0 for an empty v.
double percentile(std::vector<double>& v, double p);

// ---- the server's /metrics ---------------------------------------------------------------------

// GET /metrics from HOST:PORT over plain HTTP/1.1 (5 s timeout; "Authorization: Bearer TOKEN" when a
// token is given) and return select(body); on any failure the line "  (/metrics unavailable: why)".
std::string fetchMetrics(const std::string& host, const std::string& port, const std::string& token,
                         const std::function<std::string(const std::string& body)>& select);

// ---- the command line --------------------------------------------------------------------------

// Prints "TOOL: message", then the usage text, to stderr and exits with status 2.
[[noreturn]] void usageError(const char* tool, const char* usage, const std::string& message);

// Walks argv; value() and number() take the current option's argument (usageError when missing or,
// for number(), not a non-negative number).
class Arguments
{
public:
    Arguments(int argc, char** argv, const char* tool, const char* usage)
        : argc_(argc), argv_(argv), tool_(tool), usage_(usage)
    {
    }

    // Advances to the next option; false past the end. -h/--help prints the usage and exits 0.
    [[nodiscard]] bool next();
    [[nodiscard]] const std::string& option() const { return option_; }
    std::string value();
    double number();

private:
    int argc_;
    char** argv_;
    const char* tool_;
    const char* usage_;
    int i_ = 0;
    std::string option_;
};

// ws://HOST:PORT[/PATH], split (no TLS in the load tools).
struct WsUrl
{
    std::string host;
    std::string port;
    std::string path;
};

// Parses the argument of `option`; usageError when it is not ws://HOST:PORT[/PATH]. A URL without a
// path gets `defaultPath`.
WsUrl parseWsUrl(const std::string& url, const std::string& option, const std::string& defaultPath,
                 const char* tool, const char* usage);

} // namespace headroom::bench
