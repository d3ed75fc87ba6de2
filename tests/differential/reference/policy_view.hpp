// The reference evaluator's view of a parsed policy set: the AST itself,
// with templates resolved per tenant (docs/LANGUAGE.md §4) and ids assigned —
// nothing interned, nothing indexed, every lookup a linear scan by name.
//
// Deliberately independent of engine/ (checker, model, compiler): it reads
// only grammar/ast.hpp, so a mistake in the engine's resolution of
// templates, overrides, ids or inheritance shows up as a difference.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/ast.hpp"
#include "grammar/source/source.hpp"

namespace tenet::reference {

// Every schema block merged: attribute name → its declaration.
struct SchemaView {
  std::map<std::string, const ast::AttributeDecl*> principal;
  std::map<std::string, const ast::AttributeDecl*> context;
  std::map<std::string, std::map<std::string, const ast::AttributeDecl*>> resources;
  // Every `actions` line of the schema blocks, in file and source order.
  std::vector<const ast::ActionsDecl*> actions;
};

// Resource type → declared actions, in declaration order, each once.
using DeclaredActions = std::map<std::string, std::vector<std::string>>;

template <typename Decl>
struct Identified {
  const Decl* decl = nullptr;
  std::string id;  // @id, else FILE:LINE (FILE:LINE:COL on a collision)
};

// A tenant's merged body: its templates' layers (parents depth first, left
// to right, each once), its own body last. Roles, transitions and rules add
// up; a later feature, plan or lifecycle replaces the earlier one in place.
struct TenantView {
  std::string name;
  std::vector<const ast::RoleDecl*> roles;
  std::vector<Identified<ast::TransitionDecl>> transitions;
  std::vector<const ast::FeatureDecl*> features;
  std::vector<Identified<ast::PlanDecl>> plans;
  std::vector<const ast::LifecycleDecl*> lifecycles;
  std::map<const ast::LifecycleEdge*, std::string> edge_ids;
  std::vector<Identified<ast::RuleDecl>> rules;
  // The schema's actions, then each layer's own (docs/LANGUAGE.md §3).
  DeclaredActions actions;

  [[nodiscard]] const ast::RoleDecl* role(std::string_view name) const;
  [[nodiscard]] const ast::FeatureDecl* feature(std::string_view name) const;
  [[nodiscard]] const Identified<ast::PlanDecl>* plan(std::string_view name) const;
  [[nodiscard]] const ast::LifecycleDecl* lifecycle(std::string_view resource_type) const;
  // Does the tenant declare `action` for `resource_type`?
  [[nodiscard]] bool declares(std::string_view action, const std::string& resource_type) const;
  // The actions declared for `resource_type` (none for an unknown type).
  [[nodiscard]] std::vector<std::string> actions_of(const std::string& resource_type) const;
  // `role` is `ancestor` or inherits from it: walks `extends` every time.
  [[nodiscard]] bool is_a(std::string_view role, std::string_view ancestor) const;
  // `for` / `by`: empty matches every role.
  [[nodiscard]] bool matches(std::string_view role, const std::vector<ast::Name>& list) const;
};

struct PolicyView {
  std::shared_ptr<const SourceSet> sources;
  std::vector<std::shared_ptr<const ast::File>> files;  // keeps the AST alive
  SchemaView schema;
  std::vector<TenantView> tenants;

  [[nodiscard]] const TenantView* tenant(std::string_view name) const;
};

// The files must check clean (the differential test asserts it first).
[[nodiscard]] PolicyView build_view(std::shared_ptr<const SourceSet> sources,
                                    std::vector<std::shared_ptr<const ast::File>> files);

}  // namespace tenet::reference
