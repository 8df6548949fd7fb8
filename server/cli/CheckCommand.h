#pragma once

#include <span>
#include <string>

// `headroom check SESSION.json...`: validates session files (docs/SESSION.md) without touching
// JACK or audio. A valid file gets a short summary on stdout (name, room, channels, buses and how
// many are virtual, taps, JACK ports) followed by its warnings (things that are legal but probably
// not meant, such as a virtual bus that cannot be computed); an invalid one gets every problem on
// stderr, one line each: "FILE: JSON_POINTER: what was expected[, got ...]".
//
// Exit codes: 0 every file is valid (warnings allowed); 1 a file is invalid or unreadable; 2 usage
// error (no file, unknown option).
namespace headroom::server
{

// [setup] Run `headroom check` with the arguments after `check`; returns the exit code.
int runCheckCommand(std::span<const std::string> args);

} // namespace headroom::server
