#include "server/audio/RealtimeMeter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace headroom::server
{
// kMonoToBusGain (MeterPlan.h): a mono member reaches a multichannel bus panned centre at -3 dB.

void RealtimeMeter::prepare(const MeterPlan& plan, uint32_t sampleRateHz, const dsp::TapMeterConfig& tapConfig,
                            std::size_t queueRecords)
{
    dsp::TapMeterConfig config = tapConfig;
    config.sampleRateHz = sampleRateHz;
    config.numChannels = plan.numChannels;
    bank_.prepare(config);
    queue_.prepare(plan.numChannels, queueRecords);

    virtualChannels_.clear();
    sourceToMeter_.clear();
    for (const PlannedTap& tap : plan.taps)
    {
        if (!tap.isVirtual)
        {
            for (std::size_t c = 0; c < tap.numChannels; ++c) sourceToMeter_.push_back(tap.firstChannel + c);
            continue;
        }
        for (std::size_t c = 0; c < tap.numChannels; ++c)
        {
            VirtualChannel v{tap.firstChannel + c, {}, {}};
            for (std::size_t m : tap.members)
            {
                const PlannedTap& member = plan.taps.at(m);
                if (member.isVirtual) throw std::invalid_argument("a virtual tap cannot sum another virtual tap");
                if (member.numChannels == tap.numChannels)
                    v.memberInputs.push_back(member.firstChannel + c);
                else if (member.numChannels == 1)
                    v.monoInputs.push_back(member.firstChannel);
                else
                    throw std::invalid_argument("tap " + member.nodeId + "/" + member.stage + " has " +
                                                std::to_string(member.numChannels) + " channels but its bus " +
                                                tap.nodeId + " has " + std::to_string(tap.numChannels));
            }
            virtualChannels_.push_back(std::move(v));
        }
    }
    virtualBuffers_.assign(virtualChannels_.size() * kMaxPieceFrames, 0.0f);
    meterPointers_.assign(plan.numChannels, nullptr);
    sequence_ = 0;
    droppedSincePublish_ = 0;
}

void RealtimeMeter::process(const float* const* sourceChannels, std::size_t numFrames) noexcept
{
    cycles_.store(cycles_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (numFrames > kMaxPieceFrames)
        oversizePeriods_.store(oversizePeriods_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    for (std::size_t offset = 0; offset < numFrames; offset += kMaxPieceFrames)
        meterPiece(sourceChannels, offset, std::min(kMaxPieceFrames, numFrames - offset));
    framesMetered_.store(framesMetered_.load(std::memory_order_relaxed) + numFrames, std::memory_order_relaxed);
}

void RealtimeMeter::meterPiece(const float* const* sourceChannels, std::size_t offset, std::size_t numFrames) noexcept
{
    // Source channels: point into the caller's buffers. The bank is given offset 0, so shift here.
    for (std::size_t s = 0; s < sourceToMeter_.size(); ++s)
        meterPointers_[sourceToMeter_[s]] = sourceChannels[s] != nullptr ? sourceChannels[s] + offset : nullptr;

    // Virtual channels: sum the members sample by sample (members are always source channels).
    for (std::size_t v = 0; v < virtualChannels_.size(); ++v)
    {
        const VirtualChannel& vc = virtualChannels_[v];
        float* sum = virtualBuffers_.data() + v * kMaxPieceFrames;
        std::memset(sum, 0, numFrames * sizeof(float));
        for (std::size_t m : vc.memberInputs)
            if (const float* in = meterPointers_[m])
                for (std::size_t i = 0; i < numFrames; ++i) sum[i] += in[i];
        for (std::size_t m : vc.monoInputs)
            if (const float* in = meterPointers_[m])
                for (std::size_t i = 0; i < numFrames; ++i) sum[i] += kMonoToBusGain * in[i];
        meterPointers_[vc.meterChannel] = sum;
    }

    for (std::size_t done = 0; done < numFrames;)
    {
        done += bank_.process(meterPointers_.data(), done, numFrames - done);
        if (bank_.subBlockComplete()) publish();
    }
}

void RealtimeMeter::publish() noexcept
{
    ++sequence_;
    SubBlockHeader* record = queue_.tryBeginWrite();
    if (record == nullptr)
    {
        ++droppedSincePublish_;
        recordsDropped_.store(recordsDropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        return;
    }
    record->sequence = sequence_;
    record->numFrames = bank_.completedFrames();
    record->sampleRateHz = bank_.sampleRateHz();
    record->xrunsBefore = pendingXruns_.exchange(0, std::memory_order_relaxed);
    record->droppedBefore = droppedSincePublish_;
    droppedSincePublish_ = 0;
    const auto summaries = bank_.completedSummaries();
    std::memcpy(queue_.summariesOf(record).data(), summaries.data(), summaries.size_bytes());
    queue_.commitWrite();
}

RealtimeMeterCounters RealtimeMeter::counters() const noexcept
{
    return {cycles_.load(std::memory_order_relaxed), framesMetered_.load(std::memory_order_relaxed),
            recordsDropped_.load(std::memory_order_relaxed), oversizePeriods_.load(std::memory_order_relaxed)};
}

} // namespace headroom::server
