// libFuzzer target for the meter-frame decoder (what a C++ client or a test reads from the wire).
// Properties: decodeMeterFrame never crashes or reads out of bounds; an accepted frame is
// consistent, re-encodes, decodes back to itself, and merges with itself.
#include <cstddef>
#include <cstdint>
#include <span>

#include "proto/MeterFrameCodec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    using namespace headroom::proto;
    const auto decoded = decodeMeterFrame(std::span(data, size));
    if (!decoded.ok())
    {
        if (decoded.error().message.empty()) __builtin_trap();
        return 0;
    }
    if (!checkMeterFrame(decoded.value()).empty()) __builtin_trap();
    const auto encoded = encodeMeterFrame(decoded.value());
    if (!encoded.ok()) __builtin_trap();
    const auto again = decodeMeterFrame(encoded.value());
    if (!again.ok() || !(again.value() == decoded.value())) __builtin_trap();
    MeterFrame merged = decoded.value();
    if (mergeMeterFrames(merged, decoded.value()) != MergeOutcome::merged) __builtin_trap();
    return 0;
}
