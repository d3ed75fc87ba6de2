#include "server/stats.hpp"

#include <bit>
#include <cstdio>
#include <optional>

namespace tenet::server {

unsigned LatencyHistogram::bucket_of(std::uint64_t value) {
  if (value < kSub) return static_cast<unsigned>(value);
  const unsigned power = 63U - static_cast<unsigned>(std::countl_zero(value));  // >= 4
  const auto sub = static_cast<unsigned>((value >> (power - 4U)) & (kSub - 1U));
  const unsigned bucket = (power - 3U) * kSub + sub;
  return bucket < kBuckets ? bucket : kBuckets - 1U;
}

std::uint64_t LatencyHistogram::upper_bound_of(unsigned bucket) {
  if (bucket < kSub) return bucket;
  const unsigned power = bucket / kSub + 3U;
  const std::uint64_t sub = bucket % kSub;
  return ((kSub + sub + 1U) << (power - 4U)) - 1U;
}

void LatencyHistogram::add_to(Counts& counts) const {
  for (unsigned i = 0; i < kBuckets; ++i) counts[i] += buckets_[i].load(std::memory_order_relaxed);
}

std::uint64_t LatencyHistogram::quantile(const Counts& counts, double q) {
  std::uint64_t total = 0;
  for (const std::uint64_t count : counts) total += count;
  if (total == 0) return 0;
  auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total));
  if (rank == 0) rank = 1;
  std::uint64_t seen = 0;
  for (unsigned i = 0; i < kBuckets; ++i) {
    seen += counts[i];
    if (seen >= rank) return upper_bound_of(i);
  }
  return upper_bound_of(kBuckets - 1U);
}

std::uint64_t LatencyHistogram::quantile(double q) const {
  Counts counts{};
  add_to(counts);
  return quantile(counts, q);
}

std::size_t Stats::thread_slot() {
  static std::atomic<std::size_t> next_thread{0};
  thread_local const std::size_t slot =
      next_thread.fetch_add(1, std::memory_order_relaxed) % kShards;
  return slot;
}

template <typename Field>
std::uint64_t Stats::sum(Field field) const {
  std::uint64_t total = 0;
  for (const Shard& shard : shards_) total += field(shard).load(std::memory_order_relaxed);
  return total;
}

std::uint64_t Stats::requests() const {
  return sum(
      [](const Shard& shard) -> const std::atomic<std::uint64_t>& { return shard.requests; });
}

std::uint64_t Stats::decisions(bool allow) const {
  return sum([allow](const Shard& shard) -> const std::atomic<std::uint64_t>& {
    return allow ? shard.allow : shard.deny;
  });
}

std::size_t Stats::counter_named(std::string_view code) {
  if (const std::optional<json::ErrorCode> known = json::error_code_named(code))
    return static_cast<std::size_t>(*known);
  return code == kOtherErrorsName ? kOtherErrors : kErrorCounters;
}

void Stats::count_error(std::string_view code) {
  const std::size_t counter = counter_named(code);
  count_error_at(counter < kErrorCounters ? counter : kOtherErrors);
}

std::uint64_t Stats::errors_at(std::size_t counter) const {
  return sum([counter](const Shard& shard) -> const std::atomic<std::uint64_t>& {
    return shard.errors[counter];
  });
}

std::uint64_t Stats::errors(std::string_view code) const {
  const std::size_t counter = counter_named(code);
  return counter < kErrorCounters ? errors_at(counter) : 0;
}

std::uint64_t Stats::latency_quantile(double q) const {
  LatencyHistogram::Counts counts{};
  for (const Shard& shard : shards_) shard.latency.add_to(counts);
  return LatencyHistogram::quantile(counts, q);
}

void Stats::connection_opened() {
  connections_current_.fetch_add(1, std::memory_order_relaxed);
  connections_total_.fetch_add(1, std::memory_order_relaxed);
}

namespace {
// Microseconds with three decimals, as JSON number text.
std::string_view micros(std::array<char, 32>& text, std::uint64_t nanoseconds) {
  const int n =
      std::snprintf(text.data(), text.size(), "%.3f", static_cast<double>(nanoseconds) / 1000.0);
  return {text.data(), static_cast<std::size_t>(n)};
}
}  // namespace

void Stats::write_json(json::ObjectWriter& object) const {
  const auto load = [](const auto& counter) { return counter.load(std::memory_order_relaxed); };
  object.number("requests", requests());
  object.begin("decisions").number("allow", decisions(true)).number("deny", decisions(false)).end();
  object.begin("errors");
  for (std::size_t i = 0; i < json::kErrorCodeCount; ++i)
    object.number(json::error_name(static_cast<json::ErrorCode>(i)), errors_at(i));
  object.number(kOtherErrorsName, errors_at(kOtherErrors)).end();
  object.begin("connections")
      .number("current", static_cast<std::int64_t>(load(connections_current_)))
      .number("total", load(connections_total_))
      .end();
  object.begin("reloads")
      .number("ok", load(reloads_ok_))
      .number("failed", load(reloads_failed_))
      .end();
  object.number("failed_hellos", load(failed_hellos_));
  LatencyHistogram::Counts counts{};
  for (const Shard& shard : shards_) shard.latency.add_to(counts);
  std::array<char, 32> text{};
  object.begin("latency_us");
  object.raw("p50", micros(text, LatencyHistogram::quantile(counts, 0.50)));
  object.raw("p99", micros(text, LatencyHistogram::quantile(counts, 0.99)));
  object.raw("p999", micros(text, LatencyHistogram::quantile(counts, 0.999)));
  object.end();
}

Stats::Snapshot Stats::snapshot() const {
  const auto load = [](const auto& counter) { return counter.load(std::memory_order_relaxed); };
  Snapshot out;
  out.requests = requests();
  out.allow = decisions(true);
  out.deny = decisions(false);
  for (std::size_t i = 0; i < kErrorCounters; ++i) out.errors[i] = errors_at(i);
  out.connections = load(connections_current_);
  out.connections_total = load(connections_total_);
  out.reloads_ok = load(reloads_ok_);
  out.reloads_failed = load(reloads_failed_);
  out.failed_hellos = load(failed_hellos_);
  for (const Shard& shard : shards_) {
    shard.latency.add_to(out.latency);
    out.latency_sum_ns += load(shard.latency_sum_ns);
  }
  return out;
}

}  // namespace tenet::server
