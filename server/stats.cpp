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

namespace {
std::atomic<std::uint64_t> next_serial{1};

// The storage behind detail::partner_table: the tenant list it was built
// for is held, so its address is not reused (and mistaken for another's)
// while the table names it.
struct PartnerTableStorage {
  std::shared_ptr<const compile::TenantDirectory> directory;
  std::vector<std::uint32_t> numbers;
};
thread_local PartnerTableStorage partner_table_storage;
}  // namespace

Stats::Stats()
    : serial_(next_serial.fetch_add(1, std::memory_order_relaxed)),
      shards_(std::make_unique<Shard[]>(kShards)) {}

Stats::~Stats() {
  for (std::size_t s = 0; s < kShards; ++s) {
    for (std::atomic<PartnerChunk*>& chunk : shards_[s].partners)
      delete chunk.load(std::memory_order_acquire);
  }
}

std::size_t Stats::thread_slot() {
  static std::atomic<std::size_t> next_thread{0};
  thread_local const std::size_t slot =
      next_thread.fetch_add(1, std::memory_order_relaxed) % kShards;
  return slot;
}

std::uint32_t Stats::number_locked(std::string_view name) {
  if (const auto found = numbers_.find(name); found != numbers_.end()) return found->second;
  // Number 0 is the unknown tenant's; past the last chunk, names are not numbered.
  if (names_.size() + 1 >= kChunkPartners * kMaxChunks) return kUncounted;
  names_.emplace_back(name);
  const auto number = static_cast<std::uint32_t>(names_.size());
  numbers_.emplace(std::string(name), number);
  return number;
}

std::uint32_t Stats::partner_number_slow(const compile::CompiledPolicySet& policies,
                                         model::Index tenant) {
  if (tenant >= policies.tenant_count()) return kUncounted;  // not an index of this set
  PartnerTableStorage& storage = partner_table_storage;
  storage.directory = policies.directory();
  storage.numbers.resize(policies.tenant_count());
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (model::Index t = 0; t < policies.tenant_count(); ++t)
      storage.numbers[t] = number_locked(policies.tenant_name(t));
  }
  detail::partner_table = {serial_, storage.directory.get(), storage.numbers.data(),
                           storage.numbers.size()};
  return storage.numbers[tenant];
}

void Stats::know_partners(const compile::CompiledPolicySet& policies) {
  const std::lock_guard<std::mutex> lock(mutex_);
  for (model::Index t = 0; t < policies.tenant_count(); ++t) number_locked(policies.tenant_name(t));
}

Stats::PartnerChunk* Stats::add_chunk(std::atomic<PartnerChunk*>& slot) {
  // Another thread sharing the shard may publish one first: keep the first.
  auto fresh = std::make_unique<PartnerChunk>();
  PartnerChunk* expected = nullptr;
  if (slot.compare_exchange_strong(expected, fresh.get(), std::memory_order_acq_rel,
                                   std::memory_order_acquire))
    return fresh.release();
  return expected;
}

PartnerCounts Stats::counts_of(std::uint32_t partner) const {
  PartnerCounts counts{};
  for (std::size_t s = 0; s < kShards; ++s) {
    const PartnerChunk* chunk =
        shards_[s].partners[partner / kChunkPartners].load(std::memory_order_acquire);
    if (chunk == nullptr) continue;
    for (std::size_t o = 0; o < kDecisionOutcomes; ++o)
      counts[o] += chunk->counts[(partner % kChunkPartners) * kDecisionOutcomes + o].load(
          std::memory_order_relaxed);
  }
  return counts;
}

PartnerCounts Stats::partner(std::string_view tenant) const {
  std::uint32_t number = kUncounted;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (const auto found = numbers_.find(tenant); found != numbers_.end()) number = found->second;
  }
  return number == kUncounted ? PartnerCounts{} : counts_of(number);
}

PartnerCounts Stats::unknown_tenant() const { return counts_of(kUnknownTenant); }

std::vector<Stats::Partner> Stats::partners() const {
  std::vector<Partner> out;
  std::vector<std::uint32_t> numbers;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    out.reserve(numbers_.size());
    numbers.reserve(numbers_.size());
    for (const auto& [name, number] : numbers_) {  // by name
      out.push_back({name, {}});
      numbers.push_back(number);
    }
  }
  for (std::size_t i = 0; i < out.size(); ++i) out[i].counts = counts_of(numbers[i]);
  return out;
}

template <typename Field>
std::uint64_t Stats::sum(Field field) const {
  std::uint64_t total = 0;
  for (std::size_t s = 0; s < kShards; ++s)
    total += field(shards_[s]).load(std::memory_order_relaxed);
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

LatencyHistogram::Counts Stats::latency_counts() const {
  LatencyHistogram::Counts counts{};
  for (std::size_t s = 0; s < kShards; ++s) {
    for (const LatencyHistogram& op : shards_[s].latency) op.add_to(counts);
  }
  return counts;
}

std::uint64_t Stats::latency_quantile(double q) const {
  return LatencyHistogram::quantile(latency_counts(), q);
}

std::uint64_t Stats::latency_quantile(json::RequestOp op, double q) const {
  LatencyHistogram::Counts counts{};
  for (std::size_t s = 0; s < kShards; ++s) shards_[s].latency[latency_op(op)].add_to(counts);
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

namespace {
void write_counts(json::ObjectWriter& object, std::string_view key, const PartnerCounts& counts) {
  object.begin(key);
  for (std::size_t o = 0; o < kDecisionOutcomes; ++o)
    object.number(kDecisionOutcomeNames[o], counts[o]);
  object.end();
}

void write_percentiles(json::ObjectWriter& object, const LatencyHistogram::Counts& counts) {
  std::array<char, 32> text{};
  object.raw("p50", micros(text, LatencyHistogram::quantile(counts, 0.50)));
  object.raw("p99", micros(text, LatencyHistogram::quantile(counts, 0.99)));
  object.raw("p999", micros(text, LatencyHistogram::quantile(counts, 0.999)));
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
  object.number("units_refused", load(units_refused_));
  object.number("failed_hellos", load(failed_hellos_));
  object.begin("latency_us");
  write_percentiles(object, latency_counts());
  object.end();
  object.begin("latency_us_by_op");
  for (std::size_t op = 0; op < kLatencyOps; ++op) {
    LatencyHistogram::Counts counts{};
    for (std::size_t s = 0; s < kShards; ++s) shards_[s].latency[op].add_to(counts);
    std::uint64_t count = 0;
    for (const std::uint64_t n : counts) count += n;
    object.begin(kLatencyOpNames[op]).number("count", count);
    write_percentiles(object, counts);
    object.end();
  }
  object.end();
  // Partner names are the policy author's text (`tenant "a\"b"`): escaped
  // as JSON strings, which ObjectWriter keys are not.
  std::string by_partner = "{";
  for (const Partner& partner : partners()) {
    if (by_partner.size() > 1) by_partner += ',';
    json::write_json_string(by_partner, partner.tenant);
    by_partner += ':';
    json::ObjectWriter counts(by_partner);
    for (std::size_t o = 0; o < kDecisionOutcomes; ++o)
      counts.number(kDecisionOutcomeNames[o], partner.counts[o]);
    counts.close();
  }
  object.raw("partners", by_partner + '}');
  write_counts(object, "unknown_tenant", unknown_tenant());
}

void Stats::write_partner_json(json::ObjectWriter& object, std::string_view tenant) const {
  write_counts(object, "decisions", partner(tenant));
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
  out.units_refused = load(units_refused_);
  out.failed_hellos = load(failed_hellos_);
  out.latency.resize(kLatencyOps);
  for (std::size_t s = 0; s < kShards; ++s) {
    for (std::size_t op = 0; op < kLatencyOps; ++op) {
      shards_[s].latency[op].add_to(out.latency[op].counts);
      out.latency[op].sum_ns += load(shards_[s].latency_sum_ns[op]);
    }
  }
  out.partners = partners();
  out.unknown_tenant = unknown_tenant();
  return out;
}

}  // namespace tenet::server
