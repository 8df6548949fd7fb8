#pragma once

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

// Runs a shell command and captures its standard output and exit code, for end-to-end tests of the
// real `headroom` binary. Standard error is captured instead when the command redirects it (2>&1).
namespace headroom::test
{

struct ProcessResult
{
    int exitCode = -1;
    std::string output;
};

inline ProcessResult runCommand(const std::string& command)
{
    ProcessResult result;
    std::FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
    const int status = ::pclose(pipe);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

} // namespace headroom::test
