#include "dsp/TapMeterBank.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <string>

#include "dsp/KWeighting.h"

namespace headroom::dsp
{
using detail::kChunkFrames;
using detail::kHistoryFrames;
using detail::kLanes;
using detail::LaneGroupState;
using detail::Vec;

std::string_view toString(SimdPath path) noexcept
{
    switch (path)
    {
    case SimdPath::generic: return "generic";
    case SimdPath::avx2: return "avx2";
    case SimdPath::avx512: return "avx512";
    }
    return "generic";
}

bool isSupported(SimdPath path) noexcept
{
    switch (path)
    {
    case SimdPath::generic: return true;
#if defined(__x86_64__)
    case SimdPath::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    // Every extension the AVX-512 kernel is compiled with (dsp/CMakeLists.txt), not just AVX-512F:
    // GCC may use VL and DQ instructions there (e.g. vandps on zmm), which some AVX-512F CPUs
    // (Knights Landing) lack.
    case SimdPath::avx512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    case SimdPath::avx2:
    case SimdPath::avx512: return false;
#endif
    }
    return false;
}

SimdPath fastestSupportedPath() noexcept
{
    if (isSupported(SimdPath::avx512)) return SimdPath::avx512;
    if (isSupported(SimdPath::avx2)) return SimdPath::avx2;
    return SimdPath::generic;
}

namespace
{
detail::MeterChunkFunction kernelFor(SimdPath path) noexcept
{
#if defined(__x86_64__)
    if (path == SimdPath::avx512) return detail::meterChunkAvx512;
    if (path == SimdPath::avx2) return detail::meterChunkAvx2;
#endif
    (void)path;
    return detail::meterChunkGeneric;
}

// What a missing channel (nullptr) or an unused lane of the last group reads: one chunk of silence,
// so the kernel never tests for absent inputs.
alignas(64) constexpr float kSilence[kChunkFrames] = {};
} // namespace

TapMeterBank::TapMeterBank() = default;
TapMeterBank::~TapMeterBank() = default;
TapMeterBank::TapMeterBank(TapMeterBank&&) noexcept = default;
TapMeterBank& TapMeterBank::operator=(TapMeterBank&&) noexcept = default;

void TapMeterBank::prepare(const TapMeterConfig& config, SimdPath path)
{
    if (config.sampleRateHz < kMinSampleRateHz || config.sampleRateHz > kMaxSampleRateHz)
        throw std::invalid_argument("sample rate " + std::to_string(config.sampleRateHz) + " Hz is outside " +
                                    std::to_string(kMinSampleRateHz) + "-" + std::to_string(kMaxSampleRateHz) + " Hz");
    if (!(config.clipThresholdLinear > 0.0f)) throw std::invalid_argument("clip threshold must be positive");
    if (config.minClipRunSamples < 1) throw std::invalid_argument("minimum clip run must be at least 1 sample");
    if (!isSupported(path))
        throw std::invalid_argument("this CPU does not support the " + std::string(toString(path)) + " path");

    config_ = config;
    numChannels_ = config.numChannels;
    numGroups_ = (numChannels_ + kLanes - 1) / kLanes;
    path_ = path;
    kernel_ = kernelFor(path);
    clock_.prepare(config.sampleRateHz);

    const KWeightingCoefficients k = kWeightingFor(static_cast<double>(config.sampleRateHz));
    constants_.shelfB0 = static_cast<float>(k.shelf.b0);
    constants_.shelfB1 = static_cast<float>(k.shelf.b1);
    constants_.shelfB2 = static_cast<float>(k.shelf.b2);
    constants_.shelfA1 = static_cast<float>(k.shelf.a1);
    constants_.shelfA2 = static_cast<float>(k.shelf.a2);
    constants_.highPassD1 = static_cast<float>(k.highPass.a1 + 2.0);
    constants_.highPassD2 = static_cast<float>(k.highPass.a2 - 1.0);
    constants_.clipThreshold = config.clipThresholdLinear;
    // Clip runs are counted in 32-bit lanes; a minimum run beyond that could never be reached anyway.
    constants_.minClipRun = static_cast<int32_t>(std::min<uint32_t>(config.minClipRunSamples, INT32_MAX));

    groups_ = std::make_unique<LaneGroupState[]>(numGroups_);
    scratch_ = std::make_unique<Vec[]>(kHistoryFrames + kChunkFrames);
    ppmPerChannel_.assign(numGroups_ * kLanes, ppmCoefficientsFor(config.ppmType, config.sampleRateHz));
    summaries_.assign(numGroups_ * kLanes, ChannelSummary{});
    reset();
}

void TapMeterBank::setPpmType(std::size_t channel, PpmType type)
{
    if (channel >= numChannels_) throw std::out_of_range("PPM type set for a channel the bank does not have");
    ppmPerChannel_[channel] = ppmCoefficientsFor(type, clock_.sampleRateHz());
    LaneGroupState& g = groups_[channel / kLanes];
    const std::size_t l = channel % kLanes;
    g.ppmAttackFast[l] = ppmPerChannel_[channel].attackFast;
    g.ppmAttackSlow[l] = ppmPerChannel_[channel].attackSlow;
    g.ppmRelease[l] = ppmPerChannel_[channel].releasePerSample;
    g.ppmGain[l] = ppmPerChannel_[channel].gain;
}

void TapMeterBank::reset() noexcept
{
    for (std::size_t gi = 0; gi < numGroups_; ++gi)
    {
        LaneGroupState& g = groups_[gi];
        g = LaneGroupState{};
        for (std::size_t l = 0; l < kLanes; ++l)
        {
            const PpmCoefficients& c = ppmPerChannel_[gi * kLanes + l];
            g.ppmAttackFast[l] = c.attackFast;
            g.ppmAttackSlow[l] = c.attackSlow;
            g.ppmRelease[l] = c.releasePerSample;
            g.ppmGain[l] = c.gain;
        }
    }
    clock_.reset();
    framesInSubBlock_ = 0;
    completedFrames_ = 0;
    completed_ = false;
}

std::size_t TapMeterBank::process(const float* const* channels, std::size_t startFrame, std::size_t numFrames) noexcept
{
    completed_ = false;
    const std::size_t frames = std::min<std::size_t>(numFrames, framesToSubBlockEnd());
    for (std::size_t done = 0; done < frames;)
    {
        const std::size_t chunk = std::min(kChunkFrames, frames - done);
        meterChunk(channels, startFrame + done, chunk);
        framesInSubBlock_ += static_cast<uint32_t>(chunk);
        done += chunk;
    }
    if (framesInSubBlock_ == clock_.currentFrames()) completeSubBlock();
    return frames;
}

void TapMeterBank::meterChunk(const float* const* channels, std::size_t startFrame, std::size_t numFrames) noexcept
{
    std::array<const float*, kLanes> sources{};
    for (std::size_t gi = 0; gi < numGroups_; ++gi)
    {
        for (std::size_t l = 0; l < kLanes; ++l)
        {
            const std::size_t c = gi * kLanes + l;
            const float* source = c < numChannels_ ? channels[c] : nullptr;
            sources[l] = source != nullptr ? source + startFrame : kSilence;
        }
        kernel_(groups_[gi], constants_, sources.data(), numFrames, framesInSubBlock_, scratch_.get());
    }
}

void TapMeterBank::completeSubBlock() noexcept
{
    for (std::size_t gi = 0; gi < numGroups_; ++gi)
    {
        const LaneGroupState& g = groups_[gi];
        for (std::size_t l = 0; l < kLanes; ++l)
        {
            ChannelSummary& out = summaries_[gi * kLanes + l];
            out.samplePeak = g.samplePeak[l];
            // The interpolator's phases never reproduce the input samples exactly (fractional
            // delays of 1/8 and 3/8 sample), so the sample peak is folded in: true peak >= sample peak.
            out.truePeak = std::max(g.truePeak[l], out.samplePeak);
            out.sumSquares = g.sumSquares[l];
            out.kWeightedSumSquares = g.kSumSquares[l];
            out.sumAbs = g.sumAbs[l];
            out.sum = g.sum[l];
            out.ppmPeak = g.ppmGain[l] * g.ppmPeak[l];
            out.clippedSamples = static_cast<uint32_t>(g.clippedSamples[l]);
            out.clipEvents = static_cast<uint32_t>(g.clipEvents[l]);
            out.longestClipRun = static_cast<uint32_t>(g.longestClipRun[l]);
            out.nonFiniteSamples = static_cast<uint32_t>(g.nonFinite[l]);
        }
    }
    completedFrames_ = framesInSubBlock_;
    completed_ = true;
    framesInSubBlock_ = 0;
    clock_.advance();
    clearAccumulators();
}

void TapMeterBank::clearAccumulators() noexcept
{
    for (std::size_t gi = 0; gi < numGroups_; ++gi)
    {
        LaneGroupState& g = groups_[gi];
        for (float* row : {g.samplePeak, g.truePeak, g.sumSquares, g.kSumSquares, g.sumAbs, g.sum, g.ppmPeak})
            std::fill(row, row + kLanes, 0.0f);
        for (int32_t* row : {g.clippedSamples, g.clipEvents, g.nonFinite}) std::fill(row, row + kLanes, 0);
        // The longest run restarts from the run still in progress, so a run spanning sub-blocks
        // reports its full length so far.
        std::copy(std::begin(g.clipRun), std::end(g.clipRun), g.longestClipRun);
    }
}

} // namespace headroom::dsp
