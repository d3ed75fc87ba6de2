// The compiled policy set: per tenant, the decision structures the evaluator
// walks (docs/LANGUAGE.md §7). Built from the checked model by engine/compile/compiler.cpp.
//
// What a request needs to be put in engine form is looked up here once
// (tenant, role, action, resource type, state, plan names → indices); the
// evaluator then works on indices only. Immutable once built and shared
// between threads as `std::shared_ptr<const CompiledPolicySet>`. The runtime
// feature switches are not part of it: they live on a board beside it
// (engine/compile/feature_switches.hpp explains why and how), which the set
// points at.
//
// The request-validation tables are compiled in too (request_tables.hpp):
// nothing at run time reads the model to validate or look up attributes.
//
// NOTE for implementers: the public lookup API below is the contract with
// the request parser (engine/json/request_parser) and the tests; the data layout
// behind it belongs to engine/compile/compiler.cpp and engine/eval/evaluator.cpp.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "engine/compile/feature_switches.hpp"
#include "engine/compile/layout.hpp"
#include "engine/compile/request_tables.hpp"
#include "engine/model/model.hpp"

namespace tenet::compile {

using model::Index;
using model::kNone;

class CompiledPolicySet {
 public:
  // Built by compile(); the layout's views point into `model` (interned
  // names, source text) and into the layout's own string storage.
  CompiledPolicySet(std::shared_ptr<const model::PolicySet> model, compile::Layout layout);
  CompiledPolicySet(const CompiledPolicySet&) = delete;
  CompiledPolicySet& operator=(const CompiledPolicySet&) = delete;

  // ---- name lookups (engine form of a request); kNone when not declared
  [[nodiscard]] Index find_tenant(std::string_view name) const;
  [[nodiscard]] Index find_role(Index tenant, std::string_view name) const;
  // Starts loading what find_role and check read first of `tenant` (a
  // hint: no effect on results), so a caller with other work to do before
  // them does not wait for the cache miss of a tenant not recently used.
  void prefetch_tenant(Index tenant) const;
  [[nodiscard]] Index find_action(std::string_view name) const;  // kNone: no rule names it
  [[nodiscard]] Index find_resource_type(std::string_view name) const;
  // The type's lifecycle in this tenant; kNone when it has none or no such state.
  [[nodiscard]] Index find_state(Index tenant, Index resource_type, std::string_view name) const;
  [[nodiscard]] bool has_lifecycle(Index tenant, Index resource_type) const;
  [[nodiscard]] Index find_plan(Index tenant, std::string_view name) const;
  [[nodiscard]] Index find_feature(Index tenant, std::string_view name) const;
  [[nodiscard]] std::string_view tenant_name(Index tenant) const;
  [[nodiscard]] std::size_t tenant_count() const;

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
    return layout_.requests.principal_slots;
  }
  [[nodiscard]] std::size_t context_slot_count() const { return layout_.requests.context_slots; }
  [[nodiscard]] std::size_t resource_slot_count() const { return layout_.requests.resource_slots; }
  // The index of `member` in the enum `attribute` is declared with (the
  // Value::member of an enum value); kNone when the attribute is not an
  // enum or has no such member. Principal / context / one resource type:
  [[nodiscard]] Index principal_enum_member(std::string_view attribute,
                                            std::string_view member) const;
  [[nodiscard]] Index context_enum_member(std::string_view attribute,
                                          std::string_view member) const;
  [[nodiscard]] Index resource_enum_member(Index resource_type, std::string_view attribute,
                                           std::string_view member) const;
  // The compiled tables behind these lookups, which the request parser
  // validates JSON attributes with.
  [[nodiscard]] const RequestTables& request_tables() const { return layout_.requests; }

  // The checked model it was compiled from (the sources for quoting, `tenet
  // tree`, SQL generation). Request validation does not read it.
  [[nodiscard]] const model::PolicySet& model() const { return *model_; }
  [[nodiscard]] const std::shared_ptr<const model::PolicySet>& model_ptr() const { return model_; }

  // ---- runtime feature switches (the server's set_feature); thread-safe.
  // They are the board beside the set (feature_switches.hpp): writing one
  // changes the board, not the compiled set, so these are const members.
  // Out-of-range indices are ignored (set) or read as Default (get).
  void set_feature_switch(Index tenant, Index feature, FeatureSwitch state) const;
  [[nodiscard]] FeatureSwitch feature_switch(Index tenant, Index feature) const;
  // The board itself (the evaluator reads it; slot = switch_base + feature).
  [[nodiscard]] FeatureSwitches& switches() const { return *switches_; }

  // The compiled structures (engine/compile/layout.hpp): read by the
  // evaluator and by `tenet tree`.
  [[nodiscard]] const compile::Layout& layout() const { return layout_; }

 private:
  [[nodiscard]] Index enum_member(const RequestAttribute* attribute, std::string_view member) const;

  std::shared_ptr<const model::PolicySet> model_;
  const compile::Layout layout_;
  // Beside the compiled form, not in it: a separate allocation, the only
  // state that changes while the set serves.
  const std::unique_ptr<FeatureSwitches> switches_;
};

}  // namespace tenet::compile
