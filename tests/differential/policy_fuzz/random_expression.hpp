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

// `subject == literal`, `literal == subject` or `subject in [literals]`,
// `has`-guarded most of the time when the attribute is optional: the tests
// check's cell indexes key rules by (engine/compile/cell_index.hpp). The
// subject is the attribute (or principal.role / principal.id /
// resource.state) numbered `subject` among those in scope, so a block of
// rules drawn with one number tests one attribute against many constants.
[[nodiscard]] std::string random_key_test(Rng& rng, const ExprScope& scope, std::size_t subject);

}  // namespace tenet::fuzz
