#include <gtest/gtest.h>

#include <random>

#include "proto/JsonMessages.h"
#include "tests/proto/ProtoFixtures.h"

namespace headroom::proto
{
namespace
{

Subscribe subscribeOf(std::string_view text)
{
    const auto decoded = decodeClientMessage(text);
    EXPECT_TRUE(decoded.ok()) << text << ": " << (decoded.ok() ? "" : decoded.error().message);
    if (!decoded.ok() || !std::holds_alternative<Subscribe>(decoded.value())) return {};
    return std::get<Subscribe>(decoded.value());
}

ClientMessageError errorOf(std::string_view text)
{
    const auto decoded = decodeClientMessage(text);
    EXPECT_FALSE(decoded.ok()) << text << " was accepted";
    return decoded.ok() ? ClientMessageError{} : decoded.error();
}

TEST(ClientMessageDecoder, AppliesTheDefaultsOfAMinimalSubscribe)
{
    const Subscribe s = subscribeOf(R"({"type":"subscribe"})");
    EXPECT_EQ(s, Subscribe{});
    EXPECT_EQ(s.rateHz, 30u);
    EXPECT_FALSE(s.nodes.has_value());
    EXPECT_FALSE(s.fields.has_value());
    EXPECT_TRUE(s.stats);
    EXPECT_FALSE(s.paused);
}

TEST(ClientMessageDecoder, ReadsEveryKeyOfASubscribe)
{
    const Subscribe s = subscribeOf(
        R"( { "paused": true, "stats": false, "fields": ["rms", "true_peak"], "nodes": ["vocal", "master"],
              "rate_hz": 60, "id": 9007199254740991, "type": "subscribe" } )");
    EXPECT_EQ(s.id, kMaxRequestId);
    EXPECT_EQ(s.rateHz, 60u);
    EXPECT_EQ(s.nodes, (std::vector<std::string>{"vocal", "master"}));
    EXPECT_EQ(s.fields, fieldBit(MeterField::rms) | fieldBit(MeterField::truePeak));
    EXPECT_FALSE(s.stats);
    EXPECT_TRUE(s.paused);
}

TEST(ClientMessageDecoder, AcceptsEveryRateAndAllNodesAndEmptyLists)
{
    for (uint32_t rate : kMeterRatesHz)
        EXPECT_EQ(subscribeOf(R"({"type":"subscribe","rate_hz":)" + std::to_string(rate) + "}").rateHz, rate);
    EXPECT_FALSE(subscribeOf(R"({"type":"subscribe","nodes":"all"})").nodes.has_value());
    EXPECT_EQ(subscribeOf(R"({"type":"subscribe","nodes":[]})").nodes, std::vector<std::string>{});
    EXPECT_EQ(subscribeOf(R"({"type":"subscribe","fields":[]})").fields, uint16_t{0});
    EXPECT_FALSE(subscribeOf(R"({"type":"subscribe"})").statsTaps.has_value());
    EXPECT_FALSE(subscribeOf(R"({"type":"subscribe","stats_taps":"all"})").statsTaps.has_value());
    EXPECT_EQ(subscribeOf(R"({"type":"subscribe","stats_taps":["master","vocal"]})").statsTaps,
              (std::vector<std::string>{"master", "vocal"}));
    EXPECT_EQ(subscribeOf(R"({"type":"subscribe","stats_taps":[]})").statsTaps, std::vector<std::string>{});
}

TEST(ClientMessageDecoder, StatsTapsRoundTripThroughTheEncoder)
{
    Subscribe s;
    s.statsTaps = std::vector<std::string>{"master"};
    const std::string text = encodeClientMessage(s);
    EXPECT_NE(text.find(R"("stats_taps":["master"])"), std::string::npos) << text;
    EXPECT_EQ(subscribeOf(text), s);
    EXPECT_EQ(encodeClientMessage(Subscribe{}).find("stats_taps"), std::string::npos) << "the default is left out";
}

TEST(ClientMessageDecoder, ReadsCommands)
{
    for (CommandName name :
         {CommandName::resetPeaks, CommandName::resetIntegratedLoudness, CommandName::resetStatistics})
    {
        const std::string text =
            R"({"type":"command","id":12,"name":")" + std::string(toString(name)) + "\"}";
        const auto decoded = decodeClientMessage(text);
        ASSERT_TRUE(decoded.ok()) << decoded.error().message;
        EXPECT_EQ(std::get<Command>(decoded.value()), (Command{12, name}));
    }
}

TEST(ClientMessageDecoder, RoundTripsWhatTheEncoderWrites)
{
    const std::vector<ClientMessage> messages = {fixtures::subscribeDefault(), fixtures::subscribeSubset(),
                                                 fixtures::subscribePaused(), fixtures::subscribeWall(),
                                                 fixtures::commandResetPeaks(),
                                                 Command{0, CommandName::resetStatistics}};
    for (const ClientMessage& m : messages)
    {
        const std::string text = encodeClientMessage(m);
        const auto decoded = decodeClientMessage(text);
        ASSERT_TRUE(decoded.ok()) << text << ": " << decoded.error().message;
        EXPECT_EQ(decoded.value(), m) << text;
    }
}

struct Refused
{
    std::string text;
    ErrorCode code;
    std::string messageContains;
};

TEST(ClientMessageDecoder, RefusesMalformedMessagesWithAReason)
{
    const std::vector<Refused> cases = {
        // not JSON
        {"", ErrorCode::badJson, "not valid JSON"},
        {"{", ErrorCode::badJson, "not valid JSON"},
        {R"({"type":"subscribe",})", ErrorCode::badJson, "not valid JSON"},
        {R"({"type":"subscribe"} x)", ErrorCode::badJson, "not valid JSON"},
        {R"({"type":"subscribe"/*c*/})", ErrorCode::badJson, "not valid JSON"},
        {"{\"type\":\"subscr\xff\"}", ErrorCode::badJson, "not valid JSON"},
        {"{\"type\":\"sub\xc3\"}", ErrorCode::badJson, "not valid JSON"},
        {std::string("{\"type\":\"subscribe\"}\0", 21), ErrorCode::badJson, "NUL byte at byte 20"},
        {std::string("{\"type\":\"subscribe\"}\0{\"x\":1}", 28), ErrorCode::badJson, "NUL byte"},
        {"NaN", ErrorCode::badJson, "not valid JSON"},
        // JSON, not a message
        {"[]", ErrorCode::badMessage, "expected a JSON object, got an array"},
        {R"("subscribe")", ErrorCode::badMessage, "got a string"},
        {"null", ErrorCode::badMessage, "got a null"},
        {"42", ErrorCode::badMessage, "got a number"},
        {"{}", ErrorCode::missingField, "type"},
        {R"({"type":7})", ErrorCode::wrongType, "type: expected a string, got a number"},
        {R"({"type":null})", ErrorCode::wrongType, "type"},
        {R"({"type":"hello"})", ErrorCode::unknownType, "\"hello\" is not subscribe or command"},
        {R"({"type":"Subscribe"})", ErrorCode::unknownType, "Subscribe"},
        // subscribe
        {R"({"type":"subscribe","rate_hz":20})", ErrorCode::badValue,
         "rate_hz: expected one of 60, 30, 15, 10, got 20"},
        {R"({"type":"subscribe","rate_hz":0})", ErrorCode::badValue, "rate_hz"},
        {R"({"type":"subscribe","rate_hz":-30})", ErrorCode::badValue, "negative"},
        {R"({"type":"subscribe","rate_hz":30.0})", ErrorCode::wrongType, "rate_hz"},
        {R"({"type":"subscribe","rate_hz":"30"})", ErrorCode::wrongType, "rate_hz"},
        {R"({"type":"subscribe","rate_hz":1e400})", ErrorCode::badJson, "not valid JSON"},
        {R"({"type":"subscribe","rate_hz":18446744073709551616})", ErrorCode::wrongType, "rate_hz"},
        {R"({"type":"subscribe","nodes":"some"})", ErrorCode::badValue, "nodes: expected \"all\""},
        {R"({"type":"subscribe","nodes":{"vocal":true}})", ErrorCode::wrongType, "nodes"},
        {R"({"type":"subscribe","nodes":[7]})", ErrorCode::wrongType, "nodes[0]: expected a string"},
        {R"({"type":"subscribe","nodes":["Vocal"]})", ErrorCode::badValue,
         "nodes[0]: \"Vocal\" is not a node id"},
        {R"({"type":"subscribe","nodes":[""]})", ErrorCode::badValue, "nodes[0]"},
        {R"({"type":"subscribe","nodes":["a","b","a"]})", ErrorCode::badValue,
         "nodes[2]: \"a\" appears twice"},
        {R"({"type":"subscribe","nodes":[["vocal"]]})", ErrorCode::wrongType, "nodes[0]"},
        {R"({"type":"subscribe","stats_taps":"master"})", ErrorCode::badValue, "stats_taps: expected \"all\""},
        {R"({"type":"subscribe","stats_taps":[1]})", ErrorCode::wrongType, "stats_taps[0]: expected a string"},
        {R"({"type":"subscribe","stats_taps":["m","m"]})", ErrorCode::badValue,
         "stats_taps[1]: \"m\" appears twice"},
        {R"({"type":"subscribe","fields":["loudness"]})", ErrorCode::badValue, "fields[0]: \"loudness\""},
        {R"({"type":"subscribe","fields":["rms","rms"]})", ErrorCode::badValue, "appears twice"},
        {R"({"type":"subscribe","fields":"rms"})", ErrorCode::wrongType, "fields"},
        {R"({"type":"subscribe","paused":1})", ErrorCode::wrongType, "paused: expected true or false"},
        {R"({"type":"subscribe","stats":"yes"})", ErrorCode::wrongType, "stats"},
        {R"({"type":"subscribe","rate":30})", ErrorCode::unknownField, "\"rate\" is not a key of subscribe"},
        {R"({"type":"subscribe","id":-1})", ErrorCode::badValue, "id"},
        {R"({"type":"subscribe","id":1.5})", ErrorCode::wrongType, "id"},
        {R"({"type":"subscribe","id":"7"})", ErrorCode::wrongType, "id"},
        {R"({"type":"subscribe","id":9007199254740992})", ErrorCode::badValue, "id"},
        // command
        {R"({"type":"command","name":"reset_peaks"})", ErrorCode::missingField, "id"},
        {R"({"type":"command","id":3})", ErrorCode::missingField, "name"},
        {R"({"type":"command","id":3,"name":"format_disk"})", ErrorCode::unknownCommand, "\"format_disk\""},
        {R"({"type":"command","id":3,"name":["reset_peaks"]})", ErrorCode::wrongType, "name"},
        {R"({"type":"command","id":3,"name":"reset_peaks","node":"vocal"})", ErrorCode::unknownField, "node"},
    };
    for (const Refused& c : cases)
    {
        const ClientMessageError e = errorOf(c.text);
        EXPECT_EQ(e.code, c.code) << c.text << " -> " << toString(e.code) << ": " << e.message;
        EXPECT_NE(e.message.find(c.messageContains), std::string::npos) << c.text << " -> " << e.message;
    }
}

TEST(ClientMessageDecoder, KeepsAValidIdForTheErrorReply)
{
    EXPECT_EQ(errorOf(R"({"type":"command","id":41,"name":"nope"})").id, 41u);
    EXPECT_EQ(errorOf(R"({"type":"subscribe","id":5,"rate_hz":1})").id, 5u);
    EXPECT_EQ(errorOf(R"({"id":6,"type":"launch"})").id, 6u);
    EXPECT_EQ(errorOf(R"({"id":6})").id, 6u);
    EXPECT_FALSE(errorOf(R"({"type":"command","id":"x","name":"reset_peaks"})").id.has_value());
    EXPECT_FALSE(errorOf("{").id.has_value());
}

TEST(ClientMessageDecoder, RefusesOversizeMessagesBeforeParsing)
{
    std::string padded = R"({"type":"subscribe","nodes":[)";
    while (padded.size() < kMaxClientMessageBytes - 2) padded += " ";
    padded += "]}";
    ASSERT_EQ(padded.size(), kMaxClientMessageBytes);
    EXPECT_TRUE(decodeClientMessage(padded).ok());
    padded = padded.substr(0, padded.size() - 2) + " ]}";
    const ClientMessageError e = errorOf(padded);
    EXPECT_EQ(e.code, ErrorCode::tooLarge);
    EXPECT_EQ(e.message, "message of 4097 bytes, at most 4096");
    EXPECT_EQ(errorOf(std::string(1 << 20, '[')).code, ErrorCode::tooLarge);
}

TEST(ClientMessageDecoder, RefusesDeepNesting)
{
    const auto nested = [](std::size_t depth)
    {
        std::string s = R"({"type":"subscribe","nodes":)";
        for (std::size_t i = 1; i < depth; ++i) s += "[";
        for (std::size_t i = 1; i < depth; ++i) s += "]";
        return s + "}";
    };
    // Depth 8 is still only refused by the schema; depth 9 never reaches the parser.
    EXPECT_EQ(errorOf(nested(kMaxClientJsonDepth)).code, ErrorCode::wrongType);
    EXPECT_EQ(errorOf(nested(kMaxClientJsonDepth + 1)).code, ErrorCode::tooDeep);
    EXPECT_EQ(errorOf(std::string(4000, '[')).code, ErrorCode::tooDeep);
    EXPECT_EQ(errorOf(std::string(2000, '{')).code, ErrorCode::tooDeep);
    // Brackets inside strings are not nesting.
    EXPECT_EQ(errorOf(R"({"type":"[[[[[[[[[[[[[[[[[[[[[\"[[[[[[[[[["})").code, ErrorCode::unknownType);
}

TEST(ClientMessageDecoder, TakesTheLastOfDuplicateKeys)
{
    EXPECT_EQ(subscribeOf(R"({"type":"subscribe","rate_hz":10,"rate_hz":60})").rateHz, 60u);
}

TEST(ClientMessageDecoder, SurvivesRandomCorruptionOfValidMessages)
{
    std::mt19937 rng(99);
    const std::vector<std::string> seeds = {encodeClientMessage(fixtures::subscribeSubset()),
                                            encodeClientMessage(fixtures::subscribePaused()),
                                            encodeClientMessage(fixtures::commandResetPeaks())};
    const std::string alphabet = "{}[]\":,\\ 0123456789-.eEtrufalsn\x80\xff\xc3";
    for (int iteration = 0; iteration < 20000; ++iteration)
    {
        std::string text = seeds[static_cast<std::size_t>(iteration) % seeds.size()];
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits && !text.empty(); ++e)
        {
            const std::size_t at = rng() % text.size();
            const char c = alphabet[rng() % alphabet.size()];
            switch (rng() % 3)
            {
            case 0:
                text[at] = c;
                break;
            case 1:
                text.erase(at, 1);
                break;
            default:
                text = text.substr(0, at) + c + text.substr(at); // (insert() trips GCC 12's -Wrestrict)
                break;
            }
        }
        const auto decoded = decodeClientMessage(text);
        if (!decoded.ok())
        {
            EXPECT_FALSE(decoded.error().message.empty()) << text;
            EXPECT_NE(decoded.error().code, ErrorCode::internal) << text << ": " << decoded.error().message;
            // The reply to it must encode too (the message may quote invalid UTF-8).
            EXPECT_FALSE(encodeError(errorReplyFor(decoded.error())).empty());
        }
    }
}

} // namespace
} // namespace headroom::proto
