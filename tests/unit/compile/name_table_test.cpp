// engine/compile/name_table.hpp: the flat name → index table of the request hot path.
#include "engine/compile/name_table.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>

namespace tenet {
namespace {

TEST(NameTable, FindsWhatWasAddedAndNothingElse) {
  compile::NameTable table;
  EXPECT_EQ(table.find("cedar"), model::kNone) << "empty table";
  EXPECT_TRUE(table.emplace("cedar", 0).second);
  EXPECT_TRUE(table.emplace("harbor-bank.eu", 1).second);
  EXPECT_TRUE(table.emplace("", 2).second);
  EXPECT_EQ(table.find("cedar"), 0U);
  EXPECT_EQ(table.find("harbor-bank.eu"), 1U);
  EXPECT_EQ(table.find(""), 2U);
  EXPECT_EQ(table.find("Cedar"), model::kNone);
  EXPECT_EQ(table.find("cedar "), model::kNone);
  EXPECT_EQ(table.find("harbor-bank.e"), model::kNone) << "a prefix is not the name";
  EXPECT_EQ(table.size(), 3U);
}

TEST(NameTable, TheFirstIndexOfANameStays) {
  compile::NameTable table;
  EXPECT_TRUE(table.emplace("read", 7).second);
  const auto again = table.emplace("read", 9);
  EXPECT_FALSE(again.second);
  EXPECT_EQ(again.first, 7U);
  EXPECT_EQ(table.find("read"), 7U);
  EXPECT_EQ(table.size(), 1U);
}

TEST(NameTable, ThousandsOfNamesSurviveGrowth) {
  std::deque<std::string> names;  // the table keeps views: the strings must not move
  compile::NameTable table;
  for (int i = 0; i < 5000; ++i) {
    names.push_back("tenant_" + std::to_string(i) + (i % 3 == 0 ? "_with_a_longer_suffix" : ""));
    ASSERT_TRUE(table.emplace(names.back(), static_cast<model::Index>(i)).second) << names.back();
  }
  for (int i = 0; i < 5000; ++i)
    EXPECT_EQ(table.find(names[static_cast<std::size_t>(i)]), static_cast<model::Index>(i));
  EXPECT_EQ(table.find("tenant_5000"), model::kNone);
  EXPECT_EQ(table.find("tenant_1_with_a_longer_suffix"), model::kNone);
  EXPECT_EQ(table.size(), 5000U);
}

}  // namespace
}  // namespace tenet
