#include "server/net/StaticFiles.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace headroom::server::net
{
namespace fs = std::filesystem;

std::string contentTypeFor(std::string_view fileName)
{
    const std::size_t dot = fileName.rfind('.');
    std::string ext = dot == std::string_view::npos ? std::string() : std::string(fileName.substr(dot + 1));
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static const std::pair<std::string_view, std::string_view> kTypes[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"ico", "image/x-icon"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"ttf", "font/ttf"},
        {"txt", "text/plain; charset=utf-8"},
        {"md", "text/plain; charset=utf-8"},
        {"webmanifest", "application/manifest+json"},
        {"wasm", "application/wasm"},
        {"bin", "application/octet-stream"},
    };
    for (const auto& [e, type] : kTypes)
        if (e == ext) return std::string(type);
    return "application/octet-stream";
}

std::optional<std::string> decodeUrlPath(std::string_view path)
{
    const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(path.size());
    for (std::size_t i = 0; i < path.size(); ++i)
    {
        char c = path[i];
        if (c == '%')
        {
            if (i + 2 >= path.size()) return std::nullopt;
            const int hi = hex(path[i + 1]);
            const int lo = hex(path[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        }
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f || c == '\\') return std::nullopt;
        out.push_back(c);
    }
    return out;
}

StaticFiles StaticFiles::load(const std::string& root, Limits limits)
{
    StaticFiles files;
    if (root.empty()) return files;
    std::error_code ec;
    const fs::file_status rootStatus = fs::status(root, ec);
    if (ec || !fs::exists(rootStatus)) return files;
    if (!fs::is_directory(rootStatus)) throw std::runtime_error("web root " + root + " is not a directory");

    std::size_t totalBytes = 0;
    // directory_options::none: symlinked directories are not entered.
    fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
    if (ec) throw std::runtime_error("web root " + root + ": " + ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec))
    {
        if (ec)
        {
            files.warnings_.push_back("web root: " + ec.message());
            break;
        }
        const fs::path& path = it->path();
        const std::string name = path.filename().string();
        const fs::file_status status = it->symlink_status(ec);
        if (ec) continue;
        if (!name.empty() && name.front() == '.')
        {
            if (fs::is_directory(status)) it.disable_recursion_pending();
            continue; // dotfiles and dot-directories (.git, editor droppings) are never served
        }
        if (fs::is_symlink(status))
        {
            files.warnings_.push_back("web root: not serving symlink " + path.string());
            continue;
        }
        if (!fs::is_regular_file(status)) continue;

        std::ifstream in(path, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.good() && !in.eof())
        {
            files.warnings_.push_back("web root: cannot read " + path.string());
            continue;
        }
        totalBytes += bytes.size();
        if (files.files_.size() >= limits.maxFiles || totalBytes > limits.maxTotalBytes)
            throw std::runtime_error("web root " + root + " holds more than the server serves (files or bytes)");
        const std::string relative = fs::relative(path, root, ec).generic_string();
        if (ec) continue;
        std::string url(1, '/'); // (not "/" + relative: GCC 12 -O3 reports a false -Wrestrict)
        url.append(relative);
        files.files_.emplace(std::move(url), StaticFile{std::make_shared<const std::string>(std::move(bytes)),
                                                        contentTypeFor(name)});
    }
    return files;
}

const StaticFile* StaticFiles::find(std::string_view urlPath) const
{
    if (urlPath == "/") urlPath = "/index.html";
    const auto it = files_.find(urlPath);
    return it == files_.end() ? nullptr : &it->second;
}

} // namespace headroom::server::net
