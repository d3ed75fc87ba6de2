// Server counters for the `stats` op: requests, decisions by outcome, errors
// by code, connections, reloads, and a latency histogram.
//
// Shared by every session of a server (server/service.hpp owns one). All
// counters are relaxed atomics: recording never locks and never allocates.
// The histogram has log-linear buckets over nanoseconds (16 sub-buckets per
// power of two, so a percentile is within ~6% of the true value).
// Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace tenet::server {

// The error codes of PROTOCOL.md, in a fixed order.
inline constexpr std::array<std::string_view, 10> kErrorCodes = {
    "bad_json",  "bad_request", "invalid_request", "unauthenticated", "forbidden",
    "too_large", "unknown_op",  "overloaded",      "internal",        "other"};

class LatencyHistogram {
 public:
  void record(std::uint64_t nanoseconds);
  // The q-quantile (0 < q <= 1) in nanoseconds; 0 when nothing was recorded.
  [[nodiscard]] std::uint64_t quantile(double q) const;

 private:
  static constexpr unsigned kSub = 16;
  static constexpr unsigned kBuckets = 64 * kSub;
  static unsigned bucket_of(std::uint64_t value);
  static std::uint64_t upper_bound_of(unsigned bucket);
  std::array<std::atomic<std::uint64_t>, kBuckets> buckets_{};
};

class Stats {
 public:
  void count_request() { requests_.fetch_add(1, std::memory_order_relaxed); }
  void count_decision(bool allow) {
    (allow ? allow_ : deny_).fetch_add(1, std::memory_order_relaxed);
  }
  void count_error(std::string_view code);
  void connection_opened();
  void connection_closed() { connections_current_.fetch_sub(1, std::memory_order_relaxed); }
  void count_reload(bool ok) {
    (ok ? reloads_ok_ : reloads_failed_).fetch_add(1, std::memory_order_relaxed);
  }
  void record_latency(std::uint64_t nanoseconds) { latency_.record(nanoseconds); }

  [[nodiscard]] std::uint64_t requests() const { return requests_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t errors(std::string_view code) const;
  [[nodiscard]] std::int64_t connections() const {
    return connections_current_.load(std::memory_order_relaxed);
  }

  // The members of the `stats` response, without braces: `"requests":N,...`.
  void write_json(std::string& out) const;

 private:
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> allow_{0};
  std::atomic<std::uint64_t> deny_{0};
  std::array<std::atomic<std::uint64_t>, kErrorCodes.size()> errors_{};
  std::atomic<std::int64_t> connections_current_{0};
  std::atomic<std::uint64_t> connections_total_{0};
  std::atomic<std::uint64_t> reloads_ok_{0};
  std::atomic<std::uint64_t> reloads_failed_{0};
  LatencyHistogram latency_;
};

}  // namespace tenet::server
