#pragma once

#include <string>

#include "proto/RoomSummary.h"
#include "server/engine/EngineFeed.h"
#include "server/engine/EngineSnapshot.h"

// EngineSnapshot -> the compact room summary the lab publishes (proto/ROOM_SUMMARY.md): one line
// per node (its most telling tap against its target), the master's loudness and headroom, the
// active advisories (most severe first). The exercise state is filled by the publisher. [any]
namespace headroom::server::lab
{

[[nodiscard]] proto::lab::RoomSummary buildRoomSummary(const EngineSnapshot& snapshot, const SourceStatus& source,
                                                       const std::string& site, const std::string& room);

} // namespace headroom::server::lab
