#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "server/advisor/AdvisoryRecord.h"
#include "server/engine/EngineSnapshot.h"
#include "server/engine/Session.h"

// The gain-staging rules (docs/ADVISOR.md), each a pure function of the session (targets, labels,
// inserts), one snapshot and what the Advisor tracks per tap between snapshots (recent peaks, new
// clip events). A rule says, per advisory it concerns, whether its condition holds now (on), is
// clearly gone (off: past the lower clear threshold), sits between the two thresholds or cannot be
// judged (keep / unknown), and the advisory's texts, evidence and amount. The Advisor owns the
// hysteresis in time; the rules own the hysteresis in level. [worker]: pure functions.
namespace headroom::server
{

enum class Trigger : uint8_t
{
    on,      // the condition holds
    off,     // the condition is gone (below the clear threshold)
    keep,    // between the raise and the clear thresholds: the previous state stands, time runs
    unknown, // cannot be judged now (silence, nothing measured yet): state and timers stand still
};

struct Finding
{
    AdvisoryRecord record; // id, rule, node, tap, texts, amount, evidence (times are the Advisor's)
    Trigger trigger = Trigger::unknown;
    bool raiseAtOnce = false; // events (clipping, intersample overs): raised at the first one
};

// What the Advisor knows about one tap beyond the snapshot.
struct TapObservation
{
    const NodeStats* node = nullptr;
    const TapStats* tap = nullptr;
    const Node* sessionNode = nullptr; // nullptr when the session has no such node
    double recentTruePeakDbtp = -std::numeric_limits<double>::infinity(); // over the peak window
    double intervalTruePeakDbtp = -std::numeric_limits<double>::infinity(); // since the previous evaluation
    uint64_t newClipEvents = 0;       // clip events since the previous evaluation
    double secondsSinceClip = std::numeric_limits<double>::infinity(); // audio time since the last clip event
};

struct RuleSettings
{
    double clearMarginDb = 1.0;     // a level condition clears this far inside its threshold
    double quietMarginDb = 6.0;     // "far below": recording average this far under the range's minimum
    double limitedPlrDb = 9.0;      // PLR under this (with peaks pinned) is a limited mix
    double minIntegratedSeconds = 3.0; // integrated loudness judged after this much gated audio
    double clipHoldSeconds = 10.0;  // intersample overs are not reported while a tap clipped this recently
};

// [worker] Every rule over every tap and node of the snapshot; findings appended to out.
void runRules(const Session& session, const EngineSnapshot& snapshot, const std::vector<TapObservation>& taps,
              const RuleSettings& settings, std::vector<Finding>& out);

} // namespace headroom::server
