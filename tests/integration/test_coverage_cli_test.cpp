// `tenet test --coverage` as a user and a CI job run it: the table, the JSON
// and lcov files, --min-coverage's exit codes, and the tracefile read by the
// real lcov tools (Debian's `lcov` package, installed by scripts/bootstrap.sh):
// `lcov --summary` counts what tenet counted, and `genhtml` renders covered
// and uncovered lines.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/support/temp_dir.hpp"
#include "tests/support/tenet_cli.hpp"

namespace tenet {
namespace {

namespace fs = std::filesystem;
using test_support::run_process;

constexpr std::chrono::seconds kTimeout{60};

test_support::ProcessResult tenet(std::vector<std::string> args) {
  return test_support::run_tenet(std::move(args), kTimeout);
}

void write(const fs::path& path, const std::string& text) { test_support::write_text(path, text); }

std::string read(const fs::path& path) { return test_support::read_text(path); }

const fs::path kPolicies = fs::path(TENET_SOURCE_DIR) / "policies";

// One of three declarations reached: a permit (both ways), a forbid (never:
// no test asks for write), a feature (never: no test asks for features).
void write_partial_set(const fs::path& dir) {
  write(dir / "policy.tenet",
        "schema {\n"
        "  principal { }\n"
        "  resource doc { owner: string; }\n"
        "  actions read, write on doc;\n"
        "}\n"
        "tenant acme {\n"
        "  role user;\n"
        "  @id(\"owner-reads\") permit read on doc when resource.owner == principal.id;\n"
        "  @id(\"no-writes\") forbid write on doc\n"
        "      when resource.owner != principal.id;\n"
        "  feature beta off;\n"
        "}\n");
  write(dir / "acme_test.tenet",
        "test \"reads\" {\n"
        "  tenant acme;\n"
        "  principal { id: \"u1\", role: user };\n"
        "  expect allow read on doc { id: \"d1\", owner: \"u1\" };\n"
        "  expect deny read on doc { id: \"d2\", owner: \"u2\" };\n"
        "}\n");
}

bool installed(const char* program) { return fs::exists(fs::path("/usr/bin") / program); }

TEST(TestCoverageCli, TheShippedPoliciesReachEveryDeclarationInEveryFormat) {
  const test_support::TempDir dir;
  const fs::path json_file = dir.path() / "coverage.json";
  const fs::path lcov_file = dir.path() / "coverage.info";
  const auto run = tenet({"test", "--coverage", "--coverage-json", json_file.string(), "--lcov",
                          lcov_file.string(), "--min-coverage", "100", kPolicies.string()});
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find(" 0 failed\n"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("LOCATION"), std::string::npos);
  EXPECT_NE(run.output.find("templates/retail.tenet:72"), std::string::npos);
  EXPECT_EQ(run.output.find("<- not reached"), std::string::npos) << run.output;

  const nlohmann::json report = nlohmann::json::parse(read(json_file));
  EXPECT_DOUBLE_EQ(report["percent"].get<double>(), 100.0);
  const int total = report["declarations"]["total"].get<int>();
  EXPECT_GT(total, 50);
  EXPECT_EQ(report["declarations"]["reached"].get<int>(), total);
  EXPECT_NE(run.output.find("coverage: " + std::to_string(total) + " of " + std::to_string(total) +
                            " declarations reached (100.0%)"),
            std::string::npos)
      << run.output;

  const std::string lcov = read(lcov_file);
  EXPECT_NE(
      lcov.find("SF:" +
                (fs::absolute(kPolicies) / "templates/retail.tenet").lexically_normal().string()),
      std::string::npos);
  if (!installed("lcov"))
    GTEST_SKIP() << "lcov is not installed (scripts/bootstrap.sh installs it)";
  // lcov reads every declaration as a function, all of them hit.
  const auto summary = run_process({"/usr/bin/lcov", "--summary", lcov_file.string()}, kTimeout);
  ASSERT_EQ(summary.status, 0) << summary.output;
  EXPECT_NE(summary.output.find("functions..: 100.0% (" + std::to_string(total) + " of " +
                                std::to_string(total) + " functions)"),
            std::string::npos)
      << summary.output;
}

TEST(TestCoverageCli, MinCoverageFailsBelowTheThresholdAndGenhtmlShowsTheUncoveredLines) {
  const test_support::TempDir dir;
  write_partial_set(dir.path() / "policies");
  const fs::path lcov_file = dir.path() / "coverage.info";

  const auto below = tenet({"test", "--min-coverage", "50", "--lcov", lcov_file.string(),
                            (dir.path() / "policies").string()});
  EXPECT_EQ(below.status, 1) << below.output;
  EXPECT_NE(below.output.find("2 passed, 0 failed"), std::string::npos) << below.output;
  EXPECT_NE(below.output.find("tenet test: coverage 33.3% (1 of 3 declarations reached) is "
                              "below --min-coverage 50"),
            std::string::npos)
      << below.output;
  EXPECT_EQ(below.output.find("LOCATION"), std::string::npos);  // the table only with --coverage

  const auto at = tenet({"test", "--min-coverage", "33", (dir.path() / "policies").string()});
  EXPECT_EQ(at.status, 0) << at.output;
  const auto bad = tenet({"test", "--min-coverage", "150", (dir.path() / "policies").string()});
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("--min-coverage must be a percentage from 0 to 100"),
            std::string::npos);
  // A directory where the tracefile should go: exit 2, with the reason.
  const auto unwritable =
      tenet({"test", "--lcov", dir.path().string(), (dir.path() / "policies").string()});
  EXPECT_EQ(unwritable.status, 2) << unwritable.output;
  EXPECT_NE(unwritable.output.find("tenet test: error: " + dir.path().string()), std::string::npos)
      << unwritable.output;

  // The table marks what is missing.
  const auto table = tenet({"test", "--coverage", (dir.path() / "policies").string()});
  EXPECT_EQ(table.status, 0) << table.output;
  EXPECT_NE(table.output.find("policy.tenet:9"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("no-writes"), std::string::npos);
  EXPECT_NE(table.output.find("<- not reached"), std::string::npos);
  EXPECT_NE(table.output.find("acme  1 of 2 exercised (50.0%)"), std::string::npos) << table.output;

  if (!installed("genhtml")) {
    GTEST_SKIP() << "genhtml is not installed (scripts/bootstrap.sh installs lcov)";
  }
  const fs::path html = dir.path() / "html";
  const auto rendered = run_process(
      {"/usr/bin/genhtml", "--branch-coverage", "-o", html.string(), lcov_file.string()}, kTimeout);
  ASSERT_EQ(rendered.status, 0) << rendered.output;
  EXPECT_NE(rendered.output.find("functions..: 33.3% (1 of 3 functions)"), std::string::npos)
      << rendered.output;
  // Lines 8 (the permit, hit) and 9-10 (the forbid) and 11 (the feature, not hit).
  EXPECT_NE(rendered.output.find("lines......: 25.0% (1 of 4 lines)"), std::string::npos)
      << rendered.output;
  ASSERT_TRUE(fs::exists(html / "index.html"));
  // genhtml names the page after the source's folder (below their common prefix).
  fs::path page_file;
  for (const auto& entry : fs::recursive_directory_iterator(html)) {
    if (entry.path().filename() == "policy.tenet.gcov.html") page_file = entry.path();
  }
  ASSERT_FALSE(page_file.empty());
  const std::string page = read(page_file);
  EXPECT_NE(page.find("lineCov"), std::string::npos);
  EXPECT_NE(page.find("lineNoCov"), std::string::npos);
  EXPECT_NE(page.find("owner-reads"), std::string::npos);
}

}  // namespace
}  // namespace tenet
