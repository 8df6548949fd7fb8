#include "tests/proto/ProtoFixtures.h"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "proto/JsonMessages.h"

namespace headroom::proto::fixtures
{

namespace
{

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr uint64_t kServerTimeUs = 1714566896789012; // 2024-05-01T12:34:56.789012Z

constexpr int16_t kInfDb = kCentiDbMinusInfinity;
constexpr int16_t kNone = kCentiDbNoData;

Tap tap(uint32_t index, const std::string& node, const std::string& stage, uint32_t first, uint32_t channels,
        std::optional<StageTarget> target = std::nullopt)
{
    Tap t;
    t.index = index;
    t.node = node;
    t.stage = stage;
    t.firstChannel = first;
    t.numChannels = channels;
    t.layout = channels == 1 ? std::vector<std::string>{"M"} : std::vector<std::string>{"L", "R"};
    t.target = target;
    return t;
}

Node node(const std::string& id, const std::string& kind, const std::string& label, uint32_t channels,
          const std::string& destination, std::vector<uint32_t> taps)
{
    Node n;
    n.id = id;
    n.kind = kind;
    n.label = label;
    n.numChannels = channels;
    n.layout = channels == 1 ? std::vector<std::string>{"M"} : std::vector<std::string>{"L", "R"};
    n.destination = destination;
    n.taps = std::move(taps);
    return n;
}

std::vector<uint8_t> bytesOf(const std::string& text)
{
    return {text.begin(), text.end()};
}

std::vector<uint8_t> encoded(const MeterFrame& frame)
{
    auto bytes = encodeMeterFrame(frame);
    return bytes ? std::move(bytes).value() : std::vector<uint8_t>{};
}

// The decoded values of a frame as the browser sees them (dB; null for no data, "-inf" for
// silence), so the JavaScript decoder is checked against the C++ one value by value.
std::vector<uint8_t> expectedJson(const MeterFrame& f, uint8_t version = kProtocolVersion)
{
    using Json = nlohmann::ordered_json;
    Json ranges = Json::array();
    for (const ChannelRange& r : f.ranges) ranges.push_back({r.first, r.count});
    Json channels = Json::array();
    for (std::size_t i = 0; i < f.numChannels(); ++i) channels.push_back(meterChannelAt(f, i));
    Json levels = Json::object();
    for (std::size_t k = 0; k < kNumMeterFields; ++k)
    {
        const auto field = static_cast<MeterField>(k);
        if (!f.has(field)) continue;
        Json values = Json::array();
        for (int16_t v : f.level(field))
        {
            const double db = dbFromCentiDb(v);
            values.push_back(std::isnan(db) ? Json(nullptr) : std::isinf(db) ? Json("-inf") : Json(db));
        }
        levels[std::string(toString(field))] = std::move(values);
    }
    Json latched = Json::array();
    Json events = Json::array();
    for (uint8_t c : f.clipFlags)
    {
        latched.push_back((c & kClipLatched) != 0 ? 1 : 0);
        events.push_back((c & kClipEvent) != 0 ? 1 : 0);
    }
    const Json j = {{"version", version},
                    {"type", static_cast<int>(FrameType::meter)},
                    {"flags", f.flags},
                    {"merged", (f.flags & frame_flags::merged) != 0},
                    {"xrun", (f.flags & frame_flags::xrun) != 0},
                    {"stale", (f.flags & frame_flags::stale) != 0},
                    {"dropped", (f.flags & frame_flags::dropped) != 0},
                    {"fields", f.fields},
                    {"sequence", f.sequence},
                    {"server_time_us", f.serverTimeUs},
                    {"topology_version", f.topologyVersion},
                    {"count", f.numChannels()},
                    {"ranges", std::move(ranges)},
                    {"channels", std::move(channels)},
                    {"levels", std::move(levels)},
                    {"clip_latched", std::move(latched)},
                    {"clip_event", std::move(events)}};
    return bytesOf(j.dump(2) + "\n");
}

} // namespace

Topology studioTopology(uint32_t version)
{
    const StageTarget recording{-18.0, -12.0, -6.0};
    const StageTarget pluginInput{-21.0, -15.0, 0.0};
    const StageTarget busInput{-21.0, -15.0, 0.0};
    const StageTarget mixBus{-21.0, -15.0, -6.0};

    Topology t;
    t.version = version;
    t.numMeterChannels = 18;
    t.taps = {
        tap(0, "kick", "input", 0, 1, recording),
        tap(1, "kick", "post_fader", 1, 1),
        tap(2, "snare", "input", 2, 1, recording),
        tap(3, "snare", "post_fader", 3, 1),
        tap(4, "vocal", "input", 4, 1, recording),
        tap(5, "vocal", "pre_insert", 5, 1, pluginInput),
        tap(6, "vocal", "post_insert", 6, 1),
        tap(7, "vocal", "post_fader", 7, 1),
        tap(8, "drums", "post_fader", 8, 2),
        tap(9, "drums", "pre_insert", 10, 2, busInput),
        tap(10, "master", "pre_insert", 12, 2, mixBus),
        tap(11, "master", "output", 14, 2),
        tap(12, "master", "summed_members", 16, 2),
    };
    t.taps[8].connected = false; // its JACK ports do not exist (yet)
    t.taps[9].isVirtual = true;
    t.taps[9].members = {1, 3};
    t.taps[9].connected = true;
    t.taps[12].isVirtual = true;
    t.taps[12].members = {7, 8};
    t.taps[12].connected = false; // a member is not connected

    Node kick = node("kick", "channel", "Kick", 1, "drums", {0, 1});
    Node snare = node("snare", "channel", "Snare", 1, "drums", {2, 3});
    Node vocal = node("vocal", "channel", "Lead vocal", 1, "master", {4, 5, 6, 7});
    vocal.inserts = {{"EQ", "eq", std::nullopt}, {"1176-style compressor", "compressor", std::nullopt}};
    vocal.maxChainGainDb = 3.0;
    Node drums = node("drums", "bus", "Drums", 2, "master", {9, 8});
    drums.inserts = {{"Bus compressor", "compressor", std::nullopt}};
    drums.maxChainGainDb = 3.0;
    Node master = node("master", "master", "Mix bus", 2, "", {10, 12, 11});
    master.masterTargets = MasterTargets{
        false, DeliveryTargets{}, {{"Spotify", -14.0}, {"Apple Music", -16.0}, {"YouTube", -16.0}}};
    t.nodes = {kick, snare, vocal, drums, master};
    t.edges = {{"kick", "drums"}, {"snare", "drums"}, {"vocal", "master"}, {"drums", "master"}};
    t.chains = {{"vocal", 5, 6}};
    t.buses = {{"drums", 9, std::nullopt, {"kick", "snare"}}, {"master", 12, 10, {"vocal", "drums"}}};
    return t;
}

Hello studioHello()
{
    Hello h;
    h.server = {"studio-b", "0.1.0"};
    h.room = "Studio B";
    h.session = "EP mix, song 2";
    h.sampleRateHz = 48000;
    h.periodFrames = 256;
    h.serverTimeUs = kServerTimeUs;
    h.role = Role::control;
    h.topology = studioTopology(3);
    return h;
}

Stats studioStats()
{
    Stats s;
    s.sequence = 42;
    s.topologyVersion = 3;
    s.serverTimeUs = kServerTimeUs;
    s.audioSeconds = 12.34;
    s.counters = {1234, 0, 0, 1, 0};
    s.health = {true, false, 0.004};

    TapStats preInsert;
    preInsert.tap = 5;
    preInsert.levelDbfs = -9.234;
    preInsert.averageDbfs = -9.2;
    preInsert.active = true;
    preInsert.maxTruePeakDbtp = -1.04;
    preInsert.headroomDb = 1.04;
    preInsert.crestFactorDb = 12.5;
    preInsert.noiseFloorDbfs = -71.25;
    preInsert.loudness = {-14.2, -15.03, -15.5, kNaN, -11.9, -13.0, 11.9, false, 14.46, 12.01};
    preInsert.target = TargetStats{5.8, 1.04, 11.9, 0.5, 11.4, 0.0, 0.0};
    preInsert.channels = {{-1.04, -12.2, 0, 0}};

    TapStats postInsert;
    postInsert.tap = 6;
    postInsert.levelDbfs = -4.1;
    postInsert.averageDbfs = -4.25;
    postInsert.active = true;
    postInsert.maxTruePeakDbtp = 0.31;
    postInsert.headroomDb = -0.31;
    postInsert.crestFactorDb = 8.0;
    postInsert.noiseFloorDbfs = kNaN;
    postInsert.clipLatched = true;
    postInsert.loudness = {-9.0, -10.2, -10.5, 4.2, -8.1, -9.7, 11.9, false, 10.81, 10.5};
    postInsert.channels = {{0.31, -7.6, 3, 14}};

    NodeStats vocal;
    vocal.id = "vocal";
    vocal.taps = {preInsert, postInsert};
    vocal.chain = ChainStats{4.95, 5.02, 11.9};

    TapStats drumsInput; // silent: the sum of nothing yet
    drumsInput.tap = 9;
    drumsInput.levelDbfs = -kInf;
    drumsInput.averageDbfs = kNaN;
    drumsInput.maxTruePeakDbtp = -kInf;
    drumsInput.headroomDb = kInf;
    drumsInput.crestFactorDb = kNaN;
    drumsInput.noiseFloorDbfs = kNaN;
    drumsInput.loudness = {-kInf, -kInf, -kInf, kNaN, -kInf, -kInf, 0.0, false, kNaN, kNaN};
    drumsInput.target = TargetStats{kNaN, kInf, 0.0, 0.0, 0.0, 0.0, 0.0};
    drumsInput.channels = {{-kInf, -kInf, 0, 0}, {-kInf, -kInf, 0, 0}};

    NodeStats drums;
    drums.id = "drums";
    drums.taps = {drumsInput};
    drums.bus = BusStats{
        {{"kick", 1, -kInf, 0.0}, {"snare", 3, -kInf, 0.0}}, -kInf, kNaN, kNaN, kNaN, -kInf, kInf, 0.0};

    s.nodes = {vocal, drums};

    Advisory a;
    a.id = "plugin_input_too_hot:vocal:5";
    a.rule = "plugin_input_too_hot";
    a.node = "vocal";
    a.tap = 5;
    a.severity = Severity::warning;
    a.title = "Plugin input too hot";
    a.symptom = "Lead vocal enters its plugin chain at -9.2 dBFS average, 6.2 dB above the -18 dBFS target.";
    a.cause = "Too much gain before the first insert: the trim or the recording level.";
    a.fix = "Put a utility gain before the first insert and lower it by 6.2 dB.";
    a.amountDb = -6.2;
    a.evidence = {
        {"average (last 10 s)", -9.2, "dBFS"}, {"target average", -18.0, "dBFS"}, {"over target", 11.4, "s"}};
    a.raisedTimeUs = kServerTimeUs - 4000000;
    s.advisories = {a};
    return s;
}

MeterFrame fullFrame()
{
    MeterFrame f;
    f.fields = kDefaultMeterFields;
    f.sequence = 1234;
    f.serverTimeUs = kServerTimeUs;
    f.topologyVersion = 3;
    f.resize(18);
    for (std::size_t i = 0; i < 18; ++i)
    {
        const auto c = static_cast<int16_t>(i);
        f.level(MeterField::truePeak)[i] = static_cast<int16_t>(-300 - 111 * c);
        f.level(MeterField::rms)[i] = static_cast<int16_t>(-1850 - 97 * c);
        f.level(MeterField::vu)[i] = static_cast<int16_t>(-1790 - 95 * c);
        f.level(MeterField::ppm)[i] = static_cast<int16_t>(-600 - 103 * c);
        f.level(MeterField::peakHold)[i] = static_cast<int16_t>(-250 - 100 * c);
    }
    for (MeterField field :
         {MeterField::truePeak, MeterField::rms, MeterField::vu, MeterField::ppm, MeterField::peakHold})
    {
        f.level(field)[1] = kInfDb; // kick post-fader: silence
        f.level(field)[8] = kNone;  // drums post-fader: not connected
        f.level(field)[9] = kNone;
        f.level(field)[16] = kCentiDbMin; // clamped from below
    }
    f.level(MeterField::truePeak)[13] = kCentiDbMax; // clamped from above
    f.level(MeterField::truePeak)[6] = 31;           // +0.31 dBTP: an intersample over
    f.level(MeterField::rms)[4] = 0;
    f.clipFlags[6] = kClipLatched | kClipEvent;
    f.clipFlags[7] = kClipLatched;
    f.clipFlags[10] = kClipEvent;
    f.clipFlags[17] = kClipLatched | kClipEvent;
    return f;
}

MeterFrame subsetFrame()
{
    auto part = selectMeterChannels(fullFrame(), {{4, 4}, {12, 2}},
                                    fieldBit(MeterField::truePeak) | fieldBit(MeterField::rms));
    MeterFrame f = part ? std::move(part).value() : MeterFrame{};
    f.flags = frame_flags::xrun | frame_flags::stale;
    return f;
}

MeterFrame mergedFrameOlder()
{
    MeterFrame f;
    f.fields = kKnownMeterFields;
    f.flags = frame_flags::dropped | frame_flags::stale;
    f.sequence = 2000;
    f.serverTimeUs = kServerTimeUs;
    f.topologyVersion = 7;
    f.resize(17);
    for (std::size_t k = 0; k < kNumMeterFields; ++k)
        for (std::size_t i = 0; i < 17; ++i)
            f.levels[k][i] =
                static_cast<int16_t>(-1000 - 10 * static_cast<int>(k) - 50 * static_cast<int>(i));
    for (auto& values : f.levels)
    {
        values[0] = kNone;  // no data before, a value now
        values[1] = -500;   // a value before, no data now
        values[2] = kInfDb; // silence before, a value now
        values[3] = -200;   // louder before than now
    }
    f.clipFlags[4] = kClipLatched;              // latched before, cleared by reset_peaks since
    f.clipFlags[5] = kClipEvent | kClipLatched; // a clip in the older frame only
    f.clipFlags[16] = kClipEvent;
    return f;
}

MeterFrame mergedFrameNewer()
{
    MeterFrame f = mergedFrameOlder();
    f.flags = frame_flags::xrun;
    f.sequence = 2002;
    f.serverTimeUs = kServerTimeUs + 33333;
    for (std::size_t k = 0; k < kNumMeterFields; ++k)
        for (std::size_t i = 0; i < 17; ++i)
            f.levels[k][i] = static_cast<int16_t>(-980 - 10 * static_cast<int>(k) - 55 * static_cast<int>(i));
    for (auto& values : f.levels)
    {
        values[0] = -700;
        values[1] = kNone;
        values[2] = -1500;
        values[3] = -900;
    }
    std::fill(f.clipFlags.begin(), f.clipFlags.end(), uint8_t{0});
    f.clipFlags[6] = kClipEvent | kClipLatched;
    f.clipFlags[16] = kClipEvent | kClipLatched;
    return f;
}

MeterFrame mergedFrame()
{
    MeterFrame f = mergedFrameOlder();
    mergeMeterFrames(f, mergedFrameNewer());
    return f;
}

MeterFrame emptyFrame()
{
    MeterFrame f;
    f.sequence = 1;
    f.serverTimeUs = kServerTimeUs;
    f.topologyVersion = 1;
    f.resize(0);
    return f;
}

MeterFrame futureFrameDecoded()
{
    MeterFrame f;
    f.fields = fieldBit(MeterField::truePeak) | fieldBit(MeterField::rms);
    f.flags = static_cast<uint16_t>(frame_flags::stale | 0x8000u);
    f.sequence = 99;
    f.serverTimeUs = kServerTimeUs;
    f.topologyVersion = 2;
    f.resize(3);
    f.level(MeterField::truePeak) = {-100, -200, kInfDb};
    f.level(MeterField::rms) = {-1800, kNone, -2400};
    f.clipFlags = {kClipLatched, 0, kClipEvent};
    return f;
}

std::vector<uint8_t> futureFrameBytes()
{
    // Encode what version 1 knows, then splice in what a newer sender adds: field bit 9 (an
    // int16[3] array after the known ones, since arrays follow bit order) and flag bit 15.
    MeterFrame known = futureFrameDecoded();
    known.flags = frame_flags::stale;
    std::vector<uint8_t> bytes = encoded(known);
    const uint16_t fields = static_cast<uint16_t>(known.fields | (1u << 9));
    bytes[4] = static_cast<uint8_t>(fields);
    bytes[5] = static_cast<uint8_t>(fields >> 8);
    bytes[3] = static_cast<uint8_t>(bytes[3] | 0x80u);
    const std::size_t afterKnownArrays = kMeterFrameHeaderBytes + 2 * 3 * 2;
    const std::vector<uint8_t> unknownArray = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
    bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(afterKnownArrays), unknownArray.begin(),
                 unknownArray.end());
    bytes.resize(meterFrameSize(3, 0, fields), 0); // re-pad: 32 + 18 + 2 = 52, already a multiple of 4
    return bytes;
}

Subscribe subscribeDefault()
{
    return Subscribe{};
}

Subscribe subscribeSubset()
{
    Subscribe s;
    s.id = 1;
    s.rateHz = 15;
    s.nodes = std::vector<std::string>{"vocal", "master"};
    s.fields = fieldBit(MeterField::truePeak) | fieldBit(MeterField::rms);
    s.stats = true;
    return s;
}

Subscribe subscribeWall()
{
    Subscribe s;
    s.id = 3;
    s.rateHz = 60;
    s.statsTaps = std::vector<std::string>{"master"};
    return s;
}

Subscribe subscribePaused()
{
    Subscribe s;
    s.id = 2;
    s.rateHz = 10;
    s.stats = false;
    s.paused = true;
    return s;
}

Command commandResetPeaks()
{
    return Command{7, CommandName::resetPeaks};
}

std::vector<Fixture> allFixtures()
{
    MeterFrame future = futureFrameDecoded();
    std::vector<Fixture> all = {
        {"meter_full.bin", encoded(fullFrame())},
        {"meter_full.expected.json", expectedJson(fullFrame())},
        {"meter_subset.bin", encoded(subsetFrame())},
        {"meter_subset.expected.json", expectedJson(subsetFrame())},
        {"meter_merged.bin", encoded(mergedFrame())},
        {"meter_merged.expected.json", expectedJson(mergedFrame())},
        {"meter_empty.bin", encoded(emptyFrame())},
        {"meter_empty.expected.json", expectedJson(emptyFrame())},
        {"meter_future.bin", futureFrameBytes()},
        {"meter_future.expected.json", expectedJson(future)},
        {"hello.json", bytesOf(encodeHello(studioHello()))},
        {"topology.json", bytesOf(encodeTopology(studioTopology(4), 44100, 512u))},
        {"stats.json", bytesOf(encodeStats(studioStats()))},
        {"ack.json", bytesOf(encodeAck({7, "reset_peaks"}))},
        {"error.json", bytesOf(encodeError({7, ErrorCode::forbidden, "commands need a control token"}))},
        {"error_no_id.json",
         bytesOf(encodeError({std::nullopt, ErrorCode::badJson,
                              "not valid JSON: parse error at line 1, column 2: syntax error while parsing "
                              "object key - invalid literal; last read: '{x'; expected string literal"}))},
        {"rate.json", bytesOf(encodeRateNotice({15, "slow_client"}))},
        {"client_subscribe_default.json", bytesOf(encodeClientMessage(subscribeDefault()))},
        {"client_subscribe_subset.json", bytesOf(encodeClientMessage(subscribeSubset()))},
        {"client_subscribe_paused.json", bytesOf(encodeClientMessage(subscribePaused()))},
        {"client_subscribe_wall.json", bytesOf(encodeClientMessage(subscribeWall()))},
        {"client_command_reset_peaks.json", bytesOf(encodeClientMessage(commandResetPeaks()))},
    };
    return all;
}

} // namespace headroom::proto::fixtures
