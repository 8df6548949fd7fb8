#pragma once

// The `headroom` command line: one executable, one subcommand per task (`analyze`, `check`, ...),
// each with its own --help. main() only calls runCommandLine().
namespace headroom::server
{

// [setup] Dispatch to the subcommand; returns the process exit code.
int runCommandLine(int argc, char** argv);

} // namespace headroom::server
