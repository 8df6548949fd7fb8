#include "server/analyze/TextTable.h"

#include <gtest/gtest.h>

using headroom::server::TextTable;

TEST(TextTable, AlignsColumnsToTheirWidestCellWithUnitsUnderTitles)
{
    TextTable table({{"Tap", "", true}, {"Average", "dBFS", false}, {"Note", "", true}});
    table.addRow({"vox/pre_insert", "-18.00", ""});
    table.addRow({"kick/post_fader", "-6.5", "hot"});
    std::string out;
    table.renderTo(out, "  ");
    EXPECT_EQ(out, "  Tap              Average  Note\n"
                   "                      dBFS\n"
                   "  vox/pre_insert    -18.00\n"
                   "  kick/post_fader     -6.5  hot\n");
}

TEST(TextTable, CountsCharactersNotBytes)
{
    TextTable table({{"Node", "", true}, {"dB", "", false}});
    table.addRow({"Gesang (Strophe 2) \xC3\xBC", "1.00"}); // "ü" is two bytes
    table.addRow({"x", "2.00"});
    std::string out;
    table.renderTo(out, "");
    EXPECT_EQ(out, "Node                    dB\n"
                   "Gesang (Strophe 2) \xC3\xBC  1.00\n"
                   "x                     2.00\n");
}
