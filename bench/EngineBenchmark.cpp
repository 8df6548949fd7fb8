// The live engine driven without JACK: the real-time callback (RealtimeMeter::process) and the
// worker (EngineStatistics through EngineWorker), on the workload.
//
// Workload: 48 kHz, 64-frame periods (1.333 ms), 128 tap channels read from the "ports" plus 8
// virtual stereo buses summed on the real-time thread (16 more meter channels): 16 stereo channel
// strips with four taps each (input, pre_insert, post_insert, post_fader; pre->post a plugin chain
// with +3 dB of make-up gain), and 8 buses each summing two strips' post-fader taps. 72 taps, 144
// meter channels, 16 chains, 8 buses. Programme-like signal (tests/support/ProgrammeSignal.h).
//
// Figures (the targets: real-time callback under 5 % of the period at the median; worker
// under 2 % of one core):
//   * BM_RealtimeCallback: one iteration is one period through RealtimeMeter::process, timed one
//     by one; the queue is drained outside the timed region. Reports median and 99.9th percentile
//     as a percentage of the period.
//   * BM_WorkerSecondOfAudio: one iteration is one second of audio for EngineStatistics: 100 records
//     (captured from the real-time meter on the same signal), 60 meter frames and 10 snapshots, the
//     worker's whole duty cycle. json:1 also encodes each snapshot in full, json:2 as statisticsJson
//     (what the network does once per tick, on its own thread). Time per iteration over 1 s is the
//     share of one core.
//   * BM_LiveEngine: the two threads as they run live: a feeder thread (SCHED_FIFO when allowed)
//     calls process() every 1.333 ms (absolute deadlines) while EngineWorker publishes at 60/10 Hz,
//     waking at each tick and at least every poll_ms (20: the default; 5: polling more often).
//     Reports the callback percentiles under that concurrency and the worker thread's CPU time
//     (CLOCK_THREAD_CPUTIME_ID) over wall time.
//
// Reproduce: build-engine/bench/engine_benchmark (--benchmark_filter=... to pick one). A summary
// follows the table.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <pthread.h>
#include <sched.h>
#include <string>
#include <thread>
#include <vector>

#include "server/audio/RealtimeMeter.h"
#include "server/engine/EngineStatistics.h"
#include "server/engine/EngineWorker.h"
#include "server/engine/SnapshotJson.h"
#include "tests/support/ProgrammeSignal.h"

using namespace headroom;
using Clock = std::chrono::steady_clock;

namespace
{
constexpr uint32_t kRate = 48000;
constexpr std::size_t kPeriod = 64;
constexpr double kPeriodNs = 1e9 * kPeriod / kRate; // 1333.3 us
constexpr std::size_t kStrips = 16;                 // stereo channel strips, 4 taps each: 128 channels
constexpr std::size_t kBuses = 8;                   // stereo, two strips each
constexpr double kRtTargetPercent = 5.0;
constexpr double kWorkerTargetPercent = 2.0;

server::MeterPlan benchmarkPlan()
{
    server::MeterPlan plan;
    const auto stereo = *dsp::defaultLayout(2);
    std::vector<std::size_t> postFaders;
    for (std::size_t s = 0; s < kStrips; ++s)
    {
        const std::string id = "ch" + std::to_string(s + 1);
        std::size_t taps[4] = {};
        const char* stages[4] = {"input", "pre_insert", "post_insert", "post_fader"};
        for (int t = 0; t < 4; ++t)
        {
            server::PlannedTap tap;
            tap.nodeId = id;
            tap.stage = stages[t];
            tap.numChannels = 2;
            tap.layout = stereo;
            tap.target = server::defaultStageTarget(server::NodeKind::channel, tap.stage);
            taps[t] = plan.addTap(std::move(tap));
        }
        plan.addChain(taps[1], taps[2]);
        postFaders.push_back(taps[3]);
    }
    for (std::size_t b = 0; b < kBuses; ++b)
        plan.addBus("bus" + std::to_string(b + 1), server::NodeKind::bus, 2, stereo,
                    {postFaders[2 * b], postFaders[2 * b + 1]});
    return plan;
}

// Port buffers: the programme on every strip, each tap a gain stage of it (input, trim -2 dB,
// +3 dB make-up, fader -6 dB), so chain gains and bus sums are realistic.
struct Ports
{
    test::Planar audio;
    std::size_t frames = 0;

    Ports()
    {
        test::ProgrammeOptions o;
        o.sampleRateHz = kRate;
        o.numChannels = kStrips * 2;
        o.seconds = 1.0;
        o.seed = 77;
        o.peakCeilingDb = -3.0;
        const test::Planar strip = test::programmeSignal(o);
        frames = strip.numFrames();
        const float gains[4] = {1.0f, 0.794f, 1.122f, 0.501f};
        audio = test::makePlanar(kRate, kStrips * 8);
        for (std::size_t s = 0; s < kStrips; ++s)
            for (std::size_t t = 0; t < 4; ++t)
                for (std::size_t c = 0; c < 2; ++c)
                {
                    auto& out = audio.channels[s * 8 + t * 2 + c];
                    out = strip.channels[s * 2 + c];
                    const float g = gains[t] * (t >= 2 ? gains[1] : 1.0f);
                    for (float& x : out) x *= g;
                }
    }

    // Pointers for the period starting at frame (wrapping the 1 s loop; 48000 is a multiple of 64).
    void period(std::size_t frame, std::vector<const float*>& pointers) const
    {
        const std::size_t offset = frame % frames;
        for (std::size_t c = 0; c < audio.channels.size(); ++c)
            pointers[c] = audio.channels[c].data() + offset;
    }
};

const Ports& ports()
{
    static const Ports p;
    return p;
}

double percentile(std::vector<double> values, double p)
{
    if (values.empty()) return 0.0;
    const auto k = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
    return values[k];
}

struct Figures
{
    double rtMedianPercent = -1, rtP999Percent = -1, rtMaxPercent = -1;
    bool rtRealtimePriority = false;
    double workerPercent = -1, workerJsonPercent = -1, workerStatisticsJsonPercent = -1;
    struct Live
    {
        int64_t pollMs;
        double rtMedianPercent, rtP999Percent, workerPercent;
        bool realtimePriority;
    };
    std::vector<Live> live;
    std::string simd;
};
Figures figures;

void drain(server::SummaryQueue& queue)
{
    while (queue.tryBeginRead() != nullptr) queue.commitRead();
}

void BM_RealtimeCallback(benchmark::State& state)
{
    const server::MeterPlan plan = benchmarkPlan();
    server::RealtimeMeter meter;
    meter.prepare(plan, kRate, {});
    const Ports& p = ports();
    std::vector<const float*> pointers(plan.numSourceChannels());
    std::vector<double> ns;
    ns.reserve(200000);
    std::size_t frame = 0;
    // Like JACK's process thread: SCHED_FIFO when the system allows it, so the tail measures the
    // code rather than the other processes on the machine (restored afterwards).
    int oldPolicy = 0;
    sched_param oldParam{};
    ::pthread_getschedparam(::pthread_self(), &oldPolicy, &oldParam);
    sched_param fifo{};
    fifo.sched_priority = 70;
    figures.rtRealtimePriority = ::pthread_setschedparam(::pthread_self(), SCHED_FIFO, &fifo) == 0;
    for (auto _ : state)
    {
        p.period(frame, pointers);
        const auto t0 = Clock::now();
        meter.process(pointers.data(), kPeriod);
        const auto t1 = Clock::now();
        const double elapsed = std::chrono::duration<double, std::nano>(t1 - t0).count();
        state.SetIterationTime(elapsed * 1e-9);
        ns.push_back(elapsed);
        frame += kPeriod;
        drain(meter.queue()); // the worker's side, untimed
    }
    figures.simd = std::string(dsp::toString(dsp::fastestSupportedPath()));
    figures.rtMedianPercent = 100.0 * percentile(ns, 0.5) / kPeriodNs;
    figures.rtP999Percent = 100.0 * percentile(ns, 0.999) / kPeriodNs;
    figures.rtMaxPercent = 100.0 * *std::max_element(ns.begin(), ns.end()) / kPeriodNs;
    ::pthread_setschedparam(::pthread_self(), oldPolicy, &oldParam);
    state.counters["median_pct_of_period"] = figures.rtMedianPercent;
    state.counters["p999_pct_of_period"] = figures.rtP999Percent;
    state.counters["meter_channels"] = static_cast<double>(plan.numChannels);
}
BENCHMARK(BM_RealtimeCallback)->UseManualTime()->Iterations(150000)->Unit(benchmark::kMicrosecond);

// Records of one second of the programme, as the worker receives them.
struct Recording
{
    std::vector<server::SubBlockHeader> headers;
    std::vector<dsp::ChannelSummary> summaries; // headers.size() x channels
    std::size_t channels = 0;
};

const Recording& recording()
{
    static const Recording r = []
    {
        Recording rec;
        const server::MeterPlan plan = benchmarkPlan();
        server::RealtimeMeter meter;
        meter.prepare(plan, kRate, {}, 256);
        rec.channels = plan.numChannels;
        std::vector<const float*> pointers(plan.numSourceChannels());
        for (std::size_t frame = 0; frame < kRate; frame += kPeriod)
        {
            ports().period(frame, pointers);
            meter.process(pointers.data(), kPeriod);
            while (const server::SubBlockHeader* h = meter.queue().tryBeginRead())
            {
                rec.headers.push_back(*h);
                const auto s = meter.queue().summariesOf(h);
                rec.summaries.insert(rec.summaries.end(), s.begin(), s.end());
                meter.queue().commitRead();
            }
        }
        return rec;
    }();
    return r;
}

void BM_WorkerSecondOfAudio(benchmark::State& state)
{
    const int64_t json = state.range(0); // 0: none; 1: full snapshot JSON; 2: statisticsJson (no fast meters)
    const Recording& rec = recording();
    server::EngineStatistics stats;
    stats.prepare(benchmarkPlan(), kRate);
    server::MeterFrame frame;
    uint64_t sequence = 0;
    std::size_t jsonBytes = 0;
    for (auto _ : state)
    {
        // 100 records; a meter frame after every 100/60 records, a snapshot after every 10.
        int framesTaken = 0;
        for (std::size_t r = 0; r < rec.headers.size(); ++r)
        {
            server::SubBlockHeader h = rec.headers[r];
            h.sequence = ++sequence;
            stats.addRecord(h, std::span(rec.summaries).subspan(r * rec.channels, rec.channels));
            while (framesTaken * 100 < static_cast<int>(r + 1) * 60)
            {
                stats.takeMeterFrame(frame);
                ++framesTaken;
            }
            if ((r + 1) % 10 == 0)
            {
                const server::EngineSnapshot s = stats.snapshot();
                if (json == 1) jsonBytes = nlohmann::json(s).dump().size();
                if (json == 2) jsonBytes = server::statisticsJson(s).dump().size();
                benchmark::DoNotOptimize(s.nodes.data());
            }
        }
        benchmark::DoNotOptimize(frame.rmsDbfs.data());
    }
    // The share of one core is the time per iteration over its one second of audio (the summary).
    state.counters["json_bytes_per_snapshot"] = static_cast<double>(jsonBytes);
}
BENCHMARK(BM_WorkerSecondOfAudio)
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->ArgName("json")
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3.0);

void BM_LiveEngine(benchmark::State& state)
{
    const server::MeterPlan plan = benchmarkPlan();
    server::RealtimeMeter meter;
    meter.prepare(plan, kRate, {});
    for (auto _ : state)
    {
        server::EngineWorker worker;
        server::EngineWorkerOptions options;
        options.pollInterval = std::chrono::milliseconds(state.range(1));
        worker.prepare(meter.queue(), plan, kRate, {}, options);
        // The network takes the shared snapshot and encodes it on its own thread; here the callback
        // only counts it.
        std::atomic<std::size_t> snapshots{0};
        worker.onSnapshot([&](const std::shared_ptr<const server::EngineSnapshot>&) { ++snapshots; });
        worker.start();
        const double seconds = static_cast<double>(state.range(0));
        const auto periods = static_cast<std::size_t>(seconds * kRate / kPeriod);
        std::vector<double> ns;
        ns.reserve(periods);
        bool realtimePriority = false;
        double wall = 0.0;
        const double cpuBefore = worker.health().workerCpuSeconds;
        // The "audio thread": SCHED_FIFO like JACK's when the system allows it (reported).
        std::thread audio(
            [&]
            {
                sched_param param{};
                param.sched_priority = 70;
                realtimePriority = ::pthread_setschedparam(::pthread_self(), SCHED_FIFO, &param) == 0;
                std::vector<const float*> pointers(plan.numSourceChannels());
                const auto start = Clock::now();
                for (std::size_t i = 0; i < periods; ++i)
                {
                    std::this_thread::sleep_until(start + std::chrono::nanoseconds(static_cast<int64_t>(
                                                              static_cast<double>(i) * kPeriodNs)));
                    ports().period(i * kPeriod, pointers);
                    const auto t0 = Clock::now();
                    meter.process(pointers.data(), kPeriod);
                    ns.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count());
                }
                wall = std::chrono::duration<double>(Clock::now() - start).count();
            });
        audio.join();
        const double cpu = worker.health().workerCpuSeconds - cpuBefore;
        worker.stop();
        const Figures::Live f{state.range(1), 100.0 * percentile(ns, 0.5) / kPeriodNs,
                              100.0 * percentile(ns, 0.999) / kPeriodNs, 100.0 * cpu / wall,
                              realtimePriority};
        figures.live.push_back(f);
        state.counters["rt_median_pct_of_period"] = f.rtMedianPercent;
        state.counters["rt_p999_pct_of_period"] = f.rtP999Percent;
        state.counters["worker_pct_of_one_core"] = f.workerPercent;
        state.counters["dropped_records"] = static_cast<double>(meter.counters().recordsDropped);
        state.counters["snapshots"] = static_cast<double>(snapshots.load());
        state.counters["sched_fifo"] = realtimePriority ? 1.0 : 0.0;
    }
}
BENCHMARK(BM_LiveEngine)
    ->Args({10, 20})
    ->Args({10, 5})
    ->ArgNames({"seconds", "poll_ms"})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kSecond);

// Collects the worker figure from the table (the counter above already is the percentage).
class Reporter : public benchmark::ConsoleReporter
{
public:
    void ReportRuns(const std::vector<Run>& runs) override
    {
        for (const Run& r : runs)
        {
            const auto name = r.benchmark_name();
            if (name.rfind("BM_WorkerSecondOfAudio", 0) != 0 || r.run_type != Run::RT_Iteration) continue;
            const double percent = 100.0 * r.GetAdjustedCPUTime() / 1e3; // ms per second of audio
            if (name.find("json:0") != std::string::npos) figures.workerPercent = percent;
            if (name.find("json:1") != std::string::npos) figures.workerJsonPercent = percent;
            if (name.find("json:2") != std::string::npos) figures.workerStatisticsJsonPercent = percent;
        }
        ConsoleReporter::ReportRuns(runs);
    }
};

const char* verdict(double value, double target)
{
    return value < 0 ? "not run" : value < target ? "OK" : "OVER";
}
} // namespace

int main(int argc, char** argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    Reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();

    std::printf(
        "\n=== Summary: 48 kHz, 64-frame periods (%.3f ms), 128 tap channels + 8 stereo virtual buses "
        "(144 meter channels, 72 taps), SIMD %s ===\n",
        kPeriodNs * 1e-6, figures.simd.empty() ? "-" : figures.simd.c_str());
    std::printf("RT callback alone:      median %.2f %% of the period, 99.9th %.2f %%, max %.2f %% (%s)  "
                "(target median < %.0f %%: %s)\n",
                figures.rtMedianPercent, figures.rtP999Percent, figures.rtMaxPercent,
                figures.rtRealtimePriority ? "SCHED_FIFO" : "SCHED_OTHER", kRtTargetPercent,
                verdict(figures.rtMedianPercent, kRtTargetPercent));
    std::printf("Worker, synchronous:    %.2f %% of one core (target < %.0f %%: %s)\n", figures.workerPercent,
                kWorkerTargetPercent, verdict(figures.workerPercent, kWorkerTargetPercent));
    std::printf(
        "  + encoding every snapshot (the network's job): full JSON %.2f %%, statisticsJson %.2f %%\n",
        figures.workerJsonPercent, figures.workerStatisticsJsonPercent);
    for (const Figures::Live& f : figures.live)
        std::printf(
            "Live, worker poll %2lld ms: RT median %.2f %%, 99.9th %.2f %% of the period (%s); worker thread "
            "%.2f %% of one core (%s)\n",
            static_cast<long long>(f.pollMs), f.rtMedianPercent, f.rtP999Percent,
            f.realtimePriority ? "SCHED_FIFO" : "SCHED_OTHER: no real-time priority allowed", f.workerPercent,
            verdict(f.workerPercent, kWorkerTargetPercent));
    return 0;
}
