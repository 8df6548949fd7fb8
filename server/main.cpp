#include "server/cli/CommandLine.h"

int main(int argc, char** argv) { return headroom::server::runCommandLine(argc, argv); }
