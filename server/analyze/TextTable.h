#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// A table of text for a terminal: columns as wide as their widest cell, two spaces apart, a title
// line and an optional unit line, numbers right-aligned and names left-aligned. The session
// audit's report is made of them. A value type; [any].
namespace headroom::server
{

class TextTable
{
public:
    struct Column
    {
        std::string title;
        std::string unit; // second header line ("dBFS", "s"); empty for none
        bool alignLeft = false;
    };

    explicit TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

    void addRow(std::vector<std::string> cells)
    {
        cells.resize(columns_.size());
        rows_.push_back(std::move(cells));
    }

    [[nodiscard]] bool empty() const noexcept { return rows_.empty(); }

    // Lines start with indent; trailing spaces are trimmed.
    void renderTo(std::string& out, std::string_view indent) const
    {
        std::vector<std::size_t> widths(columns_.size(), 0);
        bool hasUnits = false;
        for (std::size_t c = 0; c < columns_.size(); ++c)
        {
            widths[c] = std::max(displayWidth(columns_[c].title), displayWidth(columns_[c].unit));
            hasUnits = hasUnits || !columns_[c].unit.empty();
            for (const std::vector<std::string>& row : rows_)
                widths[c] = std::max(widths[c], displayWidth(row[c]));
        }
        const auto line = [&](const auto& cellOf)
        {
            std::string text(indent);
            for (std::size_t c = 0; c < columns_.size(); ++c)
            {
                const std::string& cell = cellOf(c);
                const std::string padding(widths[c] - displayWidth(cell), ' ');
                if (c > 0) text += "  ";
                text += columns_[c].alignLeft ? cell + padding : padding + cell;
            }
            while (!text.empty() && text.back() == ' ') text.pop_back();
            out += text + "\n";
        };
        line([&](std::size_t c) -> const std::string& { return columns_[c].title; });
        if (hasUnits)
            line([&](std::size_t c) -> const std::string& { return columns_[c].unit; });
        for (const std::vector<std::string>& row : rows_)
            line([&](std::size_t c) -> const std::string& { return row[c]; });
    }

private:
    // Characters, not bytes: labels and file names may be UTF-8.
    static std::size_t displayWidth(const std::string& text)
    {
        return static_cast<std::size_t>(
            std::count_if(text.begin(), text.end(),
                          [](char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; }));
    }

    std::vector<Column> columns_;
    std::vector<std::vector<std::string>> rows_;
};

} // namespace headroom::server
