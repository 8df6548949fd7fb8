#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "dsp/ChannelSummary.h"
#include "dsp/PpmBallistics.h"
#include "dsp/SubBlockClock.h"
#include "dsp/detail/MeterKernel.h"

// The real-time half of the metering core: every per-sample measurement of a set of channels
// (sample peak, true peak, K-weighted and plain energy, rectified sum for the VU, DC sum, PPM
// quasi-peak, clip runs, NaN/Inf count), reduced to one ChannelSummary per channel per 10 ms
// sub-block (see SubBlockClock). The worker turns summaries into readings (LoudnessMeter,
// ChannelStatistics, VuMeter).
//
// Owned by whoever owns the audio callback (the JACK client or the file reader). prepare() sizes
// everything; after it, process() never allocates, locks or makes a system call, and produces
// bit-identical summaries whatever the block sizes it is fed.
//
// Channels are metered 16 at a time (one SIMD lane each); the instruction set is picked at
// prepare() time from what the CPU supports.
namespace headroom::dsp
{

enum class SimdPath : uint8_t
{
    generic, // portable vector code (SSE2 on x86-64)
    avx2,    // AVX2 + FMA
    avx512,  // AVX-512 F, VL and DQ
};

[[nodiscard]] std::string_view toString(SimdPath path) noexcept;
// [any] Whether this CPU can run the path.
[[nodiscard]] bool isSupported(SimdPath path) noexcept;
// [any] The fastest path this CPU supports.
[[nodiscard]] SimdPath fastestSupportedPath() noexcept;

struct TapMeterConfig
{
    uint32_t sampleRateHz = 48000;       // [kMinSampleRateHz, kMaxSampleRateHz]
    std::size_t numChannels = 0;         // channels metered together (any count, 0 allowed)
    float clipThresholdLinear = 1.0f;    // |x| at or above this counts as clipped (full scale)
    uint32_t minClipRunSamples = 3;      // consecutive clipped samples that make a clip event
    PpmType ppmType = PpmType::typeIIa;  // default PPM dynamics for every channel
};

class TapMeterBank
{
public:
    TapMeterBank();
    ~TapMeterBank();
    TapMeterBank(TapMeterBank&&) noexcept;
    TapMeterBank& operator=(TapMeterBank&&) noexcept;

    // [setup] Validates the config (throws std::invalid_argument), allocates, resets. path forces
    // an instruction set (tests and benchmarks compare them); by default the fastest supported.
    void prepare(const TapMeterConfig& config, SimdPath path = fastestSupportedPath());

    // [setup] Use other PPM dynamics for one channel.
    void setPpmType(std::size_t channel, PpmType type);

    // [rt] Clear all filter state and the sub-block in progress; the next sample starts a new
    // sub-block at the beginning of the time grid.
    void reset() noexcept;

    // [rt] Meter frames [startFrame, startFrame + numFrames) of each channel buffer (channels[c]
    // may be nullptr: metered as silence). Stops early at a sub-block boundary and returns the
    // number of frames consumed; when subBlockComplete() is then true, completedSummaries() holds
    // one summary per channel until the next call. Call in a loop until all frames are consumed:
    //     for (size_t done = 0; done < n;) { done += bank.process(ptrs, done, n - done); if (...) }
    std::size_t process(const float* const* channels, std::size_t startFrame, std::size_t numFrames) noexcept;

    // [rt] Whether the last process() call completed a sub-block.
    [[nodiscard]] bool subBlockComplete() const noexcept { return completed_; }
    // [rt] Summaries of the sub-block just completed, one per channel.
    [[nodiscard]] std::span<const ChannelSummary> completedSummaries() const noexcept
    {
        return {summaries_.data(), numChannels_};
    }
    // [rt] Frames in the sub-block just completed.
    [[nodiscard]] uint32_t completedFrames() const noexcept { return completedFrames_; }
    // [rt] Frames still needed to complete the sub-block in progress.
    [[nodiscard]] uint32_t framesToSubBlockEnd() const noexcept { return clock_.currentFrames() - framesInSubBlock_; }

    [[nodiscard]] std::size_t numChannels() const noexcept { return numChannels_; }
    [[nodiscard]] uint32_t sampleRateHz() const noexcept { return clock_.sampleRateHz(); }
    [[nodiscard]] SimdPath simdPath() const noexcept { return path_; }
    [[nodiscard]] uint32_t maxSubBlockFrames() const noexcept { return clock_.maxFrames(); }

private:
    void meterChunk(const float* const* channels, std::size_t startFrame, std::size_t numFrames) noexcept;
    void completeSubBlock() noexcept;
    void clearAccumulators() noexcept;

    TapMeterConfig config_;                                     // as given to prepare()
    std::size_t numChannels_ = 0;                               // channels metered
    std::size_t numGroups_ = 0;                                 // lane groups: ceil(channels / 16)
    SimdPath path_ = SimdPath::generic;                         // instruction set in use
    detail::MeterChunkFunction kernel_ = nullptr;               // kernel of that instruction set
    detail::KernelConstants constants_{};                       // filter constants at this rate
    std::unique_ptr<detail::LaneGroupState[]> groups_;         // numGroups_ states (64-byte aligned type)
    std::unique_ptr<detail::Vec[]> scratch_;                    // history + one chunk, interleaved
    std::vector<PpmCoefficients> ppmPerChannel_;                // [setup] per-channel PPM constants
    std::vector<ChannelSummary> summaries_;                     // last completed sub-block, padded to lanes
    SubBlockClock clock_;                                       // sub-block boundaries
    uint32_t framesInSubBlock_ = 0;                             // frames metered into the current sub-block
    uint32_t completedFrames_ = 0;                              // frames of the sub-block just completed
    bool completed_ = false;                                    // last process() completed a sub-block
};

} // namespace headroom::dsp
