// server/stats: counters recorded from many threads (each into its own
// shard) add up in the `stats` answer, the latency percentiles merge every
// shard's and every op's histogram, and decisions are counted per partner
// by name across policy swaps that renumber the tenants.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/stats.hpp"
#include "tests/support/compile_source.hpp"

namespace tenet::server {
namespace {

// A set declaring `tenants` in this order (their indices follow it).
std::shared_ptr<const CompiledPolicySet> set_of(const std::vector<std::string>& tenants) {
  std::string text = "schema { resource document { } actions read on document; }\n";
  for (const std::string& tenant : tenants)
    text += "tenant " + tenant + " { role guest; permit read on document; }\n";
  return test_support::compile_source("stats.tenet", text);
}

Index index_of(const CompiledPolicySet& policies, std::string_view tenant) {
  const Index at = policies.find_tenant(tenant);
  EXPECT_NE(at, kNone) << tenant;
  return at;
}

constexpr std::size_t kAllow = 0;
constexpr std::size_t kDeny = 1;
constexpr std::size_t kInvalid = 2;

TEST(ServerStats, CountsFromManyThreadsAddUp) {
  Stats stats;
  const auto policies = set_of({"acme"});
  ASSERT_NE(policies, nullptr);
  constexpr int kThreads = 20;  // more than Stats::kShards: some threads share a shard
  constexpr int kEach = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&stats, &policies, t] {
      for (int i = 0; i < kEach; ++i) {
        stats.count_request();
        stats.count_decision(*policies, 0,
                             i % 4 != 0 ? DecisionOutcome::Allow : DecisionOutcome::Deny);
        if (i % 100 == 0) stats.count_error(t % 2 == 0 ? "bad_json" : "no_such_code");
        stats.record_latency(json::RequestOp::Check,
                             t < kThreads / 2 ? 1000 : 1'000'000);  // 1 us, 1 ms
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(stats.requests(), std::uint64_t{kThreads} * kEach);
  EXPECT_EQ(stats.decisions(true), std::uint64_t{kThreads} * kEach * 3 / 4);
  EXPECT_EQ(stats.decisions(false), std::uint64_t{kThreads} * kEach / 4);
  EXPECT_EQ(stats.partner("acme")[kAllow], std::uint64_t{kThreads} * kEach * 3 / 4);
  EXPECT_EQ(stats.partner("acme")[kDeny], std::uint64_t{kThreads} * kEach / 4);
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
  EXPECT_NE(json.find("\"partners\":{\"acme\":{\"allow\":75000,\"deny\":25000,"
                      "\"invalid_request\":0}}"),
            std::string::npos)
      << json;
}

TEST(ServerStats, EmptyStatsAnswerZeros) {
  const Stats stats;
  EXPECT_EQ(stats.requests(), 0U);
  EXPECT_EQ(stats.latency_quantile(0.99), 0U);
  EXPECT_EQ(stats.partner("acme"), PartnerCounts{});
  std::string json;
  json::ObjectWriter object(json);
  stats.write_json(object);
  EXPECT_NE(json.find("\"p50\":0.000"), std::string::npos) << json;
  EXPECT_NE(json.find("\"partners\":{}"), std::string::npos) << json;
}

// A swap that adds a partner in front of another (shifting its index) and
// one that removes a partner: each keeps its counts; one added back
// continues them; a request for a tenant not served counts apart.
TEST(ServerStats, PartnersKeepTheirCountsAcrossSwapsThatRenumberThem) {
  Stats stats;
  const auto first = set_of({"beta", "delta"});
  const auto added = set_of({"alpha", "beta", "gamma", "delta"});  // beta 0 → 1, delta 1 → 3
  const auto removed = set_of({"delta"});                          // beta gone, delta 3 → 0
  const auto back = set_of({"beta", "delta"});
  ASSERT_TRUE(first && added && removed && back);

  stats.count_decision(*first, index_of(*first, "beta"), DecisionOutcome::Allow);
  stats.count_decision(*first, index_of(*first, "delta"), DecisionOutcome::Deny);
  stats.count_decision(*added, index_of(*added, "beta"), DecisionOutcome::Allow);
  stats.count_decision(*added, index_of(*added, "alpha"), DecisionOutcome::InvalidRequest);
  stats.count_decision(*added, index_of(*added, "delta"), DecisionOutcome::Deny);
  stats.count_decision(*removed, index_of(*removed, "delta"), DecisionOutcome::Allow);
  stats.count_decision(*removed, kNone, DecisionOutcome::Deny);  // a tenant not served
  stats.count_decision(*back, index_of(*back, "beta"), DecisionOutcome::Deny);
  // The first set again (its table was replaced in this thread's cache).
  stats.count_decision(*first, index_of(*first, "delta"), DecisionOutcome::Deny);

  EXPECT_EQ(stats.partner("beta"), (PartnerCounts{2, 1, 0}));
  EXPECT_EQ(stats.partner("delta"), (PartnerCounts{1, 3, 0}));
  EXPECT_EQ(stats.partner("alpha"), (PartnerCounts{0, 0, 1}));
  EXPECT_EQ(stats.partner("gamma"), (PartnerCounts{}));
  EXPECT_EQ(stats.unknown_tenant(), (PartnerCounts{0, 1, 0}));
  EXPECT_EQ(stats.errors("invalid_request"), 1U);  // an invalid_request is also that error
  EXPECT_EQ(stats.decisions(true), 3U);
  EXPECT_EQ(stats.decisions(false), 5U);

  const std::vector<Stats::Partner> partners = stats.partners();  // by name, removed ones too
  ASSERT_EQ(partners.size(), 4U);
  EXPECT_EQ(partners[0].tenant, "alpha");
  EXPECT_EQ(partners[1].tenant, "beta");
  EXPECT_EQ(partners[2].tenant, "delta");
  EXPECT_EQ(partners[3].tenant, "gamma");
  EXPECT_EQ(partners[2].counts, (PartnerCounts{1, 3, 0}));

  std::string json;
  json::ObjectWriter object(json);
  stats.write_partner_json(object, "beta");
  EXPECT_EQ(json, R"({"decisions":{"allow":2,"deny":1,"invalid_request":0})");
}

// A partner's name is the policy author's text: the global answer escapes it.
TEST(ServerStats, PartnerNamesAreEscapedInTheAnswer) {
  Stats stats;
  const auto policies = test_support::compile_source("q.tenet", R"(
schema { resource document { } actions read on document; }
tenant "a\"b" { role guest; permit read on document; }
)");
  ASSERT_NE(policies, nullptr);
  stats.count_decision(*policies, 0, DecisionOutcome::Allow);
  std::string json;
  json::ObjectWriter object(json);
  stats.write_json(object);
  object.close();
  EXPECT_NE(json.find(R"("partners":{"a\"b":{"allow":1,"deny":0,"invalid_request":0}})"),
            std::string::npos)
      << json;
}

// Two Stats in one thread (the per-thread tables are per Stats): neither
// counts into the other's partners.
TEST(ServerStats, TwoStatsInOneThreadKeepTheirOwnPartners) {
  const auto policies = set_of({"acme", "zenith"});
  ASSERT_NE(policies, nullptr);
  Stats one;
  Stats two;
  one.count_decision(*policies, index_of(*policies, "zenith"), DecisionOutcome::Allow);
  two.know_partners(*set_of({"zenith"}));  // zenith is number 1 in `two`, 2 in `one`
  two.count_decision(*policies, index_of(*policies, "acme"), DecisionOutcome::Deny);
  one.count_decision(*policies, index_of(*policies, "zenith"), DecisionOutcome::Allow);
  EXPECT_EQ(one.partner("zenith"), (PartnerCounts{2, 0, 0}));
  EXPECT_EQ(one.partner("acme"), (PartnerCounts{}));
  EXPECT_EQ(two.partner("acme"), (PartnerCounts{0, 1, 0}));
  EXPECT_EQ(two.partner("zenith"), (PartnerCounts{}));
}

// Two threads counting while the set they count with is swapped under
// them (each alternates between two numberings): every decision lands on
// its partner.
TEST(ServerStats, TwoThreadsCountingAcrossSwaps) {
  Stats stats;
  const auto left = set_of({"acme", "bolt"});
  const auto right = set_of({"bolt", "cobalt", "acme"});
  ASSERT_TRUE(left && right);
  constexpr int kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const CompiledPolicySet& policies = (i / 100) % 2 == 0 ? *left : *right;
        const std::string_view tenant = t == 0 ? "acme" : "bolt";
        stats.count_decision(policies, index_of(policies, tenant),
                             i % 2 == 0 ? DecisionOutcome::Allow : DecisionOutcome::Deny);
        if (t == 1 && policies.find_tenant("cobalt") != kNone)
          stats.count_decision(policies, index_of(policies, "cobalt"),
                               DecisionOutcome::InvalidRequest);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(stats.partner("acme"), (PartnerCounts{kEach / 2, kEach / 2, 0}));
  EXPECT_EQ(stats.partner("bolt"), (PartnerCounts{kEach / 2, kEach / 2, 0}));
  EXPECT_EQ(stats.partner("cobalt"), (PartnerCounts{0, 0, kEach / 2}));
}

TEST(ServerStats, LatencyIsKeptPerOp) {
  Stats stats;
  stats.record_latency(json::RequestOp::Check, 2000);
  stats.record_latency(json::RequestOp::Batch, 500'000);
  stats.record_latency(json::RequestOp::ServerOnly, 9'000'000);  // server ops: `other`
  stats.record_latency(json::RequestOp::None, 9'000'000);
  EXPECT_GE(stats.latency_quantile(json::RequestOp::Check, 0.99), 2000U);
  EXPECT_LT(stats.latency_quantile(json::RequestOp::Check, 0.99), 2200U);
  EXPECT_GE(stats.latency_quantile(json::RequestOp::Batch, 0.5), 500'000U);
  EXPECT_EQ(stats.latency_quantile(json::RequestOp::Filter, 0.5), 0U);
  EXPECT_GE(stats.latency_quantile(json::RequestOp::None, 0.5), 9'000'000U);
  EXPECT_EQ(stats.latency_quantile(json::RequestOp::None, 0.5),
            stats.latency_quantile(json::RequestOp::ServerOnly, 0.5));
  EXPECT_LT(stats.latency_quantile(0.25), 2200U);  // overall: every op

  const Stats::Snapshot snapshot = stats.snapshot();
  ASSERT_EQ(snapshot.latency.size(), kLatencyOps);
  EXPECT_EQ(snapshot.latency[latency_op(json::RequestOp::Check)].sum_ns, 2000U);
  EXPECT_EQ(snapshot.latency[kOtherOp].sum_ns, 18'000'000U);
  std::string json;
  json::ObjectWriter object(json);
  stats.write_json(object);
  EXPECT_NE(json.find(R"("latency_us_by_op":{"check":{"count":1,)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("other":{"count":2,)"), std::string::npos) << json;
}

}  // namespace
}  // namespace tenet::server
