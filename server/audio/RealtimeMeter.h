#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "dsp/TapMeterBank.h"
#include "server/audio/SummaryQueue.h"
#include "server/engine/MeterPlan.h"

// Everything the audio callback does, independent of where the audio comes from (a JACK process
// callback live, the file reader offline, a benchmark): computes the virtual bus inputs as the
// sample-accurate sum of their members' post-fader taps, meters every channel with one
// TapMeterBank, and pushes one record per 10 ms sub-block into the SummaryQueue for the worker.
//
// Owned by the audio source. prepare() is [setup]; process() is [rt]: no allocation, lock, system
// call or I/O; any period size (split into pieces of at most kMaxPieceFrames); a full queue drops the
// record and counts it. Counters are atomics readable from any thread.
namespace headroom::server
{

struct RealtimeMeterCounters
{
    uint64_t cycles;          // process() calls
    uint64_t framesMetered;   // frames metered
    uint64_t recordsDropped;  // sub-block records lost because the worker fell behind
    uint64_t oversizePeriods; // periods longer than kMaxPieceFrames (handled, but worth knowing)
};

class RealtimeMeter
{
public:
    static constexpr std::size_t kMaxPieceFrames = 8192; // virtual-bus scratch size

    // [setup] Size everything for the plan at this rate. tapConfig supplies clip threshold, clip
    // run and PPM type (its rate and channel count are overwritten). queueRecords: ring capacity.
    void prepare(const MeterPlan& plan, uint32_t sampleRateHz, const dsp::TapMeterConfig& tapConfig,
                 std::size_t queueRecords = 512);

    // [rt] Meter one period. sourceChannels has one pointer per source (non-virtual) meter channel,
    // in plan order (nullptr: silence, e.g. an unconnected port).
    void process(const float* const* sourceChannels, std::size_t numFrames) noexcept;

    // [any] An xrun happened (JACK's xrun callback); reported with the next record.
    void noteXrun() noexcept { pendingXruns_.fetch_add(1, std::memory_order_relaxed); }

    // [any]
    [[nodiscard]] RealtimeMeterCounters counters() const noexcept;

    // [worker] The queue to drain.
    [[nodiscard]] SummaryQueue& queue() noexcept { return queue_; }

    // [rt] Frames still needed to complete the 10 ms sub-block in progress (a whole sub-block on a
    // boundary). A file source pads its end with that much silence so the last frames are published.
    [[nodiscard]] uint32_t framesToSubBlockEnd() const noexcept { return bank_.framesToSubBlockEnd(); }

    [[nodiscard]] uint32_t sampleRateHz() const noexcept { return bank_.sampleRateHz(); }
    [[nodiscard]] std::size_t numChannels() const noexcept { return bank_.numChannels(); }
    // [any] Pointers process() reads from sourceChannels (the plan's non-virtual channels).
    [[nodiscard]] std::size_t numSourceChannels() const noexcept { return sourceToMeter_.size(); }

private:
    struct VirtualChannel
    {
        std::size_t meterChannel;              // where the sum is metered
        std::vector<std::size_t> memberInputs; // meter channels summed at unity
        std::vector<std::size_t> monoInputs;   // mono members spread to every bus channel (-3 dB pan law)
    };

    void meterPiece(const float* const* sourceChannels, std::size_t offset, std::size_t numFrames) noexcept;
    void publish() noexcept;

    dsp::TapMeterBank bank_;                         // meters every channel
    SummaryQueue queue_;                             // to the worker
    std::vector<VirtualChannel> virtualChannels_;    // [setup] how each virtual channel is summed
    std::vector<std::size_t> sourceToMeter_;         // source channel index -> meter channel
    std::vector<float> virtualBuffers_;              // kMaxPieceFrames per virtual channel
    std::vector<const float*> meterPointers_;        // per meter channel, rebuilt every piece
    uint64_t sequence_ = 0;                          // records produced (and dropped)
    uint32_t droppedSincePublish_ = 0;               // drops to report with the next record
    std::atomic<uint32_t> pendingXruns_{0};          // set by the xrun callback, taken by process()
    std::atomic<uint64_t> cycles_{0};                // written by the audio thread only
    std::atomic<uint64_t> framesMetered_{0};         // written by the audio thread only
    std::atomic<uint64_t> recordsDropped_{0};        // written by the audio thread only
    std::atomic<uint64_t> oversizePeriods_{0};       // written by the audio thread only
};

static_assert(std::atomic<uint64_t>::is_always_lock_free);
static_assert(std::atomic<uint32_t>::is_always_lock_free);

} // namespace headroom::server
