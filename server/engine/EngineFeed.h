#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "server/engine/EngineSnapshot.h"
#include "server/engine/EngineWorker.h"
#include "server/engine/MeterPlan.h"

// What the network layer needs from a running engine, whatever feeds it: the live engine (JACK, one
// worker per sample-rate epoch) or a test's EngineWorker driven by generated audio. The network
// never sees JACK, a worker or an epoch: it gets callbacks for the two products, the latest
// snapshot, health, the audio source's status, and a command path whose ids stay increasing across
// epochs (so "applied" can be told from lastCommandApplied()).
//
// Threads: setListeners is [setup] (before the engine starts); the listeners run on the worker
// thread and must be quick (post to an io_context). Everything else is [any], never [rt].
namespace headroom::server
{

// The audio source as the health and metrics endpoints report it.
struct SourceStatus
{
    bool connected = false;    // JACK client open and active (a test source: running)
    bool stalled = false;      // connected, yet the process cycle stopped advancing
    uint32_t sampleRateHz = 0; // 0 before the first connection
    uint32_t bufferFrames = 0; // period size; 0 when unknown
    uint64_t xruns = 0;        // since start
};

struct EngineListeners
{
    EngineWorker::MeterFrameCallback meterFrame; // [worker] every MeterFrame (up to 60 Hz)
    EngineWorker::SnapshotCallback snapshot;     // [worker] every EngineSnapshot (10 Hz)
};

class EngineFeed
{
public:
    virtual ~EngineFeed() = default;

    // [setup] Before the engine starts; they survive every epoch change (sample-rate change).
    virtual void setListeners(EngineListeners listeners) = 0;

    // [any]
    [[nodiscard]] virtual const MeterPlan& meterPlan() const noexcept = 0;
    [[nodiscard]] virtual std::shared_ptr<const EngineSnapshot> latestSnapshot() const = 0;
    [[nodiscard]] virtual EngineHealth health() const = 0;
    [[nodiscard]] virtual SourceStatus sourceStatus() const = 0;

    // [any] Queue a command for the worker; its id (increasing over the engine's life), or none
    // when no worker runs (no audio source yet).
    virtual std::optional<uint64_t> submit(EngineCommand command) = 0;
    // [any] Highest id applied; every id up to it has been applied (or its worker stopped).
    [[nodiscard]] virtual uint64_t lastCommandApplied() const = 0;
};

} // namespace headroom::server
