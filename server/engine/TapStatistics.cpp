#include "server/engine/TapStatistics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dsp/Decibels.h"
#include "dsp/SubBlockClock.h"

namespace headroom::server
{
namespace
{
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> weightsFor(const PlannedTap& tap)
{
    if (!tap.layout.empty()) return dsp::loudnessWeights(tap.layout);
    if (const auto layout = dsp::defaultLayout(tap.numChannels)) return dsp::loudnessWeights(*layout);
    return std::vector<double>(tap.numChannels, 1.0); // unusual counts: every channel a front channel
}
} // namespace

void TapStatistics::Peaks::add(const dsp::ChannelSummary& s) noexcept
{
    samplePeak = std::max(samplePeak, s.samplePeak);
    truePeak = std::max(truePeak, s.truePeak);
    ppm = std::max(ppm, s.ppmPeak);
    clipped = clipped || s.clipEvents > 0;
}

std::size_t recentBucketSubBlocks(const StatisticsSettings& settings) noexcept
{
    const double subBlocks = std::ceil(settings.recentWindowSeconds * dsp::kSubBlocksPerSecond /
                                       static_cast<double>(kRecentWindowBuckets));
    if (!(subBlocks >= 1.0)) return 1; // NaN, zero or negative: the shortest window
    if (subBlocks >= 1e15) return static_cast<std::size_t>(1e15);
    return static_cast<std::size_t>(subBlocks);
}

void TapStatistics::prepare(const PlannedTap& tap, std::size_t tapIndex, uint32_t sampleRateHz,
                            const MeterReference& reference, const StatisticsSettings& settings)
{
    tapIndex_ = tapIndex;
    stage_ = tap.stage;
    isVirtual_ = tap.isVirtual;
    firstChannel_ = tap.firstChannel;
    target_ = tap.target;
    sampleRateHz_ = sampleRateHz;
    rmsConvention_ = reference.rmsConvention;
    rmsOffsetDb_ = dsp::rmsOffsetDb(reference.rmsConvention);
    settings_ = settings;
    // The gate is a level in the session's convention; compare plain mean squares.
    gateMeanSquare_ = dsp::dbToPower(settings.activeGateDbfs - rmsOffsetDb_);

    channels_.assign(tap.numChannels, Channel{});
    for (Channel& c : channels_) c.peakHold.prepare(settings.peakHoldSeconds, settings.peakFallDbPerSecond);
    squaresRing_.assign(kNoiseWindowSubBlocks * tap.numChannels, 0.0);
    scratchSums_.assign(tap.numChannels, 0.0);
    scratchMaxima_.assign(tap.numChannels, 0.0);
    recent_.prepare(tap.numChannels, tap.numChannels, recentBucketSubBlocks(settings), kRecentWindowBuckets);
    loudness_.prepare(weightsFor(tap), sampleRateHz);

    framesRing_.fill(0);
    ringNewest_ = 0;
    subBlocks_ = 0;
    psrRing_.fill(0.0f);
    psrCurrent_ = 0.0f;
    loudnessPhase_ =
        (tapIndex * kNoiseStepSubBlocks) % std::max<std::size_t>(settings.loudnessRefreshSubBlocks, 1);
    loudnessStale_ = true;
    active_ = false;
    levelMeanSquare_ = 0.0;
    lastSumSquares_ = 0.0;
    loudness_.reset();
    resetStatistics();
}

void TapStatistics::add(std::span<const dsp::ChannelSummary> summaries, uint32_t numFrames) noexcept
{
    const std::size_t numChannels = channels_.size();
    if (summaries.size() != numChannels) return; // EngineStatistics slices by the plan: cannot happen

    ringNewest_ = (ringNewest_ + 1) % kNoiseWindowSubBlocks;
    framesRing_[ringNewest_] = numFrames;
    ++subBlocks_;

    // Frames in the 300 ms and 400 ms windows (the slots are shared by all channels).
    uint64_t rmsFrames = 0;
    uint64_t noiseFrames = 0;
    for (std::size_t k = 0; k < kNoiseWindowSubBlocks; ++k)
    {
        const uint32_t f = framesRing_[(ringNewest_ + kNoiseWindowSubBlocks - k) % kNoiseWindowSubBlocks];
        noiseFrames += f;
        if (k < kRmsWindowSubBlocks) rmsFrames += f;
    }

    float subBlockTruePeak = 0.0f;
    double loudestRms = 0.0;
    double loudestNoiseWindow = 0.0;
    lastSumSquares_ = 0.0;
    for (std::size_t c = 0; c < numChannels; ++c)
    {
        const dsp::ChannelSummary& s = summaries[c];
        Channel& ch = channels_[c];
        ch.statistics.add(s, numFrames);
        ch.vu.addSubBlock(s.sumAbs, numFrames);
        ch.peakHold.add(dsp::amplitudeToDb(s.truePeak));
        ch.sinceFrame.add(s);
        ch.sinceSnapshot.add(s);
        ch.maxSamplePeak = std::max(ch.maxSamplePeak, s.samplePeak);
        ch.maxTruePeak = std::max(ch.maxTruePeak, s.truePeak);
        ch.clipLatched = ch.clipLatched || s.clipEvents > 0;
        subBlockTruePeak = std::max(subBlockTruePeak, s.truePeak);

        double* ring = squaresRing_.data() + c; // slot k of channel c at k * numChannels + c
        ring[ringNewest_ * numChannels] = s.sumSquares;
        double rmsSum = 0.0;
        double noiseSum = 0.0;
        for (std::size_t k = 0; k < kNoiseWindowSubBlocks; ++k)
        {
            const double v =
                ring[((ringNewest_ + kNoiseWindowSubBlocks - k) % kNoiseWindowSubBlocks) * numChannels];
            noiseSum += v;
            if (k < kRmsWindowSubBlocks) rmsSum += v;
        }
        ch.rmsMeanSquare = rmsFrames > 0 ? rmsSum / static_cast<double>(rmsFrames) : 0.0;
        loudestRms = std::max(loudestRms, ch.rmsMeanSquare);
        loudestNoiseWindow =
            std::max(loudestNoiseWindow, noiseFrames > 0 ? noiseSum / static_cast<double>(noiseFrames) : 0.0);
        lastSumSquares_ += s.sumSquares;
        scratchSums_[c] = s.sumSquares;
        scratchMaxima_[c] = s.samplePeak;
    }

    loudness_.addSubBlock(summaries, numFrames);
    maxMomentaryLufs_ = std::max(maxMomentaryLufs_, loudness_.momentaryLufs());
    maxShortTermLufs_ = std::max(maxShortTermLufs_, loudness_.shortTermLufs());
    framesIntegrated_ += numFrames;
    maxTruePeakSinceIntegration_ = std::max(maxTruePeakSinceIntegration_, subBlockTruePeak);
    psrCurrent_ = std::max(psrCurrent_, subBlockTruePeak);

    const bool onStep = subBlocks_ % kNoiseStepSubBlocks == 0;
    if (onStep)
    {
        psrRing_[(subBlocks_ / kNoiseStepSubBlocks) % kPsrSteps] = psrCurrent_;
        psrCurrent_ = 0.0f;
        // Only whole 400 ms windows: before the ring is full it would include time before the start.
        if (subBlocks_ >= kNoiseWindowSubBlocks) noiseFloor_.add(toRmsDb(loudestNoiseWindow));
    }

    levelMeanSquare_ = loudestRms;
    active_ = levelMeanSquare_ > 0.0 && levelMeanSquare_ >= gateMeanSquare_;
    if (!active_) return;
    recent_.add(scratchSums_, scratchMaxima_, numFrames);
    if (target_)
        classifyAgainstTarget(toRmsDb(levelMeanSquare_), dsp::amplitudeToDb(subBlockTruePeak), numFrames);
}

void TapStatistics::classifyAgainstTarget(double levelDb, double truePeakDb, uint32_t numFrames) noexcept
{
    const StageTarget& t = *target_;
    activeFrames_ += numFrames;
    const bool peakOver = truePeakDb > t.peakMaxDbfs;
    if (peakOver) peakOverFrames_ += numFrames;
    if (peakOver || levelDb > t.averageMaxDbfs)
        overFrames_ += numFrames;
    else if (levelDb < t.averageMinDbfs)
        underFrames_ += numFrames;
    else
        inRangeFrames_ += numFrames;
}

void TapStatistics::resetPeaks() noexcept
{
    for (Channel& c : channels_)
    {
        c.peakHold.reset();
        c.maxSamplePeak = c.maxTruePeak = 0.0f;
        c.clipLatched = false;
    }
}

void TapStatistics::resetIntegratedLoudness() noexcept
{
    loudness_.resetIntegration();
    maxTruePeakSinceIntegration_ = 0.0f;
    maxMomentaryLufs_ = maxShortTermLufs_ = dsp::kMinusInfinityDb;
    framesIntegrated_ = 0;
    loudnessStale_ = true;
}

void TapStatistics::resetStatistics() noexcept
{
    resetPeaks();
    resetIntegratedLoudness();
    for (Channel& c : channels_) c.statistics.reset();
    recent_.reset();
    noiseFloor_.reset();
    activeFrames_ = inRangeFrames_ = overFrames_ = underFrames_ = peakOverFrames_ = 0;
}

double TapStatistics::maxTruePeakLinear() const noexcept
{
    float m = 0.0f;
    for (const Channel& c : channels_) m = std::max(m, c.maxTruePeak);
    return m;
}

double TapStatistics::toRmsDb(double meanSquare) const noexcept
{
    return meanSquare > 0.0 ? dsp::powerToDb(meanSquare) + rmsOffsetDb_ : dsp::kMinusInfinityDb;
}

void TapStatistics::takeMeters(MeterFrame& frame) noexcept
{
    for (std::size_t c = 0; c < channels_.size(); ++c)
    {
        Channel& ch = channels_[c];
        const std::size_t i = firstChannel_ + c;
        if (i >= frame.samplePeakDbfs.size()) return; // frame not sized for the plan
        frame.samplePeakDbfs[i] = static_cast<float>(dsp::amplitudeToDb(ch.sinceFrame.samplePeak));
        frame.truePeakDbtp[i] = static_cast<float>(dsp::amplitudeToDb(ch.sinceFrame.truePeak));
        frame.rmsDbfs[i] = static_cast<float>(toRmsDb(ch.rmsMeanSquare));
        frame.vuDbfs[i] = static_cast<float>(ch.vu.levelDbfs());
        frame.ppmDbfs[i] = static_cast<float>(dsp::amplitudeToDb(ch.sinceFrame.ppm));
        frame.peakHoldDbtp[i] = static_cast<float>(ch.peakHold.heldDb());
        frame.clipFlags[i] = static_cast<uint8_t>((ch.clipLatched ? kClipLatchedFlag : 0) |
                                                  (ch.sinceFrame.clipped ? kClippedSinceLastFlag : 0));
        ch.sinceFrame = Peaks{};
    }
}

void TapStatistics::refreshLoudness() noexcept
{
    // Integrated loudness and LRA walk 10 000-bin histograms (most of the worker's time if done at
    // every snapshot for every tap): refresh them once per loudnessRefreshSubBlocks (1 s: EBU Mode
    // asks at least 1 Hz for I and LRA), and at once after a reset. Taps are phased by their index
    // so the refreshes spread over the snapshots of a second instead of landing in one.
    const uint64_t period = std::max<uint64_t>(settings_.loudnessRefreshSubBlocks, 1);
    const uint64_t epoch = (subBlocks_ + loudnessPhase_) / period;
    if (!loudnessStale_ && epoch == loudnessEpoch_) return;
    loudnessCache_ = loudness_.readings();
    loudnessEpoch_ = epoch;
    loudnessStale_ = false;
}

TapStats TapStatistics::takeStats()
{
    TapStats t;
    t.tapIndex = tapIndex_;
    t.stage = stage_;
    t.isVirtual = isVirtual_;
    t.firstChannel = firstChannel_;
    t.channels.reserve(channels_.size());
    float maxTruePeak = 0.0f;
    for (Channel& ch : channels_)
    {
        const dsp::ChannelReadings r = ch.statistics.readings(rmsConvention_);
        ChannelStats c;
        c.samplePeakDbfs = dsp::amplitudeToDb(ch.sinceSnapshot.samplePeak);
        c.truePeakDbtp = dsp::amplitudeToDb(ch.sinceSnapshot.truePeak);
        c.rmsDbfs = toRmsDb(ch.rmsMeanSquare);
        c.vuDbfs = ch.vu.levelDbfs();
        c.ppmDbfs = dsp::amplitudeToDb(ch.sinceSnapshot.ppm);
        c.peakHoldDbtp = ch.peakHold.heldDb();
        c.maxSamplePeakDbfs = dsp::amplitudeToDb(ch.maxSamplePeak);
        c.maxTruePeakDbtp = dsp::amplitudeToDb(ch.maxTruePeak);
        c.clipLatched = ch.clipLatched;
        c.clippedSinceLast = ch.sinceSnapshot.clipped;
        c.rmsSinceResetDbfs = r.rmsDbfs;
        c.dcOffsetDbfs = r.dcOffsetDbfs;
        c.clippedSamples = r.clippedSamples;
        c.clipEvents = r.clipEvents;
        c.nonFiniteSamples = r.nonFiniteSamples;
        t.clipLatched = t.clipLatched || ch.clipLatched;
        maxTruePeak = std::max(maxTruePeak, ch.maxTruePeak);
        ch.sinceSnapshot = Peaks{};
        t.channels.push_back(c);
    }

    t.levelDbfs = toRmsDb(levelMeanSquare_);
    t.active = active_;
    t.maxTruePeakDbtp = dsp::amplitudeToDb(maxTruePeak);
    t.headroomDb = -t.maxTruePeakDbtp;

    // Recent active window: the loudest channel's average, and its crest factor.
    const uint64_t recentFrames = recent_.recentFrames();
    t.averageDbfs = kNaN;
    t.crestFactorDb = kNaN;
    if (recentFrames > 0)
    {
        std::size_t loudest = 0;
        for (std::size_t c = 1; c < channels_.size(); ++c)
            if (recent_.recentSum(c) > recent_.recentSum(loudest)) loudest = c;
        const double meanSquare = recent_.recentSum(loudest) / static_cast<double>(recentFrames);
        t.averageDbfs = toRmsDb(meanSquare);
        if (meanSquare > 0.0)
            t.crestFactorDb = dsp::amplitudeToDb(recent_.recentMax(loudest)) - dsp::powerToDb(meanSquare);
    }
    t.noiseFloorDbfs = noiseFloor_.percentileDbfs(settings_.noiseFloorPercentile);

    refreshLoudness();
    LoudnessStats& l = t.loudness;
    l.momentaryLufs = loudness_.momentaryLufs();
    l.shortTermLufs = loudness_.shortTermLufs();
    l.integratedLufs = loudnessCache_.integratedLufs;
    l.loudnessRangeLu = loudnessCache_.loudnessRangeLu;
    l.maxMomentaryLufs = maxMomentaryLufs_;
    l.maxShortTermLufs = maxShortTermLufs_;
    l.integratedSeconds = static_cast<double>(framesIntegrated_) / sampleRateHz_;
    l.loudnessRangeStable = l.integratedSeconds >= 60.0; // Tech 3341 section 2.2, as LoudnessMeter
    l.plrDb = dsp::amplitudeToDb(maxTruePeakSinceIntegration_) - l.integratedLufs;
    float psrPeak = psrCurrent_;
    for (float p : psrRing_) psrPeak = std::max(psrPeak, p);
    l.psrDb = dsp::amplitudeToDb(psrPeak) - l.shortTermLufs;
    // -inf minus -inf is NaN, and a finite peak over a -inf loudness is +inf: neither is a ratio.
    if (!std::isfinite(l.plrDb)) l.plrDb = kNaN;
    if (!std::isfinite(l.psrDb)) l.psrDb = kNaN;

    if (target_)
    {
        TargetStats g;
        g.target = *target_;
        if (std::isnan(t.averageDbfs))
            g.averageDistanceDb = kNaN;
        else if (t.averageDbfs > target_->averageMaxDbfs)
            g.averageDistanceDb = t.averageDbfs - target_->averageMaxDbfs;
        else if (t.averageDbfs < target_->averageMinDbfs)
            g.averageDistanceDb = t.averageDbfs - target_->averageMinDbfs;
        else
            g.averageDistanceDb = 0.0;
        g.headroomToTargetDb = target_->peakMaxDbfs - t.maxTruePeakDbtp;
        const auto seconds = [this](uint64_t frames) { return static_cast<double>(frames) / sampleRateHz_; };
        g.activeSeconds = seconds(activeFrames_);
        g.inRangeSeconds = seconds(inRangeFrames_);
        g.overSeconds = seconds(overFrames_);
        g.underSeconds = seconds(underFrames_);
        g.peakOverSeconds = seconds(peakOverFrames_);
        t.target = g;
    }
    return t;
}

} // namespace headroom::server
