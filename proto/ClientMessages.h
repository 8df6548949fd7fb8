#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "proto/Protocol.h"

// The JSON messages a browser sends (PROTOCOL.md "Client messages"), as decodeClientMessage()
// returns them: every key checked, every default applied. [any]
namespace headroom::proto
{

// Replaces the connection's whole subscription; keys left out take their defaults.
struct Subscribe
{
    std::optional<uint64_t> id;                    // echoed in the ack, when given
    uint32_t rateHz = kDefaultMeterRateHz;         // 60, 30, 15 or 10
    std::optional<std::vector<std::string>> nodes; // none: every node ("all"); may be empty: no meters
    std::optional<uint16_t> fields;                // none: the server's default (hello.meter_fields)
    bool stats = true;                             // also the statistics stream
    // none: `stats` carries every subscribed node's per-tap statistics ("all"); else only these
    // nodes' entries carry `taps` (the others keep their chain and bus figures), which is what a
    // wall needs: a 64-channel session's stats shrink from ~200 KB to ~50 KB.
    std::optional<std::vector<std::string>> statsTaps;
    bool paused = false; // no meter frames and no statistics until the next subscribe

    friend bool operator==(const Subscribe&, const Subscribe&) = default;
};

enum class CommandName : uint8_t
{
    resetPeaks,              // peak holds, clip latches, max peaks and headroom
    resetIntegratedLoudness, // integrated loudness, LRA, loudness maxima, PLR
    resetStatistics,         // everything accumulated (both of the above too)
};

[[nodiscard]] constexpr std::string_view toString(CommandName name) noexcept
{
    switch (name)
    {
    case CommandName::resetPeaks:
        return "reset_peaks";
    case CommandName::resetIntegratedLoudness:
        return "reset_integrated_loudness";
    case CommandName::resetStatistics:
        return "reset_statistics";
    }
    return "reset_peaks";
}

[[nodiscard]] constexpr std::optional<CommandName> commandNameFromString(std::string_view name) noexcept
{
    for (CommandName c :
         {CommandName::resetPeaks, CommandName::resetIntegratedLoudness, CommandName::resetStatistics})
        if (toString(c) == name) return c;
    return std::nullopt;
}

// Control role only; answered with an ack once applied, or an error.
struct Command
{
    uint64_t id = 0; // chosen by the client, 0..2^53-1, echoed in the reply
    CommandName name = CommandName::resetPeaks;

    friend bool operator==(const Command&, const Command&) = default;
};

using ClientMessage = std::variant<Subscribe, Command>;

// Why a client message was refused: what the server puts in its `error` reply.
struct ClientMessageError
{
    ErrorCode code = ErrorCode::badMessage;
    std::string message;        // names the key: "rate_hz: expected one of 60, 30, 15, 10, got 20"
    std::optional<uint64_t> id; // the message's id, when it had a valid one
};

} // namespace headroom::proto
