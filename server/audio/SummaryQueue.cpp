#include "server/audio/SummaryQueue.h"

#include <memory>
#include <new>
#include <stdexcept>

namespace headroom::server
{
namespace
{
constexpr std::size_t kCacheLine = 64;

constexpr std::size_t roundUp(std::size_t bytes) { return (bytes + kCacheLine - 1) / kCacheLine * kCacheLine; }
} // namespace

void SummaryQueue::prepare(std::size_t numChannels, std::size_t capacityRecords)
{
    if (capacityRecords < 2) throw std::invalid_argument("summary queue needs room for at least 2 records");
    numChannels_ = numChannels;
    capacity_ = capacityRecords;
    stride_ = roundUp(sizeof(SubBlockHeader) + numChannels * sizeof(dsp::ChannelSummary));
    storage_ = std::make_unique<CacheLine[]>(stride_ * capacity_ / kCacheLine);
    writeIndex_.store(0, std::memory_order_relaxed);
    readIndex_.store(0, std::memory_order_relaxed);
}

SubBlockHeader* SummaryQueue::tryBeginWrite() noexcept
{
    const std::size_t write = writeIndex_.load(std::memory_order_relaxed);
    const std::size_t next = (write + 1) % capacity_;
    // One slot stays empty so "full" and "empty" differ; acquire pairs with the consumer's release
    // so the slot is not overwritten while still being read.
    if (next == readIndex_.load(std::memory_order_acquire)) return nullptr;
    return std::launder(reinterpret_cast<SubBlockHeader*>(slot(write)));
}

std::span<dsp::ChannelSummary> SummaryQueue::summariesOf(SubBlockHeader* record) noexcept
{
    auto* first = reinterpret_cast<dsp::ChannelSummary*>(reinterpret_cast<std::byte*>(record) + sizeof(SubBlockHeader));
    return {first, numChannels_};
}

void SummaryQueue::commitWrite() noexcept
{
    const std::size_t write = writeIndex_.load(std::memory_order_relaxed);
    writeIndex_.store((write + 1) % capacity_, std::memory_order_release);
}

const SubBlockHeader* SummaryQueue::tryBeginRead() noexcept
{
    const std::size_t read = readIndex_.load(std::memory_order_relaxed);
    if (read == writeIndex_.load(std::memory_order_acquire)) return nullptr;
    return std::launder(reinterpret_cast<const SubBlockHeader*>(slot(read)));
}

std::span<const dsp::ChannelSummary> SummaryQueue::summariesOf(const SubBlockHeader* record) const noexcept
{
    const auto* first = reinterpret_cast<const dsp::ChannelSummary*>(reinterpret_cast<const std::byte*>(record) +
                                                                     sizeof(SubBlockHeader));
    return {first, numChannels_};
}

void SummaryQueue::commitRead() noexcept
{
    const std::size_t read = readIndex_.load(std::memory_order_relaxed);
    readIndex_.store((read + 1) % capacity_, std::memory_order_release);
}

} // namespace headroom::server
