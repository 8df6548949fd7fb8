#include "server/engine/LiveEngine.h"

#include <utility>

namespace headroom::server
{

LiveEngine::LiveEngine(LivePlan plan, LiveEngineOptions options)
    : plan_(std::move(plan)), options_(std::move(options))
{
    // Fail at startup, not at the first connection, when the log cannot be written.
    if (!options_.statisticsLogPath.empty()) StatisticsLog probe(options_.statisticsLogPath);
    client_ = std::make_unique<JackMeterClient>(
        options_.jack, plan_.ports, [this](uint32_t rate) -> RealtimeMeter& { return beginEpoch(rate); });
}

LiveEngine::~LiveEngine()
{
    stop();
}

void LiveEngine::start()
{
    client_->start();
}

void LiveEngine::stop()
{
    client_->stop(); // joins the supervisor: no epoch change can be under way after this
    Epoch last;
    {
        const std::lock_guard lock(epochMutex_);
        last = std::move(epoch_);
        epoch_ = Epoch{};
        epochBase_ += issuedThisEpoch_;
        issuedThisEpoch_ = 0;
    }
    endEpoch(last);
}

std::shared_ptr<const EngineSnapshot> LiveEngine::latestSnapshot() const
{
    const std::lock_guard lock(epochMutex_);
    return epoch_.worker ? epoch_.worker->latestSnapshot() : nullptr;
}

EngineHealth LiveEngine::health() const
{
    const std::lock_guard lock(epochMutex_);
    if (epoch_.worker) return epoch_.worker->health();
    EngineHealth h;
    h.sourceRunning = false;
    return h;
}

SourceStatus LiveEngine::sourceStatus() const
{
    const JackMeterClientStatus jack = client_->status();
    SourceStatus s;
    s.connected = jack.connected;
    s.stalled = jack.stalled;
    s.sampleRateHz = jack.sampleRateHz;
    s.bufferFrames = jack.bufferFrames;
    s.xruns = jack.xruns;
    return s;
}

std::optional<uint64_t> LiveEngine::submit(EngineCommand command)
{
    const std::lock_guard lock(epochMutex_);
    if (!epoch_.worker) return std::nullopt;
    const uint64_t local = epoch_.worker->submit(command);
    issuedThisEpoch_ = local;
    return epochBase_ + local;
}

uint64_t LiveEngine::lastCommandApplied() const
{
    const std::lock_guard lock(epochMutex_);
    // While a previous worker is being stopped its last commands are still being applied; it
    // applies them all before it joins, a few milliseconds later.
    return epochBase_ + (epoch_.worker ? epoch_.worker->lastCommandApplied() : 0);
}

RealtimeMeter& LiveEngine::beginEpoch(uint32_t sampleRateHz)
{
    Epoch next;
    next.meter = std::make_unique<RealtimeMeter>();
    next.meter->prepare(plan_.plan, sampleRateHz, plan_.tapConfig, options_.queueRecords);
    if (!options_.statisticsLogPath.empty())
        next.log = std::make_unique<StatisticsLog>(options_.statisticsLogPath);
    next.worker = std::make_unique<EngineWorker>();
    next.worker->prepare(next.meter->queue(), plan_.plan, sampleRateHz, options_.statistics, options_.worker);
    if (options_.session)
    {
        // The advisor runs on the worker thread, on each 10 Hz snapshot, never in the process callback.
        next.advisor = std::make_unique<Advisor>(*options_.session);
        next.worker->annotateSnapshots([advisor = next.advisor.get()](EngineSnapshot& s) {
            advisor->evaluate(s, s.audioSeconds);
            advisor->annotate(s);
        });
    }
    next.worker->onSnapshot([log = next.log.get(), listener = listeners_.snapshot](
                                const std::shared_ptr<const EngineSnapshot>& s) {
        if (log) log->write(*s);
        if (listener) listener(s);
    });
    if (listeners_.meterFrame) next.worker->onMeterFrame(listeners_.meterFrame);
    // The stall probe runs on the worker thread; status() is [any]. The client outlives every epoch.
    JackMeterClient* client = client_.get();
    next.worker->setStallProbe(
        {[client] { return client->status().cycles; }, [client] { return client->status().connected; }});

    Epoch previous;
    {
        const std::lock_guard lock(epochMutex_);
        previous = std::exchange(epoch_, std::move(next));
        epochBase_ += issuedThisEpoch_; // the previous worker issues no more ids
        issuedThisEpoch_ = 0;
    }
    // The previous meter is no longer fed (the client is closed), so its worker can drain it and
    // stop; only then may the meter and the log go.
    endEpoch(previous);
    RealtimeMeter& meter = *epoch_.meter; // only this thread replaces epoch_
    epoch_.worker->start();
    return meter;
}

void LiveEngine::endEpoch(Epoch& epoch)
{
    if (epoch.worker) epoch.worker->stop();
    epoch.worker.reset();
    epoch.advisor.reset();
    epoch.log.reset();
    epoch.meter.reset();
}

} // namespace headroom::server
