#include "server/lab/MqttClient.h"

#include <mosquitto.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>

namespace headroom::server::lab
{
namespace
{
void initLibrary()
{
    static std::once_flag once;
    std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string describe(int rc)
{
    if (rc == MOSQ_ERR_ERRNO) return std::string(mosquitto_strerror(rc)) + " (" + std::strerror(errno) + ")";
    return mosquitto_strerror(rc);
}
} // namespace

std::optional<MqttEndpoint> parseMqttUrl(std::string_view url, std::string& error)
{
    MqttEndpoint e;
    std::string_view rest;
    if (url.starts_with("mqtt://"))
        rest = url.substr(7);
    else if (url.starts_with("mqtts://"))
    {
        rest = url.substr(8);
        e.tls = true;
        e.port = 8883;
    }
    else
    {
        error = "expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT], got '" + std::string(url) + "'";
        return std::nullopt;
    }
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.find('@') != std::string_view::npos || rest.find('/') != std::string_view::npos)
    {
        error = "the URL names only HOST[:PORT] (credentials go in --mqtt-username/--mqtt-password or the config)";
        return std::nullopt;
    }
    std::string_view host = rest;
    std::size_t colon = rest.rfind(':');
    if (!rest.empty() && rest.front() == '[')
    {
        const std::size_t close = rest.find(']');
        if (close == std::string_view::npos)
        {
            error = "unclosed [ in '" + std::string(url) + "'";
            return std::nullopt;
        }
        host = rest.substr(1, close - 1);
        colon = close + 1 < rest.size() && rest[close + 1] == ':' ? close + 1 : std::string_view::npos;
    }
    else if (colon != std::string_view::npos)
        host = rest.substr(0, colon);
    if (colon != std::string_view::npos)
    {
        const std::string_view digits = rest.substr(colon + 1);
        if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string_view::npos ||
            std::stoul(std::string(digits)) == 0 || std::stoul(std::string(digits)) > 65535)
        {
            error = "port must be 1..65535 in '" + std::string(url) + "'";
            return std::nullopt;
        }
        e.port = static_cast<uint16_t>(std::stoul(std::string(digits)));
    }
    if (host.empty())
    {
        error = "no host in '" + std::string(url) + "'";
        return std::nullopt;
    }
    e.host = std::string(host);
    return e;
}

MqttClient::MqttClient(MqttSettings settings, LogFunction log) : settings_(std::move(settings)), log_(std::move(log))
{
    std::string error;
    const auto endpoint = parseMqttUrl(settings_.url, error);
    if (!endpoint) throw std::runtime_error("--mqtt: " + error);
    endpoint_ = *endpoint;
    initLibrary();
    mosq_ = mosquitto_new(settings_.clientId.empty() ? nullptr : settings_.clientId.c_str(), /*clean_session=*/true,
                          this);
    if (mosq_ == nullptr) throw std::runtime_error("mqtt: cannot create a client");
    mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    if (!settings_.username.empty())
        mosquitto_username_pw_set(mosq_, settings_.username.c_str(),
                                  settings_.password.empty() ? nullptr : settings_.password.c_str());
    if (endpoint_.tls)
    {
        for (const std::string* file : {&settings_.caFile, &settings_.certFile, &settings_.keyFile})
            if (!file->empty() && !std::filesystem::is_regular_file(*file))
                throw std::runtime_error("mqtt: cannot read " + *file);
        const int rc = mosquitto_tls_set(mosq_, settings_.caFile.empty() ? nullptr : settings_.caFile.c_str(),
                                         settings_.caFile.empty() ? "/etc/ssl/certs" : nullptr,
                                         settings_.certFile.empty() ? nullptr : settings_.certFile.c_str(),
                                         settings_.keyFile.empty() ? nullptr : settings_.keyFile.c_str(), nullptr);
        if (rc != MOSQ_ERR_SUCCESS) throw std::runtime_error("mqtt: TLS settings refused: " + describe(rc));
        mosquitto_tls_opts_set(mosq_, 1 /*verify the broker*/, "tlsv1.2", nullptr);
    }
    mosquitto_connect_callback_set(mosq_, &MqttClient::onConnectThunk);
    mosquitto_disconnect_callback_set(mosq_, &MqttClient::onDisconnectThunk);
    mosquitto_message_callback_set(mosq_, &MqttClient::onMessageThunk);
    // Only TLS failures need the library's words (OpenSSL's reason); with a log callback set it
    // formats a line for every packet sent and received, so plain MQTT goes without.
    if (endpoint_.tls) mosquitto_log_callback_set(mosq_, &MqttClient::onLogThunk);
}

MqttClient::~MqttClient()
{
    stop();
    mosquitto_destroy(mosq_);
}

void MqttClient::setWill(const std::string& topic, const std::string& payload, int qos, bool retain)
{
    mosquitto_will_set(mosq_, topic.c_str(), static_cast<int>(payload.size()), payload.data(), qos, retain);
}

void MqttClient::subscribe(std::string pattern, int qos)
{
    subscriptions_.emplace_back(std::move(pattern), qos);
}

void MqttClient::start()
{
    mosquitto_threaded_set(mosq_, true); // publish() comes from other threads than the loop's
    const int rc = mosquitto_connect_async(mosq_, endpoint_.host.c_str(), endpoint_.port, settings_.keepAliveSeconds);
    if (rc != MOSQ_ERR_SUCCESS) setState(false, reason(rc));
    stopping_ = false;
    network_ = std::thread([this] { networkLoop(); });
    started_ = true;
}

void MqttClient::networkLoop()
{
    using namespace std::chrono_literals;
    auto delay = 1s;
    for (;;)
    {
        // At most a second in select(); at once without a connection. Keep-alive pings happen here.
        const int rc = mosquitto_loop(mosq_, 1000, 1);
        if (rc == MOSQ_ERR_SUCCESS)
        {
            if (connected()) delay = 1s;
            continue;
        }
        std::unique_lock lock(runMutex_);
        if (stopping_) return;
        if (rc != MOSQ_ERR_NO_CONN) setState(false, reason(rc));
        if (stopRequested_.wait_for(lock, delay, [this] { return stopping_; })) return;
        delay = std::min(delay * 2, std::chrono::seconds(30));
        const int again = mosquitto_reconnect_async(mosq_);
        if (again != MOSQ_ERR_SUCCESS) setState(false, reason(again));
    }
}

void MqttClient::stop(const std::string& finalTopic, const std::string& finalPayload)
{
    if (!started_) return;
    started_ = false;
    if (connected() && !finalTopic.empty())
    {
        int mid = 0;
        mosquitto_publish(mosq_, &mid, finalTopic.c_str(), static_cast<int>(finalPayload.size()), finalPayload.data(),
                          1, true);
    }
    {
        std::lock_guard lock(runMutex_);
        stopping_ = true;
        mosquitto_disconnect(mosq_); // a clean DISCONNECT after what is queued: the broker drops the last will
    }
    stopRequested_.notify_all();
    network_.join();
    connected_.store(false, std::memory_order_release);
}

bool MqttClient::publish(const std::string& topic, const std::string& payload, int qos, bool retain)
{
    if (!connected()) return false;
    return mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), qos,
                             retain) == MOSQ_ERR_SUCCESS;
}

void MqttClient::setState(bool isConnected, const std::string& why)
{
    connected_.store(isConnected, std::memory_order_release);
    std::lock_guard lock(stateMutex_);
    const int state = isConnected ? 1 : 0;
    if (state == loggedState_) return;
    loggedState_ = state;
    if (log_)
        log_(isConnected ? "mqtt: connected to " + settings_.url
                         : "mqtt: not connected to " + settings_.url + ": " + why + " (retrying with backoff)");
}

std::string MqttClient::reason(int rc)
{
    std::string text = describe(rc);
    std::lock_guard lock(stateMutex_);
    if (rc == MOSQ_ERR_TLS && !libraryError_.empty()) text += " " + libraryError_;
    return text;
}

void MqttClient::onLogThunk(mosquitto*, void* self, int level, const char* text)
{
    if ((level & MOSQ_LOG_ERR) == 0 || text == nullptr) return;
    auto* client = static_cast<MqttClient*>(self);
    std::lock_guard lock(client->stateMutex_);
    client->libraryError_ = text; // e.g. "OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed"
}

void MqttClient::onConnectThunk(mosquitto* mosq, void* self, int rc)
{
    auto* client = static_cast<MqttClient*>(self);
    if (rc != 0)
    {
        client->setState(false, mosquitto_connack_string(rc));
        return;
    }
    for (const auto& [pattern, qos] : client->subscriptions_) mosquitto_subscribe(mosq, nullptr, pattern.c_str(), qos);
    client->setState(true, {});
    if (client->connectionHandler_) client->connectionHandler_(true);
}

void MqttClient::onDisconnectThunk(mosquitto*, void* self, int rc)
{
    auto* client = static_cast<MqttClient*>(self);
    const bool wasConnected = client->connected();
    client->setState(false, rc == 0 ? "disconnected" : client->reason(rc));
    if (wasConnected && client->connectionHandler_) client->connectionHandler_(false);
}

void MqttClient::onMessageThunk(mosquitto*, void* self, const mosquitto_message* message)
{
    auto* client = static_cast<MqttClient*>(self);
    if (!client->messageHandler_ || message == nullptr || message->topic == nullptr) return;
    const std::string_view payload(static_cast<const char*>(message->payload),
                                   message->payload == nullptr ? 0 : static_cast<std::size_t>(message->payloadlen));
    client->messageHandler_(message->topic, payload, message->retain);
}

} // namespace headroom::server::lab
