#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

// Small JACK helpers shared by the meter client and the signal generator: readable open-status
// bits, port-name rules, and a filter that keeps libjack's own messages from flooding the log while
// a client retries against a server that is not there.
//
// All functions are [setup] or supervisor-thread code: they allocate and may lock.
namespace headroom::server
{

using LogFunction = std::function<void(const std::string& line)>;

// [any] "0x11 (Failure, ServerFailed)" for a jack_status_t value.
[[nodiscard]] std::string describeJackStatus(unsigned status);

// [any] Longest short port name JACK accepts for a client called clientName (the full name
// "client:port" must fit in jack_port_name_size() including the terminating zero).
[[nodiscard]] std::size_t maxPortShortNameLength(std::string_view clientName);

// [any] A valid JACK short port name: control characters and ':' (the client/port separator)
// become '_', and the name is cut to maxLength bytes (never in the middle of a UTF-8 sequence).
[[nodiscard]] std::string sanitisePortShortName(std::string_view name, std::size_t maxLength);

// [setup] Route libjack's error and info messages to log, each distinct message once until
// forgetJackMessages() is called (the supervisor calls it whenever a connection is established, so
// a new outage is reported again). Without this, every retry would print libjack's "Cannot connect
// to server socket" lines. Process-wide (libjack's hooks are global); the last caller wins.
void routeJackMessages(LogFunction log);
void forgetJackMessages();

} // namespace headroom::server
