#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "server/advisor/Advisor.h"
#include "server/audio/JackMeterClient.h"
#include "server/engine/EngineFeed.h"
#include "server/audio/RealtimeMeter.h"
#include "server/engine/EngineWorker.h"
#include "server/engine/SessionPlanner.h"
#include "server/engine/StatisticsLog.h"

// The live engine wired together: the JACK client feeding a RealtimeMeter on the RT thread, the
// EngineWorker draining its queue, and the optional statistics log fed by the worker's snapshots.
// `headroom serve` runs one; the network layer reads it through EngineFeed (listeners for the meter
// frames and snapshots, which every new epoch's worker gets too, and a command path whose ids keep
// increasing across epochs).
//
// A meter, its worker, its advisor and its log form an epoch tied to one sample rate. The JACK client asks for
// a new epoch (on its supervisor thread, with no process callback able to run) at the first
// connection and whenever the server comes back at another rate: the old worker is stopped (it
// drains what is left and logs a last time), a new meter is prepared (filters re-derived for the
// rate), a new worker and log are started. A server that comes back at the same rate keeps the
// epoch, so statistics and the log simply continue.
//
// Threads: constructor, start(), stop() are [setup] (one controlling thread); jackStatus(),
// latestSnapshot(), health() and the EngineFeed methods are [any] (a small mutex guards the epoch
// swap; never [rt]); setListeners() is [setup], before start().
namespace headroom::server
{

struct LiveEngineOptions
{
    JackMeterClientOptions jack;   // server, client name, retry timing, log
    std::string statisticsLogPath; // "" no log; "-" standard output; else a file (appended)
    EngineWorkerOptions worker;
    StatisticsSettings statistics;
    std::size_t queueRecords = 1024; // ring capacity: 10 s of sub-blocks before drops
    // The session behind the plan: when given, every epoch's worker runs the gain-staging advisor
    // on its snapshots (docs/ADVISOR.md). None: snapshots carry no advisories.
    std::shared_ptr<const Session> session;
};

class LiveEngine final : public EngineFeed
{
public:
    // [setup] Checks that the log can be opened (throws std::runtime_error naming it).
    LiveEngine(LivePlan plan, LiveEngineOptions options);
    ~LiveEngine() override; // stop()
    LiveEngine(const LiveEngine&) = delete;
    LiveEngine& operator=(const LiveEngine&) = delete;

    // [setup] Start the JACK supervisor (returns at once; connects when a server is there).
    void start();
    // [setup] Close the JACK client (our ports disappear), then stop the worker (a last snapshot
    // and log line are written).
    void stop();

    // [any]
    [[nodiscard]] JackMeterClientStatus jackStatus() const noexcept { return client_->status(); }
    [[nodiscard]] std::shared_ptr<const EngineSnapshot> latestSnapshot() const override;
    [[nodiscard]] EngineHealth health() const override;
    [[nodiscard]] const LivePlan& plan() const noexcept { return plan_; }

    // EngineFeed
    void setListeners(EngineListeners listeners) override { listeners_ = std::move(listeners); }
    [[nodiscard]] const MeterPlan& meterPlan() const noexcept override { return plan_.plan; }
    [[nodiscard]] SourceStatus sourceStatus() const override;
    // Ids are epochBase_ + the worker's own id: a new epoch's worker counts from 1 again.
    std::optional<uint64_t> submit(EngineCommand command) override;
    [[nodiscard]] uint64_t lastCommandApplied() const override;

private:
    struct Epoch
    {
        std::unique_ptr<RealtimeMeter> meter;
        std::unique_ptr<StatisticsLog> log; // outlives the worker that writes it
        std::unique_ptr<Advisor> advisor;   // the worker's (its snapshot annotator); outlives it
        std::unique_ptr<EngineWorker> worker;
    };

    RealtimeMeter& beginEpoch(uint32_t sampleRateHz); // [supervisor] no process callback can run
    static void endEpoch(Epoch& epoch);

    const LivePlan plan_;
    const LiveEngineOptions options_;
    std::unique_ptr<JackMeterClient> client_;
    EngineListeners listeners_;     // [setup] given to every epoch's worker
    mutable std::mutex epochMutex_; // guards the three below against [any] readers during a swap
    Epoch epoch_;
    uint64_t epochBase_ = 0;      // command ids issued by the workers of earlier epochs
    uint64_t issuedThisEpoch_ = 0; // command ids issued by the current worker
};

} // namespace headroom::server
