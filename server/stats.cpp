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

void LatencyHistogram::record(std::uint64_t nanoseconds) {
  buckets_[bucket_of(nanoseconds)].fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t LatencyHistogram::quantile(double q) const {
  std::array<std::uint64_t, kBuckets> counts{};
  std::uint64_t total = 0;
  for (unsigned i = 0; i < kBuckets; ++i) {
    counts[i] = buckets_[i].load(std::memory_order_relaxed);
    total += counts[i];
  }
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

void Stats::count_error(std::string_view code) {
  for (std::size_t i = 0; i < kErrorCodes.size(); ++i) {
    if (kErrorCodes[i] == code || i + 1 == kErrorCodes.size()) {
      errors_[i].fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
}

std::uint64_t Stats::errors(std::string_view code) const {
  for (std::size_t i = 0; i < kErrorCodes.size(); ++i) {
    if (kErrorCodes[i] == code) return errors_[i].load(std::memory_order_relaxed);
  }
  return 0;
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
  out += "\"requests\":" + load(requests_);
  out += ",\"decisions\":{\"allow\":" + load(allow_) + ",\"deny\":" + load(deny_) + '}';
  out += ",\"errors\":{";
  for (std::size_t i = 0; i < kErrorCodes.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    out += kErrorCodes[i];
    out += "\":" + load(errors_[i]);
  }
  out += "},\"connections\":{\"current\":" + load(connections_current_) +
         ",\"total\":" + load(connections_total_) + '}';
  out += ",\"reloads\":{\"ok\":" + load(reloads_ok_) + ",\"failed\":" + load(reloads_failed_) + '}';
  out += ",\"latency_us\":{\"p50\":";
  append_micros(out, latency_.quantile(0.50));
  out += ",\"p99\":";
  append_micros(out, latency_.quantile(0.99));
  out += ",\"p999\":";
  append_micros(out, latency_.quantile(0.999));
  out += '}';
}

}  // namespace tenet::server
