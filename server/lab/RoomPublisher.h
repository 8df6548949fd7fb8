#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "proto/RoomSummary.h"
#include "server/engine/EngineFeed.h"
#include "server/lab/LabExercise.h"
#include "server/lab/MqttClient.h"

// `headroom serve --mqtt URL`: publishes the room to the lab's broker (docs/LAB.md,
// proto/ROOM_SUMMARY.md):
//   headroom/v1/<site>/<room>/status    retained, QoS 1: {"state":"online"}; the last will
//                                       {"state":"offline"} when the room vanishes without a goodbye
//   headroom/v1/<site>/<room>/topology  retained, QoS 1: the nodes and the room's dashboard URL
//   headroom/v1/<site>/<room>/summary   QoS 0, not retained, every 500 ms (2 Hz)
//   headroom/v1/<site>/<room>/command   subscribed: start/stop/reset of a lab exercise
// Its own thread (the publisher) reads EngineFeed::latestSnapshot() every 50 ms (never the JACK
// thread, never the network thread), feeds the lab exercise with each new snapshot and publishes
// at 2 Hz; MQTT runs on the MqttClient's network thread. A broker that is down or slow only costs summaries
// (QoS 0, dropped while disconnected): the local dashboard does not depend on any of this.
namespace headroom::server::lab
{

struct RoomPublisherOptions
{
    MqttSettings mqtt;
    std::string site = "lab";
    std::string room;         // default: the host name
    std::string dashboardUrl; // the room's own dashboard, for the hub's tile link
    std::string sessionName;
    std::vector<proto::lab::RoomTopology::Node> nodes;
    double publishIntervalSeconds = 0.5;
};

class RoomPublisher
{
public:
    using LogFunction = MqttClient::LogFunction;

    // [setup] Throws std::runtime_error (bad URL or TLS files).
    RoomPublisher(RoomPublisherOptions options, EngineFeed& engine, LogFunction log);
    ~RoomPublisher();
    RoomPublisher(const RoomPublisher&) = delete;
    RoomPublisher& operator=(const RoomPublisher&) = delete;

    void start(); // [setup]
    void stop();  // [setup] publishes "offline" (retained), disconnects, joins

private:
    void run();
    void onCommand(std::string_view payload);
    void applyCommand(const proto::lab::RoomCommand& command);

    RoomPublisherOptions options_;
    EngineFeed& engine_;
    LogFunction log_;
    std::unique_ptr<MqttClient> client_;
    std::string statusTopic_, topologyTopic_, summaryTopic_, commandTopic_;
    std::string topologyPayload_;

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::vector<proto::lab::RoomCommand> pending_; // from the MQTT thread to the publisher thread
    LabExercise exercise_;                          // publisher thread only
    uint64_t sequence_ = 0;
    std::thread thread_;
};

} // namespace headroom::server::lab
