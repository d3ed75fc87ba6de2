// Golden-file diagnostics tests: every folder under tests/golden/diagnostics/ is a
// small policy set; its `expected.txt` holds exactly what `tenet check` prints
// on stderr for it (`tenet check --lint` when the folder holds a file named
// `lint`). The exit status must be 1 when that output has an error, else 0.
//
// To regenerate after an intended change in wording, run the tests with
// TENET_UPDATE_GOLDEN=1 and review the diff before committing it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/check_command.hpp"
#include "tests/support/read_text.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path kCases = fs::path(TENET_SOURCE_DIR) / "tests" / "golden" / "diagnostics";

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kCases)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

using tenet::test_support::read_text;

class Golden : public testing::TestWithParam<std::string> {};

TEST_P(Golden, CheckPrintsExactlyTheExpectedDiagnostics) {
  const fs::path dir = kCases / GetParam();
  std::ostringstream out;
  std::ostringstream err;
  tenet::cli::CheckOptions options;
  options.directory = dir;
  options.quiet = true;
  options.lint = fs::exists(dir / "lint");
  const int status = tenet::cli::run_check(options, out, err);

  const fs::path expected_file = dir / "expected.txt";
  if (std::getenv("TENET_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(expected_file, std::ios::binary) << err.str();
  }
  ASSERT_TRUE(fs::exists(expected_file)) << "missing " << expected_file;
  const std::string expected = read_text(expected_file);
  EXPECT_EQ(err.str(), expected);
  const bool expects_error = expected.find(": error: ") != std::string::npos;
  EXPECT_EQ(status, expects_error ? 1 : 0);
  EXPECT_EQ(out.str(), "");
}

INSTANTIATE_TEST_SUITE_P(Diagnostics, Golden, testing::ValuesIn(case_names()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(GoldenSuite, HasAtLeastFortyCases) { EXPECT_GE(case_names().size(), 40u); }

}  // namespace
