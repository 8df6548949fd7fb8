#pragma once

#include <cstddef>
#include <deque>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/advisor/AdvisorRules.h"
#include "server/advisor/AdvisoryRecord.h"
#include "server/advisor/PeakWindow.h"
#include "server/engine/EngineSnapshot.h"
#include "server/engine/Session.h"

// The gain-staging advisor (docs/ADVISOR.md): turns the worker's snapshots into the guide's
// advisories ("symptom -> most likely cause -> fix", with the node, the evidence and the amount in
// dB), with hysteresis so nothing flaps. The rules (AdvisorRules) judge each snapshot; the Advisor
// keeps, per advisory id, how long its condition has held (raised after the session's
// raise_after_s) or been gone (cleared after clear_after_s), and a bounded history of the cleared
// ones. Time is AUDIO time (the snapshot's audioSeconds), so the offline audit, which evaluates it
// every 100 ms of audio, and the live worker, which evaluates it with every 10 Hz snapshot, behave
// the same. Pure: no clock, no I/O.
//
// Owned by whoever takes the snapshots (the live engine's worker, the offline audit); every method
// is [worker]. Never on the real-time thread: evaluate() allocates.
namespace headroom::server
{

struct AdvisorSettings
{
    // Window of the peak rules ("peaks above -6 dBFS"): the statistics' recent window (10 s live);
    // the offline audit gives infinity, so peaks cover the whole audit like its averages.
    double peakWindowSeconds = 10.0;
    std::size_t historySize = 20; // cleared advisories kept, newest first
    RuleSettings rules;
};

class Advisor
{
public:
    // [setup] The session's targets, labels, inserts and advisor timing. Copies it.
    explicit Advisor(Session session, AdvisorSettings settings = {});

    // [worker] Judge a snapshot taken at nowSeconds of audio (normally snapshot.audioSeconds). The
    // snapshot must be the next one in sequence: per-channel peaks since the previous snapshot feed
    // the event rules. A time that goes backwards is taken as no time passing.
    void evaluate(const EngineSnapshot& snapshot, double nowSeconds);

    // [worker] The advisories raised and not cleared, in session order (channels, buses, master),
    // then by rule.
    [[nodiscard]] std::vector<AdvisoryRecord> active() const;
    // [worker] The cleared ones, newest first, at most settings.historySize.
    [[nodiscard]] const std::deque<AdvisoryRecord>& history() const noexcept { return history_; }
    // [worker] Every advisory raised so far, cleared ones included (for an audit's report).
    [[nodiscard]] std::size_t raisedCount() const noexcept { return raisedCount_; }

    // [worker] Copy active() and history() into the snapshot.
    void annotate(EngineSnapshot& snapshot) const;

    [[nodiscard]] const Session& session() const noexcept { return session_; }

private:
    struct Tracked
    {
        AdvisoryRecord record;
        bool present = false;       // the condition's state after the level hysteresis
        bool raised = false;        // shown to people
        double heldSeconds = 0.0;   // not raised: audio time the condition has held
        double absentSeconds = 0.0; // raised: audio time the condition has been gone
        std::size_t order = 0;      // session order of its node, for active()
    };

    struct TapTracker
    {
        PeakWindow peaks;
        uint64_t clipEvents = 0; // clip events of the tap at the previous evaluation
        double lastClipSeconds = -std::numeric_limits<double>::infinity();
    };

    void observe(const EngineSnapshot& snapshot, double nowSeconds, std::vector<TapObservation>& out);
    void apply(Finding& finding, double dtSeconds, double nowSeconds, int64_t wallClockUnixMs);
    [[nodiscard]] std::size_t orderOf(const std::string& nodeId) const;

    Session session_;
    AdvisorSettings settings_;
    std::map<std::string, Tracked> tracked_;             // by advisory id
    std::unordered_map<std::size_t, TapTracker> taps_;   // by plan tap index
    std::deque<AdvisoryRecord> history_;                 // cleared, newest first
    double lastSeconds_ = std::numeric_limits<double>::quiet_NaN(); // audio time of the last evaluation
    std::size_t raisedCount_ = 0;
};

} // namespace headroom::server
