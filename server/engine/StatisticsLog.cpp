#include "server/engine/StatisticsLog.h"

#include <algorithm>
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

bool StatisticsLog::writeLine(const std::string& line)
{
    if (std::fwrite(line.data(), 1, line.size(), file_) == line.size()) return true;
    ++writeErrors_;
    return false;
}

std::size_t StatisticsLog::writeAdvisoryEvents(const EngineSnapshot& snapshot)
{
    std::set<std::string> active;
    for (const AdvisoryRecord& a : snapshot.advisories) active.insert(a.id);
    if (active == activeAdvisories_) return 0;
    const auto event = [&snapshot](const char* name, const AdvisoryRecord& a)
    {
        nlohmann::json j;
        if (snapshot.wallClockUnixMs != 0) j["time"] = utcTimestamp(snapshot.wallClockUnixMs);
        j["audio_seconds"] = roundedJson(snapshot.audioSeconds, 0.01);
        j["event"] = name;
        j["advisory"] = a;
        return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
    };
    std::size_t lines = 0;
    for (const AdvisoryRecord& a : snapshot.advisories)
        if (!activeAdvisories_.contains(a.id) && writeLine(event("advisory_raised", a))) ++lines;
    for (const std::string& id : activeAdvisories_)
    {
        if (active.contains(id)) continue;
        // The newest entry of the history with this id is the one that just cleared.
        const auto cleared = std::find_if(snapshot.clearedAdvisories.begin(), snapshot.clearedAdvisories.end(),
                                          [&id](const AdvisoryRecord& a) { return a.id == id; });
        if (cleared != snapshot.clearedAdvisories.end() && writeLine(event("advisory_cleared", *cleared))) ++lines;
    }
    activeAdvisories_ = std::move(active);
    return lines;
}

std::size_t StatisticsLog::write(const EngineSnapshot& snapshot)
{
    const uint64_t errorsBefore = writeErrors_;
    std::size_t lines = writeAdvisoryEvents(snapshot);
    const auto second = static_cast<int64_t>(std::floor(snapshot.audioSeconds));
    if (snapshot.audioSeconds > 0.0 && second > lastSecond_) // nothing metered yet, or a second already logged
    {
        lastSecond_ = second;
        for (const NodeStats& node : snapshot.nodes)
            if (writeLine(logLineJson(snapshot, node).dump() + '\n')) ++lines;
    }
    if (lines == 0 && writeErrors_ == errorsBefore) return 0; // nothing was written
    if (std::fflush(file_) != 0) ++writeErrors_;
    linesWritten_ += lines;
    return lines;
}

} // namespace headroom::server
