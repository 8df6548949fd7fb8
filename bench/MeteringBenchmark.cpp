// The real-time metering path of Headroom against libebur128, on the same programme-like signal.
//
// Workload: 64 channels at 48 kHz in 64-frame periods, the shape of a busy JACK graph. One benchmark
// iteration is one period: everything the audio callback does for metering (TapMeterBank::process
// over the period, walking sub-block boundaries, and copying each completed sub-block's summaries
// into a ring, as RealtimeMeter does into its SPSC queue). Per sample and channel that is
// sanitising, sample peak, true peak (4x FIR), K-weighting, sums for RMS, VU and DC, clip runs and
// PPM integrators. The headline figure is ns per channel-sample, per SIMD path.
//
// libebur128 gets the same signal in the same periods with EBUR128_MODE_M | I | TRUE_PEAK (which
// includes SAMPLE_PEAK) in histogram mode, already interleaved (its input format; Headroom reads
// JACK's planar buffers as they come, so neither side pays for a conversion). It is measured in
// three layouts because libebur128 ties channels into one loudness measurement per state:
//   * 32 stereo states: what Headroom actually replaces (loudness per stereo node, peaks per channel);
//   * 64 mono states: per-channel loudness, what Headroom's per-channel summaries allow;
//   * one 64-channel state (every channel mapped, since its default map leaves channels 3 and 6+
//     unused and skips filtering them): the least per-call overhead.
// The ratio is reported against the fastest of the three, so it is the figure least favourable to
// Headroom. "headroom_rt_and_worker" adds what the worker does with the summaries (LoudnessMeter
// per stereo pair: momentary, short-term, integrated, LRA; ChannelStatistics per channel) on the
// same thread, for a like-for-like total with libebur128, which gates on its calling thread.
//
// Figures are thread CPU time. The signal is 1 s long (12 MB planar), so the input streams from
// L3/DRAM as 64 separate streams; with hot, cache-resident port buffers (the usual JACK case) the
// Headroom figures are about 0.3 ns lower.
//
// Reproduce: build-perf/bench/metering_benchmark --benchmark_repetitions=10
//            --benchmark_enable_random_interleaving=true
// A summary with medians, minima and the ratio is printed after the benchmark table.

#include <benchmark/benchmark.h>
#include <ebur128.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <time.h>
#include <vector>

#include "dsp/ChannelStatistics.h"
#include "dsp/LoudnessMeter.h"
#include "dsp/TapMeterBank.h"
#include "tests/support/ProgrammeSignal.h"

using namespace headroom;

namespace
{
constexpr uint32_t kSampleRateHz = 48000;
constexpr std::size_t kChannels = 64;
constexpr std::size_t kPeriodFrames = 64;
constexpr std::size_t kRingRecords = 64; // stand-in for the SPSC ring to the worker
constexpr double kChannelSamplesPerPeriod = static_cast<double>(kChannels * kPeriodFrames);
constexpr double kTargetNsPerChannelSample = 3.5; // with AVX2
constexpr double kTargetRatio = 10.0;
constexpr const char* kCounter = "ns_per_channel_sample";

// One second of programme (750 periods, 12 MB planar): larger than L2, so like real port buffers
// written by another thread the input streams in rather than sitting in L1.
const test::Planar& programme()
{
    static const test::Planar signal = [] {
        test::ProgrammeOptions o;
        o.sampleRateHz = kSampleRateHz;
        o.numChannels = kChannels;
        o.seconds = 1.0;
        o.seed = 2024;
        o.peakCeilingDb = -1.0;
        return test::programmeSignal(o);
    }();
    return signal;
}

// Thread CPU time, as Google Benchmark's own "CPU" column: on a machine shared with other jobs it
// leaves out the time this thread was not running.
double threadCpuSeconds()
{
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Google Benchmark can only show a per-unit time as an inverted rate with an "s" suffix; this plain
// counter is simply nanoseconds.
void setNsPerChannelSample(benchmark::State& state, double cpuSeconds)
{
    const double channelSamples = kChannelSamplesPerPeriod * static_cast<double>(state.iterations());
    state.counters[kCounter] = channelSamples > 0.0 ? cpuSeconds * 1e9 / channelSamples : 0.0;
}

void headroomRt(benchmark::State& state, dsp::SimdPath path, bool withWorker)
{
    const test::Planar& audio = programme();
    dsp::TapMeterBank bank;
    dsp::TapMeterConfig config;
    config.sampleRateHz = kSampleRateHz;
    config.numChannels = kChannels;
    bank.prepare(config, path);

    std::vector<dsp::ChannelSummary> ring(kRingRecords * kChannels);
    std::size_t ringSlot = 0;
    std::vector<dsp::LoudnessMeter> loudness(kChannels / 2);
    for (auto& meter : loudness) meter.prepare({1.0, 1.0}, kSampleRateHz);
    std::vector<dsp::ChannelStatistics> statistics(kChannels);

    std::array<const float*, kChannels> pointers{};
    std::size_t frame = 0;
    const double start = threadCpuSeconds();
    for (auto _ : state)
    {
        for (std::size_t c = 0; c < kChannels; ++c) pointers[c] = audio.channels[c].data() + frame;
        for (std::size_t done = 0; done < kPeriodFrames;)
        {
            done += bank.process(pointers.data(), done, kPeriodFrames - done);
            if (!bank.subBlockComplete()) continue;
            const auto summaries = bank.completedSummaries();
            std::memcpy(ring.data() + ringSlot * kChannels, summaries.data(), summaries.size_bytes());
            ringSlot = (ringSlot + 1) % kRingRecords;
            if (!withWorker) continue;
            const uint32_t frames = bank.completedFrames();
            for (std::size_t p = 0; p < loudness.size(); ++p) loudness[p].addSubBlock(summaries.subspan(2 * p, 2), frames);
            for (std::size_t c = 0; c < kChannels; ++c) statistics[c].add(summaries[c], frames);
        }
        frame += kPeriodFrames;
        if (frame + kPeriodFrames > audio.numFrames()) frame = 0;
    }
    const double cpuSeconds = threadCpuSeconds() - start;
    benchmark::DoNotOptimize(ring.data());
    if (withWorker)
    {
        double readings = 0.0;
        for (const auto& meter : loudness) readings += meter.readings().integratedLufs;
        for (const auto& s : statistics) readings += s.readings().truePeakDbtp;
        benchmark::DoNotOptimize(readings);
    }
    benchmark::ClobberMemory();
    setNsPerChannelSample(state, cpuSeconds);
    state.SetLabel(std::string(dsp::toString(path)));
}

void libebur128(benchmark::State& state, std::size_t channelsPerState)
{
    const test::Planar& audio = programme();
    const std::size_t numStates = kChannels / channelsPerState;
    const std::size_t numFrames = audio.numFrames();

    // Interleave once, outside the timed loop: it is libebur128's input format.
    std::vector<std::vector<float>> interleaved(numStates, std::vector<float>(numFrames * channelsPerState));
    for (std::size_t s = 0; s < numStates; ++s)
        for (std::size_t n = 0; n < numFrames; ++n)
            for (std::size_t c = 0; c < channelsPerState; ++c)
                interleaved[s][n * channelsPerState + c] = audio.channels[s * channelsPerState + c][n];

    std::vector<ebur128_state*> states;
    for (std::size_t s = 0; s < numStates; ++s)
    {
        ebur128_state* st = ebur128_init(static_cast<unsigned>(channelsPerState), kSampleRateHz,
                                         EBUR128_MODE_M | EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK |
                                             EBUR128_MODE_HISTOGRAM);
        if (st == nullptr)
        {
            state.SkipWithError("ebur128_init failed");
            return;
        }
        // Default maps: 1 channel = L, 2 = L R; beyond 2 every channel is mapped (weight 1) so all
        // of them are filtered, as Headroom filters all of them.
        if (channelsPerState > 2)
            for (unsigned c = 0; c < channelsPerState; ++c) ebur128_set_channel(st, c, EBUR128_LEFT);
        states.push_back(st);
    }

    std::size_t frame = 0;
    const double start = threadCpuSeconds();
    for (auto _ : state)
    {
        for (std::size_t s = 0; s < numStates; ++s)
            ebur128_add_frames_float(states[s], interleaved[s].data() + frame * channelsPerState, kPeriodFrames);
        frame += kPeriodFrames;
        if (frame + kPeriodFrames > numFrames) frame = 0;
    }
    const double cpuSeconds = threadCpuSeconds() - start;

    double readings = 0.0;
    for (ebur128_state* st : states)
    {
        double value = 0.0;
        ebur128_loudness_global(st, &value);
        readings += value;
        ebur128_true_peak(st, 0, &value);
        readings += value;
        ebur128_destroy(&st);
    }
    benchmark::DoNotOptimize(readings);
    setNsPerChannelSample(state, cpuSeconds);
    state.SetLabel(std::to_string(numStates) + " x " + std::to_string(channelsPerState) + " ch");
}

// Keeps the console table and records each benchmark's ns_per_channel_sample for the summary.
class SummaryReporter : public benchmark::ConsoleReporter
{
public:
    struct Figures
    {
        double median = std::numeric_limits<double>::quiet_NaN(); // median over repetitions (or the single run)
        double min = std::numeric_limits<double>::infinity();     // best repetition
        int repetitions = 0;
    };

    void ReportRuns(const std::vector<Run>& runs) override
    {
        for (const Run& run : runs)
        {
            if (run.error_occurred) continue;
            const auto counter = run.counters.find(kCounter);
            if (counter == run.counters.end()) continue;
            Figures& f = figures_[run.run_name.function_name];
            const double value = counter->second.value;
            if (run.run_type == Run::RT_Iteration)
            {
                f.min = std::min(f.min, value);
                if (++f.repetitions == 1) f.median = value;
            }
            else if (run.aggregate_name == "median")
                f.median = value;
        }
        ConsoleReporter::ReportRuns(runs);
    }

    [[nodiscard]] const Figures* find(const std::string& name) const
    {
        const auto it = figures_.find(name);
        return it == figures_.end() ? nullptr : &it->second;
    }

private:
    std::map<std::string, Figures> figures_; // by benchmark name
};

std::string cpuDescription()
{
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line, model = "unknown CPU", family, modelNumber;
    const auto valueOf = [](const std::string& l) { return l.substr(l.find(':') + 2); };
    while (std::getline(cpuinfo, line))
    {
        if (line.rfind("model name", 0) == 0) model = valueOf(line);
        else if (line.rfind("cpu family", 0) == 0) family = valueOf(line);
        else if (line.rfind("model\t", 0) == 0) modelNumber = valueOf(line);
        if (!family.empty() && !modelNumber.empty() && model != "unknown CPU") break;
    }
    return model + " (family " + family + ", model " + modelNumber + ")";
}

std::string headroomName(dsp::SimdPath path) { return "headroom_rt/" + std::string(dsp::toString(path)); }

void printSummary(const SummaryReporter& reporter)
{
    int major = 0, minor = 0, patch = 0;
    ebur128_get_version(&major, &minor, &patch);
    const dsp::SimdPath dispatched = dsp::fastestSupportedPath();
    std::printf("\n=== Summary: 64 channels, 64-frame periods, 48 kHz; ns per channel-sample (median / min) ===\n");
    std::printf("CPU: %s; run-time dispatch picks: %s\n", cpuDescription().c_str(),
                std::string(dsp::toString(dispatched)).c_str());

    const auto show = [&](const std::string& name, const char* what) -> const SummaryReporter::Figures* {
        const SummaryReporter::Figures* f = reporter.find(name);
        if (f == nullptr) std::printf("  %-34s not run\n", what);
        else
            std::printf("  %-34s %7.3f / %7.3f  (%d repetitions; one core at %.1f %% for 64 ch)\n", what, f->median,
                        f->min, f->repetitions, f->median * kChannels * kSampleRateHz * 1e-7);
        return f;
    };

    std::printf("Headroom real-time path:\n");
    for (dsp::SimdPath path : {dsp::SimdPath::generic, dsp::SimdPath::avx2, dsp::SimdPath::avx512})
    {
        if (!dsp::isSupported(path))
        {
            std::printf("  %-34s not supported by this CPU\n", std::string(dsp::toString(path)).c_str());
            continue;
        }
        const auto* f = show(headroomName(path), std::string(dsp::toString(path)).c_str());
        if (f != nullptr && path == dsp::SimdPath::avx2)
            std::printf("    target with AVX2: <= %.1f ns -> %s\n", kTargetNsPerChannelSample,
                        f->median <= kTargetNsPerChannelSample ? "met" : "NOT met");
    }
    show("headroom_rt_and_worker/" + std::string(dsp::toString(dispatched)),
         ("rt + worker readings (" + std::string(dsp::toString(dispatched)) + ")").c_str());

    std::printf("libebur128 %d.%d.%d, M | I | TRUE_PEAK, histogram:\n", major, minor, patch);
    const SummaryReporter::Figures* fastestEbu = nullptr;
    std::string fastestEbuName;
    for (const char* layout : {"32_stereo_states", "64_mono_states", "one_64ch_state"})
    {
        const auto* f = show(std::string("libebur128/") + layout, layout);
        if (f != nullptr && (fastestEbu == nullptr || f->median < fastestEbu->median))
        {
            fastestEbu = f;
            fastestEbuName = layout;
        }
    }

    const auto* ours = reporter.find(headroomName(dispatched));
    const auto* oursWithWorker = reporter.find("headroom_rt_and_worker/" + std::string(dsp::toString(dispatched)));
    if (ours == nullptr || fastestEbu == nullptr) return;
    const double ratio = fastestEbu->median / ours->median;
    std::printf("Ratio (medians), libebur128 fastest layout (%s) / Headroom %s: %.1fx -> target >= %.0fx %s\n",
                fastestEbuName.c_str(), std::string(dsp::toString(dispatched)).c_str(), ratio, kTargetRatio,
                ratio >= kTargetRatio ? "met" : "NOT met");
    if (const auto* avx2 = reporter.find(headroomName(dsp::SimdPath::avx2)))
        std::printf("Ratio with the AVX2 path: %.1fx\n", fastestEbu->median / avx2->median);
    if (oursWithWorker != nullptr)
        std::printf("Ratio including the worker's loudness and statistics: %.1fx\n",
                    fastestEbu->median / oursWithWorker->median);
}
} // namespace

int main(int argc, char** argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    for (dsp::SimdPath path : {dsp::SimdPath::generic, dsp::SimdPath::avx2, dsp::SimdPath::avx512})
    {
        if (!dsp::isSupported(path)) continue;
        benchmark::RegisterBenchmark(headroomName(path).c_str(),
                                     [path](benchmark::State& s) { headroomRt(s, path, false); })
            ->Unit(benchmark::kMicrosecond);
    }
    const dsp::SimdPath dispatched = dsp::fastestSupportedPath();
    benchmark::RegisterBenchmark(("headroom_rt_and_worker/" + std::string(dsp::toString(dispatched))).c_str(),
                                 [dispatched](benchmark::State& s) { headroomRt(s, dispatched, true); })
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("libebur128/32_stereo_states", [](benchmark::State& s) { libebur128(s, 2); })
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("libebur128/64_mono_states", [](benchmark::State& s) { libebur128(s, 1); })
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("libebur128/one_64ch_state", [](benchmark::State& s) { libebur128(s, 64); })
        ->Unit(benchmark::kMicrosecond);

    programme(); // generate the signal before timing starts
    SummaryReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    printSummary(reporter);
    benchmark::Shutdown();
    return 0;
}
