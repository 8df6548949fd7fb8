#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proto/ClientMessages.h"
#include "proto/Result.h"
#include "proto/ServerMessages.h"

// JSON text of the protocol's messages (PROTOCOL.md). Server messages are encoded compactly with
// their keys in the documented order ("type" first); encoding never throws on the values' contents
// (non-finite numbers become null, invalid UTF-8 in strings is replaced by U+FFFD). Client messages
// are decoded strictly from untrusted text. Pure functions: [any].
namespace headroom::proto
{

// ---- server -> client ----

[[nodiscard]] std::string encodeHello(const Hello& hello);
// A `topology` message: the new topology and the audio source's rate and period that go with it.
[[nodiscard]] std::string encodeTopology(const Topology& topology, uint32_t sampleRateHz,
                                         std::optional<uint32_t> periodFrames);
[[nodiscard]] std::string encodeStats(const Stats& stats);
[[nodiscard]] std::string encodeAck(const Ack& ack);
[[nodiscard]] std::string encodeError(const ErrorReply& error);
[[nodiscard]] std::string encodeRateNotice(const RateNotice& notice);

// The error reply for a refused client message.
[[nodiscard]] ErrorReply errorReplyFor(const ClientMessageError& error);

[[nodiscard]] std::string_view toString(Role role) noexcept;
[[nodiscard]] std::string_view toString(Severity severity) noexcept;

// ---- client -> server ----

// Strict decoder for untrusted text (a WebSocket text message): size, nesting depth, JSON syntax
// and UTF-8, then every key's presence, type and range; unknown keys are refused. Never throws;
// never allocates more than a small multiple of the (limited) input. The fuzzer's entry point.
[[nodiscard]] Result<ClientMessage, ClientMessageError> decodeClientMessage(std::string_view text);

// The text a client sends (the C++ twin of web/js/protocol.js encodeSubscribe / encodeCommand,
// byte for byte: same key order, compact).
[[nodiscard]] std::string encodeClientMessage(const ClientMessage& message);

} // namespace headroom::proto
