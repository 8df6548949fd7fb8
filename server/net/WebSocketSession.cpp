#include "server/net/WebSocketSession.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <algorithm>
#include <utility>

#include "proto/JsonMessages.h"
#include "server/engine/EngineWorker.h"
#include "server/net/ProtocolAdapter.h"

namespace headroom::server::net
{
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace http = boost::beast::http;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace
{
constexpr std::size_t kMaxControlQueue = 64; // replies waiting; the rate limit keeps it far below
constexpr std::chrono::milliseconds kCloseDeadline{2000};

EngineCommand toEngine(proto::CommandName name)
{
    switch (name)
    {
    case proto::CommandName::resetPeaks:
        return EngineCommand::resetPeaks;
    case proto::CommandName::resetIntegratedLoudness:
        return EngineCommand::resetIntegratedLoudness;
    case proto::CommandName::resetStatistics:
        return EngineCommand::resetStatistics;
    }
    return EngineCommand::resetPeaks;
}

std::string rangesKey(const std::vector<proto::ChannelRange>& ranges, uint16_t fields)
{
    std::string key = std::to_string(fields) + ":";
    for (const proto::ChannelRange& r : ranges) key += std::to_string(r.first) + "+" + std::to_string(r.count) + ",";
    return key;
}
} // namespace

template <class Stream>
BasicWebSocketSession<Stream>::BasicWebSocketSession(Stream&& stream, ServerContext& context, ConnectionSlot slot,
                                                     proto::Role role, std::string subprotocol)
    : ws_(std::move(stream)), deadline_(ws_.get_executor()), context_(context), slot_(std::move(slot)), role_(role),
      subprotocol_(std::move(subprotocol))
{
    beast::error_code ec;
    const auto endpoint = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
    if (!ec) peer_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    const auto now = Clock::now();
    windowStart_ = now;
    lastRefill_ = now;
    tokens_ = context_.options.messageBurst;
}

template <class Stream>
BasicWebSocketSession<Stream>::~BasicWebSocketSession()
{
    if (accepted_) context_.counters.wsClients.fetch_sub(1, std::memory_order_relaxed);
}

template <class Stream>
void BasicWebSocketSession<Stream>::run(Request request)
{
    // The HTTP session's timeout must not govern a websocket (Beast docs, 1.74): ours take over.
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.handshake_timeout = context_.options.wsHandshakeTimeout;
    timeouts.idle_timeout = context_.options.wsIdleTimeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([sub = subprotocol_](websocket::response_type& res) {
        res.set(http::field::server, "headroom");
        if (!sub.empty()) res.set(http::field::sec_websocket_protocol, sub);
    }));
    ws_.read_message_max(context_.options.wsReadMessageMax);
    ws_.auto_fragment(false);
    ws_.async_accept(request, beast::bind_front_handler(&BasicWebSocketSession::onAccept, this->shared_from_this()));
}

template <class Stream>
void BasicWebSocketSession<Stream>::onAccept(beast::error_code ec)
{
    if (ec) return; // handshake failed: Beast answered it; nothing was registered
    accepted_ = true;
    context_.counters.wsClients.fetch_add(1, std::memory_order_relaxed);
    if (context_.shuttingDown.load())
    {
        closeWith(proto::close_codes::goingAway);
        doRead();
        return;
    }
    context_.hub->join(this->shared_from_this());

    proto::Hello hello = context_.helloTemplate;
    hello.serverTimeUs = unixTimeUs();
    hello.role = role_;
    // What the hub last announced, not the source's live status: the frames this client gets next
    // are stamped with the hub's version, and a change is announced by a `topology` message.
    const AnnouncedSource source = context_.hub->announced();
    hello.topology.version = source.topologyVersion;
    if (source.sampleRateHz != 0) hello.sampleRateHz = source.sampleRateHz;
    if (source.periodFrames != 0) hello.periodFrames = source.periodFrames;
    hello.statsRateHz = proto::kDefaultStatsRateHz;
    hello.meterFields = proto::kDefaultMeterFields;
    sendControl(proto::encodeHello(hello));
    doRead();
}

// ---- reading ---------------------------------------------------------------------------------

template <class Stream>
void BasicWebSocketSession<Stream>::doRead()
{
    ws_.async_read(readBuffer_, beast::bind_front_handler(&BasicWebSocketSession::onRead, this->shared_from_this()));
}

template <class Stream>
void BasicWebSocketSession<Stream>::onRead(beast::error_code ec, std::size_t)
{
    if (ec)
    {
        // closed by the peer, by us (close handshake done), too big (1009 sent by Beast), bad UTF-8
        // (1007), idle timeout, or the socket was cut off: in every case this session is over.
        if (ec == websocket::error::message_too_big) context_.counters.messagesRefused.fetch_add(1);
        finish();
        return;
    }
    if (!ws_.got_text())
    {
        context_.counters.messagesRefused.fetch_add(1);
        readBuffer_.consume(readBuffer_.size());
        refuse({std::nullopt, proto::ErrorCode::binaryNotAccepted, "the server accepts text (JSON) messages only"});
        closeWith(static_cast<uint16_t>(websocket::close_code::unknown_data)); // 1003
        doRead();
        return;
    }
    const std::string text = beast::buffers_to_string(readBuffer_.data());
    readBuffer_.consume(readBuffer_.size());
    if (!closing_ && !closeCode_) handleText(text);
    doRead(); // always one read pending: pongs and the peer's close are processed only then
}

template <class Stream>
bool BasicWebSocketSession<Stream>::takeToken()
{
    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - lastRefill_).count();
    lastRefill_ = now;
    tokens_ = std::min(context_.options.messageBurst, tokens_ + elapsed * context_.options.messagesPerSecond);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
}

template <class Stream>
void BasicWebSocketSession<Stream>::refuse(const proto::ErrorReply& reply)
{
    sendControl(proto::encodeError(reply));
}

template <class Stream>
void BasicWebSocketSession<Stream>::handleText(std::string_view text)
{
    if (!takeToken())
    {
        context_.counters.messagesRefused.fetch_add(1);
        if (++refused_ > context_.options.maxRefusedMessages)
        {
            closeWith(static_cast<uint16_t>(websocket::close_code::policy_error)); // 1008
            return;
        }
        refuse({std::nullopt, proto::ErrorCode::rateLimited, "too many messages; slow down"});
        return;
    }
    auto decoded = proto::decodeClientMessage(text);
    if (!decoded)
    {
        context_.counters.messagesRefused.fetch_add(1);
        if (++refused_ > context_.options.maxRefusedMessages)
        {
            closeWith(static_cast<uint16_t>(websocket::close_code::policy_error));
            return;
        }
        refuse(proto::errorReplyFor(decoded.error()));
        return;
    }
    if (const auto* subscribe = std::get_if<proto::Subscribe>(&decoded.value()))
        handleSubscribe(*subscribe);
    else if (const auto* command = std::get_if<proto::Command>(&decoded.value()))
        handleCommand(*command);
}

template <class Stream>
void BasicWebSocketSession<Stream>::handleSubscribe(const proto::Subscribe& s)
{
    const proto::Topology& topology = context_.helloTemplate.topology;
    const auto findNode = [&](const std::string& id) {
        return std::find_if(topology.nodes.begin(), topology.nodes.end(),
                            [&](const proto::Node& n) { return n.id == id; });
    };
    if (s.statsTaps)
        for (const std::string& id : *s.statsTaps)
            if (findNode(id) == topology.nodes.end())
            {
                refuse({s.id, proto::ErrorCode::unknownNode, "stats_taps: no node '" + id + "' in the topology"});
                return;
            }
    std::vector<uint32_t> channels;
    std::vector<std::string> nodes;
    if (s.nodes)
    {
        for (const std::string& id : *s.nodes)
        {
            const auto node = findNode(id);
            if (node == topology.nodes.end())
            {
                refuse({s.id, proto::ErrorCode::unknownNode, "nodes: no node '" + id + "' in the topology"});
                return;
            }
            nodes.push_back(id);
            for (uint32_t t : node->taps)
                for (uint32_t c = 0; c < topology.taps[t].numChannels; ++c)
                    channels.push_back(topology.taps[t].firstChannel + c);
        }
    }
    allNodes_ = !s.nodes.has_value();
    nodes_ = std::move(nodes);
    ranges_ = proto::rangesFromChannels(std::move(channels));
    fields_ = s.fields.value_or(proto::kDefaultMeterFields);
    paused_ = s.paused;
    wantStats_ = s.stats;
    requestedTier_ = tierOfRate(s.rateHz);
    tier_ = requestedTier_;
    mergesInWindow_ = 0;
    quietWindows_ = 0;
    meterKey_ = allNodes_ && fields_ == proto::kDefaultMeterFields ? std::string() : rangesKey(ranges_, fields_);
    statsTaps_ = s.statsTaps;
    statsKey_.clear();
    if (!allNodes_ || statsTaps_)
    {
        statsKey_ = "nodes:";
        if (allNodes_) statsKey_ += "all";
        for (const std::string& n : nodes_) statsKey_ += n + ",";
        statsKey_ += "|taps:";
        if (!statsTaps_) statsKey_ += "all";
        else
            for (const std::string& n : *statsTaps_) statsKey_ += n + ",";
    }
    meterSlot_.reset(); // frames of the old subscription are not sent
    if (s.id) sendControl(proto::encodeAck({*s.id, "subscribe"}));
}

template <class Stream>
void BasicWebSocketSession<Stream>::handleCommand(const proto::Command& command)
{
    if (role_ != proto::Role::control)
    {
        context_.counters.commandsRefused.fetch_add(1);
        refuse({command.id, proto::ErrorCode::forbidden, "commands need the control role"});
        return;
    }
    const std::optional<uint64_t> id = context_.engine.submit(toEngine(command.name));
    if (!id)
    {
        context_.counters.commandsRefused.fetch_add(1);
        refuse({command.id, proto::ErrorCode::internal, "no audio source is running; nothing to reset"});
        return;
    }
    context_.counters.commandsAccepted.fetch_add(1);
    pendingCommands_.push_back({*id, command.id, command.name});
    checkCommandsApplied();
}

template <class Stream>
void BasicWebSocketSession<Stream>::checkCommandsApplied()
{
    if (pendingCommands_.empty()) return;
    const uint64_t applied = context_.engine.lastCommandApplied();
    auto done = std::stable_partition(pendingCommands_.begin(), pendingCommands_.end(),
                                      [applied](const PendingCommand& c) { return c.engineId > applied; });
    for (auto it = done; it != pendingCommands_.end(); ++it)
        sendControl(proto::encodeAck({it->clientId, std::string(proto::toString(it->name))}));
    pendingCommands_.erase(done, pendingCommands_.end());
}

// ---- broadcasts --------------------------------------------------------------------------------

template <class Stream>
void BasicWebSocketSession<Stream>::deliverMeters(const MeterBroadcast& broadcast, SubsetCache& cache)
{
    checkCommandsApplied();
    if (closing_ || closeCode_) return;
    adaptRate();
    const std::optional<TierFrame>& tier = broadcast.tiers[tier_];
    if (!tier || paused_ || (!allNodes_ && ranges_.empty())) return;

    std::shared_ptr<const std::string> bytes = tier->bytes;
    if (!meterKey_.empty())
    {
        const std::string key = std::to_string(tier_) + "/" + meterKey_;
        auto& entry = cache.entries[key];
        if (!entry)
        {
            auto subset = allNodes_ ? proto::Result<proto::MeterFrame, proto::FrameError>(*tier->full)
                                    : proto::selectMeterChannels(*tier->full, ranges_, fields_);
            if (subset && allNodes_)
            {
                subset->fields = fields_;
                for (std::size_t f = 0; f < proto::kNumMeterFields; ++f)
                    if ((fields_ & (1u << f)) == 0) subset->levels[f].clear();
            }
            if (!subset) return;
            auto encoded = proto::encodeMeterFrame(subset.value());
            if (!encoded) return;
            entry = std::make_shared<const std::string>(encoded->begin(), encoded->end());
        }
        bytes = entry;
    }

    if (meterSlot_)
    {
        // Still waiting: fold the newer frame in (max of peaks, OR of clip events, newer needles).
        auto merged = proto::mergeEncodedMeterFrames(
            {reinterpret_cast<const uint8_t*>(meterSlot_->data()), meterSlot_->size()},
            {reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()}, /*markMerged=*/true);
        context_.counters.framesMerged.fetch_add(1, std::memory_order_relaxed);
        ++mergesInWindow_;
        if (merged)
            meterSlot_ = std::make_shared<const std::string>(merged->begin(), merged->end());
        else
            meterSlot_ = std::move(bytes);
    }
    else
    {
        meterSlot_ = std::move(bytes);
    }
    doWrite();
}

template <class Stream>
void BasicWebSocketSession<Stream>::adaptRate()
{
    const auto now = Clock::now();
    if (now - windowStart_ < std::chrono::seconds(1)) return;
    windowStart_ = now;
    const uint32_t merges = std::exchange(mergesInWindow_, 0);
    // Falling behind: more than a quarter of this tier's frames merged within a second.
    const uint32_t limit = std::max<uint32_t>(2, kTierRatesHz[tier_] / 4);
    if (merges >= limit && tier_ + 1 < kNumTiers)
    {
        ++tier_;
        quietWindows_ = 0;
        context_.counters.rateDowngrades.fetch_add(1, std::memory_order_relaxed);
        sendControl(proto::encodeRateNotice({kTierRatesHz[tier_], "slow_client"}));
        return;
    }
    quietWindows_ = merges == 0 ? quietWindows_ + 1 : 0;
    if (tier_ > requestedTier_ && quietWindows_ >= 10)
    {
        --tier_;
        quietWindows_ = 0;
        sendControl(proto::encodeRateNotice({kTierRatesHz[tier_], "recovered"}));
    }
}

template <class Stream>
void BasicWebSocketSession<Stream>::deliverStats(const StatsBroadcast& broadcast, SubsetCache& cache)
{
    checkCommandsApplied();
    if (closing_ || closeCode_ || paused_ || !wantStats_) return;
    std::shared_ptr<const std::string> json = broadcast.json;
    if (!statsKey_.empty())
    {
        // Encoded once per distinct (nodes, stats_taps) among the clients of this broadcast (a stats
        // broadcast has a cache of its own, so the key needs no prefix and costs no allocation).
        auto& entry = cache.entries[statsKey_];
        if (!entry)
        {
            const auto listed = [](const std::vector<std::string>& ids, const std::string& id) {
                return std::find(ids.begin(), ids.end(), id) != ids.end();
            };
            proto::Stats subset = *broadcast.stats;
            if (!allNodes_)
                std::erase_if(subset.nodes, [&](const proto::NodeStats& n) { return !listed(nodes_, n.id); });
            if (statsTaps_)
                for (proto::NodeStats& n : subset.nodes)
                    if (!listed(*statsTaps_, n.id)) n.taps.clear();
            entry = std::make_shared<const std::string>(proto::encodeStats(subset));
        }
        json = entry;
    }
    if (statsSlot_) context_.counters.framesDropped.fetch_add(1, std::memory_order_relaxed);
    statsSlot_ = std::move(json);
    doWrite();
}

template <class Stream>
void BasicWebSocketSession<Stream>::deliverTopology(const std::shared_ptr<const std::string>& message)
{
    if (closing_ || closeCode_) return;
    // A pending frame was stamped with the old version: the client would have to discard it.
    if (meterSlot_) context_.counters.framesDropped.fetch_add(1, std::memory_order_relaxed);
    meterSlot_.reset();
    if (control_.size() >= kMaxControlQueue)
    {
        closeWith(static_cast<uint16_t>(websocket::close_code::policy_error));
        return;
    }
    control_.push_back(message);
    doWrite();
}

template <class Stream>
void BasicWebSocketSession<Stream>::closeForShutdown(uint16_t code)
{
    closeWith(code);
}

// ---- writing -----------------------------------------------------------------------------------

template <class Stream>
void BasicWebSocketSession<Stream>::sendControl(std::string text)
{
    if (closing_) return;
    if (control_.size() >= kMaxControlQueue)
    {
        closeWith(static_cast<uint16_t>(websocket::close_code::policy_error));
        return;
    }
    control_.push_back(std::make_shared<const std::string>(std::move(text)));
    doWrite();
}

template <class Stream>
void BasicWebSocketSession<Stream>::doWrite()
{
    if (writing_ || closing_ || finished_ || !accepted_) return;
    std::shared_ptr<const std::string> message;
    bool binary = false;
    bool stats = false;
    if (!control_.empty())
    {
        message = std::move(control_.front());
        control_.pop_front();
    }
    else if (closeCode_)
    {
        doClose();
        return;
    }
    else if (statsSlot_)
    {
        message = std::exchange(statsSlot_, nullptr);
        stats = true;
    }
    else if (meterSlot_)
    {
        message = std::exchange(meterSlot_, nullptr);
        binary = true;
    }
    if (!message) return;
    writing_ = true;
    writingMeter_ = binary;
    writingStats_ = stats;
    ws_.binary(binary);
    armDeadline(context_.options.writeStallTimeout);
    ws_.async_write(asio::buffer(*message),
                    [self = this->shared_from_this(), message](beast::error_code ec, std::size_t bytes) {
                        self->onWrite(ec, bytes);
                    });
}

template <class Stream>
void BasicWebSocketSession<Stream>::onWrite(beast::error_code ec, std::size_t)
{
    writing_ = false;
    deadline_.cancel();
    if (ec)
    {
        finish();
        return;
    }
    if (writingMeter_)
        context_.counters.framesSent.fetch_add(1, std::memory_order_relaxed);
    else if (writingStats_)
        context_.counters.statsSent.fetch_add(1, std::memory_order_relaxed);
    doWrite();
}

template <class Stream>
void BasicWebSocketSession<Stream>::closeWith(uint16_t code)
{
    if (closing_ || closeCode_) return;
    closeCode_ = code;
    if (statsSlot_ || meterSlot_) context_.counters.framesDropped.fetch_add(1, std::memory_order_relaxed);
    statsSlot_.reset();
    meterSlot_.reset();
    // A write stuck on a client that does not read would delay the close forever: the deadline
    // cuts it off.
    if (writing_) armDeadline(std::min(context_.options.writeStallTimeout, kCloseDeadline));
    doWrite();
}

template <class Stream>
void BasicWebSocketSession<Stream>::doClose()
{
    closing_ = true;
    armDeadline(kCloseDeadline); // Beast 1.74 #2999: a peer that never answers our close
    ws_.async_close(websocket::close_reason(*closeCode_), [self = this->shared_from_this()](beast::error_code) {
        // The pending read completes once the peer's close frame arrived (or the socket is gone).
    });
}

template <class Stream>
void BasicWebSocketSession<Stream>::armDeadline(std::chrono::milliseconds timeout)
{
    deadline_.expires_after(timeout);
    deadline_.async_wait([weak = this->weak_from_this()](beast::error_code ec) {
        if (ec) return; // cancelled: the write finished
        if (auto self = weak.lock()) self->cutOff(self->closing_ ? "close not answered" : "write stalled");
    });
}

template <class Stream>
void BasicWebSocketSession<Stream>::cutOff(const char* why)
{
    if (finished_) return;
    if (!closing_) context_.counters.stalledClosed.fetch_add(1, std::memory_order_relaxed);
    context_.log("websocket " + peer_ + ": " + why + "; connection closed");
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).socket().close(ignored);
    finish();
}

template <class Stream>
void BasicWebSocketSession<Stream>::finish()
{
    if (finished_) return;
    finished_ = true;
    deadline_.cancel();
    if (meterSlot_ || statsSlot_) context_.counters.framesDropped.fetch_add(1, std::memory_order_relaxed);
    meterSlot_.reset();
    statsSlot_.reset();
    control_.clear();
    if (accepted_ && context_.hub != nullptr) context_.hub->leave(this);
    if constexpr (kTls)
    {
        // Beast 1.74's TLS teardown ends TLS only (close_notify) and leaves TCP connected
        // (hardening-checklist.md §1, T-2): close the socket here, so no CLOSE-WAIT lingers until
        // the last handler lets go of this session.
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
    }
}

template class BasicWebSocketSession<beast::tcp_stream>;
template class BasicWebSocketSession<beast::ssl_stream<beast::tcp_stream>>;

} // namespace headroom::server::net
