#include "engine/checker/internal/lint_support.hpp"

#include "engine/checker/internal/lint_silence.hpp"

namespace tenet::checker {

void LintReporter::report(DiagCode code, Span span, std::initializer_list<std::string_view> args) {
  if (lint_silenced(reporter_.sources(), span, code_name(code))) return;
  reporter_.report(code, span, args);
}

std::vector<RuleOrigin> rule_origins(const Unit& unit, const model::Tenant& tenant) {
  std::vector<RuleOrigin> out;
  for (std::size_t layer = 0; layer < unit.layers.size(); ++layer) {
    for (const ast::RuleDecl& decl : unit.layers[layer].body->rules) out.push_back({&decl, layer});
  }
  if (out.size() != tenant.rules.size()) out.clear();
  return out;
}

std::string_view owner_name(const LintContext& context, const Layer& layer) {
  for (const auto& file : context.files) {
    for (const ast::TemplateDecl& decl : file->templates) {
      if (&decl.body == layer.body) return decl.name.text;
    }
    for (const ast::TenantDecl& decl : file->tenants) {
      if (&decl.body == layer.body) return decl.name.text;
    }
  }
  return {};
}

}  // namespace tenet::checker
