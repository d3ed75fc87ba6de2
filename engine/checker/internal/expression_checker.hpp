// Expression pass of the checker: one AST expression → typed nodes appended
// to a node vector (docs/LANGUAGE.md §6).
//
// Resolves attribute references against the schema (built-ins included),
// string literals against enums, roles, lifecycle states and resource types,
// `enabled(F)` against the tenant's features; checks every operator's types;
// warns when an optional attribute is read outside a `has` guard.
//
// Internal to engine/ (included by tenant_resolver.cpp). One checker per
// unit being resolved; not shared between threads.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/checker/internal/check_support.hpp"
#include "engine/checker/internal/guard_facts.hpp"
#include "engine/model/model.hpp"
#include "grammar/ast.hpp"

namespace tenet::checker {

// Where an expression stands: does it have a resource, and of which types.
struct Scope {
  std::string_view no_resource;  // non-empty: no resource here; names the construct ("transition")
  std::vector<model::Index> types;  // resource types covered (a rule's `on`, an edge's lifecycle)
};

class ExpressionChecker {
 public:
  // `tenant` holds the unit's roles, features (names) and lifecycles (states),
  // filled in before any expression is checked. `context` is the unit's
  // ` in tenant 'acme'` for messages.
  ExpressionChecker(const model::Schema& schema, model::Interner& names,
                    std::vector<model::Node>& nodes, const model::Tenant& tenant,
                    std::string_view context, Reporter& reporter)
      : schema_(schema),
        names_(names),
        nodes_(nodes),
        tenant_(tenant),
        context_(context),
        reporter_(reporter) {}

  // Checks a condition (`when`, `unless`): it must be bool. `what` names it
  // for messages ("a 'when' condition"); `known` are attributes a guard
  // outside it proves present; `proven_true`, if given, receives what the
  // condition proves present when it holds (a rule's `unless` is read only
  // where its `when` holds). Returns kNone for a null expression.
  model::ExprId check_condition(const ast::ExprPtr& expr, const Scope& scope, std::string_view what,
                                const Facts& known = {}, Facts* proven_true = nullptr);

  // Features named by enabled() since the last call; clears the list.
  std::vector<model::Index> take_enabled();

 private:
  model::Index check(const ast::Expr& expr, const Facts& known);
  model::Index check_attribute(const ast::Expr& expr, ast::Entity entity, const ast::Name& name,
                               bool is_has, const Facts& known);
  model::Index check_list(const ast::Expr& expr, const ast::ListLiteral& list);
  model::Index check_binary(const ast::Expr& expr, const ast::Binary& binary, const Facts& known);
  model::Index check_membership(const ast::Expr& expr, const ast::Binary& binary,
                                const Facts& known);
  void resolve_literals(model::Index attribute, model::Index literal);
  void resolve_literal(const model::Node& attribute, model::Node& literal);
  void require_bool(model::Index node, std::string_view what);
  model::Index emit(model::Node node);

  // What `has` proves about a node's value: attributes present when it is
  // true / when it is false. Only Has, Not, And and Or nodes prove anything;
  // computed bottom-up as nodes are checked, so a long `&&` chain costs
  // linear time.
  struct Proven {
    Facts if_true;
    Facts if_false;
  };
  [[nodiscard]] const Proven& proven(model::Index node) const;
  [[nodiscard]] std::string type_name(const model::StaticType& type) const;
  [[nodiscard]] std::string path(const model::Node& attribute) const;

  const model::Schema& schema_;
  model::Interner& names_;
  std::vector<model::Node>& nodes_;
  const model::Tenant& tenant_;
  std::string_view context_;
  Reporter& reporter_;
  const Scope* scope_ = nullptr;
  std::vector<model::Index> enabled_;
  std::unordered_map<model::Index, Proven> proven_;  // for the condition being checked
};

}  // namespace tenet::checker
