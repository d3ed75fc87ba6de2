// The differential test (issue 3, item 7): the compiled engine against the
// deliberately simple reference evaluator of tests/differential/reference, on random
// policy sets (tests/differential/policy_fuzz) and random requests of all six
// operations. Every field of the answer must agree: decision, reasons in
// order, unmet texts in order, plan / feature names in order, errors of a
// check (rule ids and messages) and request errors. A check is asked twice:
// built in code (request_converter) and as a protocol line through the
// request parser, whose invalid_request for an action the tenant does not
// declare for the type (docs/LANGUAGE.md §3) is what a client reads.
//
// Deterministic: set N uses seed N. A mismatch prints the seed, the policy
// files and the request (as docs/PROTOCOL.md JSON) so it can be replayed.
// TENET_DIFF_SETS / TENET_DIFF_REQUESTS in the environment change the counts.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "engine/json/request_parser.hpp"
#include "grammar/parser.hpp"
#include "tests/differential/policy_fuzz/random_policy.hpp"
#include "tests/differential/policy_fuzz/random_request.hpp"
#include "tests/differential/reference/reference_evaluator.hpp"
#include "tests/differential/reference/request_converter.hpp"

namespace tenet {
namespace {

using reference::Answer;
using reference::Operation;

#ifdef TENET_SANITIZE
// ASan + UBSan in Debug is ~20x slower: fewer requests, same code paths.
constexpr int kSets = 50;
constexpr int kRequestsPerSet = 1000;  // 50,000 requests
#else
constexpr int kSets = 60;
constexpr int kRequestsPerSet = 2000;  // 120,000 requests
#endif

int from_environment(const char* name, int fallback) {
  const char* text = std::getenv(name);
  return text == nullptr ? fallback : std::atoi(text);
}

struct Parsed {
  std::shared_ptr<SourceSet> sources = std::make_shared<SourceSet>();
  std::vector<std::shared_ptr<const ast::File>> files;
  std::vector<std::string> problems;  // rendered syntax errors
};

Parsed parse(const fuzz::GeneratedPolicySet& set) {
  Parsed out;
  for (const auto& [path, text] : set.files) {
    const FileId id = out.sources->add(path, text);
    grammar::ParseResult result = grammar::parse_file(*out.sources, id, false);
    for (const Diagnostic& d : result.diagnostics) out.problems.push_back(render(d, *out.sources));
    out.files.push_back(std::move(result.file));
  }
  return out;
}

std::string source_of(const fuzz::GeneratedPolicySet& set) {
  std::string out;
  for (const auto& [path, text] : set.files) out += "==> " + path + " <==\n" + text + "\n";
  return out;
}

// Fields the contract leaves open are cleared on both sides before comparing:
// the wording of lifecycle's own invalid_request (no lifecycle, bad state),
// and errors of the operations other than check (SEMANTICS-NOTES only
// requires them for check).
Answer normalised(Answer a, Operation op) {
  if (op == Operation::Lifecycle && a.error_code == "invalid_request") a.error_message.clear();
  if (op != Operation::Check) a.errors.clear();
  return a;
}

bool names_an_action(const Answer& a) { return a.error_message.rfind("action '", 0) == 0; }

// A check through the request parser: its message for an attribute that
// does not fit the schema is worded as the parser words it (`expected one
// of ...`, `got array`), not as request_converter and the reference do; only
// the undeclared action's message is compared word for word.
Answer parsed_normalised(Answer a) {
  if (!names_an_action(a)) a.error_message.clear();
  return a;
}

// A runtime switch flipped on both evaluators (the server's set_feature).
void flip_switch(fuzz::Rng& rng, const fuzz::Vocabulary& vocabulary,
                 const CompiledPolicySet& policies, reference::ReferenceEvaluator& reference) {
  const fuzz::TenantSpec& tenant = rng.pick(vocabulary.tenants);
  if (tenant.features.empty()) return;
  const std::string& feature = rng.pick(tenant.features);
  const Index t = policies.find_tenant(tenant.name);
  const Index f = policies.find_feature(t, feature);
  ASSERT_NE(f, kNone) << tenant.name << " " << feature;
  const int state = rng.between(0, 2);
  policies.set_feature_switch(t, f,
                              state == 0   ? FeatureSwitch::Default
                              : state == 1 ? FeatureSwitch::On
                                           : FeatureSwitch::Off);
  reference.set_feature_switch(tenant.name, feature,
                               state == 0 ? std::nullopt : std::optional<bool>(state == 1));
}

TEST(PolicyFuzz, GeneratorIsDeterministic) {
  const auto a = fuzz::generate_policy_set(7);
  const auto b = fuzz::generate_policy_set(7);
  EXPECT_EQ(a.files, b.files);
  fuzz::Rng r1(3), r2(3);
  EXPECT_EQ(reference::describe(fuzz::random_request(r1, a.vocabulary)),
            reference::describe(fuzz::random_request(r2, b.vocabulary)));
}

TEST(Differential, EngineAgreesWithReference) {
  const int sets = from_environment("TENET_DIFF_SETS", kSets);
  const int requests = from_environment("TENET_DIFF_REQUESTS", kRequestsPerSet);
  const auto started = std::chrono::steady_clock::now();
  long compared = 0;
  int mismatches = 0;
  std::vector<long> allowed(6, 0);
  std::vector<long> asked(6, 0);
  long with_unmet = 0;
  long with_errors = 0;
  long invalid = 0;
  long with_names = 0;
  long undeclared_actions = 0;    // checks answered invalid_request for their action
  std::size_t indexed_sides = 0;  // cell sides indexed by value (engine/compile/cell_index.hpp)
  Decision decision;
  Decision parsed_decision;
  json::RequestParser parser;
  int sets_done = 0;
  for (int seed = 1; seed <= sets && mismatches < 5; ++seed, ++sets_done) {
    const fuzz::GeneratedPolicySet set =
        fuzz::generate_policy_set(static_cast<std::uint64_t>(seed));
    Parsed parsed = parse(set);
    ASSERT_TRUE(parsed.problems.empty()) << "seed " << seed << ": syntax errors\n"
                                         << parsed.problems.front() << "\n"
                                         << source_of(set);
    const checker::CheckResult checked = checker::check_policy_set(parsed.sources, parsed.files);
    for (const Diagnostic& d : checked.diagnostics) {
      ASSERT_NE(d.severity, Severity::Error)
          << "seed " << seed << ": the generated set does not check\n"
          << render(d, *parsed.sources) << "\n"
          << source_of(set);
    }
    ASSERT_NE(checked.policy_set, nullptr);
    const std::shared_ptr<const CompiledPolicySet> policies = compile::compile(checked.policy_set);
    // Some attributes are @sensitive (random_policy.cpp): the comparison
    // below shows they decide as if unannotated.
    ASSERT_TRUE(policies->has_sensitive_attributes()) << "seed " << seed;
    reference::ReferenceEvaluator reference(parsed.sources, parsed.files);
    for (const auto& tenant : policies->tenants())
      indexed_sides += tenant->cell_indexes.sides.size();

    fuzz::Rng rng(static_cast<std::uint64_t>(seed) * 7919 + 17);
    for (int i = 0; i < requests && mismatches < 5; ++i) {
      if (i == requests / 2 || i == 3 * requests / 4) {
        flip_switch(rng, set.vocabulary, *policies, reference);
        flip_switch(rng, set.vocabulary, *policies, reference);
      }
      const reference::SimpleRequest request = fuzz::random_request(rng, set.vocabulary);
      const Answer expected = normalised(reference.answer(request), request.op);
      const reference::EngineRequest engine_request(*policies, request);
      engine_request.run(*policies, decision);
      const Answer actual = normalised(reference::to_answer(decision), request.op);
      ++compared;
      ++asked[static_cast<std::size_t>(request.op)];
      if (expected.allow) ++allowed[static_cast<std::size_t>(request.op)];
      if (!expected.unmet.empty()) ++with_unmet;
      if (!expected.errors.empty()) ++with_errors;
      if (!expected.error_code.empty()) ++invalid;
      if (!expected.names.empty()) ++with_names;
      if (names_an_action(expected)) ++undeclared_actions;
      // The same check as a protocol line, through the request parser.
      std::string path = "built in code";
      Answer expected_parsed = parsed_normalised(expected);
      Answer actual_parsed = expected_parsed;
      if (request.op == Operation::Check) {
        const std::string line = reference::describe(request);
        const json::ParsedRequest& parsed = parser.parse(*policies, line);
        ASSERT_TRUE(parsed.ok() && parsed.op == json::RequestOp::Check) << line;
        eval::check(*policies, std::get<CheckRequest>(parsed.request), parsed_decision);
        actual_parsed =
            parsed_normalised(normalised(reference::to_answer(parsed_decision), request.op));
      }
      if (expected == actual && expected_parsed == actual_parsed) continue;
      if (expected == actual) path = "parsed from the protocol line";
      ++mismatches;
      ADD_FAILURE() << "mismatch (" << path << "): seed " << seed << ", request " << i
                    << (i >= requests / 2 ? " (after feature switches were flipped)" : "") << "\n"
                    << "request:   " << reference::describe(request) << "\n"
                    << "reference: " << reference::describe(expected) << "\n"
                    << "engine:    "
                    << reference::describe(expected == actual ? actual_parsed : actual) << "\n"
                    << "policy set:\n"
                    << source_of(set);
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::ostringstream summary;
  summary << compared << " requests over " << sets_done << " policy sets in " << seconds
          << " s; allowed/asked:";
  for (std::size_t op = 0; op < 6; ++op) {
    summary << " " << reference::operation_name(static_cast<Operation>(op)) << " " << allowed[op]
            << "/" << asked[op];
  }
  summary << "; with unmet " << with_unmet << ", with rule errors " << with_errors
          << ", invalid_request " << invalid << " (an undeclared action " << undeclared_actions
          << "), with names " << with_names << "; cell sides indexed by value " << indexed_sides;
  std::cout << summary.str() << "\n";
  if (mismatches == 0) {
    EXPECT_GE(compared, static_cast<long>(sets) * requests);
    // The undeclared-action path is reached (about one check in ten).
    EXPECT_GT(undeclared_actions, compared / 100);
    // The generator's blocks of rules on one cell (random_policy.cpp) are indexed.
    EXPECT_GT(indexed_sides, static_cast<std::size_t>(sets));
  }
}

}  // namespace
}  // namespace tenet
