#include "server/lab/RoomPublisher.h"

#include <chrono>

#include "server/lab/RoomSummaryBuilder.h"

namespace headroom::server::lab
{
namespace
{
int64_t nowUnixMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}
} // namespace

RoomPublisher::RoomPublisher(RoomPublisherOptions options, EngineFeed& engine, LogFunction log)
    : options_(std::move(options)), engine_(engine), log_(std::move(log))
{
    namespace pl = proto::lab;
    if (!pl::validRoomName(options_.site) || !pl::validRoomName(options_.room))
        throw std::runtime_error("--mqtt-site/--mqtt-room: 1..64 of letters, digits, '_', '-', '.' (got '" +
                                 options_.site + "'/'" + options_.room + "')");
    statusTopic_ = pl::roomTopic(options_.site, options_.room, "status");
    topologyTopic_ = pl::roomTopic(options_.site, options_.room, "topology");
    summaryTopic_ = pl::roomTopic(options_.site, options_.room, "summary");
    commandTopic_ = pl::roomTopic(options_.site, options_.room, "command");
    topologyPayload_ = pl::encodeRoomTopology(
        {options_.site, options_.room, options_.sessionName, options_.dashboardUrl, options_.nodes});

    if (options_.mqtt.clientId.empty()) options_.mqtt.clientId = "headroom-room-" + options_.site + "-" + options_.room;
    client_ = std::make_unique<MqttClient>(options_.mqtt, log_);
    client_->setWill(statusTopic_, pl::encodeRoomStatus({false, 0}), 1, true);
    client_->subscribe(commandTopic_, 1);
    client_->onConnection([this](bool up) {
        if (!up) return;
        // [mqtt] Every (re)connect: the retained state first, so a hub that starts later knows us.
        client_->publish(statusTopic_, proto::lab::encodeRoomStatus({true, nowUnixMs()}), 1, true);
        client_->publish(topologyTopic_, topologyPayload_, 1, true);
    });
    client_->onMessage([this](std::string_view topic, std::string_view payload, bool retained) {
        if (topic == commandTopic_ && !retained) onCommand(payload);
    });
}

RoomPublisher::~RoomPublisher()
{
    stop();
}

void RoomPublisher::start()
{
    client_->start();
    thread_ = std::thread([this] { run(); });
}

void RoomPublisher::stop()
{
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    client_->stop(statusTopic_, proto::lab::encodeRoomStatus({false, nowUnixMs()}));
}

void RoomPublisher::onCommand(std::string_view payload)
{
    // [mqtt] Untrusted: anyone who may publish on the broker. Decoded strictly, applied by the
    // publisher thread.
    auto command = proto::lab::decodeRoomCommand(payload);
    if (!command)
    {
        if (log_) log_("mqtt: command refused: " + command.error());
        return;
    }
    std::lock_guard lock(mutex_);
    if (pending_.size() < 16) pending_.push_back(std::move(*command));
}

void RoomPublisher::applyCommand(const proto::lab::RoomCommand& c)
{
    if (c.action == "start")
        exercise_.start({c.exercise, c.target, c.holdSeconds, c.limitSeconds});
    else if (c.action == "stop")
        exercise_.stop();
    else
        exercise_.reset();
    if (log_)
        log_("lab: exercise " + std::to_string(c.action == "start" ? c.exercise : exercise_.state().number) + " " +
             c.action);
}

void RoomPublisher::run()
{
    using clock = std::chrono::steady_clock;
    const auto interval = std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(options_.publishIntervalSeconds));
    auto nextPublish = clock::now();
    std::unique_lock lock(mutex_);
    while (!stopping_)
    {
        std::vector<proto::lab::RoomCommand> commands;
        commands.swap(pending_);
        lock.unlock();
        for (const auto& c : commands) applyCommand(c);
        const std::shared_ptr<const EngineSnapshot> snapshot = engine_.latestSnapshot();
        if (snapshot) exercise_.update(*snapshot);
        if (clock::now() >= nextPublish)
        {
            nextPublish += interval;
            if (clock::now() > nextPublish) nextPublish = clock::now() + interval; // after a stall: no burst
            if (snapshot && client_->connected())
            {
                proto::lab::RoomSummary summary =
                    buildRoomSummary(*snapshot, engine_.sourceStatus(), options_.site, options_.room);
                summary.sequence = ++sequence_;
                summary.timeUnixMs = nowUnixMs(); // the age the hub measures is the publication's
                summary.exercise = exercise_.state();
                client_->publish(summaryTopic_, proto::lab::encodeRoomSummary(summary), 0, false);
            }
        }
        lock.lock();
        wake_.wait_for(lock, std::chrono::milliseconds(50), [this] { return stopping_ || !pending_.empty(); });
    }
}

} // namespace headroom::server::lab
