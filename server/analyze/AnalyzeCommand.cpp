#include "server/analyze/AnalyzeCommand.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string_view>

#include "server/analyze/AnalysisReport.h"
#include "server/analyze/FileAnalysis.h"

namespace headroom::server
{
namespace
{
constexpr const char* kHelp =
    "Usage: headroom analyze [--json] [--layout ROLES] [--rms aes17|plain] FILE\n"
    "\n"
    "Measures an audio file (WAV, FLAC, AIFF, ...; 16/24/32-bit integer or float) as Headroom meters a\n"
    "live tap: loudness of all channels together (EBU R 128: integrated, loudness range, maximum\n"
    "momentary and short-term), sample and true peak (ITU-R BS.1770-5), and per channel RMS, crest\n"
    "factor, DC offset and clipped samples.\n"
    "\n"
    "Options:\n"
    "  --json              print one JSON object instead of the table\n"
    "  --layout ROLES      channel roles in file order, comma-separated, e.g. L,R,C,LFE,Ls,Rs\n"
    "                      (roles: M L R C LFE Ls Rs Lss Rss Lrs Rrs; LFE is left out of loudness).\n"
    "                      Default by channel count: 1 M; 2 L,R; 3 L,R,C; 4 L,R,Ls,Rs; 5 L,R,C,Ls,Rs;\n"
    "                      6 L,R,C,LFE,Ls,Rs; 8 L,R,C,LFE,Ls,Rs,Lrs,Rrs\n"
    "  --rms aes17|plain   RMS convention: aes17 (default; a sine reads its peak level) or plain\n"
    "                      (20*log10 of the RMS value, 3.01 dB lower for a sine)\n"
    "  -h, --help          show this help\n"
    "\n"
    "Clipped samples are samples at full scale: at the largest positive code or beyond in integer\n"
    "files (+32767/32768 at 16 bits), at |x| >= 1.0 in float files.\n"
    "JSON keys: file, sample_rate_hz, channels, duration_s, integrated_lufs, loudness_range_lu,\n"
    "max_momentary_lufs, max_short_term_lufs, true_peak_dbtp, sample_peak_dbfs, channel[] (per channel:\n"
    "sample_peak_dbfs, true_peak_dbtp, rms_dbfs, clipped_samples). dB values are rounded to 0.01;\n"
    "null means minus infinity or undefined (silence; integrated loudness of a file under 0.4 s).\n"
    "\n"
    "Exit status: 0 done; 1 the file cannot be read or does not fit the layout; 2 usage error.\n";

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
        else if (isOption(arg, "--layout"))
        {
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
    if (files.empty()) throw UsageError("no FILE given");
    if (files.size() > 1)
        throw UsageError("one FILE at a time ('" + files[0] + "', '" + files[1] + "', ...)");
    parsed.file = files.front();
    return parsed;
}

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

    if (arguments.json)
    {
        // Replace invalid UTF-8 (a Latin-1 file name) rather than throw: the output stays one object.
        const std::string text =
            analysisToJson(result).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
        std::fprintf(stdout, "%s\n", text.c_str());
    }
    else
    {
        std::fputs(analysisTable(result).c_str(), stdout);
    }
    if (std::fflush(stdout) != 0 || std::ferror(stdout))
    {
        std::fprintf(stderr, "headroom analyze: cannot write the report to standard output\n");
        return 1;
    }
    return 0;
}

} // namespace headroom::server
