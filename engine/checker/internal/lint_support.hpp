// What the lint passes share (docs/LANGUAGE.md §9, "Lint"): the inputs of
// one tenant's lint, where each of its rules was declared, and a reporter
// that drops what a `tenet-lint: ignore` comment silences.
//
// Internal to engine/ (included by the lint passes).
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/checker/internal/check_support.hpp"
#include "engine/checker/internal/template_graph.hpp"
#include "engine/model/model.hpp"
#include "grammar/ast.hpp"

namespace tenet::checker {

// One tenant the lint judges: its unit (layers) and its resolved model.
struct LintedTenant {
  const Unit* unit = nullptr;
  const model::Tenant* tenant = nullptr;
};

struct LintContext {
  const model::Schema& schema;
  const model::Interner& names;
  const std::vector<std::shared_ptr<const ast::File>>& files;
};

// Reports a lint warning unless a comment silences it.
class LintReporter {
 public:
  explicit LintReporter(Reporter& reporter) : reporter_(reporter) {}

  void report(DiagCode code, Span span, std::initializer_list<std::string_view> args);
  [[nodiscard]] std::string where(const Span& span) const { return reporter_.where(span); }
  [[nodiscard]] const SourceSet& sources() const { return reporter_.sources(); }

 private:
  Reporter& reporter_;
};

// Where a rule of the tenant's model was declared: model::Tenant::rules are
// the layers' rules in layer order, so rule i is the i-th declaration.
struct RuleOrigin {
  const ast::RuleDecl* decl = nullptr;
  std::size_t layer = 0;
};

// One per rule of `tenant`; empty if they do not line up (never expected).
[[nodiscard]] std::vector<RuleOrigin> rule_origins(const Unit& unit, const model::Tenant& tenant);

// The name of the template (or tenant) a layer's body belongs to.
[[nodiscard]] std::string_view owner_name(const LintContext& context, const Layer& layer);

// `tenant 'acme'`'s own body is its last layer.
[[nodiscard]] inline bool is_own(const Unit& unit, std::size_t layer) {
  return layer + 1 == unit.layers.size();
}

}  // namespace tenet::checker
