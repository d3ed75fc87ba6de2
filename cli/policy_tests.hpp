// Running the `test` blocks of *_test.tenet files (docs/LANGUAGE.md §10).
//
// Each `expect` becomes a docs/PROTOCOL.md request, built as JSON and answered by
// the same code path as `tenet eval` and the server (engine/json/line_handler), so a
// test exercises exactly what production runs. The request: the test's
// tenant; the current `principal { }` (fields `id` and `role`, every other
// field an attribute); the current `context { }` (a later `context`
// replaces it); for a resource, `id`, `tenant` (default: the test's
// tenant), `state`, every other field an attribute. Bare names (`role:
// guest`, `state: signed`) are strings.
//
// An expectation passes when: `expect allow|deny ...` — the decision
// matches; `expect plans [..]` / `expect features [..]` — the same names,
// in any order. It fails, with a message, when the response carries a
// request-level error (bad_request, invalid_request: the test is wrong, not
// the policy), when the test names an unknown tenant or role, or when no
// tenant or principal was given before it.
//
// Used by cli/test_command.cpp and the unit tests. No shared state.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.hpp"  // ast::File (the test files) comes with the facade
#include "grammar/source/source.hpp"

namespace tenet::cli {
class TestCoverage;
}

namespace tenet::cli {

struct TestFailure {
  std::string file;  // relative to the policy directory
  std::uint32_t line = 0;
  std::string test;     // the test's name
  std::string message;  // "expected allow, got deny (reasons: acme:locked)"
};

struct TestReport {
  std::size_t passed = 0;
  std::vector<TestFailure> failures;  // in source order
};

// With `coverage`, every request also asks for the explain trace (which
// changes no decision) and the coverage records what each reached.
[[nodiscard]] TestReport run_policy_tests(
    const CompiledPolicySet& policies, const SourceSet& sources,
    const std::vector<std::shared_ptr<const ast::File>>& test_files,
    TestCoverage* coverage = nullptr);

}  // namespace tenet::cli
