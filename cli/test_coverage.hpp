// What the tests of a policy set reached (`tenet test --coverage`,
// docs/LANGUAGE.md §10.2).
//
// The unit of coverage is a declaration in the source — a rule, transition,
// plan, lifecycle edge or feature — as a line of code is for a program: a
// template rule is one declaration however many partners inherit it, and it
// is reached when a test reaches it in any of them (the per-partner counts
// are kept beside). What a test reached comes from the explain trace of its
// request (docs/PROTOCOL.md, `"explain": true`): every rule the engine
// looked at, with its outcome. So coverage counts exactly what the engine
// evaluated, with no second model of the semantics to drift from it.
//
// Besides the declarations: check's cells, one per partner × role × action
// declared for a resource type, and which of them a `check` expectation
// exercised.
//
// Used by cli/policy_tests.cpp (records) and cli/coverage_report.cpp
// (renders). No shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/engine.hpp"

namespace tenet::cli {

enum class CoverageKind : std::uint8_t { Forbid, Permit, Transition, Plan, Edge, Feature };
inline constexpr std::size_t kCoverageKinds = 6;

[[nodiscard]] std::string_view kind_name(CoverageKind kind);  // "forbid", ..., "edge", "feature"

// How often a declaration was evaluated, by outcome.
struct Outcomes {
  std::uint64_t matched = 0;
  std::uint64_t not_matched = 0;
  std::uint64_t error = 0;  // could not be evaluated (a missing attribute)

  [[nodiscard]] std::uint64_t evaluated() const { return matched + not_matched + error; }
  [[nodiscard]] bool reached() const { return evaluated() > 0; }
  // Its condition was seen true and false. An error is neither.
  [[nodiscard]] bool both_ways() const { return matched > 0 && not_matched > 0; }
  void add(const Outcomes& other) {
    matched += other.matched;
    not_matched += other.not_matched;
    error += other.error;
  }
};

// One partner's instance of a declaration (a template rule has one per
// partner that inherits it and does not override it).
struct PartnerInstance {
  std::string tenant;
  std::string id;  // as reasons and traces name it: TENANT:ID
  Outcomes outcomes;
};

struct CoveredDeclaration {
  CoverageKind kind = CoverageKind::Permit;
  std::string file;  // relative to the policy directory
  std::uint32_t line = 0;
  std::uint32_t end_line = 0;  // the declaration's last line
  std::uint32_t column = 0;
  std::string id;  // as written: @id, the default FILE:LINE, or the feature's name
  std::vector<PartnerInstance> partners;

  [[nodiscard]] Outcomes outcomes() const;
};

// A cell of check: a role of a partner asking for an action on a type.
struct Cell {
  std::string role;
  std::string action;
  std::string type;
};

// Cells listed by name per partner, at most: a partner may have thousands of
// roles × thousands of declared pairs, which are counted, not all listed.
inline constexpr std::size_t kMaxListedCells = 1000;

struct PartnerCells {
  std::string tenant;
  std::uint64_t total = 0;          // roles × declared (action, type) pairs
  std::vector<Cell> exercised;      // every one (a test expectation each, at least)
  std::vector<Cell> not_exercised;  // the first kMaxListedCells
};

struct KindSummary {
  std::uint64_t total = 0;
  std::uint64_t reached = 0;
  std::uint64_t both_ways = 0;
};

struct CoverageReport {
  std::vector<CoveredDeclaration> declarations;  // by file, then line, then column
  std::vector<PartnerCells> cells;               // partners in declaration order
  KindSummary all;
  KindSummary by_kind[kCoverageKinds];
  std::uint64_t cells_total = 0;
  std::uint64_t cells_exercised = 0;

  // Declarations reached, in percent (100 for a set without any).
  [[nodiscard]] double percent() const;
};

class TestCoverage {
 public:
  // Every declaration and cell of `policies` starts at zero. `policies`
  // must outlive this object.
  explicit TestCoverage(const CompiledPolicySet& policies);

  // One entry of a response's `trace`. Entries naming nothing the set
  // declares are counted in unknown_entries() (a test asserts none).
  void record_trace(std::string_view kind, std::string_view rule, std::string_view outcome);
  // A `check` that the engine decided (no request error).
  void record_check(std::string_view tenant, std::string_view role, std::string_view action,
                    std::string_view type);

  [[nodiscard]] std::uint64_t unknown_entries() const { return unknown_entries_; }
  [[nodiscard]] CoverageReport report() const;

 private:
  struct Instance {
    std::size_t declaration = 0;
    std::size_t partner = 0;  // in declarations_[declaration].partners
  };

  void add(CoverageKind kind, std::string_view tenant, std::string_view full_id,
           std::string_view local_id, const Span& span, const SourceSet& sources);

  const CompiledPolicySet& policies_;
  std::vector<CoveredDeclaration> declarations_;
  std::unordered_map<std::string, std::size_t> declaration_index_;  // FILE\0OFFSET
  std::unordered_map<std::string, Instance> instances_;             // KIND\0TENANT:ID
  std::vector<std::vector<bool>> exercised_;  // per tenant, by compile::Tenant::dense_index
  std::uint64_t unknown_entries_ = 0;
};

}  // namespace tenet::cli
