#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

// The constants of the Headroom wire protocol (proto/PROTOCOL.md is normative; every number here
// is named there). Standard library only, constexpr only: the server, the tests and the fuzzer
// include it freely. [any]
namespace headroom::proto
{

// ---- versions ----------------------------------------------------------------------------------

// The protocol version: byte 0 of every binary frame and `protocol` in `hello`. Bumped on any change
// a receiver of the previous version would misread (a new header field, a new array kind that is
// not int16[count]). Adding a flag bit, a meter field bit or a JSON key does not bump it.
inline constexpr uint8_t kProtocolVersion = 1;

// Byte 1 of a binary frame.
enum class FrameType : uint8_t
{
    meter = 1, // meter frame (the only binary type of version 1; 2..255 reserved)
};

// ---- meter frame layout ------------------------------------------------------------------------

inline constexpr std::size_t kMeterFrameHeaderBytes = 32;
inline constexpr std::size_t kChannelRangeBytes = 8;   // u32 first channel, u32 channel count
inline constexpr std::size_t kMeterFrameAlignment = 4; // frames are zero-padded to a multiple of this

// Header flags (u16 at offset 2). Receivers ignore bits they do not know; senders set them to 0.
namespace frame_flags
{
inline constexpr uint16_t merged = 1u << 0;  // the connection fell behind: frames merged in its pending slot
inline constexpr uint16_t xrun = 1u << 1;    // the audio source reported an xrun within this frame's span
inline constexpr uint16_t stale = 1u << 2;   // no new audio since the previous frame: readings are repeated
inline constexpr uint16_t dropped = 1u << 3; // meter records lost between the audio thread and the worker
inline constexpr uint16_t known = merged | xrun | stale | dropped;
} // namespace frame_flags

// The level arrays a frame may carry, one int16[count] array per bit set in the header's `fields`
// (u16 at offset 4), in ascending bit order. A receiver skips arrays of bits it does not know (they
// are int16[count] too), so a field can be added without a version bump.
enum class MeterField : uint8_t
{
    truePeak = 0,   // max true peak since the previous frame sent to this client, dBTP (BS.1770 4x)
    samplePeak = 1, // max |x| since the previous frame sent to this client, dBFS
    rms = 2,        // sliding 300 ms RMS in the session's convention (AES17 default), dBFS
    vu = 3,         // VU needle (IEC 60268-17), sine-peak calibrated dBFS; VU = value - zero_vu_dbfs
    ppm = 4,        // max PPM reading (IEC 60268-10, the session's type) since the previous frame, dBFS
    peakHold = 5,   // peak-hold reading on true peak (2 s hold, then 20 dB/s fall), dBTP
};
inline constexpr std::size_t kNumMeterFields = 6;

[[nodiscard]] constexpr uint16_t fieldBit(MeterField field) noexcept
{
    return static_cast<uint16_t>(1u << static_cast<unsigned>(field));
}

inline constexpr uint16_t kKnownMeterFields = (1u << kNumMeterFields) - 1u;
// What a server sends unless a client's subscription names other fields.
inline constexpr uint16_t kDefaultMeterFields = fieldBit(MeterField::truePeak) | fieldBit(MeterField::rms) |
                                                fieldBit(MeterField::vu) | fieldBit(MeterField::ppm) |
                                                fieldBit(MeterField::peakHold);

// How two frames merge per field: "since the previous frame" readings take the maximum, needles and
// holds take the newer reading.
[[nodiscard]] constexpr bool mergesByMaximum(MeterField field) noexcept
{
    return field == MeterField::truePeak || field == MeterField::samplePeak || field == MeterField::ppm;
}

// Wire names (`fields` in subscribe and hello).
[[nodiscard]] constexpr std::string_view toString(MeterField field) noexcept
{
    switch (field)
    {
    case MeterField::truePeak:
        return "true_peak";
    case MeterField::samplePeak:
        return "sample_peak";
    case MeterField::rms:
        return "rms";
    case MeterField::vu:
        return "vu";
    case MeterField::ppm:
        return "ppm";
    case MeterField::peakHold:
        return "peak_hold";
    }
    return "true_peak";
}

[[nodiscard]] constexpr std::optional<MeterField> meterFieldFromString(std::string_view name) noexcept
{
    for (std::size_t i = 0; i < kNumMeterFields; ++i)
    {
        const auto field = static_cast<MeterField>(i);
        if (toString(field) == name) return field;
    }
    return std::nullopt;
}

// Per-channel clip bits of a decoded frame (MeterFrame::clipFlags); on the wire they are two packed
// bit arrays. The same values as the engine's kClipLatchedFlag / kClippedSinceLastFlag.
inline constexpr uint8_t kClipLatched = 1; // a clip event since the last reset_peaks (a DAW clip light)
inline constexpr uint8_t kClipEvent = 2;   // a clip event since the previous frame sent to this client

// ---- centi-dB ----------------------------------------------------------------------------------

// Levels travel as int16 hundredths of a dB: round(dB x 100), half away from zero, clamped.
inline constexpr int16_t kCentiDbMinusInfinity = -32768; // silence: -inf dB
inline constexpr int16_t kCentiDbNoData = 32767;         // not known: unconnected, no audio yet (NaN)
inline constexpr int16_t kCentiDbMin = -32767;           // -327.67 dB: finite values below clamp here
inline constexpr int16_t kCentiDbMax = 32766;            // +327.66 dB: larger values and +inf clamp here

// ---- limits ------------------------------------------------------------------------------------

inline constexpr uint32_t kMaxMeterChannels = 65535; // per frame and per topology
inline constexpr uint32_t kMaxChannelRanges = 4096;  // per frame
inline constexpr std::size_t kMaxClientMessageBytes = 4096;
inline constexpr std::size_t kMaxClientJsonDepth = 8; // nesting of objects and arrays, the message itself = 1
inline constexpr std::size_t kMaxSubscribeNodes = 512;
inline constexpr std::size_t kMaxNodeIdBytes = 64;          // as a session id: [a-z0-9_-]{1,64}
inline constexpr uint64_t kMaxRequestId = (1ull << 53) - 1; // exact in a JavaScript number

// ---- rates -------------------------------------------------------------------------------------

inline constexpr std::array<uint32_t, 4> kMeterRatesHz = {60, 30, 15, 10};
inline constexpr uint32_t kDefaultMeterRateHz = 30; // a client that never subscribes
inline constexpr uint32_t kDefaultStatsRateHz = 10; // within the 5..10 Hz the protocol allows

[[nodiscard]] constexpr bool isMeterRate(uint64_t rateHz) noexcept
{
    for (uint32_t r : kMeterRatesHz)
        if (r == rateHz) return true;
    return false;
}

// ---- errors ------------------------------------------------------------------------------------

// `code` of an `error` reply. The decoder produces the first group; the server the second.
enum class ErrorCode : uint8_t
{
    tooLarge,       // message over kMaxClientMessageBytes
    tooDeep,        // nesting over kMaxClientJsonDepth
    badJson,        // not JSON (syntax, invalid UTF-8)
    badMessage,     // JSON, but not an object
    missingField,   // a required key is absent (also `type`)
    wrongType,      // a key has the wrong JSON type
    badValue,       // right type, value out of range or not allowed
    unknownField,   // a key this message type does not have
    unknownType,    // `type` names no client message
    unknownCommand, // `name` names no command
    // server side
    unknownNode,       // subscribe names a node the topology does not have
    forbidden,         // a command on a viewer connection
    rateLimited,       // too many commands
    binaryNotAccepted, // the client sent a binary WebSocket message
    internal,          // the server failed; the connection stays usable
};

[[nodiscard]] constexpr std::string_view toString(ErrorCode code) noexcept
{
    switch (code)
    {
    case ErrorCode::tooLarge:
        return "too_large";
    case ErrorCode::tooDeep:
        return "too_deep";
    case ErrorCode::badJson:
        return "bad_json";
    case ErrorCode::badMessage:
        return "bad_message";
    case ErrorCode::missingField:
        return "missing_field";
    case ErrorCode::wrongType:
        return "wrong_type";
    case ErrorCode::badValue:
        return "bad_value";
    case ErrorCode::unknownField:
        return "unknown_field";
    case ErrorCode::unknownType:
        return "unknown_type";
    case ErrorCode::unknownCommand:
        return "unknown_command";
    case ErrorCode::unknownNode:
        return "unknown_node";
    case ErrorCode::forbidden:
        return "forbidden";
    case ErrorCode::rateLimited:
        return "rate_limited";
    case ErrorCode::binaryNotAccepted:
        return "binary_not_accepted";
    case ErrorCode::internal:
        return "internal";
    }
    return "internal";
}

// WebSocket close codes the server uses (PROTOCOL.md "Connection lifecycle").
namespace close_codes
{
inline constexpr uint16_t goingAway = 1001;      // server shutdown
inline constexpr uint16_t serviceRestart = 1012; // the server reloads its session (SIGHUP): reconnect
inline constexpr uint16_t policy = 1008;    // token, Origin or Host refused; too many bad messages
inline constexpr uint16_t tooBig = 1009;    // a message over the WebSocket read limit
inline constexpr uint16_t stalled = 4000;   // the client did not read for longer than the stall deadline
} // namespace close_codes

// The WebSocket subprotocol of version 1. Clients may offer it (Sec-WebSocket-Protocol); a server
// that receives it selects it, and a client that offers only other versions is refused.
inline constexpr std::string_view kSubprotocol = "headroom.v1";

} // namespace headroom::proto
