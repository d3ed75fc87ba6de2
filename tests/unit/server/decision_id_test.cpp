// Decision ids (server/decision_id.hpp): the ULID layout and alphabet,
// uniqueness across threads, time order, parsing, no allocation.
#include "server/decision_id.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/allocation_counter.hpp"

namespace tenet::server {
namespace {

using Id = std::array<char, kDecisionIdLength>;

std::string text(const Id& id) { return std::string(id.begin(), id.end()); }

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

TEST(DecisionIdTest, EncodesTheUlidLayoutInCrockfordBase32) {
  Id id{};
  DecisionIds::encode({.unix_ms = 0, .replica = 0, .counter = 0}, id);
  EXPECT_EQ(text(id), std::string(26, '0'));
  DecisionIds::encode({.unix_ms = (1ULL << 48) - 1, .replica = 0xFFFF, .counter = ~0ULL}, id);
  EXPECT_EQ(text(id), "7" + std::string(25, 'Z'));
  // The ULID specification's example: its first 10 characters are this time.
  DecisionIds::encode({.unix_ms = 1469922850259, .replica = 0, .counter = 0}, id);
  EXPECT_EQ(text(id).substr(0, 10), "01ARZ3NDEK");
  // The replica sits right after the time (bits 64..79), the counter last.
  DecisionIds::encode({.unix_ms = 0, .replica = 0, .counter = 31}, id);
  EXPECT_EQ(text(id), std::string(25, '0') + "Z");
  DecisionIds::encode({.unix_ms = 0, .replica = 1, .counter = 0}, id);
  EXPECT_EQ(text(id), std::string(13, '0') + "G" + std::string(12, '0'));  // 2^64 = 16·32^12
}

TEST(DecisionIdTest, ParsesWhatItEncodesAndRejectsTheRest) {
  std::mt19937_64 random(7);
  for (int i = 0; i < 10000; ++i) {
    const DecisionIdParts parts{.unix_ms = random() >> 16,
                                .replica = static_cast<std::uint16_t>(random()),
                                .counter = random()};
    Id id{};
    DecisionIds::encode(parts, id);
    const auto parsed = parse_decision_id(text(id));
    ASSERT_TRUE(parsed.has_value()) << text(id);
    EXPECT_EQ(*parsed, parts);
  }
  EXPECT_FALSE(parse_decision_id(""));
  EXPECT_FALSE(parse_decision_id(std::string(25, '0')));
  EXPECT_FALSE(parse_decision_id(std::string(27, '0')));
  EXPECT_FALSE(parse_decision_id("8" + std::string(25, '0')));  // above 128 bits
  for (const char bad : std::string("ILOUilou-_ #"))
    EXPECT_FALSE(parse_decision_id(std::string(25, '0') + bad)) << bad;
}

TEST(DecisionIdTest, IdsCarryTheReplicaAndTheTime) {
  DecisionIds ids(0x1234);
  EXPECT_EQ(ids.replica(), 0x1234);
  Id id{};
  const std::uint64_t before = now_ms();
  const std::uint64_t ms = ids.next(id);
  const std::uint64_t after = now_ms();
  const auto parsed = parse_decision_id(text(id));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->replica, 0x1234);
  EXPECT_EQ(parsed->unix_ms, ms);
  EXPECT_GE(ms, before);
  EXPECT_LE(ms, after);
  constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  for (const char c : id) EXPECT_NE(kAlphabet.find(c), std::string_view::npos) << c;
}

TEST(DecisionIdTest, UniqueAcrossThreads) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100000;
  DecisionIds ids;
  std::vector<std::vector<Id>> made(kThreads, std::vector<Id>(kPerThread));
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&ids, &made, t] {
        for (Id& id : made[static_cast<std::size_t>(t)]) ids.next(id);
      });
  }
  std::vector<Id> all;
  for (const auto& some : made) all.insert(all.end(), some.begin(), some.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
  EXPECT_EQ(all.size(), std::size_t{kThreads} * kPerThread);
}

TEST(DecisionIdTest, LaterMillisecondsSortAfter) {
  DecisionIds ids;
  std::vector<std::string> made;
  for (int i = 0; i < 5; ++i) {
    Id id{};
    const std::uint64_t ms = ids.next(id);
    made.push_back(text(id));
    // Bounded: the clock moves on within a few milliseconds.
    for (int wait = 0; wait < 1000 && now_ms() <= ms; ++wait)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  for (std::size_t i = 1; i < made.size(); ++i) EXPECT_LT(made[i - 1], made[i]);
  // Two ids of different replicas in the same millisecond still differ.
  DecisionIds other;
  Id a{};
  Id b{};
  ids.next(a);
  other.next(b);
  EXPECT_NE(text(a), text(b));
}

TEST(DecisionIdTest, NextAllocatesNothing) {
  DecisionIds ids;
  Id id{};
  ids.next(id);
  const std::uint64_t before = test_support::thread_allocations();
  for (int i = 0; i < 10000; ++i) ids.next(id);
  EXPECT_EQ(test_support::thread_allocations() - before, 0u);
}

}  // namespace
}  // namespace tenet::server
