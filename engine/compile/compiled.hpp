// The compiled policy set: per tenant, the decision structures the evaluator
// walks (docs/LANGUAGE.md §7). Built from the checked model by engine/compile/compiler.cpp.
//
// What a request needs to be put in engine form is looked up here once
// (tenant, role, action, resource type, state, plan names → indices); the
// evaluator then works on indices only. Immutable once built and shared
// between threads as `std::shared_ptr<const CompiledPolicySet>`, except the
// runtime feature switches, which are atomics (set_feature).
//
// NOTE for implementers: the public lookup API below is the contract with
// the request parser (engine/json/request_parser) and the tests; the data layout
// behind it belongs to engine/compile/compiler.cpp and engine/eval/evaluator.cpp.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "engine/compile/layout.hpp"
#include "engine/model/model.hpp"

namespace tenet::compile {

using model::Index;
using model::kNone;

enum class FeatureSwitch : std::uint8_t { Default, On, Off };

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

  // The checked model it was compiled from: the schema (attribute slots,
  // types, enums) for request validation, and the sources for quoting.
  [[nodiscard]] const model::PolicySet& model() const { return *model_; }
  [[nodiscard]] const std::shared_ptr<const model::PolicySet>& model_ptr() const { return model_; }

  // ---- runtime feature switches (the server's set_feature); thread-safe
  void set_feature_switch(Index tenant, Index feature, FeatureSwitch state) const;
  [[nodiscard]] FeatureSwitch feature_switch(Index tenant, Index feature) const;

  // The compiled structures (engine/compile/layout.hpp): read by the
  // evaluator and by `tenet tree`.
  [[nodiscard]] const compile::Layout& layout() const { return layout_; }

 private:
  std::shared_ptr<const model::PolicySet> model_;
  compile::Layout layout_;
};

}  // namespace tenet::compile
