#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "proto/RoomSummary.h"
#include "server/engine/EngineSnapshot.h"

// Lab mode (docs/LAB.md): the guide's three "Practical Gain Staging Exercises" as live, scored
// tasks, judged from the worker's snapshots over AUDIO time (so a test feeding generated audio
// faster than real time is judged exactly like a student at a live desk).
//
//   1  Calibrate the recording level: one input tap; its loudest moments (max true peak over the
//      last 3 s) within -14..-10 dBFS, its average (RMS over the last 3 s) within -21..-15 dBFS,
//      never over -6 dBFS. Passed once that has held for the hold time (default 10 s); a peak over
//      -6 restarts the hold and costs 10 points.
//   2  Audit a session: every channel's pre_insert average (3 s) against -18 dBFS (-21..-15).
//      Channels hot at the start must be trimmed into range; passed once every active channel is
//      in range for the hold time (default 5 s).
//   3  Whole-mix pass: the mix bus (master pre_insert) starts hot; the all-faders-down move is
//      every active channel's post_fader level dropping by 6..12 dB, the drops within 3 dB of each
//      other, inside 2 s. Then the mix bus's peaks must stay at or under -6 dBFS for the hold time
//      (default 5 s); the score is the headroom gained.
// Not passed within the time limit (default 120 s of audio) -> failed. Pure logic: no clock, no
// threads, no JSON. Threads: whoever owns it (the room publisher's thread).
namespace headroom::server::lab
{

struct ExerciseSettings
{
    int number = 1;
    std::string target;        // exercise 1: "node/stage" ("" the first input tap)
    double holdSeconds = 0.0;  // 0: the default (10 s for 1, 5 s for 2 and 3)
    double limitSeconds = 0.0; // 0: 120 s
};

class LabExercise
{
public:
    void start(const ExerciseSettings& settings);
    void stop();  // running -> stopped (the score so far is kept)
    void reset(); // back to idle, nothing selected

    // Feed every snapshot in order (duplicates, by snapshotSequence, are ignored).
    void update(const EngineSnapshot& snapshot);

    [[nodiscard]] const proto::lab::ExerciseState& state() const noexcept { return state_; }

private:
    // A 3 s rolling window of one tap: its 300 ms RMS and per-snapshot true peak.
    struct Window
    {
        std::deque<std::pair<double, double>> levels; // (audio s, power)
        std::deque<std::pair<double, double>> peaks;  // (audio s, dBTP)
        std::deque<std::pair<double, double>> dbHistory; // (audio s, level dBFS), for drops
        void add(double t, const TapStats& tap);
        [[nodiscard]] double averageDbfs() const;
        [[nodiscard]] double peakDbtp() const;
        [[nodiscard]] std::optional<double> levelAgo(double now, double seconds) const;
    };

    void updateCalibrate(const EngineSnapshot& s, double dt);
    void updateAudit(const EngineSnapshot& s, double dt);
    void updateMixPass(const EngineSnapshot& s, double dt);
    void hold(bool condition, double dt);
    void finishIfDue();

    ExerciseSettings settings_;
    proto::lab::ExerciseState state_;
    uint64_t lastSnapshot_ = 0;
    double startAudio_ = -1.0;
    double lastAudio_ = -1.0;
    std::map<std::string, Window> windows_; // "node/stage"
    // exercise 1
    int overs_ = 0;
    bool wasOver_ = false;
    double scoreSum_ = 0.0;
    double scoreSeconds_ = 0.0;
    // exercise 2: channels hot when first heard
    std::map<std::string, bool> hotAtStart_;
    // exercise 3
    std::optional<double> startPeakDbtp_;
    std::optional<double> dropDb_;
    double moveAudio_ = 0.0;
    bool partialMove_ = false; // some faders moved, not all: said until the real move
};

// [any] "node/stage" of a tap.
[[nodiscard]] std::string tapName(const NodeStats& node, const TapStats& tap);

} // namespace headroom::server::lab
