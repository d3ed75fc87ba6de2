// Server counters for the `stats` op: requests, decisions by outcome, errors
// by code, connections, reloads, failed hellos, refused units, a latency
// histogram per op, and decisions per partner.
//
// Shared by every session of a server (server/service.hpp owns one). Why
// sharded: every decision counts, and with one set of counters the I/O
// threads took turns owning their cache lines — in a batch of 64 that was 64
// contended atomic adds per line, 4 % of the server's CPU under load. Each
// thread now counts into its own cache-line-aligned shard (threads beyond
// kShards share one, which stays correct: the counters are relaxed atomics),
// and `stats` sums the shards. Recording never locks and never allocates
// (but for a partner's first decisions in a shard: see below).
// The histograms have log-linear buckets over nanoseconds (16 sub-buckets
// per power of two, so a percentile is within ~6% of the true value).
//
// Per partner: a policy swap renumbers tenants (a partner added or removed
// shifts the indices of a CompiledPolicySet), so decisions are counted by a
// partner *number*: the name's, assigned once for the life of the Stats and
// never reused, so a partner keeps its counts across every swap, and one
// removed and added again continues where it was. The name → number map is
// behind a mutex, taken only when a thread first sees a new tenant list
// (TenantDirectory, shared by the sets whose tenants are the same names in
// the same order); the thread then keeps, in thread-local storage, the
// table tenant index → number for that list, so a decision reads one
// pointer compare and one vector slot: no lock, no string. A shard's
// per-partner counters live in chunks of kChunkPartners partners, allocated
// the first time one of their partners decides in that shard and published
// with an atomic pointer: a reader sums them without a lock, and nothing is
// ever moved under it. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

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

// What a decision answered, for the counters of its partner.
enum class DecisionOutcome : std::uint8_t { Allow, Deny, InvalidRequest };
inline constexpr std::size_t kDecisionOutcomes = 3;
inline constexpr std::array<std::string_view, kDecisionOutcomes> kDecisionOutcomeNames{
    "allow", "deny", "invalid_request"};

// The ops with a latency histogram of their own: the decision ops, filter
// and batch in json::RequestOp's order, then `other` (server ops, lines
// that could not be read, and failures).
inline constexpr std::size_t kLatencyOps = 9;
inline constexpr std::size_t kOtherOp = 8;
inline constexpr std::array<std::string_view, kLatencyOps> kLatencyOpNames{
    "check",     "transition", "subscribe", "plans", "features",
    "lifecycle", "filter",     "batch",     "other"};
[[nodiscard]] constexpr std::size_t latency_op(json::RequestOp op) {
  static_assert(static_cast<std::size_t>(json::RequestOp::Batch) == kOtherOp - 1);
  const auto index = static_cast<std::size_t>(op);
  return index < kOtherOp ? index : kOtherOp;
}

namespace detail {
// The calling thread's table tenant index → partner number, for the tenant
// list `key` of the Stats numbered `owner` (Stats::partner_number). Plain
// data, constant-initialised: reading it costs no guard; the storage it
// points into is a thread-local of stats.cpp, replaced on a miss.
struct PartnerTable {
  std::uint64_t owner = 0;
  const void* key = nullptr;
  const std::uint32_t* numbers = nullptr;
  std::size_t size = 0;
};
inline thread_local PartnerTable partner_table;
}  // namespace detail

using PartnerCounts = std::array<std::uint64_t, kDecisionOutcomes>;

class Stats {
 public:
  Stats();
  ~Stats();
  Stats(const Stats&) = delete;
  Stats& operator=(const Stats&) = delete;

  void count_request() { local().requests.fetch_add(1, std::memory_order_relaxed); }
  // One decision (or an invalid_request answer, which also counts as that
  // error) of request tenant index `tenant` in `policies` (the set the
  // request was parsed and answered with); kNone: a tenant not served,
  // counted under "unknown tenant", not under a partner.
  void count_decision(const compile::CompiledPolicySet& policies, model::Index tenant,
                      DecisionOutcome outcome) {
    Shard& shard = local();
    switch (outcome) {
      case DecisionOutcome::Allow:
        shard.allow.fetch_add(1, std::memory_order_relaxed);
        break;
      case DecisionOutcome::Deny:
        shard.deny.fetch_add(1, std::memory_order_relaxed);
        break;
      case DecisionOutcome::InvalidRequest:
        shard.errors[static_cast<std::size_t>(json::ErrorCode::InvalidRequest)].fetch_add(
            1, std::memory_order_relaxed);
        break;
    }
    const std::uint32_t partner =
        tenant == model::kNone ? kUnknownTenant : partner_number(policies, tenant);
    if (partner != kUncounted)
      partner_counter(shard, partner, outcome).fetch_add(1, std::memory_order_relaxed);
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
  // Partner units refused by a reload or a put_policy / rollback (they do
  // not compile, or are too large): the partner keeps its previous revision.
  void count_units_refused(std::uint64_t units) {
    units_refused_.fetch_add(units, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t units_refused() const {
    return units_refused_.load(std::memory_order_relaxed);
  }
  // The time to answer one request line of op `op`.
  void record_latency(json::RequestOp op, std::uint64_t nanoseconds) {
    Shard& shard = local();
    const std::size_t at = latency_op(op);
    shard.latency[at].record(nanoseconds);
    shard.latency_sum_ns[at].fetch_add(nanoseconds, std::memory_order_relaxed);
  }

  [[nodiscard]] std::uint64_t requests() const;
  [[nodiscard]] std::uint64_t decisions(bool allow) const;
  [[nodiscard]] std::uint64_t errors(std::string_view code) const;
  [[nodiscard]] std::int64_t connections() const {
    return connections_current_.load(std::memory_order_relaxed);
  }
  // The q-quantile of the recorded latencies over every op and shard, in
  // nanoseconds.
  [[nodiscard]] std::uint64_t latency_quantile(double q) const;
  // The same for one op.
  [[nodiscard]] std::uint64_t latency_quantile(json::RequestOp op, double q) const;

  // Gives a number to every partner of `policies` not numbered yet, so the
  // global view lists partners that have not decided yet (cold: a lock).
  void know_partners(const compile::CompiledPolicySet& policies);
  // The decisions of the partner `tenant` (by name: allow, deny,
  // invalid_request); zeros for a partner never counted.
  [[nodiscard]] PartnerCounts partner(std::string_view tenant) const;
  // The decisions of requests naming a tenant not served.
  [[nodiscard]] PartnerCounts unknown_tenant() const;
  struct Partner {
    std::string tenant;
    PartnerCounts counts{};
  };
  // Every partner numbered so far (partners removed since included), by name.
  [[nodiscard]] std::vector<Partner> partners() const;

  // The members of the global `stats` response: `"requests":N,...`, every
  // partner's decisions included.
  void write_json(json::ObjectWriter& object) const;
  // The members of a partner admin's `stats` response: its decisions only
  // (`"decisions":{"allow":N,"deny":N,"invalid_request":N}`).
  void write_partner_json(json::ObjectWriter& object, std::string_view tenant) const;

  // Every counter at once, for the Prometheus scrape (server/metrics_text).
  struct OpLatency {
    LatencyHistogram::Counts counts{};
    std::uint64_t sum_ns = 0;
  };
  struct Snapshot {
    std::uint64_t requests = 0;
    std::uint64_t allow = 0;
    std::uint64_t deny = 0;
    std::array<std::uint64_t, kErrorCounters> errors{};
    std::int64_t connections = 0;
    std::uint64_t connections_total = 0;
    std::uint64_t reloads_ok = 0;
    std::uint64_t reloads_failed = 0;
    std::uint64_t units_refused = 0;
    std::uint64_t failed_hellos = 0;
    std::vector<OpLatency> latency;  // kLatencyOps, in kLatencyOpNames' order (8 KiB each)
    std::vector<Partner> partners;   // by name
    PartnerCounts unknown_tenant{};
  };
  [[nodiscard]] Snapshot snapshot() const;

  static constexpr std::size_t kShards = 16;
  // Partner numbers: 0 is "unknown tenant"; a chunk holds kChunkPartners
  // numbers; past kMaxChunks chunks (65,535 partner names in the life of
  // the server), a new name's decisions are counted in the totals only.
  static constexpr std::size_t kChunkPartners = 256;
  static constexpr std::size_t kMaxChunks = 256;

 private:
  static constexpr std::uint32_t kUnknownTenant = 0;
  static constexpr std::uint32_t kUncounted = UINT32_MAX;
  struct alignas(64) PartnerChunk {
    std::array<std::atomic<std::uint64_t>, kChunkPartners * kDecisionOutcomes> counts{};
  };
  struct alignas(64) Shard {
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> allow{0};
    std::atomic<std::uint64_t> deny{0};
    std::array<std::atomic<std::uint64_t>, kErrorCounters> errors{};
    std::array<std::atomic<std::uint64_t>, kLatencyOps> latency_sum_ns{};
    // Null until a partner of the chunk decides on this shard; owned (the
    // Stats destructor frees them).
    std::array<std::atomic<PartnerChunk*>, kMaxChunks> partners{};
    std::array<LatencyHistogram, kLatencyOps> latency;
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

  // The partner number of tenant index `tenant` of `policies`: from the
  // thread's table for that tenant list, built (under the lock) on a miss.
  std::uint32_t partner_number(const compile::CompiledPolicySet& policies, model::Index tenant) {
    const detail::PartnerTable& table = detail::partner_table;
    if (table.owner == serial_ && table.key == policies.directory().get() && tenant < table.size)
        [[likely]]
      return table.numbers[tenant];
    return partner_number_slow(policies, tenant);
  }
  std::uint32_t partner_number_slow(const compile::CompiledPolicySet& policies,
                                    model::Index tenant);
  // The number of `name`, given one if it has none (mutex_ held).
  std::uint32_t number_locked(std::string_view name);
  static std::atomic<std::uint64_t>& partner_counter(Shard& shard, std::uint32_t partner,
                                                     DecisionOutcome outcome) {
    std::atomic<PartnerChunk*>& slot = shard.partners[partner / kChunkPartners];
    PartnerChunk* chunk = slot.load(std::memory_order_acquire);
    if (chunk == nullptr) [[unlikely]]
      chunk = add_chunk(slot);
    return chunk->counts[(partner % kChunkPartners) * kDecisionOutcomes +
                         static_cast<std::size_t>(outcome)];
  }
  static PartnerChunk* add_chunk(std::atomic<PartnerChunk*>& slot);
  // Partner `partner`'s counts over every shard (lock-free).
  [[nodiscard]] PartnerCounts counts_of(std::uint32_t partner) const;
  [[nodiscard]] LatencyHistogram::Counts latency_counts() const;

  // Tells this Stats apart from one that used to live at the same address
  // (the thread-local tables are keyed by it).
  const std::uint64_t serial_;
  std::unique_ptr<Shard[]> shards_;
  mutable std::mutex mutex_;        // names_ and numbers_
  std::vector<std::string> names_;  // partner number - 1 → name
  std::map<std::string, std::uint32_t, std::less<>> numbers_;
  std::atomic<std::int64_t> connections_current_{0};
  std::atomic<std::uint64_t> connections_total_{0};
  std::atomic<std::uint64_t> reloads_ok_{0};
  std::atomic<std::uint64_t> reloads_failed_{0};
  std::atomic<std::uint64_t> units_refused_{0};
  std::atomic<std::uint64_t> failed_hellos_{0};
};

}  // namespace tenet::server
