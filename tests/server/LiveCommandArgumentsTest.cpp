// The command lines of `headroom serve` and `headroom generate`.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/cli/CommandSupport.h"
#include "server/cli/GenerateCommand.h"
#include "server/cli/ServeCommand.h"
#include "tests/support/RunProcess.h"

using namespace headroom::server;
using cli::CommandUsageError;

TEST(ServeArguments, ReadsEveryOptionInBothSpellings)
{
    const std::vector<std::string> args{
        "--session", "s.json", "--jack-server=studio", "--client-name", "meter", "--log", "-"};
    const ServeArguments a = parseServeArguments(args);
    EXPECT_EQ(a.sessionPath, "s.json");
    EXPECT_EQ(a.serverName, "studio");
    EXPECT_EQ(a.clientName, "meter");
    EXPECT_EQ(a.logPath, "-");
}

TEST(ServeArguments, RequiresASessionAndRefusesUnknownOptions)
{
    EXPECT_THROW((void)parseServeArguments(std::vector<std::string>{}), CommandUsageError);
    EXPECT_THROW((void)parseServeArguments(std::vector<std::string>{"--session", "s.json", "--frob"}),
                 CommandUsageError);
    EXPECT_THROW((void)parseServeArguments(std::vector<std::string>{"--session"}), CommandUsageError);
    EXPECT_TRUE(parseServeArguments(std::vector<std::string>{"--help"}).help);
}

TEST(GenerateArguments, ReadsPortsConnectionsAndDuration)
{
    const std::vector<std::string> args{
        "--port", "a:sine:1000:-18", "--port=b:noise:-30", "--connect", "a=headroom:in", "--duration", "2.5"};
    const GenerateArguments a = parseGenerateArguments(args);
    ASSERT_EQ(a.ports.size(), 2u);
    EXPECT_EQ(a.ports[0].first, "a");
    EXPECT_EQ(a.ports[1].second.kind, SignalSpec::Kind::noise);
    ASSERT_EQ(a.connections.size(), 1u);
    EXPECT_EQ(a.connections[0].second, "headroom:in");
    EXPECT_DOUBLE_EQ(a.durationSeconds, 2.5);
    EXPECT_EQ(a.clientName, "headroom-generator");
}

TEST(GenerateArguments, RefusesWhatCannotBePlayed)
{
    using V = std::vector<std::string>;
    EXPECT_THROW((void)parseGenerateArguments(V{}), CommandUsageError);
    EXPECT_THROW((void)parseGenerateArguments(V{"--port", "a"}), CommandUsageError);
    EXPECT_THROW((void)parseGenerateArguments(V{"--port", "a:square:1"}), CommandUsageError);
    EXPECT_THROW((void)parseGenerateArguments(V{"--port", "a:silence", "--port", "a:silence"}),
                 CommandUsageError);
    EXPECT_THROW((void)parseGenerateArguments(V{"--port", "a:silence", "--connect", "b=x:y"}),
                 CommandUsageError);
    EXPECT_THROW((void)parseGenerateArguments(V{"--port", "a:silence", "--duration", "-1"}),
                 CommandUsageError);
}

TEST(GenerateCommand, WithoutAServerFailsWithTheOpenStatusAndStartsNone)
{
    const auto r =
        headroom::test::runCommand("JACK_NO_START_SERVER=1 " + std::string(HEADROOM_BINARY) +
                                   " generate --jack-server headroom-unit-none --port a:silence 2>&1");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.output.find("status 0x11"), std::string::npos) << r.output;
}

TEST(ServeCommand, ABadSessionIsRefusedWithExitCodeOne)
{
    const auto r = headroom::test::runCommand(std::string(HEADROOM_BINARY) +
                                              " serve --session /nonexistent/session.json 2>&1");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.output.find("/nonexistent/session.json"), std::string::npos) << r.output;
}
