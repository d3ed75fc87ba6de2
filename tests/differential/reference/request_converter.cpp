#include "tests/differential/reference/request_converter.hpp"

#include <algorithm>

#include "engine/engine.hpp"
#include "engine/json/request_parser.hpp"

namespace tenet::reference {
namespace {

std::string type_text(const model::AttributeType& type, const model::PolicySet& model) {
  switch (type.kind) {
    case model::AttributeKind::Bool:
      return "bool";
    case model::AttributeKind::Int:
      return "int";
    case model::AttributeKind::String:
      return "string";
    case model::AttributeKind::Enum: {
      std::string out;
      for (const model::Symbol m : model.schema.enums.at(type.enum_index).members) {
        if (!out.empty()) out += " | ";
        out += "\"" + std::string(model.name(m)) + "\"";
      }
      return out;
    }
    case model::AttributeKind::SetOfString:
      return "set<string>";
    case model::AttributeKind::SetOfInt:
      return "set<int>";
  }
  return "?";
}

std::string kind_text(const SimpleValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) return "bool";
        if constexpr (std::is_same_v<T, std::int64_t>) return "int";
        if constexpr (std::is_same_v<T, std::string>) return "string";
        if constexpr (std::is_same_v<T, StringSet>) return "set<string>";
        return "set<int>";
      },
      v);
}

}  // namespace

EngineRequest::EngineRequest(const CompiledPolicySet& policies, const SimpleRequest& request)
    : model_(policies.model()), simple_(request) {
  std::string principal_invalid;
  std::string resource_invalid;
  std::string context_invalid;
  const auto base_of = [&](RequestBase& base) {
    fill_base(policies, base, principal_invalid, context_invalid);
    return &base;
  };
  RequestBase* base = nullptr;
  switch (simple_.op) {
    case Operation::Check:
      base = base_of(check_);
      check_.action_name = simple_.action;
      check_.action = policies.find_action(check_.tenant, simple_.action);
      fill_resource(policies, check_.tenant, check_.resource, resource_invalid);
      break;
    case Operation::Transition:
      base = base_of(transition_);
      transition_.to_name = simple_.target;
      transition_.to = transition_.tenant == kNone
                           ? kNone
                           : policies.find_role(transition_.tenant, simple_.target);
      break;
    case Operation::Subscribe:
      base = base_of(subscribe_);
      subscribe_.plan_name = simple_.target;
      subscribe_.plan = subscribe_.tenant == kNone
                            ? kNone
                            : policies.find_plan(subscribe_.tenant, simple_.target);
      break;
    case Operation::Plans:
    case Operation::Features:
      base = base_of(base_);
      break;
    case Operation::Lifecycle:
      base = base_of(lifecycle_);
      fill_resource(policies, lifecycle_.tenant, lifecycle_.resource, resource_invalid);
      lifecycle_.to_name = simple_.target;
      if (lifecycle_.tenant != kNone && lifecycle_.resource.type != kNone) {
        lifecycle_.to =
            policies.find_state(lifecycle_.tenant, lifecycle_.resource.type, simple_.target);
      }
      break;
  }
  // The first misfit, in the reference's order: principal, resource, context.
  invalid_ = !principal_invalid.empty()  ? principal_invalid
             : !resource_invalid.empty() ? resource_invalid
                                         : context_invalid;
  // An undeclared action wins over them, as the request parser has it.
  if (simple_.op == Operation::Check) {
    std::string undeclared = undeclared_action(policies);
    if (!undeclared.empty()) invalid_ = std::move(undeclared);
  }
  base->invalid = invalid_;
}

std::string EngineRequest::undeclared_action(const CompiledPolicySet& policies) const {
  // What the request parser makes of the same request as a protocol line:
  // only it words this error (the evaluator has neither the names nor the
  // suggestion), and its message is the one a client reads. Attribute
  // messages start with their path (principal.attrs., ...), never so.
  static thread_local json::RequestParser parser;
  const json::ParsedRequest& parsed = parser.parse(policies, describe(simple_));
  const auto* check = parsed.ok() ? std::get_if<CheckRequest>(&parsed.request) : nullptr;
  if (check == nullptr || !check->invalid.starts_with("action '")) return {};
  return std::string(check->invalid);
}

void EngineRequest::fill_base(const CompiledPolicySet& policies, RequestBase& base,
                              std::string& principal_invalid, std::string& context_invalid) {
  base.tenant_name = simple_.tenant;
  base.tenant = policies.find_tenant(simple_.tenant);
  base.principal.id = simple_.principal_id;
  base.principal.role_name = simple_.role;
  base.principal.role =
      base.tenant == kNone ? kNone : policies.find_role(base.tenant, simple_.role);
  base.principal.attributes =
      place(simple_.principal, model_.schema.principal, model_.schema.principal.size(), principal_,
            "principal.attrs.", principal_invalid);
  base.context = place(simple_.context, model_.schema.context, model_.schema.context.size(),
                       context_, "context.", context_invalid);
}

void EngineRequest::fill_resource(const CompiledPolicySet& policies, Index tenant,
                                  Resource& resource, std::string& invalid) {
  const SimpleResource& r = simple_.resource;
  resource.type_name = r.type;
  resource.type = policies.find_resource_type(r.type);
  resource.id = r.id;
  resource.tenant = r.tenant;
  if (r.state) {
    resource.state_name = *r.state;
    if (tenant != kNone && resource.type != kNone) {
      resource.state = policies.find_state(tenant, resource.type, *r.state);
    }
  }
  if (resource.type == kNone) return;
  resource.attributes =
      place(r.attributes, model_.schema.resources[resource.type].attributes,
            model_.schema.resource_slots.size(), resource_, "resource.attrs.", invalid);
}

Attributes EngineRequest::place(const SimpleAttributes& attrs,
                                const std::vector<model::Attribute>& schema, std::size_t slots,
                                std::vector<Value>& out, std::string_view prefix,
                                std::string& invalid) {
  out.assign(slots, Value{});
  // In name order (the map's), so the first misfit is the reference's.
  for (const auto& entry : attrs) {
    // Named references, not a structured binding: lambdas capture them (Clang
    // before 16 refuses to capture a binding).
    const auto& name = entry.first;
    const auto& v = entry.second;
    const auto declared =
        std::find_if(schema.begin(), schema.end(),
                     [&](const model::Attribute& a) { return model_.name(a.name) == name; });
    if (declared == schema.end()) continue;  // not in the schema: ignored
    const model::Attribute& attribute = *declared;
    Value& value = out.at(attribute.slot);
    const auto fail = [&](const std::string& got) {
      if (invalid.empty()) {
        invalid = std::string(prefix) + name + ": expected " + type_text(attribute.type, model_) +
                  ", got " + got;
      }
    };
    const auto* strings = std::get_if<StringSet>(&v);
    const auto* ints = std::get_if<IntSet>(&v);
    const bool empty_set =
        (strings != nullptr && strings->empty()) || (ints != nullptr && ints->empty());
    switch (attribute.type.kind) {
      case model::AttributeKind::Bool:
        if (const auto* b = std::get_if<bool>(&v)) {
          value.kind = ValueKind::Bool;
          value.boolean = *b;
        } else {
          fail(kind_text(v));
        }
        break;
      case model::AttributeKind::Int:
        if (const auto* i = std::get_if<std::int64_t>(&v)) {
          value.kind = ValueKind::Int;
          value.integer = *i;
        } else {
          fail(kind_text(v));
        }
        break;
      case model::AttributeKind::String:
        if (const auto* s = std::get_if<std::string>(&v)) {
          value.kind = ValueKind::String;
          value.string = *s;
        } else {
          fail(kind_text(v));
        }
        break;
      case model::AttributeKind::Enum: {
        const auto* s = std::get_if<std::string>(&v);
        if (s == nullptr) {
          fail(kind_text(v));
          break;
        }
        const auto& members = model_.schema.enums.at(attribute.type.enum_index).members;
        const auto member = std::find_if(members.begin(), members.end(),
                                         [&](model::Symbol m) { return model_.name(m) == *s; });
        if (member == members.end()) {
          fail("\"" + *s + "\"");
          break;
        }
        value.kind = ValueKind::Enum;
        value.string = *s;
        value.member = static_cast<Index>(member - members.begin());
        break;
      }
      case model::AttributeKind::SetOfString:
        if (strings != nullptr || empty_set) {
          auto& views = string_sets_.emplace_back();
          if (strings != nullptr) views.assign(strings->begin(), strings->end());
          value.kind = ValueKind::SetOfString;
          value.strings = views;
        } else {
          fail(kind_text(v));
        }
        break;
      case model::AttributeKind::SetOfInt:
        if (ints != nullptr || empty_set) {
          value.kind = ValueKind::SetOfInt;
          if (ints != nullptr) value.integers = *ints;
        } else {
          fail(kind_text(v));
        }
        break;
    }
  }
  return out;
}

void EngineRequest::run(const CompiledPolicySet& policies, Decision& out) const {
  switch (simple_.op) {
    case Operation::Check:
      check(policies, check_, out);
      return;
    case Operation::Transition:
      transition(policies, transition_, out);
      return;
    case Operation::Subscribe:
      subscribe(policies, subscribe_, out);
      return;
    case Operation::Plans:
      plans(policies, base_, out);
      return;
    case Operation::Features:
      features(policies, base_, out);
      return;
    case Operation::Lifecycle:
      lifecycle(policies, lifecycle_, out);
      return;
  }
}

Answer to_answer(const Decision& d) {
  Answer a;
  a.allow = d.allow;
  for (const auto r : d.reasons) a.reasons.emplace_back(r);
  for (const auto u : d.unmet) a.unmet.emplace_back(u);
  for (const auto n : d.names) a.names.emplace_back(n);
  for (const eval::RuleError& e : d.errors) a.errors.emplace_back(e.rule, e.message);
  a.error_code = d.error_code;
  a.error_message = d.error_message;
  return a;
}

}  // namespace tenet::reference
