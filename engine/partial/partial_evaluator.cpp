// Design note: every compiled condition node is mapped to a pair of
// two-valued residuals (T, F): "the node evaluates to true" and "... to
// false" on a row; "error" is what is left (neither). check's three-valued
// left-to-right rules (docs/SEMANTICS-NOTES.md) become
//   A && B:  T = T(A) ∧ T(B)            F = F(A) ∨ (T(A) ∧ F(B))
//   A || B:  T = T(A) ∨ (F(A) ∧ T(B))   F = F(A) ∧ F(B)
//   !A:      T = F(A)                   F = T(A)
//   a comparison reading values that may be absent:
//            T = present.. ∧ cmp        F = present.. ∧ ¬cmp
// Both formulas are monotone in the (T, F) of their parts, so a part that
// cannot be known (symbolic mode: context, enabled()) is given T = F =
// false ("neither"), which can only make `allowed` smaller. Values known
// up front (the principal and context in Known mode, literals, the tenant,
// the role, the resource type) are folded; what remains names the row.
#include "engine/partial/partial_evaluator.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "engine/eval/condition_evaluator.hpp"
#include "engine/eval/decision.hpp"

namespace tenet::partial {
namespace {

using compile::Op;
using residual::CompareOp;
using residual::Expr;
using residual::Literal;
using residual::literal_of;
using residual::Term;
using residual::TermKind;

// "Evaluates to true" / "evaluates to false" on a row.
struct Tri {
  Expr t;
  Expr f;
};

Tri known(bool value) {
  return value ? Tri{residual::always(), residual::never()}
               : Tri{residual::never(), residual::always()};
}
Tri neither() { return {residual::never(), residual::never()}; }

// An operand of a comparison or membership test.
struct Operand {
  enum class Kind : std::uint8_t {
    Known,    // value
    Absent,   // reading it is an error
    Unknown,  // symbolic mode: cannot be known (context)
    Row,      // term, readable only on the row; guard: when it is present
    Boolean,  // a boolean sub-expression: tri
  };
  Kind kind = Kind::Absent;
  Literal value;
  Term term;
  Expr guard;
  Tri tri;
};

CompareOp compare_op(Op op) {
  switch (op) {
    case Op::Eq:
      return CompareOp::Eq;
    case Op::Ne:
      return CompareOp::Ne;
    case Op::Lt:
      return CompareOp::Lt;
    case Op::Le:
      return CompareOp::Le;
    case Op::Gt:
      return CompareOp::Gt;
    case Op::Ge:
      return CompareOp::Ge;
    case Op::InList:
    case Op::InSet:
      return CompareOp::In;
    default:
      return CompareOp::Contains;
  }
}

Term literal_term(Literal value) {
  Term t;
  t.kind = TermKind::Literal;
  t.literal = std::move(value);
  return t;
}

// Decides a comparison of two known values exactly as the engine does
// (residual::holds on literals shares condition_evaluator's rules).
bool decide(CompareOp op, const Literal& a, const Literal& b) {
  return residual::holds(residual::compare(op, literal_term(a), literal_term(b)), {});
}

class PartialEvaluator {
 public:
  PartialEvaluator(const compile::CompiledPolicySet& policies, const PartialRequest& request)
      : policies_(policies),
        tenant_(policies.tenant(request.base.tenant)),
        request_(request),
        type_(policies.model().schema.resources[request.resource_type]),
        conditions_(policies, tenant_, request.base, nullptr) {}

  PartialResult run() {
    PartialResult out;
    const Index action = request_.action < tenant_.local_actions ? request_.action : 0;
    const compile::RuleCell& cell =
        tenant_.cell(action, request_.resource_type, request_.base.principal.role);
    std::vector<Expr> all;
    for (Index i = cell.forbids.begin; i < cell.forbids.begin + cell.forbids.count; ++i) {
      const compile::Candidate& c = tenant_.candidates[i];
      rule_ = tenant_.rules[c.rule].id;
      Expr passes = bounded(rule(c.when, c.unless).f);
      all.push_back(passes);
      out.forbids.push_back({rule_, std::move(passes)});
    }
    std::vector<Expr> grants;
    for (Index i = cell.permits.begin; i < cell.permits.begin + cell.permits.count; ++i) {
      const compile::Candidate& c = tenant_.candidates[i];
      rule_ = tenant_.rules[c.rule].id;
      Expr passes = bounded(rule(c.when, c.unless).t);
      grants.push_back(passes);
      out.permits.push_back({rule_, std::move(passes)});
    }
    all.push_back(residual::any_of(std::move(grants)));
    out.allowed = residual::all_of(std::move(all));
    if (residual::written_size(out.allowed, request_.max_nodes) > request_.max_nodes) {
      too_large_ = true;
      out.allowed = residual::never();
    }
    out.kind = residual::is_always(out.allowed)  ? FilterKind::Always
               : residual::is_never(out.allowed) ? FilterKind::Never
                                                 : FilterKind::Conditional;
    out.approximations = std::move(approximations_);
    out.too_large = too_large_;
    return out;
  }

 private:
  [[nodiscard]] bool symbolic() const { return request_.mode == PrincipalMode::Symbolic; }

  void approximate(std::string what) {
    const bool seen =
        std::any_of(approximations_.begin(), approximations_.end(),
                    [&](const Approximation& a) { return a.rule == rule_ && a.what == what; });
    if (!seen) approximations_.push_back({rule_, std::move(what)});
  }

  // A rule's residual, or `never` when it is too large to write out: a
  // permit then grants nothing and a forbid denies every row (fail closed).
  Expr bounded(Expr passes) {
    if (residual::written_size(passes, request_.max_nodes) <= request_.max_nodes) return passes;
    too_large_ = true;
    approximate("condition too large");
    return residual::never();
  }

  // `when A unless B` = A && !B.
  Tri rule(Index when, Index unless) {
    const Tri a = when == kNone ? known(true) : eval(when);
    if (unless == kNone) return a;
    const Tri b = eval(unless);
    return {residual::all_of({a.t, b.f}), residual::any_of({a.f, residual::all_of({a.t, b.t})})};
  }

  Tri eval(Index at) {
    const compile::Node& node = tenant_.nodes[at];
    switch (node.op) {
      case Op::True:
        return known(true);
      case Op::False:
        return known(false);
      case Op::HasPrincipal:
        if (!symbolic()) return known(conditions_.condition(at) == eval::Truth::True);
        return presence(principal_attribute(node.ref));
      case Op::HasResource: {
        const std::optional<Term> term = resource_attribute(node.ref);
        return term ? presence(*term) : known(false);
      }
      case Op::HasContext:
        if (!symbolic()) return known(conditions_.condition(at) == eval::Truth::True);
        approximate("has context." + context_name(node.ref));
        return neither();
      case Op::HasBuiltin:
        return known(true);
      case Op::HasState:
        return presence(builtin(TermKind::ResourceState));
      case Op::Enabled:
        if (!symbolic()) return known(conditions_.enabled(node.ref));
        approximate("enabled(" + std::string(feature_name(node.ref)) + ")");
        return neither();
      case Op::Not: {
        const Tri inner = eval(node.lhs);
        return {inner.f, inner.t};
      }
      case Op::And: {
        const Tri a = eval(node.lhs);
        const Tri b = eval(node.rhs);
        return {residual::all_of({a.t, b.t}),
                residual::any_of({a.f, residual::all_of({a.t, b.f})})};
      }
      case Op::Or: {
        const Tri a = eval(node.lhs);
        const Tri b = eval(node.rhs);
        return {residual::any_of({a.t, residual::all_of({a.f, b.t})}),
                residual::all_of({a.f, b.f})};
      }
      case Op::Eq:
      case Op::Ne:
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge:
      case Op::InList:
      case Op::InSet:
      case Op::Contains:
        return comparison(compare_op(node.op), node.lhs, node.rhs);
      default:
        // A bool attribute used as a condition: true iff it is a true bool.
        return as_condition(operand(at));
    }
  }

  // `x OP y`: the left operand is read first; an absent one is an error.
  Tri comparison(CompareOp op, Index lhs, Index rhs) {
    const Operand a = operand(lhs);
    if (a.kind == Operand::Kind::Absent || a.kind == Operand::Kind::Unknown) return neither();
    const Operand b = operand(rhs);
    if (b.kind == Operand::Kind::Absent || b.kind == Operand::Kind::Unknown) return neither();
    if (a.kind == Operand::Kind::Known && b.kind == Operand::Kind::Known) {
      return known(decide(op, a.value, b.value));
    }
    if (a.kind == Operand::Kind::Boolean || b.kind == Operand::Kind::Boolean) {
      return by_cases(op, a, b);
    }
    const Expr cmp = residual::compare(op, term_of(a), term_of(b));
    const Expr guard = residual::all_of({guard_of(a), guard_of(b)});
    return {residual::all_of({guard, cmp}), residual::all_of({guard, residual::negate(cmp)})};
  }

  // A comparison with a boolean sub-expression on one side (`(a < b) == c`):
  // the outcome for each value the boolean sides can take.
  Tri by_cases(CompareOp op, const Operand& a, const Operand& b) {
    std::vector<Expr> t;
    std::vector<Expr> f;
    for (const auto& [va, ca] : cases(a)) {
      for (const auto& [vb, cb] : cases(b)) {
        (decide(op, va, vb) ? t : f).push_back(residual::all_of({ca, cb}));
      }
    }
    return {residual::any_of(std::move(t)), residual::any_of(std::move(f))};
  }

  // The values an operand can take, each with the condition under which it does.
  std::vector<std::pair<Literal, Expr>> cases(const Operand& o) {
    if (o.kind == Operand::Kind::Known) return {{o.value, residual::always()}};
    const Tri tri = o.kind == Operand::Kind::Boolean ? o.tri : as_condition(o);
    return {{Literal::of_bool(true), tri.t}, {Literal::of_bool(false), tri.f}};
  }

  Tri as_condition(const Operand& o) {
    switch (o.kind) {
      case Operand::Kind::Known:
        return known(o.value.kind == Literal::Kind::Bool && o.value.boolean);
      case Operand::Kind::Boolean:
        return o.tri;
      case Operand::Kind::Row: {
        const Expr is_true =
            residual::compare(CompareOp::Eq, o.term, literal_term(Literal::of_bool(true)));
        return {residual::all_of({o.guard, is_true}),
                residual::all_of({o.guard, residual::negate(is_true)})};
      }
      default:
        return neither();
    }
  }

  static Term term_of(const Operand& o) {
    return o.kind == Operand::Kind::Known ? literal_term(o.value) : o.term;
  }
  static Expr guard_of(const Operand& o) {
    return o.kind == Operand::Kind::Row ? o.guard : residual::always();
  }

  static Tri presence(const Term& term) {
    const Expr has = residual::present(term);
    return {has, residual::negate(has)};
  }

  Operand operand(Index at) {
    const compile::Node& node = tenant_.nodes[at];
    switch (node.op) {
      case Op::True:
        return known_operand(Literal::of_bool(true));
      case Op::False:
        return known_operand(Literal::of_bool(false));
      case Op::Int:
      case Op::String:
      case Op::Role:
      case Op::Enum:
        return known_operand(literal_of(eval::literal_value(tenant_.nodes[at])));
      case Op::List: {
        Literal list;
        list.kind = Literal::Kind::List;
        for (Index i = 0; i < node.rhs; ++i)
          list.items.push_back(literal_of(eval::literal_value(tenant_.nodes[node.lhs + i])));
        return known_operand(std::move(list));
      }
      case Op::PrincipalAttr:
        if (symbolic()) return row_operand(principal_attribute(node.ref), true);
        return slot_operand(request_.base.principal.attributes, node.ref);
      case Op::ContextAttr:
        if (symbolic()) {
          approximate("context." + context_name(node.ref));
          Operand unknown;
          unknown.kind = Operand::Kind::Unknown;
          return unknown;
        }
        return slot_operand(request_.base.context, node.ref);
      case Op::ResourceAttr: {
        const std::optional<Term> term = resource_attribute(node.ref);
        if (!term) return {};  // not an attribute of this type: never given
        return row_operand(*term, true);
      }
      case Op::PrincipalId:
        // Symbolic: the session's id setting, absent when unset (fail closed).
        if (symbolic()) return row_operand(builtin(TermKind::PrincipalId), true);
        return known_operand(Literal::of_string(request_.base.principal.id));
      case Op::PrincipalTenant:
      case Op::ResourceTenant:  // the tenant predicate keeps only this tenant's rows
        return known_operand(Literal::of_string(tenant_.name));
      case Op::PrincipalRole:
        return known_operand(Literal::of_string(tenant_.role_names[request_.base.principal.role]));
      case Op::ResourceType:
        return known_operand(
            Literal::of_string(policies_.platform().type_names[request_.resource_type]));
      case Op::ResourceId:
        return row_operand(builtin(TermKind::ResourceId), false);
      case Op::ResourceState:
        return row_operand(builtin(TermKind::ResourceState), true);
      default: {
        Operand boolean;
        boolean.kind = Operand::Kind::Boolean;
        boolean.tri = eval(at);
        return boolean;
      }
    }
  }

  static Operand known_operand(Literal value) {
    Operand o;
    o.kind = Operand::Kind::Known;
    o.value = std::move(value);
    return o;
  }

  static Operand slot_operand(eval::Attributes attributes, Index slot) {
    if (slot >= attributes.size() || attributes[slot].kind == eval::ValueKind::Absent) return {};
    return known_operand(literal_of(attributes[slot]));
  }

  static Operand row_operand(Term term, bool may_be_absent) {
    Operand o;
    o.kind = Operand::Kind::Row;
    o.guard = may_be_absent ? residual::present(term) : residual::always();
    o.term = std::move(term);
    return o;
  }

  static Term builtin(TermKind kind) {
    Term t;
    t.kind = kind;
    t.type = model::AttributeKind::String;
    return t;
  }

  // The attribute in resource slot `slot`, if the filtered type declares it
  // (a request never carries another type's attributes).
  [[nodiscard]] std::optional<Term> resource_attribute(Index slot) const {
    const model::PolicySet& model = policies_.model();
    if (slot >= model.schema.resource_slots.size()) return std::nullopt;
    const model::Symbol name = model.schema.resource_slots[slot];
    for (Index i = 0; i < type_.attributes.size(); ++i) {
      const model::Attribute& a = type_.attributes[i];
      if (a.name != name) continue;
      Term t;
      t.kind = TermKind::ResourceAttribute;
      t.attribute = i;
      t.slot = slot;
      t.type = a.type.kind;
      t.enum_index = a.type.enum_index;
      t.name = std::string(model.name(a.name));
      t.column = std::string(model.name(a.column));
      return t;
    }
    return std::nullopt;
  }

  [[nodiscard]] Term principal_attribute(Index slot) const {
    const model::PolicySet& model = policies_.model();
    Term t;
    t.kind = TermKind::PrincipalAttribute;
    t.attribute = slot;
    t.slot = slot;
    if (slot < model.schema.principal.size()) {
      const model::Attribute& a = model.schema.principal[slot];
      t.type = a.type.kind;
      t.enum_index = a.type.enum_index;
      t.name = std::string(model.name(a.name));
    }
    return t;
  }

  [[nodiscard]] std::string context_name(Index slot) const {
    const model::PolicySet& model = policies_.model();
    if (slot >= model.schema.context.size()) return "?";
    return std::string(model.name(model.schema.context[slot].name));
  }

  [[nodiscard]] std::string_view feature_name(Index feature) const {
    return feature < tenant_.features.size() ? tenant_.features[feature].name
                                             : std::string_view("?");
  }

  const compile::CompiledPolicySet& policies_;
  const compile::Tenant& tenant_;
  const PartialRequest& request_;
  const model::ResourceType& type_;
  eval::ConditionEvaluator conditions_;  // Known mode: has on principal/context, enabled()
  std::string_view rule_;                // the rule being folded, for approximations
  std::vector<Approximation> approximations_;
  bool too_large_ = false;
};

}  // namespace

std::string_view partial_request_problem(const compile::CompiledPolicySet& policies,
                                         const PartialRequest& request) {
  if (request.base.tenant >= policies.tenant_count()) return eval::reason::kUnknownTenant;
  const compile::Tenant& tenant = policies.tenant(request.base.tenant);
  if (tenant.unavailable) return eval::reason::kTenantUnavailable;
  if (request.base.principal.role >= tenant.role_count) return eval::reason::kUnknownRole;
  if (request.resource_type >= tenant.type_count ||
      request.resource_type >= policies.model().schema.resources.size()) {
    return eval::reason::kUnknownResourceType;
  }
  return {};
}

PartialResult partially_evaluate(const compile::CompiledPolicySet& policies,
                                 const PartialRequest& request) {
  if (!partial_request_problem(policies, request).empty()) {
    PartialResult never;
    never.allowed = residual::never();
    return never;
  }
  return PartialEvaluator(policies, request).run();
}

std::string_view filter_kind_name(FilterKind kind) {
  switch (kind) {
    case FilterKind::Always:
      return "always";
    case FilterKind::Never:
      return "never";
    case FilterKind::Conditional:
      break;
  }
  return "conditional";
}

}  // namespace tenet::partial
