#include <gtest/gtest.h>

#include "tests/support/RunProcess.h"

using headroom::test::runCommand;

TEST(CommandLine, HelpListsTheCommandsAndExitsZero)
{
    const auto r = runCommand(std::string(HEADROOM_BINARY) + " --help");
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_NE(r.output.find("Usage: headroom COMMAND"), std::string::npos);
}

TEST(CommandLine, UnknownCommandIsRefusedWithOneClearLine)
{
    const auto r = runCommand(std::string(HEADROOM_BINARY) + " frobnicate 2>&1");
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_NE(r.output.find("unknown command 'frobnicate'"), std::string::npos);
}

TEST(CommandLine, NoCommandPrintsUsageAndFails)
{
    const auto r = runCommand(std::string(HEADROOM_BINARY) + " 2>&1");
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_NE(r.output.find("Usage:"), std::string::npos);
}
