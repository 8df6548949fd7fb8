#include "server/net/Hub.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "proto/JsonMessages.h"
#include "server/net/ProtocolAdapter.h"

namespace headroom::server::net
{
namespace
{
// Tier i sends every kTierDivisors[i]-th frame of the 60 Hz stream.
constexpr std::array<uint64_t, kNumTiers> kTierDivisors = {1, 2, 4, 6};

// The default-field view of a full frame (every channel).
proto::MeterFrame withDefaultFields(const proto::MeterFrame& full)
{
    proto::MeterFrame out = full;
    out.fields = static_cast<uint16_t>(full.fields & proto::kDefaultMeterFields);
    for (std::size_t f = 0; f < proto::kNumMeterFields; ++f)
        if ((out.fields & (1u << f)) == 0) out.levels[f].clear();
    return out;
}
} // namespace

std::size_t tierOfRate(uint32_t rateHz) noexcept
{
    for (std::size_t i = 0; i < kNumTiers; ++i)
        if (kTierRatesHz[i] == rateHz) return i;
    return 1;
}

Hub::Hub(boost::asio::io_context& ioc, NetCounters& counters, const proto::Hello& helloTemplate, SourceProbe probe)
    : ioc_(ioc), counters_(counters), helloTemplate_(helloTemplate), probe_(std::move(probe))
{
    workerSource_.topologyVersion = helloTemplate.topology.version;
    if (probe_)
    {
        // A source already running (a test engine, a file) needs no announcement for what it is now.
        const SourceStatus source = probe_();
        workerSource_.sampleRateHz = source.sampleRateHz;
        workerSource_.periodFrames = source.bufferFrames;
    }
    announced_ = workerSource_;
}

void Hub::checkSource()
{
    if (!probe_) return;
    const SourceStatus source = probe_();
    if (source.sampleRateHz == 0) return; // not connected: keep what the clients were told
    if (source.sampleRateHz == workerSource_.sampleRateHz && source.bufferFrames == workerSource_.periodFrames)
        return;
    workerSource_.topologyVersion += 1;
    workerSource_.sampleRateHz = source.sampleRateHz;
    workerSource_.periodFrames = source.bufferFrames;
    proto::Topology topology = helloTemplate_.topology;
    topology.version = workerSource_.topologyVersion;
    std::optional<uint32_t> period;
    if (source.bufferFrames != 0) period = source.bufferFrames;
    auto message = std::make_shared<const std::string>(proto::encodeTopology(topology, source.sampleRateHz, period));
    boost::asio::post(ioc_, [this, announced = workerSource_, m = std::move(message)] { announce(announced, m); });
}

void Hub::announce(AnnouncedSource source, const std::shared_ptr<const std::string>& message)
{
    announced_ = source;
    counters_.topologyChanges.fetch_add(1, std::memory_order_relaxed);
    std::vector<std::shared_ptr<HubClient>> all;
    for (auto& [key, weak] : clients_)
        if (auto c = weak.lock()) all.push_back(std::move(c));
    for (auto& c : all) c->deliverTopology(message);
}

Hub::~Hub()
{
    detach();
}

void Hub::detach()
{
    const std::lock_guard lock(attachMutex_);
    attached_ = false;
}

void Hub::onMeterFrame(const std::shared_ptr<const MeterFrame>& frame)
{
    if (!frame) return;
    const std::lock_guard lock(attachMutex_);
    if (!attached_) return;
    checkSource();
    const proto::MeterFrame full = toProtoFrame(*frame, workerSource_.topologyVersion, unixTimeUs());
    ++framesSeen_;
    MeterBroadcast broadcast;
    bool any = false;
    for (std::size_t i = 0; i < kNumTiers; ++i)
    {
        std::optional<proto::MeterFrame>& acc = accumulators_[i];
        if (acc)
            proto::mergeMeterFrames(*acc, full, /*markMerged=*/false); // a tier's normal aggregation
        else
            acc = full;
        if (framesSeen_ % kTierDivisors[i] != 0) continue;
        auto encoded = proto::encodeMeterFrame(withDefaultFields(*acc));
        if (encoded)
        {
            const std::vector<uint8_t>& bytes = encoded.value();
            broadcast.tiers[i] = TierFrame{std::make_shared<const proto::MeterFrame>(std::move(*acc)),
                                           std::make_shared<const std::string>(bytes.begin(), bytes.end())};
            any = true;
        }
        acc.reset();
    }
    if (!any) return;
    boost::asio::post(ioc_, [this, b = std::move(broadcast)] { broadcastMeters(b); });
}

void Hub::onSnapshot(const std::shared_ptr<const EngineSnapshot>& snapshot)
{
    if (!snapshot) return;
    const std::lock_guard lock(attachMutex_);
    if (!attached_) return;
    auto stats = std::make_shared<const proto::Stats>(toProtoStats(*snapshot, workerSource_.topologyVersion, unixTimeUs()));
    StatsBroadcast broadcast{stats, std::make_shared<const std::string>(proto::encodeStats(*stats))};
    boost::asio::post(ioc_, [this, b = std::move(broadcast)] { broadcastStats(b); });
}

void Hub::join(const std::shared_ptr<HubClient>& client)
{
    clients_.emplace(client.get(), client);
}

void Hub::leave(const HubClient* client)
{
    clients_.erase(client);
}

void Hub::closeAll(uint16_t code)
{
    // Copies first: a client may leave() while being closed.
    std::vector<std::shared_ptr<HubClient>> all;
    for (auto& [key, weak] : clients_)
        if (auto c = weak.lock()) all.push_back(std::move(c));
    for (auto& c : all) c->closeForShutdown(code);
}

void Hub::broadcastMeters(const MeterBroadcast& broadcast)
{
    SubsetCache cache;
    std::vector<std::shared_ptr<HubClient>> all;
    all.reserve(clients_.size());
    for (auto& [key, weak] : clients_)
        if (auto c = weak.lock()) all.push_back(std::move(c));
    for (auto& c : all) c->deliverMeters(broadcast, cache);
}

void Hub::broadcastStats(const StatsBroadcast& broadcast)
{
    SubsetCache cache;
    std::vector<std::shared_ptr<HubClient>> all;
    all.reserve(clients_.size());
    for (auto& [key, weak] : clients_)
        if (auto c = weak.lock()) all.push_back(std::move(c));
    for (auto& c : all) c->deliverStats(broadcast, cache);
}

} // namespace headroom::server::net
