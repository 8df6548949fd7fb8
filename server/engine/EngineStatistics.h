#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dsp/ChannelSummary.h"
#include "server/audio/SummaryQueue.h"
#include "server/engine/ActiveWindow.h"
#include "server/engine/EngineSnapshot.h"
#include "server/engine/MeterPlan.h"
#include "server/engine/TapStatistics.h"

// The worker's accumulator, synchronous and clock-free: fed the record of every 10 ms sub-block
// (the real-time meter's output, or the file reader's), it keeps every tap's statistics
// (TapStatistics), every plugin chain's gain, every bus's member shares, predicted versus measured
// input and summed headroom, and the stream counters; snapshot() and takeMeterFrame() turn that into
// the plain values the rest of the server shares. EngineWorker drives it on a thread; tests and the
// offline audit drive it directly.
//
// Owned by one thread at a time; every method is [worker] except prepare() ([setup]).
//
// Plugin-chain gain is the energy ratio post_insert / pre_insert (per channel, so a mono-in,
// stereo-out chain compares like with like) summed over the sub-blocks where the pre-insert signal
// is active. Bus figures are summed over the sub-blocks where the summed members are active:
// shares are each member's energy as it arrives at the bus over the sum of the members' energies.
namespace headroom::server
{

class EngineStatistics
{
public:
    // [setup] Validates the plan (std::invalid_argument) and allocates everything.
    void prepare(const MeterPlan& plan, uint32_t sampleRateHz, const StatisticsSettings& settings = {});

    // [worker] One sub-block record: its header and one summary per meter channel of the plan. A
    // record of the wrong size or rate is counted as malformed and ignored.
    void addRecord(const SubBlockHeader& header, std::span<const dsp::ChannelSummary> summaries) noexcept;

    // [worker] Commands; see EngineSnapshot.h for what each resets.
    void resetPeaks() noexcept;
    void resetIntegratedLoudness() noexcept;
    void resetStatistics() noexcept;

    // [worker] All statistics; starts new since-last-snapshot maxima. Allocates.
    [[nodiscard]] EngineSnapshot snapshot();

    // [worker] The fast meters of every meter channel; starts new since-last-frame maxima.
    // Allocates only when the frame is not yet sized for the plan.
    void takeMeterFrame(MeterFrame& frame);

    [[nodiscard]] const EngineCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] double audioSeconds() const noexcept;
    [[nodiscard]] const MeterPlan& plan() const noexcept { return plan_; }
    [[nodiscard]] uint32_t sampleRateHz() const noexcept { return sampleRateHz_; }

private:
    struct Node
    {
        std::string id;
        NodeKind kind = NodeKind::channel;
        std::vector<std::size_t> taps;    // plan indices, in plan order
        std::optional<std::size_t> chain; // index in chains_
        std::optional<std::size_t> bus;   // index in buses_
    };

    struct Chain
    {
        PlannedChain planned;
        ActiveWindow window; // sums: pre, post energy per channel
    };

    struct BusMember
    {
        std::size_t tap = 0;     // plan index of the member tap
        double energyGain = 1.0; // its sum x^2 times this = its energy over all bus channels
    };

    struct Bus
    {
        PlannedBus planned;
        std::vector<BusMember> members;
        ActiveWindow window;         // sums: member energies at the bus..., summed, measured
        std::vector<double> scratch; // one sub-block of those sums
    };

    [[nodiscard]] ChainStats chainStats(const Chain& chain) const;
    [[nodiscard]] BusStats busStats(const Bus& bus, const std::vector<TapStats>& tapStats) const;

    MeterPlan plan_;
    uint32_t sampleRateHz_ = 48000;
    std::vector<TapStatistics> taps_; // one per plan tap
    std::vector<Node> nodes_;         // in order of first appearance
    std::vector<Chain> chains_;
    std::vector<Bus> buses_;
    EngineCounters counters_;
    uint64_t framesReceived_ = 0; // audio frames in the records consumed
    uint64_t snapshots_ = 0;
    uint64_t meterFrames_ = 0;
};

} // namespace headroom::server
