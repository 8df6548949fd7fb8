#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/RunProcess.h"
#include "tests/support/TestSignals.h"

// Running the real `headroom analyze` from end-to-end tests (needs HEADROOM_BINARY, which the
// server_tests target defines), and small signal helpers those tests share.
namespace headroom::test
{

inline std::string quoted(const std::string& path)
{
    return "'" + path + "'";
}

// Runs `headroom analyze ARGS`, capturing standard output (standard error discarded).
inline ProcessResult analyzeStdout(const std::string& args)
{
    return runCommand(std::string(HEADROOM_BINARY) + " analyze " + args + " 2>/dev/null");
}

// Runs `headroom analyze ARGS`, capturing standard error (standard output discarded).
inline ProcessResult analyzeStderr(const std::string& args)
{
    return runCommand(std::string(HEADROOM_BINARY) + " analyze " + args + " 2>&1 >/dev/null");
}

inline nlohmann::json analyzeJson(const std::string& args)
{
    const ProcessResult r = analyzeStdout("--json " + args);
    EXPECT_EQ(r.exitCode, 0) << args;
    return nlohmann::json::parse(r.output); // throws (and fails the test) unless it is exactly one JSON value
}

inline Planar stereoTone(uint32_t sampleRateHz, double levelDb, double seconds)
{
    return stereoSegments(sampleRateHz, {{levelDb, seconds}});
}

inline Planar channelsOf(uint32_t sampleRateHz, const std::vector<std::vector<float>>& channels)
{
    Planar p = makePlanar(sampleRateHz, channels.size());
    p.channels = channels;
    return p;
}

inline std::size_t countLines(const std::string& text)
{
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

} // namespace headroom::test
