// The resolved, typed model of a policy set: what the checker produces and
// the compiler consumes.
//
// Every name is interned to a small integer (Symbol); every reference is
// resolved to an index (role, feature, resource type, attribute slot, enum
// member); every expression is type-checked and stored as nodes in one
// contiguous vector, linked by 32-bit indices. Templates are gone: each
// tenant holds its fully merged body (docs/LANGUAGE.md §4). The model keeps the
// SourceSet so later stages can quote source text (the `unmet` conditions of
// §7.3 are the source text of each top-level `&&` conjunct, i.e. the
// spans of the operands of the top And nodes).
//
// Included by engine/checker/checker.hpp (which builds it) and by the compiler and
// the CLI (which read it). Built once by the checker, then immutable and
// shared across threads as `std::shared_ptr<const PolicySet>`.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "grammar/source/source.hpp"

namespace tenet::model {

using Symbol = std::uint32_t;  // an interned string (Interner::name)
using Index = std::uint32_t;   // a position in one of the model's vectors
inline constexpr Index kNone = std::numeric_limits<Index>::max();

// Owns every name and string literal of the policy set; equal strings get
// equal symbols. Symbols are dense (0, 1, 2...) in order of first interning.
//
// An interner may extend a base (one partner's unit checked on its own
// extends the platform's names, docs/UNITS.md): the base's symbols keep
// their numbers, new names are numbered after them, and the base is never
// written. The base must outlive it (PolicySet::base owns it).
class Interner {
 public:
  Interner() = default;
  explicit Interner(const Interner* base) : base_(base), base_size_(base ? base->size() : 0) {}
  Interner(const Interner&) = delete;
  Interner& operator=(const Interner&) = delete;

  Symbol intern(std::string_view text);
  [[nodiscard]] std::optional<Symbol> find(std::string_view text) const;
  [[nodiscard]] std::string_view name(Symbol symbol) const {
    return symbol < base_size_ ? base_->name(symbol) : strings_.at(symbol - base_size_);
  }
  [[nodiscard]] std::size_t size() const { return base_size_ + strings_.size(); }

 private:
  const Interner* base_ = nullptr;
  std::size_t base_size_ = 0;
  std::deque<std::string> strings_;  // a deque never moves its elements: the views below stay valid
  std::unordered_map<std::string_view, Symbol> index_;
};

// ---------------------------------------------------------------- schema

enum class AttributeKind : std::uint8_t { Bool, Int, String, Enum, SetOfString, SetOfInt };

struct AttributeType {
  AttributeKind kind = AttributeKind::Bool;
  Index enum_index = kNone;  // Enum: into Schema::enums
};

// A string enum `"a" | "b"`. Enums are interned structurally: two attributes
// declared with the same members in the same order share one EnumType, and
// only those compare with each other. At evaluation an enum value is the
// index of its member.
struct EnumType {
  std::vector<Symbol> members;
};

struct Attribute {
  Symbol name = 0;
  AttributeType type;
  bool optional = false;
  // Principal and context: the position in their vector. Resource: one slot
  // per distinct attribute *name* over all resource types (Schema::
  // resource_slots), so an expression over several types reads one slot.
  Index slot = kNone;
  Symbol column = 0;  // section 10; the attribute's name unless @column
  // @sensitive (LANGUAGE.md section 3): decisions read the value as any
  // other, but it is never written to the decision log or any other log.
  bool sensitive = false;
  Span span;
};

struct ResourceType {
  Symbol name = 0;
  std::vector<Attribute> attributes;  // in declaration order, merged over schema blocks
  bool mapped = false;                // has @table
  Symbol table = 0;                   // mapped only
  Symbol tenant_column = 0;           // `provider_id` unless @tenant_column
  Span span;                          // the first declaration

  [[nodiscard]] const Attribute* find(Symbol attribute) const;
};

class ActionSlots;  // engine/model/action_slots.hpp

struct Schema {
  std::vector<Attribute> principal;
  std::vector<Attribute> context;
  std::vector<ResourceType> resources;  // in order of first declaration
  // The actions the schema declares per type (`actions ... on`), numbered;
  // never null once checked. Shared: copying a schema (a partner's unit
  // checked on its own) does not copy them.
  std::shared_ptr<const ActionSlots> actions;
  std::vector<EnumType> enums;
  std::vector<Symbol> resource_slots;  // slot → attribute name

  [[nodiscard]] const Attribute* find_principal(Symbol name) const;
  [[nodiscard]] const Attribute* find_context(Symbol name) const;
  [[nodiscard]] Index find_resource_type(Symbol name) const;  // kNone if undeclared
};

// ---------------------------------------------------------------- expressions

enum class Op : std::uint8_t {
  BoolConst,    // value
  IntConst,     // value
  StringConst,  // symbol
  EnumConst,    // a string literal resolved against an enum: ref = member, symbol = text
  RoleConst,    // a string literal compared with principal.role: ref = role, symbol = text
  List,         // lhs = first item node, rhs = item count; items are consecutive nodes
  Attribute,    // entity, builtin; ref = slot (schema attributes), symbol = name
  Has,          // entity, builtin; ref = slot, symbol = name
  Enabled,      // ref = feature index of the tenant, symbol = name
  Not,          // lhs
  And,          // lhs, rhs
  Or,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  InList,    // lhs in rhs (a List node)
  InSet,     // lhs in rhs (a set attribute)
  Contains,  // lhs (a set attribute) contains rhs
};

enum class Entity : std::uint8_t { Principal, Resource, Context };

enum class Builtin : std::uint8_t { None, Id, Tenant, Role, Type, State };

// The static type of an expression node.
enum class ExprType : std::uint8_t { Error, Bool, Int, String, Enum, SetOfString, SetOfInt, List };

struct StaticType {
  ExprType kind = ExprType::Error;
  ExprType element = ExprType::Error;  // List: the items' kind (Error for `[]`)
  Index enum_index = kNone;            // Enum, or a List of Enum

  friend bool operator==(const StaticType&, const StaticType&) = default;
};

struct Node {
  Op op = Op::BoolConst;
  Entity entity = Entity::Principal;
  Builtin builtin = Builtin::None;
  StaticType type;
  Index lhs = kNone;
  Index rhs = kNone;
  Index ref = kNone;
  Symbol symbol = kNone;
  std::int64_t value = 0;
  Span span;
};
static_assert(std::is_trivially_copyable_v<Node>);

using ExprId = Index;  // a node of its Tenant::nodes; kNone: no condition

// ---------------------------------------------------------------- tenants
//
// Spans: a role's or feature's is its name; a transition's, plan's, edge's,
// rule's and lifecycle's is the whole declaration (its line gives the default
// id). Ids are unique within a tenant over transitions, plans, edges and rules.

// `for` / `by`: either every role, or the listed roles (and, through
// inheritance, every role that is one of them: see Role::is_a).
struct RoleList {
  bool all = true;
  std::vector<Index> roles;
};

struct Role {
  Symbol name = 0;
  std::vector<Index> parents;
  // Bit r of is_a_bits: this role is r or inherits from r, transitively
  // (always set for itself); one bit per role of the tenant.
  std::vector<std::uint64_t> is_a_bits;
  Span span;

  [[nodiscard]] bool is_a(Index ancestor) const {
    const std::size_t word = ancestor / 64;
    return word < is_a_bits.size() && ((is_a_bits[word] >> (ancestor % 64)) & 1U) != 0;
  }
};

struct Transition {
  std::string id;  // @id, else FILE:LINE
  Index from = kNone;
  Index to = kNone;
  ExprId condition = kNone;
  Span span;
};

struct Feature {
  Symbol name = 0;
  bool default_on = false;
  RoleList roles;
  ExprId condition = kNone;
  std::vector<Index> depends_on;  // features named by enabled() in the condition
  Span span;
};

struct Plan {
  std::string id;
  Symbol name = 0;
  RoleList roles;
  ExprId condition = kNone;
  std::vector<Index> required_features;
  Span span;
};

struct Edge {
  std::string id;
  std::vector<Index> from;  // state indices of the lifecycle
  Index to = kNone;
  RoleList roles;  // `by`
  ExprId condition = kNone;
  Span span;
};

struct Lifecycle {
  Index resource_type = kNone;
  std::vector<Symbol> states;
  std::vector<Span> state_spans;
  Index initial = kNone;
  std::vector<Edge> edges;
  Span span;

  [[nodiscard]] Index find_state(Symbol name) const;
};

enum class Effect : std::uint8_t { Permit, Forbid };

struct Rule {
  std::string id;
  Effect effect = Effect::Permit;
  bool all_actions = false;
  std::vector<Symbol> actions;
  bool all_types = false;
  std::vector<Index> types;  // resource type indices
  RoleList roles;
  ExprId when = kNone;
  ExprId unless = kNone;
  Span span;
};

struct Tenant {
  Symbol name = 0;
  Span span;
  std::vector<Role> roles;
  std::vector<Transition> transitions;
  std::vector<Feature> features;
  std::vector<Index> feature_order;  // every feature after those its condition enables()
  std::vector<Plan> plans;           // declaration order (section 5.4)
  std::vector<Lifecycle> lifecycles;
  std::vector<Index> lifecycle_of;  // per resource type: index into lifecycles, or kNone
  // The actions a request may name per resource type in this tenant: the
  // schema's, then those its templates and its own body declare. The
  // schema's own table (the same pointer) when the tenant declares none.
  // `*` in a rule means these.
  std::shared_ptr<const ActionSlots> actions;
  std::vector<Rule> rules;
  // Every expression of the tenant (its templates' included), linked by
  // index: a tenant's nodes are its own, so it can be checked, compiled and
  // replaced without the others (docs/UNITS.md).
  std::vector<Node> nodes;
  // Role name → index into roles, kept by add_role: a tenant may declare
  // thousands of roles, and every role named in its rules is looked up.
  std::unordered_map<Symbol, Index> role_index;

  // Appends `role` (whose name is not yet declared) and indexes it.
  Index add_role(Role role);
  [[nodiscard]] Index find_role(Symbol name) const;
  [[nodiscard]] Index find_feature(Symbol name) const;
  [[nodiscard]] Index find_plan(Symbol name) const;
  // Does a principal with role `role` match `list`?
  [[nodiscard]] bool matches(Index role, const RoleList& list) const;
};

// A whole policy set as checked from its files; or, for one partner's unit
// checked on its own (docs/UNITS.md), that one tenant over `base`, the set
// its platform part came from: `names` and `sources` then extend the
// base's, and `schema` is a copy of the base's.
struct PolicySet {
  PolicySet() = default;
  explicit PolicySet(std::shared_ptr<const PolicySet> base_set)
      : base(std::move(base_set)), names(&base->names), schema(base->schema) {}

  std::shared_ptr<const PolicySet> base;  // declared first: outlives `names`
  std::shared_ptr<const SourceSet> sources;
  Interner names;
  Schema schema;
  std::vector<Tenant> tenants;  // in declaration order

  [[nodiscard]] const Tenant* find_tenant(std::string_view name) const;
  [[nodiscard]] std::string_view name(Symbol symbol) const { return names.name(symbol); }
};

// The top-level `&&` conjuncts of a condition, left to right: what `unmet`
// lists (docs/LANGUAGE.md §7.3). A parenthesised `(a && b)` below the root is one
// conjunct, as written; the root itself is always split.
[[nodiscard]] std::vector<ExprId> conjuncts(const Tenant& tenant, ExprId condition);

// The source text of an expression of `tenant`, e.g. `principal.kyc == "verified"`.
[[nodiscard]] std::string_view source_text(const PolicySet& policy_set, const Tenant& tenant,
                                           ExprId expr);

// A readable name of a static type: `int`, `set<string>`, `"a" | "b"`, `list of int`.
[[nodiscard]] std::string type_name(const StaticType& type, const Schema& schema,
                                    const Interner& names);

// A deterministic text dump of the whole model (schema, then every tenant);
// tests compare it and `tenet tree` builds on it.
[[nodiscard]] std::string dump(const PolicySet& policy_set);
[[nodiscard]] std::string dump_tenant(const PolicySet& policy_set, const Tenant& tenant);

}  // namespace tenet::model
