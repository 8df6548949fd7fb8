#pragma once

#include "server/engine/Session.h"

#include <string>
#include <string_view>

// Reads a session file (docs/SESSION.md) into a Session: checks every key, type, range and
// reference, applies every default and merges the target overrides. A file with problems is
// rejected as a whole with a SessionError listing all of them, one line each:
// "FILE: JSON_POINTER: what was expected[, got ...]". Unknown JACK ports are not problems (they may
// appear later), and audio files are not opened here. [setup]
namespace headroom::server
{

// [setup] Read and parse a file. Messages name `path` as given; relative file taps are resolved
// against the file's directory. Throws SessionError (also when the file cannot be read).
[[nodiscard]] Session parseSessionFile(const std::string& path);

// [setup] Parse text. sourceName starts every message; baseDirectory resolves relative file taps.
// Throws SessionError.
[[nodiscard]] Session parseSessionText(std::string_view text, const std::string& sourceName,
                                       const std::string& baseDirectory = ".");

} // namespace headroom::server
