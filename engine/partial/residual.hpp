// Residual conditions: what is left of a tenant's rules for one (action,
// resource type, role) once everything but the resource row is known
// (partial evaluation, engine/partial/partial_evaluator.hpp). The filter op answers
// with one; `tenet sql` renders them as PostgreSQL row-level security.
//
// A residual is a small immutable tree of shared nodes. It is TWO-valued:
// the three values of tenet's conditions (true / false / error, evaluated
// left to right with short-circuit, docs/SEMANTICS-NOTES.md) are already
// folded in by the partial evaluator. An error in tenet only ever comes
// from reading an absent value (a NULL column, an unset principal
// setting), so every comparison that reads a value which may be absent
// sits in an `And` beside a `Present` test of that value, e.g.
//   forbid when resource.locked   →   "does not apply" = Present(locked) && !(locked == true)
// which is how a forbid in error still denies. Consequences for renderers:
//   * each node maps to its plain SQL counterpart (AND, OR, NOT, =, IS NOT
//     NULL...): inside the guarding `And` a compared column is never NULL,
//     so SQL's NULL logic never decides anything;
//   * keep the children of an `And` together and in order (the guard
//     comes first).
//
// Terms name resource attributes by their model attribute (so a renderer
// finds the `@column`), and in symbolic mode the principal's id and
// attributes stay symbolic. The principal's role, the tenant and the
// resource type are always known and folded into literals.
//
// Built by engine/partial/partial_evaluator.cpp; read by the filter op (JSON), the
// SQL renderer and the tests. Immutable once built: safe to share between
// threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/eval/request.hpp"
#include "engine/model/model.hpp"

namespace tenet::partial::residual {

using model::Index;
using model::kNone;

// A literal value: request values of a known principal or context, and the
// policies' constants. Enum members are their text. A `List` is a list
// literal (`[..]`) or the value of a set attribute; its items are scalars.
struct Literal {
  enum class Kind : std::uint8_t { Bool, Int, String, List };
  Kind kind = Kind::Bool;
  bool boolean = false;
  std::int64_t integer = 0;
  std::string string;
  std::vector<Literal> items;  // List

  [[nodiscard]] static Literal of_bool(bool b);
  [[nodiscard]] static Literal of_int(std::int64_t i);
  [[nodiscard]] static Literal of_string(std::string_view s);
  friend bool operator==(const Literal&, const Literal&) = default;
};

// A request value as a literal (sets become lists; an absent value gives a
// default Literal, which callers never read: they test for absence first).
[[nodiscard]] Literal literal_of(const eval::Value& value);

enum class TermKind : std::uint8_t {
  Literal,             // literal
  ResourceAttribute,   // a declared attribute of the filtered type (may be absent: NULL)
  ResourceId,          // resource.id: column `id`, always present
  ResourceState,       // resource.state (lifecycle types; may be absent)
  PrincipalId,         // symbolic mode only: the session's principal id (absent when not set)
  PrincipalAttribute,  // symbolic mode only: a principal attribute (may be absent)
};

struct Term {
  TermKind kind = TermKind::Literal;
  Literal literal;  // Literal
  // ResourceAttribute: position in the filtered model::ResourceType::attributes;
  // PrincipalAttribute: position in model::Schema::principal.
  Index attribute = kNone;
  Index slot = kNone;  // the request slot (engine/eval/request.hpp eval::Attributes)
  model::AttributeKind type = model::AttributeKind::Bool;  // declared type (attributes)
  std::string name;          // `owner` (attributes), for JSON and messages
  std::string column;        // ResourceAttribute: the `@column` (default: name)
  Index enum_index = kNone;  // Enum-typed attributes: into Schema::enums
};

enum class Kind : std::uint8_t {
  True,
  False,
  And,      // children, n >= 2, evaluated in order
  Or,       // children, n >= 2
  Not,      // children[0]
  Present,  // operand is given (not absent / not NULL)
  Compare,  // op(lhs, rhs); both sides present whenever reached (see above)
};

enum class CompareOp : std::uint8_t {
  Eq,  // scalars: equal; a set with a List literal: equal as sets
  Ne,
  Lt,  // ints only
  Le,
  Gt,
  Ge,
  In,        // lhs (scalar) is an item of rhs (a List literal or a set term)
  Contains,  // lhs (a set term or List literal) has rhs (scalar) as an item
};

struct Node;
using Expr = std::shared_ptr<const Node>;

struct Node {
  Kind kind = Kind::True;
  std::vector<Expr> children;  // And, Or, Not
  CompareOp op = CompareOp::Eq;
  Term lhs;  // Compare; Present: the operand
  Term rhs;  // Compare
};

// ---- building (constant-folding: And/Or absorb True/False, flatten nested
// And/Or, Not(Not x) = x, Not(True) = False)
[[nodiscard]] Expr always();
[[nodiscard]] Expr never();
[[nodiscard]] Expr all_of(std::vector<Expr> children);  // And
[[nodiscard]] Expr any_of(std::vector<Expr> children);  // Or
[[nodiscard]] Expr negate(Expr child);
[[nodiscard]] Expr present(Term operand);
[[nodiscard]] Expr compare(CompareOp op, Term lhs, Term rhs);

// The number of nodes `e` has written out as a tree (shared nodes counted
// each time they appear), or `limit` + 1 when that is more. Linear in the
// distinct nodes, whatever the written-out size.
[[nodiscard]] std::size_t written_size(const Expr& e, std::size_t limit);

[[nodiscard]] inline bool is_always(const Expr& e) { return e->kind == Kind::True; }
[[nodiscard]] inline bool is_never(const Expr& e) { return e->kind == Kind::False; }

// ---- reading
// The values a residual is evaluated against: a resource row (by request
// slot, engine/eval/request.hpp; Absent = NULL) and, for symbolic residuals, the
// principal that is substituted in.
struct Binding {
  std::string_view resource_id;
  std::string_view resource_state;  // empty: absent
  eval::Attributes resource;
  const eval::Principal* principal = nullptr;  // symbolic terms; null: they are absent
};

// Does the residual hold for this row (and principal)? Exactly the
// semantics a SQL rendering has.
[[nodiscard]] bool holds(const Expr& e, const Binding& binding);

}  // namespace tenet::partial::residual
