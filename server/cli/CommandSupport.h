#pragma once

#include <chrono>
#include <csignal>
#include <cstdio>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

// What the long-running subcommands (`serve`, `generate`) share: option reading, waiting for
// SIGINT/SIGTERM without a signal handler, and timestamped log lines on stderr. [setup] code of the
// main thread.
namespace headroom::server::cli
{

// [setup] Where the dashboard's files and the example sessions are: <prefix>/share/headroom/web
// (sessions) next to the running binary (bin/headroom) when installed, else the source tree's web/
// (deploy/sessions/) when this binary was built from one that still exists, else "".
[[nodiscard]] std::string defaultWebRoot();
[[nodiscard]] std::string defaultSessionsDirectory();

// [setup] value, or the environment variable's value when value is empty (tokens, passwords: not in ps).
[[nodiscard]] std::string envOr(const std::string& value, const char* variable);

// A command line that cannot be run; what() is one line without the program name.
class CommandUsageError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// Walks the arguments after the subcommand name; accepts "--name value" and "--name=value".
class ArgumentReader
{
public:
    explicit ArgumentReader(std::span<const std::string> args) : args_(args) {}

    [[nodiscard]] bool done() const noexcept { return index_ >= args_.size(); }
    // The argument under the cursor.
    [[nodiscard]] const std::string& current() const { return args_[index_]; }
    // Whether the current argument is option `name` (bare or with "=value").
    [[nodiscard]] bool is(std::string_view name) const;
    // The value of the current option (from "=value" or the next argument). Throws CommandUsageError.
    [[nodiscard]] std::string value(std::string_view name);
    void next() noexcept { ++index_; }

private:
    std::span<const std::string> args_;
    std::size_t index_ = 0;
};

// [setup] The common start of a subcommand: parse its arguments; a usage error is printed as one
// line and ends the command with 2, --help prints the help and ends it with 0. Returns the exit code
// when the command is done, nothing when it should run.
template <typename Arguments, typename Parse>
[[nodiscard]] std::optional<int> parseOrFinish(std::string_view command, const char* help, Parse parse,
                                               std::span<const std::string> args, Arguments& arguments)
{
    try
    {
        arguments = parse(args);
    }
    catch (const CommandUsageError& e)
    {
        std::fprintf(stderr, "headroom %.*s: %s (run 'headroom %.*s --help')\n", static_cast<int>(command.size()),
                     command.data(), e.what(), static_cast<int>(command.size()), command.data());
        return 2;
    }
    if (arguments.help)
    {
        std::fputs(help, stdout);
        return 0;
    }
    return std::nullopt;
}

// [setup] Parse a number of seconds >= 0. Throws CommandUsageError naming the option.
[[nodiscard]] double parseSeconds(std::string_view text, std::string_view option);

// SIGINT and SIGTERM, taken synchronously. The constructor blocks both in the calling thread, and
// every thread created afterwards (libjack's, the worker's) inherits the mask, so the signals are
// only ever consumed by wait(): no asynchronous handler, nothing to make async-signal-safe.
// Construct it first thing in the main thread, before any other thread exists. With alsoHangup,
// SIGHUP is blocked the same way (serve takes it on its network thread as "reload"; unblocked,
// its default action would end the process from whichever thread it landed on).
class TerminationSignals
{
public:
    explicit TerminationSignals(bool alsoHangup = false);
    ~TerminationSignals(); // restores the previous mask
    TerminationSignals(const TerminationSignals&) = delete;
    TerminationSignals& operator=(const TerminationSignals&) = delete;

    // [setup] Wait up to timeout; returns the signal taken (SIGINT/SIGTERM) or 0.
    int wait(std::chrono::milliseconds timeout);

private:
    sigset_t set_{};
    sigset_t previous_{};
};

// [any] "2025-01-31T12:34:56.789Z headroom <command>: <line>" on stderr, one write per line.
void logLine(std::string_view command, std::string_view line);

} // namespace headroom::server::cli
