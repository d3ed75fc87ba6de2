// Server counters for the `stats` op: requests, decisions by outcome, errors
// by code, connections, reloads, failed hellos, and a latency histogram.
//
// Shared by every session of a server (server/service.hpp owns one). Why
// sharded: every decision counts, and with one set of counters the I/O
// threads took turns owning their cache lines — in a batch of 64 that was 64
// contended atomic adds per line, 4 % of the server's CPU under load. Each
// thread now counts into its own cache-line-aligned shard (threads beyond
// kShards share one, which stays correct: the counters are relaxed atomics),
// and `stats` sums the shards. Recording never locks and never allocates.
// The histogram has log-linear buckets over nanoseconds (16 sub-buckets per
// power of two, so a percentile is within ~6% of the true value).
// Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/json/line_handler.hpp"

namespace tenet::server {

// The `errors` counters of `stats`: one per wire error code
// (engine/json/error_code.hpp, in its order), then `other` for connections
// closed for a limit without a code of their own (a slow reader, a timeout).
inline constexpr std::size_t kErrorCounters = json::kErrorCodeCount + 1;
inline constexpr std::size_t kOtherErrors = json::kErrorCodeCount;
inline constexpr std::string_view kOtherErrorsName = "other";

class LatencyHistogram {
 public:
  static constexpr unsigned kSub = 16;
  static constexpr unsigned kBuckets = 64 * kSub;
  using Counts = std::array<std::uint64_t, kBuckets>;

  void record(std::uint64_t nanoseconds) {
    buckets_[bucket_of(nanoseconds)].fetch_add(1, std::memory_order_relaxed);
  }
  // Adds this histogram's counts to `counts`.
  void add_to(Counts& counts) const;
  // The q-quantile (0 < q <= 1) of `counts` in nanoseconds; 0 when empty.
  [[nodiscard]] static std::uint64_t quantile(const Counts& counts, double q);
  [[nodiscard]] std::uint64_t quantile(double q) const;

  static unsigned bucket_of(std::uint64_t value);
  static std::uint64_t upper_bound_of(unsigned bucket);

 private:
  std::array<std::atomic<std::uint64_t>, kBuckets> buckets_{};
};

class Stats {
 public:
  void count_request() { local().requests.fetch_add(1, std::memory_order_relaxed); }
  void count_decision(bool allow) {
    (allow ? local().allow : local().deny).fetch_add(1, std::memory_order_relaxed);
  }
  void count_error(json::ErrorCode code) { count_error_at(static_cast<std::size_t>(code)); }
  // A closed connection counted under `other`.
  void count_other_error() { count_error_at(kOtherErrors); }
  // By name: a code of the table, else `other`.
  void count_error(std::string_view code);
  void connection_opened();
  void connection_closed() { connections_current_.fetch_sub(1, std::memory_order_relaxed); }
  // A hello with an unknown token (or none): someone may be guessing tokens.
  void count_failed_hello() { failed_hellos_.fetch_add(1, std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t failed_hellos() const {
    return failed_hellos_.load(std::memory_order_relaxed);
  }
  void count_reload(bool ok) {
    (ok ? reloads_ok_ : reloads_failed_).fetch_add(1, std::memory_order_relaxed);
  }
  void record_latency(std::uint64_t nanoseconds) {
    Shard& shard = local();
    shard.latency.record(nanoseconds);
    shard.latency_sum_ns.fetch_add(nanoseconds, std::memory_order_relaxed);
  }

  [[nodiscard]] std::uint64_t requests() const;
  [[nodiscard]] std::uint64_t decisions(bool allow) const;
  [[nodiscard]] std::uint64_t errors(std::string_view code) const;
  [[nodiscard]] std::int64_t connections() const {
    return connections_current_.load(std::memory_order_relaxed);
  }
  // The q-quantile of the recorded latencies over every shard, in nanoseconds.
  [[nodiscard]] std::uint64_t latency_quantile(double q) const;

  // The members of the `stats` response: `"requests":N,...`.
  void write_json(json::ObjectWriter& object) const;

  // Every counter at once, for the Prometheus scrape (server/metrics_text).
  struct Snapshot {
    std::uint64_t requests = 0;
    std::uint64_t allow = 0;
    std::uint64_t deny = 0;
    std::array<std::uint64_t, kErrorCounters> errors{};
    std::int64_t connections = 0;
    std::uint64_t connections_total = 0;
    std::uint64_t reloads_ok = 0;
    std::uint64_t reloads_failed = 0;
    std::uint64_t failed_hellos = 0;
    LatencyHistogram::Counts latency{};
    std::uint64_t latency_sum_ns = 0;
  };
  [[nodiscard]] Snapshot snapshot() const;

  static constexpr std::size_t kShards = 16;

 private:
  struct alignas(64) Shard {
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> allow{0};
    std::atomic<std::uint64_t> deny{0};
    std::array<std::atomic<std::uint64_t>, kErrorCounters> errors{};
    LatencyHistogram latency;
    std::atomic<std::uint64_t> latency_sum_ns{0};
  };

  void count_error_at(std::size_t counter) {
    local().errors[counter].fetch_add(1, std::memory_order_relaxed);
  }
  // The counter of the code named `code` (`other` included), or kErrorCounters.
  static std::size_t counter_named(std::string_view code);
  [[nodiscard]] std::uint64_t errors_at(std::size_t counter) const;
  // The calling thread's shard (threads are numbered on first use).
  Shard& local() { return shards_[thread_slot()]; }
  static std::size_t thread_slot();
  template <typename Field>
  [[nodiscard]] std::uint64_t sum(Field field) const;

  std::array<Shard, kShards> shards_{};
  std::atomic<std::int64_t> connections_current_{0};
  std::atomic<std::uint64_t> connections_total_{0};
  std::atomic<std::uint64_t> reloads_ok_{0};
  std::atomic<std::uint64_t> reloads_failed_{0};
  std::atomic<std::uint64_t> failed_hellos_{0};
};

}  // namespace tenet::server
