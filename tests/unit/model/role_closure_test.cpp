// model::reachability: the closure behind Role::is_a_bits and the rule
// table's role sets, on the shapes that used to cost roles² steps.
#include "engine/model/role_closure.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {

using tenet::model::Index;
using tenet::model::reachability;

bool reaches(const std::vector<std::uint64_t>& sets, std::size_t count, Index from, Index to) {
  const std::size_t words = (count + 63) / 64;
  return ((sets[from * words + to / 64] >> (to % 64)) & 1U) != 0;
}

TEST(RoleClosure, EveryNodeReachesItselfAndWhatItsEdgesReach) {
  // 0 -> 1 -> 2, 3 -> 1, 4 alone.
  const std::vector<std::vector<Index>> edges{{1}, {2}, {}, {1}, {}};
  const auto sets = reachability(edges);
  for (Index i = 0; i < 5; ++i) EXPECT_TRUE(reaches(sets, 5, i, i));
  EXPECT_TRUE(reaches(sets, 5, 0, 2));
  EXPECT_TRUE(reaches(sets, 5, 3, 2));
  EXPECT_FALSE(reaches(sets, 5, 2, 0));
  EXPECT_FALSE(reaches(sets, 5, 0, 3));
  EXPECT_FALSE(reaches(sets, 5, 4, 0));
}

TEST(RoleClosure, AChainDeclaredInEitherOrderIsClosedAcrossWordBoundaries) {
  constexpr Index kCount = 300;
  std::vector<std::vector<Index>> upward(kCount);    // i extends i - 1
  std::vector<std::vector<Index>> downward(kCount);  // i extends i + 1
  for (Index i = 1; i < kCount; ++i) upward[i].push_back(i - 1);
  for (Index i = 0; i + 1 < kCount; ++i) downward[i].push_back(i + 1);
  const auto up = reachability(upward);
  const auto down = reachability(downward);
  for (const Index i : {Index{0}, Index{63}, Index{64}, Index{200}, kCount - 1}) {
    for (const Index j : {Index{0}, Index{63}, Index{64}, Index{200}, kCount - 1}) {
      EXPECT_EQ(reaches(up, kCount, i, j), j <= i) << i << " -> " << j;
      EXPECT_EQ(reaches(down, kCount, i, j), j >= i) << i << " -> " << j;
    }
  }
}

TEST(RoleClosure, ACycleIsClosedToo) {
  // 0 -> 1 -> 2 -> 0, and 3 -> 2, 4 -> 3 (a tail into the cycle).
  const std::vector<std::vector<Index>> edges{{1}, {2}, {0}, {2}, {3}};
  const auto sets = reachability(edges);
  for (const Index i : {0, 1, 2}) {
    for (const Index j : {0, 1, 2}) EXPECT_TRUE(reaches(sets, 5, i, j)) << i << " -> " << j;
    EXPECT_FALSE(reaches(sets, 5, i, 3));
  }
  for (const Index j : {0, 1, 2, 3}) EXPECT_TRUE(reaches(sets, 5, 4, j));
}

TEST(RoleClosure, NoNodesIsNoSets) { EXPECT_TRUE(reachability({}).empty()); }

}  // namespace
