#include "server/cli/ServeConfig.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "server/cli/CommandSupport.h"
#include "server/engine/SessionJsonReader.h"

namespace headroom::server::cli
{
namespace
{
namespace sj = session_json;

constexpr std::size_t kMaxConfigBytes = 1024 * 1024;

constexpr std::array<std::string_view, 14> kKeys = {
    "session", "listen",   "allow_hosts", "allow_origins", "viewer_token", "control_token", "jack_server",
    "client_name", "log", "web_root", "tls_cert", "tls_key", "max_clients", "mqtt"};
// "mqtt": the lab's broker (docs/LAB.md).
constexpr std::array<std::string_view, 9> kMqttKeys = {"url",     "site",    "room",      "username",     "password",
                                                       "ca_file", "cert_file", "key_file", "dashboard_url"};

bool given(const ServeArguments& arguments, std::string_view option)
{
    return std::find(arguments.givenOptions.begin(), arguments.givenOptions.end(), option) !=
           arguments.givenOptions.end();
}

class ConfigReader
{
public:
    ConfigReader(sj::Diagnostics& diagnostics, const sj::Json& root, std::string baseDirectory)
        : diagnostics_(diagnostics), root_(root), base_(std::move(baseDirectory))
    {
    }

    // A string or null; absent or null: nullopt.
    std::optional<std::string> text(std::string_view key, std::string_view what)
    {
        const auto it = root_.find(std::string(key));
        if (it == root_.end() || it->is_null()) return std::nullopt;
        auto value = sj::readString(diagnostics_, {root_, "", key}, what);
        if (value && value->empty())
        {
            diagnostics_.error(sj::childPointer("", key), std::string("expected ") + std::string(what) +
                                                              ", got an empty string (use null to leave it unset)");
            return std::nullopt;
        }
        return value;
    }

    std::optional<std::string> path(std::string_view key, std::string_view what)
    {
        auto value = text(key, what);
        if (!value || *value == "-") return value;
        const std::filesystem::path p(*value);
        if (p.is_relative()) return (std::filesystem::path(base_) / p).lexically_normal().string();
        return value;
    }

    std::optional<std::string> token(std::string_view key)
    {
        auto value = text(key, "a token (letters, digits and punctuation without spaces or commas) or null");
        if (value && value->find_first_of(" ,\t\r\n") != std::string::npos)
        {
            diagnostics_.error(sj::childPointer("", key),
                               "expected a token without spaces or commas (it travels as a WebSocket subprotocol)");
            return std::nullopt;
        }
        return value;
    }

    std::optional<std::vector<std::string>> list(std::string_view key, std::string_view what)
    {
        const auto it = root_.find(std::string(key));
        if (it == root_.end() || it->is_null()) return std::nullopt;
        const std::string pointer = sj::childPointer("", key);
        if (!sj::expectArray(diagnostics_, *it, pointer, std::string("an array of ") + std::string(what)))
            return std::nullopt;
        std::vector<std::string> out;
        for (std::size_t i = 0; i < it->size(); ++i)
        {
            const sj::Json& item = (*it)[i];
            if (!item.is_string() || item.get<std::string>().empty())
                diagnostics_.error(sj::childPointer(pointer, i),
                                   std::string("expected ") + std::string(what) + ", got " + sj::describe(item));
            else
                out.push_back(item.get<std::string>());
        }
        return out;
    }

    std::optional<long long> integer(std::string_view key, long long min, long long max, std::string_view what)
    {
        const auto it = root_.find(std::string(key));
        if (it == root_.end() || it->is_null()) return std::nullopt;
        return sj::readInteger(diagnostics_, {root_, "", key}, min, max, what);
    }

private:
    sj::Diagnostics& diagnostics_;
    const sj::Json& root_;
    std::string base_;
};

} // namespace

ServeConfigResult applyServeConfigText(std::string_view text, const std::string& sourceName,
                                       const std::string& baseDirectory, unsigned mode, ServeArguments& arguments)
{
    ServeConfigResult result;
    sj::Diagnostics diagnostics(sourceName);
    const std::optional<sj::Json> document = sj::parseDocument(diagnostics, text);
    if (!document || !sj::expectObject(diagnostics, *document, "", "an object of serve settings"))
    {
        result.errors = diagnostics.lines();
        return result;
    }
    sj::checkKeys(diagnostics, *document, "", std::span<const std::string_view>(kKeys.begin(), kKeys.size()));

    ConfigReader read(diagnostics, *document, baseDirectory);
    ServeArguments merged = arguments;
    if (auto v = read.path("session", "the session file's path"); v && !given(arguments, "--session"))
        merged.sessionPath = *v;
    if (auto v = read.text("listen", "ADDR:PORT, e.g. \"0.0.0.0:8080\""); v && !given(arguments, "--listen"))
    {
        try
        {
            parseListen(*v, merged.listenAddress, merged.listenPort);
        }
        catch (const CommandUsageError& e)
        {
            std::string why = e.what();
            if (why.starts_with("--listen: ")) why.erase(0, 10);
            diagnostics.error("/listen", why);
        }
    }
    if (auto v = read.list("allow_hosts", "host names"))
        merged.allowedHosts.insert(merged.allowedHosts.begin(), v->begin(), v->end());
    if (auto v = read.list("allow_origins", "origins (scheme://host[:port])"))
        merged.allowedOrigins.insert(merged.allowedOrigins.begin(), v->begin(), v->end());
    const auto viewer = read.token("viewer_token");
    const auto control = read.token("control_token");
    if (viewer && !given(arguments, "--viewer-token")) merged.viewerToken = *viewer;
    if (control && !given(arguments, "--control-token")) merged.controlToken = *control;
    if (auto v = read.text("jack_server", "a JACK server name"); v && !given(arguments, "--jack-server"))
        merged.serverName = *v;
    if (auto v = read.text("client_name", "a JACK client name"); v && !given(arguments, "--client-name"))
        merged.clientName = *v;
    if (auto v = read.path("log", "a file for the statistics log, or \"-\" for standard output");
        v && !given(arguments, "--log"))
        merged.logPath = *v;
    if (auto v = read.path("web_root", "the dashboard's directory"); v && !given(arguments, "--web-root"))
        merged.webRoot = *v;
    const auto cert = read.path("tls_cert", "a PEM certificate chain");
    const auto key = read.path("tls_key", "the certificate's PEM private key");
    if (cert.has_value() != key.has_value())
        diagnostics.error(cert ? "/tls_key" : "/tls_cert", "tls_cert and tls_key go together (TLS needs both)");
    else if (cert && !given(arguments, "--tls-cert") && !given(arguments, "--tls-key"))
    {
        merged.tlsCertFile = *cert;
        merged.tlsKeyFile = *key;
    }
    if (auto v = read.integer("max_clients", 1, kMaxClientsLimit, "WebSocket clients");
        v && !given(arguments, "--max-clients"))
        merged.maxClients = static_cast<std::size_t>(*v);

    bool mqttPassword = false;
    if (const auto it = document->find("mqtt"); it != document->end() && !it->is_null())
    {
        if (sj::expectObject(diagnostics, *it, "/mqtt", "an object of MQTT settings (docs/LAB.md)"))
        {
            sj::checkKeys(diagnostics, *it, "/mqtt", std::span<const std::string_view>(kMqttKeys.begin(), kMqttKeys.size()));
            const auto mqttText = [&](std::string_view name) -> std::optional<std::string> {
                const auto v = it->find(std::string(name));
                if (v == it->end() || v->is_null()) return std::nullopt;
                if (!v->is_string() || v->get<std::string>().empty())
                {
                    diagnostics.error("/mqtt/" + std::string(name), "expected a non-empty string or null, got " + sj::describe(*v));
                    return std::nullopt;
                }
                return v->get<std::string>();
            };
            const auto mqttFile = [&](std::string_view name) -> std::optional<std::string> {
                auto v = mqttText(name);
                if (v && std::filesystem::path(*v).is_relative())
                    v = (std::filesystem::path(baseDirectory) / *v).lexically_normal().string();
                return v;
            };
            const auto set = [&](std::string_view name, const char* option, std::string& field, bool isFile) {
                if (auto v = isFile ? mqttFile(name) : mqttText(name); v && !given(arguments, option)) field = *v;
            };
            set("url", "--mqtt", merged.mqttUrl, false);
            set("site", "--site", merged.mqttSite, false);
            set("room", "--room", merged.mqttRoom, false);
            set("username", "--mqtt-username", merged.mqttUsername, false);
            set("ca_file", "--mqtt-ca-file", merged.mqttCaFile, true);
            set("cert_file", "--mqtt-cert-file", merged.mqttCertFile, true);
            set("key_file", "--mqtt-key-file", merged.mqttKeyFile, true);
            set("dashboard_url", "--dashboard-url", merged.dashboardUrl, false);
            if (auto v = mqttText("password"))
            {
                merged.mqttPassword = *v;
                mqttPassword = true;
            }
        }
    }

    result.errors = diagnostics.lines();
    if (!result.errors.empty()) return result;
    if ((viewer || control || mqttPassword) && (mode & S_IROTH) != 0)
        result.warnings.push_back(sourceName + " holds a token and other users can read it (chmod o-r " + sourceName +
                                  ")");
    arguments = std::move(merged);
    return result;
}

ServeConfigResult applyServeConfig(const std::string& path, ServeArguments& arguments)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return {{path + ": cannot read the file: " + std::strerror(errno)}, {}};
    std::string text;
    std::array<char, 16 * 1024> buffer{};
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0)
    {
        text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
        if (text.size() > kMaxConfigBytes) return {{path + ": larger than 1 MiB (expected a JSON config file)"}, {}};
    }
    struct stat st{};
    const unsigned mode = ::stat(path.c_str(), &st) == 0 ? static_cast<unsigned>(st.st_mode) : 0u;
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    return applyServeConfigText(text, path, parent.empty() ? std::string(".") : parent.string(), mode, arguments);
}

} // namespace headroom::server::cli
