// Proof that the real-time and worker-side metering calls never touch the heap after prepare():
// this executable replaces every form of the global operator new and delete with counting versions
// and asserts that the counters stand still across each call, for every SIMD path this CPU runs and
// for block sizes from 1 to 8192 frames (odd ones included). A positive control shows the counters
// do count, so a zero is evidence rather than a broken hook.
//
// It is its own executable (dsp_realtime_tests) because replacing operator new is process-wide.

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <vector>

#include "dsp/ChannelLayout.h"
#include "dsp/ChannelStatistics.h"
#include "dsp/LoudnessMeter.h"
#include "dsp/PeakHold.h"
#include "dsp/PpmBallistics.h"
#include "dsp/TapMeterBank.h"
#include "dsp/VuMeter.h"
#include "tests/support/ProgrammeSignal.h"

// ---- the counting allocator -------------------------------------------------------------------
namespace
{
std::atomic<uint64_t> gAllocations{0};   // calls of any operator new
std::atomic<uint64_t> gDeallocations{0}; // calls of any operator delete with a non-null pointer

void* allocate(std::size_t size, std::size_t alignment, bool mayThrow)
{
    gAllocations.fetch_add(1, std::memory_order_relaxed);
    if (size == 0) size = 1;
    void* p = nullptr;
    if (alignment <= alignof(std::max_align_t))
        p = std::malloc(size);
    else if (::posix_memalign(&p, alignment, size) != 0)
        p = nullptr;
    if (p == nullptr && mayThrow) throw std::bad_alloc();
    return p;
}

void release(void* p) noexcept
{
    if (p == nullptr) return;
    gDeallocations.fetch_add(1, std::memory_order_relaxed);
    std::free(p);
}

constexpr std::size_t kDefaultAlignment = alignof(std::max_align_t);
} // namespace

void* operator new(std::size_t size) { return allocate(size, kDefaultAlignment, true); }
void* operator new[](std::size_t size) { return allocate(size, kDefaultAlignment, true); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return allocate(size, kDefaultAlignment, false); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return allocate(size, kDefaultAlignment, false); }
void* operator new(std::size_t size, std::align_val_t a) { return allocate(size, static_cast<std::size_t>(a), true); }
void* operator new[](std::size_t size, std::align_val_t a) { return allocate(size, static_cast<std::size_t>(a), true); }
void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept
{
    return allocate(size, static_cast<std::size_t>(a), false);
}
void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept
{
    return allocate(size, static_cast<std::size_t>(a), false);
}

void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }

// ---- helpers ----------------------------------------------------------------------------------
using namespace headroom;

namespace
{
// Heap traffic between construction and the call of allocations() / deallocations(). No test macro
// runs inside a measured stretch: gtest itself may allocate.
class HeapActivity
{
public:
    HeapActivity() = default;
    [[nodiscard]] uint64_t allocations() const { return gAllocations.load() - allocationsBefore_; }
    [[nodiscard]] uint64_t deallocations() const { return gDeallocations.load() - deallocationsBefore_; }

private:
    uint64_t allocationsBefore_ = gAllocations.load();
    uint64_t deallocationsBefore_ = gDeallocations.load();
};

// Keeps the compiler from discarding results (and with them the calls under test).
volatile double gSink = 0.0;
void* volatile gPointerSink = nullptr;

std::vector<dsp::SimdPath> supportedPaths()
{
    std::vector<dsp::SimdPath> paths;
    for (dsp::SimdPath p : {dsp::SimdPath::generic, dsp::SimdPath::avx2, dsp::SimdPath::avx512})
        if (dsp::isSupported(p)) paths.push_back(p);
    return paths;
}

test::Planar programme(uint32_t sampleRateHz, std::size_t numChannels, double seconds)
{
    test::ProgrammeOptions o;
    o.sampleRateHz = sampleRateHz;
    o.numChannels = numChannels;
    o.seconds = seconds;
    o.seed = 42;
    test::Planar audio = test::programmeSignal(o);
    // A few samples the sanitiser and the clip counter must handle, too.
    if (numChannels > 0 && audio.numFrames() > 100)
    {
        audio.channels[0][10] = std::numeric_limits<float>::quiet_NaN();
        audio.channels[0][20] = std::numeric_limits<float>::infinity();
        for (std::size_t i = 30; i < 40; ++i) audio.channels[0][i] = 1.0f;
    }
    return audio;
}

// Everything a worker keeps per metered group, prepared (allocated) up front.
struct WorkerSide
{
    dsp::LoudnessMeter loudness;
    std::vector<dsp::ChannelStatistics> statistics;
    std::vector<dsp::VuMeter> vu;
    std::vector<dsp::PeakHold> peakHold;

    WorkerSide(std::size_t numChannels, uint32_t sampleRateHz)
        : statistics(numChannels), vu(numChannels), peakHold(numChannels)
    {
        loudness.prepare(std::vector<double>(numChannels, 1.0), sampleRateHz);
        for (auto& p : peakHold) p.prepare(2.0, 20.0);
        // Function-local statics (the VU needle's discretisation) are set up here, not on first use
        // inside a measured stretch.
        for (auto& v : vu) v.addSubBlock(0.0, 480);
        for (auto& v : vu) v.reset();
    }

    void onSubBlock(std::span<const dsp::ChannelSummary> summaries, uint32_t numFrames) noexcept
    {
        loudness.addSubBlock(summaries, numFrames);
        double sink = loudness.momentaryLufs() + loudness.shortTermLufs();
        for (std::size_t c = 0; c < summaries.size(); ++c)
        {
            statistics[c].add(summaries[c], numFrames);
            vu[c].addSubBlock(summaries[c].sumAbs, numFrames);
            peakHold[c].add(dsp::amplitudeToDb(summaries[c].truePeak));
            sink += vu[c].levelDbfs() + peakHold[c].heldDb();
        }
        gSink = sink;
    }

    void readAll() noexcept
    {
        const dsp::LoudnessReadings r = loudness.readings();
        double sink = r.integratedLufs + r.loudnessRangeLu + r.maxMomentaryLufs;
        for (const auto& s : statistics) sink += s.readings().truePeakDbtp + s.readings(dsp::RmsConvention::plain).rmsDbfs;
        gSink = sink;
    }
};

// Meters the audio in blocks whose sizes cycle through blockSizes, exactly as the audio callback
// does (channel pointers built once, as the JACK client does before activation).
void meterInBlocks(dsp::TapMeterBank& bank, WorkerSide& worker, const std::vector<const float*>& channels,
                   std::size_t totalFrames, const std::vector<std::size_t>& blockSizes)
{
    std::size_t which = 0;
    for (std::size_t blockStart = 0; blockStart < totalFrames;)
    {
        const std::size_t blockEnd = std::min(totalFrames, blockStart + blockSizes[which]);
        which = (which + 1) % blockSizes.size();
        for (std::size_t pos = blockStart; pos < blockEnd;)
        {
            pos += bank.process(channels.data(), pos, blockEnd - pos);
            if (bank.subBlockComplete()) worker.onSubBlock(bank.completedSummaries(), bank.completedFrames());
        }
        blockStart = blockEnd;
    }
}
} // namespace

// ---- the positive control ---------------------------------------------------------------------
TEST(CountingAllocator, CountsEveryFormOfNewAndDelete)
{
    HeapActivity heap;
    // Direct calls of the operators cannot be elided the way new-expressions can.
    void* plain = ::operator new(64);
    void* array = ::operator new[](64);
    void* aligned = ::operator new(256, std::align_val_t{128});
    void* alignedArray = ::operator new[](256, std::align_val_t{128});
    void* noThrow = ::operator new(64, std::nothrow);
    void* noThrowArray = ::operator new[](64, std::nothrow);
    void* alignedNoThrow = ::operator new(64, std::align_val_t{64}, std::nothrow);
    void* alignedNoThrowArray = ::operator new[](64, std::align_val_t{64}, std::nothrow);
    const bool alignedProperly = reinterpret_cast<std::uintptr_t>(aligned) % 128 == 0 &&
                                 reinterpret_cast<std::uintptr_t>(alignedArray) % 128 == 0;
    gPointerSink = plain;
    ::operator delete(plain);
    ::operator delete[](array);
    ::operator delete(aligned, std::align_val_t{128});
    ::operator delete[](alignedArray, std::align_val_t{128});
    ::operator delete(noThrow, std::nothrow);
    ::operator delete[](noThrowArray, std::nothrow);
    ::operator delete(alignedNoThrow, std::align_val_t{64}, std::nothrow);
    ::operator delete[](alignedNoThrowArray, std::align_val_t{64}, std::nothrow);
    const uint64_t allocations = heap.allocations();
    const uint64_t deallocations = heap.deallocations();

    EXPECT_EQ(allocations, 8u);
    EXPECT_EQ(deallocations, 8u);
    EXPECT_TRUE(alignedProperly);
}

TEST(CountingAllocator, SeesTheAllocationsOfPrepareAndOfContainers)
{
    HeapActivity heap;
    {
        dsp::TapMeterBank bank;
        dsp::TapMeterConfig config;
        config.numChannels = 20;
        bank.prepare(config); // a 64-byte-aligned state array (aligned new) and vectors
        std::vector<float> v(1000);
        gPointerSink = v.data();
    }
    const uint64_t allocations = heap.allocations();
    EXPECT_GE(allocations, 4u);
    EXPECT_EQ(heap.deallocations(), allocations);
}

// ---- [rt]: TapMeterBank -----------------------------------------------------------------------
struct BankCase
{
    uint32_t sampleRateHz;
    std::size_t numChannels;
};

class TapMeterBankAllocations : public ::testing::TestWithParam<BankCase>
{
};

TEST_P(TapMeterBankAllocations, ProcessAndResetNeverAllocateInAnyBlockSize)
{
    const BankCase c = GetParam();
    const test::Planar audio = programme(c.sampleRateHz, c.numChannels, 0.75);
    std::vector<const float*> channels = audio.pointers();
    if (c.numChannels > 1) channels[1] = nullptr; // an unconnected port is metered as silence

    const std::vector<std::vector<std::size_t>> blockPlans = {
        {1}, {2}, {7}, {63}, {64}, {65}, {127}, {441}, {480}, {1000}, {4095}, {8192}, {1, 8192, 3, 511, 64, 2049},
    };
    for (dsp::SimdPath path : supportedPaths())
    {
        dsp::TapMeterBank bank;
        dsp::TapMeterConfig config;
        config.sampleRateHz = c.sampleRateHz;
        config.numChannels = c.numChannels;
        bank.prepare(config, path);
        if (c.numChannels > 2) bank.setPpmType(2, dsp::PpmType::typeI);
        WorkerSide worker(c.numChannels, c.sampleRateHz);

        for (const auto& plan : blockPlans)
        {
            HeapActivity heap;
            bank.reset();
            meterInBlocks(bank, worker, channels, audio.numFrames(), plan);
            bank.reset();
            const uint64_t allocations = heap.allocations();
            const uint64_t deallocations = heap.deallocations();
            EXPECT_EQ(allocations, 0u) << "path " << dsp::toString(path) << ", first block " << plan.front();
            EXPECT_EQ(deallocations, 0u) << "path " << dsp::toString(path) << ", first block " << plan.front();
        }
    }
}

INSTANTIATE_TEST_SUITE_P(RatesAndChannelCounts, TapMeterBankAllocations,
                         ::testing::Values(BankCase{48000, 1}, BankCase{48000, 2}, BankCase{44100, 6},
                                           BankCase{48000, 17}, BankCase{22050, 33}, BankCase{96000, 64}),
                         [](const ::testing::TestParamInfo<BankCase>& param) {
                             return std::to_string(param.param.sampleRateHz) + "Hz_" +
                                    std::to_string(param.param.numChannels) + "ch";
                         });

TEST(TapMeterBankAllocations, ZeroChannelsAndEmptyCallsNeverAllocate)
{
    dsp::TapMeterBank bank;
    dsp::TapMeterConfig config;
    config.numChannels = 0;
    bank.prepare(config);
    HeapActivity heap;
    std::size_t done = 0;
    for (int i = 0; i < 1000; ++i) done += bank.process(nullptr, 0, 64);
    done += bank.process(nullptr, 0, 0);
    bank.reset();
    const uint64_t allocations = heap.allocations();
    EXPECT_EQ(allocations, 0u);
    EXPECT_GT(done, 0u);
}

// ---- [worker] accumulators, read-outs and resets ----------------------------------------------
TEST(WorkerAllocations, LoudnessMeterAddReadAndResetNeverAllocate)
{
    dsp::LoudnessMeter meter;
    meter.prepare(dsp::loudnessWeights(*dsp::defaultLayout(6)), 48000);
    std::vector<dsp::ChannelSummary> summaries(6);
    test::SplitMix64 rng(7);

    HeapActivity heap;
    double sink = 0.0;
    for (int block = 0; block < 20000; ++block) // 200 s: fills both histograms well past the windows
    {
        for (auto& s : summaries) s.kWeightedSumSquares = static_cast<float>(480.0 * 0.01 * rng.uniform());
        meter.addSubBlock(summaries, 480);
        if (block % 97 == 0) sink += meter.readings().integratedLufs + meter.readings().loudnessRangeLu;
        if (block == 12345) meter.resetIntegration();
    }
    meter.addWeightedEnergy(1.0, 480);
    sink += meter.readings().maxShortTermLufs;
    meter.resetIntegration();
    meter.reset();
    sink += meter.readings().momentaryLufs;
    gSink = sink;
    const uint64_t allocations = heap.allocations();
    EXPECT_EQ(allocations, 0u);
    EXPECT_EQ(heap.deallocations(), 0u);
}

TEST(WorkerAllocations, ChannelStatisticsAddAndReadingsNeverAllocate)
{
    dsp::ChannelStatistics statistics;
    dsp::ChannelSummary s;
    s.samplePeak = 0.5f;
    s.truePeak = 0.6f;
    s.sumSquares = 12.0f;
    s.sum = 0.25f;
    s.clippedSamples = 3;
    s.clipEvents = 1;
    s.longestClipRun = 3;

    HeapActivity heap;
    double sink = 0.0;
    for (int i = 0; i < 10000; ++i)
    {
        statistics.add(s, 480);
        if (i % 100 == 0)
            sink += statistics.readings().rmsDbfs + statistics.readings(dsp::RmsConvention::plain).crestFactorDb;
    }
    statistics.reset();
    sink += statistics.readings().samplePeakDbfs;
    gSink = sink;
    const uint64_t allocations = heap.allocations();
    EXPECT_EQ(allocations, 0u);
}

TEST(WorkerAllocations, VuMeterNeverAllocates)
{
    dsp::VuMeter vu;
    vu.addSubBlock(0.0, 480); // the first call initialises the needle's constants
    HeapActivity heap;
    double sink = 0.0;
    for (int i = 0; i < 10000; ++i)
    {
        vu.addSubBlock(i % 300 < 150 ? 150.0 : 0.0, 480);
        sink += vu.levelDbfs() + vu.levelLinear();
    }
    vu.addSubBlock(std::numeric_limits<double>::quiet_NaN(), 480);
    vu.addSubBlock(1.0, 0);
    vu.reset();
    gSink = sink;
    const uint64_t allocations = heap.allocations();
    EXPECT_EQ(allocations, 0u);
}

TEST(WorkerAllocations, PeakHoldNeverAllocates)
{
    dsp::PeakHold hold;
    hold.prepare(1.5, 20.0);
    HeapActivity heap;
    double sink = 0.0;
    for (int i = 0; i < 10000; ++i)
    {
        hold.add(i % 500 == 0 ? -3.0 : -40.0 - (i % 7));
        sink += hold.heldDb();
    }
    hold.add(std::numeric_limits<double>::quiet_NaN());
    hold.add(dsp::kMinusInfinityDb);
    hold.reset();
    gSink = sink;
    const uint64_t allocations = heap.allocations();
    EXPECT_EQ(allocations, 0u);
}

TEST(RealtimeAllocations, PpmDetectorNeverAllocates)
{
    dsp::PpmDetector ppm;
    ppm.prepare(dsp::PpmType::typeIIa, 48000.0);
    const test::Planar audio = programme(48000, 1, 0.5);
    HeapActivity heap;
    double sink = 0.0;
    for (float x : audio.channels[0]) sink += ppm.process(x);
    sink += ppm.process(std::numeric_limits<float>::infinity()) + ppm.reading();
    ppm.reset();
    gSink = sink;
    const uint64_t allocations = heap.allocations();
    EXPECT_EQ(allocations, 0u);
}
