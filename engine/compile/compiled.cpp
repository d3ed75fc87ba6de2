// CompiledPolicySet's lookups (names → indices, through the hash maps built
// at compile time; attributes through the request tables) and the runtime
// feature switches on the board beside it.
#include "engine/compile/compiled.hpp"

#include <cstddef>
#include <utility>

#include "engine/compile/short_text.hpp"

namespace tenet::compile {
namespace {

Index lookup(const NameTable& table, std::string_view name) { return table.find(name); }

}  // namespace

CompiledPolicySet::CompiledPolicySet(std::shared_ptr<const model::PolicySet> model,
                                     compile::Layout layout)
    : model_(std::move(model)),
      layout_(std::move(layout)),
      switches_(std::make_unique<FeatureSwitches>(layout_.switch_count)) {}

Index CompiledPolicySet::find_tenant(std::string_view name) const {
  return lookup(layout_.tenant_index, name);
}

Index CompiledPolicySet::find_role(Index tenant, std::string_view name) const {
  if (tenant >= layout_.tenants.size()) return kNone;
  const compile::Tenant& t = layout_.tenants[tenant];
  if (t.roles_inline) {
    for (Index r = 0; r < t.role_count; ++r) {
      const compile::Tenant::InlineRoleName& role = t.inline_roles[r];
      if (same_text(std::string_view(role.text.data(), role.length), name)) return r;
    }
    return kNone;
  }
  return lookup(t.role_index, name);
}

void CompiledPolicySet::prefetch_tenant(Index tenant) const {
  if (tenant >= layout_.tenants.size()) return;
  // The fields a request reads first (own_name, the inline roles, the
  // counts and the table pointers) are the struct's first lines.
  const compile::Tenant& t = layout_.tenants[tenant];
  const auto* first = reinterpret_cast<const char*>(&t);
  const auto* last = reinterpret_cast<const char*>(&t.rules + 1);
  constexpr std::ptrdiff_t kLine = 64;
  for (std::ptrdiff_t offset = 0; offset < last - first; offset += kLine)
    __builtin_prefetch(first + offset, 0, 3);
}

Index CompiledPolicySet::find_action(std::string_view name) const {
  return lookup(layout_.action_index, name);
}

Index CompiledPolicySet::find_resource_type(std::string_view name) const {
  return lookup(layout_.type_index, name);
}

Index CompiledPolicySet::find_state(Index tenant, Index resource_type,
                                    std::string_view name) const {
  if (!has_lifecycle(tenant, resource_type)) return kNone;
  const compile::Tenant& t = layout_.tenants[tenant];
  const compile::Lifecycle& lifecycle = t.lifecycles[t.lifecycle_of[resource_type]];
  for (std::size_t s = 0; s < lifecycle.states.size(); ++s) {
    if (lifecycle.states[s] == name) return static_cast<Index>(s);
  }
  return kNone;
}

bool CompiledPolicySet::has_lifecycle(Index tenant, Index resource_type) const {
  if (tenant >= layout_.tenants.size()) return false;
  const compile::Tenant& t = layout_.tenants[tenant];
  return resource_type < t.lifecycle_of.size() && t.lifecycle_of[resource_type] != kNone;
}

Index CompiledPolicySet::find_plan(Index tenant, std::string_view name) const {
  if (tenant >= layout_.tenants.size()) return kNone;
  return lookup(layout_.tenants[tenant].plan_index, name);
}

Index CompiledPolicySet::find_feature(Index tenant, std::string_view name) const {
  if (tenant >= layout_.tenants.size()) return kNone;
  return lookup(layout_.tenants[tenant].feature_index, name);
}

std::string_view CompiledPolicySet::tenant_name(Index tenant) const {
  return tenant < layout_.tenants.size() ? layout_.tenants[tenant].name : std::string_view{};
}

std::size_t CompiledPolicySet::tenant_count() const { return layout_.tenants.size(); }

Index CompiledPolicySet::principal_slot(std::string_view attribute) const {
  const RequestAttribute* found = layout_.requests.principal.find(attribute);
  return found != nullptr ? found->slot : kNone;
}

Index CompiledPolicySet::context_slot(std::string_view attribute) const {
  const RequestAttribute* found = layout_.requests.context.find(attribute);
  return found != nullptr ? found->slot : kNone;
}

Index CompiledPolicySet::resource_slot(std::string_view attribute) const {
  return layout_.requests.resource_slot_index.find(attribute);
}

Index CompiledPolicySet::resource_slot(Index resource_type, std::string_view attribute) const {
  if (resource_type >= layout_.requests.resources.size()) return kNone;
  const RequestAttribute* found = layout_.requests.resources[resource_type].find(attribute);
  return found != nullptr ? found->slot : kNone;
}

Index CompiledPolicySet::enum_member(const RequestAttribute* attribute,
                                     std::string_view member) const {
  if (attribute == nullptr || attribute->enum_index == kNone) return kNone;
  return layout_.requests.enums[attribute->enum_index].find(member);
}

Index CompiledPolicySet::principal_enum_member(std::string_view attribute,
                                               std::string_view member) const {
  return enum_member(layout_.requests.principal.find(attribute), member);
}

Index CompiledPolicySet::context_enum_member(std::string_view attribute,
                                             std::string_view member) const {
  return enum_member(layout_.requests.context.find(attribute), member);
}

Index CompiledPolicySet::resource_enum_member(Index resource_type, std::string_view attribute,
                                              std::string_view member) const {
  if (resource_type >= layout_.requests.resources.size()) return kNone;
  return enum_member(layout_.requests.resources[resource_type].find(attribute), member);
}

void CompiledPolicySet::set_feature_switch(Index tenant, Index feature, FeatureSwitch state) const {
  if (tenant >= layout_.tenants.size()) return;
  const compile::Tenant& t = layout_.tenants[tenant];
  if (feature >= t.features.size()) return;
  switches_->set(t.switch_base + feature, state);
}

FeatureSwitch CompiledPolicySet::feature_switch(Index tenant, Index feature) const {
  if (tenant >= layout_.tenants.size()) return FeatureSwitch::Default;
  const compile::Tenant& t = layout_.tenants[tenant];
  if (feature >= t.features.size()) return FeatureSwitch::Default;
  return switches_->get(t.switch_base + feature);
}

}  // namespace tenet::compile
