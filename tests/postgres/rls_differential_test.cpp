// The differential test: for thousands of (principal, row, action)
// combinations, the rows PostgreSQL's row-level security (from `tenet sql`)
// lets the non-owner role tenet_app SELECT / UPDATE / DELETE / INSERT are
// exactly those `check` allows; and the filter op's SQL selects exactly
// them too.
//
// The database never sees a request's context: a forbid reading
// `context.mfa` is in error there, so the exact reference is check *without*
// context; check with any context must then allow at least as much.
//
// UPDATE and DELETE are probed with tenet_probe triggers (rls_world.cpp):
// `UPDATE t SET tenant = '?'` and `DELETE FROM t`, which read no column, so
// only the UPDATE / DELETE policies apply, record the rows they reach, and
// change nothing. WITH CHECK of UPDATE is tested row by row.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "engine/sql/sql_text.hpp"
#include "tests/postgres/rls_world.hpp"

namespace tenet::pgtest {
namespace {

using sql::quote_ident;

constexpr std::uint64_t kSeed = 20261127;
constexpr int kRowsPerTable = 60;
constexpr int kPrincipals = 300;
constexpr int kInsertsPerTable = 3;
constexpr int kUpdatesPerTable = 2;

std::set<std::string> ids(const std::vector<Row>& rows) {
  std::set<std::string> out;
  for (const Row& row : rows) out.insert(row.at(0).value_or("<NULL>"));
  return out;
}

std::string describe(const PrincipalData& p) {
  return "principal tenant=" + p.tenant + " id=" + p.id + " role=" + p.role +
         " attrs=" + p.attrs.dump();
}

std::string join(const std::set<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return "{" + out + "}";
}

class Differential : public testing::Test {
 protected:
  void SetUp() override {
    if (!cluster_available()) GTEST_SKIP() << "TENET_PG_SOCKET_DIR not set";
    policies_ = load_policies(std::string(TENET_SOURCE_DIR) + "/policies");
    world_ = std::make_unique<World>(policies_, kSeed);
    owner_ = std::make_unique<PgSession>("tenet_owner");
    app_ = std::make_unique<PgSession>("tenet_app");
    admin_ = std::make_unique<PgSession>("tenet_admin");  // superuser: not subject to RLS
    world_->create_tables(*owner_);
    int n = 0;
    for (const Table& table : world_->tables()) {
      for (int i = 0; i < kRowsPerTable; ++i) {
        rows_[table.name].push_back(world_->random_row(table, "r" + std::to_string(++n)));
        world_->insert(*owner_, table, rows_[table.name].back());
      }
    }
    owner_->exec(ddl(*policies_));
  }

  std::set<std::string> allowed(const PrincipalData& p, std::string_view action, const Table& table,
                                const nlohmann::json& context = nullptr) {
    std::set<std::string> out;
    for (const RowData& row : rows_[table.name]) {
      if (world_->check(p, action, table, row, context)) out.insert(row.id);
    }
    return out;
  }

  std::set<std::string> probe(const std::string& statement, const Table& table) {
    app_->exec(statement);
    const std::set<std::string> reached =
        ids(app_->query("SELECT id FROM tenet_probe_log WHERE tbl = $1", {table.name}));
    app_->exec("DELETE FROM tenet_probe_log");
    return reached;
  }

  std::shared_ptr<const CompiledPolicySet> policies_;
  std::unique_ptr<World> world_;
  std::unique_ptr<PgSession> owner_;
  std::unique_ptr<PgSession> app_;
  std::unique_ptr<PgSession> admin_;
  std::map<std::string, std::vector<RowData>> rows_;
};

TEST_F(Differential, RowLevelSecurityAllowsExactlyWhatCheckAllows) {
  std::size_t combinations = 0;
  std::size_t granted = 0;
  int fresh = 0;
  int refused = 0;
  for (int i = 0; i < kPrincipals; ++i) {
    const PrincipalData p = world_->random_principal();
    SCOPED_TRACE(describe(p));
    if (!begin_as(*app_, p)) {
      // Refused (a value check calls invalid): check allows nothing either.
      for (const Table& table : world_->tables()) {
        for (const std::string_view action : {"read", "write", "create", "delete"}) {
          EXPECT_TRUE(allowed(p, action, table).empty()) << action << " " << table.name;
          combinations += rows_[table.name].size();
        }
      }
      ++refused;
      continue;
    }
    app_->exec("SELECT set_config('tenet_test.probe', 'on', true)");
    for (const Table& table : world_->tables()) {
      SCOPED_TRACE("table " + table.name);
      const std::string name = quote_ident(table.name);
      const std::map<std::string_view, std::set<std::string>> database{
          {"read", ids(app_->query("SELECT id FROM " + name))},
          {"write",
           probe("UPDATE " + name + " SET " + quote_ident(table.tenant_column) + " = '?'", table)},
          {"delete", probe("DELETE FROM " + name, table)}};
      for (const auto& [action, rows] : database) {
        const std::set<std::string> expected = allowed(p, action, table);
        EXPECT_EQ(rows, expected) << action << ": database " << join(rows) << ", check "
                                  << join(expected);
        combinations += rows_[table.name].size();
        granted += expected.size();
        // Whatever the request's context, check allows at least what the database does
        // (for every 4th principal: it triples the calls to check, slow under ASan).
        for (const bool mfa : {false, true}) {
          if (i % 4 != 0) break;
          const std::set<std::string> with_context =
              allowed(p, action, table, nlohmann::json{{"mfa", mfa}});
          EXPECT_TRUE(
              std::includes(with_context.begin(), with_context.end(), rows.begin(), rows.end()))
              << action << " with mfa=" << mfa;
        }
      }
      // INSERT: WITH CHECK on the new row, one savepoint each.
      for (int k = 0; k < kInsertsPerTable; ++k) {
        const RowData row = world_->random_row(table, "new" + std::to_string(++fresh));
        const bool expected = world_->check(p, "create", table, row);
        app_->exec("SAVEPOINT one");
        const std::string state =
            app_->try_command(world_->insert_sql(table), world_->insert_params(table, row));
        app_->exec("ROLLBACK TO SAVEPOINT one");
        EXPECT_EQ(state, expected ? "" : std::string(kInsufficientPrivilege))
            << "create " << row.id << " tenant=" << row.tenant << " attrs=" << row.attrs.dump();
        ++combinations;
        granted += expected ? 1 : 0;
      }
      // UPDATE's WITH CHECK: a row it may read and write, changed to new values.
      app_->exec("SELECT set_config('tenet_test.probe', 'off', true)");
      int updates = 0;
      for (const RowData& old_row : rows_[table.name]) {
        if (updates == kUpdatesPerTable) break;
        if (!world_->check(p, "read", table, old_row) || !world_->check(p, "write", table, old_row))
          continue;
        ++updates;
        const RowData row = world_->random_row(table, old_row.id);
        const bool expected = world_->check(p, "write", table, row);
        std::vector<Param> params = world_->insert_params(table, row);
        std::string set = quote_ident(table.tenant_column) + " = $2";
        for (std::size_t c = 0; c < table.columns.size(); ++c) {
          set += ", " + quote_ident(table.columns[c].name) + " = $" + std::to_string(c + 3) +
                 "::" + table.columns[c].sql_type;
        }
        app_->exec("SAVEPOINT one");
        long affected = -1;
        const std::string state = app_->try_command(
            "UPDATE " + name + " SET " + set + " WHERE id = $1", params, &affected);
        app_->exec("ROLLBACK TO SAVEPOINT one");
        if (expected) {
          EXPECT_EQ(state, "") << "update " << row.id << " to " << row.attrs.dump();
          EXPECT_EQ(affected, 1);
        } else {
          EXPECT_EQ(state, kInsufficientPrivilege)
              << "update " << row.id << " to tenant=" << row.tenant << " " << row.attrs.dump();
        }
        ++combinations;
      }
      app_->exec("SELECT set_config('tenet_test.probe', 'on', true)");
    }
    app_->exec("ROLLBACK");
    if (HasFailure()) break;  // one principal's report is enough to debug
  }
  std::cout << "differential: " << combinations << " (principal, row, action) combinations, "
            << granted << " allowed, " << refused << " principals refused\n";
  EXPECT_GT(refused, 0);  // the invalid principals were tried
  EXPECT_GT(combinations, 100'000U);
  EXPECT_GT(granted, 1'000U);  // the comparison is not all-deny
}

TEST_F(Differential, FilterSqlSelectsExactlyTheRowsCheckAllows) {
  std::size_t compared = 0;
  for (int i = 0; i < kPrincipals / 2; ++i) {
    const PrincipalData p = world_->random_principal();
    SCOPED_TRACE(describe(p));
    for (const Table& table : world_->tables()) {
      for (const std::string_view action : {"read", "write", "create", "delete"}) {
        const nlohmann::json response = world_->filter(p, action, table);
        ASSERT_TRUE(response.contains("filter")) << response.dump();
        const nlohmann::json& filter = response["filter"];
        ASSERT_TRUE(filter.contains("sql")) << response.dump();
        std::vector<Param> params;
        for (const nlohmann::json& param : filter["params"]) {
          if (param.is_string()) {
            params.emplace_back(param.get<std::string>());
          } else if (param.is_boolean()) {
            params.emplace_back(param.get<bool>() ? "true" : "false");
          } else {
            params.emplace_back(param.dump());
          }
        }
        const std::string query = "SELECT id FROM " + quote_ident(table.name) + " WHERE " +
                                  filter["sql"].get<std::string>();
        const std::set<std::string> rows = ids(admin_->query(query, params));
        const std::set<std::string> expected = allowed(p, action, table);
        EXPECT_EQ(rows, expected) << action << " " << table.name << ": " << query << " params "
                                  << filter["params"].dump();
        if (filter["kind"] == "never") {
          EXPECT_TRUE(rows.empty());
        }
        compared += rows_[table.name].size();
      }
    }
    if (HasFailure()) break;
  }
  std::cout << "filter: " << compared << " (principal, row, action) combinations\n";
}

}  // namespace
}  // namespace tenet::pgtest
