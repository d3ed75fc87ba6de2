// One tenant's session can never read, change or insert another tenant's
// row, whatever the principal settings claim: any role name (of any
// tenant), any id, any attributes, no tenant at all, or a tenant setting
// that tries SQL injection.
#include <gtest/gtest.h>

#include "engine/sql/sql_text.hpp"
#include "tests/postgres/rls_world.hpp"

namespace tenet::pgtest {
namespace {

using sql::quote_ident;

constexpr std::uint64_t kSeed = 6;
constexpr int kRowsPerTable = 40;
constexpr int kPrincipalsPerTenant = 40;

class Isolation : public testing::Test {
 protected:
  void SetUp() override {
    if (!cluster_available()) GTEST_SKIP() << "TENET_PG_SOCKET_DIR not set";
    policies_ = load_policies(std::string(TENET_SOURCE_DIR) + "/policies");
    world_ = std::make_unique<World>(policies_, kSeed);
    owner_ = std::make_unique<PgSession>("tenet_owner");
    app_ = std::make_unique<PgSession>("tenet_app");
    world_->create_tables(*owner_);
    int n = 0;
    for (const Table& table : world_->tables()) {
      for (int i = 0; i < kRowsPerTable; ++i) {
        const RowData row = world_->random_row(table, "i" + std::to_string(++n));
        tenant_of_[row.id] = row.tenant;
        world_->insert(*owner_, table, row);
      }
    }
    owner_->exec(ddl(*policies_));
    // Every role name of every tenant: a principal may claim any of them.
    for (const model::Tenant& tenant : policies_->model().tenants) {
      for (const model::Role& role : tenant.roles) {
        roles_.emplace_back(policies_->model().name(role.name));
      }
    }
  }

  // The rows of `table` the open transaction can see, update and delete:
  // each must belong to `tenant`.
  void expect_only(const std::string& tenant, const Table& table) {
    const std::string name = quote_ident(table.name);
    for (const Row& row : app_->query("SELECT id FROM " + name)) {
      EXPECT_EQ(tenant_of_.at(*row[0]), tenant) << "read " << *row[0];
    }
    app_->exec("UPDATE " + name + " SET " + quote_ident(table.tenant_column) + " = '?'");
    app_->exec("DELETE FROM " + name);
    for (const Row& row : app_->query("SELECT id FROM tenet_probe_log")) {
      EXPECT_EQ(tenant_of_.at(*row[0]), tenant) << "update/delete " << *row[0];
    }
    app_->exec("DELETE FROM tenet_probe_log");
  }

  std::shared_ptr<const CompiledPolicySet> policies_;
  std::unique_ptr<World> world_;
  std::unique_ptr<PgSession> owner_;
  std::unique_ptr<PgSession> app_;
  std::map<std::string, std::string> tenant_of_;
  std::vector<std::string> roles_;
};

TEST_F(Isolation, NoSessionReachesAnotherTenantsRows) {
  int fresh = 0;
  int rejected_inserts = 0;
  for (const std::string& tenant : world_->tenants()) {
    for (int i = 0; i < kPrincipalsPerTenant; ++i) {
      PrincipalData p = world_->random_principal();
      p.tenant = tenant;
      p.role = roles_[static_cast<std::size_t>(i) % roles_.size()];
      SCOPED_TRACE("tenant " + tenant + " role " + p.role + " id " + p.id);
      if (!begin_as(*app_, p)) continue;  // refused: nothing readable
      app_->exec("SELECT set_config('tenet_test.probe', 'on', true)");
      for (const Table& table : world_->tables()) {
        expect_only(tenant, table);
        // A row of another tenant, shaped to be granted if isolation were not there.
        RowData row = world_->random_row(table, "x" + std::to_string(++fresh));
        if (row.tenant == tenant) row.tenant = tenant == "acme" ? "cedar" : "acme";
        for (const TableColumn& column : table.columns) {
          if (column.attribute->type.kind == model::AttributeKind::String)
            row.attrs[std::string(policies_->model().name(column.attribute->name))] = p.id;
        }
        app_->exec("SAVEPOINT one");
        const std::string state =
            app_->try_command(world_->insert_sql(table), world_->insert_params(table, row));
        app_->exec("ROLLBACK TO SAVEPOINT one");
        EXPECT_EQ(state, kInsufficientPrivilege) << "insert into tenant " << row.tenant;
        ++rejected_inserts;
        // Moving a row of one's own tenant to another tenant.
        app_->exec("SELECT set_config('tenet_test.probe', 'off', true)");
        app_->exec("SAVEPOINT one");
        long affected = 0;
        const std::string moved = app_->try_command("UPDATE " + quote_ident(table.name) + " SET " +
                                                        quote_ident(table.tenant_column) + " = $1",
                                                    {row.tenant}, &affected);
        app_->exec("ROLLBACK TO SAVEPOINT one");
        EXPECT_TRUE(moved == kInsufficientPrivilege || (moved.empty() && affected == 0))
            << "moved " << affected << " rows to " << row.tenant << " (" << moved << ")";
        app_->exec("SELECT set_config('tenet_test.probe', 'on', true)");
      }
      app_->exec("ROLLBACK");
    }
  }
  EXPECT_GT(rejected_inserts, 500);
}

TEST_F(Isolation, ASessionWithoutAValidTenantSeesNothing) {
  const std::vector<std::optional<std::string>> tenants{
      std::nullopt, "", "acme' OR '1'='1", "ACME", "acme ", "'; DROP TABLE documents;--"};
  for (const std::optional<std::string>& tenant : tenants) {
    SCOPED_TRACE(tenant.value_or("<unset>"));
    app_->exec("BEGIN");
    if (tenant) {
      app_->query("SELECT tenet_set_principal($1, 'u1', 'company', '{}'::json)", {*tenant});
    }
    for (const Table& table : world_->tables()) {
      EXPECT_TRUE(app_->query("SELECT id FROM " + quote_ident(table.name)).empty());
    }
    app_->exec("ROLLBACK");
  }
  // Outside a transaction, nothing leaks from an earlier one (SET LOCAL).
  PrincipalData p;
  p.tenant = "acme";
  p.id = "u1";
  p.role = "basic";
  ASSERT_TRUE(begin_as(*app_, p));
  app_->exec("COMMIT");
  for (const Table& table : world_->tables()) {
    EXPECT_TRUE(app_->query("SELECT id FROM " + quote_ident(table.name)).empty()) << table.name;
  }
}

}  // namespace
}  // namespace tenet::pgtest
