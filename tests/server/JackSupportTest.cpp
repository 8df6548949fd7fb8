// JACK helpers and the JACK meter client without a JACK server: status text, port names, and a
// client that starts with no server, never starts one, and stops promptly.
#include <gtest/gtest.h>

#include <jack/jack.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <unistd.h>

#include "server/audio/JackMeterClient.h"
#include "server/audio/JackSupport.h"

using namespace headroom::server;

TEST(JackSupport, DescribesOpenStatusBitsByName)
{
    EXPECT_EQ(describeJackStatus(0x11), "0x11 (Failure, ServerFailed)");
    EXPECT_EQ(describeJackStatus(0x21), "0x21 (Failure, ServerError)");
    EXPECT_EQ(describeJackStatus(0), "0x0");
}

TEST(JackSupport, SanitisesPortNamesAndCutsThemBetweenCharacters)
{
    EXPECT_EQ(sanitisePortShortName("vocal/pre_insert/1", 100), "vocal/pre_insert/1");
    EXPECT_EQ(sanitisePortShortName("a:b\tc", 100), "a_b_c");
    EXPECT_EQ(sanitisePortShortName("abcdef", 4), "abcd");
    EXPECT_EQ(sanitisePortShortName("ab\xC3\xA9", 3), "ab"); // never half of the two-byte 'é'
    const std::size_t max = maxPortShortNameLength("headroom");
    EXPECT_EQ(max + std::string("headroom:").size() + 1, static_cast<std::size_t>(jack_port_name_size()));
}

TEST(JackMeterClient, RefusesInvalidOrDuplicatePortNames)
{
    RealtimeMeter meter;
    const auto prepare = [&](uint32_t) -> RealtimeMeter& { return meter; };
    EXPECT_THROW(JackMeterClient({}, {{"a", {}}, {"a", {}}}, prepare), std::invalid_argument);
    EXPECT_THROW(JackMeterClient({}, {{"a:b", {}}}, prepare), std::invalid_argument);
    EXPECT_THROW(JackMeterClient({}, {{"", {}}}, prepare), std::invalid_argument);
}

TEST(JackMeterClient, StartsWithoutAServerKeepsRetryingAndStopsPromptly)
{
    JackMeterClientOptions options;
    options.serverName = "headroom-unit-none-" + std::to_string(::getpid()); // no such server
    options.minRetryDelay = std::chrono::milliseconds(20);
    options.maxRetryDelay = std::chrono::milliseconds(80);
    std::vector<std::string> lines;
    std::mutex linesMutex;
    options.log = [&](const std::string& line)
    {
        const std::lock_guard lock(linesMutex);
        lines.push_back(line);
    };
    ::setenv("JACK_NO_START_SERVER", "1", 1);
    routeJackMessages([](const std::string&) {});
    int prepared = 0;
    RealtimeMeter meter;
    JackMeterClient client(options, {{"in/1", {"system:capture_1"}}},
                           [&](uint32_t) -> RealtimeMeter&
                           {
                               ++prepared;
                               return meter;
                           });
    client.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const JackMeterClientStatus status = client.status();
    EXPECT_FALSE(status.connected);
    EXPECT_EQ(status.connections, 0u);
    EXPECT_EQ(status.portsWanted, 1u);
    const auto before = std::chrono::steady_clock::now();
    client.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(2));
    EXPECT_EQ(prepared, 0); // no meter is prepared before a server answers
    const std::lock_guard lock(linesMutex);
    ASSERT_EQ(lines.size(), 1u) << "one line per state change, not per attempt";
    EXPECT_NE(lines[0].find("status 0x11"), std::string::npos) << lines[0];
}
