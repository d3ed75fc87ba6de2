#include "tests/differential/reference/reference_expression.hpp"

#include <algorithm>
#include <optional>
#include <variant>

namespace tenet::reference {
namespace {

using Scalar = std::variant<bool, std::int64_t, std::string>;

// The value of a term: a scalar, or a collection (a list literal or a set).
struct Term {
  bool collection = false;
  Scalar scalar;
  std::vector<Scalar> items;
};

struct TermResult {
  std::optional<std::string> error;
  Term value;
};

TermResult scalar(Scalar s) { return {std::nullopt, Term{false, std::move(s), {}}}; }
TermResult failure(std::string message) { return {std::move(message), {}}; }

TermResult from_simple(const SimpleValue& v) {
  if (const auto* b = std::get_if<bool>(&v)) return scalar(*b);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return scalar(*i);
  if (const auto* s = std::get_if<std::string>(&v)) return scalar(*s);
  Term set{true, false, {}};
  if (const auto* ss = std::get_if<StringSet>(&v)) {
    for (const std::string& s : *ss) set.items.emplace_back(s);
  } else {
    for (const std::int64_t i : std::get<IntSet>(v)) set.items.emplace_back(i);
  }
  return {std::nullopt, set};
}

std::string_view entity_name(ast::Entity e) {
  return e == ast::Entity::Principal  ? "principal"
         : e == ast::Entity::Resource ? "resource"
                                      : "context";
}

const SimpleAttributes& attributes_of(ast::Entity e, const Environment& env) {
  return e == ast::Entity::Principal  ? env.request.principal
         : e == ast::Entity::Resource ? env.request.resource.attributes
                                      : env.request.context;
}

// The built-ins of docs/LANGUAGE.md §3, by name.
std::optional<TermResult> builtin(ast::Entity e, std::string_view name, const Environment& env) {
  const SimpleRequest& r = env.request;
  if (e == ast::Entity::Principal) {
    if (name == "id") return scalar(r.principal_id);
    if (name == "tenant") return scalar(r.tenant);
    if (name == "role") return scalar(r.role);
  } else if (e == ast::Entity::Resource) {
    if (name == "type") return scalar(r.resource.type);
    if (name == "id") return scalar(r.resource.id);
    if (name == "tenant") return scalar(r.resource.tenant);
    if (name == "state") {
      if (!r.resource.state) return failure("resource.state is missing");
      return scalar(*r.resource.state);
    }
  }
  return std::nullopt;
}

TermResult attribute(ast::Entity e, std::string_view name, const Environment& env) {
  if (auto b = builtin(e, name, env)) return *b;
  const SimpleAttributes& attrs = attributes_of(e, env);
  const auto found = attrs.find(std::string(name));
  if (found == attrs.end()) {
    const std::string path = e == ast::Entity::Context
                                 ? "context." + std::string(name)
                                 : std::string(entity_name(e)) + ".attrs." + std::string(name);
    return failure(path + " is missing");
  }
  return from_simple(found->second);
}

Outcome truth_of(const ast::Expr& expr, const Environment& env);

TermResult term(const ast::Expr& expr, const Environment& env) {
  if (const auto* b = std::get_if<ast::BoolLiteral>(&expr.node)) return scalar(b->value);
  if (const auto* i = std::get_if<ast::IntLiteral>(&expr.node)) return scalar(i->value);
  if (const auto* s = std::get_if<ast::StringLiteral>(&expr.node)) return scalar(s->value);
  if (const auto* list = std::get_if<ast::ListLiteral>(&expr.node)) {
    Term out{true, false, {}};
    for (const ast::ExprPtr& item : list->items) out.items.push_back(term(*item, env).value.scalar);
    return {std::nullopt, out};
  }
  if (const auto* a = std::get_if<ast::AttributeRef>(&expr.node)) {
    return attribute(a->entity, a->attribute.text, env);
  }
  // Everything else is a condition used as a value: `(a && b) == true`.
  const Outcome o = truth_of(expr, env);
  if (o.truth == Truth::Error) return failure(o.error);
  return scalar(o.truth == Truth::True);
}

bool contains(const std::vector<Scalar>& items, const Scalar& x) {
  return std::find(items.begin(), items.end(), x) != items.end();
}

bool equal(const Term& a, const Term& b) {
  if (!a.collection && !b.collection) return a.scalar == b.scalar;
  if (a.collection != b.collection) return false;
  // Collections compare as sets.
  return std::all_of(a.items.begin(), a.items.end(),
                     [&](const Scalar& x) { return contains(b.items, x); }) &&
         std::all_of(b.items.begin(), b.items.end(),
                     [&](const Scalar& x) { return contains(a.items, x); });
}

Outcome of_bool(bool b) { return {b ? Truth::True : Truth::False, {}}; }

Outcome compare(const ast::Binary& binary, const Environment& env) {
  const TermResult lhs = term(*binary.lhs, env);
  if (lhs.error) return {Truth::Error, *lhs.error};
  const TermResult rhs = term(*binary.rhs, env);
  if (rhs.error) return {Truth::Error, *rhs.error};
  const Term& l = lhs.value;
  const Term& r = rhs.value;
  const auto ints = [&] {
    return std::pair{std::get<std::int64_t>(l.scalar), std::get<std::int64_t>(r.scalar)};
  };
  switch (binary.op) {
    case ast::BinaryOp::Eq:
      return of_bool(equal(l, r));
    case ast::BinaryOp::Ne:
      return of_bool(!equal(l, r));
    case ast::BinaryOp::Lt:
      return of_bool(ints().first < ints().second);
    case ast::BinaryOp::Le:
      return of_bool(ints().first <= ints().second);
    case ast::BinaryOp::Gt:
      return of_bool(ints().first > ints().second);
    case ast::BinaryOp::Ge:
      return of_bool(ints().first >= ints().second);
    case ast::BinaryOp::In:
      return of_bool(contains(r.items, l.scalar));
    case ast::BinaryOp::Contains:
      return of_bool(contains(l.items, r.scalar));
    case ast::BinaryOp::And:
    case ast::BinaryOp::Or:
      break;
  }
  return {Truth::Error, "unreachable"};
}

Outcome truth_of(const ast::Expr& expr, const Environment& env) {
  if (const auto* n = std::get_if<ast::Not>(&expr.node)) {
    Outcome o = truth_of(*n->operand, env);
    if (o.truth != Truth::Error) o.truth = o.truth == Truth::True ? Truth::False : Truth::True;
    return o;
  }
  if (const auto* h = std::get_if<ast::HasAttribute>(&expr.node)) {
    const SimpleAttributes& attrs = attributes_of(h->entity, env);
    return of_bool(attrs.count(h->attribute.text) != 0);
  }
  if (const auto* call = std::get_if<ast::EnabledCall>(&expr.node)) {
    return of_bool(env.enabled(call->feature.text));
  }
  if (const auto* b = std::get_if<ast::Binary>(&expr.node)) {
    if (b->op == ast::BinaryOp::And || b->op == ast::BinaryOp::Or) {
      const Outcome left = truth_of(*b->lhs, env);
      if (left.truth == Truth::Error) return left;
      const bool decided =
          b->op == ast::BinaryOp::And ? left.truth == Truth::False : left.truth == Truth::True;
      if (decided) return left;
      return truth_of(*b->rhs, env);
    }
    return compare(*b, env);
  }
  // A literal or an attribute: a bool term.
  const TermResult t = term(expr, env);
  if (t.error) return {Truth::Error, *t.error};
  return of_bool(std::get<bool>(t.value.scalar));
}

void split(const ast::Expr& expr, bool root, std::vector<const ast::Expr*>& out) {
  const auto* b = std::get_if<ast::Binary>(&expr.node);
  const bool is_and = b != nullptr && b->op == ast::BinaryOp::And;
  // Parentheses leave no node: the And's span starts before its left operand.
  const bool parenthesised = is_and && b->lhs->span.offset != expr.span.offset;
  if (!is_and || (parenthesised && !root)) {
    out.push_back(&expr);
    return;
  }
  split(*b->lhs, false, out);
  split(*b->rhs, false, out);
}

}  // namespace

Outcome evaluate(const ast::Expr* condition, const Environment& env) {
  if (condition == nullptr) return {Truth::True, {}};
  return truth_of(*condition, env);
}

Outcome evaluate_rule(const ast::Expr* when, const ast::Expr* unless, const Environment& env) {
  const Outcome a = evaluate(when, env);
  if (a.truth != Truth::True || unless == nullptr) return a;
  Outcome b = evaluate(unless, env);
  if (b.truth != Truth::Error) b.truth = b.truth == Truth::True ? Truth::False : Truth::True;
  return b;
}

std::vector<const ast::Expr*> conjuncts(const ast::Expr& condition) {
  std::vector<const ast::Expr*> out;
  split(condition, true, out);
  return out;
}

}  // namespace tenet::reference
