// CompiledPolicySet's lookups (names → indices, through the hash maps built
// at compile time; attributes through the request tables), its tenant
// directory, and the runtime feature switches on each tenant's board.
#include "engine/compile/compiled.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>

#include "engine/compile/short_text.hpp"

namespace tenet::compile {
namespace {

Index lookup(const NameTable& table, std::string_view name) { return table.find(name); }

}  // namespace

std::shared_ptr<const TenantDirectory> TenantDirectory::of(
    const std::vector<std::shared_ptr<const Tenant>>& tenants) {
  auto directory = std::make_shared<TenantDirectory>();
  for (std::size_t t = 0; t < tenants.size(); ++t) {
    const std::string_view name = directory->names.emplace_back(tenants[t]->own_name);
    directory->index.emplace(name, static_cast<Index>(t));
  }
  return directory;
}

bool TenantDirectory::matches(const std::vector<std::shared_ptr<const Tenant>>& tenants) const {
  if (tenants.size() != names.size()) return false;
  for (std::size_t t = 0; t < tenants.size(); ++t) {
    if (tenants[t]->own_name != names[t]) return false;
  }
  return true;
}

CompiledPolicySet::CompiledPolicySet(std::shared_ptr<const Platform> platform,
                                     std::vector<TenantPtr> tenants,
                                     std::shared_ptr<const TenantDirectory> directory)
    : platform_(std::move(platform)),
      tenants_(std::move(tenants)),
      directory_(directory ? std::move(directory) : TenantDirectory::of(tenants_)) {}

Index CompiledPolicySet::find_tenant(std::string_view name) const {
  return lookup(directory_->index, name);
}

Index CompiledPolicySet::find_role(Index tenant, std::string_view name) const {
  if (tenant >= tenants_.size()) return kNone;
  const compile::Tenant& t = *tenants_[tenant];
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
  if (tenant >= tenants_.size()) return;
  // The fields a request reads first (own_name, the inline roles, the
  // counts and the table pointers) are the struct's first lines.
  const compile::Tenant& t = *tenants_[tenant];
  const auto* first = reinterpret_cast<const char*>(&t);
  const auto* last = reinterpret_cast<const char*>(&t.rules + 1);
  constexpr std::ptrdiff_t kLine = 64;
  for (std::ptrdiff_t offset = 0; offset < last - first; offset += kLine)
    __builtin_prefetch(first + offset, 0, 3);
}

Index CompiledPolicySet::find_action(Index tenant, std::string_view name) const {
  if (tenant >= tenants_.size()) return kNone;
  return lookup(tenants_[tenant]->actions->index, name);
}

Index CompiledPolicySet::find_resource_type(std::string_view name) const {
  return lookup(platform_->type_index, name);
}

Index CompiledPolicySet::find_state(Index tenant, Index resource_type,
                                    std::string_view name) const {
  if (!has_lifecycle(tenant, resource_type)) return kNone;
  const compile::Tenant& t = *tenants_[tenant];
  const compile::Lifecycle& lifecycle = t.lifecycles[t.lifecycle_of[resource_type]];
  for (std::size_t s = 0; s < lifecycle.states.size(); ++s) {
    if (lifecycle.states[s] == name) return static_cast<Index>(s);
  }
  return kNone;
}

bool CompiledPolicySet::has_lifecycle(Index tenant, Index resource_type) const {
  if (tenant >= tenants_.size()) return false;
  const compile::Tenant& t = *tenants_[tenant];
  return resource_type < t.lifecycle_of.size() && t.lifecycle_of[resource_type] != kNone;
}

Index CompiledPolicySet::find_plan(Index tenant, std::string_view name) const {
  if (tenant >= tenants_.size()) return kNone;
  return lookup(tenants_[tenant]->plan_index, name);
}

Index CompiledPolicySet::find_feature(Index tenant, std::string_view name) const {
  if (tenant >= tenants_.size()) return kNone;
  return lookup(tenants_[tenant]->feature_index, name);
}

std::string_view CompiledPolicySet::tenant_name(Index tenant) const {
  return tenant < tenants_.size() ? std::string_view(tenants_[tenant]->own_name)
                                  : std::string_view{};
}

Index CompiledPolicySet::principal_slot(std::string_view attribute) const {
  const RequestAttribute* found = platform_->requests.principal.find(attribute);
  return found != nullptr ? found->slot : kNone;
}

Index CompiledPolicySet::context_slot(std::string_view attribute) const {
  const RequestAttribute* found = platform_->requests.context.find(attribute);
  return found != nullptr ? found->slot : kNone;
}

Index CompiledPolicySet::resource_slot(std::string_view attribute) const {
  return platform_->requests.resource_slot_index.find(attribute);
}

Index CompiledPolicySet::resource_slot(Index resource_type, std::string_view attribute) const {
  if (resource_type >= platform_->requests.resources.size()) return kNone;
  const RequestAttribute* found = platform_->requests.resources[resource_type].find(attribute);
  return found != nullptr ? found->slot : kNone;
}

std::span<const std::string_view> CompiledPolicySet::sensitive_attributes(
    model::Entity entity, Index resource_type) const {
  const RequestTables& tables = platform_->requests;
  switch (entity) {
    case model::Entity::Principal:
      return tables.principal.sensitive();
    case model::Entity::Context:
      return tables.context.sensitive();
    case model::Entity::Resource:
      break;
  }
  if (resource_type < tables.resources.size()) return tables.resources[resource_type].sensitive();
  return tables.sensitive_on_any_resource;
}

bool CompiledPolicySet::is_sensitive(model::Entity entity, Index resource_type,
                                     std::string_view attribute) const {
  const std::span<const std::string_view> names = sensitive_attributes(entity, resource_type);
  return std::any_of(names.begin(), names.end(),
                     [&](std::string_view name) { return same_text(name, attribute); });
}

bool CompiledPolicySet::is_sensitive(model::Entity entity, std::string_view resource_type,
                                     std::string_view attribute) const {
  const Index type = entity == model::Entity::Resource ? find_resource_type(resource_type) : kNone;
  return is_sensitive(entity, type, attribute);
}

Index CompiledPolicySet::enum_member(const RequestAttribute* attribute,
                                     std::string_view member) const {
  if (attribute == nullptr || attribute->enum_index == kNone) return kNone;
  return platform_->requests.enums[attribute->enum_index].find(member);
}

Index CompiledPolicySet::principal_enum_member(std::string_view attribute,
                                               std::string_view member) const {
  return enum_member(platform_->requests.principal.find(attribute), member);
}

Index CompiledPolicySet::context_enum_member(std::string_view attribute,
                                             std::string_view member) const {
  return enum_member(platform_->requests.context.find(attribute), member);
}

Index CompiledPolicySet::resource_enum_member(Index resource_type, std::string_view attribute,
                                              std::string_view member) const {
  if (resource_type >= platform_->requests.resources.size()) return kNone;
  return enum_member(platform_->requests.resources[resource_type].find(attribute), member);
}

void CompiledPolicySet::set_feature_switch(Index tenant, Index feature, FeatureSwitch state) const {
  if (tenant >= tenants_.size()) return;
  const compile::Tenant& t = *tenants_[tenant];
  if (feature >= t.features.size() || !t.switches) return;
  t.switches->set(feature, state);
}

FeatureSwitch CompiledPolicySet::feature_switch(Index tenant, Index feature) const {
  if (tenant >= tenants_.size()) return FeatureSwitch::Default;
  const compile::Tenant& t = *tenants_[tenant];
  if (feature >= t.features.size() || !t.switches) return FeatureSwitch::Default;
  return t.switches->get(feature);
}

}  // namespace tenet::compile
