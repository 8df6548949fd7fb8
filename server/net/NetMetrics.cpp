#include "server/net/NetMetrics.h"

#include <cmath>
#include <cstdio>

namespace headroom::server::net
{
namespace
{
void metric(std::string& out, const char* name, const char* type, const char* help, double value)
{
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
    out += name;
    out += ' ';
    char buffer[64];
    if (std::isfinite(value))
        std::snprintf(buffer, sizeof buffer, "%.17g", value);
    else
        std::snprintf(buffer, sizeof buffer, "%s", std::isnan(value) ? "NaN" : (value > 0 ? "+Inf" : "-Inf"));
    out += buffer;
    out += '\n';
}

double d(uint64_t v)
{
    return static_cast<double>(v);
}
double d(int64_t v)
{
    return static_cast<double>(v);
}
} // namespace

std::string renderMetrics(const NetCounters& c, const EngineFeed& engine)
{
    const SourceStatus source = engine.sourceStatus();
    const EngineHealth health = engine.health();
    const std::shared_ptr<const EngineSnapshot> snapshot = engine.latestSnapshot();
    const auto load = [](const auto& a) { return d(a.load(std::memory_order_relaxed)); };

    std::string out;
    out.reserve(4096);
    metric(out, "headroom_ws_clients", "gauge", "Open WebSocket connections.", load(c.wsClients));
    metric(out, "headroom_connections", "gauge", "Open TCP connections (HTTP and WebSocket).", load(c.httpConnections));
    metric(out, "headroom_frames_sent_total", "counter", "Binary meter frames written to clients.", load(c.framesSent));
    metric(out, "headroom_frames_merged_total", "counter",
           "Meter frames merged into a slow client's pending slot.", load(c.framesMerged));
    metric(out, "headroom_frames_dropped_total", "counter",
           "Meter frames and statistics never sent (replaced or the client was closing).", load(c.framesDropped));
    metric(out, "headroom_stats_sent_total", "counter", "Statistics messages written to clients.", load(c.statsSent));
    metric(out, "headroom_rate_downgrades_total", "counter", "Slow clients moved to a lower meter rate.",
           load(c.rateDowngrades));
    metric(out, "headroom_stalled_clients_closed_total", "counter",
           "Clients closed because a write did not finish within the stall deadline.", load(c.stalledClosed));
    metric(out, "headroom_commands_total", "counter", "Control commands forwarded to the engine.",
           load(c.commandsAccepted));
    metric(out, "headroom_commands_refused_total", "counter", "Control commands refused (role, engine not running).",
           load(c.commandsRefused));
    metric(out, "headroom_client_messages_refused_total", "counter",
           "Client messages refused (malformed, too large, rate limited).", load(c.messagesRefused));
    metric(out, "headroom_rejected_connections_total", "counter",
           "Connections or upgrades refused (connection cap, Host, token).", load(c.rejectedConnections));
    metric(out, "headroom_rejected_origins_total", "counter", "WebSocket upgrades refused for their Origin.",
           load(c.rejectedOrigins));
    metric(out, "headroom_http_requests_total", "counter", "HTTP requests answered.", load(c.httpRequests));
    metric(out, "headroom_accept_errors_total", "counter", "Failed accepts (e.g. out of file descriptors).",
           load(c.acceptErrors));
    metric(out, "headroom_tls_handshake_failures_total", "counter",
           "TLS handshakes that failed or timed out (plaintext on the TLS port, old protocol versions).",
           load(c.tlsHandshakeFailures));
    metric(out, "headroom_topology_changes_total", "counter",
           "New topologies announced to clients (the audio source's rate or period changed).",
           load(c.topologyChanges));
    metric(out, "headroom_jack_connected", "gauge", "1 while the JACK client is open and active.",
           source.connected ? 1.0 : 0.0);
    metric(out, "headroom_jack_stalled", "gauge", "1 while connected but the process cycle does not advance.",
           source.stalled || health.stalled ? 1.0 : 0.0);
    metric(out, "headroom_jack_xruns_total", "counter", "Xruns reported by JACK.", d(source.xruns));
    metric(out, "headroom_sample_rate_hertz", "gauge", "Sample rate of the audio source (0 before the first).",
           d(static_cast<uint64_t>(source.sampleRateHz)));
    metric(out, "headroom_buffer_size_frames", "gauge", "JACK period size in frames (0 when unknown).",
           d(static_cast<uint64_t>(source.bufferFrames)));
    const EngineCounters counters = snapshot ? snapshot->counters : EngineCounters{};
    metric(out, "headroom_records_total", "counter", "Meter records consumed by the worker (current engine epoch).",
           d(counters.records));
    metric(out, "headroom_records_dropped_total", "counter",
           "Meter records the real-time thread dropped (queue full; current engine epoch).", d(counters.droppedRecords));
    metric(out, "headroom_resets_total", "counter", "Reset commands applied by the engine.",
           d(engine.lastCommandApplied()));
    metric(out, "headroom_last_record_age_seconds", "gauge", "Wall time since the newest meter record.",
           health.lastRecordAgeSeconds);
    metric(out, "headroom_worker_cpu_seconds_total", "counter", "CPU time of the engine worker thread.",
           health.workerCpuSeconds);
    return out;
}

Readiness checkReadiness(const EngineFeed& engine, bool verbose)
{
    const SourceStatus source = engine.sourceStatus();
    const EngineHealth health = engine.health();
    struct Check
    {
        const char* name;
        bool ok;
        const char* why;
    };
    const Check checks[] = {
        {"audio_source_connected", source.connected, "the JACK client is not connected"},
        {"audio_callbacks_advancing", !(source.stalled || health.stalled), "the process cycle has stalled"},
        {"engine_worker_running", health.sourceRunning || !source.connected ? true : false,
         "the worker does not see the source"},
    };
    Readiness r;
    r.ready = true;
    std::string lines;
    for (const Check& check : checks)
    {
        r.ready = r.ready && check.ok;
        lines += check.ok ? "[+]" : "[-]";
        lines += check.name;
        lines += check.ok ? " ok\n" : std::string(" failed: ") + check.why + "\n";
    }
    r.text = (verbose ? lines : std::string()) + (r.ready ? "ok\n" : "not ready\n");
    return r;
}

} // namespace headroom::server::net
