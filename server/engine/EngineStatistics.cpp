#include "server/engine/EngineStatistics.h"

#include <cmath>
#include <limits>

#include "dsp/Decibels.h"

namespace headroom::server
{
namespace
{
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// 10 log10(a / b) for energies; NaN when there is nothing to compare.
double energyRatioDb(double a, double b)
{
    if (!(b > 0.0)) return kNaN;
    return dsp::powerToDb(a / b);
}
} // namespace

void EngineStatistics::prepare(const MeterPlan& plan, uint32_t sampleRateHz,
                               const StatisticsSettings& settings)
{
    plan.validate();
    plan_ = plan;
    sampleRateHz_ = sampleRateHz;
    taps_.assign(plan.taps.size(), TapStatistics{});
    nodes_.clear();
    chains_.clear();
    buses_.clear();

    const auto nodeOf = [this](const std::string& id, NodeKind kind) -> Node&
    {
        for (Node& n : nodes_)
            if (n.id == id) return n;
        nodes_.push_back(Node{id, kind, {}, {}, {}});
        return nodes_.back();
    };
    for (std::size_t t = 0; t < plan.taps.size(); ++t)
    {
        taps_[t].prepare(plan.taps[t], t, sampleRateHz, plan.reference, settings);
        nodeOf(plan.taps[t].nodeId, plan.taps[t].nodeKind).taps.push_back(t);
    }
    for (const PlannedChain& c : plan.chains)
    {
        Node& node = nodeOf(plan.taps[c.preInsertTap].nodeId, plan.taps[c.preInsertTap].nodeKind);
        if (node.chain) throw std::invalid_argument("meter plan: node " + node.id + " has two plugin chains");
        node.chain = chains_.size();
        Chain chain{c, {}};
        chain.window.prepare(2, 0, recentBucketSubBlocks(settings), kRecentWindowBuckets);
        chains_.push_back(std::move(chain));
    }
    for (const PlannedBus& b : plan.buses)
    {
        const PlannedTap& summed = plan.taps[b.summedTap];
        Node& node = nodeOf(b.nodeId, summed.nodeKind);
        if (node.bus) throw std::invalid_argument("meter plan: node " + node.id + " has two bus sums");
        node.bus = buses_.size();
        Bus bus{b, {}, {}, {}};
        for (std::size_t m : summed.members)
        {
            const PlannedTap& member = plan.taps[m];
            // As RealtimeMeter sums them: same channel count at unity, mono spread to every bus
            // channel at kMonoToBusGain.
            double gain = 1.0;
            if (member.numChannels == 1 && summed.numChannels > 1)
                gain = static_cast<double>(kMonoToBusGain) * kMonoToBusGain *
                       static_cast<double>(summed.numChannels);
            bus.members.push_back({m, gain});
        }
        bus.window.prepare(bus.members.size() + 2, 0, recentBucketSubBlocks(settings), kRecentWindowBuckets);
        bus.scratch.assign(bus.members.size() + 2, 0.0);
        buses_.push_back(std::move(bus));
    }
    counters_ = {};
    framesReceived_ = 0;
    snapshots_ = 0;
    meterFrames_ = 0;
}

void EngineStatistics::addRecord(const SubBlockHeader& header,
                                 std::span<const dsp::ChannelSummary> summaries) noexcept
{
    if (summaries.size() != plan_.numChannels || header.sampleRateHz != sampleRateHz_ ||
        header.numFrames == 0)
    {
        ++counters_.malformedRecords;
        return;
    }
    ++counters_.records;
    counters_.droppedRecords += header.droppedBefore;
    counters_.xruns += header.xrunsBefore;
    if (header.sequence > counters_.lastSequence + 1)
        counters_.sequenceGaps += header.sequence - counters_.lastSequence - 1;
    counters_.lastSequence = header.sequence;
    framesReceived_ += header.numFrames;

    const uint32_t frames = header.numFrames;
    for (std::size_t t = 0; t < taps_.size(); ++t)
    {
        const PlannedTap& tap = plan_.taps[t];
        taps_[t].add(summaries.subspan(tap.firstChannel, tap.numChannels), frames);
    }

    for (Chain& chain : chains_)
    {
        const TapStatistics& pre = taps_[chain.planned.preInsertTap];
        const TapStatistics& post = taps_[chain.planned.postInsertTap];
        if (!pre.active() || pre.numChannels() == 0 || post.numChannels() == 0) continue;
        const double sums[2] = {pre.lastSumSquares() / static_cast<double>(pre.numChannels()),
                                post.lastSumSquares() / static_cast<double>(post.numChannels())};
        chain.window.add(sums, {}, frames);
    }

    for (Bus& bus : buses_)
    {
        const TapStatistics& summed = taps_[bus.planned.summedTap];
        if (!summed.active()) continue;
        const std::size_t m = bus.members.size();
        for (std::size_t i = 0; i < m; ++i)
            bus.scratch[i] = taps_[bus.members[i].tap].lastSumSquares() * bus.members[i].energyGain;
        bus.scratch[m] = summed.lastSumSquares();
        bus.scratch[m + 1] =
            bus.planned.measuredInputTap ? taps_[*bus.planned.measuredInputTap].lastSumSquares() : 0.0;
        bus.window.add(bus.scratch, {}, frames);
    }
}

void EngineStatistics::resetPeaks() noexcept
{
    for (TapStatistics& t : taps_) t.resetPeaks();
}

void EngineStatistics::resetIntegratedLoudness() noexcept
{
    for (TapStatistics& t : taps_) t.resetIntegratedLoudness();
}

void EngineStatistics::resetStatistics() noexcept
{
    for (TapStatistics& t : taps_) t.resetStatistics();
    for (Chain& c : chains_) c.window.reset();
    for (Bus& b : buses_) b.window.reset();
}

double EngineStatistics::audioSeconds() const noexcept
{
    return static_cast<double>(framesReceived_) / static_cast<double>(sampleRateHz_);
}

ChainStats EngineStatistics::chainStats(const Chain& chain) const
{
    ChainStats c;
    c.preInsertTap = chain.planned.preInsertTap;
    c.postInsertTap = chain.planned.postInsertTap;
    c.gainDb = energyRatioDb(chain.window.recentSum(1), chain.window.recentSum(0));
    c.gainSinceResetDb = energyRatioDb(chain.window.totalSum(1), chain.window.totalSum(0));
    c.activeSeconds = static_cast<double>(chain.window.totalFrames()) / sampleRateHz_;
    return c;
}

BusStats EngineStatistics::busStats(const Bus& bus, const std::vector<TapStats>& tapStats) const
{
    BusStats b;
    const PlannedTap& summed = plan_.taps[bus.planned.summedTap];
    const std::size_t m = bus.members.size();
    const double frames = static_cast<double>(bus.window.recentFrames());
    const double busChannels = static_cast<double>(summed.numChannels);
    const auto levelDb = [&](double energy, double channels)
    {
        if (!(frames > 0.0) || !(channels > 0.0)) return kNaN;
        const double meanSquare = energy / (frames * channels);
        return meanSquare > 0.0 ? dsp::powerToDb(meanSquare) + dsp::rmsOffsetDb(plan_.reference.rmsConvention)
                                : dsp::kMinusInfinityDb;
    };

    b.summedTap = bus.planned.summedTap;
    b.measuredTap = bus.planned.measuredInputTap;
    double memberEnergy = 0.0;
    for (std::size_t i = 0; i < m; ++i) memberEnergy += bus.window.recentSum(i);
    for (std::size_t i = 0; i < m; ++i)
    {
        const PlannedTap& tap = plan_.taps[bus.members[i].tap];
        const double energy = bus.window.recentSum(i);
        b.members.push_back({tap.nodeId, tap.stage, bus.members[i].tap, levelDb(energy, busChannels),
                             memberEnergy > 0.0 ? energy / memberEnergy : kNaN});
    }
    const double summedEnergy = bus.window.recentSum(m);
    b.predictedDbfs = levelDb(summedEnergy, busChannels);
    b.summingGainDb = energyRatioDb(summedEnergy, memberEnergy);
    b.measuredDbfs = kNaN;
    b.measuredMinusPredictedDb = kNaN;
    if (bus.planned.measuredInputTap)
    {
        const double measuredChannels =
            static_cast<double>(plan_.taps[*bus.planned.measuredInputTap].numChannels);
        b.measuredDbfs = levelDb(bus.window.recentSum(m + 1), measuredChannels);
        b.measuredMinusPredictedDb = b.measuredDbfs - b.predictedDbfs;
    }
    b.summedTruePeakDbtp = tapStats[bus.planned.summedTap].maxTruePeakDbtp;
    b.summedHeadroomDb = -b.summedTruePeakDbtp;
    b.activeSeconds = static_cast<double>(bus.window.totalFrames()) / sampleRateHz_;
    return b;
}

EngineSnapshot EngineStatistics::snapshot()
{
    EngineSnapshot s;
    s.snapshotSequence = ++snapshots_;
    s.sampleRateHz = sampleRateHz_;
    s.audioSeconds = audioSeconds();
    s.rmsConvention = plan_.reference.rmsConvention;
    s.zeroVuDbfs = plan_.reference.zeroVuDbfs;
    s.counters = counters_;

    std::vector<TapStats> tapStats;
    tapStats.reserve(taps_.size());
    for (TapStatistics& t : taps_) tapStats.push_back(t.takeStats());

    s.nodes.reserve(nodes_.size());
    for (const Node& node : nodes_)
    {
        NodeStats n;
        n.id = node.id;
        n.kind = node.kind;
        n.taps.reserve(node.taps.size());
        for (std::size_t t : node.taps) n.taps.push_back(tapStats[t]);
        if (node.chain) n.chain = chainStats(chains_[*node.chain]);
        if (node.bus) n.bus = busStats(buses_[*node.bus], tapStats);
        s.nodes.push_back(std::move(n));
    }
    return s;
}

void EngineStatistics::takeMeterFrame(MeterFrame& frame)
{
    const std::size_t n = plan_.numChannels;
    for (auto* v : {&frame.samplePeakDbfs, &frame.truePeakDbtp, &frame.rmsDbfs, &frame.vuDbfs, &frame.ppmDbfs,
                    &frame.peakHoldDbtp})
        if (v->size() != n) v->assign(n, 0.0f);
    if (frame.clipFlags.size() != n) frame.clipFlags.assign(n, 0);
    frame.frameSequence = ++meterFrames_;
    frame.lastRecordSequence = counters_.lastSequence;
    frame.audioSeconds = audioSeconds();
    for (TapStatistics& t : taps_) t.takeMeters(frame);
}

} // namespace headroom::server
