#include "server/engine/EngineWorker.h"

#include <algorithm>
#include <ctime>
#include <limits>

namespace headroom::server
{
namespace
{
int64_t threadCpuNs() noexcept
{
    timespec ts{};
    if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::chrono::nanoseconds periodOf(double rateHz)
{
    return std::chrono::nanoseconds(static_cast<int64_t>(1e9 / (rateHz > 0.0 ? rateHz : 1.0)));
}
} // namespace

std::string_view toString(EngineCommand command) noexcept
{
    switch (command)
    {
    case EngineCommand::resetIntegratedLoudness:
        return "reset_integrated_loudness";
    case EngineCommand::resetStatistics:
        return "reset_statistics";
    case EngineCommand::resetPeaks:
        break;
    }
    return "reset_peaks";
}

std::optional<EngineCommand> engineCommandFromString(std::string_view name) noexcept
{
    for (EngineCommand c :
         {EngineCommand::resetPeaks, EngineCommand::resetIntegratedLoudness, EngineCommand::resetStatistics})
        if (toString(c) == name) return c;
    return std::nullopt;
}

EngineWorker::~EngineWorker()
{
    stop();
}

void EngineWorker::prepare(SummaryQueue& queue, const MeterPlan& plan, uint32_t sampleRateHz,
                           const StatisticsSettings& settings, const EngineWorkerOptions& options)
{
    if (thread_.joinable()) throw std::logic_error("engine worker: prepare() while running");
    if (queue.numChannels() != plan.numChannels)
        throw std::invalid_argument("engine worker: the queue carries " +
                                    std::to_string(queue.numChannels()) + " channels, the plan has " +
                                    std::to_string(plan.numChannels));
    queue_ = &queue;
    statistics_.prepare(plan, sampleRateHz, settings);
    options_ = options;
}

void EngineWorker::start()
{
    if (queue_ == nullptr) throw std::logic_error("engine worker: start() before prepare()");
    if (thread_.joinable()) return;
    {
        std::lock_guard lock(wakeMutex_);
        stopRequested_ = false;
    }
    const int64_t now = toNs(Clock::now());
    startNs_.store(now, std::memory_order_relaxed);
    lastCycleNs_.store(now, std::memory_order_relaxed);
    hasProbe_.store(static_cast<bool>(probe_.cycles), std::memory_order_relaxed);
    lastCycles_ = probe_.cycles ? probe_.cycles() : 0;
    thread_ = std::thread([this] { run(); });
}

void EngineWorker::stop()
{
    if (!thread_.joinable()) return;
    {
        std::lock_guard lock(wakeMutex_);
        stopRequested_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

uint64_t EngineWorker::submit(EngineCommand command)
{
    std::lock_guard lock(commandMutex_);
    const uint64_t id = nextCommandId_++;
    commands_.emplace_back(id, command);
    return id;
}

std::shared_ptr<const EngineSnapshot> EngineWorker::latestSnapshot() const
{
    std::lock_guard lock(publishMutex_);
    return latestSnapshot_;
}

std::shared_ptr<const MeterFrame> EngineWorker::latestMeterFrame() const
{
    std::lock_guard lock(publishMutex_);
    return latestMeterFrame_;
}

int64_t EngineWorker::toNs(Clock::time_point t) noexcept
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

EngineHealth EngineWorker::health() const noexcept
{
    EngineHealth h;
    const int64_t now = toNs(Clock::now());
    const int64_t lastRecord = lastRecordNs_.load(std::memory_order_relaxed);
    const int64_t since = lastRecord != 0 ? lastRecord : startNs_.load(std::memory_order_relaxed);
    h.lastRecordAgeSeconds = since != 0 ? static_cast<double>(now - since) * 1e-9 : 0.0;
    h.sourceRunning = sourceRunning_.load(std::memory_order_relaxed);
    if (hasProbe_.load(std::memory_order_relaxed))
    {
        h.lastCycleAgeSeconds =
            static_cast<double>(now - lastCycleNs_.load(std::memory_order_relaxed)) * 1e-9;
        h.stalled = h.sourceRunning && h.lastCycleAgeSeconds > options_.stallAfterSeconds;
    }
    else
    {
        h.lastCycleAgeSeconds = std::numeric_limits<double>::quiet_NaN();
    }
    h.workerCpuSeconds = static_cast<double>(cpuNs_.load(std::memory_order_relaxed)) * 1e-9;
    return h;
}

void EngineWorker::run()
{
    const auto meterPeriod = periodOf(options_.meterRateHz);
    const auto snapshotPeriod = periodOf(options_.snapshotRateHz);
    auto nextMeter = Clock::now() + meterPeriod;
    auto nextSnapshot = Clock::now() + snapshotPeriod;
    for (;;)
    {
        if (drainQueue()) lastRecordNs_.store(toNs(Clock::now()), std::memory_order_relaxed);
        applyCommands();
        const auto now = Clock::now();
        probeCycles(now);
        if (now >= nextMeter)
        {
            if (recordsSinceFrame_) publishMeterFrame();
            nextMeter += meterPeriod;
            if (nextMeter <= now) nextMeter = now + meterPeriod; // fell behind: skip, never burst
        }
        if (now >= nextSnapshot)
        {
            publishSnapshot();
            nextSnapshot += snapshotPeriod;
            if (nextSnapshot <= now) nextSnapshot = now + snapshotPeriod;
        }
        cpuNs_.store(threadCpuNs(), std::memory_order_relaxed);

        // Wake at the next tick (so frames go out on time, with the records that arrived since) or
        // after the poll interval, whichever is first: with the defaults, 60 wakes a second.
        const auto wakeAt = std::min({nextMeter, nextSnapshot, now + options_.pollInterval});
        std::unique_lock lock(wakeMutex_);
        if (wake_.wait_until(lock, wakeAt, [this] { return stopRequested_; })) break;
    }
    // Final state: everything the real-time side produced before stop, every command submitted.
    if (drainQueue()) lastRecordNs_.store(toNs(Clock::now()), std::memory_order_relaxed);
    applyCommands();
    if (recordsSinceFrame_) publishMeterFrame();
    cpuNs_.store(threadCpuNs(), std::memory_order_relaxed);
    publishSnapshot();
}

bool EngineWorker::drainQueue()
{
    // At most one ring's worth per poll, so a producer that never pauses cannot starve the ticks.
    bool any = false;
    for (std::size_t n = 0; n < queue_->capacity(); ++n)
    {
        const SubBlockHeader* record = queue_->tryBeginRead();
        if (record == nullptr) break;
        statistics_.addRecord(*record, queue_->summariesOf(record));
        queue_->commitRead();
        any = true;
    }
    recordsSinceFrame_ = recordsSinceFrame_ || any;
    return any;
}

void EngineWorker::applyCommands()
{
    std::vector<std::pair<uint64_t, EngineCommand>> pending;
    {
        std::lock_guard lock(commandMutex_);
        if (commands_.empty()) return;
        pending.swap(commands_);
    }
    for (const auto& [id, command] : pending)
    {
        switch (command)
        {
        case EngineCommand::resetPeaks:
            statistics_.resetPeaks();
            break;
        case EngineCommand::resetIntegratedLoudness:
            statistics_.resetIntegratedLoudness();
            break;
        case EngineCommand::resetStatistics:
            statistics_.resetStatistics();
            break;
        }
        lastCommandApplied_.store(id, std::memory_order_release);
    }
}

void EngineWorker::probeCycles(Clock::time_point now)
{
    if (probe_.sourceRunning) sourceRunning_.store(probe_.sourceRunning(), std::memory_order_relaxed);
    if (!probe_.cycles) return;
    const uint64_t cycles = probe_.cycles();
    if (cycles != lastCycles_)
    {
        lastCycles_ = cycles;
        lastCycleNs_.store(toNs(now), std::memory_order_relaxed);
    }
}

void EngineWorker::publishMeterFrame()
{
    auto frame = std::make_shared<MeterFrame>();
    statistics_.takeMeterFrame(*frame);
    recordsSinceFrame_ = false;
    std::shared_ptr<const MeterFrame> shared = std::move(frame);
    {
        std::lock_guard lock(publishMutex_);
        latestMeterFrame_ = shared;
    }
    if (!meterFrameCallback_) return;
    try
    {
        meterFrameCallback_(shared);
    }
    catch (...)
    {
        callbackErrors_.fetch_add(1, std::memory_order_relaxed);
    }
}

void EngineWorker::publishSnapshot()
{
    auto snapshot = std::make_shared<EngineSnapshot>(statistics_.snapshot());
    snapshot->wallClockUnixMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
    snapshot->health = health();
    snapshot->lastCommandId = lastCommandApplied_.load(std::memory_order_relaxed);
    if (annotator_)
    {
        try
        {
            annotator_(*snapshot);
        }
        catch (...)
        {
            callbackErrors_.fetch_add(1, std::memory_order_relaxed);
        }
    }
    std::shared_ptr<const EngineSnapshot> shared = std::move(snapshot);
    {
        std::lock_guard lock(publishMutex_);
        latestSnapshot_ = shared;
    }
    if (!snapshotCallback_) return;
    try
    {
        snapshotCallback_(shared);
    }
    catch (...)
    {
        callbackErrors_.fetch_add(1, std::memory_order_relaxed);
    }
}

} // namespace headroom::server
