#include "server/cli/CommandSupport.h"

#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>

namespace headroom::server::cli
{

bool ArgumentReader::is(std::string_view name) const
{
    const std::string& arg = current();
    return arg == name || (arg.size() > name.size() && arg.starts_with(name) && arg[name.size()] == '=');
}

std::string ArgumentReader::value(std::string_view name)
{
    const std::string& arg = current();
    if (arg.size() > name.size() && arg[name.size()] == '=') return arg.substr(name.size() + 1);
    if (index_ + 1 >= args_.size()) throw CommandUsageError("option " + std::string(name) + " needs a value");
    return args_[++index_];
}

double parseSeconds(std::string_view text, std::string_view option)
{
    double value = 0.0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(value) || value < 0.0)
        throw CommandUsageError(std::string(option) + " must be a number of seconds >= 0, not '" +
                                std::string(text) + "'");
    return value;
}

TerminationSignals::TerminationSignals(bool alsoHangup)
{
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    if (alsoHangup) sigaddset(&set_, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set_, &previous_);
}

TerminationSignals::~TerminationSignals()
{
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

int TerminationSignals::wait(std::chrono::milliseconds timeout)
{
    const auto ms = std::max<long long>(0, timeout.count());
    timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000L};
    const int signal = sigtimedwait(&set_, nullptr, &ts);
    return signal > 0 ? signal : 0; // EAGAIN: timeout; EINTR: another signal (e.g. SIGCHLD)
}

void logLine(std::string_view command, std::string_view line)
{
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    tm utc{};
    gmtime_r(&now.tv_sec, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
    std::string text;
    text.reserve(line.size() + 64);
    text.append(stamp);
    char millis[24];
    std::snprintf(millis, sizeof millis, ".%03ldZ", now.tv_nsec / 1000000L);
    text.append(millis).append(" headroom ").append(command).append(": ").append(line).push_back('\n');
    std::fwrite(text.data(), 1, text.size(),
                stderr); // stderr is unbuffered: one write, lines never interleave
}

namespace
{
std::string installedOrSource(std::string_view installedName, std::string_view sourceRelative)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec)
    {
        const fs::path installed = exe.parent_path().parent_path() / "share" / "headroom" / fs::path(installedName);
        if (fs::is_directory(installed, ec)) return installed.string();
    }
#ifdef HEADROOM_SOURCE_DIR
    const fs::path source = fs::path(HEADROOM_SOURCE_DIR) / fs::path(sourceRelative);
    if (fs::is_directory(source, ec)) return source.string();
#else
    (void)sourceRelative;
#endif
    return {};
}
} // namespace

std::string defaultWebRoot()
{
    return installedOrSource("web", "web");
}

std::string defaultSessionsDirectory()
{
    return installedOrSource("sessions", "deploy/sessions");
}

std::string envOr(const std::string& value, const char* variable)
{
    if (!value.empty()) return value;
    const char* env = std::getenv(variable);
    return env != nullptr ? std::string(env) : std::string();
}

} // namespace headroom::server::cli
