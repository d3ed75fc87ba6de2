// A random policy set as .tenet source text, deterministic in its seed.
//
// A schema in two blocks (every attribute kind, optional attributes, a
// resource type merged across blocks, an attribute name with different
// types on two resource types, `actions` lines before and after the types
// they name, sometimes in a block of their own), one to three templates
// extending each other (diamonds included), several tenants extending them
// with their own roles, overriding features, plans and lifecycles, actions
// of a template's or tenant's own, and rules of every shape over declared
// actions. The
// set is built to check without errors (warnings are expected); the
// differential test asserts that.
#pragma once

#include <cstdint>

#include "tests/differential/policy_fuzz/vocabulary.hpp"

namespace tenet::fuzz {

[[nodiscard]] GeneratedPolicySet generate_policy_set(std::uint64_t seed);

}  // namespace tenet::fuzz
