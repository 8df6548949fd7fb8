#include "server/analyze/AnalyzeCommand.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <string_view>

#include "server/analyze/AnalysisReport.h"
#include "server/analyze/FileAnalysis.h"
#include "server/analyze/SessionAudit.h"
#include "server/analyze/SessionAuditHtml.h"
#include "server/analyze/SessionAuditReport.h"
#include "server/engine/SessionParser.h"

namespace headroom::server
{
namespace
{
constexpr const char* kHelp =
    "Usage: headroom analyze [--json] [--layout ROLES] [--rms aes17|plain] FILE\n"
    "       headroom analyze [--json] --session SESSION.json [--html OUT.html]\n"
    "\n"
    "Measures an audio file (WAV, FLAC, AIFF, ...; 16/24/32-bit integer or float) as Headroom meters a\n"
    "live tap: loudness of all channels together (EBU R 128: integrated, loudness range, maximum\n"
    "momentary and short-term), sample and true peak (ITU-R BS.1770-5), and per channel RMS, crest\n"
    "factor, DC offset and clipped samples.\n"
    "\n"
    "With --session, audits a session offline: every tap of the session file that names an audio file\n"
    "({\"file\": PATH}, relative to the session file's directory; stems bounced at each metering point)\n"
    "goes through the same engine as `headroom serve`, all files aligned at their first sample. The\n"
    "report gives every node's statistics: per tap the average, peaks, headroom, loudness and time\n"
    "in/over/under its target range; the master's loudness; plugin-chain gains; bus members' shares\n"
    "and predicted versus measured bus inputs (an untapped bus input is summed from its members),\n"
    "and the gain-staging advisor's advisories (symptom, most likely cause, fix, amount in dB) under\n"
    "each node, with those that cleared during the audit (docs/ADVISOR.md).\n"
    "Each file must have its tap's channel count, and all files one sample rate; a shorter file is\n"
    "followed by silence (the report says so); taps fed from JACK ports are skipped with a warning.\n"
    "\n"
    "Options:\n"
    "  --json              print one JSON object instead of the table; with --session one document:\n"
    "                      the session, its files, warnings and every node's statistics (the live\n"
    "                      engine's snapshot encoding)\n"
    "  --session FILE      audit the session FILE's audio files instead of measuring one FILE\n"
    "  --html OUT          (--session only) also write the audit as a self-contained HTML report to\n"
    "                      OUT (the signal-flow diagram coloured by stage, the advisories on it);\n"
    "                      '-' prints it instead of the text report\n"
    "  --layout ROLES      (FILE only) channel roles in file order, comma-separated, e.g.\n"
    "                      L,R,C,LFE,Ls,Rs (roles: M L R C LFE Ls Rs Lss Rss Lrs Rrs; LFE is left out\n"
    "                      of loudness). Default by channel count: 1 M; 2 L,R; 3 L,R,C; 4 L,R,Ls,Rs;\n"
    "                      5 L,R,C,Ls,Rs; 6 L,R,C,LFE,Ls,Rs; 8 L,R,C,LFE,Ls,Rs,Lrs,Rrs. A session\n"
    "                      gives each node's \"layout\"\n"
    "  --rms aes17|plain   (FILE only) RMS convention: aes17 (default; a sine reads its peak level) or\n"
    "                      plain (20*log10 of the RMS value, 3.01 dB lower for a sine). A session\n"
    "                      sets it in \"reference\"\n"
    "  -h, --help          show this help\n"
    "\n"
    "Clipped samples are samples at full scale: at the largest positive code or beyond in integer\n"
    "files (+32767/32768 at 16 bits), at |x| >= 1.0 in float files.\n"
    "JSON keys: file, sample_rate_hz, channels, duration_s, integrated_lufs, loudness_range_lu,\n"
    "max_momentary_lufs, max_short_term_lufs, true_peak_dbtp, sample_peak_dbfs, channel[] (per channel:\n"
    "sample_peak_dbfs, true_peak_dbtp, rms_dbfs, clipped_samples). dB values are rounded to 0.01;\n"
    "null means minus infinity or undefined (silence; integrated loudness of a file under 0.4 s).\n"
    "With --session: session, room, session_file, sample_rate_hz, duration_s, files[], warnings[],\n"
    "audio_seconds, counters, nodes[], rms_convention, zero_vu_dbfs, advisories[] (raised at the end),\n"
    "cleared_advisories[] (raised and cleared during the audit) (docs/SESSION.md, Offline audit).\n"
    "\n"
    "Exit status: 0 done; 1 the file cannot be read or does not fit the layout, or the session or its\n"
    "files cannot be audited (every problem on stderr, one line each); 2 usage error.\n";

// Progress on a terminal: "headroom analyze: FILE 42%" rewritten in place on stderr. Nothing is
// drawn for the first half second (most files are done by then), then at most 10 times a second;
// the line is erased when the analysis ends. Only the wall clock here decides when to draw; what
// is drawn is the fraction of frames metered.
class TerminalProgress
{
public:
    explicit TerminalProgress(std::string file) : file_(std::move(file)), start_(Clock::now()) {}
    ~TerminalProgress() { clear(); }
    TerminalProgress(const TerminalProgress&) = delete;
    TerminalProgress& operator=(const TerminalProgress&) = delete;

    void update(uint64_t framesDone, std::optional<uint64_t> totalFrames)
    {
        const Clock::time_point now = Clock::now();
        if (now - start_ < kFirstDrawAfter || (drawn_ && now - lastDraw_ < kRedrawEvery)) return;
        if (totalFrames && *totalFrames > 0)
        {
            const double percent =
                100.0 * static_cast<double>(framesDone) / static_cast<double>(*totalFrames);
            std::fprintf(stderr, "\rheadroom analyze: %s %3.0f%%\033[K", file_.c_str(), percent);
        }
        else
        {
            std::fprintf(stderr, "\rheadroom analyze: %s %llu frames\033[K", file_.c_str(),
                         static_cast<unsigned long long>(framesDone));
        }
        std::fflush(stderr);
        drawn_ = true;
        lastDraw_ = now;
    }

    void clear()
    {
        if (!drawn_) return;
        std::fputs("\r\033[K", stderr);
        std::fflush(stderr);
        drawn_ = false;
    }

private:
    using Clock = std::chrono::steady_clock;
    static constexpr auto kFirstDrawAfter = std::chrono::milliseconds(500);
    static constexpr auto kRedrawEvery = std::chrono::milliseconds(100);

    std::string file_;           // as given on the command line
    Clock::time_point start_;    // when the analysis started
    Clock::time_point lastDraw_; // when the line was last drawn
    bool drawn_ = false;         // the line is on screen
};

// "--name=value" or "--name value"; returns the value and advances i past it.
std::string optionValue(std::span<const std::string> args, std::size_t& i, std::string_view name)
{
    const std::string& arg = args[i];
    if (arg.size() > name.size() && arg[name.size()] == '=') return arg.substr(name.size() + 1);
    if (i + 1 >= args.size()) throw UsageError("option " + std::string(name) + " needs a value");
    return args[++i];
}

bool isOption(const std::string& arg, std::string_view name)
{
    return arg == name || (arg.starts_with(name) && arg.size() > name.size() && arg[name.size()] == '=');
}
} // namespace

AnalyzeArguments parseAnalyzeArguments(std::span<const std::string> args)
{
    AnalyzeArguments parsed;
    std::vector<std::string> files;
    bool optionsEnded = false;
    bool layoutGiven = false;
    bool rmsGiven = false;
    for (std::size_t i = 0; i < args.size(); ++i)
    {
        const std::string& arg = args[i];
        if (optionsEnded || arg.empty() || arg[0] != '-' || arg == "-")
        {
            files.push_back(arg);
        }
        else if (arg == "--")
        {
            optionsEnded = true;
        }
        else if (arg == "--help" || arg == "-h")
        {
            parsed.help = true;
        }
        else if (arg == "--json")
        {
            parsed.json = true;
        }
        else if (isOption(arg, "--session"))
        {
            const std::string value = optionValue(args, i, "--session");
            if (value.empty()) throw UsageError("--session needs a session file");
            if (!parsed.session.empty()) throw UsageError("one --session at a time");
            parsed.session = value;
        }
        else if (isOption(arg, "--html"))
        {
            const std::string value = optionValue(args, i, "--html");
            if (value.empty()) throw UsageError("--html needs a file (or - for standard output)");
            parsed.html = value;
        }
        else if (isOption(arg, "--layout"))
        {
            layoutGiven = true;
            const std::string value = optionValue(args, i, "--layout");
            try
            {
                parsed.layout = dsp::parseLayout(value);
            }
            catch (const std::invalid_argument& e)
            {
                throw UsageError("--layout " + value + ": " + e.what());
            }
        }
        else if (isOption(arg, "--rms"))
        {
            rmsGiven = true;
            const std::string value = optionValue(args, i, "--rms");
            const std::optional<dsp::RmsConvention> convention = dsp::rmsConventionFromString(value);
            if (!convention) throw UsageError("--rms must be aes17 or plain, not '" + value + "'");
            parsed.rmsConvention = *convention;
        }
        else
        {
            throw UsageError("unknown option '" + arg + "'");
        }
    }
    if (parsed.help) return parsed;
    if (!parsed.session.empty())
    {
        if (!files.empty())
            throw UsageError("--session audits the session's files; give FILE or --session, not both ('" +
                             files.front() + "')");
        if (layoutGiven) throw UsageError("--layout applies to FILE; a session gives each node's \"layout\"");
        if (rmsGiven) throw UsageError("--rms applies to FILE; a session sets it in \"reference\"");
        return parsed;
    }
    if (!parsed.html.empty()) throw UsageError("--html reports a session audit; it needs --session");
    if (files.empty()) throw UsageError("no FILE given (or --session SESSION.json)");
    if (files.size() > 1)
        throw UsageError("one FILE at a time ('" + files[0] + "', '" + files[1] + "', ...)");
    parsed.file = files.front();
    return parsed;
}

namespace
{
int writeReport(const std::string& text)
{
    std::fputs(text.c_str(), stdout);
    if (std::fflush(stdout) != 0 || std::ferror(stdout))
    {
        std::fprintf(stderr, "headroom analyze: cannot write the report to standard output\n");
        return 1;
    }
    return 0;
}

// `--session FILE`: parse, audit, report. Problems with the session or its files are printed one
// per line, each starting with the session file's name, as `headroom check` prints them.
int runSessionAudit(const AnalyzeArguments& arguments)
{
    const auto printErrors = [](const SessionError& e)
    {
        for (const std::string& line : e.errors()) std::fprintf(stderr, "%s\n", line.c_str());
    };
    Session session;
    try
    {
        session = parseSessionFile(arguments.session);
    }
    catch (const SessionError& e)
    {
        printErrors(e);
        return 1;
    }

    std::optional<TerminalProgress> progress;
    if (::isatty(STDERR_FILENO) == 1) progress.emplace(arguments.session);
    AuditOptions options;
    if (progress)
        options.progress = [&progress](uint64_t done, std::optional<uint64_t> total)
        { progress->update(done, total); };

    SessionAuditResult result;
    try
    {
        result = auditSession(session, options);
    }
    catch (const SessionError& e) // every file problem, one line each
    {
        progress.reset();
        printErrors(e);
        return 1;
    }
    catch (const std::exception& e)
    {
        progress.reset();
        std::fprintf(stderr, "headroom analyze: '%s': %s\n", arguments.session.c_str(), e.what());
        return 1;
    }
    progress.reset();

    if (arguments.html == "-") return writeReport(sessionAuditHtml(result));
    if (!arguments.html.empty())
    {
        std::FILE* out = std::fopen(arguments.html.c_str(), "w");
        const std::string html = sessionAuditHtml(result);
        const bool written = out != nullptr && std::fwrite(html.data(), 1, html.size(), out) == html.size();
        const int error = errno;
        if (out == nullptr || std::fclose(out) != 0 || !written)
        {
            std::fprintf(stderr, "headroom analyze: cannot write the HTML report '%s': %s\n", arguments.html.c_str(),
                         std::strerror(out == nullptr || !written ? error : errno));
            return 1;
        }
    }
    return writeReport(arguments.json ? sessionAuditJson(result).dump(
                                            2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
                                            "\n"
                                      : sessionAuditReport(result));
}
} // namespace

int runAnalyzeCommand(std::span<const std::string> args)
{
    AnalyzeArguments arguments;
    try
    {
        arguments = parseAnalyzeArguments(args);
    }
    catch (const UsageError& e)
    {
        std::fprintf(stderr, "headroom analyze: %s (run 'headroom analyze --help')\n", e.what());
        return 2;
    }
    if (arguments.help)
    {
        std::fputs(kHelp, stdout);
        return 0;
    }

    if (!arguments.session.empty()) return runSessionAudit(arguments);

    AnalysisOptions options;
    options.layout = arguments.layout;
    options.rmsConvention = arguments.rmsConvention;
    std::optional<TerminalProgress> progress;
    if (::isatty(STDERR_FILENO) == 1) progress.emplace(arguments.file);
    FileAnalysis::ProgressCallback onProgress;
    if (progress)
        onProgress = [&progress](uint64_t done, std::optional<uint64_t> total)
        { progress->update(done, total); };

    AnalysisResult result;
    try
    {
        result = FileAnalysis::analyzeFile(arguments.file, options, onProgress);
    }
    catch (const AudioFileError& e) // names the file already
    {
        progress.reset();
        std::fprintf(stderr, "headroom analyze: %s\n", e.what());
        return 1;
    }
    catch (const std::exception& e) // layout or sample rate does not fit the file
    {
        progress.reset();
        std::fprintf(stderr, "headroom analyze: '%s': %s\n", arguments.file.c_str(), e.what());
        return 1;
    }
    progress.reset();

    // Replace invalid UTF-8 (a Latin-1 file name) rather than throw: the output stays one object.
    return writeReport(arguments.json ? analysisToJson(result).dump(
                                            2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
                                            "\n"
                                      : analysisTable(result));
}

} // namespace headroom::server
