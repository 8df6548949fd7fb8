#include <gtest/gtest.h>

#include "server/analyze/AnalyzeCommand.h"
#include "server/analyze/FileAnalysis.h"

using namespace headroom;
using server::parseAnalyzeArguments;

namespace
{
server::AnalyzeArguments parse(std::vector<std::string> args)
{
    return parseAnalyzeArguments(args);
}
} // namespace

TEST(AnalyzeArguments, AcceptsOptionsBeforeAndAfterTheFile)
{
    const auto a = parse({"take.wav", "--json", "--layout", "L,R,C", "--rms=plain"});
    EXPECT_EQ(a.file, "take.wav");
    EXPECT_TRUE(a.json);
    ASSERT_TRUE(a.layout.has_value());
    EXPECT_EQ(server::layoutToString(*a.layout), "L,R,C");
    EXPECT_EQ(a.rmsConvention, dsp::RmsConvention::plain);

    const auto b = parse({"--layout=M", "--rms", "aes17", "x.flac"});
    EXPECT_EQ(b.file, "x.flac");
    EXPECT_FALSE(b.json);
    EXPECT_EQ(server::layoutToString(*b.layout), "M");
    EXPECT_EQ(b.rmsConvention, dsp::RmsConvention::aes17);
}

TEST(AnalyzeArguments, DoubleDashEndsOptions)
{
    EXPECT_EQ(parse({"--", "--json"}).file, "--json");
}

TEST(AnalyzeArguments, HelpNeedsNoFile)
{
    EXPECT_TRUE(parse({"--help"}).help);
    EXPECT_TRUE(parse({"-h"}).help);
    EXPECT_TRUE(parse({"a.wav", "b.wav", "--help"}).help); // help wins over a command line it would refuse
}

TEST(AnalyzeArguments, RefusesBadCommandLines)
{
    EXPECT_THROW(parse({}), server::UsageError);
    EXPECT_THROW(parse({"a.wav", "b.wav"}), server::UsageError);
    EXPECT_THROW(parse({"--loud", "a.wav"}), server::UsageError);
    EXPECT_THROW(parse({"--layout"}), server::UsageError);
    EXPECT_THROW(parse({"--layout", "L,R,X", "a.wav"}), server::UsageError);
    EXPECT_THROW(parse({"--layout=", "a.wav"}), server::UsageError);
    EXPECT_THROW(parse({"--rms", "peak", "a.wav"}), server::UsageError);
    EXPECT_THROW(parse({"--jsonx", "a.wav"}), server::UsageError);
}

TEST(AnalyzeArguments, SessionReplacesTheFile)
{
    const auto a = parse({"--json", "--session", "studio.json"});
    EXPECT_EQ(a.session, "studio.json");
    EXPECT_TRUE(a.file.empty());
    EXPECT_TRUE(a.json);
    EXPECT_EQ(parse({"--session=rooms/b.json"}).session, "rooms/b.json");
    EXPECT_TRUE(parse({"--session", "s.json", "--help"}).help);
}

TEST(AnalyzeArguments, RefusesASessionWithAFileOrFileOnlyOptions)
{
    EXPECT_THROW(parse({"--session", "s.json", "take.wav"}), server::UsageError);
    EXPECT_THROW(parse({"--session", "s.json", "--layout", "L,R"}), server::UsageError);
    EXPECT_THROW(parse({"--session", "s.json", "--rms", "plain"}), server::UsageError);
    EXPECT_THROW(parse({"--session"}), server::UsageError);
    EXPECT_THROW(parse({"--session="}), server::UsageError);
    EXPECT_THROW(parse({"--session", "a.json", "--session", "b.json"}), server::UsageError);
}
