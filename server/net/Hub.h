#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "proto/MeterFrameCodec.h"
#include "proto/ServerMessages.h"
#include "server/engine/EngineFeed.h"
#include "server/engine/EngineSnapshot.h"
#include "server/net/NetMetrics.h"

namespace boost::asio
{
class io_context;
}

// The broadcast side of the server, after Beast's chat-multi "shared_state" but bounded: the engine's
// worker hands each MeterFrame and EngineSnapshot to the hub, which folds the 60 Hz frames into one
// accumulator per rate tier (60/30/15/10 Hz; max/OR merge from proto), encodes each tier's frame ONCE
// into a shared immutable buffer when the tier is due, encodes the statistics once, and posts the
// shared buffers to the network thread, where every connected client takes the tier it subscribed
// to. A client never gets old frames replayed: it keeps one pending slot that newer frames merge
// into (WebSocketSession).
//
// Clients whose subscription names a node subset or other fields get a frame cut from the tier's
// full frame, made once per distinct subscription per broadcast (SubsetCache).
//
// Topology versions: the audio source's sample rate and period are part of what `hello` told the
// clients. When the worker sees them change (JACK came back at another rate, or its period was
// changed), the hub raises the topology version, posts a `topology` message (with the new rate and
// period) to every client and only then the first frame stamped with the new version: the network
// thread runs posted handlers in order, so no client sees a frame of a version it was not told
// about (PROTOCOL.md §2, rule 5). The first connection to JACK counts as a change too, so clients
// that connected while JACK was down learn the real rate and period.
//
// Threads: onMeterFrame/onSnapshot are [worker] (they encode and post; a small mutex only against
// detach()); join/leave/closeAll/clientCount are [net] (the single network thread); detach is [any].
namespace headroom::server::net
{

inline constexpr std::size_t kNumTiers = 4;
inline constexpr std::array<uint32_t, kNumTiers> kTierRatesHz = {60, 30, 15, 10};
// [any] The tier of a rate (60 -> 0 ... 10 -> 3); unknown rates give the default tier (30 Hz).
[[nodiscard]] std::size_t tierOfRate(uint32_t rateHz) noexcept;

struct TierFrame
{
    std::shared_ptr<const proto::MeterFrame> full; // every field, every channel
    std::shared_ptr<const std::string> bytes;      // encoded: default fields, every channel
};

// What one meter broadcast carries: the tiers due this tick (others empty).
struct MeterBroadcast
{
    std::array<std::optional<TierFrame>, kNumTiers> tiers;
};

struct StatsBroadcast
{
    std::shared_ptr<const proto::Stats> stats; // every node
    std::shared_ptr<const std::string> json;   // encoded, every node
};

// Per broadcast, on the network thread: encodings of subscription subsets, made once each.
class SubsetCache
{
public:
    std::map<std::string, std::shared_ptr<const std::string>> entries;
};

// A connected client as the hub sees it. [net]
class HubClient
{
public:
    virtual ~HubClient() = default;
    virtual void deliverMeters(const MeterBroadcast& broadcast, SubsetCache& cache) = 0;
    virtual void deliverStats(const StatsBroadcast& broadcast, SubsetCache& cache) = 0;
    // A new topology: send `message` before anything else queued; drop meter frames of the old one.
    virtual void deliverTopology(const std::shared_ptr<const std::string>& message) = 0;
    virtual void closeForShutdown(uint16_t code) = 0; // 1001 shutdown, 1012 session reload
};

// What the clients were last told about the audio source, and the topology version that goes with it.
struct AnnouncedSource
{
    uint32_t topologyVersion = 1;
    uint32_t sampleRateHz = 0;  // 0: not known yet (hello says the session's default)
    uint32_t periodFrames = 0;  // 0: not known
};

class Hub
{
public:
    using SourceProbe = std::function<SourceStatus()>;

    // helloTemplate (its topology and version) must outlive the hub; probe is called on the worker.
    Hub(boost::asio::io_context& ioc, NetCounters& counters, const proto::Hello& helloTemplate, SourceProbe probe);
    ~Hub();
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    // [worker]
    void onMeterFrame(const std::shared_ptr<const MeterFrame>& frame);
    void onSnapshot(const std::shared_ptr<const EngineSnapshot>& snapshot);

    // [any] After it, the worker callbacks do nothing (shutdown; the io_context may be gone).
    void detach();

    // [net]
    void join(const std::shared_ptr<HubClient>& client);
    void leave(const HubClient* client);
    void closeAll(uint16_t code);
    [[nodiscard]] std::size_t clientCount() const noexcept { return clients_.size(); }
    // What a new client's hello must say.
    [[nodiscard]] AnnouncedSource announced() const noexcept { return announced_; }

private:
    void checkSource();                                                              // [worker], locked
    void announce(AnnouncedSource source, const std::shared_ptr<const std::string>& message); // [net]
    void broadcastMeters(const MeterBroadcast& broadcast); // [net]
    void broadcastStats(const StatsBroadcast& broadcast);  // [net]

    boost::asio::io_context& ioc_;
    NetCounters& counters_;
    const proto::Hello& helloTemplate_;
    const SourceProbe probe_;

    std::mutex attachMutex_; // held by the worker callbacks and detach(); workers change with epochs
    bool attached_ = true;
    AnnouncedSource workerSource_; // [worker] what the frames are stamped with

    // [worker] per-tier accumulators of the frames since the tier last sent
    std::array<std::optional<proto::MeterFrame>, kNumTiers> accumulators_;
    uint64_t framesSeen_ = 0;

    // [net]
    AnnouncedSource announced_;
    std::unordered_map<const HubClient*, std::weak_ptr<HubClient>> clients_;
};

} // namespace headroom::server::net
