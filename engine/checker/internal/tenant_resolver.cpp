#include "engine/checker/internal/tenant_resolver.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "engine/checker/internal/action_declarations.hpp"
#include "engine/checker/internal/expression_checker.hpp"
#include "engine/model/role_closure.hpp"

namespace tenet::checker {
namespace {

using model::Index;
using model::kNone;

// A declaration that a later layer may replace (feature, plan, lifecycle).
template <typename Decl>
struct Slot {
  const Decl* decl = nullptr;
  std::size_t layer = 0;
};

// One id to assign once every item exists (see assign_ids): the item is
// found by kind and index, since its vector may still grow meanwhile.
struct IdClaim {
  enum class Kind : std::uint8_t { Transition, Plan, Rule, Edge } kind = Kind::Rule;
  std::size_t index = 0;
  std::size_t lifecycle = 0;  // Edge only
  const std::optional<ast::Annotation>* annotation = nullptr;
  Span span;
};

class Resolver {
 public:
  Resolver(const Unit& unit, const model::Schema& schema, model::Interner& names,
           Reporter& reporter)
      : unit_(unit),
        schema_(schema),
        names_(names),
        reporter_(reporter),
        expressions_(schema, names, tenant_.nodes, tenant_, unit.context, reporter) {
    tenant_.name = names_.intern(unit.name->text);
    tenant_.span = unit.span;
  }

  model::Tenant run() {
    collect_actions();
    collect_roles();
    const auto features = collect_overridable<ast::FeatureDecl>(
        [](const ast::Body& b) -> const auto& { return b.features; },
        [](const auto& d) { return d.name; }, "feature");
    const auto plans = collect_overridable<ast::PlanDecl>(
        [](const ast::Body& b) -> const auto& { return b.plans; },
        [](const auto& d) { return d.name; }, "plan");
    const auto lifecycles = collect_overridable<ast::LifecycleDecl>(
        [](const ast::Body& b) -> const auto& { return b.lifecycles; },
        [](const auto& d) { return d.resource_type; }, "lifecycle");

    // Names first, so expressions can name any feature or state of the unit.
    for (const auto& slot : features) {
      model::Feature feature;
      feature.name = names_.intern(slot.decl->name.text);
      feature.default_on = slot.decl->default_on;
      feature.span = slot.decl->name.span;
      tenant_.features.push_back(feature);
    }
    declare_lifecycles(lifecycles);

    for (std::size_t i = 0; i < features.size(); ++i)
      resolve_feature(*features[i].decl, tenant_.features[i]);
    order_features();
    for (const auto& slot : plans) resolve_plan(*slot.decl);
    for (std::size_t i = 0; i < lifecycle_decls_.size(); ++i)
      resolve_edges(*lifecycle_decls_[i], i);
    for (const Layer& layer : unit_.layers) {
      for (const ast::TransitionDecl& decl : layer.body->transitions) resolve_transition(decl);
    }
    for (const Layer& layer : unit_.layers) {
      for (const ast::RuleDecl& decl : layer.body->rules) resolve_rule(decl);
    }
    assign_ids();
    return std::move(tenant_);
  }

 private:
  // `tenant 'acme'` (the unit's context without its leading ` in `).
  [[nodiscard]] std::string unit_label() const { return unit_.context.substr(4); }

  // ------------------------------------------------------------ actions

  // The schema's actions per type, then each layer's own, template first.
  void collect_actions() {
    ActionDeclarations declared(schema_, schema_.actions, names_, reporter_, unit_.context);
    for (const Layer& layer : unit_.layers) {
      for (const ast::ActionsDecl& decl : layer.body->actions) declared.declare(decl);
    }
    tenant_.actions = declared.finish();
  }

  [[nodiscard]] bool declared_for_any(model::Symbol action, const std::vector<Index>& types,
                                      bool all_types) const {
    const model::ActionSlots& table = *tenant_.actions;
    const Index slot = table.find(action);
    if (slot == kNone) return false;
    if (all_types) return true;  // a declared name is declared for some type
    return std::any_of(types.begin(), types.end(),
                       [&](Index type) { return table.declared(slot, type); });
  }

  // An action a rule names must be declared for one of its types at least.
  void report_undeclared(const ast::Name& action, const std::vector<Index>& types, bool all_types) {
    // Suggestions from the first kCandidates distinct declared actions:
    // many errors in a large policy must not each walk every declaration.
    constexpr std::size_t kCandidates = 1000;
    const model::ActionSlots& table = *tenant_.actions;
    std::vector<std::string_view> candidates;
    std::unordered_set<Index> seen;
    for (const Index type : types) {
      for (const Index slot : table.slots_of_type(type)) {
        if (candidates.size() == kCandidates) break;
        if (seen.insert(slot).second) candidates.push_back(names_.name(table.names()[slot]));
      }
    }
    reporter_.report(DiagCode::UndeclaredAction, action.span,
                     {action.text, describe_types(schema_, names_, types, all_types),
                      did_you_mean(action.text, candidates), unit_.context});
  }

  // ------------------------------------------------------------ roles

  void collect_roles() {
    std::vector<const ast::RoleDecl*> decls;
    for (const Layer& layer : unit_.layers) {
      for (const ast::RoleDecl& decl : layer.body->roles) {
        const model::Symbol name = names_.intern(decl.name.text);
        if (const Index previous = tenant_.find_role(name); previous != kNone) {
          reporter_.report(DiagCode::DuplicateDeclaration, decl.name.span,
                           {"role", decl.name.text, unit_.context,
                            reporter_.where(tenant_.roles[previous].span)});
          continue;
        }
        model::Role role;
        role.name = name;
        role.span = decl.name.span;
        tenant_.add_role(std::move(role));
        decls.push_back(&decl);
      }
    }
    for (std::size_t i = 0; i < decls.size(); ++i) {
      for (const ast::Name& parent : decls[i]->parents) {
        const Index found = find_role(parent);
        if (found != kNone) tenant_.roles[i].parents.push_back(found);
      }
    }
    report_role_cycles();
    close_roles();
  }

  // The role's index, or kNone after reporting UnknownRole.
  Index find_role(const ast::Name& name) {
    const Index found = tenant_.find_role(names_.intern(name.text));
    if (found == kNone) {
      std::vector<std::string_view> candidates;
      for (const model::Role& role : tenant_.roles) candidates.push_back(names_.name(role.name));
      reporter_.report(DiagCode::UnknownRole, name.span,
                       {name.text, unit_.context, did_you_mean(name.text, candidates)});
    }
    return found;
  }

  model::RoleList resolve_roles(const std::vector<ast::Name>& names) {
    model::RoleList list;
    list.all = names.empty();
    for (const ast::Name& name : names) {
      const Index role = find_role(name);
      if (role != kNone &&
          std::find(list.roles.begin(), list.roles.end(), role) == list.roles.end()) {
        list.roles.push_back(role);
      }
    }
    return list;
  }

  // One report per cycle found by a depth-first search in declaration order,
  // at the role where the search entered it: `a -> b -> a`.
  void report_role_cycles() {
    enum class Color { White, Gray, Black };
    std::vector<Color> color(tenant_.roles.size(), Color::White);
    std::vector<Index> path;
    const auto visit = [&](const auto& self, Index at) -> void {
      color[at] = Color::Gray;
      path.push_back(at);
      for (const Index parent : tenant_.roles[at].parents) {
        if (color[parent] == Color::Gray) {
          const auto start = std::find(path.begin(), path.end(), parent);
          std::vector<std::string_view> cycle;
          for (auto p = start; p != path.end(); ++p)
            cycle.push_back(names_.name(tenant_.roles[*p].name));
          cycle.push_back(names_.name(tenant_.roles[parent].name));
          reporter_.report(DiagCode::RoleCycle, tenant_.roles[*start].span,
                           {unit_label(), join(cycle, " -> ")});
        } else if (color[parent] == Color::White) {
          self(self, parent);
        }
      }
      path.pop_back();
      color[at] = Color::Black;
    };
    for (Index i = 0; i < tenant_.roles.size(); ++i) {
      if (color[i] == Color::White) visit(visit, i);
    }
  }

  // is_a: reachability over `extends` (model/role_closure: linear in
  // edges × roles / 64 words, and terminates on cycles too).
  void close_roles() {
    const std::size_t count = tenant_.roles.size();
    const std::size_t words = (count + 63) / 64;
    std::vector<std::vector<Index>> parents(count);
    for (Index i = 0; i < count; ++i) parents[i] = tenant_.roles[i].parents;
    const std::vector<std::uint64_t> closed = model::reachability(parents);
    for (Index i = 0; i < count; ++i) {
      const auto from = closed.begin() + static_cast<std::ptrdiff_t>(i * words);
      tenant_.roles[i].is_a_bits.assign(from, from + static_cast<std::ptrdiff_t>(words));
    }
  }

  // ------------------------------------------------------------ overridable declarations

  // Features, plans and lifecycles: a later layer's declaration replaces the
  // inherited one *in its place*, so the order (e.g. of plans, which `plans`
  // lists in declaration order) is where the name was first declared; twice
  // in one layer is a duplicate.
  template <typename Decl, typename Get, typename Key>
  std::vector<Slot<Decl>> collect_overridable(Get get, Key key, std::string_view kind) {
    std::vector<Slot<Decl>> out;
    std::map<std::string, std::size_t> position;
    for (std::size_t layer = 0; layer < unit_.layers.size(); ++layer) {
      for (const Decl& decl : get(*unit_.layers[layer].body)) {
        const ast::Name& name = key(decl);
        const auto [at, fresh] = position.emplace(name.text, out.size());
        if (fresh) {
          out.push_back(Slot<Decl>{&decl, layer});
        } else if (out[at->second].layer == layer) {
          reporter_.report(
              DiagCode::DuplicateDeclaration, name.span,
              {kind, name.text, unit_.context, reporter_.where(key(*out[at->second].decl).span)});
        } else {
          out[at->second] = Slot<Decl>{&decl, layer};
        }
      }
    }
    return out;
  }

  // ------------------------------------------------------------ features

  void resolve_feature(const ast::FeatureDecl& decl, model::Feature& feature) {
    feature.roles = resolve_roles(decl.roles);
    const Scope scope{"feature", {}};
    feature.condition = expressions_.check_condition(decl.condition, scope, "a 'when' condition");
    feature.depends_on = expressions_.take_enabled();
  }

  // Reports enabled() cycles between features and orders every feature after
  // the features its condition depends on (the evaluation order).
  void order_features() {
    enum class Color { White, Gray, Black };
    std::vector<Color> color(tenant_.features.size(), Color::White);
    std::vector<Index> path;
    const auto visit = [&](const auto& self, Index at) -> void {
      color[at] = Color::Gray;
      path.push_back(at);
      for (const Index next : tenant_.features[at].depends_on) {
        if (color[next] == Color::Gray) {
          const auto start = std::find(path.begin(), path.end(), next);
          std::vector<std::string_view> cycle;
          for (auto p = start; p != path.end(); ++p)
            cycle.push_back(names_.name(tenant_.features[*p].name));
          cycle.push_back(names_.name(tenant_.features[next].name));
          reporter_.report(DiagCode::FeatureCycle, tenant_.features[*start].span,
                           {unit_label(), join(cycle, " -> ")});
        } else if (color[next] == Color::White) {
          self(self, next);
        }
      }
      path.pop_back();
      color[at] = Color::Black;
      tenant_.feature_order.push_back(at);
    };
    for (Index i = 0; i < tenant_.features.size(); ++i) {
      if (color[i] == Color::White) visit(visit, i);
    }
  }

  Index find_feature(const ast::Name& name) {
    const Index found = tenant_.find_feature(names_.intern(name.text));
    if (found == kNone) {
      std::vector<std::string_view> candidates;
      for (const model::Feature& f : tenant_.features) candidates.push_back(names_.name(f.name));
      reporter_.report(DiagCode::UnknownFeature, name.span,
                       {name.text, unit_.context, did_you_mean(name.text, candidates)});
    }
    return found;
  }

  // ------------------------------------------------------------ plans

  void resolve_plan(const ast::PlanDecl& decl) {
    model::Plan plan;
    plan.name = names_.intern(decl.name.text);
    plan.span = decl.span;
    plan.roles = resolve_roles(decl.roles);
    const Scope scope{"plan", {}};
    plan.condition = expressions_.check_condition(decl.condition, scope, "a 'when' condition");
    (void)expressions_.take_enabled();
    for (const ast::Name& name : decl.required_features) {
      const Index feature = find_feature(name);
      if (feature != kNone) plan.required_features.push_back(feature);
    }
    claims_.push_back({IdClaim::Kind::Plan, tenant_.plans.size(), 0, &decl.annotation, decl.span});
    tenant_.plans.push_back(std::move(plan));
  }

  // ------------------------------------------------------------ lifecycles

  Index find_resource_type(const ast::Name& name) {
    return checker::find_resource_type(schema_, names_, reporter_, name);
  }

  void declare_lifecycles(const std::vector<Slot<ast::LifecycleDecl>>& lifecycles) {
    tenant_.lifecycle_of.assign(schema_.resources.size(), kNone);
    for (const auto& slot : lifecycles) {
      const ast::LifecycleDecl& decl = *slot.decl;
      const Index type = find_resource_type(decl.resource_type);
      if (type == kNone) continue;
      model::Lifecycle lifecycle;
      lifecycle.resource_type = type;
      lifecycle.span = decl.span;
      for (const ast::Name& state : decl.states) {
        const model::Symbol name = names_.intern(state.text);
        if (const Index previous = lifecycle.find_state(name); previous != kNone) {
          reporter_.report(
              DiagCode::DuplicateDeclaration, state.span,
              {"state", state.text, "", reporter_.where(lifecycle.state_spans[previous])});
          continue;
        }
        lifecycle.states.push_back(name);
        lifecycle.state_spans.push_back(state.span);
      }
      if (decl.states.empty()) {
        reporter_.report(DiagCode::LifecycleWithoutStates, decl.resource_type.span,
                         {decl.resource_type.text});
      }
      if (!decl.initial) {
        reporter_.report(DiagCode::LifecycleWithoutInitial, decl.resource_type.span,
                         {decl.resource_type.text});
      } else {
        lifecycle.initial = lifecycle.find_state(names_.intern(decl.initial->text));
        if (lifecycle.initial == kNone && !decl.states.empty()) {
          reporter_.report(DiagCode::InitialNotAState, decl.initial->span,
                           {decl.initial->text, decl.resource_type.text});
        }
      }
      tenant_.lifecycle_of[type] = static_cast<Index>(tenant_.lifecycles.size());
      tenant_.lifecycles.push_back(std::move(lifecycle));
      lifecycle_decls_.push_back(&decl);
    }
  }

  Index find_state(const model::Lifecycle& lifecycle, const ast::Name& name) {
    const Index found = lifecycle.find_state(names_.intern(name.text));
    if (found == kNone && !lifecycle.states.empty()) {
      std::vector<std::string_view> candidates;
      for (const model::Symbol s : lifecycle.states) candidates.push_back(names_.name(s));
      reporter_.report(DiagCode::UnknownState, name.span,
                       {name.text, names_.name(schema_.resources[lifecycle.resource_type].name),
                        unit_.context + did_you_mean(name.text, candidates)});
    }
    return found;
  }

  void resolve_edges(const ast::LifecycleDecl& decl, std::size_t index) {
    model::Lifecycle& lifecycle = tenant_.lifecycles[index];
    const Scope scope{"", {lifecycle.resource_type}};
    for (const ast::LifecycleEdge& edge_decl : decl.edges) {
      model::Edge edge;
      edge.span = edge_decl.span;
      for (const ast::Name& from : edge_decl.from) {
        const Index state = find_state(lifecycle, from);
        if (state != kNone) edge.from.push_back(state);
      }
      edge.to = find_state(lifecycle, edge_decl.to);
      edge.roles = resolve_roles(edge_decl.roles);
      edge.condition =
          expressions_.check_condition(edge_decl.condition, scope, "a 'when' condition");
      (void)expressions_.take_enabled();
      claims_.push_back({IdClaim::Kind::Edge, lifecycle.edges.size(), index, &edge_decl.annotation,
                         edge_decl.span});
      lifecycle.edges.push_back(std::move(edge));
    }
  }

  // ------------------------------------------------------------ transitions and rules

  void resolve_transition(const ast::TransitionDecl& decl) {
    model::Transition transition;
    transition.span = decl.span;
    transition.from = find_role(decl.from);
    transition.to = find_role(decl.to);
    const Scope scope{"transition", {}};
    transition.condition =
        expressions_.check_condition(decl.condition, scope, "a 'when' condition");
    (void)expressions_.take_enabled();
    claims_.push_back(
        {IdClaim::Kind::Transition, tenant_.transitions.size(), 0, &decl.annotation, decl.span});
    tenant_.transitions.push_back(std::move(transition));
  }

  void resolve_rule(const ast::RuleDecl& decl) {
    model::Rule rule;
    rule.effect =
        decl.effect == ast::Effect::Permit ? model::Effect::Permit : model::Effect::Forbid;
    rule.span = decl.span;
    rule.all_types = decl.all_types;
    Scope scope;
    if (decl.all_types) {
      for (Index i = 0; i < schema_.resources.size(); ++i) scope.types.push_back(i);
    } else {
      for (const ast::Name& type_name : decl.types) {
        const Index type = find_resource_type(type_name);
        if (type != kNone &&
            std::find(rule.types.begin(), rule.types.end(), type) == rule.types.end()) {
          rule.types.push_back(type);
        }
      }
      scope.types = rule.types;
    }
    // Each action must be declared for one of the rule's types at least
    // (with none known, the unknown type is the error to read).
    rule.all_actions = decl.all_actions;
    for (const ast::Name& action : decl.actions) {
      const model::Symbol symbol = names_.intern(action.text);
      if (scope.types.empty()) continue;
      if (!declared_for_any(symbol, scope.types, decl.all_types)) {
        report_undeclared(action, scope.types, decl.all_types);
        continue;
      }
      if (std::find(rule.actions.begin(), rule.actions.end(), symbol) == rule.actions.end()) {
        rule.actions.push_back(symbol);
      }
    }
    rule.roles = resolve_roles(decl.roles);
    // `when A unless B` is `A && !B`: B is read only where A holds.
    Facts known;
    rule.when = expressions_.check_condition(decl.when, scope, "a 'when' condition", {}, &known);
    rule.unless = expressions_.check_condition(decl.unless, scope, "an 'unless' condition", known);
    (void)expressions_.take_enabled();
    claims_.push_back({IdClaim::Kind::Rule, tenant_.rules.size(), 0, &decl.annotation, decl.span});
    tenant_.rules.push_back(std::move(rule));
  }

  // ------------------------------------------------------------ ids

  // Every transition, plan, edge and rule gets its @id, else `FILE:LINE`.
  // Two default ids on one line (no @id, one line) would collide, so the
  // later one gets `FILE:LINE:COL`. An @id used twice, or equal to another
  // item's default id, is a DuplicateId at the later item (in source order).
  void assign_ids() {
    std::stable_sort(claims_.begin(), claims_.end(), [](const IdClaim& a, const IdClaim& b) {
      return std::tie(a.span.file, a.span.offset) < std::tie(b.span.file, b.span.offset);
    });
    std::map<std::string, Span> used;
    for (IdClaim& claim : claims_) {
      if (claim.annotation->has_value()) continue;
      std::string id = reporter_.file_line(claim.span);
      if (used.count(id) != 0) id += ':' + std::to_string(claim.span.column);
      used.emplace(id, claim.span);
      target(claim) = std::move(id);
    }
    for (IdClaim& claim : claims_) {
      if (!claim.annotation->has_value()) continue;
      const ast::Name& name = (*claim.annotation)->id;
      const auto [at, fresh] = used.emplace(name.text, name.span);
      if (!fresh) {
        reporter_.report(DiagCode::DuplicateId, name.span,
                         {name.text, unit_.context, reporter_.where(at->second)});
      }
      target(claim) = name.text;
    }
  }

  std::string& target(const IdClaim& claim) {
    switch (claim.kind) {
      case IdClaim::Kind::Transition:
        return tenant_.transitions[claim.index].id;
      case IdClaim::Kind::Plan:
        return tenant_.plans[claim.index].id;
      case IdClaim::Kind::Edge:
        return tenant_.lifecycles[claim.lifecycle].edges[claim.index].id;
      case IdClaim::Kind::Rule:
        break;
    }
    return tenant_.rules[claim.index].id;
  }

  const Unit& unit_;
  const model::Schema& schema_;
  model::Interner& names_;
  Reporter& reporter_;
  model::Tenant tenant_;
  ExpressionChecker expressions_;
  std::vector<IdClaim> claims_;
  std::vector<const ast::LifecycleDecl*> lifecycle_decls_;  // parallel to tenant_.lifecycles
};

}  // namespace

model::Tenant resolve_unit(const Unit& unit, const model::Schema& schema, model::Interner& names,
                           Reporter& reporter) {
  return Resolver(unit, schema, names, reporter).run();
}

}  // namespace tenet::checker
