#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The dashboard's files as an allow-list built once at start (hardening-checklist.md §1, H-1): the
// web directory is walked once, every regular file found (symlinks are neither followed nor served,
// dotfiles are skipped) is read into memory with its Content-Type, and requests are answered by
// looking the URL path up in that map; nothing maps a URL onto the filesystem afterwards, so
// traversal, encoded dots, NUL bytes and files added later are simply not found.
//
// Threads: load() is [setup]; find() and the values are [any] (immutable after load).
namespace headroom::server::net
{

struct StaticFile
{
    std::shared_ptr<const std::string> body;
    std::string contentType;
};

class StaticFiles
{
public:
    struct Limits
    {
        std::size_t maxFiles = 2000;
        std::size_t maxTotalBytes = 64u << 20;
    };

    // [setup] Walks root (a missing or empty root gives no files). Throws std::runtime_error when
    // root exists but is not a directory, or the limits are exceeded. Problems with single files are
    // returned in warnings().
    static StaticFiles load(const std::string& root, Limits limits);
    static StaticFiles load(const std::string& root) { return load(root, Limits{}); }

    // [any] The file for a URL path already percent-decoded ("/" is index.html), or nullptr.
    [[nodiscard]] const StaticFile* find(std::string_view urlPath) const;
    [[nodiscard]] std::size_t size() const noexcept { return files_.size(); }
    [[nodiscard]] const std::vector<std::string>& warnings() const noexcept { return warnings_; }

private:
    std::map<std::string, StaticFile, std::less<>> files_; // "/js/app.js" -> file
    std::vector<std::string> warnings_;
};

// [any] The Content-Type for a file name's extension; application/octet-stream when unknown.
[[nodiscard]] std::string contentTypeFor(std::string_view fileName);

// [any] Decodes %XX escapes of a request path. None when an escape is malformed or the result holds
// a NUL byte, a backslash or a control character (the caller answers 400).
[[nodiscard]] std::optional<std::string> decodeUrlPath(std::string_view path);

} // namespace headroom::server::net
