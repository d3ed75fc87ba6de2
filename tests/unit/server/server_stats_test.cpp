// server/stats: counters recorded from many threads (each into its own
// shard) add up in the `stats` answer, and the latency percentiles merge
// every shard's histogram.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "server/stats.hpp"

namespace tenet::server {
namespace {

TEST(ServerStats, CountsFromManyThreadsAddUp) {
  Stats stats;
  constexpr int kThreads = 20;  // more than Stats::kShards: some threads share a shard
  constexpr int kEach = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&stats, t] {
      for (int i = 0; i < kEach; ++i) {
        stats.count_request();
        stats.count_decision(i % 4 != 0);  // 3 allows for 1 deny
        if (i % 100 == 0) stats.count_error(t % 2 == 0 ? "bad_json" : "no_such_code");
        stats.record_latency(t < kThreads / 2 ? 1000 : 1'000'000);  // 1 us, 1 ms
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(stats.requests(), std::uint64_t{kThreads} * kEach);
  EXPECT_EQ(stats.decisions(true), std::uint64_t{kThreads} * kEach * 3 / 4);
  EXPECT_EQ(stats.decisions(false), std::uint64_t{kThreads} * kEach / 4);
  EXPECT_EQ(stats.errors("bad_json"), std::uint64_t{kThreads / 2} * (kEach / 100));
  EXPECT_EQ(stats.errors("other"),
            std::uint64_t{kThreads / 2} * (kEach / 100));  // unknown codes count here
  // Half the samples at 1 us, half at 1 ms: p50 is in the 1 us bucket, p99 in the 1 ms one
  // (buckets are within ~6 % of their values).
  EXPECT_GE(stats.latency_quantile(0.50), 1000U);
  EXPECT_LT(stats.latency_quantile(0.50), 1100U);
  EXPECT_GE(stats.latency_quantile(0.99), 1'000'000U);
  EXPECT_LT(stats.latency_quantile(0.99), 1'100'000U);

  std::string json;
  json::ObjectWriter object(json);
  stats.write_json(object);
  EXPECT_NE(json.find("\"requests\":100000,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"decisions\":{\"allow\":75000,\"deny\":25000}"), std::string::npos) << json;
  EXPECT_NE(json.find("\"bad_json\":500,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"p50\":1."), std::string::npos) << json;
}

TEST(ServerStats, EmptyStatsAnswerZeros) {
  const Stats stats;
  EXPECT_EQ(stats.requests(), 0U);
  EXPECT_EQ(stats.latency_quantile(0.99), 0U);
  std::string json;
  json::ObjectWriter object(json);
  stats.write_json(object);
  EXPECT_NE(json.find("\"p50\":0.000"), std::string::npos) << json;
}

}  // namespace
}  // namespace tenet::server
