#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Loudspeaker roles of a node's channels and their BS.1770-5 loudness weights (Annex 1 Table 3;
// Annex 3 for side and rear positions). The LFE channel is excluded, as EBU Mode requires.
namespace headroom::dsp
{

enum class ChannelRole : unsigned char
{
    mono,          // "M": a single channel, weight 1.0
    left,          // "L"  (+30 deg)
    right,         // "R"  (-30 deg)
    centre,        // "C"  (0 deg)
    lfe,           // "LFE": excluded from loudness
    leftSurround,  // "Ls" (+110 deg): 1.41
    rightSurround, // "Rs" (-110 deg): 1.41
    leftSide,      // "Lss" (+90 deg): 1.41
    rightSide,     // "Rss" (-90 deg): 1.41
    leftRear,      // "Lrs" (+135 deg): 1.0
    rightRear,     // "Rrs" (-135 deg): 1.0
};

// [any] Loudness weight G_i of a role (1.41 as printed in BS.1770, not sqrt(2)).
[[nodiscard]] double loudnessWeight(ChannelRole role) noexcept;
[[nodiscard]] std::string_view toString(ChannelRole role) noexcept;
// [any] "L", "R", "C", "LFE", "Ls", "Rs", "Lss", "Rss", "Lrs", "Rrs", "M" (case-sensitive).
[[nodiscard]] std::optional<ChannelRole> channelRoleFromString(std::string_view name) noexcept;

// [setup] The default roles for a channel count: 1 mono, 2 L R, 3 L R C, 4 L R Ls Rs, 5 L R C Ls Rs,
// 6 L R C LFE Ls Rs, 8 L R C LFE Ls Rs Lrs Rrs; none for other counts.
[[nodiscard]] std::optional<std::vector<ChannelRole>> defaultLayout(std::size_t numChannels);

// [setup] Parse "L,R,C,LFE,Ls,Rs". Throws std::invalid_argument naming the unknown role.
[[nodiscard]] std::vector<ChannelRole> parseLayout(std::string_view commaSeparated);

// [setup] The weights of a layout, in channel order.
[[nodiscard]] std::vector<double> loudnessWeights(const std::vector<ChannelRole>& layout);

} // namespace headroom::dsp
