#pragma once

#include <cstdint>

// VU meter ballistics (IEC 60268-17): the full-wave rectified average driven through a second-order
// "needle" so that a suddenly applied steady tone reaches 99 % of its deflection in 300 ms with
// 1-1.5 % overshoot (damping 0.8127, natural frequency 13.51 rad/s: 1.25 % overshoot), and falls the
// same way. It runs on the worker at the 100 Hz sub-block rate from each summary's sum of |x|: the
// needle's 2 Hz dynamics are exactly discretised (matrix exponential, zero-order hold) at 10 ms
// steps, which loses nothing a needle could show.
//
// The reading is calibrated to the sine-peak (AES17) convention: a steady sine of peak level L
// dBFS reads L dBFS; subtract the session's 0 VU reference (default -18 dBFS) to show VU.
namespace headroom::dsp
{

class VuMeter
{
public:
    // [worker]
    void reset() noexcept;

    // [worker] Feed one sub-block (10 ms): the sum of |x| over its frames (a non-finite sum counts
    // as silence). Sub-blocks of 220/221 frames at 22.05 kHz are all taken as 10 ms steps.
    void addSubBlock(double sumAbs, uint32_t numFrames) noexcept;

    // [worker] Needle position as a level in dBFS (sine-peak calibrated); -inf at rest.
    [[nodiscard]] double levelDbfs() const noexcept;

    // [worker] Needle position, linear (sine-peak calibrated; may overshoot).
    [[nodiscard]] double levelLinear() const noexcept { return position_; }

private:
    double position_ = 0.0; // needle deflection, linear, sine-peak calibrated
    double velocity_ = 0.0; // its time derivative, per second
};

} // namespace headroom::dsp
