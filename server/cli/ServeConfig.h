#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/cli/ServeCommand.h"

// `headroom serve --config FILE`: the same settings as the command line, in a JSON file a service
// reads (deploy/headroom.json, /etc/headroom/headroom.json). Keys, all optional:
//   session, listen, allow_hosts[], allow_origins[], viewer_token, control_token, jack_server,
//   client_name, log, web_root, tls_cert, tls_key, max_clients
// null means "not set". An option given on the command line wins over the file's value for that
// key (lists: the command line's entries are added to the file's). Relative paths in the file are
// taken relative to the file's directory, so a config and its session can move together.
// Tokens belong here rather than on the command line (which `ps` shows): a file holding a token
// that other users can read is reported (the caller logs the warning). [setup]
namespace headroom::server::cli
{

struct ServeConfigResult
{
    std::vector<std::string> errors;   // "FILE: /json/pointer: expected ..., got ...", all of them
    std::vector<std::string> warnings; // e.g. a token in a world-readable file
};

// [setup] Read `path` and fill the settings of `arguments` that its command line did not give
// (arguments.givenOptions). Nothing is changed when there are errors.
[[nodiscard]] ServeConfigResult applyServeConfig(const std::string& path, ServeArguments& arguments);

// [setup] Same, from text already read (tests); baseDirectory resolves relative paths; mode is the
// file's st_mode (0: unknown, no permission check).
[[nodiscard]] ServeConfigResult applyServeConfigText(std::string_view text, const std::string& sourceName,
                                                     const std::string& baseDirectory, unsigned mode,
                                                     ServeArguments& arguments);

} // namespace headroom::server::cli
