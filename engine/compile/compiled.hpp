// The compiled policy set: the platform part plus, per tenant, the decision
// structures the evaluator walks (docs/LANGUAGE.md §7). Built from checked
// models by engine/compile/compiler.cpp.
//
// What a request needs to be put in engine form is looked up here once
// (tenant, role, action, resource type, state, plan names → indices); the
// evaluator then works on indices only. Immutable once built and shared
// between threads as `std::shared_ptr<const CompiledPolicySet>`.
//
// A set is a composition (docs/UNITS.md): one compile::Platform and one
// compile::Tenant per partner, each held by pointer, so a new version that
// changes one partner's unit shares every other tenant, and the tenants'
// name directory when no tenant came or went, with the version before it.
// The runtime feature switches are not part of the compiled form: each
// tenant has a board beside it (engine/compile/feature_switches.hpp).
//
// NOTE for implementers: the public lookup API below is the contract with
// the request parser (engine/json/request_parser) and the tests; the data layout
// behind it belongs to engine/compile/compiler.cpp and engine/eval/evaluator.cpp.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/compile/feature_switches.hpp"
#include "engine/compile/layout.hpp"
#include "engine/compile/request_tables.hpp"
#include "engine/model/model.hpp"

namespace tenet::compile {

using model::Index;
using model::kNone;

// Tenant name → position in a set, over names it owns: shared by versions of
// a set whose tenants are the same names in the same order.
struct TenantDirectory {
  NameTable index;
  std::deque<std::string> names;  // what `index`'s views point into

  [[nodiscard]] static std::shared_ptr<const TenantDirectory> of(
      const std::vector<std::shared_ptr<const Tenant>>& tenants);
  // Same names in the same order as `tenants`.
  [[nodiscard]] bool matches(const std::vector<std::shared_ptr<const Tenant>>& tenants) const;
};

class CompiledPolicySet {
 public:
  using TenantPtr = std::shared_ptr<const Tenant>;

  // `directory`, when given, must match `tenants` (TenantDirectory::matches);
  // otherwise one is built.
  CompiledPolicySet(std::shared_ptr<const Platform> platform, std::vector<TenantPtr> tenants,
                    std::shared_ptr<const TenantDirectory> directory = {});
  CompiledPolicySet(const CompiledPolicySet&) = delete;
  CompiledPolicySet& operator=(const CompiledPolicySet&) = delete;

  // ---- name lookups (engine form of a request); kNone when not declared
  [[nodiscard]] Index find_tenant(std::string_view name) const;
  [[nodiscard]] Index find_role(Index tenant, std::string_view name) const;
  // Starts loading what find_role and check read first of `tenant` (a
  // hint: no effect on results), so a caller with other work to do before
  // them does not wait for the cache miss of a tenant not recently used.
  void prefetch_tenant(Index tenant) const;
  // The tenant's local action for check; kNone when no rule of the tenant
  // names it (its candidates are the `*`-action rules) or no such tenant.
  [[nodiscard]] Index find_action(Index tenant, std::string_view name) const;
  [[nodiscard]] Index find_resource_type(std::string_view name) const;
  // The type's lifecycle in this tenant; kNone when it has none or no such state.
  [[nodiscard]] Index find_state(Index tenant, Index resource_type, std::string_view name) const;
  [[nodiscard]] bool has_lifecycle(Index tenant, Index resource_type) const;
  [[nodiscard]] Index find_plan(Index tenant, std::string_view name) const;
  [[nodiscard]] Index find_feature(Index tenant, std::string_view name) const;
  [[nodiscard]] std::string_view tenant_name(Index tenant) const;
  [[nodiscard]] std::size_t tenant_count() const { return tenants_.size(); }

  // ---- attributes by name (typed requests: a request's attribute spans
  // are indexed by slot, engine/eval/request.hpp); kNone when not declared.
  // Resource slots are shared by every type declaring an attribute of that
  // name; `resource_slot(type, name)` is kNone unless `type` declares it.
  [[nodiscard]] Index principal_slot(std::string_view attribute) const;
  [[nodiscard]] Index context_slot(std::string_view attribute) const;
  [[nodiscard]] Index resource_slot(std::string_view attribute) const;
  [[nodiscard]] Index resource_slot(Index resource_type, std::string_view attribute) const;
  // How many Values a request's attribute spans hold (size vectors by these).
  [[nodiscard]] std::size_t principal_slot_count() const {
    return platform_->requests.principal_slots;
  }
  [[nodiscard]] std::size_t context_slot_count() const { return platform_->requests.context_slots; }
  [[nodiscard]] std::size_t resource_slot_count() const {
    return platform_->requests.resource_slots;
  }
  // The index of `member` in the enum `attribute` is declared with (the
  // Value::member of an enum value); kNone when the attribute is not an
  // enum or has no such member. Principal / context / one resource type:
  [[nodiscard]] Index principal_enum_member(std::string_view attribute,
                                            std::string_view member) const;
  [[nodiscard]] Index context_enum_member(std::string_view attribute,
                                          std::string_view member) const;
  [[nodiscard]] Index resource_enum_member(Index resource_type, std::string_view attribute,
                                           std::string_view member) const;

  // ---- @sensitive attributes (LANGUAGE.md section 3): what the decision log
  // leaves out of a request's principal attrs, resource attrs and context.
  // Whether `attribute` of `entity` is declared @sensitive; for Resource, on
  // `resource_type` — or, when that is kNone or not a type of this set (a
  // request naming an unknown type), on any resource type, so a log never
  // writes a value that may be one. False for an attribute the schema does
  // not declare. Cost: a scan of that entity's sensitive names (a length
  // compare, then the bytes): nothing when it has none, a few compares when
  // it has some; no hashing, no allocation.
  [[nodiscard]] bool is_sensitive(model::Entity entity, Index resource_type,
                                  std::string_view attribute) const;
  // The same by type name: one find_resource_type (a hash lookup) more.
  [[nodiscard]] bool is_sensitive(model::Entity entity, std::string_view resource_type,
                                  std::string_view attribute) const;
  // The names is_sensitive answers true for, in declaration order (same
  // rule for `resource_type`): for a writer that walks these instead of
  // asking per key. Views into the set: valid while it lives.
  [[nodiscard]] std::span<const std::string_view> sensitive_attributes(
      model::Entity entity, Index resource_type = kNone) const;
  // False when no attribute of the schema is @sensitive: a log writer can
  // copy attributes as they are without asking per key.
  [[nodiscard]] bool has_sensitive_attributes() const { return platform_->requests.any_sensitive; }

  // The compiled tables behind these lookups, which the request parser
  // validates JSON attributes with.
  [[nodiscard]] const RequestTables& request_tables() const { return platform_->requests; }

  // The platform's checked model (the schema and its names). Request
  // validation does not read it.
  [[nodiscard]] const model::PolicySet& model() const { return *platform_->model; }

  // ---- runtime feature switches (the server's set_feature); thread-safe.
  // They are the boards beside the tenants (feature_switches.hpp): writing
  // one changes a board, not the compiled set, so these are const members.
  // Out-of-range indices are ignored (set) or read as Default (get).
  void set_feature_switch(Index tenant, Index feature, FeatureSwitch state) const;
  [[nodiscard]] FeatureSwitch feature_switch(Index tenant, Index feature) const;

  // The compiled structures (engine/compile/layout.hpp): read by the
  // evaluator, `tenet tree` and the version builder (docs/UNITS.md).
  [[nodiscard]] const Platform& platform() const { return *platform_; }
  [[nodiscard]] const std::shared_ptr<const Platform>& platform_ptr() const { return platform_; }
  // `t` < tenant_count().
  [[nodiscard]] const Tenant& tenant(Index t) const { return *tenants_[t]; }
  [[nodiscard]] const std::vector<TenantPtr>& tenants() const { return tenants_; }
  [[nodiscard]] const std::shared_ptr<const TenantDirectory>& directory() const {
    return directory_;
  }

 private:
  [[nodiscard]] Index enum_member(const RequestAttribute* attribute, std::string_view member) const;

  const std::shared_ptr<const Platform> platform_;
  const std::vector<TenantPtr> tenants_;
  const std::shared_ptr<const TenantDirectory> directory_;
};

}  // namespace tenet::compile
