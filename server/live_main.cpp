// The JACK path of `headroom` (serve, generate, demo) as a small executable of its own, for the sanitizer
// builds that compile only what they exercise: headroom_rtsan (cmake/HeadroomRtsan.cmake: any
// real-time violation inside a process callback prints a report and exits 1) and headroom_tsan
// (cmake/HeadroomTsan.cmake). `selftest` proves RealtimeSanitizer is linked and armed: it allocates
// inside a real-time scope and must die with exit code 1 and a "Real-time violation" report (in a
// build without RTSan it returns 0).
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "server/audio/RealtimeScope.h"
#include "server/cli/DemoCommand.h"
#include "server/cli/GenerateCommand.h"
#include "server/cli/ServeCommand.h"

namespace
{
int selfTest()
{
    HEADROOM_RT_SCOPE();
    // volatile: the allocation must really happen (the compiler may otherwise elide new/delete).
    void* volatile block = std::malloc(64);
    std::free(block);
    return 0; // reached only when the runtime is missing or disarmed
}
} // namespace

int main(int argc, char** argv)
{
    const std::vector<std::string> all(argv + 1, argv + argc);
    const std::string command = all.empty() ? "" : all.front();
    const auto rest = std::span<const std::string>(all).subspan(all.empty() ? 0 : 1);
    if (command == "serve") return headroom::server::runServeCommand(rest);
    if (command == "generate") return headroom::server::runGenerateCommand(rest);
    if (command == "demo") return headroom::server::runDemoCommand(rest);
    if (command == "selftest") return selfTest();
    std::fprintf(stderr,
                 "Usage: %s serve|generate|demo|selftest [OPTIONS]\n"
                 "The JACK path of headroom for sanitizer builds; see 'headroom serve --help'.\n",
                 argc > 0 ? argv[0] : "headroom_rtsan");
    return 2;
}
