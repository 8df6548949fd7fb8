#pragma once

#include <cstdint>
#include <cstdio>
#include <set>
#include <string>

#include "server/engine/EngineSnapshot.h"

// The `--log FILE|-` writer: a loudness and headroom log a studio can keep. Once per second of
// metered audio it writes one JSON line per node (SnapshotJson's logLineJson: time, node, each
// tap's level, average, true peak, headroom, crest factor, noise floor, loudness, time in range,
// plus the node's chain gain and bus sums), flushed per second so `tail -f` and a crash both see
// whole lines. Seconds are counted in audio time, so an offline run logs the same lines as a live
// one, and a stalled source stops logging instead of repeating itself.
//
// It also writes one line the moment an advisory is raised or cleared (docs/ADVISOR.md):
// {"time", "audio_seconds", "event": "advisory_raised" | "advisory_cleared", "advisory": {...}}.
//
// Owned by whoever wires the engine; write() is called from the worker's snapshot callback
// ([worker]). A write error is counted, not thrown: the meters must keep running when a disk fills.
namespace headroom::server
{

class StatisticsLog
{
public:
    // [setup] "-" is standard output; anything else a file opened for appending. Throws
    // std::runtime_error naming the file when it cannot be opened.
    explicit StatisticsLog(const std::string& path);
    ~StatisticsLog();
    StatisticsLog(const StatisticsLog&) = delete;
    StatisticsLog& operator=(const StatisticsLog&) = delete;

    // [worker] Offer a snapshot; writes its nodes when a new second of audio has begun since the
    // last lines (the first snapshot with audio writes at once), and a line per advisory raised or
    // cleared since the previous snapshot. Returns the lines written.
    std::size_t write(const EngineSnapshot& snapshot);

    [[nodiscard]] uint64_t linesWritten() const noexcept { return linesWritten_; }
    [[nodiscard]] uint64_t writeErrors() const noexcept { return writeErrors_; }

private:
    std::size_t writeAdvisoryEvents(const EngineSnapshot& snapshot);
    bool writeLine(const std::string& line);

    std::FILE* file_ = nullptr; // the log (stdout for "-")
    std::set<std::string> activeAdvisories_; // ids raised at the previous snapshot
    bool ownsFile_ = false;     // close it on destruction
    int64_t lastSecond_ = -1;   // audio second of the last lines written
    uint64_t linesWritten_ = 0;
    uint64_t writeErrors_ = 0;
};

} // namespace headroom::server
