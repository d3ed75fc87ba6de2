// The data layout of a compiled policy set: flat, index-linked records that
// the evaluator walks without allocating.
//
// Included by engine/compile/compiled.hpp and read by engine/compile/compiler.cpp
// (which fills it), engine/eval/evaluator.cpp and the `tenet tree` dump.
// Built once, then immutable: the runtime feature switches live beside each
// tenant (engine/compile/feature_switches.hpp).
//
// Design: the set is a Platform (what the schema gives: resource types,
// request tables, messages) plus one Tenant per partner, each built on its
// own and shared by pointer (docs/UNITS.md): a new version of the set that
// changes one partner recompiles that partner only and shares every other
// Tenant with the old version. So a Tenant owns everything it reads: its
// conditions are a range of `Node`s in its own array (its model nodes,
// translated 1:1, so a model ExprId is a compiled node index), with literals
// as views into its model's interner and attribute reads resolved to slots;
// every string a response needs (rule ids `TENANT:ID`, unmet texts, trace
// locations) is built here once, so a decision only copies string_views.
// Check's candidates come from a table keyed by (local action, resource
// type, principal role): role inheritance is folded into the table at
// compile time, so a request looks at exactly the rules that apply. The table
// is sparse (engine/compile/cell_table.hpp): it holds only the cells some
// rule reaches, so its size follows the rules, not actions × types × roles;
// when a dense array would cost at most a few times as much, the tenant
// keeps that instead (Tenant::dense_cells), never both.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "engine/compile/cell_index.hpp"
#include "engine/compile/cell_table.hpp"
#include "engine/compile/feature_switches.hpp"
#include "engine/compile/name_table.hpp"
#include "engine/compile/request_tables.hpp"
#include "engine/model/model.hpp"

namespace tenet::compile {

using model::Index;
using model::kNone;

enum class Op : std::uint8_t {
  True,
  False,
  Int,     // value
  String,  // text
  Enum,    // ref = member, text
  Role,    // ref = role, text
  List,    // lhs = first item, rhs = item count (items are consecutive nodes)
  // Attribute reads: ref = slot.
  PrincipalAttr,
  ResourceAttr,
  ContextAttr,
  // Built-in attributes: always present, except resource.state.
  PrincipalId,
  PrincipalTenant,
  PrincipalRole,
  ResourceType,
  ResourceId,
  ResourceTenant,
  ResourceState,
  // `has`: ref = slot; HasBuiltin is always true, HasState tests resource.state.
  HasPrincipal,
  HasResource,
  HasContext,
  HasBuiltin,
  HasState,
  Enabled,  // ref = feature of the tenant
  Not,      // lhs
  And,      // lhs, rhs
  Or,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  InList,    // lhs in rhs (a List node)
  InSet,     // lhs in rhs (a set)
  Contains,  // lhs (a set) contains rhs
};

struct Node {
  Op op = Op::False;
  Index lhs = kNone;
  Index rhs = kNone;
  Index ref = kNone;
  std::int64_t value = 0;
  std::string_view text;
};
static_assert(std::is_trivially_copyable_v<Node>);

// A half-open range [begin, begin + count) of some index vector.
struct Range {
  Index begin = 0;
  Index count = 0;
};

// A top-level `&&` conjunct of a transition, plan or edge condition: what
// `unmet` quotes when it is false or in error.
struct Conjunct {
  Index node = kNone;
  std::string_view text;
};

// Role sets are bitsets over the tenant's roles (inheritance folded in):
// `roles` is an offset into Tenant::role_bits, kNone for "every role".
using RoleSet = Index;

struct Rule {
  std::string_view id;        // TENANT:ID
  std::string_view location;  // FILE:LINE:COL
  bool forbid = false;
  Index when = kNone;
  Index unless = kNone;
};

struct Transition {
  std::string_view id;
  std::string_view location;
  Index from = kNone;
  Index to = kNone;
  Index condition = kNone;
  Range unmet;  // into Tenant::conjuncts
};

struct Feature {
  std::string_view name;
  std::string_view trace_id;  // TENANT:NAME, for explain traces of `features`
  std::string_view location;
  bool default_on = false;
  RoleSet roles = kNone;
  Index condition = kNone;
};

struct Plan {
  std::string_view name;
  std::string_view id;
  std::string_view location;
  RoleSet roles = kNone;
  std::string_view for_text;  // `for basic, company`; empty when every role
  Index condition = kNone;
  Range unmet;     // into Tenant::conjuncts
  Range required;  // into Tenant::required_features
};

struct RequiredFeature {
  Index feature = kNone;
  std::string_view text;  // `requires feature X`
};

struct Edge {
  std::string_view id;
  std::string_view location;
  RoleSet roles = kNone;
  std::string_view by_text;  // `by basic`; empty when every role
  Index condition = kNone;
  Range unmet;
};

inline constexpr Range kNoEdges{};

struct Lifecycle {
  Index resource_type = kNone;
  std::vector<std::string_view> states;
  Index initial = kNone;
  std::vector<Edge> edges;             // declaration order
  CellTable<Range> cells;              // (from, to, 0) → range of edge_candidates
  std::vector<Index> edge_candidates;  // edge indices
  std::string_view bad_state_message;  // "resource.state is not one of ..."

  [[nodiscard]] const Range& cell(Index from, Index to) const {
    return cells.find(from, to, 0, kNoEdges);
  }
};

// check's candidate rules for one (local action, type, role).
// One entry of a rule cell: the rule's conditions beside its index, so a
// rule whose condition is false is decided without loading the Rule itself.
struct Candidate {
  Index rule = kNone;
  Index when = kNone;
  Index unless = kNone;
};

struct RuleCell {
  Range forbids;  // into Tenant::candidates, declaration order
  Range permits;
};

// What a cell no rule reaches holds: no candidates.
inline constexpr RuleCell kNoRules{};
inline constexpr Range kNoTransitions{};

// check's action table (engine/model/action_slots.hpp, compiled): action
// name → local action, the names, and which (action, type) pairs are
// declared — check answers invalid_request for any other. Built once for
// the schema and shared by every tenant that declares no action of its own.
struct ActionTable {
  Index count = 1;  // local actions, slot 0 (undeclared) included
  Index type_count = 0;
  NameTable index;                      // declared name → local action
  std::vector<std::string_view> names;  // [local action]; [0] empty
  // Dense [action * type_count + type] when that is small against the
  // pairs (the usual policy), else the sorted keys (action << 32 | type).
  std::vector<std::uint8_t> dense;
  std::vector<std::uint64_t> sparse;

  [[nodiscard]] bool declares(Index action, Index type) const {
    if (action == 0 || action >= count || type >= type_count) return false;
    if (!dense.empty()) return dense[static_cast<std::size_t>(action) * type_count + type] != 0;
    return std::binary_search(sparse.begin(), sparse.end(), std::uint64_t{action} << 32 | type);
  }
};

struct Tenant {
  // What every check reads first, together at the front (a request to a
  // tenant not in cache pays one miss for all of it). `own_name` is a copy
  // of the name, inline for short names (SSO), for the cross-tenant test.
  std::string own_name;
  // The role names again, inline, when there are at most kInlineRoles of at
  // most 15 bytes each (the usual case): find_role then reads only these
  // lines, which the request parser prefetches as soon as it knows the
  // tenant, instead of a hash table elsewhere in memory.
  struct InlineRoleName {
    std::array<char, 15> text{};
    std::uint8_t length = 0;
  };
  static constexpr std::size_t kInlineRoles = 8;
  std::array<InlineRoleName, kInlineRoles> inline_roles{};
  bool roles_inline = false;
  // Not served: the partner's unit did not compile when the set was loaded
  // (docs/UNITS.md); every request denies with `tenant_unavailable` and
  // `unavailable` as its error. Such a tenant has no roles and no tables.
  bool unavailable = false;
  Index role_count = 0;
  Index type_count = 0;
  Index local_actions = 1;
  // check's cells, in one of two forms, never both. Read them through
  // cell() and for_each_cell(); a reader of the members themselves (the
  // prefetch, engine/eval/check_prefetch.cpp) must test dense_cells first,
  // as those do:
  // - dense_cells, an array [(local action * types + type) * roles + role],
  //   when that is at most a few times the size of the sparse table (the
  //   usual policy: a few actions, types and roles): one multiply-add
  //   instead of a hash probe on the hot path. Empty otherwise.
  // - cells, the sparse table (local action, type, role) of only the cells a
  //   rule reaches, from which the compiler builds dense_cells. Once
  //   dense_cells is built the table is released (reset to a
  //   default-constructed one, which holds no cell): keeping both held
  //   every cell twice for nothing, about 7 KB per partner (7 MB of 104 MB
  //   max RSS for `tenet eval` on the generated 1,000 × 20 set).
  std::vector<RuleCell> dense_cells;
  CellTable<RuleCell> cells;
  std::vector<Candidate> candidates;
  // Sides of cells with many rules testing one attribute against
  // constants, indexed by its value (engine/compile/cell_index.hpp).
  CellIndexes cell_indexes;
  std::vector<Rule> rules;  // declaration order

  std::string_view name;  // into the model's interner
  Index role_words = 0;   // 64-bit words per role set
  std::vector<std::string_view> role_names;
  std::vector<std::uint64_t> role_bits;

  NameTable role_index;
  NameTable plan_index;
  NameTable feature_index;

  std::vector<Transition> transitions;
  CellTable<Range> transition_cells;  // (from, to, 0) → range of transition_candidates
  std::vector<Index> transition_candidates;

  std::vector<Feature> features;  // declaration order; switch i is features[i]'s

  std::vector<Plan> plans;
  std::vector<RequiredFeature> required_features;

  std::vector<Index> lifecycle_of;  // per resource type: into lifecycles, or kNone
  std::vector<Lifecycle> lifecycles;

  std::vector<Conjunct> conjuncts;

  // check's actions: the platform's table (shared) unless the tenant
  // declares actions of its own; never null. The names by local action
  // ([0] empty) are a view into it.
  std::shared_ptr<const ActionTable> actions;
  std::span<const std::string_view> action_names;
  // Every condition of the tenant (model node i → nodes[i]).
  std::vector<Node> nodes;
  // The partner unit's revision (docs/UNITS.md), which every decision
  // response carries; 0 when the set is not served by revisions.
  std::uint64_t revision = 0;
  std::string_view unavailable_reason;  // why, when `unavailable`
  // The runtime switches of this tenant's features, beside the immutable
  // tables (feature_switches.hpp): a version of the set that keeps this
  // tenant keeps its switches.
  std::unique_ptr<FeatureSwitches> switches;
  // What the views above point into: the model it was compiled from (names,
  // source text) and the strings built at compile time (a deque never moves
  // its elements).
  std::shared_ptr<const model::PolicySet> model;
  const model::Tenant* model_tenant = nullptr;  // in *model; null when unavailable
  std::deque<std::string> strings;

  std::string_view keep(std::string text) { return strings.emplace_back(std::move(text)); }

  [[nodiscard]] bool has_role(RoleSet set, Index role) const {
    if (set == kNone) return true;
    return ((role_bits[set + role / 64] >> (role % 64)) & 1U) != 0;
  }
  [[nodiscard]] std::size_t dense_index(Index local_action, Index type, Index role) const {
    return (static_cast<std::size_t>(local_action) * type_count + type) * role_count + role;
  }
  [[nodiscard]] const RuleCell& cell(Index local_action, Index type, Index role) const {
    if (!dense_cells.empty()) return dense_cells[dense_index(local_action, type, role)];
    return cells.find(local_action, type, role, kNoRules);
  }
  // Calls visit(local action, type, role, cell) for every cell some rule
  // reaches (one with a candidate: the sparse table holds exactly those), in
  // no particular order, from whichever form holds them. Not for the hot
  // path: over the dense form it walks every cell.
  template <typename Visit>
  void for_each_cell(Visit&& visit) const {
    if (dense_cells.empty()) {
      for (const auto& slot : cells.slots()) {
        if (slot.a != kNone) visit(slot.a, slot.b, slot.c, slot.value);
      }
      return;
    }
    std::size_t at = 0;
    for (Index action = 0; action < local_actions; ++action) {
      for (Index type = 0; type < type_count; ++type) {
        for (Index role = 0; role < role_count; ++role, ++at) {
          const RuleCell& rule_cell = dense_cells[at];
          if (rule_cell.forbids.count + rule_cell.permits.count > 0)
            visit(action, type, role, rule_cell);
        }
      }
    }
  }
  // Does the tenant declare `local_action` (0: none) for `type`?
  [[nodiscard]] bool declares(Index local_action, Index type) const {
    return actions->declares(local_action, type);
  }
  [[nodiscard]] const Range& transition_cell(Index from, Index to) const {
    return transition_cells.find(from, to, 0, kNoTransitions);
  }
};

// What the schema gives every tenant: built once per platform part and
// shared by every version of the set compiled against it.
struct Platform {
  NameTable type_index;
  // The schema's actions, shared by every tenant without actions of its
  // own; `actions_source` is the model table it was built from (a tenant
  // whose model::Tenant::actions is that same table shares it).
  std::shared_ptr<const ActionTable> actions;
  const void* actions_source = nullptr;
  std::vector<std::string_view> type_names;
  // "principal.attrs.kyc is missing" per slot.
  std::vector<std::string_view> principal_missing;
  std::vector<std::string_view> resource_missing;
  std::vector<std::string_view> context_missing;
  // "resource type 'document' has no lifecycle in this tenant", per type.
  std::vector<std::string_view> no_lifecycle_message;
  // What a request line is validated against (engine/compile/request_tables.hpp).
  RequestTables requests;
  // The model whose schema this is (names, sources).
  std::shared_ptr<const model::PolicySet> model;
  // Owns every string built at compile time; a deque never moves its
  // elements, so the views above stay valid.
  std::deque<std::string> strings;

  std::string_view keep(std::string text) { return strings.emplace_back(std::move(text)); }
};

}  // namespace tenet::compile
