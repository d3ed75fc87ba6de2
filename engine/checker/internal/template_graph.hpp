// Template pass of the checker: which bodies make up each template and each
// tenant (docs/LANGUAGE.md §4).
//
// A unit (a template checked on its own, or a tenant) is a list of layers:
// the bodies of the templates it extends, depth first, left to right, each
// template once even when reached twice (a diamond), parents before the
// templates that extend them, then its own body last. Later layers override
// earlier ones (features, plans, lifecycles).
//
// Internal to engine/ (included by checker.cpp and tenant_resolver).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/checker/internal/check_support.hpp"
#include "grammar/ast.hpp"

namespace tenet::checker {

struct Layer {
  const ast::Body* body = nullptr;
  Span owner_span;  // the template or tenant declaration the body belongs to
};

struct Unit {
  bool is_template = false;
  const ast::Name* name = nullptr;
  Span span;                  // the whole declaration
  std::vector<Layer> layers;  // the unit's own body is the last layer
  std::string context;        // ` in tenant 'acme'` / ` in template 'retail'`, for messages
};

struct Units {
  std::vector<Unit> templates;  // every template after the templates it extends
  std::vector<Unit> tenants;    // in declaration order; duplicates dropped
};

[[nodiscard]] Units build_units(const std::vector<std::shared_ptr<const ast::File>>& files,
                                Reporter& reporter);

}  // namespace tenet::checker
