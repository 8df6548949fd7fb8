// Channel roles and their BS.1770-5 loudness weights (reference §1.4): Annex 1 Table 3 (L, R, C 1.0;
// Ls, Rs 1.41; LFE excluded), Annex 3 Table 4 by position (side +-60..120 deg 1.41, rear beyond 120 deg
// 1.0), default layouts by channel count (WAV order) and the layout parser.

#include "dsp/ChannelLayout.h"

#include <gtest/gtest.h>
#include <stdexcept>
#include <string>

using namespace headroom;
using dsp::ChannelRole;

namespace
{
constexpr ChannelRole kAllRoles[] = {
    ChannelRole::mono,      ChannelRole::left,         ChannelRole::right,         ChannelRole::centre,
    ChannelRole::lfe,       ChannelRole::leftSurround, ChannelRole::rightSurround, ChannelRole::leftSide,
    ChannelRole::rightSide, ChannelRole::leftRear,     ChannelRole::rightRear};
} // namespace

TEST(ChannelLayout, FrontChannelsWeighOneAndSurroundsWeigh1Point41AsPrinted)
{
    EXPECT_EQ(dsp::loudnessWeight(ChannelRole::mono), 1.0);
    EXPECT_EQ(dsp::loudnessWeight(ChannelRole::left), 1.0);
    EXPECT_EQ(dsp::loudnessWeight(ChannelRole::right), 1.0);
    EXPECT_EQ(dsp::loudnessWeight(ChannelRole::centre), 1.0);
    // BS.1770 prints 1.41 (not sqrt(2)); +1.49 dB.
    EXPECT_EQ(dsp::loudnessWeight(ChannelRole::leftSurround), 1.41);
    EXPECT_EQ(dsp::loudnessWeight(ChannelRole::rightSurround), 1.41);
}

TEST(ChannelLayout, LfeIsExcludedFromLoudness)
{
    EXPECT_EQ(dsp::loudnessWeight(ChannelRole::lfe), 0.0);
}

TEST(ChannelLayout, SidesWeigh1Point41AndRearsBeyond120DegreesWeighOneAsAnnex3Positions)
{
    // Annex 3 Table 4: |elevation| < 30 and 60 <= |azimuth| <= 120 -> 1.41; otherwise 1.0.
    EXPECT_EQ(dsp::loudnessWeight(ChannelRole::leftSide), 1.41);  // M+090
    EXPECT_EQ(dsp::loudnessWeight(ChannelRole::rightSide), 1.41); // M-090
    EXPECT_EQ(dsp::loudnessWeight(ChannelRole::leftRear), 1.0);   // M+135
    EXPECT_EQ(dsp::loudnessWeight(ChannelRole::rightRear), 1.0);  // M-135
}

TEST(ChannelLayout, DefaultLayoutsFollowWavChannelOrder)
{
    using enum ChannelRole;
    EXPECT_EQ(dsp::defaultLayout(1), (std::vector{mono}));
    EXPECT_EQ(dsp::defaultLayout(2), (std::vector{left, right}));
    EXPECT_EQ(dsp::defaultLayout(3), (std::vector{left, right, centre}));
    EXPECT_EQ(dsp::defaultLayout(4), (std::vector{left, right, leftSurround, rightSurround}));
    EXPECT_EQ(dsp::defaultLayout(5), (std::vector{left, right, centre, leftSurround, rightSurround}));
    EXPECT_EQ(dsp::defaultLayout(6), (std::vector{left, right, centre, lfe, leftSurround, rightSurround}));
    EXPECT_EQ(dsp::defaultLayout(8),
              (std::vector{left, right, centre, lfe, leftSurround, rightSurround, leftRear, rightRear}));
    for (const std::size_t n : {0u, 7u, 9u, 16u}) EXPECT_FALSE(dsp::defaultLayout(n).has_value()) << n;
}

TEST(ChannelLayout, DefaultWeightsMatchTheItuConformanceChannelConfigurations)
{
    // ITU STL BS.2217 script: 6ch "000L11", 8ch "000L1100" (0 = 1.0, 1 = 1.41, L = LFE excluded).
    EXPECT_EQ(dsp::loudnessWeights(*dsp::defaultLayout(6)), (std::vector{1.0, 1.0, 1.0, 0.0, 1.41, 1.41}));
    EXPECT_EQ(dsp::loudnessWeights(*dsp::defaultLayout(8)),
              (std::vector{1.0, 1.0, 1.0, 0.0, 1.41, 1.41, 1.0, 1.0}));
    EXPECT_EQ(dsp::loudnessWeights(*dsp::defaultLayout(5)), (std::vector{1.0, 1.0, 1.0, 1.41, 1.41}));
    EXPECT_TRUE(dsp::loudnessWeights({}).empty());
}

TEST(ChannelLayout, RoleNamesRoundTrip)
{
    for (const ChannelRole role : kAllRoles)
    {
        const std::string_view name = dsp::toString(role);
        EXPECT_NE(name, "?");
        EXPECT_EQ(dsp::channelRoleFromString(name), role) << name;
    }
    EXPECT_EQ(dsp::toString(ChannelRole::lfe), "LFE");
    EXPECT_EQ(dsp::toString(ChannelRole::leftSurround), "Ls");
    EXPECT_FALSE(dsp::channelRoleFromString("l").has_value()) << "names are case-sensitive";
    EXPECT_FALSE(dsp::channelRoleFromString("").has_value());
}

TEST(ChannelLayout, ParsesACommaSeparatedLayout)
{
    using enum ChannelRole;
    EXPECT_EQ(dsp::parseLayout("L,R,C,LFE,Ls,Rs"),
              (std::vector{left, right, centre, lfe, leftSurround, rightSurround}));
    EXPECT_EQ(dsp::parseLayout("M"), (std::vector{mono}));
    EXPECT_EQ(dsp::parseLayout("Lss,Rss,Lrs,Rrs"), (std::vector{leftSide, rightSide, leftRear, rightRear}));
}

TEST(ChannelLayout, ParserRejectsUnknownAndEmptyRolesNamingThem)
{
    for (const char* bad : {"L,R,X", "", "L,,R", "L,R,", "lfe"})
    {
        try
        {
            (void)dsp::parseLayout(bad);
            ADD_FAILURE() << "accepted '" << bad << "'";
        }
        catch (const std::invalid_argument& e)
        {
            EXPECT_NE(std::string(e.what()).find("unknown channel role"), std::string::npos) << e.what();
        }
    }
    try
    {
        (void)dsp::parseLayout("L,R,Cx");
    }
    catch (const std::invalid_argument& e)
    {
        EXPECT_NE(std::string(e.what()).find("'Cx'"), std::string::npos) << e.what();
    }
}
