// Parser internals exposed for the unit tests only (tests/parser_test.cpp).
// Not part of the grammar library's interface. Thread-safe.
#pragma once

#include <cstddef>

namespace tenet {

// tao::pegtl::analyze over the whole grammar: the number of rules that could
// loop without consuming input. Must be 0; a test asserts it.
[[nodiscard]] std::size_t grammar_analysis_issues();

}  // namespace tenet
