#pragma once

#include <cstdint>
#include <string>

#include "proto/MeterFrameCodec.h"
#include "proto/ServerMessages.h"
#include "server/engine/EngineSnapshot.h"
#include "server/engine/MeterPlan.h"
#include "server/engine/Session.h"

// The step from the engine's values to the wire's (proto/): the topology of `hello` from the meter
// plan (and the session, when there is one, for labels, destinations, inserts and master targets),
// the engine's MeterFrame as a proto frame in centi-dB, and a snapshot as a `stats` message.
// No Beast here, so the conversions are tested and fuzzed without sockets. [any]: pure functions.
namespace headroom::server::net
{

// [any] hello without the per-connection parts (server time, role, sample rate, period): nodes,
// taps, edges, chains, buses. session may be nullptr (tests feed a bare plan): nodes then come from
// the taps, in order of first appearance, labelled by their id.
[[nodiscard]] proto::Hello makeHelloTemplate(const MeterPlan& plan, const Session* session, std::string serverName);

// [any] Every field (kKnownMeterFields) of every meter channel; sequence and time from the frame.
[[nodiscard]] proto::MeterFrame toProtoFrame(const MeterFrame& frame, uint32_t topologyVersion, uint64_t serverTimeUs);

// [any] The stats message with every node (a subscription's subset is selected per connection).
[[nodiscard]] proto::Stats toProtoStats(const EngineSnapshot& snapshot, uint32_t topologyVersion, uint64_t serverTimeUs);

// [any] Microseconds since the Unix epoch, now.
[[nodiscard]] uint64_t unixTimeUs();

} // namespace headroom::server::net
