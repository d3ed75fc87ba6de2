// The script `tenet sql` writes, applied to PostgreSQL: idempotent (applied
// again, it replaces exactly its own policies; a policy it did not make
// survives), --tenant replaces only that tenant's, and SQL-hostile names
// and values (quotes, semicolons, backslashes, unicode, a line break) are
// quoted so that the policies work and nothing else runs.
#include <gtest/gtest.h>

#include <set>

#include "engine/sql/sql_ddl.hpp"
#include "engine/sql/sql_text.hpp"
#include "tests/postgres/rls_world.hpp"

namespace tenet::pgtest {
namespace {

using sql::quote_ident;

std::vector<std::string> policy_names(PgSession& session, const World& world) {
  std::vector<std::string> names;
  for (const Table& table : world.tables()) {
    for (const Row& row : session.query(
             "SELECT polname FROM pg_policy WHERE polrelid = to_regclass($1) ORDER BY polname",
             {quote_ident(table.name)})) {
      names.push_back(table.name + "." + *row[0]);
    }
  }
  return names;
}

class Script : public testing::Test {
 protected:
  void SetUp() override {
    if (!cluster_available()) GTEST_SKIP() << "TENET_PG_SOCKET_DIR not set";
    owner_ = std::make_unique<PgSession>("tenet_owner");
    app_ = std::make_unique<PgSession>("tenet_app");
  }
  std::unique_ptr<PgSession> owner_;
  std::unique_ptr<PgSession> app_;
};

TEST_F(Script, ReapplyingReplacesExactlyItsOwnPolicies) {
  const auto policies = load_policies(std::string(TENET_SOURCE_DIR) + "/policies");
  const World world(policies, 1);
  world.create_tables(*owner_);
  const std::string script = ddl(*policies);
  EXPECT_EQ(script, ddl(*policies));  // deterministic

  owner_->exec(script);
  const std::vector<std::string> first = policy_names(*owner_, world);
  EXPECT_GT(first.size(), 30U);
  owner_->exec(
      "CREATE POLICY app_audit ON documents AS PERMISSIVE FOR SELECT USING (owner_id = 'auditor')");
  owner_->exec(script);
  std::vector<std::string> expected = first;
  expected.push_back("documents.app_audit");
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> second = policy_names(*owner_, world);
  std::sort(second.begin(), second.end());
  EXPECT_EQ(second, expected);

  // One tenant only: the same set of policies afterwards, foreign one included.
  owner_->exec(ddl(*policies, std::string("harbor-bank.eu")));
  std::vector<std::string> third = policy_names(*owner_, world);
  std::sort(third.begin(), third.end());
  EXPECT_EQ(third, expected);
  // Row-level security stays on, forced for the owner too.
  for (const Table& table : world.tables()) {
    const std::vector<Row> flags = owner_->query(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = to_regclass($1)",
        {quote_ident(table.name)});
    ASSERT_EQ(flags.size(), 1U);
    EXPECT_EQ(flags[0][0], "t");
    EXPECT_EQ(flags[0][1], "t");
  }
  EXPECT_TRUE(owner_->query("SELECT id FROM documents").empty());  // the owner is no exception
}

TEST_F(Script, HostileNamesAreQuotedAndPoliciesStillMatchCheck) {
  const auto policies = load_policies(std::string(TENET_SOURCE_DIR) + "/tests/postgres/hostile");
  World world(policies, 99);
  world.create_tables(*owner_);
  const Table& table = world.tables().at(0);
  EXPECT_EQ(table.name, "we\"ird; DROP TABLE notes;--");
  std::vector<RowData> rows;
  for (int i = 0; i < 60; ++i) {
    rows.push_back(world.random_row(table, "h'" + std::to_string(i) + "\";--"));
    world.insert(*owner_, table, rows.back());
  }
  owner_->exec(ddl(*policies));
  std::size_t compared = 0;
  for (int i = 0; i < 150; ++i) {
    const PrincipalData p = world.random_principal();
    SCOPED_TRACE("tenant " + p.tenant + " role " + p.role + " id " + p.id + " " + p.attrs.dump());
    const bool accepted = begin_as(*app_, p);
    std::set<std::string> seen;
    if (accepted) {
      for (const Row& row : app_->query("SELECT id FROM " + quote_ident(table.name))) {
        seen.insert(*row[0]);
      }
      app_->exec("ROLLBACK");
    }
    std::set<std::string> expected;
    for (const RowData& row : rows) {
      if (world.check(p, "read", table, row)) expected.insert(row.id);
    }
    EXPECT_EQ(seen, expected);
    compared += rows.size();
  }
  EXPECT_GT(compared, 5000U);
  // Nothing was dropped or run by a name: the table is still there, with its rows.
  EXPECT_EQ(owner_->query("SELECT count(*) FROM pg_class WHERE relname = 'notes'").at(0).at(0),
            "0");
  ASSERT_TRUE(
      begin_as(*app_, PrincipalData{"line\nbreak; DROP TABLE notes;--", "u1", "member", {}}));
  std::size_t line_break_rows = 0;
  for (const RowData& row : rows)
    line_break_rows += row.tenant == "line\nbreak; DROP TABLE notes;--";
  EXPECT_EQ(app_->query("SELECT id FROM " + quote_ident(table.name)).size(), line_break_rows);
  app_->exec("ROLLBACK");
}

}  // namespace
}  // namespace tenet::pgtest
