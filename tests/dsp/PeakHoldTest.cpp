#include "dsp/PeakHold.h"

#include "dsp/Decibels.h"

#include <gtest/gtest.h>
#include <limits>

using namespace headroom;

// PeakHold is fed one peak per 10 ms sub-block: k sub-blocks after a peak P (and nothing louder
// since) it shows P - max(0, k / 100 - hold) * fall, never less than the signal.
namespace
{
constexpr double kSilence = dsp::kMinusInfinityDb;
}

TEST(PeakHold, HoldsForTheHoldTimeThenFallsAtTheFallRate)
{
    dsp::PeakHold hold;
    hold.prepare(2.0, 20.0);
    hold.add(-6.0);
    for (int k = 1; k <= 200; ++k)
    {
        hold.add(kSilence);
        ASSERT_EQ(hold.heldDb(), -6.0) << "sub-block " << k;
    }
    for (int k = 201; k <= 300; ++k)
    {
        hold.add(kSilence);
        ASSERT_NEAR(hold.heldDb(), -6.0 - (k - 200) * 0.2, 1e-9) << "sub-block " << k;
    }
    EXPECT_NEAR(hold.heldDb(), -26.0, 1e-9); // 1 s of fall at 20 dB/s
}

TEST(PeakHold, FallsOnlyDownToTheSignal)
{
    dsp::PeakHold hold;
    hold.prepare(0.5, 40.0);
    hold.add(-3.0);
    for (int k = 0; k < 500; ++k) hold.add(-20.0);
    EXPECT_EQ(hold.heldDb(), -20.0);
}

TEST(PeakHold, ALouderPeakTakesOverAndRestartsTheHold)
{
    dsp::PeakHold hold;
    hold.prepare(1.0, 10.0);
    hold.add(-12.0);
    for (int k = 0; k < 50; ++k) hold.add(kSilence);
    hold.add(-4.0);
    EXPECT_EQ(hold.heldDb(), -4.0);
    for (int k = 0; k < 100; ++k) hold.add(kSilence);
    EXPECT_EQ(hold.heldDb(), -4.0); // a full hold from the new peak
    hold.add(kSilence);
    EXPECT_NEAR(hold.heldDb(), -4.1, 1e-9);
}

TEST(PeakHold, ZeroFallHoldsForever)
{
    for (double holdSeconds : {0.0, 3.0})
    {
        dsp::PeakHold hold;
        hold.prepare(holdSeconds, 0.0);
        hold.add(-1.5);
        for (int k = 0; k < 100000; ++k) hold.add(-60.0);
        EXPECT_EQ(hold.heldDb(), -1.5) << "hold " << holdSeconds << " s";
        hold.add(-1.0);
        EXPECT_EQ(hold.heldDb(), -1.0);
    }
}

TEST(PeakHold, ZeroHoldFallsAtOnce)
{
    dsp::PeakHold hold;
    hold.prepare(0.0, 10.0);
    hold.add(-6.0);
    hold.add(kSilence);
    EXPECT_NEAR(hold.heldDb(), -6.1, 1e-9);
}

TEST(PeakHold, ResetForgetsTheHeldPeak)
{
    dsp::PeakHold hold;
    hold.prepare(0.0, 0.0);
    EXPECT_EQ(hold.heldDb(), kSilence);
    hold.add(0.0);
    hold.reset();
    EXPECT_EQ(hold.heldDb(), kSilence);
    hold.add(-30.0);
    EXPECT_EQ(hold.heldDb(), -30.0);
}

TEST(PeakHold, NanCountsAsSilenceAndBadSettingsAreClamped)
{
    dsp::PeakHold hold;
    hold.prepare(-1.0, -5.0); // no hold, no fall: holds forever
    hold.add(-10.0);
    hold.add(std::numeric_limits<double>::quiet_NaN());
    EXPECT_EQ(hold.heldDb(), -10.0);

    hold.prepare(0.0, 10.0);
    hold.add(-10.0);
    hold.add(std::numeric_limits<double>::quiet_NaN());
    EXPECT_NEAR(hold.heldDb(), -10.1, 1e-9);
}
