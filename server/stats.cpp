#include "server/stats.hpp"

#include <bit>
#include <cstdio>

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

void Stats::count_error(std::string_view code) {
  for (std::size_t i = 0; i < kErrorCodes.size(); ++i) {
    if (kErrorCodes[i] == code || i + 1 == kErrorCodes.size()) {
      local().errors[i].fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
}

std::uint64_t Stats::errors(std::string_view code) const {
  for (std::size_t i = 0; i < kErrorCodes.size(); ++i) {
    if (kErrorCodes[i] == code) {
      return sum(
          [i](const Shard& shard) -> const std::atomic<std::uint64_t>& { return shard.errors[i]; });
    }
  }
  return 0;
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
void append_micros(std::string& out, std::uint64_t nanoseconds) {
  std::array<char, 32> text{};
  const int n =
      std::snprintf(text.data(), text.size(), "%.3f", static_cast<double>(nanoseconds) / 1000.0);
  out.append(text.data(), static_cast<std::size_t>(n));
}
}  // namespace

void Stats::write_json(std::string& out) const {
  const auto load = [](const auto& counter) {
    return std::to_string(counter.load(std::memory_order_relaxed));
  };
  out += "\"requests\":" + std::to_string(requests());
  out += ",\"decisions\":{\"allow\":" + std::to_string(decisions(true)) +
         ",\"deny\":" + std::to_string(decisions(false)) + '}';
  out += ",\"errors\":{";
  for (std::size_t i = 0; i < kErrorCodes.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    out += kErrorCodes[i];
    out += "\":" + std::to_string(errors(kErrorCodes[i]));
  }
  out += "},\"connections\":{\"current\":" + load(connections_current_) +
         ",\"total\":" + load(connections_total_) + '}';
  out += ",\"reloads\":{\"ok\":" + load(reloads_ok_) + ",\"failed\":" + load(reloads_failed_) + '}';
  out += ",\"failed_hellos\":" + load(failed_hellos_);
  LatencyHistogram::Counts counts{};
  for (const Shard& shard : shards_) shard.latency.add_to(counts);
  out += ",\"latency_us\":{\"p50\":";
  append_micros(out, LatencyHistogram::quantile(counts, 0.50));
  out += ",\"p99\":";
  append_micros(out, LatencyHistogram::quantile(counts, 0.99));
  out += ",\"p999\":";
  append_micros(out, LatencyHistogram::quantile(counts, 0.999));
  out += '}';
}

}  // namespace tenet::server
