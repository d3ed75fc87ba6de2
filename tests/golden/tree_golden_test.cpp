// Golden files for `tenet tree` on the shipped policies/: tests/golden/tree/
// holds one `<tenant>.txt` per tenant with exactly what `tenet tree policies
// --tenant <tenant>` prints, so a change in the compiled decision structures
// of a real policy set (candidate rules per action and type, role closure,
// transitions, features and their switches, plans, lifecycles, rule ids)
// shows up as a reviewable diff. tests/unit/compile/compiler_test.cpp keeps
// the small hand-written dump and the exit codes.
//
// To regenerate after an intended change, run the tests with
// TENET_UPDATE_GOLDEN=1 (as the diagnostics and SQL goldens) and review the
// diff before committing it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/tree_command.hpp"
#include "engine/engine.hpp"
#include "tests/support/read_text.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path kPolicies = fs::path(TENET_SOURCE_DIR) / "policies";
const fs::path kGoldens = fs::path(TENET_SOURCE_DIR) / "tests" / "golden" / "tree";

bool updating() { return std::getenv("TENET_UPDATE_GOLDEN") != nullptr; }

// The tenants that have a golden file (its name without `.txt`), sorted.
std::vector<std::string> golden_tenants() {
  std::vector<std::string> names;
  if (!fs::is_directory(kGoldens)) return names;
  for (const auto& entry : fs::directory_iterator(kGoldens)) {
    if (entry.is_regular_file() && entry.path().extension() == ".txt")
      names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

using tenet::test_support::read_text;

struct TreeRun {
  int status;
  std::string out;
  std::string err;
};

TreeRun run_tree(const std::string& tenant) {
  std::ostringstream out;
  std::ostringstream err;
  const int status = tenet::cli::run_tree({kPolicies, tenant, {}}, out, err);
  return {status, out.str(), err.str()};
}

void write_golden(const std::string& tenant, const std::string& text) {
  fs::create_directories(kGoldens);
  std::ofstream(kGoldens / (tenant + ".txt"), std::ios::binary) << text;
}

class TreeGolden : public testing::TestWithParam<std::string> {};

TEST_P(TreeGolden, TreePrintsExactlyTheGoldenFile) {
  const TreeRun run = run_tree(GetParam());
  if (updating()) write_golden(GetParam(), run.out);
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(run.out, read_text(kGoldens / (GetParam() + ".txt")));
}

INSTANTIATE_TEST_SUITE_P(ShippedPolicies, TreeGolden, testing::ValuesIn(golden_tenants()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           // A test name is letters, digits and '_' (harbor-bank.eu).
                           std::string name = info.param;
                           for (char& c : name) {
                             if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
                           }
                           return name;
                         });

// Every tenant of policies/ has a golden file and every golden file a tenant:
// a tenant added to policies/ cannot go without one (in update mode its file
// is written here, and the parameterised test above reads it on the next run).
TEST(TreeGoldenSuite, OneGoldenFilePerShippedTenant) {
  const tenet::Engine::CompileResult compiled = tenet::Engine::compile_directory(kPolicies);
  ASSERT_TRUE(compiled.policies) << "policies/ does not compile";
  std::set<std::string> tenants;
  for (std::size_t t = 0; t < compiled.policies->tenant_count(); ++t)
    tenants.emplace(compiled.policies->tenant_name(static_cast<tenet::Index>(t)));
  if (updating()) {
    for (const std::string& tenant : tenants) write_golden(tenant, run_tree(tenant).out);
  }
  const std::vector<std::string> goldens = golden_tenants();
  EXPECT_EQ(std::set<std::string>(goldens.begin(), goldens.end()), tenants);
  EXPECT_GE(tenants.size(), 5U);
}

}  // namespace
