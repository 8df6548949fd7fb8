#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "proto/ClientMessages.h"
#include "proto/MeterFrameCodec.h"
#include "proto/ServerMessages.h"
#include "server/net/Hub.h"
#include "server/net/ServerContext.h"

// One WebSocket client (after Beast's chat-multi websocket_session, with the hardening of
// hardening-checklist.md §1): permessage-deflate compiled out, read_message_max 4 KiB, the suggested
// server timeouts with a ~20 s idle limit and pings, and ONE async_read always pending (pongs and
// close frames are only processed by a pending read).
//
// Writes: one in flight; what waits is bounded and ordered by priority: control replies (hello,
// ack, error, rate notices; a short queue), then the latest statistics (one slot, replaced), then the
// meter frame (one slot: newer frames merge into it with proto's max/OR merge, so a lagging client
// gets fresh readings and never a replay). A client that keeps merging is moved to a lower rate
// tier (and back after it recovers); a write that does not finish within the stall deadline cuts the
// client off (its own steady_timer: tcp_stream timeouts must not be used on a websocket).
//
// Client messages: decoded by proto (strict); a token bucket limits them; commands need the control
// role and are acknowledged once the engine applied them. Binary messages are refused with close
// 1003; too many refused messages close with 1008; Beast closes 1009 (too big) and 1007 (bad UTF-8).
//
// Stream: beast::tcp_stream (ws://) or beast::ssl_stream<beast::tcp_stream> (wss://, the TLS
// handshake already done by the HTTP session); both instantiated in WebSocketSession.cpp. With TLS,
// finish() closes the TCP socket itself (Beast 1.74's TLS teardown leaves it connected).
//
// Threads: everything [net] (the one network thread); kept alive by the shared_ptrs its pending
// operations hold.
namespace headroom::server::net
{

template <class Stream>
class BasicWebSocketSession final : public HubClient, public std::enable_shared_from_this<BasicWebSocketSession<Stream>>
{
public:
    using Request = boost::beast::http::request<boost::beast::http::empty_body>;
    static constexpr bool kTls = !std::is_same_v<Stream, boost::beast::tcp_stream>;

    BasicWebSocketSession(Stream&& stream, ServerContext& context, ConnectionSlot slot, proto::Role role,
                          std::string subprotocol);
    ~BasicWebSocketSession() override;

    // [net] Accept the upgrade (the request was checked by HttpSession: Host, Origin, token).
    void run(Request request);

    // HubClient
    void deliverMeters(const MeterBroadcast& broadcast, SubsetCache& cache) override;
    void deliverStats(const StatsBroadcast& broadcast, SubsetCache& cache) override;
    void deliverTopology(const std::shared_ptr<const std::string>& message) override;
    void closeForShutdown(uint16_t code) override;

private:
    struct PendingCommand
    {
        uint64_t engineId = 0;
        uint64_t clientId = 0;
        proto::CommandName name = proto::CommandName::resetPeaks;
    };

    void onAccept(boost::beast::error_code ec);
    void doRead();
    void onRead(boost::beast::error_code ec, std::size_t bytes);
    void handleText(std::string_view text);
    void handleSubscribe(const proto::Subscribe& subscribe);
    void handleCommand(const proto::Command& command);
    void refuse(const proto::ErrorReply& reply);
    bool takeToken();
    void checkCommandsApplied();
    void adaptRate();

    void sendControl(std::string text);
    void doWrite();
    void onWrite(boost::beast::error_code ec, std::size_t bytes);
    void closeWith(uint16_t code);
    void doClose();
    void armDeadline(std::chrono::milliseconds timeout);
    void cutOff(const char* why);
    void finish(); // leave the hub once

    boost::beast::websocket::stream<Stream, false> ws_; // false: no permessage-deflate
    boost::beast::flat_buffer readBuffer_;
    boost::asio::steady_timer deadline_; // write stall and close deadline
    ServerContext& context_;
    ConnectionSlot slot_;
    const proto::Role role_;
    const std::string subprotocol_;
    std::string peer_; // for the log

    // write side
    std::deque<std::shared_ptr<const std::string>> control_;
    std::shared_ptr<const std::string> statsSlot_;
    std::shared_ptr<const std::string> meterSlot_;
    bool writing_ = false;
    bool writingMeter_ = false;
    bool writingStats_ = false;
    std::optional<uint16_t> closeCode_; // close after the control replies went out
    bool closing_ = false;
    bool finished_ = false;
    bool accepted_ = false;

    // subscription
    std::size_t requestedTier_ = 1; // 30 Hz
    std::size_t tier_ = 1;          // effective (a slow client is moved down)
    bool paused_ = false;
    bool wantStats_ = true;
    bool allNodes_ = true;
    std::vector<std::string> nodes_;              // when !allNodes_
    std::vector<proto::ChannelRange> ranges_;     // meter channels of nodes_
    uint16_t fields_ = proto::kDefaultMeterFields;
    std::optional<std::vector<std::string>> statsTaps_; // none: every node's taps in stats
    std::string meterKey_;                        // SubsetCache key ("" default)
    std::string statsKey_;                        // SubsetCache key ("" the whole message)

    // slow-client detection: merges per one-second window
    std::chrono::steady_clock::time_point windowStart_;
    uint32_t mergesInWindow_ = 0;
    uint32_t quietWindows_ = 0;

    // client messages
    double tokens_ = 0.0;
    std::chrono::steady_clock::time_point lastRefill_;
    uint32_t refused_ = 0;
    std::vector<PendingCommand> pendingCommands_;
};

using WebSocketSession = BasicWebSocketSession<boost::beast::tcp_stream>;
using TlsWebSocketSession = BasicWebSocketSession<boost::beast::ssl_stream<boost::beast::tcp_stream>>;
extern template class BasicWebSocketSession<boost::beast::tcp_stream>;
extern template class BasicWebSocketSession<boost::beast::ssl_stream<boost::beast::tcp_stream>>;

} // namespace headroom::server::net
