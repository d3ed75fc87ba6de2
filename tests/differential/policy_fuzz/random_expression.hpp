// Random, well-typed conditions as source text (docs/LANGUAGE.md §6): every
// operator, `has` guards and unguarded optionals (a warning, never an
// error), enabled() calls, built-ins, redundant parentheses and the keyword
// spellings (and / or / not), so that the checker accepts them and both
// evaluators see every path: true, false and error.
#pragma once

#include <string>
#include <vector>

#include "tests/differential/policy_fuzz/rng.hpp"
#include "tests/differential/policy_fuzz/vocabulary.hpp"

namespace tenet::fuzz {

// What a condition may read where it stands.
struct ExprScope {
  const Vocabulary* vocabulary = nullptr;
  bool resource = false;                           // rules and lifecycle edges
  std::vector<AttributeSpec> resource_attributes;  // on every type in scope, one kind
  std::vector<std::string> resource_types;         // in scope (resource.type literals)
  bool state = false;                              // resource.state readable
  std::vector<std::string> roles;                  // principal.role literals
  std::vector<std::string> features;               // enabled() targets
  std::string tenant_literal;                      // for principal.tenant == "..."
};

[[nodiscard]] std::string random_condition(Rng& rng, const ExprScope& scope, int depth = 3);

}  // namespace tenet::fuzz
