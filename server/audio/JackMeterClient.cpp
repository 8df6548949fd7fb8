#include "server/audio/JackMeterClient.h"

#include <jack/jack.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <utility>

namespace headroom::server
{
namespace
{
std::string describeServer(const std::string& name)
{
    return name.empty() ? "(default)" : "'" + name + "'";
}

std::string millisecondsText(std::chrono::steady_clock::duration d)
{
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}
} // namespace

JackMeterClient::JackMeterClient(JackMeterClientOptions options, std::vector<JackPortSpec> ports,
                                 PrepareMeterFunction prepare)
    : options_(std::move(options)), ports_(std::move(ports)), prepare_(std::move(prepare))
{
    if (!prepare_) throw std::invalid_argument("JACK meter client: no meter");
    if (options_.clientName.empty()) throw std::invalid_argument("JACK client name is empty");
    if (options_.minRetryDelay.count() <= 0 || options_.maxRetryDelay < options_.minRetryDelay)
        throw std::invalid_argument("JACK retry delays must be positive and min <= max");
    std::set<std::string> names;
    for (std::size_t p = 0; p < ports_.size(); ++p)
    {
        const std::string& name = ports_[p].shortName;
        if (name.empty() || name != sanitisePortShortName(name, maxPortShortNameLength(options_.clientName)))
            throw std::invalid_argument("'" + name + "' is not a valid JACK port name for client '" +
                                        options_.clientName + "'");
        if (!names.insert(name).second)
            throw std::invalid_argument("two JACK ports are called '" + name + "'");
        for (const std::string& source : ports_[p].sources) wanted_.push_back({p, source, false, false});
    }
    buffers_.assign(ports_.size(), nullptr);
    jackPorts_.reserve(ports_.size());
}

JackMeterClient::~JackMeterClient()
{
    stop();
}

void JackMeterClient::start()
{
    if (supervisor_.joinable()) return;
    {
        const std::lock_guard lock(stopMutex_);
        stopRequested_ = false;
    }
    supervisor_ = std::thread([this] { supervise(); });
}

void JackMeterClient::stop()
{
    {
        const std::lock_guard lock(stopMutex_);
        stopRequested_ = true;
    }
    stopSignal_.notify_all();
    if (supervisor_.joinable()) supervisor_.join();
}

JackMeterClientStatus JackMeterClient::status() const noexcept
{
    JackMeterClientStatus s;
    s.connected = connected_.load(std::memory_order_relaxed);
    s.stalled = stalled_.load(std::memory_order_relaxed);
    s.sampleRateHz = serverRateHz_.load(std::memory_order_relaxed);
    s.bufferFrames = bufferFrames_.load(std::memory_order_relaxed);
    s.cycles = cycles_.load(std::memory_order_relaxed);
    s.xruns = xruns_.load(std::memory_order_relaxed);
    s.connections = connections_.load(std::memory_order_relaxed);
    s.portsConnected = portsConnected_.load(std::memory_order_relaxed);
    s.portsWanted = static_cast<uint32_t>(wanted_.size());
    return s;
}

// ---- supervisor thread ---------------------------------------------------------------------------

void JackMeterClient::supervise()
{
    auto retryDelay = options_.minRetryDelay;
    for (;;)
    {
        if (client_ == nullptr)
        {
            if (open())
            {
                retryDelay = options_.minRetryDelay;
                continue;
            }
            if (!sleepFor(retryDelay)) break;
            retryDelay = std::min(retryDelay * 2, options_.maxRetryDelay);
            continue;
        }

        if (shutdownNoticed_.load(std::memory_order_acquire))
        {
            char code[16];
            std::snprintf(code, sizeof code, "0x%x", static_cast<unsigned>(shutdownCode_.load()));
            log(std::string("the JACK server closed the connection (") + code + ": " + shutdownReason_ +
                "); reconnecting");
            close();
            continue; // reopen at once: a quick server restart is picked up without waiting
        }

        const uint32_t serverRate = serverRateHz_.load(std::memory_order_relaxed);
        if (serverRate != 0 && serverRate != preparedRateHz_)
        {
            // JACK cannot change the rate under an active client in practice, but if a server does,
            // the filters must be re-derived, and that may only happen with the client closed.
            log("the JACK sample rate changed to " + std::to_string(serverRate) + " Hz; reconnecting");
            close();
            continue;
        }

        if (portsChanged_.exchange(false, std::memory_order_acq_rel)) connectSources();
        if (const uint32_t frames = bufferFrames_.load(std::memory_order_relaxed);
            frames != loggedBufferFrames_)
        {
            // Nothing to do but say so: the process callback handles any period size as it comes.
            log("period size now " + std::to_string(frames) + " frames");
            loggedBufferFrames_ = frames;
        }
        watchForStall(std::chrono::steady_clock::now());
        if (client_ == nullptr) continue;
        if (!sleepFor(options_.pollInterval)) break;
    }
    close();
}

bool JackMeterClient::open()
{
    auto flags = static_cast<unsigned>(JackNoStartServer) | static_cast<unsigned>(JackUseExactName);
    if (!options_.serverName.empty()) flags |= static_cast<unsigned>(JackServerName);
    jack_status_t status{};
    client_ = options_.serverName.empty()
                  ? jack_client_open(options_.clientName.c_str(), static_cast<jack_options_t>(flags), &status)
                  : jack_client_open(options_.clientName.c_str(), static_cast<jack_options_t>(flags), &status,
                                     options_.serverName.c_str());
    if (client_ == nullptr)
    {
        ++failedOpens_;
        // One line per state change, not per attempt: a studio may run for hours without JACK.
        if (status != lastOpenStatus_)
        {
            lastOpenStatus_ = status;
            std::string why = (status & JackServerFailed) != 0    ? "no JACK server running"
                              : (status & JackNameNotUnique) != 0 ? "the client name is taken"
                                                                  : "cannot open a JACK client";
            log(why + " on server " + describeServer(options_.serverName) + ": status " +
                describeJackStatus(status) + "; retrying every " + millisecondsText(options_.minRetryDelay) +
                " to " + millisecondsText(options_.maxRetryDelay));
        }
        return false;
    }

    const auto fail = [this](const std::string& what)
    {
        log("cannot set up the JACK client: " + what + "; retrying");
        close();
        return false;
    };

    // The meter is prepared for the server's rate before anything can call process(): filters,
    // sub-block grid and ring are all derived from it. A new rate means a new meter.
    const uint32_t rate = jack_get_sample_rate(client_);
    if (rate != preparedRateHz_ || meter_.load(std::memory_order_relaxed) == nullptr)
    {
        // From this call on the previous meter may be gone, whatever happens next.
        meter_.store(nullptr, std::memory_order_relaxed);
        preparedRateHz_ = 0;
        try
        {
            RealtimeMeter& meter = prepare_(rate);
            if (meter.numSourceChannels() != ports_.size())
                throw std::logic_error("the meter reads " + std::to_string(meter.numSourceChannels()) +
                                       " source channels but there are " + std::to_string(ports_.size()) +
                                       " ports");
            meter_.store(&meter, std::memory_order_release);
            preparedRateHz_ = rate;
        }
        catch (const std::exception& e)
        {
            return fail("preparing the meter for " + std::to_string(rate) + " Hz: " + e.what());
        }
    }
    serverRateHz_.store(rate, std::memory_order_relaxed);
    bufferFrames_.store(jack_get_buffer_size(client_), std::memory_order_relaxed);
    loggedBufferFrames_ = bufferFrames_.load(std::memory_order_relaxed); // logged with the connection

    jackPorts_.clear();
    for (const JackPortSpec& spec : ports_)
    {
        // Terminal: the signal ends here (a meter is a sink), as jack.h describes for such ports.
        jack_port_t* port = jack_port_register(client_, spec.shortName.c_str(), JACK_DEFAULT_AUDIO_TYPE,
                                               JackPortIsInput | JackPortIsTerminal, 0);
        if (port == nullptr) return fail("registering port '" + spec.shortName + "'");
        jackPorts_.push_back(port);
    }

    shutdownNoticed_.store(false, std::memory_order_relaxed);
    portsChanged_.store(false, std::memory_order_relaxed);
    if (jack_set_process_callback(client_, &JackMeterClient::onProcess, this) != 0 ||
        jack_set_buffer_size_callback(client_, &JackMeterClient::onBufferSize, this) != 0 ||
        jack_set_sample_rate_callback(client_, &JackMeterClient::onSampleRate, this) != 0 ||
        jack_set_xrun_callback(client_, &JackMeterClient::onXrun, this) != 0 ||
        jack_set_port_registration_callback(client_, &JackMeterClient::onPortRegistration, this) != 0)
        return fail("setting the callbacks");
    jack_on_info_shutdown(client_, &JackMeterClient::onInfoShutdown, this);

    if (jack_activate(client_) != 0) return fail("activating");
    active_ = true;
    connected_.store(true, std::memory_order_relaxed);
    connections_.fetch_add(1, std::memory_order_relaxed);
    lastCycles_ = cycles_.load(std::memory_order_relaxed);
    lastAdvance_ = std::chrono::steady_clock::now();

    log("connected to JACK server " + describeServer(options_.serverName) + " as '" +
        jack_get_client_name(client_) + "': " + std::to_string(rate) + " Hz, " +
        std::to_string(bufferFrames_.load()) + " frames per period, " + std::to_string(ports_.size()) +
        " ports" + (failedOpens_ > 0 ? " (after " + std::to_string(failedOpens_) + " failed attempts)" : ""));
    failedOpens_ = 0;
    lastOpenStatus_ = ~0u;
    forgetJackMessages();

    // Connections do not survive a server restart: make every wanted one again, after activation
    // (jack.h: connecting an inactive client's ports is not allowed).
    for (Wanted& w : wanted_) w.connected = w.reported = false;
    connectSources();
    return true;
}

void JackMeterClient::close()
{
    if (client_ == nullptr) return;
    connected_.store(false, std::memory_order_relaxed);
    stalled_.store(false, std::memory_order_relaxed);
    portsConnected_.store(0, std::memory_order_relaxed);
    // After a server shutdown the client is already out of the graph; deactivating would only talk
    // to a dead server. jack_client_close() releases everything either way, and after it returns
    // no callback of this client runs any more, so the meter may be replaced.
    if (active_ && !shutdownNoticed_.load(std::memory_order_acquire)) jack_deactivate(client_);
    jack_client_close(client_);
    client_ = nullptr;
    active_ = false;
    jackPorts_.clear();
}

void JackMeterClient::connectSources()
{
    if (!active_) return;
    uint32_t made = 0;
    for (Wanted& w : wanted_)
    {
        jack_port_t* ours = jackPorts_[w.port];
        const std::string ourName = jack_port_name(ours);
        if (jack_port_connected_to(ours, w.source.c_str()) != 0)
        {
            w.connected = true;
            ++made;
            continue;
        }
        if (w.connected)
        {
            w.connected = false;
            w.reported = false;
        }
        if (jack_port_by_name(client_, w.source.c_str()) == nullptr)
        {
            // Not an error: sources come and go with the applications that own them.
            if (!w.reported)
                log("source '" + w.source + "' for " + ourName + " is not there; waiting for it");
            w.reported = true;
            continue;
        }
        const int result = jack_connect(client_, w.source.c_str(), ourName.c_str());
        if (result == 0 || result == EEXIST)
        {
            if (w.reported) log("source '" + w.source + "' appeared; connected to " + ourName);
            w.connected = true;
            w.reported = false;
            ++made;
        }
        else if (!w.reported)
        {
            log("cannot connect '" + w.source + "' to " + ourName + " (jack_connect returned " +
                std::to_string(result) + "); will retry when ports change");
            w.reported = true;
        }
    }
    if (portsConnected_.exchange(made, std::memory_order_relaxed) != made)
        log("sources connected: " + std::to_string(made) + " of " + std::to_string(wanted_.size()));
}

void JackMeterClient::watchForStall(std::chrono::steady_clock::time_point now)
{
    if (!active_) return;
    const uint64_t cycles = cycles_.load(std::memory_order_relaxed);
    if (cycles != lastCycles_)
    {
        if (stalled_.exchange(false, std::memory_order_relaxed))
            log("process cycles resumed after " + millisecondsText(now - lastAdvance_));
        lastCycles_ = cycles;
        lastAdvance_ = now;
        return;
    }
    // A stall is judged in periods (a long period is not a stall), but never finer than
    // minStallTime, because this thread itself only looks every pollInterval.
    const uint32_t rate = std::max<uint32_t>(1, serverRateHz_.load(std::memory_order_relaxed));
    const uint64_t frames = uint64_t{options_.stallPeriods} * std::max<uint32_t>(1, bufferFrames_.load());
    const auto limit = std::max<std::chrono::steady_clock::duration>(
        options_.minStallTime, std::chrono::microseconds(frames * 1000000 / rate));
    const auto quiet = now - lastAdvance_;
    if (quiet > limit && !stalled_.exchange(true, std::memory_order_relaxed))
        log("stalled: no process cycle for " + millisecondsText(quiet) + " while connected");
    if (options_.reconnectAfterStall.count() > 0 && quiet > options_.reconnectAfterStall)
    {
        // The server is alive enough to keep us open but no longer runs us (e.g. we were
        // zombified): a fresh client is the only way back into the graph.
        log("no process cycle for " + millisecondsText(quiet) + "; reopening the JACK client");
        close();
    }
}

bool JackMeterClient::sleepFor(std::chrono::milliseconds delay)
{
    std::unique_lock lock(stopMutex_);
    stopSignal_.wait_for(lock, delay, [this] { return stopRequested_; });
    return !stopRequested_;
}

void JackMeterClient::log(const std::string& line) const
{
    if (options_.log)
        options_.log(line);
    else
        std::fprintf(stderr, "headroom: jack: %s\n", line.c_str());
}

} // namespace headroom::server
