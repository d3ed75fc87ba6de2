#include "tests/differential/reference/reference_evaluator.hpp"

#include <algorithm>

#include "grammar/source/did_you_mean.hpp"
#include "tests/differential/reference/reference_expression.hpp"

namespace tenet::reference {
namespace {

std::string type_text(const ast::Type& type) {
  switch (type.kind) {
    case ast::WrittenType::Bool:
      return "bool";
    case ast::WrittenType::Int:
      return "int";
    case ast::WrittenType::String:
      return "string";
    case ast::WrittenType::Enum: {
      std::string out;
      for (const ast::Name& m : type.members) {
        if (!out.empty()) out += " | ";
        out += "\"" + m.text + "\"";
      }
      return out;
    }
    case ast::WrittenType::SetOfString:
      return "set<string>";
    case ast::WrittenType::SetOfInt:
      return "set<int>";
  }
  return "?";
}

std::string value_text(const SimpleValue& v) {
  if (std::holds_alternative<bool>(v)) return "bool";
  if (std::holds_alternative<std::int64_t>(v)) return "int";
  if (std::holds_alternative<std::string>(v)) return "string";
  if (std::holds_alternative<StringSet>(v)) return "set<string>";
  return "set<int>";
}

// An empty set fits both set types (JSON `[]` has no element type).
bool fits(const ast::Type& type, const SimpleValue& v) {
  const auto empty_set = [&] {
    const auto* ss = std::get_if<StringSet>(&v);
    const auto* is = std::get_if<IntSet>(&v);
    return (ss != nullptr && ss->empty()) || (is != nullptr && is->empty());
  };
  switch (type.kind) {
    case ast::WrittenType::Bool:
      return std::holds_alternative<bool>(v);
    case ast::WrittenType::Int:
      return std::holds_alternative<std::int64_t>(v);
    case ast::WrittenType::String:
      return std::holds_alternative<std::string>(v);
    case ast::WrittenType::Enum: {
      const auto* s = std::get_if<std::string>(&v);
      return s != nullptr && std::any_of(type.members.begin(), type.members.end(),
                                         [&](const ast::Name& m) { return m.text == *s; });
    }
    case ast::WrittenType::SetOfString:
      return std::holds_alternative<StringSet>(v) || empty_set();
    case ast::WrittenType::SetOfInt:
      return std::holds_alternative<IntSet>(v) || empty_set();
  }
  return false;
}

// Keeps the attributes the schema declares (for this resource type), and
// returns the first that does not fit, as an invalid_request message.
std::optional<std::string> filter(SimpleAttributes& attrs,
                                  const std::map<std::string, const ast::AttributeDecl*>& schema,
                                  std::string_view prefix) {
  std::optional<std::string> invalid;
  for (auto it = attrs.begin(); it != attrs.end();) {
    const auto decl = schema.find(it->first);
    if (decl == schema.end()) {
      it = attrs.erase(it);
      continue;
    }
    if (!invalid && !fits(decl->second->type, it->second)) {
      const auto* s = std::get_if<std::string>(&it->second);
      const std::string got = decl->second->type.kind == ast::WrittenType::Enum && s != nullptr
                                  ? "\"" + *s + "\""
                                  : value_text(it->second);
      invalid = std::string(prefix) + it->first + ": expected " + type_text(decl->second->type) +
                ", got " + got;
    }
    ++it;
  }
  return invalid;
}

std::string joined(std::string_view head, const std::vector<ast::Name>& names) {
  std::string out(head);
  for (std::size_t i = 0; i < names.size(); ++i) out += (i == 0 ? "" : ", ") + names[i].text;
  return out;
}

// docs/LANGUAGE.md §7: a check naming an action the tenant does not declare
// for the type; the suggestion looks at the type's declared actions.
std::string undeclared_action(const TenantView& tenant, const std::string& action,
                              const std::string& type) {
  const std::vector<std::string> declared = tenant.actions_of(type);
  const std::vector<std::string_view> candidates(declared.begin(), declared.end());
  return "action '" + action + "' is not declared for resource type '" + type + "' in tenant '" +
         tenant.name + "'" + did_you_mean(action, candidates);
}

void add_unique(std::vector<std::string>& out, std::string text) {
  if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(std::move(text));
}

}  // namespace

struct ReferenceEvaluator::Question {
  const ReferenceEvaluator& self;
  const TenantView& tenant;
  SimpleRequest request;  // attributes filtered to the schema
  Environment env;

  Question(const ReferenceEvaluator& s, const TenantView& t, SimpleRequest r, bool has_resource)
      : self(s), tenant(t), request(std::move(r)), env{request, has_resource, {}} {
    env.enabled = [this](std::string_view f) { return enabled(f); };
  }
  Question(const Question&) = delete;
  Question& operator=(const Question&) = delete;

  [[nodiscard]] std::string id(const std::string& local) const { return tenant.name + ":" + local; }

  // docs/LANGUAGE.md §7.1-7.2; a feature whose condition is in error is off.
  [[nodiscard]] bool enabled(std::string_view name) const {
    const ast::FeatureDecl* f = tenant.feature(name);
    if (f == nullptr) return false;
    const auto sw = self.switches_.find({tenant.name, f->name.text});
    const bool on = sw != self.switches_.end() ? sw->second : f->default_on;
    return on && tenant.matches(request.role, f->roles) &&
           evaluate(f->condition.get(), env).truth == Truth::True;
  }

  [[nodiscard]] bool open(const ast::PlanDecl& plan) const {
    return tenant.matches(request.role, plan.roles) &&
           std::all_of(plan.required_features.begin(), plan.required_features.end(),
                       [&](const ast::Name& f) { return enabled(f.text); }) &&
           evaluate(plan.condition.get(), env).truth == Truth::True;
  }

  // Each top-level conjunct, on its own, false or in error.
  void unmet(const ast::Expr* condition, std::vector<std::string>& out) const {
    if (condition == nullptr) return;
    for (const ast::Expr* part : conjuncts(*condition)) {
      if (evaluate(part, env).truth != Truth::True) {
        add_unique(out, std::string(self.view_.sources->text(part->span)));
      }
    }
  }

  void check(Answer& out) const {
    const auto matching = [&](const ast::RuleDecl& rule) {
      const auto named = [](const std::vector<ast::Name>& names, const std::string& x) {
        return std::any_of(names.begin(), names.end(),
                           [&](const ast::Name& n) { return n.text == x; });
      };
      // `*` is every action the tenant declares for the type; a named
      // action applies only where it is declared (docs/LANGUAGE.md §3).
      return (rule.all_actions || named(rule.actions, request.action)) &&
             tenant.declares(request.action, request.resource.type) &&
             (rule.all_types || named(rule.types, request.resource.type)) &&
             tenant.matches(request.role, rule.roles);
    };
    const auto pass = [&](ast::Effect effect) {
      for (const auto& rule : tenant.rules) {
        if (rule.decl->effect != effect || !matching(*rule.decl)) continue;
        const Outcome o = evaluate_rule(rule.decl->when.get(), rule.decl->unless.get(), env);
        if (o.truth == Truth::Error) out.errors.emplace_back(id(rule.id), o.error);
        // A forbid in error denies; a permit in error grants nothing.
        if (o.truth == Truth::True || (o.truth == Truth::Error && effect == ast::Effect::Forbid)) {
          out.reasons.push_back(id(rule.id));
        }
      }
    };
    pass(ast::Effect::Forbid);
    if (!out.reasons.empty()) return;
    pass(ast::Effect::Permit);
    out.allow = !out.reasons.empty();
    if (!out.allow) out.reasons.emplace_back("no_permit");
  }

  void transition(Answer& out) const {
    std::vector<const Identified<ast::TransitionDecl>*> candidates;
    for (const auto& t : tenant.transitions) {
      if (t.decl->from.text == request.role && t.decl->to.text == request.target) {
        candidates.push_back(&t);
      }
    }
    if (candidates.empty()) {
      out.reasons.emplace_back("no_transition");
      return;
    }
    for (const auto* t : candidates) {
      if (evaluate(t->decl->condition.get(), env).truth == Truth::True) {
        out.reasons.push_back(id(t->id));
      }
    }
    out.allow = !out.reasons.empty();
    if (out.allow) return;
    for (const auto* t : candidates) {
      out.reasons.push_back(id(t->id));
      unmet(t->decl->condition.get(), out.unmet);
    }
  }

  void subscribe(Answer& out) const {
    const Identified<ast::PlanDecl>* plan = tenant.plan(request.target);
    if (plan == nullptr) {
      out.reasons.emplace_back("unknown_plan");
      return;
    }
    out.reasons.push_back(id(plan->id));
    out.allow = open(*plan->decl);
    if (out.allow) return;
    if (!tenant.matches(request.role, plan->decl->roles)) {
      add_unique(out.unmet, joined("for ", plan->decl->roles));
    }
    for (const ast::Name& f : plan->decl->required_features) {
      if (!enabled(f.text)) add_unique(out.unmet, "requires feature " + f.text);
    }
    unmet(plan->decl->condition.get(), out.unmet);
  }

  void lifecycle(Answer& out) const {
    const ast::LifecycleDecl* machine = tenant.lifecycle(request.resource.type);
    std::vector<std::pair<const ast::LifecycleEdge*, std::string>> candidates;
    for (const ast::LifecycleEdge& e : machine->edges) {
      const bool from = std::any_of(e.from.begin(), e.from.end(), [&](const ast::Name& n) {
        return n.text == *request.resource.state;
      });
      if (from && e.to.text == request.target) candidates.emplace_back(&e, tenant.edge_ids.at(&e));
    }
    if (candidates.empty()) {
      out.reasons.emplace_back("no_transition");
      return;
    }
    for (const auto& [edge, local] : candidates) {
      if (tenant.matches(request.role, edge->roles) &&
          evaluate(edge->condition.get(), env).truth == Truth::True) {
        out.reasons.push_back(id(local));
      }
    }
    out.allow = !out.reasons.empty();
    if (out.allow) return;
    for (const auto& [edge, local] : candidates) {
      out.reasons.push_back(id(local));
      if (!tenant.matches(request.role, edge->roles))
        add_unique(out.unmet, joined("by ", edge->roles));
      unmet(edge->condition.get(), out.unmet);
    }
  }
};

ReferenceEvaluator::ReferenceEvaluator(std::shared_ptr<const SourceSet> sources,
                                       std::vector<std::shared_ptr<const ast::File>> files)
    : view_(build_view(std::move(sources), std::move(files))) {}

void ReferenceEvaluator::set_feature_switch(const std::string& tenant, const std::string& feature,
                                            std::optional<bool> on) {
  if (on) {
    switches_[{tenant, feature}] = *on;
  } else {
    switches_.erase({tenant, feature});
  }
}

Answer ReferenceEvaluator::answer(const SimpleRequest& original) const {
  Answer out;
  const auto deny = [&](std::string reason) {
    out.reasons.push_back(std::move(reason));
    return out;
  };
  const auto invalid = [&](std::string message) {
    out.error_code = "invalid_request";
    out.error_message = std::move(message);
    return out;
  };
  const Operation op = original.op;
  const bool has_resource = op == Operation::Check || op == Operation::Lifecycle;

  // 1. Isolation, in the order of docs/LANGUAGE.md §7.
  const TenantView* tenant = view_.tenant(original.tenant);
  if (tenant == nullptr) return deny("unknown_tenant");
  if (has_resource && original.resource.tenant != original.tenant) return deny("cross_tenant");
  if (tenant->role(original.role) == nullptr) return deny("unknown_role");
  const auto type = view_.schema.resources.find(original.resource.type);
  if (has_resource && type == view_.schema.resources.end()) return deny("unknown_resource_type");

  // 2. Validation. An action the tenant does not declare for the type is
  // the error reported even when an attribute is wrong too.
  if (op == Operation::Check && !tenant->declares(original.action, original.resource.type)) {
    return invalid(undeclared_action(*tenant, original.action, original.resource.type));
  }

  // Then the attributes against the schema: principal, resource, context.
  SimpleRequest request = original;
  std::optional<std::string> bad =
      filter(request.principal, view_.schema.principal, "principal.attrs.");
  if (has_resource) {
    const auto resource_bad = filter(request.resource.attributes, type->second, "resource.attrs.");
    if (!bad) bad = resource_bad;
  } else {
    request.resource.attributes.clear();
  }
  const auto context_bad = filter(request.context, view_.schema.context, "context.");
  if (!bad) bad = context_bad;

  if (op == Operation::Lifecycle) {
    const ast::LifecycleDecl* machine = tenant->lifecycle(request.resource.type);
    if (machine == nullptr) return invalid("no lifecycle");
    const bool known_state =
        request.resource.state &&
        std::any_of(machine->states.begin(), machine->states.end(),
                    [&](const ast::Name& s) { return s.text == *request.resource.state; });
    if (!known_state) return invalid("bad state");
  }
  if (bad) return invalid(*bad);

  const Question question(*this, *tenant, std::move(request), has_resource);
  switch (op) {
    case Operation::Check:
      question.check(out);
      break;
    case Operation::Transition:
      question.transition(out);
      break;
    case Operation::Subscribe:
      question.subscribe(out);
      break;
    case Operation::Plans:
      for (const auto& plan : tenant->plans) {
        if (question.open(*plan.decl)) out.names.push_back(plan.decl->name.text);
      }
      out.allow = true;
      break;
    case Operation::Features:
      for (const ast::FeatureDecl* f : tenant->features) {
        if (question.enabled(f->name.text)) out.names.push_back(f->name.text);
      }
      out.allow = true;
      break;
    case Operation::Lifecycle:
      question.lifecycle(out);
      break;
  }
  return out;
}

}  // namespace tenet::reference
