#include "dsp/ChannelLayout.h"

#include <array>
#include <stdexcept>
#include <utility>

namespace headroom::dsp
{
namespace
{
constexpr std::array<std::pair<ChannelRole, std::string_view>, 11> kNames{{
    {ChannelRole::mono, "M"},
    {ChannelRole::left, "L"},
    {ChannelRole::right, "R"},
    {ChannelRole::centre, "C"},
    {ChannelRole::lfe, "LFE"},
    {ChannelRole::leftSurround, "Ls"},
    {ChannelRole::rightSurround, "Rs"},
    {ChannelRole::leftSide, "Lss"},
    {ChannelRole::rightSide, "Rss"},
    {ChannelRole::leftRear, "Lrs"},
    {ChannelRole::rightRear, "Rrs"},
}};
} // namespace

double loudnessWeight(ChannelRole role) noexcept
{
    switch (role)
    {
    case ChannelRole::lfe: return 0.0;
    case ChannelRole::leftSurround:
    case ChannelRole::rightSurround:
    case ChannelRole::leftSide:
    case ChannelRole::rightSide: return 1.41;
    default: return 1.0;
    }
}

std::string_view toString(ChannelRole role) noexcept
{
    for (const auto& [r, name] : kNames)
        if (r == role) return name;
    return "?";
}

std::optional<ChannelRole> channelRoleFromString(std::string_view name) noexcept
{
    for (const auto& [r, n] : kNames)
        if (n == name) return r;
    return std::nullopt;
}

std::optional<std::vector<ChannelRole>> defaultLayout(std::size_t numChannels)
{
    using enum ChannelRole;
    switch (numChannels)
    {
    case 1: return std::vector{mono};
    case 2: return std::vector{left, right};
    case 3: return std::vector{left, right, centre};
    case 4: return std::vector{left, right, leftSurround, rightSurround};
    case 5: return std::vector{left, right, centre, leftSurround, rightSurround};
    case 6: return std::vector{left, right, centre, lfe, leftSurround, rightSurround};
    case 8: return std::vector{left, right, centre, lfe, leftSurround, rightSurround, leftRear, rightRear};
    default: return std::nullopt;
    }
}

std::vector<ChannelRole> parseLayout(std::string_view commaSeparated)
{
    std::vector<ChannelRole> layout;
    std::size_t start = 0;
    while (start <= commaSeparated.size())
    {
        const std::size_t comma = commaSeparated.find(',', start);
        const std::size_t end = comma == std::string_view::npos ? commaSeparated.size() : comma;
        const std::string_view name = commaSeparated.substr(start, end - start);
        const auto role = channelRoleFromString(name);
        if (!role)
            throw std::invalid_argument("unknown channel role '" + std::string(name) +
                                        "' (expected one of M, L, R, C, LFE, Ls, Rs, Lss, Rss, Lrs, Rrs)");
        layout.push_back(*role);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return layout;
}

std::vector<double> loudnessWeights(const std::vector<ChannelRole>& layout)
{
    std::vector<double> weights;
    weights.reserve(layout.size());
    for (ChannelRole role : layout) weights.push_back(loudnessWeight(role));
    return weights;
}

} // namespace headroom::dsp
