#include "engine/checker/internal/lint_declarations.hpp"

#include <string>
#include <string_view>
#include <vector>

#include "engine/checker/internal/lint_text.hpp"

namespace tenet::checker {
namespace {

using model::Index;

// Compares each declaration of the partner's own body with the one of an
// earlier layer it replaces (the last one of that key).
template <typename Get, typename Key>
void compare_replaced(const LintContext& context, const Unit& unit, LintReporter& reporter,
                      std::string_view kind, Get get, Key key) {
  if (unit.layers.size() < 2) return;
  const std::size_t own = unit.layers.size() - 1;
  for (const auto& decl : get(*unit.layers[own].body)) {
    const ast::Name& name = key(decl);
    const std::remove_reference_t<decltype(decl)>* replaced = nullptr;
    std::size_t replaced_layer = 0;
    for (std::size_t layer = 0; layer < own; ++layer) {
      for (const auto& earlier : get(*unit.layers[layer].body)) {
        if (key(earlier).text != name.text) continue;
        replaced = &earlier;
        replaced_layer = layer;
      }
    }
    if (replaced == nullptr) continue;
    const SourceSet& sources = reporter.sources();
    if (normalized_text(sources.text(decl.span)) != normalized_text(sources.text(replaced->span)))
      continue;
    const std::string subject = kind == "lifecycle" ? "the lifecycle of '" + name.text + "'"
                                                    : std::string(kind) + " '" + name.text + "'";
    reporter.report(DiagCode::IdenticalOverride, name.span,
                    {subject, unit.context, kind, owner_name(context, unit.layers[replaced_layer]),
                     "replaces", reporter.where(key(*replaced).span)});
  }
}

// Every feature the tenant's conditions or plans read.
std::vector<bool> features_read(const model::Tenant& tenant) {
  std::vector<bool> read(tenant.features.size(), false);
  for (const model::Node& node : tenant.nodes) {
    if (node.op == model::Op::Enabled && node.ref < read.size()) read[node.ref] = true;
  }
  for (const model::Plan& plan : tenant.plans) {
    for (const Index feature : plan.required_features) {
      if (feature < read.size()) read[feature] = true;
    }
  }
  return read;
}

// Where a feature name is first declared among the unit's layers.
const ast::Name* first_declaration(const Unit& unit, std::string_view name) {
  for (const Layer& layer : unit.layers) {
    for (const ast::FeatureDecl& decl : layer.body->features) {
      if (decl.name.text == name) return &decl.name;
    }
  }
  return nullptr;
}

}  // namespace

void lint_identical_overrides(const LintContext& context, const LintedTenant& linted,
                              LintReporter& reporter) {
  const Unit& unit = *linted.unit;
  compare_replaced(
      context, unit, reporter, "feature",
      [](const ast::Body& body) -> const auto& { return body.features; },
      [](const ast::FeatureDecl& decl) -> const ast::Name& { return decl.name; });
  compare_replaced(
      context, unit, reporter, "plan",
      [](const ast::Body& body) -> const auto& { return body.plans; },
      [](const ast::PlanDecl& decl) -> const ast::Name& { return decl.name; });
  compare_replaced(
      context, unit, reporter, "lifecycle",
      [](const ast::Body& body) -> const auto& { return body.lifecycles; },
      [](const ast::LifecycleDecl& decl) -> const ast::Name& { return decl.resource_type; });
}

void lint_unused_features(const LintContext& context, const LintedTenant& linted,
                          LintReporter& reporter) {
  const model::Tenant& tenant = *linted.tenant;
  const std::vector<bool> read = features_read(tenant);
  for (Index f = 0; f < tenant.features.size(); ++f) {
    if (read[f]) continue;
    const std::string_view name = context.names.name(tenant.features[f].name);
    const ast::Name* declared = first_declaration(*linted.unit, name);
    reporter.report(DiagCode::UnusedFeature,
                    declared != nullptr ? declared->span : tenant.features[f].span,
                    {name, linted.unit->context, name});
  }
}

}  // namespace tenet::checker
