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
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/compile/compiled.hpp"
#include "engine/eval/decision.hpp"
#include "engine/json/request_parser.hpp"
#include "server/decision_log/decision_logging.hpp"

namespace tenet::server::decision_log {

class DecisionRecorder {
 public:
  DecisionRecorder();

  // `out` ends with the response to `request` (a decision op the engine
  // answered: `decision`): adds `"decision_id":"…"` as its last member and,
  // when sampled, queues the record. False when the log refused the record
  // (`--decision-log-overflow drop` with a full queue, or the log stopped).
  bool record(DecisionLogging& logging,
              const std::shared_ptr<const compile::CompiledPolicySet>& policies,
              const json::ParsedRequest& request, const eval::Decision& decision,
              std::uint64_t latency_ns, std::string& out);

  // The record of the last record() that was sampled (tests).
  [[nodiscard]] std::string_view last_record() const { return record_; }

 private:
  struct Field {
    std::string_view name;
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
    PlatformInfo platform;
  };

  const SetView& view_of(DecisionLogging& logging,
                         const std::shared_ptr<const compile::CompiledPolicySet>& policies);
  [[nodiscard]] bool sampled(double rate);
  void write_record(const SetView& view, const json::ParsedRequest& request,
                    const eval::Decision& decision, std::string_view id, std::uint64_t unix_ms,
                    std::uint16_t replica, double rate, std::uint64_t latency_ns);
  void write_time(std::uint64_t unix_ms);
  void write_attributes(std::string_view key, std::string_view path,
                        const std::vector<Field>& fields, eval::Attributes values);
  // Whether an invalid_request message is about a @sensitive attribute.
  [[nodiscard]] static bool names_withheld(const SetView& view, std::string_view message);

  SetView view_;
  std::string record_;
  std::vector<std::string_view> withheld_paths_;  // entity prefix of each withheld name
  std::vector<std::string_view> withheld_names_;
  std::uint64_t random_state_;
  std::int64_t time_second_ = -1;
  std::array<char, 19> second_text_{};  // `2026-12-07T08:12:46`
};

}  // namespace tenet::server::decision_log
