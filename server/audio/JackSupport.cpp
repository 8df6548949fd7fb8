#include "server/audio/JackSupport.h"

#include <jack/jack.h>

#include <cstdio>
#include <mutex>
#include <set>
#include <utility>

namespace headroom::server
{
namespace
{
// libjack's message hooks are plain function pointers, so the filter lives in one process-wide
// object. Messages come from whichever thread libjack is running (the supervisor during open and
// connect, its notification thread otherwise); the mutex is never taken by our process callbacks.
struct JackMessageFilter
{
    std::mutex mutex;
    LogFunction log;
    std::set<std::string> seen; // messages already reported since the last forget()

    void report(const char* message)
    {
        const std::lock_guard lock(mutex);
        std::string text(message != nullptr ? message : "");
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
        if (text.empty() || !log) return;
        // Bounded: a misbehaving server cannot grow the set without limit.
        if (seen.size() >= 256 || !seen.insert(text).second) return;
        log("libjack: " + text);
    }
};

JackMessageFilter& messageFilter()
{
    static JackMessageFilter filter;
    return filter;
}

void onJackMessage(const char* message)
{
    messageFilter().report(message);
}
} // namespace

std::string describeJackStatus(unsigned status)
{
    static constexpr std::pair<unsigned, const char*> kBits[] = {
        {JackFailure, "Failure"},
        {JackInvalidOption, "InvalidOption"},
        {JackNameNotUnique, "NameNotUnique"},
        {JackServerStarted, "ServerStarted"},
        {JackServerFailed, "ServerFailed"},
        {JackServerError, "ServerError"},
        {JackNoSuchClient, "NoSuchClient"},
        {JackLoadFailure, "LoadFailure"},
        {JackInitFailure, "InitFailure"},
        {JackShmFailure, "ShmFailure"},
        {JackVersionError, "VersionError"},
        {JackBackendError, "BackendError"},
        {JackClientZombie, "ClientZombie"},
    };
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%x", status);
    std::string text = hex;
    std::string names;
    for (const auto& [bit, name] : kBits)
        if ((status & bit) != 0) names += (names.empty() ? "" : ", ") + std::string(name);
    if (!names.empty()) text += " (" + names + ")";
    return text;
}

std::size_t maxPortShortNameLength(std::string_view clientName)
{
    // jack_port_name_size() counts the terminating zero; the full name is "client:port".
    const auto fullSize = static_cast<std::size_t>(jack_port_name_size());
    const std::size_t used = clientName.size() + 1 + 1;
    return fullSize > used ? fullSize - used : 0;
}

std::string sanitisePortShortName(std::string_view name, std::size_t maxLength)
{
    std::string out;
    out.reserve(name.size());
    for (const char c : name)
    {
        const auto u = static_cast<unsigned char>(c);
        out.push_back(u < 0x20 || u == 0x7f || c == ':' ? '_' : c);
    }
    if (out.size() > maxLength)
    {
        std::size_t cut = maxLength;
        // Back up over UTF-8 continuation bytes so the cut falls between characters.
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
        out.resize(cut);
    }
    return out;
}

void routeJackMessages(LogFunction log)
{
    {
        const std::lock_guard lock(messageFilter().mutex);
        messageFilter().log = std::move(log);
        messageFilter().seen.clear();
    }
    jack_set_error_function(&onJackMessage);
    jack_set_info_function(&onJackMessage);
}

void forgetJackMessages()
{
    const std::lock_guard lock(messageFilter().mutex);
    messageFilter().seen.clear();
}

} // namespace headroom::server
