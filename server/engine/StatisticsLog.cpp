#include "server/engine/StatisticsLog.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "server/engine/SnapshotJson.h"

namespace headroom::server
{

StatisticsLog::StatisticsLog(const std::string& path)
{
    if (path == "-")
    {
        file_ = stdout;
        return;
    }
    file_ = std::fopen(path.c_str(), "a");
    if (file_ == nullptr)
        throw std::runtime_error("cannot open statistics log '" + path + "': " + std::strerror(errno));
    ownsFile_ = true;
}

StatisticsLog::~StatisticsLog()
{
    if (ownsFile_)
        std::fclose(file_);
    else if (file_ != nullptr)
        std::fflush(file_);
}

std::size_t StatisticsLog::write(const EngineSnapshot& snapshot)
{
    if (snapshot.audioSeconds <= 0.0) return 0; // nothing metered yet
    const auto second = static_cast<int64_t>(std::floor(snapshot.audioSeconds));
    if (second <= lastSecond_) return 0;
    lastSecond_ = second;

    std::size_t lines = 0;
    for (const NodeStats& node : snapshot.nodes)
    {
        const std::string line = logLineJson(snapshot, node).dump() + '\n';
        if (std::fwrite(line.data(), 1, line.size(), file_) != line.size())
        {
            ++writeErrors_;
            continue;
        }
        ++lines;
    }
    if (std::fflush(file_) != 0) ++writeErrors_;
    linesWritten_ += lines;
    return lines;
}

} // namespace headroom::server
