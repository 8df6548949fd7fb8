#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proto/ClientMessages.h"
#include "proto/MeterFrameCodec.h"
#include "proto/ServerMessages.h"

// The golden fixtures of tests/proto/fixtures/: the values they are made from, and the exact bytes
// the C++ encoders make of them. proto_fixture_writer writes these files (run it, review the diff,
// commit); proto_tests checks that the encoders still produce exactly the checked-in bytes, and
// tests/web/protocol.test.mjs decodes the same files with web/js/protocol.js.
namespace headroom::proto::fixtures
{

// A small studio: kick and snare into a virtual drum bus, a vocal with a plugin chain, the master
// with its input tapped and compared with the summed members. 13 taps, 18 meter channels.
[[nodiscard]] Topology studioTopology(uint32_t version);
[[nodiscard]] Hello studioHello();
[[nodiscard]] Stats studioStats();

// meter_full.bin: all 18 channels, default fields, sentinels, clamping and clip bits.
[[nodiscard]] MeterFrame fullFrame();
// meter_subset.bin: channels 4..7 and 12..13 (the vocal and the master input), true peak and RMS,
// flags xrun and stale.
[[nodiscard]] MeterFrame subsetFrame();
// meter_merged.bin: two 17-channel frames with every field merged in a slow connection's slot.
[[nodiscard]] MeterFrame mergedFrameOlder();
[[nodiscard]] MeterFrame mergedFrameNewer();
[[nodiscard]] MeterFrame mergedFrame();
// meter_empty.bin: a topology without meter channels.
[[nodiscard]] MeterFrame emptyFrame();
// meter_future.bin: a frame from a newer sender: an unknown field (bit 9) and an unknown flag
// (bit 15), which version-1 decoders skip and keep. decodes to futureFrameDecoded().
[[nodiscard]] std::vector<uint8_t> futureFrameBytes();
[[nodiscard]] MeterFrame futureFrameDecoded();

// Client messages, exactly as web/js/protocol.js encodes them.
[[nodiscard]] Subscribe subscribeDefault(); // encodeSubscribe()
[[nodiscard]] Subscribe subscribeSubset();  // a tablet: two nodes at 15 Hz, true peak and RMS
[[nodiscard]] Subscribe subscribePaused();  // a hidden tab
[[nodiscard]] Subscribe subscribeWall();    // every meter at 60 Hz, per-tap statistics of the master only
[[nodiscard]] Command commandResetPeaks();

struct Fixture
{
    std::string file; // name in tests/proto/fixtures/
    std::vector<uint8_t> bytes;
};

// Every fixture file, generated: the .bin frames, their .expected.json (decoded values in dB, for
// the browser test), and the .json messages.
[[nodiscard]] std::vector<Fixture> allFixtures();

} // namespace headroom::proto::fixtures
