// What the cell indexes (cell_index.cpp, cell_classes.cpp) ask of a compiled
// condition's shape: can it be in error, which nodes read a value, and the
// conjuncts of an `&&` chain in evaluation order.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/compile/layout.hpp"

namespace tenet::compile {

// A node whose truth is never an error: it reads no value that can be
// missing (`has`, `enabled(...)`, literals, and `!`/`&&`/`||` of those).
[[nodiscard]] bool never_in_error(const Tenant& tenant, Index at);

// An attribute read or a built-in (principal.role, resource.state...).
[[nodiscard]] bool is_value_read(Op op);

// What identifies the value a node reads (a subject of a cell index): two
// nodes with one signature read one value. `has x` and a read of x share
// one; a built-in's `ref` is ignored; `enabled(F)` is F's.
[[nodiscard]] std::uint64_t subject_signature(Op op, Index ref);

// The conjuncts of the `&&` chain at `at`, left to right (the order the
// evaluator short-circuits in), appended to `out`.
void and_chain(const Tenant& tenant, Index at, std::vector<Index>& out);

}  // namespace tenet::compile
