// One I/O thread's side of the decision log: gives each decision its
// decision_id (written into the response) and, when the decision is
// sampled, writes its record (docs/DECISION_LOG.md, "The record") and
// queues it on the log.
//
// The record is written from the request in engine form, attribute by
// attribute of the schema, so an attribute marked @sensitive is never
// copied — it is named in `withheld` instead — and an attribute the
// schema does not declare (which no rule can read) is not written either.
// Per compiled set the recorder keeps what it needs by slot (attribute
// names, which are sensitive, each partner's sampling rates, the platform
// part's revision and hash), built the first time the thread meets the set:
// a warm record is written into a reused buffer with no allocation and no
// name lookup.
//
// One per I/O thread (server/protocol's Scratch); not thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/json/line_handler.hpp"  // the engine's JSON and compiled forms
#include "server/decision_id.hpp"
#include "server/decision_log/decision_logging.hpp"
#include "server/decision_log/record_buffer.hpp"

namespace tenet::server::decision_log {

class DecisionRecorder {
 public:
  DecisionRecorder();

  // `out` ends with the response to `request` (a decision op the engine
  // answered: `decision`): adds `"decision_id":"…"` as its last member and,
  // when sampled, queues the record. False when the log refused the record
  // (`--decision-log-overflow drop` with a full queue, or the log stopped).
  // `now`: when the decision was answered (its id's time comes from it);
  // `latency_ns`: how long it took.
  bool record(DecisionLogging& logging,
              const std::shared_ptr<const compile::CompiledPolicySet>& policies,
              const json::ParsedRequest& request, const eval::Decision& decision,
              std::chrono::steady_clock::time_point now, std::uint64_t latency_ns,
              std::string& out);

  // The record of the last record() that was sampled (tests).
  [[nodiscard]] std::string_view last_record() const { return record_.view(); }

 private:
  struct Field {
    std::string_view name;
    std::string key;  // `,"name":`, written as is
    model::Index slot = model::kNone;
    bool sensitive = false;
  };
  // What the recorder needs of one compiled set.
  struct SetView {
    std::weak_ptr<const compile::CompiledPolicySet> set;
    const compile::CompiledPolicySet* raw = nullptr;
    std::vector<Field> principal;
    std::vector<Field> context;
    std::vector<std::vector<Field>> resources;  // by resource type
    std::vector<Rates> rates;                   // by tenant index
    Rates unknown_tenant;
    // `,"platform_revision":N,"platform_hash":"…"` (what is known of it).
    std::string platform_members;
  };

  const SetView& view_of(DecisionLogging& logging,
                         const std::shared_ptr<const compile::CompiledPolicySet>& policies);
  [[nodiscard]] bool sampled(double rate);
  // The Unix time in ms at `now`, from the steady clock the caller read and
  // an offset to the system clock taken again every second: one clock read
  // per decision instead of two (in a VM a clock read costs tens of ns).
  // Never goes back for this thread.
  [[nodiscard]] std::uint64_t unix_ms(std::chrono::steady_clock::time_point now);
  // The next id of this thread: a counter value from its reserved block.
  std::uint64_t next_counter(DecisionIds& ids);
  void write_record(const SetView& view, const json::ParsedRequest& request,
                    const eval::RequestBase& base, const eval::Decision& decision,
                    std::string_view id, double rate, std::uint64_t latency_ns);
  // The record's first members for one millisecond (header_).
  void write_header(std::uint64_t unix_ms, std::uint16_t replica);
  void write_attributes(std::string_view opening, std::string_view path,
                        const std::vector<Field>& fields, eval::Attributes values);
  // Whether an invalid_request message is about a @sensitive attribute.
  [[nodiscard]] static bool names_withheld(const SetView& view, std::string_view message);

  SetView view_;
  RecordBuffer record_;
  std::vector<std::string_view> withheld_paths_;  // entity prefix of each withheld name
  std::vector<std::string_view> withheld_names_;
  std::uint64_t random_state_;
  std::chrono::steady_clock::time_point resync_at_{};
  std::chrono::nanoseconds wall_offset_{0};  // system clock − steady clock
  std::uint64_t last_ms_ = 0;
  std::uint64_t counter_next_ = 0;
  std::uint64_t counter_left_ = 0;
  // What every record of one millisecond starts with — `{"decision_id":"`,
  // the id's first 13 characters, then (from header_tail_at_)
  // `","time":"…Z","replica":N` — written once per millisecond.
  static constexpr std::size_t kHeaderIdAt = 16;
  std::string header_;
  std::size_t header_tail_at_ = 0;
  std::uint64_t header_ms_ = ~std::uint64_t{0};
  std::uint16_t header_replica_ = 0;
};

}  // namespace tenet::server::decision_log
