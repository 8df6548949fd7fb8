#include "server/lab/MqttClient.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/RunProcess.h"
#include "tests/support/SoundFiles.h"
#include "tests/support/TestCertificates.h"

// The room publisher's and the hub's MQTT client against a broker secured the way docs/LAB.md
// tells a site to run one: TLS and username/password, no anonymous access. Everything is generated
// here (the broker's certificate for 127.0.0.1, which the rooms trust, another one they do not, a
// password file) and a private Mosquitto listens on a free loopback port. Skips when mosquitto,
// mosquitto_passwd or openssl is missing (CI installs them).
namespace headroom::server::lab
{
namespace
{

constexpr const char* kMosquitto = "/usr/sbin/mosquitto";
using namespace std::chrono_literals;

bool toolsInstalled()
{
    return ::access(kMosquitto, X_OK) == 0 &&
           test::runCommand("command -v mosquitto_passwd >/dev/null && command -v openssl >/dev/null && echo yes")
                   .output == "yes\n";
}

std::size_t countOf(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

uint16_t freeLoopbackPort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        throw std::runtime_error("no free loopback port");
    ::close(fd);
    return ntohs(address.sin_port);
}

void run(const std::string& command)
{
    const test::ProcessResult r = test::runCommand(command + " 2>&1");
    if (r.exitCode != 0) throw std::runtime_error(command + " failed: " + r.output);
}

// The broker's certificate for IP 127.0.0.1, an unrelated one, a password file, and Mosquitto
// with TLS 1.2+ and no anonymous clients.
class SecuredBroker
{
public:
    SecuredBroker() : port_(freeLoopbackPort())
    {
        const std::string d = dir_.file("");
        // The broker's certificate is its own authority ("site-ca.crt" for the rooms); "other-ca"
        // is one the broker's certificate does not come from.
        for (const std::string name : {"site-ca", "other-ca"})
            if (!test::makeSelfSignedCertificate(d + name + ".crt", d + name + ".key"))
                throw std::runtime_error("openssl could not make " + name);
        run("mosquitto_passwd -c -b " + d + "passwords room1 correct-horse");
        test::writeTextFile(d + "mosquitto.conf", "listener " + std::to_string(port_) +
                                                      " 127.0.0.1\n"
                                                      "certfile " + d + "site-ca.crt\n"
                                                      "keyfile " + d + "site-ca.key\n"
                                                      "tls_version tlsv1.2\n"
                                                      "password_file " + d + "passwords\n"
                                                      "allow_anonymous false\n"
                                                      "persistence false\n");
        // Run as root, Mosquitto drops to its own user before it reads these: let it.
        std::filesystem::permissions(d, std::filesystem::perms::others_read | std::filesystem::perms::others_exec,
                                     std::filesystem::perm_options::add);
        for (const auto& entry : std::filesystem::directory_iterator(d))
            std::filesystem::permissions(entry.path(), std::filesystem::perms::others_read,
                                         std::filesystem::perm_options::add);

        const std::string conf = d + "mosquitto.conf";
        const std::string log = d + "mosquitto.log";
        pid_ = ::fork();
        if (pid_ == 0)
        {
            std::FILE* out = std::freopen(log.c_str(), "w", stdout);
            if (out != nullptr) ::dup2(::fileno(stdout), STDERR_FILENO);
            ::execl(kMosquitto, kMosquitto, "-c", conf.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        for (int i = 0; i < 100 && !listening(); ++i) std::this_thread::sleep_for(50ms);
        if (!listening()) throw std::runtime_error("mosquitto did not listen: " + readLog());
    }

    ~SecuredBroker()
    {
        if (pid_ > 0)
        {
            ::kill(pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
        }
    }

    SecuredBroker(const SecuredBroker&) = delete;
    SecuredBroker& operator=(const SecuredBroker&) = delete;

    [[nodiscard]] std::string url() const { return "mqtts://127.0.0.1:" + std::to_string(port_); }
    [[nodiscard]] std::string file(const std::string& name) const { return dir_.file(name); }
    [[nodiscard]] std::string readLog() const
    {
        std::ifstream in(dir_.file("mosquitto.log"));
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

private:
    [[nodiscard]] bool listening() const
    {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port_);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        ::close(fd);
        return ok;
    }

    test::TempDir dir_;
    uint16_t port_;
    pid_t pid_ = -1;
};

// What a client said and received, for waiting on from the test's thread.
struct Observed
{
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> logLines;
    std::vector<std::string> payloads;

    MqttClient::LogFunction logger()
    {
        return [this](std::string_view line)
        {
            std::lock_guard lock(mutex);
            logLines.emplace_back(line);
            changed.notify_all();
        };
    }
    template <typename Predicate> bool waitFor(Predicate predicate, std::chrono::milliseconds timeout)
    {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, timeout, [&] { return predicate(*this); });
    }
    std::string allLog()
    {
        std::lock_guard lock(mutex);
        std::string text;
        for (const std::string& l : logLines) text += l + "\n";
        return text;
    }
};

class MqttSecuredBroker : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        if (toolsInstalled()) broker_ = new SecuredBroker();
    }
    static void TearDownTestSuite()
    {
        delete broker_;
        broker_ = nullptr;
    }
    void SetUp() override
    {
        if (broker_ == nullptr) GTEST_SKIP() << "mosquitto, mosquitto_passwd or openssl not installed";
    }

    static MqttSettings settings(const std::string& password, const std::string& caFile)
    {
        MqttSettings s;
        s.url = broker_->url();
        s.username = "room1";
        s.password = password;
        s.caFile = caFile;
        return s;
    }

    static SecuredBroker* broker_;
};

SecuredBroker* MqttSecuredBroker::broker_ = nullptr;

TEST_F(MqttSecuredBroker, TheRightPasswordOverTlsConnectsAndMessagesFlow)
{
    Observed seen;
    MqttClient client(settings("correct-horse", broker_->file("site-ca.crt")), seen.logger());
    client.subscribe("lab/secured/#", 1);
    client.onMessage(
        [&seen](std::string_view, std::string_view payload, bool)
        {
            std::lock_guard lock(seen.mutex);
            seen.payloads.emplace_back(payload);
            seen.changed.notify_all();
        });
    client.start();
    ASSERT_TRUE(seen.waitFor([&](Observed&) { return client.connected(); }, 10s))
        << seen.allLog() << broker_->readLog();
    // Subscribed in the connect callback, just before `connected` turned true: publish until the
    // subscription has taken.
    bool received = false;
    for (int i = 0; i < 50 && !received; ++i)
    {
        EXPECT_TRUE(client.publish("lab/secured/room1", "summary", 1, false));
        received = seen.waitFor([](Observed& o) { return !o.payloads.empty(); }, 100ms);
    }
    EXPECT_TRUE(received) << "no message came back through the TLS broker";
    EXPECT_NE(seen.allLog().find("mqtt: connected to " + broker_->url()), std::string::npos) << seen.allLog();
    EXPECT_EQ(seen.allLog().find("correct-horse"), std::string::npos) << "the password was logged";
    client.stop();
}

TEST_F(MqttSecuredBroker, AWrongPasswordIsRefusedAndSaysSoOnceWithoutThePassword)
{
    Observed seen;
    MqttClient client(settings("wrong-horse", broker_->file("site-ca.crt")), seen.logger());
    client.start();
    ASSERT_TRUE(seen.waitFor([](Observed& o) { return !o.logLines.empty(); }, 10s)) << broker_->readLog();
    std::this_thread::sleep_for(2500ms); // at least two retries (1 s, then 2 s apart)
    EXPECT_FALSE(client.connected());
    const std::string log = seen.allLog();
    EXPECT_NE(log.find("not authorised"), std::string::npos) << log;
    EXPECT_EQ(log.find("wrong-horse"), std::string::npos) << "the password was logged";
    std::lock_guard lock(seen.mutex);
    EXPECT_EQ(seen.logLines.size(), 1u) << "one line per change of state, not one per retry:\n" << log;
}

TEST_F(MqttSecuredBroker, ABrokerCertificateFromAnotherCaIsNotTrusted)
{
    Observed seen;
    MqttClient client(settings("correct-horse", broker_->file("other-ca.crt")), seen.logger());
    client.start();
    ASSERT_TRUE(seen.waitFor([](Observed& o) { return !o.logLines.empty(); }, 10s)) << broker_->readLog();
    EXPECT_FALSE(client.connected()) << "connected to a broker whose certificate the CA did not sign";
    const std::string log = seen.allLog();
    EXPECT_NE(log.find("not connected to " + broker_->url()), std::string::npos) << log;
    EXPECT_NE(log.find("certificate verify failed"), std::string::npos) << "OpenSSL's reason, for the admin:\n" << log;
    // libmosquitto's own loop gives up for good after a TLS error; ours keeps trying (1 s, 2 s ...),
    // so a broker whose certificate is put right is found again without restarting the room.
    const auto refusals = [] { return countOf(broker_->readLog(), "unknown ca"); };
    const std::size_t first = refusals();
    for (int i = 0; i < 60 && refusals() <= first; ++i) std::this_thread::sleep_for(100ms);
    EXPECT_GT(refusals(), first) << "no second attempt after the TLS error:\n" << broker_->readLog();
}

TEST_F(MqttSecuredBroker, StopDoesNotWaitOutTheReconnectDelay)
{
    Observed seen;
    MqttClient client(settings("wrong-horse", broker_->file("site-ca.crt")), seen.logger());
    client.start();
    ASSERT_TRUE(seen.waitFor([](Observed& o) { return !o.logLines.empty(); }, 10s)) << broker_->readLog();
    std::this_thread::sleep_for(3500ms); // into the 4 s wait before the third attempt
    const auto before = std::chrono::steady_clock::now();
    client.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - before, 1s) << "stop() slept the reconnect delay out";
}

TEST_F(MqttSecuredBroker, WithoutCredentialsTheBrokerRefusesTheRoom)
{
    Observed seen;
    MqttSettings s = settings("", broker_->file("site-ca.crt"));
    s.username.clear();
    MqttClient client(s, seen.logger());
    client.start();
    ASSERT_TRUE(seen.waitFor([](Observed& o) { return !o.logLines.empty(); }, 10s)) << broker_->readLog();
    EXPECT_FALSE(client.connected());
    EXPECT_NE(seen.allLog().find("not authorised"), std::string::npos) << seen.allLog();
}

} // namespace
} // namespace headroom::server::lab
