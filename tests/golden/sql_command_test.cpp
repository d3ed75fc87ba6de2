// `tenet sql`: the exact DDL and warnings for the shipped policies (a golden
// file: tests/golden/sql/policies.sql and policies.warnings.txt; regenerate with
// TENET_UPDATE_GOLDEN=1 and review the diff), determinism, --tenant, and the
// exit codes. That the DDL enforces check's decisions is shown against a
// real PostgreSQL in tests/postgres/.
#include "cli/sql_command.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/check_command.hpp"
#include "engine/sql/sql_ddl.hpp"
#include "tests/support/read_text.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path kSource = fs::path(TENET_SOURCE_DIR);

using tenet::test_support::read_text;

struct SqlRun {
  int status = -1;
  std::string out;
  std::string err;
};

SqlRun run(const fs::path& directory, const std::string& tenant = "") {
  tenet::cli::SqlOptions options;
  options.directory = directory;
  options.tenant = tenant;
  std::ostringstream out;
  std::ostringstream err;
  SqlRun result;
  result.status = tenet::cli::run_sql(options, out, err);
  result.out = out.str();
  result.err = err.str();
  return result;
}

void expect_golden(const std::string& actual, const fs::path& file) {
  if (std::getenv("TENET_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(file, std::ios::binary) << actual;
  }
  ASSERT_TRUE(fs::exists(file)) << "missing " << file;
  EXPECT_EQ(actual, read_text(file)) << "differs from " << file;
}

TEST(SqlCommand, ShippedPoliciesGiveTheGoldenScriptAndWarnings) {
  const SqlRun result = run(kSource / "policies/");
  ASSERT_EQ(result.status, tenet::cli::kOk) << result.err;
  expect_golden(result.out, kSource / "tests/golden/sql/policies.sql");
  expect_golden(result.err, kSource / "tests/golden/sql/policies.warnings.txt");
  // Every rule that reads context is reported, at its declaration.
  EXPECT_NE(result.err.find("templates/retail.tenet:92:27: warning: rule 'acme:secret-needs-mfa' "
                            "reads context.mfa"),
            std::string::npos);
  EXPECT_NE(result.err.find("rule 'northwind:delete-needs-mfa' reads context.mfa"),
            std::string::npos);
}

TEST(SqlCommand, OutputIsDeterministic) {
  EXPECT_EQ(run(kSource / "policies").out, run(kSource / "policies").out);
}

TEST(SqlCommand, OneTenantOnly) {
  const SqlRun result = run(kSource / "policies", "harbor-bank.eu");
  ASSERT_EQ(result.status, tenet::cli::kOk) << result.err;
  EXPECT_NE(result.out.find("tenet_harbor_bank_eu_"), std::string::npos);
  EXPECT_EQ(result.out.find("tenet_acme_"), std::string::npos);
  EXPECT_EQ(result.out.find("'acme'"), std::string::npos);
  // It drops only the table-wide policies and that tenant's, by their exact names.
  EXPECT_NE(result.out.find("pol.polname IN ('tenet_isolation', 'tenet_valid', "
                            "'tenet_harbor_bank_eu_5544d6cc_read_permit', "),
            std::string::npos);
  EXPECT_EQ(result.out.find("starts_with(pol.polname, 'tenet_harbor"), std::string::npos);
  EXPECT_EQ(result.err.find("'acme:"), std::string::npos);
}

// Policy names carry a 32-bit hash of the tenant name: two tenants that
// share their policy names (same readable part, same hash) would make the
// script fail to apply, and --tenant replace the other's. Refused.
TEST(SqlCommand, TenantsSharingPolicyNamesAreRefused) {
  const std::string a = "collision-of-tenants-mthapboc";
  const std::string b = "collision-of-tenants-fybzarqs";
  ASSERT_EQ(tenet::sql::tenant_policy_prefix(a), tenet::sql::tenant_policy_prefix(b));
  const tenet::test_support::TempDir dir("tenet-sql-collision");
  std::ofstream(dir.path() / "policy.tenet")
      << "schema { resource doc @table(\"docs\") { owner: string; } actions read on doc; }\n"
      << "tenant \"" << a << "\" { role guest; permit read on doc; }\n"
      << "tenant \"" << b << "\" { role guest; permit read on doc; }\n";
  for (const std::string& only : {std::string(), a}) {
    const SqlRun result = run(dir.path(), only);
    EXPECT_EQ(result.status, tenet::cli::kPolicyErrors) << result.err;
    EXPECT_NE(result.err.find("tenet sql: error: tenants '" + a + "' and '" + b +
                              "' get the same policy names (tenet_collision_of_tenants_f092cd04_"),
              std::string::npos)
        << result.err;
    EXPECT_TRUE(result.out.empty());
  }
}

TEST(SqlCommand, UnknownTenantIsAUsageError) {
  const SqlRun result = run(kSource / "policies", "globex");
  EXPECT_EQ(result.status, tenet::cli::kUsageOrIo);
  EXPECT_NE(result.err.find("tenet sql: error: no tenant 'globex'"), std::string::npos)
      << result.err;
  EXPECT_TRUE(result.out.empty());
}

TEST(SqlCommand, PolicyErrorsPrintDiagnostics) {
  const SqlRun result = run(kSource / "tests/golden/diagnostics/bad-sql-name");
  EXPECT_EQ(result.status, tenet::cli::kPolicyErrors);
  EXPECT_NE(result.err.find("error: tenant column \"\" of resource type"), std::string::npos)
      << result.err;
  EXPECT_TRUE(result.out.empty());
}

TEST(SqlCommand, MissingDirectoryIsAnIoError) {
  EXPECT_EQ(run(kSource / "no-such-directory").status, tenet::cli::kUsageOrIo);
}

// A line break in a tenant name must not end a `--` comment of the script.
TEST(SqlCommand, NoNameEscapesACommentOrALiteral) {
  const SqlRun result = run(kSource / "tests/postgres/hostile");
  ASSERT_EQ(result.status, tenet::cli::kOk) << result.err;
  // In a comment the line break becomes '?'; inside a quoted literal it may stay.
  EXPECT_NE(result.out.find("-- tenant 'line?break; DROP TABLE notes;--', read on 'note'\n"),
            std::string::npos);
  EXPECT_EQ(result.out.find("-- tenant 'line\nbreak"), std::string::npos);
  EXPECT_NE(result.out.find("ON \"we\"\"ird; DROP TABLE notes;--\""), std::string::npos);
  EXPECT_NE(result.out.find("= 'évil''; DROP TABLE notes;--'"), std::string::npos);
}

}  // namespace
