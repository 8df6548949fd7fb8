#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>

#include "dsp/ChannelSummary.h"

// The lock-free single-producer single-consumer ring that carries metering results from the
// real-time thread to the worker. One record per 10 ms sub-block: a header and one ChannelSummary
// per meter channel, all records the same size (fixed at prepare()).
//
// Producer: the audio callback (RealtimeMeter::process, [rt]). Consumer: the engine worker.
// Wait-free on both sides: a full ring makes the producer drop the record and count it; the
// consumer polls (the real-time thread never signals it).
namespace headroom::server
{

struct SubBlockHeader
{
    uint64_t sequence = 0;       // sub-blocks produced since the meter was prepared (gaps = drops)
    uint32_t numFrames = 0;      // frames in the sub-block
    uint32_t sampleRateHz = 0;   // rate the sub-block was metered at
    uint32_t xrunsBefore = 0;    // xruns reported since the previous record
    uint32_t droppedBefore = 0;  // records dropped (ring full) right before this one
};
static_assert(std::is_trivially_copyable_v<SubBlockHeader>);

class SummaryQueue
{
public:
    // [setup] Room for capacityRecords records of numChannels summaries each (capacity >= 2).
    void prepare(std::size_t numChannels, std::size_t capacityRecords);

    // [rt] producer: a record to fill, or nullptr when the ring is full.
    [[nodiscard]] SubBlockHeader* tryBeginWrite() noexcept;
    // [rt] producer: the summaries of the record being written.
    [[nodiscard]] std::span<dsp::ChannelSummary> summariesOf(SubBlockHeader* record) noexcept;
    // [rt] producer: publish the record obtained from tryBeginWrite().
    void commitWrite() noexcept;

    // [worker] consumer: the oldest unread record, or nullptr when empty.
    [[nodiscard]] const SubBlockHeader* tryBeginRead() noexcept;
    [[nodiscard]] std::span<const dsp::ChannelSummary> summariesOf(const SubBlockHeader* record) const noexcept;
    // [worker] consumer: release the record obtained from tryBeginRead().
    void commitRead() noexcept;

    [[nodiscard]] std::size_t numChannels() const noexcept { return numChannels_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

private:
    struct alignas(64) CacheLine
    {
        std::byte bytes[64];
    };

    [[nodiscard]] std::byte* slot(std::size_t index) const noexcept
    {
        return reinterpret_cast<std::byte*>(storage_.get()) + index * stride_;
    }

    std::unique_ptr<CacheLine[]> storage_;      // capacity_ records of stride_ bytes, cache-line aligned
    std::size_t stride_ = 0;                    // bytes per record, a multiple of 64
    std::size_t capacity_ = 0;                  // records
    std::size_t numChannels_ = 0;               // summaries per record
    alignas(64) std::atomic<std::size_t> writeIndex_{0}; // next slot to write; written by the producer only
    alignas(64) std::atomic<std::size_t> readIndex_{0};  // next slot to read; written by the consumer only
};

static_assert(std::atomic<std::size_t>::is_always_lock_free);

} // namespace headroom::server
