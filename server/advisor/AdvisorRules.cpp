#include "server/advisor/AdvisorRules.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace headroom::server
{
namespace
{
constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

// "-9.2"; never "-0.0".
std::string db(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", value);
    std::string s = text;
    if (s == "-0.0") s = "0.0";
    return s;
}

// A correction for a fix text: "6.2" for -6.2 (the verb says the direction); at least "0.1": a
// raised advisory never says "by 0.0 dB".
std::string amountText(double amountDb)
{
    return db(std::max(0.1, std::round(std::fabs(amountDb) * 10.0) / 10.0));
}

std::string labelOf(const TapObservation& o)
{
    if (o.sessionNode != nullptr && !o.sessionNode->label.empty()) return o.sessionNode->label;
    return o.node->id;
}

// The insert whose input a stage is: "insert:<n>" (from 0, as in the file); nullptr otherwise.
const Insert* insertOf(const TapObservation& o)
{
    if (o.sessionNode == nullptr || !o.tap->stage.starts_with("insert:")) return nullptr;
    const auto n = static_cast<std::size_t>(std::strtoul(o.tap->stage.c_str() + 7, nullptr, 10));
    return n < o.sessionNode->inserts.size() ? &o.sessionNode->inserts[n] : nullptr;
}

Finding finding(const char* rule, const TapObservation& o, const char* title, AdvisorySeverity severity)
{
    Finding f;
    AdvisoryRecord& r = f.record;
    r.rule = rule;
    r.nodeId = o.node->id;
    r.tapIndex = o.tap->tapIndex;
    r.stage = o.tap->stage;
    r.id = r.rule + ":" + r.nodeId + ":" + std::to_string(o.tap->tapIndex);
    r.severity = severity;
    r.title = title;
    return f;
}

void evidence(Finding& f, const char* label, double value, const char* unit)
{
    f.record.evidence.push_back({label, value, unit});
}

// The level hysteresis: on above the raise threshold, off at or below the clear threshold.
Trigger schmitt(bool over, bool clearlyUnder)
{
    return over ? Trigger::on : clearlyUnder ? Trigger::off : Trigger::keep;
}

bool levelKnown(const TapObservation& o)
{
    return o.tap->active && std::isfinite(o.tap->averageDbfs);
}

// ---- recording (channel input) -----------------------------------------------------------------

void recordingRules(const TapObservation& o, const InputTargets& t, const RuleSettings& s,
                    std::vector<Finding>& out)
{
    const double avg = o.tap->averageDbfs;
    const double peak = o.recentTruePeakDbtp;
    const double centre = 0.5 * (t.averageMinDbfs + t.averageMaxDbfs);
    const double m = s.clearMarginDb;
    const std::string label = labelOf(o);
    const bool known = levelKnown(o);

    Finding hot = finding("recording_too_hot", o, "Recording too hot",
                          peak >= 0.0 ? AdvisorySeverity::critical : AdvisorySeverity::warning);
    hot.trigger = !known ? Trigger::unknown
                         : schmitt(avg > t.averageMaxDbfs || peak > t.peakMaxDbfs,
                                   avg <= t.averageMaxDbfs - m && peak <= t.peakMaxDbfs - m);
    hot.record.amountDb = -std::max(avg - centre, peak - t.peakMaxDbfs);
    hot.record.symptom = label + " arrives from the interface at " + db(avg) + " dBFS average with peaks at " +
                         db(peak) + " dBTP; the guide's recording target is " + db(t.averageMinDbfs) + " to " +
                         db(t.averageMaxDbfs) + " dBFS average with peaks no higher than " + db(t.peakMaxDbfs) +
                         " dBFS.";
    hot.record.cause = "The interface's input gain is set too high: the recording has no headroom for a louder "
                       "moment, and every plugin and bus after it is driven harder than it was designed for.";
    hot.record.fix = "Lower the input gain on the audio interface by " + amountText(hot.record.amountDb) +
                     " dB (average about " + db(avg + hot.record.amountDb) + " dBFS, peaks about " +
                     db(peak + hot.record.amountDb) +
                     " dBFS). Not with the fader: that leaves the plugins overdriven.";
    evidence(hot, "average", avg, "dBFS");
    evidence(hot, "true peak", peak, "dBTP");
    evidence(hot, "target average max", t.averageMaxDbfs, "dBFS");
    evidence(hot, "target peak max", t.peakMaxDbfs, "dBFS");
    out.push_back(std::move(hot));

    // "Far below -18": the guide's range starts at its minimum; quietMarginDb under it is a
    // recording that needs more gain, not a quiet passage.
    const double quietBelow = t.averageMinDbfs - s.quietMarginDb;
    Finding quiet = finding("recording_too_quiet", o, "Recording too quiet", AdvisorySeverity::warning);
    const double raise = std::min(centre - avg, t.peakMaxDbfs - peak);
    quiet.record.amountDb = raise;
    // A source whose peaks already reach the peak limit cannot take more gain: not a gain problem.
    const bool canRaise = raise >= m;
    quiet.trigger = !known ? Trigger::unknown
                           : !canRaise ? Trigger::off
                                       : schmitt(avg < quietBelow, avg >= quietBelow + m);
    quiet.record.symptom = label + " arrives from the interface at " + db(avg) + " dBFS average (peaks " + db(peak) +
                           " dBTP), " + db(t.averageMinDbfs - avg) + " dB under the guide's " +
                           db(t.averageMinDbfs) + " to " + db(t.averageMaxDbfs) + " dBFS recording range.";
    quiet.record.cause = "The interface's input gain is set too low: the recording sits close to the noise floor of "
                         "the preamp and converter, and the stages after it have to add the gain back, noise "
                         "included.";
    quiet.record.fix = "Raise the input gain on the audio interface by " + amountText(raise) +
                       " dB (average about " + db(avg + raise) + " dBFS, peaks about " + db(peak + raise) +
                       " dBFS, still under " + db(t.peakMaxDbfs) + ").";
    evidence(quiet, "average", avg, "dBFS");
    evidence(quiet, "true peak", peak, "dBTP");
    evidence(quiet, "target average min", t.averageMinDbfs, "dBFS");
    out.push_back(std::move(quiet));
}

// ---- plugin input (channel pre_insert, any insert's input) ------------------------------------

void pluginInputRule(const TapObservation& o, const LevelTargets& t, const RuleSettings& s,
                     std::vector<Finding>& out)
{
    const Insert* insert = insertOf(o);
    if (insert != nullptr && insert->kind == InsertKind::limiter) return; // a limiter is meant to be driven
    const double avg = o.tap->averageDbfs;
    const double limit = t.averageDbfs + t.toleranceDb;
    Finding f = finding("plugin_input_too_hot", o, "Plugin input too hot", AdvisorySeverity::warning);
    f.trigger = !levelKnown(o) ? Trigger::unknown : schmitt(avg > limit, avg <= limit - s.clearMarginDb);
    f.record.amountDb = t.averageDbfs - avg;
    const std::string label = labelOf(o);
    const Insert* first = insert;
    if (first == nullptr && o.sessionNode != nullptr && !o.sessionNode->inserts.empty())
        first = &o.sessionNode->inserts.front();
    const std::string where = insert != nullptr ? insert->name + " (" + std::string(toString(insert->kind)) + ")"
                                                : "its plugin chain";
    const std::string before = first != nullptr ? first->name : "the first insert";
    f.record.symptom = label + " enters " + where + " at " + db(avg) + " dBFS average, " + db(avg - t.averageDbfs) +
                       " dB above the " + db(t.averageDbfs) + " dBFS (0 VU) operating level plugins are designed for.";
    const InsertKind kind = first != nullptr ? first->kind : InsertKind::other;
    if (kind == InsertKind::saturation)
        f.record.cause = "Analog-modelled plugins (tape, tube, console) are calibrated to about 0 VU = " +
                         db(t.averageDbfs) + " dBFS: driven hotter they distort at every setting instead of adding "
                         "their intended character.";
    else if (kind == InsertKind::compressor)
        f.record.cause = "The signal enters the compressor too hot, so it works too aggressively even at a low "
                         "ratio and threshold.";
    else
        f.record.cause = "Too much gain before the plugins (the trim or the recording level): they overdrive "
                         "internally, a harsh distortion the channel meters may not show.";
    f.record.fix = "Put a utility gain (or the channel's input trim) before " + before + " and lower it by " +
                   amountText(f.record.amountDb) + " dB, then reset the plugins' thresholds and drive.";
    evidence(f, "average", avg, "dBFS");
    evidence(f, "target average", t.averageDbfs, "dBFS");
    out.push_back(std::move(f));
}

// ---- gain stacking (a plugin chain) -------------------------------------------------------------

void gainStackingRule(const NodeStats& node, const std::vector<TapObservation>& taps, const RuleSettings& s,
                      std::vector<Finding>& out)
{
    if (!node.chain) return;
    const TapObservation* post = nullptr;
    const TapObservation* pre = nullptr;
    for (const TapObservation& o : taps)
    {
        if (o.tap->tapIndex == node.chain->postInsertTap) post = &o;
        if (o.tap->tapIndex == node.chain->preInsertTap) pre = &o;
    }
    if (post == nullptr || pre == nullptr) return;
    const double maxGain = post->sessionNode != nullptr ? post->sessionNode->targets.pluginChain.maxGainDb : 3.0;
    const double gain = node.chain->gainDb;
    Finding f = finding("gain_stacking", *post, "Gain stacking through the plugin chain", AdvisorySeverity::warning);
    f.trigger = !(std::isfinite(gain) && pre->tap->active) ? Trigger::unknown
                                                          : schmitt(gain > maxGain, gain <= maxGain - s.clearMarginDb);
    f.record.amountDb = -gain;
    const std::string label = labelOf(*post);
    f.record.symptom = label + " leaves its plugin chain " + db(gain) + " dB louder than it enters it (post-insert " +
                       db(post->tap->averageDbfs) + " dBFS against pre-insert " + db(pre->tap->averageDbfs) +
                       " dBFS average); the session allows " + db(maxGain) + " dB.";
    f.record.cause = "EQ boosts and compressor make-up gain stack up through the chain, so every later plugin, "
                     "and the fader, is driven harder than intended.";
    f.record.fix = "Compensate " + amountText(f.record.amountDb) +
                   " dB at the plugin outputs (the EQ's output gain after a boost, less make-up gain) so the "
                   "chain's output is about equal to its input.";
    evidence(f, "chain gain", gain, "dB");
    evidence(f, "max chain gain", maxGain, "dB");
    out.push_back(std::move(f));
}

// ---- bus input ---------------------------------------------------------------------------------

void busInputRule(const TapObservation& o, const LevelTargets& t, const RuleSettings& s, std::vector<Finding>& out)
{
    const double avg = o.tap->averageDbfs;
    const double limit = t.averageDbfs + t.toleranceDb;
    Finding f = finding("bus_input_too_hot", o, "Bus input too hot", AdvisorySeverity::warning);
    f.trigger = !levelKnown(o) ? Trigger::unknown : schmitt(avg > limit, avg <= limit - s.clearMarginDb);
    f.record.amountDb = t.averageDbfs - avg;
    const std::string label = labelOf(o);
    const bool processed = o.sessionNode != nullptr && !o.sessionNode->inserts.empty();
    f.record.symptom = label + " enters its " + (processed ? "processing (" + o.sessionNode->inserts.front().name + ")"
                                                           : std::string("bus")) +
                       " at " + db(avg) + " dBFS average, " + db(avg - t.averageDbfs) + " dB above the " +
                       db(t.averageDbfs) + " dBFS the guide asks of a bus input.";
    f.record.cause = "Its members add up: tracks that are each well staged sum to several dB more on the bus, so a "
                     "bus compressor reacts too aggressively and the bus has no headroom.";
    f.record.fix = "Pull the faders of the tracks feeding " + label + " down " + amountText(f.record.amountDb) +
                   " dB together (or trim the bus input by as much before its first insert), then set the bus "
                   "plugins; use the bus fader for its contribution to the mix.";
    evidence(f, "average", avg, "dBFS");
    evidence(f, "target average", t.averageDbfs, "dBFS");
    out.push_back(std::move(f));
}

// ---- mix bus (master pre_insert) ----------------------------------------------------------------

void mixBusRule(const TapObservation& o, const MixBusTargets& t, const RuleSettings& s, std::vector<Finding>& out)
{
    const double avg = o.tap->averageDbfs;
    const double peak = o.recentTruePeakDbtp;
    const double avgLimit = t.averageDbfs + t.toleranceDb;
    const double m = s.clearMarginDb;
    Finding f = finding("mix_bus_hot", o, "Mix bus in the red",
                        peak >= 0.0 ? AdvisorySeverity::critical : AdvisorySeverity::warning);
    f.trigger = !levelKnown(o) ? Trigger::unknown
                               : schmitt(peak > t.peakMaxDbfs || avg > avgLimit,
                                         peak <= t.peakMaxDbfs - m && avg <= avgLimit - m);
    f.record.amountDb = -std::max(peak - t.peakMaxDbfs, avg - t.averageDbfs);
    f.record.symptom = "The mix bus peaks at " + db(peak) + " dBTP with an average of " + db(avg) +
                       " dBFS before any master processing; the guide asks for peaks around " + db(t.peakMaxDbfs) +
                       " dBFS at the loudest and an average around " + db(t.averageDbfs) + " dBFS.";
    f.record.cause = "Many tracks are each running hot and their sum pushes the mix bus into the red, even though "
                     "no single track needs to clip for it.";
    f.record.fix = "Select all tracks and lower their faders together by " + amountText(f.record.amountDb) +
                   " dB (the guide: 6 to 12 dB), then raise the master fader back up if needed.";
    evidence(f, "true peak", peak, "dBTP");
    evidence(f, "average", avg, "dBFS");
    evidence(f, "target peak", t.peakMaxDbfs, "dBFS");
    evidence(f, "target average", t.averageDbfs, "dBFS");
    out.push_back(std::move(f));
}

// ---- clipping and intersample overs (every tap) -------------------------------------------------

// Where a tap sits, and what lowers the level there.
struct StageAdvice
{
    std::string where;  // "at the interface input"
    std::string cause;  // why it clips there
    std::string remedy; // "Lower the input gain on the audio interface": "by N dB" follows
    std::string after;  // what follows the amount, if anything
};

StageAdvice stageAdvice(const TapObservation& o)
{
    const std::string& stage = o.tap->stage;
    const NodeKind kind = o.node->kind;
    if (stage == kStageInput)
        return {"at the interface input",
                "The interface's input gain is too high: the converter clips, and nothing after it can repair that.",
                "Lower the input gain on the audio interface", " and record the take again"};
    if (const Insert* insert = insertOf(o))
        return {"entering " + insert->name, "The level entering " + insert->name + " reaches full scale.",
                "Lower the level before " + insert->name + " (a utility gain)", ""};
    if (stage == kStagePreInsert && kind == NodeKind::master)
        return {"on the mix bus", "The sum of the tracks reaches full scale on the mix bus.",
                "Select all tracks and lower their faders together", " (the guide: 6 to 12 dB)"};
    if ((stage == kStagePreInsert || stage == kStageSummedMembers) && kind == NodeKind::bus)
        return {"at the bus input", "The members' sum reaches full scale at the bus input.",
                "Pull the members' faders down together", ""};
    if (stage == kStagePreInsert)
        return {"entering the plugin chain", "Too much gain before the plugin chain (trim or recording level).",
                "Lower the trim (or a utility gain before the first insert)", ""};
    if (stage == kStagePostInsert)
        return {"leaving the plugin chain",
                "The plugins add gain (EQ boosts, make-up gain) until the chain's output reaches full scale.",
                "Lower the plugins' output gain", ""};
    if (stage == kStagePostFader)
        return {"after the fader", "The fader pushes the signal to full scale.", "Lower the fader", ""};
    if (stage == kStageOutput)
        return {"at the master output", "The master output reaches full scale.",
                "Lower the master fader (or the limiter's ceiling)", ""};
    return {"at " + stage, "The signal reaches full scale.", "Lower the level before it", ""};
}

void clippingRule(const Session& session, const TapObservation& o, std::vector<Finding>& out)
{
    uint64_t clipEvents = 0;
    for (const ChannelStats& c : o.tap->channels) clipEvents += c.clipEvents;
    Finding f = finding("clipping", o, "Clipping", AdvisorySeverity::critical);
    f.raiseAtOnce = true;
    f.trigger = o.newClipEvents > 0 ? Trigger::on : Trigger::off;
    // Clipped samples hide how far over the signal was: the amount brings the measured peak to the
    // tap's peak target (or -1 dBTP where the guide sets none) and is a minimum.
    double limit = o.tap->target && o.tap->target->target.peakMaxDbfs < 0.0 ? o.tap->target->target.peakMaxDbfs : -1.0;
    limit = std::min(limit, session.reference.clipThresholdDbfs - 1.0);
    const double peak = std::isfinite(o.recentTruePeakDbtp) ? o.recentTruePeakDbtp : 0.0;
    f.record.amountDb = std::min(limit - peak, -1.0);
    const StageAdvice a = stageAdvice(o);
    f.record.symptom = labelOf(o) + " clips " + a.where + ": " + std::to_string(clipEvents) +
                       " runs of full-scale samples so far, true peaks at " + db(peak) + " dBTP.";
    f.record.cause = a.cause + " Digital clipping is a hard wall: harsh, and permanent once recorded or bounced.";
    f.record.fix = a.remedy + " by at least " + amountText(f.record.amountDb) + " dB" + a.after + ".";
    evidence(f, "clip events", static_cast<double>(clipEvents), "events");
    evidence(f, "true peak", peak, "dBTP");
    out.push_back(std::move(f));
}

void intersampleRule(const TapObservation& o, const RuleSettings& s, std::vector<Finding>& out)
{
    const bool masterOutput = o.node->kind == NodeKind::master && o.tap->stage == kStageOutput;
    const double limit = masterOutput ? -1.0 : 0.0;
    Finding f = finding("intersample_overs", o, "Intersample overs", AdvisorySeverity::warning);
    f.raiseAtOnce = true;
    // A tap that clipped recently has overs because it clips: the clipping advisory says so.
    const bool clipped = o.secondsSinceClip <= s.clipHoldSeconds;
    f.trigger = o.intervalTruePeakDbtp > limit && !clipped ? Trigger::on : Trigger::off;
    const double peak = o.recentTruePeakDbtp;
    f.record.amountDb = limit - peak;
    const StageAdvice a = stageAdvice(o);
    f.record.symptom = labelOf(o) + " reaches " + db(peak) + " dBTP true peak " + a.where + ", above " + db(limit) +
                       " dBTP" + (masterOutput ? " (the ceiling for a master output)" : "") +
                       ", although no run of samples clips.";
    f.record.cause = "The waveform between the samples goes over full scale: a DAC, a sample-rate converter or a "
                     "lossy encoder clips it, though a sample-peak meter shows nothing.";
    f.record.fix = a.remedy + " by " + amountText(f.record.amountDb) + " dB" + a.after +
                   (masterOutput ? ", or set a true-peak limiter's ceiling to -1 dBTP." : ".");
    evidence(f, "true peak", peak, "dBTP");
    evidence(f, "limit", limit, "dBTP");
    out.push_back(std::move(f));
}

// ---- the master output: delivery to mastering, or streaming loudness -----------------------------

void deliveryRules(const TapObservation& o, const Node& master, const RuleSettings& s, std::vector<Finding>& out)
{
    const DeliveryTargets& d = master.targets.delivery;
    const LoudnessStats& l = o.tap->loudness;
    const double peak = o.recentTruePeakDbtp;
    const double integrated = l.integratedLufs;
    const bool loudnessKnown = std::isfinite(integrated) && l.integratedSeconds >= s.minIntegratedSeconds;
    const double m = s.clearMarginDb;
    const double peakCentre = 0.5 * (d.peakMinDbfs + d.peakMaxDbfs);
    const double loudnessCentre = 0.5 * (d.integratedMinLufs + d.integratedMaxLufs);
    const double amount =
        -std::max(peak - peakCentre, loudnessKnown ? integrated - loudnessCentre : kMinusInfinity);
    const std::string range = "peaks no higher than " + db(d.peakMaxDbfs) + " to " + db(d.peakMinDbfs) +
                              " dBFS and an integrated loudness of about " + db(d.integratedMaxLufs) + " to " +
                              db(d.integratedMinLufs) + " LUFS";

    const Insert* limiter = nullptr;
    for (const Insert& i : master.inserts)
        if (i.kind == InsertKind::limiter) limiter = &i;

    // Limited: a peak-to-loudness ratio this low means the peaks are pinned to a ceiling.
    Finding limited = finding("mix_limited_for_mastering", o, "Mix limited before mastering", AdvisorySeverity::warning);
    const double plr = l.plrDb;
    limited.trigger = !(loudnessKnown && std::isfinite(plr))
                          ? Trigger::unknown
                          : schmitt(plr < s.limitedPlrDb, plr >= s.limitedPlrDb + m);
    limited.record.amountDb = std::min(0.0, amount);
    limited.record.symptom = "The mix delivered for mastering has a peak-to-loudness ratio of only " + db(plr) +
                             " dB (true peak " + db(peak) + " dBTP, integrated " + db(integrated) +
                             " LUFS): its peaks are pinned to a ceiling.";
    limited.record.cause = std::string("A limiter or loudness maximiser on the mix bus output") +
                           (limiter != nullptr ? " (" + limiter->name + ")" : std::string()) +
                           ": it spends the dynamics and headroom the mastering stage needs.";
    limited.record.fix = "Remove the limiter from the mix bus and leave headroom: " +
                         (limited.record.amountDb < 0.0 ? "lower the mix by " + amountText(limited.record.amountDb) +
                                                              " dB, to "
                                                        : std::string("aim for ")) +
                         range + ". Leave the loudness to mastering.";
    evidence(limited, "PLR", plr, "dB");
    evidence(limited, "true peak", peak, "dBTP");
    evidence(limited, "integrated", integrated, "LUFS");
    const Trigger limitedTrigger = limited.trigger;
    out.push_back(std::move(limited));

    Finding loud = finding("mix_too_loud_for_mastering", o, "Mix too hot for mastering", AdvisorySeverity::warning);
    if (!o.tap->active)
        loud.trigger = Trigger::unknown;
    else if (limitedTrigger == Trigger::on || limitedTrigger == Trigger::keep)
        loud.trigger = Trigger::off; // the limited-mix advisory says it, with the same amount
    else
        loud.trigger = schmitt(peak > d.peakMaxDbfs || (loudnessKnown && integrated > d.integratedMaxLufs),
                               peak <= d.peakMaxDbfs - m && (!loudnessKnown || integrated <= d.integratedMaxLufs - m));
    loud.record.amountDb = amount;
    loud.record.symptom = "The mix delivered for mastering peaks at " + db(peak) + " dBTP" +
                          (loudnessKnown ? " with an integrated loudness of " + db(integrated) + " LUFS" : "") +
                          "; the guide asks for " + range + ".";
    loud.record.cause = "The mix was made loud before mastering: the mastering limiter has no headroom left to work "
                        "cleanly without destroying the dynamics.";
    loud.record.fix = "Lower the master fader by " + amountText(amount) +
                      " dB before the bounce, and use no processing that maximises loudness on the mix bus.";
    evidence(loud, "true peak", peak, "dBTP");
    if (loudnessKnown) evidence(loud, "integrated", integrated, "LUFS");
    evidence(loud, "target peak max", d.peakMaxDbfs, "dBFS");
    evidence(loud, "target integrated max", d.integratedMaxLufs, "LUFS");
    out.push_back(std::move(loud));
}

void streamingRule(const TapObservation& o, const Node& master, const RuleSettings& s, std::vector<Finding>& out)
{
    const StreamingTargets& t = master.targets.streaming;
    const LoudnessStats& l = o.tap->loudness;
    const double integrated = l.integratedLufs;
    Finding f = finding("streaming_loudness", o, "Streaming loudness", AdvisorySeverity::info);
    f.trigger = std::isfinite(integrated) && l.integratedSeconds >= s.minIntegratedSeconds ? Trigger::on
                                                                                            : Trigger::unknown;
    f.record.amountDb = t.spotifyLufs - integrated;
    const auto change = [integrated](const char* platform, double target)
    {
        const double d = target - integrated;
        return std::string(platform) + " (" + db(target) + " LUFS) plays it " + db(std::fabs(d)) + " dB " +
               (d < 0.0 ? "quieter" : "louder");
    };
    f.record.symptom = "The master's integrated loudness is " + db(integrated) + " LUFS (true peak " +
                       db(o.recentTruePeakDbtp) + " dBTP).";
    f.record.cause = "Streaming services normalise playback loudness: a louder master is simply turned down, a "
                     "quieter one up (as far as its peaks allow).";
    f.record.fix = change("Spotify", t.spotifyLufs) + "; " + change("Apple Music", t.appleMusicLufs) + "; " +
                   change("YouTube", t.youtubeLufs) + ". To sit at Spotify's target, change the master by " +
                   db(f.record.amountDb) + " dB; mastering louder gains nothing there.";
    evidence(f, "integrated", integrated, "LUFS");
    evidence(f, "Spotify", t.spotifyLufs, "LUFS");
    evidence(f, "Apple Music", t.appleMusicLufs, "LUFS");
    evidence(f, "YouTube", t.youtubeLufs, "LUFS");
    out.push_back(std::move(f));
}
} // namespace

void runRules(const Session& session, const EngineSnapshot& snapshot, const std::vector<TapObservation>& taps,
              const RuleSettings& settings, std::vector<Finding>& out)
{
    for (const TapObservation& o : taps)
    {
        const std::string& stage = o.tap->stage;
        const NodeKind kind = o.node->kind;
        clippingRule(session, o, out);
        intersampleRule(o, settings, out);
        if (o.sessionNode == nullptr) continue;
        const Targets& t = o.sessionNode->targets;
        if (kind == NodeKind::channel && stage == kStageInput) recordingRules(o, t.input, settings, out);
        if ((kind == NodeKind::channel && stage == kStagePreInsert) || stage.starts_with("insert:"))
            pluginInputRule(o, t.pluginInput, settings, out);
        if (kind == NodeKind::bus && stage == kStagePreInsert) busInputRule(o, t.busInput, settings, out);
        if (kind == NodeKind::master && stage == kStagePreInsert) mixBusRule(o, t.mixBus, settings, out);
        if (kind == NodeKind::master && stage == kStageOutput)
        {
            if (o.sessionNode->mastered)
                streamingRule(o, *o.sessionNode, settings, out);
            else
                deliveryRules(o, *o.sessionNode, settings, out);
        }
    }
    for (const NodeStats& node : snapshot.nodes)
    {
        std::vector<TapObservation> own;
        for (const TapObservation& o : taps)
            if (o.node == &node) own.push_back(o);
        gainStackingRule(node, own, settings, out);
    }
}

} // namespace headroom::server
