#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <jack/types.h>

#include "server/audio/JackSupport.h"
#include "server/audio/RealtimeMeter.h"

// The live engine's JACK side: one JACK client with one input port per source meter channel,
// feeding a RealtimeMeter from the process callback, and a supervisor thread that keeps it alive
// in a studio where the JACK server comes and goes.
//
// Threads and what each may do:
//   [setup]      the owner: constructs, start(), stop(), status(). Never blocks on JACK itself.
//   supervisor   our thread: jack_client_open (JackNoStartServer: never spawns jackd) with capped
//                exponential backoff, prepare the meter, register ports, activate, connect sources,
//                close after a server shutdown or a sample-rate change, watch for stalls. Every
//                JACK call that may block or allocate happens here.
//   [rt]         JACK's process thread: port buffers -> preallocated pointer array ->
//                RealtimeMeter::process, and nothing else; always returns 0 (a non-zero return
//                silently removes the client from the graph).
//   notification JACK's non-RT callback thread (xrun, buffer size, sample rate, port registration,
//                info shutdown): only stores to atomics. The supervisor polls them every few ms,
//                because jack.h says the shutdown callback must behave like a signal handler and
//                jack_client_close/jack_connect cannot be called from these threads.
//
// The meter is only ever replaced while no client is active (before activation or after close), so
// the process callback reads a plain pointer without locking.
namespace headroom::server
{

struct JackPortSpec
{
    std::string shortName;            // our input port's short name (valid, see sanitisePortShortName)
    std::vector<std::string> sources; // full names of the ports that feed it; may not exist (yet)
};

struct JackMeterClientOptions
{
    std::string serverName;                               // empty: $JACK_DEFAULT_SERVER or "default"
    std::string clientName = "headroom";                  // exact: the open fails if it is taken
    std::chrono::milliseconds minRetryDelay{500};         // first delay after a failed open
    std::chrono::milliseconds maxRetryDelay{5000};        // backoff cap
    std::chrono::milliseconds pollInterval{20};           // how often the supervisor looks at flags
    uint32_t stallPeriods = 50;                           // no cycle for this many periods = stalled...
    std::chrono::milliseconds minStallTime{500};          // ...and for at least this long
    std::chrono::milliseconds reconnectAfterStall{10000}; // a stall this long: close and reopen
    LogFunction log;                                      // one line per event; empty: stderr
};

// [supervisor] Called with no client active, before the first activation and whenever the server's
// sample rate differs from the rate of the meter in use. Returns the meter the process callback
// feeds from then on; it must be prepared for sampleRateHz with one source channel per port spec
// and stay alive until the next call or until stop() returns. May throw: the open is abandoned,
// logged and retried.
using PrepareMeterFunction = std::function<RealtimeMeter&(uint32_t sampleRateHz)>;

// What health checks and statistics need, readable from any thread.
struct JackMeterClientStatus
{
    bool connected = false;      // a client is open and active
    bool stalled = false;        // connected, but the process cycle counter stopped advancing
    uint32_t sampleRateHz = 0;   // of the current (or last) connection; 0 before the first
    uint32_t bufferFrames = 0;   // period size; follows buffer-size changes
    uint64_t cycles = 0;         // process callbacks since start(), over all connections
    uint64_t xruns = 0;          // xrun callbacks since start()
    uint64_t connections = 0;    // successful opens since start() (1 + reconnects)
    uint32_t portsConnected = 0; // wanted connections currently made
    uint32_t portsWanted = 0;    // connections the port specs ask for
};

class JackMeterClient
{
public:
    // [setup] Nothing touches JACK until start().
    JackMeterClient(JackMeterClientOptions options, std::vector<JackPortSpec> ports,
                    PrepareMeterFunction prepare);
    ~JackMeterClient(); // stop()
    JackMeterClient(const JackMeterClient&) = delete;
    JackMeterClient& operator=(const JackMeterClient&) = delete;

    // [setup] Start the supervisor; returns at once (connected or not).
    void start();
    // [setup] Deactivate and close the client (our ports disappear), join the supervisor.
    void stop();

    // [any]
    [[nodiscard]] JackMeterClientStatus status() const noexcept;
    // [any] The short names of our ports as registered, in port-spec order.
    [[nodiscard]] const std::vector<JackPortSpec>& ports() const noexcept { return ports_; }

private:
    struct Wanted
    {
        std::size_t port = 0;   // index into ports_
        std::string source;     // full name of the source port
        bool connected = false; // last known state
        bool reported = false;  // its absence or failure was logged (once per outage)
    };

    void supervise();
    bool open();
    void close();
    void connectSources();
    void watchForStall(std::chrono::steady_clock::time_point now);
    bool sleepFor(std::chrono::milliseconds delay); // false when stop() was requested
    void log(const std::string& line) const;

    static int onProcess(jack_nframes_t numFrames, void* self) noexcept;
    static int onBufferSize(jack_nframes_t numFrames, void* self) noexcept;
    static int onSampleRate(jack_nframes_t sampleRateHz, void* self) noexcept;
    static int onXrun(void* self) noexcept;
    static void onPortRegistration(jack_port_id_t port, int registered, void* self) noexcept;
    static void onInfoShutdown(jack_status_t code, const char* reason, void* self) noexcept;

    // Configuration ([setup], read-only afterwards).
    const JackMeterClientOptions options_;
    std::vector<JackPortSpec> ports_;
    const PrepareMeterFunction prepare_;

    // Supervisor-owned state.
    std::thread supervisor_;
    jack_client_t* client_ = nullptr;                     // open client or nullptr
    bool active_ = false;                                 // jack_activate succeeded
    std::vector<jack_port_t*> jackPorts_;                 // registered ports, in port-spec order
    std::vector<Wanted> wanted_;                          // every (port, source) pair
    uint32_t preparedRateHz_ = 0;                         // rate of the meter in use (0: none yet)
    uint32_t loggedBufferFrames_ = 0;                     // period size last reported in the log
    unsigned lastOpenStatus_ = ~0u;                       // to log each open-failure status once
    uint64_t failedOpens_ = 0;                            // since the last successful open
    uint64_t lastCycles_ = 0;                             // stall watch: cycle count at the last advance
    std::chrono::steady_clock::time_point lastAdvance_{}; // stall watch: when it last advanced

    // Shared with the process callback: written only while no client is active.
    std::atomic<RealtimeMeter*> meter_{nullptr}; // what process() feeds
    std::vector<const float*> buffers_;          // one pointer per port, filled every cycle

    // Written by JACK's threads, read by the supervisor and status().
    std::atomic<uint64_t> cycles_{0};          // [rt] writer only
    std::atomic<uint64_t> xruns_{0};           // notification thread
    std::atomic<uint32_t> bufferFrames_{0};    // notification thread and supervisor
    std::atomic<uint32_t> serverRateHz_{0};    // notification thread and supervisor
    std::atomic<bool> portsChanged_{false};    // a port appeared or disappeared
    std::atomic<bool> shutdownNoticed_{false}; // the server closed us
    std::atomic<int> shutdownCode_{0};         // its jack_status_t
    char shutdownReason_[256] = {};            // copied in the callback, read after the flag

    // Published by the supervisor for status().
    std::atomic<bool> connected_{false};
    std::atomic<bool> stalled_{false};
    std::atomic<uint64_t> connections_{0};
    std::atomic<uint32_t> portsConnected_{0};

    // Stop request: the supervisor sleeps on this, so stop() wakes it at once.
    mutable std::mutex stopMutex_;
    std::condition_variable stopSignal_;
    bool stopRequested_ = false;
};

static_assert(std::atomic<RealtimeMeter*>::is_always_lock_free);
static_assert(std::atomic<bool>::is_always_lock_free);

} // namespace headroom::server
