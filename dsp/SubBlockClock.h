#pragma once

#include <cstdint>

// The metering time grid shared by the real-time processors and the worker accumulators.
//
// Every tap is reduced to one summary per 10 ms sub-block. Sub-block j of each second ends at sample
// floor((j + 1) * fs / 100), so at every integer sample rate the 100 ms gating step, the 400 ms
// momentary window and the 3 s short-term window start and end exactly on sub-block boundaries
// ("to the nearest sample", BS.1770), and momentary loudness can be evaluated every 10 ms
// (EBU Tech 3341 tests 13/14 need at least 100 Hz). At 48 kHz every sub-block is 480 frames; at
// 44.1 kHz, 441; at 22.05 kHz they alternate between 220 and 221.
namespace headroom::dsp
{

inline constexpr uint32_t kSubBlocksPerSecond = 100;
inline constexpr uint32_t kMinSampleRateHz = 8000;
inline constexpr uint32_t kMaxSampleRateHz = 384000;

class SubBlockClock
{
public:
    // [setup] rate must lie in [kMinSampleRateHz, kMaxSampleRateHz]; callers validate.
    void prepare(uint32_t sampleRateHz) noexcept
    {
        sampleRateHz_ = sampleRateHz;
        reset();
    }

    // [rt] Restart at the first sub-block of a second.
    void reset() noexcept { indexInSecond_ = 0; }

    // [rt] Frames in the current sub-block.
    [[nodiscard]] uint32_t currentFrames() const noexcept { return framesOf(indexInSecond_); }

    // [rt] Move to the next sub-block.
    void advance() noexcept { indexInSecond_ = (indexInSecond_ + 1) % kSubBlocksPerSecond; }

    // [any] The largest sub-block at this rate (buffers are sized with it).
    [[nodiscard]] uint32_t maxFrames() const noexcept
    {
        return (sampleRateHz_ + kSubBlocksPerSecond - 1) / kSubBlocksPerSecond;
    }

    [[nodiscard]] uint32_t sampleRateHz() const noexcept { return sampleRateHz_; }

private:
    [[nodiscard]] uint32_t framesOf(uint32_t index) const noexcept
    {
        const uint64_t rate = sampleRateHz_;
        return static_cast<uint32_t>((index + 1) * rate / kSubBlocksPerSecond - index * rate / kSubBlocksPerSecond);
    }

    uint32_t sampleRateHz_ = 48000; // frames per second
    uint32_t indexInSecond_ = 0;    // which of the 100 sub-blocks of the current second is filling
};

} // namespace headroom::dsp
