#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "server/analyze/AudioFileReader.h"
#include "server/engine/EngineSnapshot.h"
#include "server/engine/Session.h"

// The offline audit of a session (`headroom analyze --session FILE`): the live engine run over
// time-aligned audio files, one per tap (stems bounced from each metering point), instead of JACK
// ports. planSession(session, file) builds the same MeterPlan the live engine would; every tap's
// file is read with an AudioFileReader, all files in step, block by block; each block goes through
// RealtimeMeter::process exactly as a JACK period would (source channels in plan order, virtual
// buses summed there), and the SummaryQueue is drained synchronously into an EngineStatistics
// after every block. No threads and no clock: the same files give the same figures every time.
//
// Decisions (docs/SESSION.md, "Offline audit"):
// - Taps fed from JACK ports are skipped with a warning; a bus input skipped that way is computed
//   from the members, as if it were not tapped. Files must match their tap's channel count, and
//   every file must have the same sample rate. Lengths may differ: a shorter file is followed by
//   silence (noted per file), so the audit lasts as long as the longest file.
// - The engine meters whole 10 ms sub-blocks: when the longest file ends inside one, it is
//   completed with silence (as a live meter's next period would be), so the last samples count.
//   Nothing more is added (unlike `headroom analyze FILE`, which also flushes the true-peak
//   interpolator): a padded sub-block would count as 10 ms more of active signal. Intersample
//   peaks between the very last few samples of the longest file may therefore go unseen.
// - The statistics' "recent" window spans the whole audit: averages, crest factors, chain gains
//   and bus shares cover every file from start to end, not the last 10 s as on a live meter.
// - The gain-staging advisor runs as it does live, on a snapshot every advisorIntervalSeconds of
//   audio with the session's raise and clear delays; its peak window spans the whole audit too. The
//   result's snapshot carries what is raised at the end and the history of what cleared. The final
//   snapshot's per-channel "since the previous snapshot" peaks cover the whole audit, as before.
//
// [setup]/[worker], one thread: every call may block on file I/O.
namespace headroom::server
{

// Files that cannot be audited together. Like SessionError, one line per problem, all of them:
// "SESSION: JSON_POINTER/file: what was expected, got ..." (or "SESSION: ..." for the whole).
class SessionAuditError : public SessionError
{
public:
    using SessionError::SessionError;
};

// One tap's file, as read.
struct AuditedFile
{
    std::string nodeId;           // the node the tap belongs to
    std::string stage;            // "input", "pre_insert", "insert:<n>", "post_insert", ...
    std::string jsonPath;         // the tap in the session file, e.g. "/channels/0/taps/post_fader"
    std::size_t planTap = 0;      // the tap's index in the plan (TapStats::tapIndex)
    AudioFileInfo info;           // path (resolved), format, rate, channels
    uint64_t numFrames = 0;       // frames read
    double durationSeconds = 0.0; // numFrames at the sample rate
    double paddedSeconds = 0.0;   // silence metered after its end, up to the longest file
};

struct SessionAuditResult
{
    Session session;                // the session audited (labels and targets, for the report)
    uint32_t sampleRateHz = 0;      // of every file
    uint64_t numFrames = 0;         // of the longest file
    double durationSeconds = 0.0;   // of the longest file
    std::vector<AuditedFile> files; // in plan order
    // Session warnings: the topology's, and every tap the audit skips (JACK ports) with why
    std::vector<std::string> warnings;
    // The statistics of every node after the whole audit, with the advisor's verdict: advisories
    // still raised at the end, and every one raised and cleared during the audit (newest first).
    EngineSnapshot snapshot;
};

struct AuditOptions
{
    std::size_t blockFrames = AudioFileReader::kDefaultBlockFrames; // frames per file read and meter call
    // Called after each block with the frames audited so far and the longest file's length (empty
    // when a file's header does not say).
    std::function<void(uint64_t framesDone, std::optional<uint64_t> totalFrames)> progress;
    // The gain-staging advisor judges a snapshot this often (audio time), as the live worker's
    // 10 Hz snapshots do, so its raise and clear delays mean the same offline (docs/ADVISOR.md).
    double advisorIntervalSeconds = 0.1;
};

// [worker] Audit a parsed session. Throws SessionAuditError listing every file problem (missing or
// unreadable file, wrong channel count, sample rates that differ or that the metering core does
// not support, no file tap at all).
[[nodiscard]] SessionAuditResult auditSession(const Session& session, const AuditOptions& options = {});

} // namespace headroom::server
