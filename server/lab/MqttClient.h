#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

struct mosquitto;
struct mosquitto_message;

// A small owner of one libmosquitto client (MQTT 3.1.1) for the lab (docs/LAB.md): URL, optional
// username/password and TLS, a last will, subscriptions restored on every reconnect, reconnects
// with exponential backoff (1 s to 30 s) on a network thread of its own, and one log line per
// change of connection state (not one per retry), with the reason (the broker's refusal, the TLS
// error). Never touches the audio or the dashboard's threads: a broker outage only shows here.
// The thread is ours, not mosquitto_loop_start's: libmosquitto's loop gives up for good after a TLS
// or protocol error (a broker whose certificate is renewed later would never be found again) and
// sleeps its reconnect delay where stop() cannot wake it.
// Threads: constructor/start/stop [setup]; publish/connected [any]; the handlers run on
// the client's network thread ([mqtt]) and must be quick.
namespace headroom::server::lab
{

struct MqttSettings
{
    std::string url;      // mqtt://host[:1883] or mqtts://host[:8883]
    std::string username; // "" none
    std::string password; // "" none (never logged)
    std::string caFile;   // mqtts: the broker's CA (PEM); "" the system's CAs (/etc/ssl/certs)
    std::string certFile; // mqtts with client certificates: PEM certificate and key; "" none
    std::string keyFile;
    std::string clientId; // "" let the broker choose (not for persistent sessions; we use clean sessions)
    int keepAliveSeconds = 10; // the broker fires the last will after 1.5x this without traffic
};

struct MqttEndpoint
{
    std::string host;
    uint16_t port = 1883;
    bool tls = false;
};

// [any] Parse an MQTT URL; nullopt and `error` set when it is not one.
[[nodiscard]] std::optional<MqttEndpoint> parseMqttUrl(std::string_view url, std::string& error);

class MqttClient
{
public:
    using LogFunction = std::function<void(std::string_view)>;
    using MessageHandler = std::function<void(std::string_view topic, std::string_view payload, bool retained)>;
    using ConnectionHandler = std::function<void(bool connected)>;

    // [setup] Throws std::runtime_error (bad URL, unreadable TLS files, out of memory).
    MqttClient(MqttSettings settings, LogFunction log);
    ~MqttClient();
    MqttClient(const MqttClient&) = delete;
    MqttClient& operator=(const MqttClient&) = delete;

    // [setup] Before start().
    void setWill(const std::string& topic, const std::string& payload, int qos, bool retain);
    void onMessage(MessageHandler handler) { messageHandler_ = std::move(handler); }
    void onConnection(ConnectionHandler handler) { connectionHandler_ = std::move(handler); }
    void subscribe(std::string pattern, int qos); // kept and (re)subscribed at every connect

    // [setup] Connects in the background; keeps retrying while the broker is away.
    void start();
    // [setup] Publish `finalTopic`/`finalPayload` (e.g. a retained "offline") if connected, then
    // disconnect cleanly (no last will) and join the network thread.
    void stop(const std::string& finalTopic = {}, const std::string& finalPayload = {});

    // [any] false when not connected (QoS 0 messages are then dropped: summaries are not queued).
    bool publish(const std::string& topic, const std::string& payload, int qos, bool retain);
    [[nodiscard]] bool connected() const noexcept { return connected_.load(std::memory_order_acquire); }
    [[nodiscard]] const MqttEndpoint& endpoint() const noexcept { return endpoint_; }

private:
    static void onConnectThunk(mosquitto*, void* self, int rc);
    static void onDisconnectThunk(mosquitto*, void* self, int rc);
    static void onMessageThunk(mosquitto*, void* self, const mosquitto_message* message);
    static void onLogThunk(mosquitto*, void* self, int level, const char* text);
    void networkLoop(); // [mqtt]
    void setState(bool connected, const std::string& why);
    [[nodiscard]] std::string reason(int rc); // libmosquitto's words, and OpenSSL's for a TLS error

    MqttSettings settings_;
    MqttEndpoint endpoint_;
    LogFunction log_;
    mosquitto* mosq_ = nullptr;
    MessageHandler messageHandler_;
    ConnectionHandler connectionHandler_;
    std::vector<std::pair<std::string, int>> subscriptions_;
    std::atomic<bool> connected_{false};
    std::mutex stateMutex_;
    int loggedState_ = -1;      // -1 nothing logged yet, 0 disconnected, 1 connected
    std::string libraryError_; // the library's last error line (OpenSSL's reason), under stateMutex_
    std::thread network_;
    std::mutex runMutex_; // stopping_, and each reconnect against stop()'s disconnect
    std::condition_variable stopRequested_;
    bool stopping_ = false;
    bool started_ = false;
};

} // namespace headroom::server::lab
