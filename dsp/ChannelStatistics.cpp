#include "dsp/ChannelStatistics.h"

#include <algorithm>
#include <cmath>

#include "dsp/Decibels.h"

namespace headroom::dsp
{

std::string_view toString(RmsConvention convention) noexcept
{
    return convention == RmsConvention::plain ? "plain" : "aes17";
}

std::optional<RmsConvention> rmsConventionFromString(std::string_view name) noexcept
{
    if (name == "aes17") return RmsConvention::aes17;
    if (name == "plain") return RmsConvention::plain;
    return std::nullopt;
}

double rmsOffsetDb(RmsConvention convention) noexcept
{
    return convention == RmsConvention::aes17 ? kAes17RmsOffsetDb : 0.0;
}

void ChannelStatistics::add(const ChannelSummary& s, uint32_t numFrames) noexcept
{
    samplePeak_ = std::max(samplePeak_, s.samplePeak);
    truePeak_ = std::max(truePeak_, s.truePeak);
    ppmPeak_ = std::max(ppmPeak_, s.ppmPeak);
    sumSquares_ += s.sumSquares;
    sum_ += s.sum;
    frames_ += numFrames;
    clippedSamples_ += s.clippedSamples;
    clipEvents_ += s.clipEvents;
    longestClipRun_ = std::max(longestClipRun_, s.longestClipRun);
    nonFinite_ += s.nonFiniteSamples;
}

ChannelReadings ChannelStatistics::readings(RmsConvention convention) const noexcept
{
    ChannelReadings r{};
    const double frames = static_cast<double>(frames_);
    const double meanSquare = frames_ > 0 ? sumSquares_ / frames : 0.0;
    r.samplePeakDbfs = amplitudeToDb(samplePeak_);
    r.truePeakDbtp = amplitudeToDb(truePeak_);
    r.rmsDbfs = powerToDb(meanSquare) + (meanSquare > 0.0 ? rmsOffsetDb(convention) : 0.0);
    r.dcOffsetLinear = frames_ > 0 ? sum_ / frames : 0.0;
    r.dcOffsetDbfs = amplitudeToDb(std::fabs(r.dcOffsetLinear));
    r.crestFactorDb = meanSquare > 0.0 ? r.samplePeakDbfs - powerToDb(meanSquare) : kMinusInfinityDb;
    r.maxPpmDbfs = amplitudeToDb(ppmPeak_);
    r.clippedSamples = clippedSamples_;
    r.clipEvents = clipEvents_;
    r.longestClipRun = longestClipRun_;
    r.nonFiniteSamples = nonFinite_;
    r.numFrames = frames_;
    return r;
}

} // namespace headroom::dsp
