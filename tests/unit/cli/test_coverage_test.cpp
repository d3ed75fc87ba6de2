// `tenet test --coverage`: what the test runner records from the explain
// traces, counted per declaration and per check cell, and the lcov
// tracefile it renders (cli/test_coverage.*, cli/coverage_report.*).
#include "cli/test_coverage.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/coverage_report.hpp"
#include "cli/policy_tests.hpp"
#include "engine/engine.hpp"
#include "tests/support/temp_dir.hpp"

namespace tenet::cli {
namespace {

void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// Two partners share a template; b adds a rule no test reaches. The tests
// reach owner-reads both ways (in a only), the forbid once in error, the
// transition one way, and never ask for features.
constexpr const char* kSchema = R"(schema {
  principal { kyc: "none" | "verified"; }
  resource document { owner: string; classification: string; }
  context { mfa: bool; }
  actions read, write on document;
}
)";
constexpr const char* kTemplate = R"(template base {
  role guest;
  role basic extends guest;
  @id("kyc") transition guest -> basic when principal.kyc == "verified";
  @id("owner-reads") permit read on document when resource.owner == principal.id;
  @id("secret") forbid * on document
      when resource.classification == "secret" unless context.mfa;
  feature beta off;
}
tenant a extends base {
}
tenant b extends base {
  @id("b-writes") permit write on document for basic;
}
)";
constexpr const char* kTests = R"(test "a" {
  tenant a;
  principal { id: "u1", role: basic, kyc: "verified" };
  context { mfa: false };
  expect allow read on document { id: "d1", owner: "u1", classification: "public" };
  expect deny read on document { id: "d2", owner: "u2", classification: "public" };
  expect deny read on document { id: "d3", owner: "u1", classification: "public", tenant: "b" };
  principal { id: "u2", role: guest, kyc: "verified" };
  expect allow transition basic;
}
test "b" {
  tenant b;
  principal { id: "u1", role: basic, kyc: "none" };
  expect deny read on document { id: "d1", owner: "u1", classification: "secret" };
}
)";

struct Covered {
  test_support::TempDir dir{"tenet-coverage"};
  PolicyLoad load;
  TestReport tests;
  CoverageReport report;
  std::uint64_t unknown = 0;

  explicit Covered(const std::vector<std::pair<std::string, std::string>>& files) {
    for (const auto& [name, text] : files) write(dir.path() / name, text);
    PolicyOptions options;
    options.include_tests = true;
    load = compile_policy_directory(dir.path(), options);
    if (!load.policies) return;
    TestCoverage coverage(*load.policies);
    tests = run_policy_tests(*load.policies, *load.sources, load.test_files, &coverage);
    report = coverage.report();
    unknown = coverage.unknown_entries();
  }

  [[nodiscard]] const CoveredDeclaration& find(const std::string& id) const {
    const auto found = std::find_if(report.declarations.begin(), report.declarations.end(),
                                    [&](const CoveredDeclaration& d) { return d.id == id; });
    EXPECT_NE(found, report.declarations.end()) << id;
    return *found;
  }
};

Covered small_set() {
  return Covered({{"schema.tenet", kSchema}, {"base.tenet", kTemplate}, {"a_test.tenet", kTests}});
}

TEST(TestCoverage, CountsEachDeclarationOnceWithItsOutcomesPerPartner) {
  const Covered covered = small_set();
  ASSERT_TRUE(covered.load.policies);
  ASSERT_TRUE(covered.tests.failures.empty()) << covered.tests.failures.front().message;
  EXPECT_EQ(covered.unknown, 0U);

  // owner-reads: a template rule, one declaration with an instance per partner.
  const CoveredDeclaration& owner_reads = covered.find("owner-reads");
  EXPECT_EQ(owner_reads.kind, CoverageKind::Permit);
  EXPECT_EQ(owner_reads.file, "base.tenet");
  EXPECT_EQ(owner_reads.line, 5U);
  ASSERT_EQ(owner_reads.partners.size(), 2U);
  EXPECT_EQ(owner_reads.partners[0].id, "a:owner-reads");
  EXPECT_EQ(owner_reads.partners[0].outcomes.matched, 1U);
  EXPECT_EQ(owner_reads.partners[0].outcomes.not_matched, 1U);
  EXPECT_EQ(owner_reads.partners[1].outcomes.evaluated(), 0U);  // b's forbid decided first
  EXPECT_TRUE(owner_reads.outcomes().both_ways());

  // The forbid spans two lines; a's two checks saw it false, b's in error
  // (no context.mfa). The cross-tenant check reached nothing.
  const CoveredDeclaration& secret = covered.find("secret");
  EXPECT_EQ(secret.kind, CoverageKind::Forbid);
  EXPECT_EQ(secret.end_line, secret.line + 1);
  EXPECT_EQ(secret.outcomes().not_matched, 2U);
  EXPECT_EQ(secret.outcomes().error, 1U);
  EXPECT_EQ(secret.outcomes().matched, 0U);
  EXPECT_FALSE(secret.outcomes().both_ways());

  const CoveredDeclaration& kyc = covered.find("kyc");
  EXPECT_EQ(kyc.kind, CoverageKind::Transition);
  EXPECT_EQ(kyc.outcomes().matched, 1U);

  EXPECT_FALSE(covered.find("b-writes").outcomes().reached());
  EXPECT_FALSE(covered.find("beta").outcomes().reached());
  EXPECT_EQ(covered.find("beta").kind, CoverageKind::Feature);

  // kyc, owner-reads, secret, beta, b-writes: 3 of 5 reached.
  EXPECT_EQ(covered.report.all.total, 5U);
  EXPECT_EQ(covered.report.all.reached, 3U);
  EXPECT_EQ(covered.report.all.both_ways, 1U);
  EXPECT_DOUBLE_EQ(covered.report.percent(), 60.0);
  const auto& permits = covered.report.by_kind[static_cast<std::size_t>(CoverageKind::Permit)];
  EXPECT_EQ(permits.total, 2U);
  EXPECT_EQ(permits.reached, 1U);
}

TEST(TestCoverage, CountsTheCheckCellsThatTestsDecided) {
  const Covered covered = small_set();
  ASSERT_EQ(covered.report.cells.size(), 2U);
  // 2 roles × 2 declared actions on the one type, per partner.
  EXPECT_EQ(covered.report.cells[0].tenant, "a");
  EXPECT_EQ(covered.report.cells[0].total, 4U);
  ASSERT_EQ(covered.report.cells[0].exercised.size(), 1U);  // the cross-tenant one is not
  EXPECT_EQ(covered.report.cells[0].exercised[0].role, "basic");
  EXPECT_EQ(covered.report.cells[0].exercised[0].action, "read");
  EXPECT_EQ(covered.report.cells[0].exercised[0].type, "document");
  EXPECT_EQ(covered.report.cells[0].not_exercised.size(), 3U);
  EXPECT_EQ(covered.report.cells[1].exercised.size(), 1U);
  EXPECT_EQ(covered.report.cells_total, 8U);
  EXPECT_EQ(covered.report.cells_exercised, 2U);
}

// 40 roles × 30 actions: every cell counted, the first 1,000 missing listed.
TEST(TestCoverage, ManyCellsAreCountedAndTheMissingOnesListedUpToALimit) {
  std::string schema = "schema {\n  principal { }\n  resource doc { }\n  actions a0";
  for (int a = 1; a < 30; ++a) schema += ", a" + std::to_string(a);
  schema += " on doc;\n}\n";
  std::string tenant = "tenant wide {\n";
  for (int r = 0; r < 40; ++r) tenant += "  role r" + std::to_string(r) + ";\n";
  tenant += "  permit a0 on doc;\n}\n";
  const Covered covered({{"schema.tenet", schema},
                         {"wide.tenet", tenant},
                         {"wide_test.tenet",
                          "test \"t\" {\n  tenant wide;\n  principal { id: \"u\", role: r0 };\n"
                          "  expect allow a0 on doc { id: \"d\" };\n}\n"}});
  ASSERT_TRUE(covered.load.policies);
  ASSERT_EQ(covered.report.cells.size(), 1U);
  const PartnerCells& cells = covered.report.cells[0];
  EXPECT_EQ(cells.total, 1200U);
  EXPECT_EQ(cells.exercised.size(), 1U);
  EXPECT_EQ(cells.not_exercised.size(), kMaxListedCells);
  EXPECT_EQ(covered.report.cells_total, 1200U);
  EXPECT_EQ(covered.report.cells_exercised, 1U);
}

TEST(TestCoverage, TheJsonReportCarriesEveryDeclarationAndCell) {
  const Covered covered = small_set();
  const nlohmann::json document = nlohmann::json::parse(coverage_json(covered.report));
  EXPECT_DOUBLE_EQ(document["percent"].get<double>(), 60.0);
  EXPECT_EQ(document["declarations"]["total"], 5);
  EXPECT_EQ(document["declarations"]["reached"], 3);
  EXPECT_EQ(document["declarations"]["by_kind"]["forbid"]["reached"], 1);
  ASSERT_EQ(document["declarations"]["items"].size(), 5U);
  const nlohmann::json& first = document["declarations"]["items"][0];
  EXPECT_EQ(first["file"], "base.tenet");
  EXPECT_EQ(first["id"], "kyc");
  EXPECT_EQ(first["kind"], "transition");
  EXPECT_EQ(first["partners"].size(), 2U);
  EXPECT_EQ(document["cells"]["exercised"], 2);
  EXPECT_EQ(document["cells"]["partners"][1]["not_exercised_cells"].size(), 3U);
}

TEST(TestCoverage, TheLcovTracefileMarksEveryLineOfEachDeclaration) {
  const Covered covered = small_set();
  std::ostringstream out;
  write_lcov(covered.report, covered.dir.path(), out);
  const std::string lcov = out.str();
  const std::string source = (covered.dir.path() / "base.tenet").lexically_normal().string();
  EXPECT_NE(lcov.find("SF:" + source + "\n"), std::string::npos) << lcov;
  EXPECT_NE(lcov.find("FN:5,owner-reads\n"), std::string::npos);
  EXPECT_NE(lcov.find("FNDA:2,owner-reads\n"), std::string::npos);
  EXPECT_NE(lcov.find("FNDA:0,b-writes\n"), std::string::npos);
  EXPECT_NE(lcov.find("FNF:5\nFNH:3\n"), std::string::npos);
  // owner-reads matched once and not once; b-writes never ran ('-').
  EXPECT_NE(lcov.find("BRDA:5,0,0,1\nBRDA:5,0,1,1\n"), std::string::npos);
  EXPECT_NE(lcov.find("BRDA:13,0,0,-\nBRDA:13,0,1,-\n"), std::string::npos);
  // The forbid's two lines both count its three evaluations.
  EXPECT_NE(lcov.find("DA:6,3\nDA:7,3\n"), std::string::npos);
  EXPECT_NE(lcov.find("DA:13,0\n"), std::string::npos);
  EXPECT_NE(lcov.find("LF:6\nLH:4\nend_of_record\n"), std::string::npos);
}

TEST(TestCoverage, TheShippedPoliciesReachEveryDeclaration) {
  PolicyOptions options;
  options.include_tests = true;
  const PolicyLoad load =
      compile_policy_directory(std::filesystem::path(TENET_SOURCE_DIR) / "policies", options);
  ASSERT_TRUE(load.policies);
  TestCoverage coverage(*load.policies);
  const TestReport tests =
      run_policy_tests(*load.policies, *load.sources, load.test_files, &coverage);
  EXPECT_TRUE(tests.failures.empty());
  // Every trace entry names a declaration the set has: nothing slips past.
  EXPECT_EQ(coverage.unknown_entries(), 0U);
  const CoverageReport report = coverage.report();
  EXPECT_GT(report.all.total, 50U);
  for (const CoveredDeclaration& declaration : report.declarations) {
    EXPECT_TRUE(declaration.outcomes().reached())
        << declaration.file << ':' << declaration.line << ' ' << declaration.id;
  }
}

}  // namespace
}  // namespace tenet::cli
