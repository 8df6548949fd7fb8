#pragma once

#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "dsp/ChannelLayout.h"
#include "dsp/ChannelStatistics.h"

// `headroom analyze [--json] [--layout ROLES] [--rms aes17|plain] FILE`: meters one audio file and
// prints a table or one JSON object. `headroom analyze [--json] --session SESSION.json`: the offline
// audit, the live engine run over one audio file per tap (SessionAudit), printed as a report of
// tables or one JSON document (SessionAuditReport). This file is the command-line face only
// (arguments, errors, exit codes, progress); reading is AudioFileReader's, metering FileAnalysis's
// and SessionAudit's, rendering AnalysisReport's and SessionAuditReport's.
//
// Exit codes: 0 done; 1 the file cannot be read or does not fit the layout, or the session or its
// files cannot be audited (bad input); 2 usage error (unknown option, missing or extra FILE, FILE
// and --session together, an invalid --layout or --rms value).
namespace headroom::server
{

// A command line that cannot be run; what() is one line without the program name.
class UsageError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

struct AnalyzeArguments
{
    bool help = false;                                   // --help / -h: print help, nothing else
    bool json = false;                                   // --json
    std::optional<std::vector<dsp::ChannelRole>> layout; // --layout; empty: default for the channel count
    dsp::RmsConvention rmsConvention = dsp::RmsConvention::aes17; // --rms
    std::string file;                                             // the one FILE (empty with --session)
    std::string session; // --session SESSION.json: audit the session's files (exclusive with FILE)
    std::string html;    // --html OUT: also write the audit as HTML ("-": print it instead); --session only
};

// [setup] Parse the arguments after `analyze`. Options may come before or after FILE; `--` ends
// options; `--opt=value` and `--opt value` are both accepted. --layout and --rms apply to FILE
// only (a session sets both itself). Throws UsageError.
[[nodiscard]] AnalyzeArguments parseAnalyzeArguments(std::span<const std::string> args);

// [setup] Run `headroom analyze`; returns the exit code. Errors go to stderr: one line, or with
// --session one line per problem ("SESSION: JSON_POINTER: ...", as `headroom check` prints them).
int runAnalyzeCommand(std::span<const std::string> args);

} // namespace headroom::server
