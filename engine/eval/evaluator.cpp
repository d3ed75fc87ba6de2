// The six decision operations (docs/LANGUAGE.md §7, docs/SEMANTICS-NOTES.md).
//
// Design note: each operation runs isolation first (nothing of a tenant is
// looked at before the request is known to be inside it), then request
// validation, then walks only the candidates the compiled tables give for
// the request's indices: check's (action, type, role) cell, the (from, to)
// transition cell, the (state, to) edge cell. Every string pushed into the
// Decision is a view precomputed at compile time, so a warm Decision makes
// the whole call allocation-free.
#include "engine/eval/evaluator.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <span>

#include "engine/eval/condition_evaluator.hpp"

namespace tenet::eval {
namespace {

constexpr std::string_view kForbid = "forbid";
constexpr std::string_view kPermit = "permit";
constexpr std::string_view kTransition = "transition";
constexpr std::string_view kPlan = "plan";
constexpr std::string_view kEdge = "edge";
constexpr std::string_view kFeature = "feature";
constexpr std::string_view kStateMissing = "resource.state is missing";
// The request parser names the action and the type (and suggests one);
// a request built in code gets this.
constexpr std::string_view kUndeclaredAction =
    "the action is not declared for this resource type in this tenant";

void deny(Decision& out, std::string_view reason) {
  out.allow = false;
  out.reasons.push_back(reason);
}

void invalid(Decision& out, std::string_view message) {
  out.allow = false;
  out.error_code = error_code::kInvalidRequest;
  out.error_message = message;
}

TraceOutcome outcome_of(Truth t) {
  switch (t) {
    case Truth::True:
      return TraceOutcome::Matched;
    case Truth::False:
      return TraceOutcome::NotMatched;
    case Truth::Error:
      break;
  }
  return TraceOutcome::Error;
}

void trace(const RequestBase& request, Decision& out, std::string_view id, std::string_view kind,
           Truth t, std::string_view location) {
  if (request.explain) out.trace.push_back({id, kind, outcome_of(t), location});
}

void add_unmet(Decision& out, std::string_view text) {
  if (text.empty()) return;
  if (std::find(out.unmet.begin(), out.unmet.end(), text) == out.unmet.end()) {
    out.unmet.push_back(text);
  }
}

// The class of a subject's value in this request (engine/compile/cell_index.hpp);
// kNone when the value is of a kind the index has no class for (a request
// built in code with a value that does not fit the schema).
Index class_of(const compile::CellIndexes& pool, const compile::ClassSubject& subject,
               ConditionEvaluator& eval) {
  using compile::SubjectFamily;
  if (subject.family == SubjectFamily::Feature)
    return eval.condition(subject.probe) == Truth::True ? 2 : 1;
  if (subject.family == SubjectFamily::Presence && !subject.probe_is_read)
    return eval.condition(subject.probe) == Truth::True ? 1 : 0;
  Value scratch;
  const Value* value = eval.value_of(subject.probe, scratch);
  if (value == nullptr) return 0;
  if (subject.family == SubjectFamily::Presence) return 1;
  if (subject.family == SubjectFamily::Bool) {
    if (value->kind != ValueKind::Bool) return kNone;
    return value->boolean ? 2 : 1;
  }
  if (subject.family == SubjectFamily::Text) {
    if (value->kind != ValueKind::String && value->kind != ValueKind::Enum) return kNone;
    const std::string_view* first = pool.texts.data() + subject.constants_first;
    const std::string_view* last = first + subject.constants_count;
    const std::string_view* at = std::lower_bound(first, last, value->string);
    if (at != last && *at == value->string) return 1 + static_cast<Index>(at - first);
    return 1 + subject.constants_count;
  }
  if (value->kind != ValueKind::Int) return kNone;
  const std::int64_t* first = pool.integers.data() + subject.constants_first;
  const std::int64_t* last = first + subject.constants_count;
  const std::int64_t* at = std::lower_bound(first, last, value->integer);
  const auto i = static_cast<Index>(at - first);
  return at != last && *at == value->integer ? 2 * i + 2 : 2 * i + 1;
}

// Calls step(i, known_true) for each candidate i of a side indexed by
// classes that may hold: those no subject's class makes false, and those a
// missing value may put in error; `known_true` when the classes alone make
// the rule true. False when a subject's value fits no class: the caller
// then walks every candidate.
template <typename Step>
bool for_each_candidate_by_classes(const compile::CellIndexes& pool,
                                   const compile::CellSideIndex& index, compile::Range range,
                                   ConditionEvaluator& eval, Step&& step) {
  std::array<std::uint64_t, compile::kMaxClassWords> alive;
  std::array<std::uint64_t, compile::kMaxClassWords> in_error{};
  const Index words = index.words;
  std::fill_n(alive.begin(), words, ~std::uint64_t{0});
  for (Index s = index.subjects_first; s < index.subjects_first + index.subjects_count; ++s) {
    const compile::ClassSubject& subject = pool.subjects[s];
    const Index c = class_of(pool, subject, eval);
    if (c == kNone) return false;
    const std::uint64_t* killed = pool.masks.data() + subject.masks_first + std::size_t{c} * words;
    for (Index w = 0; w < words; ++w) alive[w] &= ~killed[w];
    if (c != 0) continue;
    const std::uint64_t* errors =
        pool.masks.data() + subject.masks_first + std::size_t{subject.classes} * words;
    for (Index w = 0; w < words; ++w) in_error[w] |= errors[w];
  }
  const std::uint64_t* known = pool.masks.data() + index.known_first;
  for (Index w = 0; w < words; ++w) {
    std::uint64_t bits = alive[w] | in_error[w];
    const std::uint64_t known_true = alive[w] & known[w] & ~in_error[w];
    while (bits != 0) {
      const auto bit = static_cast<Index>(std::countr_zero(bits));
      const Index position = w * 64 + bit;
      if (position >= range.count) break;
      step(range.begin + position, ((known_true >> bit) & 1U) != 0);
      bits &= bits - 1;
    }
  }
  return true;
}

// Calls step(i, known_true) for each candidate i of `range` (a cell side)
// that can hold, in order; `known_true`: the rule holds, as the index
// alone tells. A side indexed by value (engine/compile/cell_index.hpp)
// skips candidates that are false: by classes, those a subject's class
// makes false; by buckets, when the request has the subject's value, the
// candidates keyed by other constants. A check that only reports what holds
// need not look at false rules; `every` (explain) walks them all.
template <typename Step>
void for_each_candidate(const compile::Tenant& tenant, compile::Range range, bool every,
                        ConditionEvaluator& eval, Step&& step) {
  const compile::CellSideIndex* index =
      every ? nullptr : tenant.cell_indexes.find(range.begin, range.count);
  if (index != nullptr && index->by_classes &&
      for_each_candidate_by_classes(tenant.cell_indexes, *index, range, eval, step))
    return;
  Value scratch;
  const Value* value =
      index == nullptr || index->by_classes ? nullptr : eval.value_of(index->subject, scratch);
  if (value == nullptr) {
    for (Index i = range.begin; i < range.begin + range.count; ++i) step(i, false);
    return;
  }
  std::span<const Index> keyed;
  if (value->kind == ValueKind::String || value->kind == ValueKind::Enum) {
    keyed = tenant.cell_indexes.bucket(*index, compile::IndexKey{false, 0, value->string});
  } else if (value->kind == ValueKind::Int) {
    keyed = tenant.cell_indexes.bucket(*index, compile::IndexKey{true, value->integer, {}});
  }
  const std::span<const Index> unkeyed = tenant.cell_indexes.unkeyed(*index);
  std::size_t k = 0;
  std::size_t u = 0;
  while (k < keyed.size() || u < unkeyed.size()) {
    const bool from_keyed = u == unkeyed.size() || (k < keyed.size() && keyed[k] < unkeyed[u]);
    step(range.begin + (from_keyed ? keyed[k++] : unkeyed[u++]), false);
  }
}

// Each top-level conjunct that is false or in error on its own.
void add_unmet_conjuncts(const compile::Tenant& tenant, compile::Range range,
                         ConditionEvaluator& eval, Decision& out) {
  for (Index i = range.begin; i < range.begin + range.count; ++i) {
    const compile::Conjunct& c = tenant.conjuncts[i];
    if (eval.condition(c.node) != Truth::True) add_unmet(out, c.text);
  }
}

// The request's tenant, served: null (and `out` filled) when the tenant is
// unknown or not served. Every decision about a known tenant carries its
// unit's revision.
const compile::Tenant* served_tenant(const compile::CompiledPolicySet& policies,
                                     const RequestBase& request, Decision& out) {
  if (request.tenant >= policies.tenant_count()) {
    deny(out, reason::kUnknownTenant);
    return nullptr;
  }
  const compile::Tenant& tenant = policies.tenant(request.tenant);
  out.revision = tenant.revision;
  if (tenant.unavailable) {
    deny(out, reason::kTenantUnavailable);
    out.errors.push_back({tenant.name, tenant.unavailable_reason});
    return nullptr;
  }
  return &tenant;
}

// Isolation shared by every operation: the tenant exists and the principal's
// role is one of its roles. Null (and `out` filled) when the request stops here.
const compile::Tenant* isolate_principal(const compile::CompiledPolicySet& policies,
                                         const RequestBase& request, Decision& out) {
  const compile::Tenant* tenant = served_tenant(policies, request, out);
  if (tenant == nullptr) return nullptr;
  if (request.principal.role >= tenant->role_count) {
    deny(out, reason::kUnknownRole);
    return nullptr;
  }
  return tenant;
}

// Isolation for operations on a resource (check, lifecycle), in the order
// of docs/LANGUAGE.md §7: tenant, cross-tenant, role, resource type.
const compile::Tenant* isolate_resource(const compile::CompiledPolicySet& policies,
                                        const RequestBase& request, const Resource& resource,
                                        Decision& out) {
  const compile::Tenant* tenant = served_tenant(policies, request, out);
  if (tenant == nullptr) return nullptr;
  if (resource.tenant != tenant->own_name) {
    deny(out, reason::kCrossTenant);
    return nullptr;
  }
  if (request.principal.role >= tenant->role_count) {
    deny(out, reason::kUnknownRole);
    return nullptr;
  }
  if (resource.type >= tenant->type_count) {
    deny(out, reason::kUnknownResourceType);
    return nullptr;
  }
  return tenant;
}

// Is plan `p` open to the principal (docs/LANGUAGE.md §7.2)? `for`, then the
// required features, then `when`: the condition is only evaluated (and only
// reported in `errors`) when the rest holds.
Truth plan_open(const compile::Tenant& tenant, const compile::Plan& plan, ConditionEvaluator& eval,
                Decision& out) {
  if (!eval.role_in(plan.roles)) return Truth::False;
  for (Index i = plan.required.begin; i < plan.required.begin + plan.required.count; ++i) {
    if (!eval.enabled(tenant.required_features[i].feature)) return Truth::False;
  }
  const Truth t = eval.condition(plan.condition);
  if (t == Truth::Error) out.errors.push_back({plan.id, eval.error()});
  return t;
}

}  // namespace

void check(const compile::CompiledPolicySet& policies, const CheckRequest& request, Decision& out) {
  out.clear();
  const compile::Tenant* tenant = isolate_resource(policies, request, request.resource, out);
  if (tenant == nullptr) return;
  if (!request.invalid.empty()) return invalid(out, request.invalid);

  // Only the actions the tenant declares for the type have rules: any
  // other is a mistake of the caller's, not a denial (docs/LANGUAGE.md §3).
  if (!tenant->declares(request.action, request.resource.type))
    return invalid(out, kUndeclaredAction);
  const compile::RuleCell& cell =
      tenant->cell(request.action, request.resource.type, request.principal.role);
  ConditionEvaluator eval(policies, *tenant, request, &request.resource);

  // Forbids: every candidate that can hold; true or in error denies (fail closed).
  for_each_candidate(*tenant, cell.forbids, request.explain, eval, [&](Index i, bool known_true) {
    const compile::Candidate& candidate = tenant->candidates[i];
    const Truth t = known_true ? Truth::True : eval.rule(candidate.when, candidate.unless);
    if (t == Truth::False && !request.explain) return;
    const compile::Rule& rule = tenant->rules[candidate.rule];
    trace(request, out, rule.id, kForbid, t, rule.location);
    if (t == Truth::False) return;
    out.reasons.push_back(rule.id);
    if (t == Truth::Error) out.errors.push_back({rule.id, eval.error()});
  });
  if (!out.reasons.empty()) return;

  // Permits: every candidate that can hold; those true allow, those in error do not.
  for_each_candidate(*tenant, cell.permits, request.explain, eval, [&](Index i, bool known_true) {
    const compile::Candidate& candidate = tenant->candidates[i];
    const Truth t = known_true ? Truth::True : eval.rule(candidate.when, candidate.unless);
    if (t == Truth::False && !request.explain) return;
    const compile::Rule& rule = tenant->rules[candidate.rule];
    trace(request, out, rule.id, kPermit, t, rule.location);
    if (t == Truth::True) out.reasons.push_back(rule.id);
    if (t == Truth::Error) out.errors.push_back({rule.id, eval.error()});
  });
  out.allow = !out.reasons.empty();
  if (!out.allow) deny(out, reason::kNoPermit);
}

void transition(const compile::CompiledPolicySet& policies, const TransitionRequest& request,
                Decision& out) {
  out.clear();
  const compile::Tenant* tenant = isolate_principal(policies, request, out);
  if (tenant == nullptr) return;
  if (!request.invalid.empty()) return invalid(out, request.invalid);
  if (request.to >= tenant->role_count) return deny(out, reason::kNoTransition);

  const compile::Range cell = tenant->transition_cell(request.principal.role, request.to);
  if (cell.count == 0) return deny(out, reason::kNoTransition);
  ConditionEvaluator eval(policies, *tenant, request, nullptr);
  for (Index i = cell.begin; i < cell.begin + cell.count; ++i) {
    const compile::Transition& t = tenant->transitions[tenant->transition_candidates[i]];
    const Truth result = eval.condition(t.condition);
    trace(request, out, t.id, kTransition, result, t.location);
    if (result == Truth::True) out.reasons.push_back(t.id);
    if (result == Truth::Error) out.errors.push_back({t.id, eval.error()});
  }
  if (!out.reasons.empty()) {
    out.allow = true;
    return;
  }
  for (Index i = cell.begin; i < cell.begin + cell.count; ++i) {
    const compile::Transition& t = tenant->transitions[tenant->transition_candidates[i]];
    out.reasons.push_back(t.id);
    add_unmet_conjuncts(*tenant, t.unmet, eval, out);
  }
}

void subscribe(const compile::CompiledPolicySet& policies, const SubscribeRequest& request,
               Decision& out) {
  out.clear();
  const compile::Tenant* tenant = isolate_principal(policies, request, out);
  if (tenant == nullptr) return;
  if (!request.invalid.empty()) return invalid(out, request.invalid);
  if (request.plan >= tenant->plans.size()) return deny(out, reason::kUnknownPlan);

  const compile::Plan& plan = tenant->plans[request.plan];
  ConditionEvaluator eval(policies, *tenant, request, nullptr);
  const Truth open = plan_open(*tenant, plan, eval, out);
  trace(request, out, plan.id, kPlan, open, plan.location);
  out.reasons.push_back(plan.id);
  out.allow = open == Truth::True;
  if (out.allow) return;
  if (!eval.role_in(plan.roles)) add_unmet(out, plan.for_text);
  for (Index i = plan.required.begin; i < plan.required.begin + plan.required.count; ++i) {
    const compile::RequiredFeature& f = tenant->required_features[i];
    if (!eval.enabled(f.feature)) add_unmet(out, f.text);
  }
  add_unmet_conjuncts(*tenant, plan.unmet, eval, out);
}

void plans(const compile::CompiledPolicySet& policies, const PlansRequest& request, Decision& out) {
  out.clear();
  const compile::Tenant* tenant = isolate_principal(policies, request, out);
  if (tenant == nullptr) return;
  if (!request.invalid.empty()) return invalid(out, request.invalid);
  ConditionEvaluator eval(policies, *tenant, request, nullptr);
  for (const compile::Plan& plan : tenant->plans) {
    const Truth open = plan_open(*tenant, plan, eval, out);
    trace(request, out, plan.id, kPlan, open, plan.location);
    if (open == Truth::True) out.names.push_back(plan.name);
  }
  out.allow = true;
}

void features(const compile::CompiledPolicySet& policies, const FeaturesRequest& request,
              Decision& out) {
  out.clear();
  const compile::Tenant* tenant = isolate_principal(policies, request, out);
  if (tenant == nullptr) return;
  if (!request.invalid.empty()) return invalid(out, request.invalid);
  ConditionEvaluator eval(policies, *tenant, request, nullptr);
  for (Index f = 0; f < tenant->features.size(); ++f) {
    const bool on = eval.enabled(f);
    const compile::Feature& feature = tenant->features[f];
    trace(request, out, feature.trace_id, kFeature, on ? Truth::True : Truth::False,
          feature.location);
    if (on) out.names.push_back(feature.name);
  }
  out.allow = true;
}

void lifecycle(const compile::CompiledPolicySet& policies, const LifecycleRequest& request,
               Decision& out) {
  out.clear();
  const compile::Tenant* tenant = isolate_resource(policies, request, request.resource, out);
  if (tenant == nullptr) return;
  if (!request.invalid.empty()) return invalid(out, request.invalid);
  const Resource& resource = request.resource;
  const Index at = tenant->lifecycle_of[resource.type];
  if (at == kNone) return invalid(out, policies.platform().no_lifecycle_message[resource.type]);
  const compile::Lifecycle& lc = tenant->lifecycles[at];
  const auto states = static_cast<Index>(lc.states.size());
  if (resource.state >= states) {
    return invalid(out, resource.state_name.empty() ? kStateMissing : lc.bad_state_message);
  }
  if (request.to >= states) return deny(out, reason::kNoTransition);
  const compile::Range cell = lc.cell(resource.state, request.to);
  if (cell.count == 0) return deny(out, reason::kNoTransition);

  ConditionEvaluator eval(policies, *tenant, request, &resource);
  // `by`, then `when`: the condition is only evaluated for an allowed role.
  const auto edge_holds = [&](const compile::Edge& edge) {
    if (!eval.role_in(edge.roles)) return Truth::False;
    const Truth t = eval.condition(edge.condition);
    if (t == Truth::Error) out.errors.push_back({edge.id, eval.error()});
    return t;
  };
  for (Index i = cell.begin; i < cell.begin + cell.count; ++i) {
    const compile::Edge& edge = lc.edges[lc.edge_candidates[i]];
    const Truth t = edge_holds(edge);
    trace(request, out, edge.id, kEdge, t, edge.location);
    if (t == Truth::True) out.reasons.push_back(edge.id);
  }
  if (!out.reasons.empty()) {
    out.allow = true;
    return;
  }
  for (Index i = cell.begin; i < cell.begin + cell.count; ++i) {
    const compile::Edge& edge = lc.edges[lc.edge_candidates[i]];
    out.reasons.push_back(edge.id);
    if (!eval.role_in(edge.roles)) add_unmet(out, edge.by_text);
    add_unmet_conjuncts(*tenant, edge.unmet, eval, out);
  }
}

}  // namespace tenet::eval
