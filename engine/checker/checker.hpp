// The checker: parsed files → one resolved, typed model of the policy set.
//
// See engine/model/model.hpp for what it produces. Reports every problem it finds
// (it keeps going after an error) as diagnostics; the model is only usable
// when there are no errors. Pure function of its inputs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/model/model.hpp"
#include "grammar/ast.hpp"
#include "grammar/source/diagnostic.hpp"
#include "grammar/source/source.hpp"

namespace tenet::checker {

// One partner's unit (docs/UNITS.md) as the checker judged it.
struct UnitVerdict {
  std::string tenant;
  Span span;                            // its (first) declaration
  std::vector<Diagnostic> diagnostics;  // this unit's errors and warnings, sorted

  [[nodiscard]] bool ok() const { return !has_errors(diagnostics); }
};

struct CheckResult {
  std::shared_ptr<const model::PolicySet> policy_set;  // null when there are errors
  std::vector<Diagnostic> diagnostics;                 // errors and warnings, sorted

  // The same check split by unit (docs/UNITS.md). A diagnostic belongs to
  // the unit of the tenant whose declaration it lies in or whose
  // resolution found it (a template line that breaks only in that tenant);
  // everything else (schema, templates) to the platform part.
  std::vector<Diagnostic> platform_diagnostics;
  std::vector<UnitVerdict> units;  // one per tenant name declared, in declaration order
  // The platform part and every tenant whose unit has no error: what a
  // server can serve while some partners are broken. Null when the platform
  // part has errors (nothing can be served).
  std::shared_ptr<const model::PolicySet> servable;
};

struct CheckerOptions {
  // Also the lint warnings (docs/LANGUAGE.md §9, "Lint"; `tenet check --lint`).
  bool lint = false;
};

[[nodiscard]] CheckResult check_policy_set(
    std::shared_ptr<const SourceSet> sources,
    const std::vector<std::shared_ptr<const ast::File>>& files, const CheckerOptions& options = {});

// One partner's unit checked on its own against a platform part
// (docs/UNITS.md): `platform` is a set the platform part checked clean in
// (its schema and names are reused, not checked again), `platform_files`
// the files its templates are declared in, and `unit_file` the file that
// declares the tenant (and nothing else the platform needs), parsed into
// `sources`, which extends platform->sources. The result's `policy_set` (and
// `servable`) holds that one tenant when the unit has no error; its one
// verdict carries every diagnostic.
[[nodiscard]] CheckResult check_unit(
    std::shared_ptr<const model::PolicySet> platform, std::shared_ptr<const SourceSet> sources,
    const std::vector<std::shared_ptr<const ast::File>>& platform_files,
    const std::shared_ptr<const ast::File>& unit_file);

// The tenant declaration `span` lies in, if any (null: the platform part's).
[[nodiscard]] const ast::TenantDecl* tenant_declaring(
    const std::vector<std::shared_ptr<const ast::File>>& files, const Span& span);

}  // namespace tenet::checker
