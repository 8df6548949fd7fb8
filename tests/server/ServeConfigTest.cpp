// `headroom serve --config FILE`: the settings file, its precedence against the command line, and
// its error lines (file, JSON pointer, what was expected).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "server/cli/CommandSupport.h"
#include "server/cli/ServeCommand.h"
#include "server/cli/ServeConfig.h"
#include "tests/support/RunProcess.h"

using namespace headroom::server;

namespace
{
cli::ServeConfigResult apply(const std::string& text, ServeArguments& arguments, unsigned mode = 0600)
{
    return cli::applyServeConfigText(text, "studio.json", "/etc/headroom", mode, arguments);
}

std::string joined(const std::vector<std::string>& lines)
{
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}
} // namespace

TEST(ServeConfig, ReadsEverySettingAndResolvesPathsAgainstItsDirectory)
{
    ServeArguments a = parseServeArguments(std::vector<std::string>{"--config", "studio.json"});
    const auto r = apply(R"({"session": "sessions/demo.json", "listen": "0.0.0.0:9090",
        "allow_hosts": ["studio.local"], "allow_origins": ["https://studio.local"],
        "viewer_token": "v-123", "control_token": "c-456", "jack_server": "studio", "client_name": "meter",
        "log": "/var/log/headroom/stats.jsonl", "web_root": null, "tls_cert": "tls/cert.pem",
        "tls_key": "tls/key.pem", "max_clients": 64})",
                         a);
    ASSERT_TRUE(r.errors.empty()) << joined(r.errors);
    EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
    EXPECT_EQ(a.sessionPath, "/etc/headroom/sessions/demo.json");
    EXPECT_EQ(a.listenAddress, "0.0.0.0");
    EXPECT_EQ(a.listenPort, 9090);
    EXPECT_EQ(a.allowedHosts, std::vector<std::string>{"studio.local"});
    EXPECT_EQ(a.allowedOrigins, std::vector<std::string>{"https://studio.local"});
    EXPECT_EQ(a.viewerToken, "v-123");
    EXPECT_EQ(a.controlToken, "c-456");
    EXPECT_EQ(a.serverName, "studio");
    EXPECT_EQ(a.clientName, "meter");
    EXPECT_EQ(a.logPath, "/var/log/headroom/stats.jsonl");
    EXPECT_EQ(a.webRoot, "");
    EXPECT_EQ(a.tlsCertFile, "/etc/headroom/tls/cert.pem");
    EXPECT_EQ(a.tlsKeyFile, "/etc/headroom/tls/key.pem");
    EXPECT_EQ(a.maxClients, 64u);
    EXPECT_EQ(checkServeArguments(a), "");
}

TEST(ServeConfig, TheCommandLineWinsAndAddsToLists)
{
    ServeArguments a = parseServeArguments(std::vector<std::string>{
        "--config", "studio.json", "--listen", "127.0.0.1:0", "--viewer-token", "cli", "--allow-host", "b"});
    const auto r = apply(R"({"session": "/s.json", "listen": "0.0.0.0:9090", "viewer_token": "file",
                             "control_token": "ctl", "allow_hosts": ["a"]})",
                         a);
    ASSERT_TRUE(r.errors.empty()) << joined(r.errors);
    EXPECT_EQ(a.listenPort, 0);
    EXPECT_EQ(a.listenAddress, "127.0.0.1");
    EXPECT_EQ(a.viewerToken, "cli");
    EXPECT_EQ(a.controlToken, "ctl");
    EXPECT_EQ(a.allowedHosts, (std::vector<std::string>{"a", "b"}));
}

TEST(ServeConfig, ReportsEveryMistakeWithFilePointerAndExpectation)
{
    ServeArguments a = parseServeArguments(std::vector<std::string>{"--config", "studio.json"});
    const ServeArguments before = a;
    const auto r = apply(R"({"session": 3, "listen": "everywhere", "allow_hosts": ["ok", 7],
                             "viewer_token": "has space", "tls_cert": "c.pem", "max_clients": 0, "colour": "red"})",
                         a);
    const std::string all = joined(r.errors);
    EXPECT_NE(all.find("studio.json: /colour: unknown key"), std::string::npos) << all;
    EXPECT_NE(all.find("studio.json: /session: expected the session file's path, got 3"), std::string::npos) << all;
    EXPECT_NE(all.find("studio.json: /listen: expected ADDR:PORT"), std::string::npos) << all;
    EXPECT_NE(all.find("studio.json: /allow_hosts/1: expected host names, got 7"), std::string::npos) << all;
    EXPECT_NE(all.find("studio.json: /viewer_token: expected a token without spaces"), std::string::npos) << all;
    EXPECT_NE(all.find("studio.json: /tls_key: tls_cert and tls_key go together"), std::string::npos) << all;
    EXPECT_NE(all.find("studio.json: /max_clients:"), std::string::npos) << all;
    EXPECT_EQ(r.errors.size(), 7u) << all;
    EXPECT_EQ(a.sessionPath, before.sessionPath); // nothing applied
    EXPECT_EQ(a.listenPort, before.listenPort);
}

TEST(ServeConfig, SyntaxErrorsNameLineAndColumn)
{
    ServeArguments a;
    const auto r = apply("{\"session\": \"s.json\",\n \"listen\": }", a);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_NE(r.errors[0].find("studio.json: line 2"), std::string::npos) << r.errors[0];
}

TEST(ServeConfig, WarnsWhenOthersCanReadItsTokens)
{
    ServeArguments a;
    EXPECT_EQ(apply(R"({"session": "s.json", "control_token": "t"})", a, 0644).warnings.size(), 1u);
    EXPECT_TRUE(apply(R"({"session": "s.json", "control_token": "t"})", a, 0640).warnings.empty());
    EXPECT_TRUE(apply(R"({"session": "s.json"})", a, 0644).warnings.empty());
}

TEST(ServeArguments, ASessionMayComeFromTheConfigAndMaxClientsIsBounded)
{
    EXPECT_NO_THROW((void)parseServeArguments(std::vector<std::string>{"--config", "c.json"}));
    EXPECT_EQ(parseServeArguments(std::vector<std::string>{"--session", "s", "--max-clients", "12"}).maxClients, 12u);
    for (const char* bad : {"0", "-1", "99999", "many", ""})
        EXPECT_THROW((void)parseServeArguments(std::vector<std::string>{"--session", "s", "--max-clients", bad}),
                     cli::CommandUsageError)
            << bad;
    ServeArguments noSession = parseServeArguments(std::vector<std::string>{"--config", "c.json"});
    EXPECT_NE(checkServeArguments(noSession).find("no session"), std::string::npos);
}

TEST(ServeCommand, ABadConfigIsRefusedWithExitCodeOneNamingFileAndPointer)
{
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("headroom-config-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::filesystem::path file = dir / "headroom.json";
    std::ofstream(file) << R"({"session": "demo.json", "listen": 8080})";
    const auto r = headroom::test::runCommand(std::string(HEADROOM_BINARY) + " serve --config " + file.string() + " 2>&1");
    std::filesystem::remove_all(dir);
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.output.find(file.string() + ": /listen: expected ADDR:PORT"), std::string::npos) << r.output;
}
