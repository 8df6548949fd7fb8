#include "server/cli/CommandLine.h"

#include "server/analyze/AnalyzeCommand.h"
#include "server/cli/CheckCommand.h"
#include "server/cli/DemoCommand.h"
#include "server/cli/GenerateCommand.h"
#include "server/cli/HubCommand.h"
#include "server/cli/ServeCommand.h"

#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace headroom::server
{
namespace
{
struct Command
{
    std::string_view name;
    std::string_view summary;
    int (*run)(std::span<const std::string> args); // args after the subcommand name
};

// The subcommands, in the order --help lists them. Adding one is one line here.
constexpr Command kCommands[] = {
    {"analyze", "measure an audio file, or audit a session from its stems (--session)", &runAnalyzeCommand},
    {"check", "validate session files (the signal flow to meter)", &runCheckCommand},
    {"serve", "meter a studio live from JACK, as a session file describes it", &runServeCommand},
    {"generate", "play test signals into JACK ports (sine, noise, silence)", &runGenerateCommand},
    {"demo", "play the demo studio into JACK: a synthetic band and the guide's staging faults", &runDemoCommand},
    {"hub", "the lab overview: every room publishing to an MQTT broker on one page", &runHubCommand},
    {"help", "show this help", nullptr},
};

void printUsage(std::FILE* out)
{
    std::fprintf(out, "Usage: headroom COMMAND [OPTIONS]\n\n"
                      "Headroom meters every stage of a studio's signal flow and says where each stage\n"
                      "stands against its gain-staging target.\n\nCommands:\n");
    for (const Command& c : kCommands)
        std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                     static_cast<int>(c.summary.size()), c.summary.data());
    std::fprintf(out, "\nRun 'headroom COMMAND --help' for the options of a command.\n");
}
} // namespace

int runCommandLine(int argc, char** argv)
{
    const std::vector<std::string> all(argv + 1, argv + argc);
    if (all.empty())
    {
        printUsage(stderr);
        return 2;
    }
    const std::string& name = all.front();
    if (name == "help" || name == "--help" || name == "-h")
    {
        printUsage(stdout);
        return 0;
    }
    for (const Command& c : kCommands)
        if (c.name == name && c.run != nullptr) return c.run(std::span<const std::string>(all).subspan(1));
    std::fprintf(stderr, "headroom: unknown command '%s' (run 'headroom --help')\n", name.c_str());
    return 2;
}

} // namespace headroom::server
