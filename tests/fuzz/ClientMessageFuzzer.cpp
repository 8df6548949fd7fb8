// libFuzzer target for the client-message parser, the server's first contact with untrusted text.
// Build: -DHEADROOM_FUZZ=ON with clang (tests/fuzz/CMakeLists.txt); run:
//   build-fuzz/tests/fuzz/ClientMessageFuzzer -max_len=5000 -dict=tests/fuzz/client_message.dict CORPUS_DIR
// Properties: decodeClientMessage never throws or crashes (ASan/UBSan watch memory and arithmetic);
// whatever it accepts re-encodes to text it accepts again as the same message; whatever it refuses
// comes with a reason whose error reply encodes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proto/JsonMessages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    using namespace headroom::proto;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto decoded = decodeClientMessage(text);
    if (decoded.ok())
    {
        const std::string again = encodeClientMessage(decoded.value());
        const auto redecoded = decodeClientMessage(again);
        if (!redecoded.ok() || !(redecoded.value() == decoded.value())) __builtin_trap();
    }
    else
    {
        if (decoded.error().message.empty() || decoded.error().code == ErrorCode::internal) __builtin_trap();
        if (encodeError(errorReplyFor(decoded.error())).empty()) __builtin_trap();
    }
    return 0;
}
