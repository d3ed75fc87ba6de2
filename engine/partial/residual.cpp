// Building and evaluating residual conditions (residual.hpp); their text
// and JSON are written by engine/json/residual_writer.cpp.
// Not on a hot path: the filter op builds one tree per request, so plain
// shared_ptr nodes and strings are fine here.
#include "engine/partial/residual.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <unordered_map>
#include <utility>

namespace tenet::partial::residual {
namespace {

Expr make(Node node) { return std::make_shared<const Node>(std::move(node)); }

Expr constant(bool value) {
  // Shared: every `always` is the same node.
  static const Expr kTrue = make(Node{Kind::True, {}, CompareOp::Eq, {}, {}});
  static const Expr kFalse = make(Node{Kind::False, {}, CompareOp::Eq, {}, {}});
  return value ? kTrue : kFalse;
}

Expr junction(Kind kind, std::vector<Expr> children);

bool complements(const Expr& a, const Expr& b) {
  return (a->kind == Kind::Not && a->children.front() == b) ||
         (b->kind == Kind::Not && b->children.front() == a);
}

// (X && c && Y) || (X && !c && Y)  →  X && Y. The partial evaluator makes
// this shape whenever a condition's true and false cases both pass (`forbid
// when A unless B` with B known true gives F(A) || T(A)); the nodes are
// shared, so comparing pointers finds it.
void merge_complements(std::vector<Expr>& alternatives) {
  for (std::size_t i = 0; i < alternatives.size(); ++i) {
    for (std::size_t j = i + 1; j < alternatives.size(); ++j) {
      const Node& a = *alternatives[i];
      const Node& b = *alternatives[j];
      if (a.kind != Kind::And || b.kind != Kind::And || a.children.size() != b.children.size())
        continue;
      std::size_t differ = a.children.size();
      bool mergeable = true;
      for (std::size_t k = 0; k < a.children.size() && mergeable; ++k) {
        if (a.children[k] == b.children[k]) continue;
        if (differ == a.children.size() && complements(a.children[k], b.children[k])) {
          differ = k;
        } else {
          mergeable = false;
        }
      }
      if (!mergeable || differ == a.children.size()) continue;
      std::vector<Expr> rest;
      for (std::size_t k = 0; k < a.children.size(); ++k) {
        if (k != differ) rest.push_back(a.children[k]);
      }
      alternatives[i] = junction(Kind::And, std::move(rest));
      alternatives.erase(alternatives.begin() + static_cast<std::ptrdiff_t>(j));
      j = i;  // look again from i: the merged node may merge further
    }
  }
}

// n-ary And / Or: flattens nested nodes of the same kind, drops the neutral
// constant, and collapses to the absorbing one.
Expr junction(Kind kind, std::vector<Expr> children) {
  const Kind absorbing = kind == Kind::And ? Kind::False : Kind::True;
  const Kind neutral = kind == Kind::And ? Kind::True : Kind::False;
  std::vector<Expr> kept;
  kept.reserve(children.size());
  for (Expr& child : children) {
    if (child->kind == absorbing) return constant(kind == Kind::Or);
    if (child->kind == neutral) continue;
    if (child->kind == kind) {
      kept.insert(kept.end(), child->children.begin(), child->children.end());
    } else {
      kept.push_back(std::move(child));
    }
  }
  if (kind == Kind::Or) merge_complements(kept);
  if (kept.empty()) return constant(kind == Kind::And);
  if (kept.size() == 1) return std::move(kept.front());
  Node node;
  node.kind = kind;
  node.children = std::move(kept);
  return make(std::move(node));
}

// ---------------------------------------------------------------- holds

std::optional<Literal> slot_value(eval::Attributes attributes, Index slot) {
  if (slot >= attributes.size() || attributes[slot].kind == eval::ValueKind::Absent)
    return std::nullopt;
  return literal_of(attributes[slot]);
}

// The value of a term for this binding; nullopt when absent.
std::optional<Literal> value_of(const Term& term, const Binding& b) {
  switch (term.kind) {
    case TermKind::Literal:
      return term.literal;
    case TermKind::ResourceAttribute:
      return slot_value(b.resource, term.slot);
    case TermKind::ResourceId:
      return Literal::of_string(b.resource_id);
    case TermKind::ResourceState:
      if (b.resource_state.empty()) return std::nullopt;
      return Literal::of_string(b.resource_state);
    case TermKind::PrincipalId:
      if (b.principal == nullptr) return std::nullopt;
      return Literal::of_string(b.principal->id);
    case TermKind::PrincipalAttribute:
      if (b.principal == nullptr) return std::nullopt;
      return slot_value(b.principal->attributes, term.slot);
  }
  return std::nullopt;
}

bool list_has(const Literal& list, const Literal& item) {
  return std::find(list.items.begin(), list.items.end(), item) != list.items.end();
}

bool same_items(const Literal& a, const Literal& b) {
  return std::all_of(a.items.begin(), a.items.end(),
                     [&](const Literal& x) { return list_has(b, x); }) &&
         std::all_of(b.items.begin(), b.items.end(),
                     [&](const Literal& x) { return list_has(a, x); });
}

// The same answers as engine/eval/condition_evaluator.cpp gives on present values.
bool compare_values(CompareOp op, const Literal& a, const Literal& b) {
  const bool lists = a.kind == Literal::Kind::List || b.kind == Literal::Kind::List;
  const bool ints = a.kind == Literal::Kind::Int && b.kind == Literal::Kind::Int;
  switch (op) {
    case CompareOp::Eq:
      return lists ? (a.kind == b.kind && same_items(a, b)) : a == b;
    case CompareOp::Ne:
      return lists ? !(a.kind == b.kind && same_items(a, b)) : !(a == b);
    case CompareOp::Lt:
      return ints && a.integer < b.integer;
    case CompareOp::Le:
      return ints && a.integer <= b.integer;
    case CompareOp::Gt:
      return ints && a.integer > b.integer;
    case CompareOp::Ge:
      return ints && a.integer >= b.integer;
    case CompareOp::In:
      return b.kind == Literal::Kind::List && list_has(b, a);
    case CompareOp::Contains:
      return a.kind == Literal::Kind::List && list_has(a, b);
  }
  return false;
}

}  // namespace

Literal literal_of(const eval::Value& v) {
  Literal out;
  switch (v.kind) {
    case eval::ValueKind::Bool:
      return Literal::of_bool(v.boolean);
    case eval::ValueKind::Int:
      return Literal::of_int(v.integer);
    case eval::ValueKind::String:
    case eval::ValueKind::Enum:
      return Literal::of_string(v.string);
    case eval::ValueKind::SetOfString:
      out.kind = Literal::Kind::List;
      for (const std::string_view s : v.strings) out.items.push_back(Literal::of_string(s));
      return out;
    case eval::ValueKind::SetOfInt:
      out.kind = Literal::Kind::List;
      for (const std::int64_t i : v.integers) out.items.push_back(Literal::of_int(i));
      return out;
    case eval::ValueKind::Absent:
      break;
  }
  return out;
}

Literal Literal::of_bool(bool b) {
  Literal l;
  l.kind = Kind::Bool;
  l.boolean = b;
  return l;
}

Literal Literal::of_int(std::int64_t i) {
  Literal l;
  l.kind = Kind::Int;
  l.integer = i;
  return l;
}

Literal Literal::of_string(std::string_view s) {
  Literal l;
  l.kind = Kind::String;
  l.string = std::string(s);
  return l;
}

Expr always() { return constant(true); }
Expr never() { return constant(false); }
Expr all_of(std::vector<Expr> children) { return junction(Kind::And, std::move(children)); }
Expr any_of(std::vector<Expr> children) { return junction(Kind::Or, std::move(children)); }

Expr negate(Expr child) {
  if (child->kind == Kind::True) return never();
  if (child->kind == Kind::False) return always();
  if (child->kind == Kind::Not) return child->children.front();
  Node node;
  node.kind = Kind::Not;
  node.children.push_back(std::move(child));
  return make(std::move(node));
}

Expr present(Term operand) {
  Node node;
  node.kind = Kind::Present;
  node.lhs = std::move(operand);
  return make(std::move(node));
}

Expr compare(CompareOp op, Term lhs, Term rhs) {
  Node node;
  node.kind = Kind::Compare;
  node.op = op;
  node.lhs = std::move(lhs);
  node.rhs = std::move(rhs);
  return make(std::move(node));
}

bool holds(const Expr& e, const Binding& binding) {
  switch (e->kind) {
    case Kind::True:
      return true;
    case Kind::False:
      return false;
    case Kind::And:
      return std::all_of(e->children.begin(), e->children.end(),
                         [&](const Expr& c) { return holds(c, binding); });
    case Kind::Or:
      return std::any_of(e->children.begin(), e->children.end(),
                         [&](const Expr& c) { return holds(c, binding); });
    case Kind::Not:
      return !holds(e->children.front(), binding);
    case Kind::Present:
      return value_of(e->lhs, binding).has_value();
    case Kind::Compare: {
      // Unreachable on an absent value when the tree is well guarded; false
      // is what the guarding `And` would give anyway.
      const std::optional<Literal> a = value_of(e->lhs, binding);
      const std::optional<Literal> b = value_of(e->rhs, binding);
      return a.has_value() && b.has_value() && compare_values(e->op, *a, *b);
    }
  }
  return false;
}

std::size_t written_size(const Expr& e, std::size_t limit) {
  std::unordered_map<const Node*, std::size_t> known;
  const std::function<std::size_t(const Expr&)> size = [&](const Expr& node) -> std::size_t {
    if (const auto found = known.find(node.get()); found != known.end()) return found->second;
    std::size_t total = 1;
    for (const Expr& child : node->children) {
      total += size(child);
      if (total > limit) {
        total = limit + 1;
        break;
      }
    }
    known.emplace(node.get(), total);
    return total;
  };
  return size(e);
}

}  // namespace tenet::partial::residual
