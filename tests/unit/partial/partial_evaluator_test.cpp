// engine/partial/partial_evaluator + engine/partial/residual: the residual of check over a
// resource row must decide exactly what check decides on that row.
//
// The key property, without a database: for random policy sets
// (tests/differential/policy_fuzz), random principals and random rows, evaluating the
// Known-mode residual on the row gives check's allow/deny, and the
// Symbolic-mode residual with the principal substituted gives the same
// (or, where the policies read context or enabled(), never more). Then
// hand-written cases: always / never, errors failing closed (a missing
// attribute, an optional read under `has`), role inheritance, `*` actions,
// feature switches, and the approximations of symbolic mode.
#include "engine/partial/partial_evaluator.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "engine/json/line_handler.hpp"
#include "engine/json/request_parser.hpp"
#include "engine/json/residual_writer.hpp"
#include "engine/partial/residual.hpp"
#include "tests/differential/policy_fuzz/random_policy.hpp"
#include "tests/differential/policy_fuzz/random_request.hpp"
#include "tests/differential/reference/simple_request.hpp"
#include "tests/support/compile_source.hpp"

namespace tenet {
namespace {

using namespace tenet::eval;
using namespace tenet::partial;
using namespace tenet::json;

// What check and both residuals say about one check request.
struct Outcome {
  bool parsed = false;
  bool check_allows = false;
  std::string_view problem;  // partial_request_problem
  bool invalid = false;      // an attribute did not fit: not a question about rows
  bool cross_tenant = false;
  bool known_holds = false;
  bool symbolic_holds = false;
  bool symbolic_exact = false;  // no approximation was needed
  FilterKind known_kind = FilterKind::Never;
  std::string known_text;
};

PartialRequest partial_of(const CheckRequest& check, PrincipalMode mode) {
  PartialRequest partial;
  partial.base = check;
  partial.action = check.action;
  partial.resource_type = check.resource.type;
  partial.mode = mode;
  return partial;
}

Outcome run(const CompiledPolicySet& policies, json::RequestParser& parser, std::string_view line) {
  Outcome out;
  const json::ParsedRequest& parsed = parser.parse(policies, line);
  if (!parsed.ok() || parsed.op != json::RequestOp::Check) return out;
  out.parsed = true;
  const CheckRequest& request = std::get<CheckRequest>(parsed.request);
  Decision decision;
  check(policies, request, decision);
  out.check_allows = decision.allow;
  out.invalid = !request.invalid.empty();
  out.cross_tenant =
      request.tenant != kNone && request.resource.tenant != policies.tenant_name(request.tenant);
  const PartialRequest known = partial_of(request, PrincipalMode::Known);
  out.problem = partial_request_problem(policies, known);
  if (!out.problem.empty()) return out;

  const partial::residual::Binding row{request.resource.id, request.resource.state_name,
                                       request.resource.attributes, nullptr};
  const PartialResult known_result = partially_evaluate(policies, known);
  out.known_holds = partial::residual::holds(known_result.allowed, row);
  out.known_kind = known_result.kind;
  out.known_text = json::residual_text(known_result.allowed);

  const PartialResult symbolic =
      partially_evaluate(policies, partial_of(request, PrincipalMode::Symbolic));
  partial::residual::Binding with_principal = row;
  with_principal.principal = &request.principal;
  out.symbolic_holds = partial::residual::holds(symbolic.allowed, with_principal);
  out.symbolic_exact = symbolic.approximations.empty();
  return out;
}

// ------------------------------------------------------------------ differential

// Null when the generated set has errors.
std::shared_ptr<const CompiledPolicySet> compile_generated(const fuzz::GeneratedPolicySet& set) {
  std::vector<PolicyText> files;
  for (const auto& [path, text] : set.files) files.push_back(PolicyText{path, text});
  return compile_policy_texts(files).policies;
}

// About half the rows stop at isolation or invalid_request (other tenants'
// rows, undeclared actions): the sanitizer build still compares over 10,000.
#ifdef TENET_SANITIZE
constexpr int kSets = 30;
constexpr int kPrincipalsPerSet = 80;
#else
constexpr int kSets = 60;
constexpr int kPrincipalsPerSet = 120;
#endif
constexpr int kRowsPerPrincipal = 12;

TEST(PartialEvaluator, ResidualDecidesExactlyLikeCheckOnRandomPolicies) {
  long compared = 0;
  long allowed = 0;
  long symbolic_compared_exactly = 0;
  long symbolic_approximated = 0;
  long isolation = 0;
  std::vector<long> kinds(3, 0);
  int failures = 0;
  json::RequestParser parser;
  for (int seed = 1; seed <= kSets && failures < 5; ++seed) {
    const fuzz::GeneratedPolicySet set =
        fuzz::generate_policy_set(static_cast<std::uint64_t>(seed));
    const std::shared_ptr<const CompiledPolicySet> policies = compile_generated(set);
    ASSERT_NE(policies, nullptr) << "seed " << seed;
    fuzz::Rng rng(static_cast<std::uint64_t>(seed) * 104729 + 3);

    // Check requests only: their principals, and a pool of rows to pair them with.
    std::vector<reference::SimpleRequest> checks;
    for (int tries = 0; checks.size() < static_cast<std::size_t>(kPrincipalsPerSet) &&
                        tries < 40 * kPrincipalsPerSet;
         ++tries) {
      reference::SimpleRequest r = fuzz::random_request(rng, set.vocabulary);
      if (r.op == reference::Operation::Check) checks.push_back(std::move(r));
    }
    ASSERT_FALSE(checks.empty());
    for (std::size_t p = 0; p < checks.size() && failures < 5; ++p) {
      if (p == checks.size() / 2) {
        // Runtime switches: enabled() must follow them in Known mode.
        for (Index t = 0; t < policies->tenant_count(); ++t) {
          const auto& features = policies->tenant(t).features;
          for (Index f = 0; f < features.size(); ++f) {
            policies->set_feature_switch(
                t, f, rng.between(0, 1) == 0 ? FeatureSwitch::On : FeatureSwitch::Off);
          }
        }
      }
      for (int k = 0; k < kRowsPerPrincipal && failures < 5; ++k) {
        reference::SimpleRequest request = checks[p];
        if (k > 0) {
          // Another row, of the same tenant mostly (rows of other tenants are
          // kept out by the SQL tenant predicate; check denies them).
          request.resource = rng.pick(checks).resource;
          if (rng.between(0, 9) != 0) request.resource.tenant = request.tenant;
        }
        const std::string line = reference::describe(request);
        const Outcome o = run(*policies, parser, line);
        ASSERT_TRUE(o.parsed) << line;
        if (!o.problem.empty() || o.cross_tenant || o.invalid) {
          ++isolation;
          EXPECT_FALSE(o.check_allows) << line;  // the filter answers never / excludes the row
          continue;
        }
        ++compared;
        if (o.check_allows) ++allowed;
        ++kinds[static_cast<std::size_t>(o.known_kind)];
        if (o.known_holds != o.check_allows) {
          ++failures;
          ADD_FAILURE() << "Known residual disagrees with check (seed " << seed << "): check "
                        << (o.check_allows ? "allows" : "denies") << "\nrequest: " << line
                        << "\nresidual: " << o.known_text;
        }
        if (o.symbolic_holds && !o.check_allows) {
          ++failures;
          ADD_FAILURE() << "Symbolic residual allows what check denies (seed " << seed
                        << ")\nrequest: " << line;
        }
        if (o.symbolic_exact) {
          ++symbolic_compared_exactly;
          if (o.symbolic_holds != o.check_allows) {
            ++failures;
            ADD_FAILURE() << "Symbolic residual (no approximation) disagrees with check (seed "
                          << seed << ")\nrequest: " << line;
          }
        } else {
          ++symbolic_approximated;
        }
      }
    }
  }
  std::cout << compared << " rows compared (" << allowed << " allowed), " << isolation
            << " stopped by isolation / invalid; kinds always " << kinds[0] << ", never "
            << kinds[1] << ", conditional " << kinds[2] << "; symbolic exact "
            << symbolic_compared_exactly << ", approximated " << symbolic_approximated << "\n";
  // The property is only worth something if the random cases reach every outcome.
  EXPECT_GT(compared, 10'000);
  EXPECT_GT(allowed, compared / 50);
  EXPECT_LT(allowed, compared - compared / 50);
  EXPECT_GT(kinds[0], 0);
  EXPECT_GT(kinds[1], 0);
  EXPECT_GT(kinds[2], compared / 10);
  EXPECT_GT(symbolic_compared_exactly, compared / 10);
}

// ------------------------------------------------------------------ hand-written cases

constexpr std::string_view kPolicy = R"(
schema {
  principal { level: int; team?: string; tags: set<string>; }
  resource doc @table("docs") {
    owner: string @column("owner_id");
    locked: bool;
    rank: int;
    team?: string;
    labels: set<string>;
  }
  resource note { owner: string; }
  context { mfa: bool; }
  actions read, write, share, delete, approve on doc;
  actions read on note;
}
tenant t {
  role reader;
  role editor extends reader;
  feature beta off;
  @id("notes") permit read on note;
  @id("owner-reads") permit read on doc when resource.owner == principal.id;
  @id("team-reads") permit read on doc
    when principal has team && resource has team && resource.team == principal.team;
  @id("tagged") permit read on doc when resource.labels contains "open" || "all" in principal.tags;
  @id("locked") forbid write on doc when resource.locked;
  @id("editors-write") permit write on doc for reader when resource.rank <= principal.level;
  @id("beta-share") permit share on doc when enabled(beta);
  @id("mfa-delete") permit delete on doc for editor when context.mfa;
  @id("no-locked-delete") forbid delete on doc when resource.locked unless context.mfa;
  @id("audit") forbid * on note when context.mfa == false;
}
)";

class PartialCases : public ::testing::Test {
 protected:
  void SetUp() override {
    policies_ = test_support::compile_source("cases.tenet", kPolicy);
    ASSERT_NE(policies_, nullptr);
  }

  // A check request line for principal (`attrs` JSON), action, a doc or note row, context.
  static std::string line(std::string_view role, std::string_view attrs, std::string_view action,
                          std::string_view type, std::string_view row,
                          std::string_view context = "null") {
    std::ostringstream out;
    out << R"({"op":"check","tenant":"t","principal":{"id":"u1","role":")" << role
        << R"(","attrs":)" << attrs << R"(},"action":")" << action << R"(","resource":{"type":")"
        << type << R"(","id":"r1","tenant":"t","attrs":)" << row << R"(},"context":)" << context
        << "}";
    return out.str();
  }

  Outcome outcome(std::string_view request) { return run(*policies_, parser_, request); }

  // Asserts the three agree on this row; returns check's decision.
  bool agreed(std::string_view request) {
    const Outcome o = outcome(request);
    EXPECT_TRUE(o.parsed) << request;
    EXPECT_TRUE(o.problem.empty()) << request;
    EXPECT_EQ(o.known_holds, o.check_allows) << request << "\n" << o.known_text;
    if (o.symbolic_exact) {
      EXPECT_EQ(o.symbolic_holds, o.check_allows) << request;
    } else {
      EXPECT_TRUE(!o.symbolic_holds || o.check_allows) << request;
    }
    return o.check_allows;
  }

  PartialResult partial(std::string_view role, std::string_view attrs, std::string_view action,
                        std::string_view type, PrincipalMode mode,
                        std::string_view context = "null") {
    const json::ParsedRequest& parsed =
        parser_.parse(*policies_, line(role, attrs, action, type, "{}", context));
    EXPECT_TRUE(parsed.ok()) << parsed.error_message;
    return partially_evaluate(*policies_, partial_of(std::get<CheckRequest>(parsed.request), mode));
  }

  std::shared_ptr<const CompiledPolicySet> policies_;
  json::RequestParser parser_;
};

constexpr std::string_view kReader = R"({"level":3,"tags":[]})";

TEST_F(PartialCases, AlwaysAndNever) {
  // A permit without condition and no forbid: every row.
  EXPECT_EQ(
      partial("reader", kReader, "read", "note", PrincipalMode::Known, R"({"mfa":true})").kind,
      FilterKind::Always);
  // No rule names the (declared) action on this type: no row.
  const PartialResult approve = partial("reader", kReader, "approve", "doc", PrincipalMode::Known);
  EXPECT_EQ(approve.kind, FilterKind::Never);
  EXPECT_TRUE(partial::residual::is_never(approve.allowed));
  // The feature is off: share is never granted; switched on, always.
  EXPECT_EQ(partial("reader", kReader, "share", "doc", PrincipalMode::Known).kind,
            FilterKind::Never);
  const Index t = policies_->find_tenant("t");
  policies_->set_feature_switch(t, policies_->find_feature(t, "beta"), FeatureSwitch::On);
  EXPECT_EQ(partial("reader", kReader, "share", "doc", PrincipalMode::Known).kind,
            FilterKind::Always);
  policies_->set_feature_switch(t, policies_->find_feature(t, "beta"), FeatureSwitch::Default);
}

TEST_F(PartialCases, ForbidOnEveryActionAppliesToUnnamedActions) {
  // `forbid *` reads context.mfa: without context it is in error and denies every row.
  EXPECT_EQ(partial("reader", kReader, "read", "note", PrincipalMode::Known).kind,
            FilterKind::Never);
  EXPECT_EQ(
      partial("reader", kReader, "read", "note", PrincipalMode::Known, R"({"mfa":false})").kind,
      FilterKind::Never);
  EXPECT_FALSE(agreed(line("reader", kReader, "read", "note", R"({"owner":"x"})")));
  EXPECT_TRUE(
      agreed(line("reader", kReader, "read", "note", R"({"owner":"x"})", R"({"mfa":true})")));
}

TEST_F(PartialCases, KnownResidualText) {
  const PartialResult write = partial("reader", kReader, "write", "doc", PrincipalMode::Known);
  EXPECT_EQ(json::residual_text(write.allowed),
            "has resource.locked && !(resource.locked == true) && has resource.rank && "
            "resource.rank <= 3");
  ASSERT_EQ(write.forbids.size(), 1U);
  EXPECT_EQ(write.forbids[0].id, "t:locked");
  ASSERT_EQ(write.permits.size(), 1U);
  EXPECT_EQ(write.permits[0].id, "t:editors-write");
}

TEST_F(PartialCases, MissingAttributeFailsClosed) {
  // The forbid reads `locked`: a row without it is denied even though the permit holds.
  EXPECT_TRUE(agreed(line("reader", kReader, "write", "doc", R"({"locked":false,"rank":1})")));
  EXPECT_FALSE(agreed(line("reader", kReader, "write", "doc", R"({"rank":1})")));
  EXPECT_FALSE(agreed(line("reader", kReader, "write", "doc", R"({"locked":true,"rank":1})")));
  EXPECT_FALSE(agreed(line("reader", kReader, "write", "doc", R"({"locked":false,"rank":4})")));
  // The permit reads `rank`: missing, it does not grant.
  EXPECT_FALSE(agreed(line("reader", kReader, "write", "doc", R"({"locked":false})")));
  // A principal without `level`: the permit is in error for every row.
  EXPECT_EQ(partial("reader", R"({"tags":[]})", "write", "doc", PrincipalMode::Known).kind,
            FilterKind::Never);
}

TEST_F(PartialCases, OptionalAttributesUnderHas) {
  const std::string team = R"({"level":1,"team":"blue","tags":[]})";
  EXPECT_TRUE(
      agreed(line("reader", team, "read", "doc", R"({"owner":"x","team":"blue","labels":[]})")));
  EXPECT_FALSE(
      agreed(line("reader", team, "read", "doc", R"({"owner":"x","team":"red","labels":[]})")));
  EXPECT_FALSE(agreed(line("reader", team, "read", "doc", R"({"owner":"x","labels":[]})")));
  // Without a team, the principal's `has` is false: the rule is gone, not in error.
  const PartialResult no_team = partial("reader", kReader, "read", "doc", PrincipalMode::Known);
  EXPECT_EQ(json::residual_text(no_team.allowed).find("team"), std::string::npos)
      << json::residual_text(no_team.allowed);
}

TEST_F(PartialCases, OrShortCircuitsLeftToRight) {
  // `resource.labels contains "open" || "all" in principal.tags`: a row without
  // labels errs on the left before the right side is looked at.
  const std::string all = R"({"level":1,"tags":["all"]})";
  EXPECT_FALSE(agreed(line("reader", all, "read", "doc", R"({"owner":"x"})")));
  EXPECT_TRUE(agreed(line("reader", all, "read", "doc", R"({"owner":"x","labels":[]})")));
  EXPECT_TRUE(agreed(line("reader", kReader, "read", "doc", R"({"owner":"x","labels":["open"]})")));
  EXPECT_TRUE(agreed(line("reader", kReader, "read", "doc", R"({"owner":"u1"})")));
}

TEST_F(PartialCases, RoleInheritanceMatchesTheCompiledCells) {
  // editors-write is `for reader`: editor inherits it. mfa-delete is `for editor`: readers never
  // get it.
  EXPECT_TRUE(agreed(line("editor", kReader, "write", "doc", R"({"locked":false,"rank":1})")));
  EXPECT_EQ(
      partial("reader", kReader, "delete", "doc", PrincipalMode::Known, R"({"mfa":true})").kind,
      FilterKind::Never);
  EXPECT_TRUE(
      agreed(line("editor", kReader, "delete", "doc", R"({"locked":true})", R"({"mfa":true})")));
  // `forbid .. when locked unless mfa` with mfa: a row without `locked` is still in error.
  EXPECT_FALSE(agreed(line("editor", kReader, "delete", "doc", R"({})", R"({"mfa":true})")));
}

TEST_F(PartialCases, SymbolicModeKeepsThePrincipalAndAssumesTheWorst) {
  const PartialResult write = partial("reader", kReader, "write", "doc", PrincipalMode::Symbolic);
  EXPECT_EQ(json::residual_text(write.allowed),
            "has resource.locked && !(resource.locked == true) && has resource.rank && has "
            "principal.level && "
            "resource.rank <= principal.level");
  EXPECT_TRUE(write.approximations.empty());
  // delete needs context.mfa: the permit is dropped, the forbid applies; both reported.
  const PartialResult del = partial("editor", kReader, "delete", "doc", PrincipalMode::Symbolic);
  EXPECT_EQ(del.kind, FilterKind::Never);
  ASSERT_EQ(del.approximations.size(), 2U);
  EXPECT_EQ(del.approximations[0].rule, "t:no-locked-delete");
  EXPECT_EQ(del.approximations[0].what, "context.mfa");
  EXPECT_EQ(del.approximations[1].rule, "t:mfa-delete");
  const PartialResult share = partial("reader", kReader, "share", "doc", PrincipalMode::Symbolic);
  EXPECT_EQ(share.kind, FilterKind::Never);
  ASSERT_EQ(share.approximations.size(), 1U);
  EXPECT_EQ(share.approximations[0].what, "enabled(beta)");
}

TEST_F(PartialCases, JsonConditionTree) {
  const PartialResult read =
      partial("reader", R"({"level":1,"tags":["all"]})", "read", "doc", PrincipalMode::Known);
  // owner-reads || tagged; the principal's tags are folded: `labels contains "open"` is
  // then decided either way, so only its error case (no labels) is left.
  EXPECT_EQ(
      json::residual_json(read.allowed),
      R"({"op":"or","args":[{"op":"and","args":[{"op":"has","arg":{"attr":"resource.owner","column":"owner_id"}},)"
      R"({"op":"==","left":{"attr":"resource.owner","column":"owner_id"},"right":{"value":"u1"}}]},)"
      R"({"op":"has","arg":{"attr":"resource.labels","column":"labels"}}]})");
  EXPECT_EQ(json::residual_text(read.allowed),
            "(has resource.owner && resource.owner == \"u1\") || has resource.labels");
}

// `!(!(... && rank == 1) && rank == 0)`: each level's "true" residual
// repeats both residuals of the level below, so written out it grows like
// Fibonacci. The limit must stop it quickly and fail closed.
TEST(PartialLimits, ExponentialResidualIsRefusedNotPrinted) {
  std::string condition = "resource.rank == 99";
  for (int level = 0; level < 60; ++level) {
    condition = "!(" + condition + " && resource.rank == " + std::to_string(level) + ")";
  }
  const std::string text =
      R"(schema { resource doc @table("docs") { rank: int; } actions read on doc; }
tenant t { role r; @id("deep") permit read on doc when )" +
      condition + "; }";
  const auto policies = test_support::compile_source("deep.tenet", text);
  ASSERT_NE(policies, nullptr);
  PartialRequest request;
  request.base.tenant = policies->find_tenant("t");
  request.base.principal.role = policies->find_role(request.base.tenant, "r");
  request.action = policies->find_action(request.base.tenant, "read");
  request.resource_type = policies->find_resource_type("doc");
  const auto started = std::chrono::steady_clock::now();
  const PartialResult result = partially_evaluate(*policies, request);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_TRUE(result.too_large);
  EXPECT_EQ(result.kind, FilterKind::Never);
  ASSERT_EQ(result.approximations.size(), 1U);
  EXPECT_EQ(result.approximations[0].what, "condition too large");
  // Shallow enough, the same shape is answered exactly.
  request.max_nodes = std::size_t{1} << 40;
  std::string shallow = "resource.rank == 99";
  for (int level = 0; level < 4; ++level) {
    shallow = "!(" + shallow + " && resource.rank == " + std::to_string(level) + ")";
  }
  const auto small = test_support::compile_source(
      "shallow.tenet", R"(schema { resource doc @table("docs") { rank: int; } actions read on doc; }
tenant t { role r; @id("deep") permit read on doc when )" +
                           shallow + "; }");
  ASSERT_NE(small, nullptr);
  const PartialResult exact = partially_evaluate(*small, request);
  EXPECT_FALSE(exact.too_large);
  EXPECT_EQ(exact.kind, FilterKind::Conditional);
  // And over JSON: a too_large error with a never filter.
  json::LineHandler handler;
  std::string out;
  handler.handle(
      *policies,
      R"({"op":"filter","tenant":"t","principal":{"id":"u","role":"r"},"action":"read","resource_type":"doc"})",
      out);
  EXPECT_NE(out.find(R"("kind":"never")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("code":"too_large")"), std::string::npos) << out;
}

TEST(Residual, ComplementaryAlternativesMerge) {
  using namespace residual;
  Term locked;
  locked.kind = TermKind::ResourceAttribute;
  locked.name = "locked";
  const Expr has = present(locked);
  const Expr is_true = compare(CompareOp::Eq, locked, Term{});
  EXPECT_EQ(any_of({all_of({has, is_true}), all_of({has, negate(is_true)})}), has);
  // Not complementary: kept.
  EXPECT_EQ(any_of({all_of({has, is_true}), all_of({has, negate(has)})})->children.size(), 2U);
}

TEST(Residual, BuildersFoldConstants) {
  using namespace residual;
  Term owner;
  owner.kind = TermKind::ResourceAttribute;
  owner.name = "owner";
  owner.column = "owner_id";
  const Expr has = present(owner);
  EXPECT_TRUE(is_always(all_of({})));
  EXPECT_TRUE(is_never(any_of({})));
  EXPECT_TRUE(is_never(all_of({has, never()})));
  EXPECT_TRUE(is_always(any_of({has, always()})));
  EXPECT_EQ(all_of({always(), has}), has);
  EXPECT_EQ(negate(negate(has)), has);
  EXPECT_TRUE(is_never(negate(always())));
  const Expr nested = all_of({has, all_of({has, negate(has)})});
  EXPECT_EQ(nested->children.size(), 3U);  // flattened
  EXPECT_EQ(json::residual_text(nested),
            "has resource.owner && has resource.owner && !(has resource.owner)");
}

}  // namespace
}  // namespace tenet
