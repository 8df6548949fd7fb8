#include "server/analyze/SessionAudit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#include "dsp/SubBlockClock.h"
#include "server/advisor/Advisor.h"
#include "server/audio/RealtimeMeter.h"
#include "server/engine/EngineStatistics.h"
#include "server/engine/SessionPlanner.h"

namespace headroom::server
{
namespace
{
std::string plural(std::size_t n, const char* one)
{
    return std::to_string(n) + " " + one + (n == 1 ? "" : "s");
}

// "SESSION: POINTER/file: " for a message about one tap's file.
std::string filePrefix(const Session& session, const SessionTap& tap)
{
    return session.sourceName + ": " + tap.source.jsonPath + "/file: ";
}

// Every tap's file opened and checked against its tap and the others; every problem collected.
std::vector<AudioFileReader> openFiles(const Session& session, const SessionPlan& planned,
                                       std::size_t blockFrames)
{
    std::vector<std::string> errors;
    std::vector<AudioFileReader> readers;
    readers.reserve(planned.sources.size());
    const SessionTap* rateReference = nullptr; // the first readable file: the others must match its rate
    uint32_t rateHz = 0;
    for (const SessionTap& tap : planned.sources)
    {
        try
        {
            readers.emplace_back(tap.source.file, blockFrames);
        }
        catch (const AudioFileError& e) // "cannot read 'PATH': why"
        {
            errors.push_back(filePrefix(session, tap) + e.what());
            continue;
        }
        const AudioFileInfo& info = readers.back().info();
        if (info.numChannels != tap.numChannels)
        {
            const Node& node = nodeAt(session, tap.node);
            errors.push_back(filePrefix(session, tap) + "expected an audio file of " +
                             plural(tap.numChannels, "channel") + " (the " +
                             std::string(toString(node.kind)) + " \"" + node.id + "\" has " +
                             std::to_string(tap.numChannels) + "), got " +
                             plural(info.numChannels, "channel") + " in \"" + info.path + "\"");
        }
        if (rateReference == nullptr)
        {
            rateReference = &tap;
            rateHz = info.sampleRateHz;
        }
        else if (info.sampleRateHz != rateHz)
        {
            errors.push_back(filePrefix(session, tap) + "expected " + std::to_string(rateHz) +
                             " Hz like the other files (" + rateReference->source.jsonPath + "/file: \"" +
                             rateReference->source.file + "\"), got " + std::to_string(info.sampleRateHz) +
                             " Hz in \"" + info.path + "\" (resample the stems to one rate)");
        }
    }
    if (errors.empty() && (rateHz < dsp::kMinSampleRateHz || rateHz > dsp::kMaxSampleRateHz))
        errors.push_back(session.sourceName + ": the files are at " + std::to_string(rateHz) +
                         " Hz; expected " + std::to_string(dsp::kMinSampleRateHz) + " to " +
                         std::to_string(dsp::kMaxSampleRateHz) + " Hz");
    if (!errors.empty()) throw SessionAuditError(std::move(errors));
    return readers;
}

// Runs the engine: file blocks -> RealtimeMeter -> SummaryQueue -> EngineStatistics, one thread.
class AuditRun
{
public:
    AuditRun(const Session& session, const SessionPlan& planned, uint32_t sampleRateHz, std::size_t blockFrames,
             double advisorIntervalSeconds)
        : advisor_(session, auditAdvisorSettings()),
          advisorIntervalFrames_(std::max<uint64_t>(
              1, static_cast<uint64_t>(std::llround(advisorIntervalSeconds * static_cast<double>(sampleRateHz)))))
    {
        nextAdviceFrame_ = advisorIntervalFrames_;
        // Every record a process() call produces must fit in the queue until it is drained right
        // after: at most one per shortest sub-block in the call, plus one begun in the previous call.
        const std::size_t shortestSubBlock = sampleRateHz / dsp::kSubBlocksPerSecond;
        const std::size_t maxSubBlock =
            (sampleRateHz + dsp::kSubBlocksPerSecond - 1) / dsp::kSubBlocksPerSecond;
        const std::size_t maxCallFrames = std::max(blockFrames, maxSubBlock);
        meter_.prepare(planned.plan, sampleRateHz, planned.tapConfig, maxCallFrames / shortestSubBlock + 2);

        StatisticsSettings settings;
        // Integrated loudness and LRA fresh at every snapshot (the advisor's, and the last one) whatever
        // the phase.
        settings.loudnessRefreshSubBlocks = 1;
        // The "recent" window never rotates: averages, crest factor, chain gain and bus shares
        // cover the whole audit.
        settings.recentWindowSeconds = std::numeric_limits<double>::infinity();
        statistics_.prepare(planned.plan, sampleRateHz, settings);

        silence_.assign(maxCallFrames, 0.0f);
    }

    // Meter numFrames of every source channel (one pointer each, in plan order).
    void process(const float* const* sources, std::size_t numFrames)
    {
        meter_.process(sources, numFrames);
        framesMetered_ += numFrames;
        drain();
    }

    // After the last frames: the sub-block in progress, if any, is completed with silence (at most
    // 10 ms, what a live meter's next period would bring), so its peaks, clips and energy count.
    // Nothing is added on a boundary: a file of 5 s reads 5.00 s of active signal, not 5.01.
    void finish()
    {
        if (framesPublished_ < framesMetered_) // a sub-block in progress
        {
            const std::vector<const float*> silent(meter_.numSourceChannels(), silence_.data());
            process(silent.data(), meter_.framesToSubBlockEnd());
        }

        const RealtimeMeterCounters meterCounters = meter_.counters();
        const EngineCounters& counters = statistics_.counters();
        if (meterCounters.recordsDropped != 0 || counters.droppedRecords != 0 || counters.sequenceGaps != 0 ||
            counters.malformedRecords != 0)
            throw std::logic_error("offline audit: " + std::to_string(meterCounters.recordsDropped) +
                                   " sub-block records were dropped (the queue is sized to hold every "
                                   "record of a block)");
    }

    // The final snapshot, judged by the advisor, with the since-start peaks.
    [[nodiscard]] EngineSnapshot snapshot()
    {
        EngineSnapshot s = takeSnapshot();
        for (NodeStats& node : s.nodes)
            for (TapStats& tap : node.taps)
            {
                const std::vector<ChannelPeaks>& peaks = sinceStart_[tap.tapIndex];
                for (std::size_t c = 0; c < tap.channels.size() && c < peaks.size(); ++c)
                {
                    tap.channels[c].samplePeakDbfs = peaks[c].samplePeakDbfs;
                    tap.channels[c].truePeakDbtp = peaks[c].truePeakDbtp;
                    tap.channels[c].ppmDbfs = peaks[c].ppmDbfs;
                    tap.channels[c].clippedSinceLast = peaks[c].clipped;
                }
            }
        advisor_.annotate(s);
        return s;
    }

private:
    // Peaks "since the previous snapshot", accumulated over every snapshot the advisor took.
    struct ChannelPeaks
    {
        double samplePeakDbfs = -std::numeric_limits<double>::infinity();
        double truePeakDbtp = -std::numeric_limits<double>::infinity();
        double ppmDbfs = -std::numeric_limits<double>::infinity();
        bool clipped = false;
    };

    static AdvisorSettings auditAdvisorSettings()
    {
        AdvisorSettings settings;
        settings.peakWindowSeconds = std::numeric_limits<double>::infinity(); // the whole audit
        settings.historySize = 10000; // every advisory the audit raised and cleared
        return settings;
    }

    EngineSnapshot takeSnapshot()
    {
        EngineSnapshot s = statistics_.snapshot();
        advisor_.evaluate(s, s.audioSeconds);
        for (const NodeStats& node : s.nodes)
            for (const TapStats& tap : node.taps)
            {
                std::vector<ChannelPeaks>& peaks = sinceStart_[tap.tapIndex];
                peaks.resize(tap.channels.size());
                for (std::size_t c = 0; c < tap.channels.size(); ++c)
                {
                    const ChannelStats& ch = tap.channels[c];
                    peaks[c].samplePeakDbfs = std::max(peaks[c].samplePeakDbfs, ch.samplePeakDbfs);
                    peaks[c].truePeakDbtp = std::max(peaks[c].truePeakDbtp, ch.truePeakDbtp);
                    peaks[c].ppmDbfs = std::max(peaks[c].ppmDbfs, ch.ppmDbfs);
                    peaks[c].clipped = peaks[c].clipped || ch.clippedSinceLast;
                }
            }
        return s;
    }

    void drain()
    {
        SummaryQueue& queue = meter_.queue();
        while (const SubBlockHeader* record = queue.tryBeginRead())
        {
            statistics_.addRecord(*record, queue.summariesOf(record));
            framesPublished_ += record->numFrames;
            queue.commitRead();
            if (framesPublished_ >= nextAdviceFrame_) // as the live worker's 10 Hz snapshots
            {
                (void)takeSnapshot();
                while (nextAdviceFrame_ <= framesPublished_) nextAdviceFrame_ += advisorIntervalFrames_;
            }
        }
    }

    RealtimeMeter meter_;          // the real-time half, called from this thread
    EngineStatistics statistics_;  // the worker half, fed synchronously
    std::vector<float> silence_;   // zeros for the padding at the end
    uint64_t framesMetered_ = 0;   // frames given to the meter
    uint64_t framesPublished_ = 0; // frames in the records drained (whole sub-blocks)
    Advisor advisor_;              // judges a snapshot every advisorIntervalFrames_
    uint64_t advisorIntervalFrames_ = 1;
    uint64_t nextAdviceFrame_ = 0; // frames published at which the advisor looks next
    std::map<std::size_t, std::vector<ChannelPeaks>> sinceStart_; // plan tap -> its channels' peaks
};
} // namespace

SessionAuditResult auditSession(const Session& session, const AuditOptions& options)
{
    if (options.blockFrames == 0) throw std::invalid_argument("auditSession: block size must be positive");
    SessionPlan planned;
    try
    {
        planned = planSession(session, TapSource::Kind::file);
    }
    catch (const std::invalid_argument& e) // nothing to audit
    {
        throw SessionAuditError(std::vector<std::string>{e.what()});
    }
    std::vector<AudioFileReader> readers = openFiles(session, planned, options.blockFrames);

    SessionAuditResult result;
    result.session = session;
    result.warnings = planned.warnings;
    result.sampleRateHz = readers.front().info().sampleRateHz;
    std::optional<uint64_t> totalFrames = 0;
    for (std::size_t i = 0; i < readers.size(); ++i)
    {
        const SessionTap& tap = planned.sources[i];
        AuditedFile file;
        file.nodeId = tap.nodeId;
        file.stage = tap.stageName();
        file.jsonPath = tap.source.jsonPath;
        file.planTap = i; // sources[i] feeds plan tap i
        file.info = readers[i].info();
        result.files.push_back(std::move(file));
        const std::optional<uint64_t> frames = readers[i].info().numFrames;
        totalFrames =
            totalFrames && frames ? std::optional<uint64_t>(std::max(*totalFrames, *frames)) : std::nullopt;
    }

    AuditRun run(session, planned, result.sampleRateHz, options.blockFrames, options.advisorIntervalSeconds);

    // Source channels in plan order, each file's channels after the previous file's. A file that
    // has ended is followed by silence, so every block covers the same time in every file.
    std::vector<std::vector<float>> buffers(planned.plan.numSourceChannels(),
                                            std::vector<float>(options.blockFrames, 0.0f));
    std::vector<const float*> pointers;
    for (const std::vector<float>& b : buffers) pointers.push_back(b.data());
    std::vector<bool> ended(readers.size(), false);
    uint64_t framesDone = 0;
    for (;;)
    {
        std::size_t blockFrames = 0;
        std::size_t channel = 0;
        for (std::size_t i = 0; i < readers.size(); ++i)
        {
            std::size_t frames = 0;
            if (!ended[i])
            {
                try
                {
                    frames = readers[i].readBlock();
                }
                catch (const AudioFileError& e)
                {
                    throw SessionAuditError(
                        std::vector<std::string>{filePrefix(session, planned.sources[i]) + e.what()});
                }
                ended[i] = frames < options.blockFrames; // a short read is the end of the file
                result.files[i].numFrames += frames;
            }
            blockFrames = std::max(blockFrames, frames);
            for (std::size_t c = 0; c < readers[i].info().numChannels; ++c, ++channel)
            {
                float* out = buffers[channel].data();
                std::copy_n(readers[i].channels()[c], frames, out);
                std::fill(out + frames, out + options.blockFrames, 0.0f);
            }
        }
        if (blockFrames == 0) break;
        run.process(pointers.data(), blockFrames);
        framesDone += blockFrames;
        if (options.progress) options.progress(framesDone, totalFrames);
    }
    run.finish();

    const double rate = static_cast<double>(result.sampleRateHz);
    result.numFrames = framesDone;
    result.durationSeconds = static_cast<double>(framesDone) / rate;
    for (AuditedFile& f : result.files)
    {
        f.durationSeconds = static_cast<double>(f.numFrames) / rate;
        f.paddedSeconds = static_cast<double>(framesDone - f.numFrames) / rate;
    }
    result.snapshot = run.snapshot();
    return result;
}

} // namespace headroom::server
