#include "server/lab/LabExercise.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace headroom::server::lab
{
namespace
{
constexpr double kWindowSeconds = 3.0;      // "loudest moments" and "average": the last 3 s
constexpr double kMinWindowSeconds = 1.0;   // judged once this much audio is in the window
constexpr double kOverDbfs = -6.0;          // the guide's ceiling for recorded peaks and the mix bus
constexpr double kPeakAim = -12.0, kPeakTolerance = 2.0;
constexpr double kAverageAim = -18.0, kAverageTolerance = 3.0;
constexpr double kMoveWindowSeconds = 2.0;  // the all-faders-down move happens within this
constexpr double kMoveMinDb = 5.0, kMoveMaxDb = 13.0, kMoveSpreadDb = 3.0; // 6..12 dB, 1 dB slack
constexpr double kMoveSettleSeconds = 0.5;  // the 300 ms RMS settles before the drop is measured
constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double powerOf(double dbfs)
{
    return std::isfinite(dbfs) ? std::pow(10.0, dbfs / 10.0) : 0.0;
}

std::string dbText(double db)
{
    if (!std::isfinite(db)) return "-inf";
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", db);
    return text;
}

double tapPeak(const TapStats& tap)
{
    double peak = kNegInf;
    for (const ChannelStats& c : tap.channels)
        if (!std::isnan(c.truePeakDbtp)) peak = std::max(peak, c.truePeakDbtp);
    return peak;
}

std::optional<double> finite(double v)
{
    return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

double clampScore(double s)
{
    return std::clamp(s, 0.0, 100.0);
}
} // namespace

std::string tapName(const NodeStats& node, const TapStats& tap)
{
    return node.id + "/" + tap.stage;
}

void LabExercise::Window::add(double t, const TapStats& tap)
{
    levels.emplace_back(t, powerOf(tap.levelDbfs));
    peaks.emplace_back(t, tapPeak(tap));
    dbHistory.emplace_back(t, tap.levelDbfs);
    while (!levels.empty() && levels.front().first < t - kWindowSeconds) levels.pop_front();
    while (!peaks.empty() && peaks.front().first < t - kWindowSeconds) peaks.pop_front();
    while (!dbHistory.empty() && dbHistory.front().first < t - 2.0 * kWindowSeconds) dbHistory.pop_front();
}

double LabExercise::Window::averageDbfs() const
{
    if (levels.empty()) return kNegInf;
    double sum = 0.0;
    for (const auto& [t, p] : levels) sum += p;
    const double mean = sum / static_cast<double>(levels.size());
    return mean > 0.0 ? 10.0 * std::log10(mean) : kNegInf;
}

double LabExercise::Window::peakDbtp() const
{
    double peak = kNegInf;
    for (const auto& [t, p] : peaks) peak = std::max(peak, p);
    return peak;
}

std::optional<double> LabExercise::Window::levelAgo(double now, double seconds) const
{
    // The newest reading at or before now - seconds.
    std::optional<double> found;
    for (const auto& [t, db] : dbHistory)
    {
        if (t > now - seconds + 1e-9) break;
        found = db;
    }
    return found;
}

void LabExercise::start(const ExerciseSettings& settings)
{
    const uint64_t run = state_.runId + 1;
    *this = LabExercise{};
    settings_ = settings;
    if (settings_.holdSeconds <= 0.0) settings_.holdSeconds = settings.number == 1 ? 10.0 : 5.0;
    if (settings_.limitSeconds <= 0.0) settings_.limitSeconds = 120.0;
    state_.number = settings.number;
    state_.state = "running";
    state_.target = settings.number == 1 ? settings.target : std::string();
    state_.message = "started: waiting for signal";
    state_.runId = run;
}

void LabExercise::stop()
{
    if (state_.state == "running") state_.state = "stopped";
}

void LabExercise::reset()
{
    const uint64_t run = state_.runId;
    *this = LabExercise{};
    state_.runId = run;
}

void LabExercise::update(const EngineSnapshot& s)
{
    if (state_.state != "running" || s.snapshotSequence == lastSnapshot_) return;
    lastSnapshot_ = s.snapshotSequence;
    if (startAudio_ < 0.0) startAudio_ = lastAudio_ = s.audioSeconds;
    const double dt = std::clamp(s.audioSeconds - lastAudio_, 0.0, 1.0);
    lastAudio_ = s.audioSeconds;
    state_.elapsedSeconds = s.audioSeconds - startAudio_;
    if (state_.number == 1)
        updateCalibrate(s, dt);
    else if (state_.number == 2)
        updateAudit(s, dt);
    else
        updateMixPass(s, dt);
    finishIfDue();
}

void LabExercise::hold(bool condition, double dt)
{
    state_.heldSeconds = condition ? state_.heldSeconds + dt : 0.0;
    state_.progress = std::clamp(state_.heldSeconds / settings_.holdSeconds, 0.0, 1.0);
    if (state_.heldSeconds >= settings_.holdSeconds - 1e-9) state_.state = "passed";
}

void LabExercise::finishIfDue()
{
    if (state_.state == "running" && state_.elapsedSeconds >= settings_.limitSeconds)
    {
        state_.state = "failed";
        state_.message = "time is up (" + dbText(settings_.limitSeconds) + " s): " + state_.message;
    }
}

void LabExercise::updateCalibrate(const EngineSnapshot& s, double dt)
{
    const TapStats* tap = nullptr;
    std::string name;
    for (const NodeStats& node : s.nodes)
        for (const TapStats& t : node.taps)
            if (tap == nullptr && (settings_.target.empty() ? (node.kind == NodeKind::channel && t.stage == "input")
                                                            : tapName(node, t) == settings_.target))
            {
                tap = &t;
                name = tapName(node, t);
            }
    if (tap == nullptr)
    {
        state_.message = settings_.target.empty() ? "this session has no input tap to calibrate"
                                                  : "no tap " + settings_.target + " in this session";
        return;
    }
    state_.target = name;
    Window& w = windows_[name];
    w.add(s.audioSeconds, *tap);
    const bool overNow = w.peaks.back().second > kOverDbfs;
    if (overNow && !wasOver_) ++overs_;
    wasOver_ = overNow;

    const double peak = w.peakDbtp(), average = w.averageDbfs();
    const bool judged = w.levels.size() >= 2 && w.levels.back().first - w.levels.front().first >= kMinWindowSeconds;
    const bool peakOk = std::abs(peak - kPeakAim) <= kPeakTolerance;
    const bool averageOk = std::abs(average - kAverageAim) <= kAverageTolerance;
    const double live = clampScore(100.0 - 5.0 * std::min(20.0, std::abs(peak - kPeakAim)) -
                                   5.0 * std::min(20.0, std::abs(average - kAverageAim)) - 10.0 * overs_);
    state_.items = {{"loudest (3 s)", finite(peak), peakOk, "aim -12 dBFS (-14..-10)"},
                    {"average (3 s)", finite(average), averageOk, "aim -18 dBFS (-21..-15)"},
                    {"over -6 dBFS", static_cast<double>(overs_), !overNow, "times the peaks went over -6 dBFS"}};
    if (!judged)
    {
        state_.message = "listening...";
        return;
    }
    const bool ok = peakOk && averageOk && !overNow;
    if (ok)
    {
        scoreSum_ += live * dt;
        scoreSeconds_ += dt;
    }
    hold(ok, dt);
    state_.score = scoreSeconds_ > 0.0 ? clampScore(scoreSum_ / scoreSeconds_) : live;
    if (state_.state == "passed")
        state_.message = "passed: level held for " + dbText(settings_.holdSeconds) + " s";
    else if (overNow)
        state_.message = "peak over -6 dBFS: lower the preamp gain";
    else if (!std::isfinite(peak) || peak < kPeakAim - kPeakTolerance)
        state_.message = "too low: peaks " + dbText(peak) + " dBFS, raise the gain by about " +
                         dbText(kPeakAim - peak) + " dB";
    else if (peak > kPeakAim + kPeakTolerance)
        state_.message = "too hot: peaks " + dbText(peak) + " dBFS, lower the gain by about " +
                         dbText(peak - kPeakAim) + " dB";
    else if (!averageOk)
        state_.message = "peaks fine; average " + dbText(average) +
                         " dBFS is off -18: a steadier performance or different mic position";
    else
        state_.message = "in the zone: hold it (" + dbText(state_.heldSeconds) + " of " +
                         dbText(settings_.holdSeconds) + " s)";
}

void LabExercise::updateAudit(const EngineSnapshot& s, double dt)
{
    std::vector<proto::lab::ExerciseItem> items;
    int measured = 0, inRange = 0, hotLeft = 0;
    for (const NodeStats& node : s.nodes)
    {
        if (node.kind != NodeKind::channel) continue;
        for (const TapStats& t : node.taps)
        {
            if (t.stage != "pre_insert") continue;
            Window& w = windows_[node.id];
            w.add(s.audioSeconds, t);
            const double average = w.averageDbfs();
            const bool judged =
                w.levels.size() >= 2 && w.levels.back().first - w.levels.front().first >= kMinWindowSeconds;
            proto::lab::ExerciseItem item{node.id, finite(average), false, "no signal yet"};
            if (judged && std::isfinite(average) && t.active)
            {
                if (!hotAtStart_.contains(node.id)) hotAtStart_[node.id] = average > kAverageAim + kAverageTolerance;
                const bool ok = std::abs(average - kAverageAim) <= kAverageTolerance;
                ++measured;
                if (ok) ++inRange;
                item.ok = ok;
                if (ok)
                    item.note = hotAtStart_[node.id] ? "trimmed into range" : "in range";
                else if (average > kAverageAim)
                {
                    item.note = "hot: trim by " + dbText(kAverageAim - average) + " dB";
                    ++hotLeft;
                }
                else
                    item.note = "low: raise by " + dbText(kAverageAim - average) + " dB";
            }
            items.push_back(std::move(item));
        }
    }
    state_.items = std::move(items);
    if (state_.items.empty())
    {
        state_.message = "this session has no channel with a pre_insert tap";
        return;
    }
    state_.score = measured > 0 ? 100.0 * inRange / measured : 0.0;
    hold(measured > 0 && inRange == measured, dt);
    if (state_.state == "passed")
        state_.message = "passed: every channel enters its plugins around -18 dBFS";
    else if (measured == 0)
        state_.message = "listening...";
    else
        state_.message = std::to_string(inRange) + " of " + std::to_string(measured) + " channels in range" +
                         (hotLeft > 0 ? ", " + std::to_string(hotLeft) + " still hot" : std::string());
}

void LabExercise::updateMixPass(const EngineSnapshot& s, double dt)
{
    const TapStats* mix = nullptr;
    for (const NodeStats& node : s.nodes)
        for (const TapStats& t : node.taps)
        {
            if (node.kind == NodeKind::master && t.stage == "pre_insert") mix = &t;
            if (node.kind == NodeKind::channel && t.stage == "post_fader") windows_[node.id].add(s.audioSeconds, t);
        }
    if (mix == nullptr || windows_.empty())
    {
        state_.message = "needs the master's pre_insert and channels' post_fader taps";
        return;
    }
    Window& bus = windows_["\x01mix"]; // a name no node id can have
    bus.add(s.audioSeconds, *mix);
    const double busPeak = bus.peakDbtp();
    const double now = s.audioSeconds;
    std::vector<proto::lab::ExerciseItem> items;

    if (!dropDb_)
    {
        if (std::isfinite(busPeak)) startPeakDbtp_ = std::max(startPeakDbtp_.value_or(kNegInf), busPeak);
        // The move: every channel that had signal before drops by about the same amount.
        double lo = std::numeric_limits<double>::infinity(), hi = kNegInf, sum = 0.0;
        int channels = 0;
        bool all = true, any = false;
        for (auto& [id, w] : windows_)
        {
            if (id == "\x01mix") continue;
            const std::optional<double> before = w.levelAgo(now, kMoveWindowSeconds);
            if (!before || !std::isfinite(*before) || w.dbHistory.empty()) continue;
            const double drop = *before - w.dbHistory.back().second;
            ++channels;
            lo = std::min(lo, drop);
            hi = std::max(hi, drop);
            sum += drop;
            if (!(drop >= kMoveMinDb)) all = false;
            if (drop >= kMoveMinDb) any = true;
        }
        if (channels > 0 && all && moveAudio_ == 0.0) moveAudio_ = now; // a candidate: measure once settled
        if (moveAudio_ > 0.0 && now >= moveAudio_ + kMoveSettleSeconds)
        {
            if (channels > 0 && all && hi <= kMoveMaxDb && hi - lo <= kMoveSpreadDb)
            {
                dropDb_ = sum / channels;
                state_.message = "faders down by " + dbText(*dropDb_) + " dB: now check the mix bus";
            }
            else
            {
                state_.message = channels > 0 && all && hi > kMoveMaxDb
                                     ? "faders pulled down too far (" + dbText(hi) + " dB): aim for 6..12 dB"
                                     : "move ALL faders down together, by the same 6..12 dB";
                moveAudio_ = 0.0;
            }
        }
        else if (moveAudio_ == 0.0 && (partialMove_ || (any && !all)))
        {
            partialMove_ = true;
            state_.message = "only some faders moved: move ALL faders down together, by the same 6..12 dB";
        }
        else if (moveAudio_ == 0.0)
        {
            state_.message = "mix bus peaks " + dbText(busPeak) + " dBFS: pull every fader down by the same amount";
        }
        items.push_back({"mix bus peak at start", startPeakDbtp_, startPeakDbtp_ && *startPeakDbtp_ <= kOverDbfs,
                         "the mix bus before the move"});
        state_.items = std::move(items);
        state_.score = 0.0;
        return;
    }

    // After the move: the window holds only post-move audio once it has been refilled.
    const bool refilled = now - moveAudio_ >= kWindowSeconds + kMoveSettleSeconds;
    const bool ok = refilled && std::isfinite(busPeak) && busPeak <= kOverDbfs;
    state_.score = clampScore(100.0 - 10.0 * std::max(0.0, busPeak - kOverDbfs) -
                              5.0 * std::max(0.0, std::abs(*dropDb_ - 9.0) - 3.0));
    hold(ok, dt);
    const double gained = startPeakDbtp_ ? *startPeakDbtp_ - busPeak : 0.0;
    items.push_back({"mix bus peak at start", startPeakDbtp_, startPeakDbtp_ && *startPeakDbtp_ <= kOverDbfs,
                     "before the move"});
    items.push_back({"faders down", dropDb_, *dropDb_ >= kMoveMinDb && *dropDb_ <= kMoveMaxDb, "6..12 dB"});
    items.push_back({"mix bus peak now", finite(busPeak), busPeak <= kOverDbfs, "at or under -6 dBFS"});
    state_.items = std::move(items);
    if (state_.state == "passed")
        state_.message = "passed: mix bus headroom " + dbText(-busPeak) + " dB (gained " + dbText(gained) + " dB)";
    else if (!refilled)
        state_.message = "measuring the new mix bus level...";
    else if (!ok)
        state_.message = "mix bus still peaks at " + dbText(busPeak) + " dBFS: pull the faders down further";
    else
        state_.message = "mix bus peaks " + dbText(busPeak) + " dBFS: hold it";
}

} // namespace headroom::server::lab
