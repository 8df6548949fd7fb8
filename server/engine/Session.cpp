#include "server/engine/Session.h"

namespace headroom::server
{
namespace
{
std::string joinLines(const std::vector<std::string>& lines)
{
    std::string text;
    for (const std::string& line : lines)
    {
        if (!text.empty()) text += '\n';
        text += line;
    }
    return text;
}
} // namespace

SessionError::SessionError(std::vector<std::string> errors)
    : std::runtime_error(joinLines(errors)), errors_(std::move(errors))
{
}

std::string_view toString(InsertKind kind) noexcept
{
    switch (kind)
    {
    case InsertKind::eq:
        return "eq";
    case InsertKind::compressor:
        return "compressor";
    case InsertKind::saturation:
        return "saturation";
    case InsertKind::limiter:
        return "limiter";
    case InsertKind::other:
        return "other";
    }
    return "other";
}

std::optional<InsertKind> insertKindFromString(std::string_view name) noexcept
{
    if (name == "eq") return InsertKind::eq;
    if (name == "compressor") return InsertKind::compressor;
    if (name == "saturation") return InsertKind::saturation;
    if (name == "limiter") return InsertKind::limiter;
    if (name == "other") return InsertKind::other;
    return std::nullopt;
}

std::string_view toString(TapStage stage) noexcept
{
    switch (stage)
    {
    case TapStage::input:
        return "input";
    case TapStage::preInsert:
        return "pre_insert";
    case TapStage::insertInput:
        return "insert";
    case TapStage::postInsert:
        return "post_insert";
    case TapStage::postFader:
        return "post_fader";
    case TapStage::output:
        return "output";
    }
    return "input";
}

const Node* findNode(const Session& session, std::string_view id) noexcept
{
    if (id == kMasterId) return &session.master;
    for (const Node& n : session.channels)
        if (n.id == id) return &n;
    for (const Node& n : session.buses)
        if (n.id == id) return &n;
    return nullptr;
}

} // namespace headroom::server
