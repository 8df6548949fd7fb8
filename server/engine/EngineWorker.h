#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "server/audio/SummaryQueue.h"
#include "server/engine/EngineSnapshot.h"
#include "server/engine/EngineStatistics.h"
#include "server/engine/MeterPlan.h"

// The engine's worker thread: polls the real-time meter's SummaryQueue at every meter tick (60 Hz,
// and at least every pollInterval; the real-time thread never signals it), feeds EngineStatistics,
// and publishes two immutable products
// for other threads: a MeterFrame at the meter rate (up to 60 Hz; only when new audio arrived) and
// an EngineSnapshot at the statistics rate (10 Hz). Both are handed to a per-tick callback and kept
// as the latest value for pollers (/api, /metrics, a client that just connected).
//
// Commands (reset peak holds and clip latches, reset integrated loudness, reset statistics) may be
// submitted from any thread; they are queued and applied by the worker between records, so the
// statistics stay single-threaded. Each gets an id; snapshots carry the highest id applied, which is
// how a control reply can say "done".
//
// Stall detection: given a probe (the audio callback count, e.g. RealtimeMeter::counters().cycles,
// and whether the audio source says it is running), the worker notes when the count last advanced;
// health() reports that age, the age of the newest record, and "stalled" when the source is running
// yet no callback came for stallAfterSeconds.
//
// Threads: prepare/on*/setStallProbe/start/stop are [setup] (one controlling thread); submit,
// latest*, health are [any] but never [rt]: they take a small mutex or read atomics. The callbacks
// run on the worker thread and must be quick (post to an io_context, write a log line).
namespace headroom::server
{

enum class EngineCommand : uint8_t
{
    resetPeaks,              // peak holds, clip latches, maximum peaks (headroom)
    resetIntegratedLoudness, // integrated loudness, LRA, loudness maxima, PLR
    resetStatistics,         // everything accumulated (includes the two above)
};

// [any] "reset_peaks", "reset_integrated_loudness", "reset_statistics" (the wire names).
[[nodiscard]] std::string_view toString(EngineCommand command) noexcept;
[[nodiscard]] std::optional<EngineCommand> engineCommandFromString(std::string_view name) noexcept;

struct EngineWorkerOptions
{
    // longest sleep between polls; the worker also wakes at every tick
    std::chrono::microseconds pollInterval{20000};
    double meterRateHz = 60.0;      // MeterFrame rate (the fastest network tier)
    double snapshotRateHz = 10.0;   // EngineSnapshot rate
    double stallAfterSeconds = 0.5; // no audio callback for this long while running: stalled
};

// Where the stall detector looks; both are called on the worker thread, so they must be [any].
struct StallProbe
{
    std::function<uint64_t()> cycles;    // audio callbacks so far (RealtimeMeter::counters().cycles)
    std::function<bool()> sourceRunning; // the audio source says it is running
};

class EngineWorker
{
public:
    using SnapshotCallback = std::function<void(const std::shared_ptr<const EngineSnapshot>&)>;
    using MeterFrameCallback = std::function<void(const std::shared_ptr<const MeterFrame>&)>;
    // Completes a snapshot before it is shared (the live engine's advisor adds its advisories).
    using SnapshotAnnotator = std::function<void(EngineSnapshot&)>;

    EngineWorker() = default;
    ~EngineWorker();
    EngineWorker(const EngineWorker&) = delete;
    EngineWorker& operator=(const EngineWorker&) = delete;

    // [setup] The queue whose consumer this worker becomes, and the plan it was filled by.
    void prepare(SummaryQueue& queue, const MeterPlan& plan, uint32_t sampleRateHz,
                 const StatisticsSettings& settings = {}, const EngineWorkerOptions& options = {});
    // [setup] Before start().
    void onSnapshot(SnapshotCallback callback) { snapshotCallback_ = std::move(callback); }
    void onMeterFrame(MeterFrameCallback callback) { meterFrameCallback_ = std::move(callback); }
    void setStallProbe(StallProbe probe) { probe_ = std::move(probe); }
    // [setup] Before start(). Runs on the worker thread for every snapshot, before the callback.
    void annotateSnapshots(SnapshotAnnotator annotator) { annotator_ = std::move(annotator); }

    // [setup] Start the thread. stop() drains what is queued, applies pending commands, publishes a
    // last snapshot and joins; the destructor stops.
    void start();
    void stop();

    // [any] Queue a command; returns its id (1, 2, ...).
    uint64_t submit(EngineCommand command);
    // [any] Highest command id applied.
    [[nodiscard]] uint64_t lastCommandApplied() const noexcept
    {
        return lastCommandApplied_.load(std::memory_order_acquire);
    }

    // [any] The latest products (nullptr before the first).
    [[nodiscard]] std::shared_ptr<const EngineSnapshot> latestSnapshot() const;
    [[nodiscard]] std::shared_ptr<const MeterFrame> latestMeterFrame() const;

    // [any] Liveness now (ages computed at the call).
    [[nodiscard]] EngineHealth health() const noexcept;
    // [any] Callbacks that threw (the worker catches and carries on).
    [[nodiscard]] uint64_t callbackErrors() const noexcept
    {
        return callbackErrors_.load(std::memory_order_relaxed);
    }

private:
    using Clock = std::chrono::steady_clock;

    void run();
    bool drainQueue(); // true when a record was consumed
    void applyCommands();
    void probeCycles(Clock::time_point now);
    void publishMeterFrame();
    void publishSnapshot();
    [[nodiscard]] static int64_t toNs(Clock::time_point t) noexcept;

    SummaryQueue* queue_ = nullptr; // consumer side is ours
    EngineStatistics statistics_;   // worker thread only (after start)
    EngineWorkerOptions options_;
    SnapshotCallback snapshotCallback_;
    MeterFrameCallback meterFrameCallback_;
    SnapshotAnnotator annotator_;
    StallProbe probe_;

    std::thread thread_;
    std::mutex wakeMutex_; // guards stopRequested_ for the condition variable
    std::condition_variable wake_;
    bool stopRequested_ = false;

    std::mutex commandMutex_; // guards the two below
    std::vector<std::pair<uint64_t, EngineCommand>> commands_;
    uint64_t nextCommandId_ = 1;
    std::atomic<uint64_t> lastCommandApplied_{0};

    mutable std::mutex publishMutex_; // guards the two pointers (copying a shared_ptr is not atomic)
    std::shared_ptr<const EngineSnapshot> latestSnapshot_;
    std::shared_ptr<const MeterFrame> latestMeterFrame_;

    bool recordsSinceFrame_ = false;       // worker only
    uint64_t lastCycles_ = 0;              // worker only
    std::atomic<int64_t> startNs_{0};      // steady clock at start()
    std::atomic<int64_t> lastRecordNs_{0}; // steady clock of the newest record; 0 before any
    std::atomic<int64_t> lastCycleNs_{0};  // steady clock when the cycle count last advanced
    std::atomic<bool> hasProbe_{false};
    std::atomic<bool> sourceRunning_{false};
    std::atomic<int64_t> cpuNs_{0}; // worker thread CPU time
    std::atomic<uint64_t> callbackErrors_{0};
};

static_assert(std::atomic<int64_t>::is_always_lock_free);

} // namespace headroom::server
