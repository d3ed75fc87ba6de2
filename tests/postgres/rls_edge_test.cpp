// The edges of the database mapping, against a real PostgreSQL: a
// differential of row-level security (and of the filter op's SQL) with
// check for what a hostile or careless application can send
// (tests/postgres/edge/edge.tenet says which): principal attribute names
// that differ only in case, "" for a string, mistyped values, duplicate
// keys, tenants that differ only in case over columns with a
// case-insensitive (nondeterministic ICU) collation, and an empty tenant.
// RLS must never allow what check denies, and allows exactly what it allows
// except where documented (an empty principal id, a duplicate key: the
// database refuses those).
//
// The attributes are raw JSON text, sent as written to both sides, so that
// 1e1, 18.0 and -0 reach them as the application wrote them.
#include <gtest/gtest.h>

#include <set>

#include "engine/sql/sql_text.hpp"
#include "tests/postgres/rls_world.hpp"
#include "tests/support/command_output.hpp"

namespace tenet::pgtest {
namespace {

using sql::quote_ident;
using test_support::command_output;

constexpr std::uint64_t kSeed = 2020;
constexpr int kRows = 60;
constexpr int kPrincipals = 300;
constexpr int kInsertsPerPrincipal = 2;

struct Candidate {
  std::string_view json;
  bool valid;  // as check reads it
};

// Per principal attribute: the values to draw from, valid and not.
const std::map<std::string, std::vector<Candidate>> kAttributeValues{
    {"Role", {{R"("company")", true}, {R"("guest")", true}, {R"("")", true}, {"49", false}}},
    {"ID", {{R"("u2")", true}, {R"("U1")", true}, {R"("")", true}}},
    {"Tenant", {{R"("ACME")", true}, {R"("")", true}}},
    {"level", {{R"("low")", true}, {R"("high")", true}, {R"("HIGH")", false}, {"1", false}}},
    {"Level", {{R"("low")", true}, {R"("high")", true}}},
    {"nick", {{R"("")", true}, {R"("bob")", true}, {"null", true}}},
    {"buddy", {{R"("u2")", true}, {R"("U2")", true}, {R"("")", true}, {"49", false}}},
    {"trusted",
     {{"true", true}, {"false", true}, {R"("on")", false}, {"1", false}, {R"("true")", false}}},
    {"age",
     {{"18", true},
      {"17", true},
      {"-0", true},
      {"9223372036854775807", true},
      {R"("18")", false},
      {"18.0", false},
      {"1.8e1", false},
      {"9223372036854775808", false},
      {"true", false}}},
    {"groups",
     {{"[]", true},
      {R"(["ops"])", true},
      {R"(["OPS"])", true},
      {R"("ops")", false},
      {R"(["ops", 1])", false}}},
    {"scores",
     {{"[]", true},
      {"[10]", true},
      {"[1e1]", false},
      {"[10.0]", false},
      {R"(["10"])", false},
      {"[9223372036854775808]", false}}},
};

const std::vector<std::string> kTenants{"acme", "ACME", "Acme", "", "globex", "acme-45fd71af-twin"};
const std::vector<std::string> kRoles{"guest", "member", "company", "", "Company"};
const std::vector<std::string> kPrincipalIds{"u1", "U1", "u2", ""};
const std::vector<std::optional<std::string>> kOwners{"u1", "U1", "u2",        "U2",
                                                      "49", "",   std::nullopt};
const std::vector<std::optional<std::string>> kLabels{"open", "closed", "OPEN", std::nullopt};

struct EdgePrincipal {
  std::string tenant;
  std::string id;
  std::string role;
  std::string attrs = "{}";  // raw JSON text
  bool duplicate_key = false;

  [[nodiscard]] std::string describe() const {
    return "tenant=" + tenant + " id=" + id + " role=" + role + " attrs=" + attrs;
  }
  // Where the database is stricter than check, by design (docs/DATABASE.md).
  [[nodiscard]] bool database_stricter() const { return id.empty() || duplicate_key; }
};

std::set<std::string> ids(const std::vector<Row>& rows) {
  std::set<std::string> out;
  for (const Row& row : rows) out.insert(row.at(0).value_or("<NULL>"));
  return out;
}

std::string join(const std::set<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return "{" + out + "}";
}

bool subset(const std::set<std::string>& a, const std::set<std::string>& b) {
  return std::includes(b.begin(), b.end(), a.begin(), a.end());
}

class Edge : public testing::Test {
 protected:
  void SetUp() override {
    if (!cluster_available()) GTEST_SKIP() << "TENET_PG_SOCKET_DIR not set";
    policies_ = load_policies(std::string(TENET_SOURCE_DIR) + "/tests/postgres/edge");
    engine_ = std::make_unique<Engine>(policies_);
    world_ = std::make_unique<World>(policies_, kSeed);
    owner_ = std::make_unique<PgSession>("tenet_owner");
    app_ = std::make_unique<PgSession>("tenet_app");
    admin_ = std::make_unique<PgSession>("tenet_admin");  // superuser: not subject to RLS
    world_->create_tables(*owner_);
    // Case-insensitive: under this collation 'ACME' = 'acme' and 'U1' = 'u1'.
    owner_->exec(
        "CREATE COLLATION IF NOT EXISTS tenet_ci "
        "(provider = icu, locale = 'und-u-ks-level2', deterministic = false);\n"
        "ALTER TABLE edge_docs ALTER COLUMN tenant TYPE text COLLATE tenet_ci,\n"
        "  ALTER COLUMN owner TYPE text COLLATE tenet_ci,\n"
        "  ALTER COLUMN label TYPE text COLLATE tenet_ci,\n"
        "  ALTER COLUMN tags TYPE text[] COLLATE tenet_ci;\n"
        "CREATE INDEX ON edge_docs (tenant);");
    ASSERT_EQ(owner_->query("SELECT 'ACME' COLLATE tenet_ci = 'acme'").at(0).at(0), "t");
    table_ = &world_->tables().at(0);
    std::uniform_int_distribution<int> percent(0, 99);
    for (int i = 0; i < kRows; ++i) {
      RowData row;
      row.id = "e" + std::to_string(i);
      row.tenant = kTenants[static_cast<std::size_t>(i) % kTenants.size()];
      if (const auto owner = pick(kOwners)) row.attrs["owner"] = *owner;
      if (const auto label = pick(kLabels)) row.attrs["label"] = *label;
      if (percent(random_) < 85) row.attrs["size"] = percent(random_) < 50 ? 3 : 12;
      const int tags = percent(random_);
      if (tags < 30) {
        row.attrs["tags"] = nlohmann::json::array({"shared"});
      } else if (tags < 45) {
        row.attrs["tags"] = nlohmann::json::array({"SHARED"});
      } else if (tags < 90) {
        row.attrs["tags"] = nlohmann::json::array();
      }
      world_->insert(*owner_, *table_, row);
      rows_.push_back(std::move(row));
    }
    owner_->exec(ddl(*policies_));
  }

  template <typename T>
  const T& pick(const std::vector<T>& from) {
    return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(random_)];
  }

  EdgePrincipal random_principal() {
    std::uniform_int_distribution<int> percent(0, 99);
    EdgePrincipal p;
    p.tenant = pick(kTenants);
    p.id = pick(kPrincipalIds);
    p.role = pick(kRoles);
    std::string attrs;
    for (const auto& [name, candidates] : kAttributeValues) {
      if (percent(random_) < 20) continue;  // absent
      // Mostly valid values, so that the comparison is not all-deny.
      std::vector<Candidate> pool;
      const bool valid = percent(random_) < 95;
      for (const Candidate& c : candidates) {
        if (c.valid == valid) pool.push_back(c);
      }
      if (pool.empty()) continue;
      attrs += (attrs.empty() ? "" : ",") + nlohmann::json(name).dump() + ":" +
               std::string(pick(pool).json);
    }
    if (percent(random_) < 4) {  // check reads the first, PostgreSQL's json the last
      attrs += std::string(attrs.empty() ? "" : ",") + R"("level":"low","level":"high")";
      p.duplicate_key = true;
    }
    p.attrs = "{" + attrs + "}";
    return p;
  }

  [[nodiscard]] std::string request(const EdgePrincipal& p, std::string_view op) const {
    return R"({"op":")" + std::string(op) + R"(","tenant":)" + nlohmann::json(p.tenant).dump() +
           R"(,"principal":{"id":)" + nlohmann::json(p.id).dump() + R"(,"role":)" +
           nlohmann::json(p.role).dump() + R"(,"attrs":)" + p.attrs + "}";
  }

  [[nodiscard]] bool check(const EdgePrincipal& p, std::string_view action,
                           const RowData& row) const {
    const nlohmann::json resource{
        {"type", "doc"}, {"id", row.id}, {"tenant", row.tenant}, {"attrs", row.attrs}};
    const std::string text = request(p, "check") + R"(,"action":)" + nlohmann::json(action).dump() +
                             R"(,"resource":)" + resource.dump() + "}";
    const nlohmann::json response = nlohmann::json::parse(engine_->handle_json(text));
    return response.value("decision", "") == "allow";
  }

  [[nodiscard]] std::set<std::string> allowed(const EdgePrincipal& p, std::string_view action) {
    std::set<std::string> out;
    for (const RowData& row : rows_) {
      if (check(p, action, row)) out.insert(row.id);
    }
    return out;
  }

  // BEGIN and tenet_set_principal; false (and rolled back) when it refused.
  bool begin(const EdgePrincipal& p) {
    app_->exec("BEGIN");
    const std::string state = app_->try_command("SELECT tenet_set_principal($1, $2, $3, $4::json)",
                                                {p.tenant, p.id, p.role, p.attrs});
    if (state.empty()) return true;
    app_->exec("ROLLBACK");
    EXPECT_EQ(state, kRefused) << p.describe();
    return false;
  }

  std::set<std::string> probe(const std::string& statement) {
    app_->exec(statement);
    const std::set<std::string> reached = ids(app_->query("SELECT id FROM tenet_probe_log"));
    app_->exec("DELETE FROM tenet_probe_log");
    return reached;
  }

  std::vector<std::string> policy_names() {
    std::vector<std::string> names;
    for (const Row& row : owner_->query(
             "SELECT polname FROM pg_policy WHERE polrelid = 'edge_docs'::regclass ORDER BY 1")) {
      names.push_back(*row[0]);
    }
    return names;
  }

  std::mt19937_64 random_{kSeed};
  std::shared_ptr<const CompiledPolicySet> policies_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<World> world_;
  std::unique_ptr<PgSession> owner_;
  std::unique_ptr<PgSession> app_;
  std::unique_ptr<PgSession> admin_;
  const Table* table_ = nullptr;
  std::vector<RowData> rows_;
};

TEST_F(Edge, RowLevelSecurityNeverAllowsWhatCheckDenies) {
  std::size_t compared = 0;
  std::size_t granted = 0;
  int refused = 0;
  int fresh = 0;
  for (int i = 0; i < kPrincipals; ++i) {
    const EdgePrincipal p = random_principal();
    SCOPED_TRACE(p.describe());
    std::map<std::string_view, std::set<std::string>> database{
        {"read", {}}, {"write", {}}, {"delete", {}}};
    const bool accepted = begin(p);
    if (accepted) {
      app_->exec("SELECT set_config('tenet_test.probe', 'on', true)");
      database["read"] = ids(app_->query("SELECT id FROM edge_docs"));
      database["write"] = probe("UPDATE edge_docs SET tenant = '?'");
      database["delete"] = probe("DELETE FROM edge_docs");
      // INSERT: WITH CHECK on a new row of any tenant (ACME's session, an acme row).
      for (int k = 0; k < kInsertsPerPrincipal; ++k) {
        RowData row =
            rows_[std::uniform_int_distribution<std::size_t>(0, rows_.size() - 1)(random_)];
        row.id = "n" + std::to_string(++fresh);
        const bool expected = check(p, "create", row);
        app_->exec("SAVEPOINT one");
        const std::string state =
            app_->try_command(world_->insert_sql(*table_), world_->insert_params(*table_, row));
        app_->exec("ROLLBACK TO SAVEPOINT one");
        if (expected && !p.database_stricter()) {
          EXPECT_EQ(state, "") << "create " << row.id << " tenant=" << row.tenant << " "
                               << row.attrs.dump();
        } else if (!expected) {
          EXPECT_EQ(state, kInsufficientPrivilege)
              << "create " << row.id << " tenant=" << row.tenant << " " << row.attrs.dump();
        }
      }
      app_->exec("ROLLBACK");
    } else {
      ++refused;
    }
    for (const auto& [action, rows] : database) {
      const std::set<std::string> expected = allowed(p, action);
      // Never more than check; exactly as much unless documented otherwise.
      EXPECT_TRUE(subset(rows, expected))
          << action << ": database " << join(rows) << ", check " << join(expected);
      if (!p.database_stricter()) {
        EXPECT_EQ(rows, expected) << action << ": database " << join(rows) << ", check "
                                  << join(expected);
      }
      // What the database refuses, check calls invalid (allows nothing).
      if (!accepted && !p.duplicate_key) {
        EXPECT_TRUE(expected.empty())
            << "refused, but check allows " << action << " " << join(expected);
      }
      compared += rows_.size();
      granted += rows.size();
    }
    if (HasFailure()) break;  // one principal's report is enough to debug
  }
  std::cout << "edge: " << compared << " (principal, row, action) combinations, " << granted
            << " allowed, " << refused << " principals refused\n";
  EXPECT_GT(granted, 150U);  // not all-deny
  EXPECT_GT(refused, 30);    // the mistyped values reached the database
}

TEST_F(Edge, FilterSqlSelectsExactlyWhatCheckAllowsWhateverTheCollation) {
  std::size_t compared = 0;
  for (int i = 0; i < kPrincipals / 2; ++i) {
    const EdgePrincipal p = random_principal();
    SCOPED_TRACE(p.describe());
    for (const std::string_view action : {"read", "write", "create", "delete"}) {
      const nlohmann::json response = nlohmann::json::parse(
          engine_->handle_json(request(p, "filter") + R"(,"action":)" +
                               nlohmann::json(action).dump() + R"(,"resource_type":"doc"})"));
      const std::set<std::string> expected = allowed(p, action);
      if (!response.contains("filter") || !response["filter"].contains("sql")) {
        EXPECT_TRUE(expected.empty()) << response.dump();
        continue;
      }
      std::vector<Param> params;
      for (const nlohmann::json& param : response["filter"]["params"]) {
        if (param.is_string()) {
          params.emplace_back(param.get<std::string>());
        } else if (param.is_boolean()) {
          params.emplace_back(param.get<bool>() ? "true" : "false");
        } else {
          params.emplace_back(param.dump());
        }
      }
      const std::string query =
          "SELECT id FROM edge_docs WHERE " + response["filter"]["sql"].get<std::string>();
      const std::set<std::string> rows = ids(admin_->query(query, params));
      EXPECT_EQ(rows, expected) << action << ": " << query << " params "
                                << response["filter"]["params"].dump();
      compared += rows_.size();
    }
    if (HasFailure()) break;
  }
  EXPECT_GT(compared, 10'000U);
}

// A session without a tenant (unset, NULL or '') reaches no row, not even
// rows whose tenant column is '' through a permissive policy of the
// application's own.
TEST_F(Edge, AnEmptyTenantSettingIsNoTenant) {
  owner_->exec("CREATE POLICY app_everything ON edge_docs AS PERMISSIVE FOR ALL USING (true)");
  std::size_t empty_tenant_rows = 0;
  for (const RowData& row : rows_) empty_tenant_rows += row.tenant.empty() ? 1 : 0;
  ASSERT_GT(empty_tenant_rows, 0U);
  for (const std::optional<std::string>& tenant :
       {std::optional<std::string>{}, std::optional<std::string>{""}}) {
    app_->exec("BEGIN");
    app_->query("SELECT tenet_set_principal($1, 'u1', 'guest', '{}')", {tenant});
    EXPECT_TRUE(app_->query("SELECT id FROM edge_docs").empty()) << tenant.value_or("<NULL>");
    app_->exec("ROLLBACK");
  }
  app_->exec("BEGIN");  // set by hand, as an application might
  app_->exec(
      "SELECT set_config('tenet.tenant', '', true), set_config('tenet.principal.id', 'u1', true)");
  EXPECT_TRUE(app_->query("SELECT id FROM edge_docs").empty());
  app_->exec("ROLLBACK");
  // The filter op: no tenant, no rows.
  const nlohmann::json response = nlohmann::json::parse(engine_->handle_json(
      R"({"op":"filter","tenant":"","principal":{"id":"u1","role":"guest"},"action":"read","resource_type":"doc"})"));
  EXPECT_EQ(response["filter"]["kind"], "never") << response.dump();
}

// `tenet sql --tenant acme` replaces exactly acme's policies: not those of
// "acme-45fd71af-twin", whose names start with acme's prefix.
TEST_F(Edge, ReplacingOneTenantLeavesATenantWithALongerPrefixAlone) {
  const std::vector<std::string> before = policy_names();
  ASSERT_NE(
      std::find(before.begin(), before.end(), "tenet_acme_45fd71af_twin_1e06ec21_read_permit"),
      before.end());
  // The twin's `permit *` covers the actions it declares for doc, read and
  // write: no policy lets it create or delete (acme's own actions).
  EXPECT_NE(
      std::find(before.begin(), before.end(), "tenet_acme_45fd71af_twin_1e06ec21_write_permit"),
      before.end());
  for (const std::string& name : before) {
    if (!name.starts_with("tenet_acme_45fd71af_twin_")) continue;
    EXPECT_EQ(name.find("_create_"), std::string::npos) << name;
    EXPECT_EQ(name.find("_delete_"), std::string::npos) << name;
  }
  EXPECT_NE(std::find(before.begin(), before.end(), "tenet_acme_45fd71af_create_permit"),
            before.end());
  owner_->exec(ddl(*policies_, std::string("acme")));
  EXPECT_EQ(policy_names(), before);
}

// The Python binding's statement (bindings/python/tenet_client/database.py),
// run as it is written, calls the function `tenet sql` made: a spoofing
// attribute changes nothing, a mistyped one is refused.
TEST_F(Edge, ThePythonHelpersStatementRunsAsCheckDecides) {
  const std::string script =
      "import json, sys\n"
      "sys.path.insert(0, '" +
      std::string(TENET_SOURCE_DIR) +
      "/bindings/python')\n"
      "from tenet_client import Principal\n"
      "from tenet_client.database import set_principal_statement\n"
      "out = []\n"
      "for attrs in ({'Role': 'company', 'ID': 'u2', 'Level': 'high', 'level': 'low', 'age': 30,"
      " 'groups': [], 'scores': [], 'nick': 'x'}, {'age': '18'}, {'age': 18.0}):\n"
      "    sql, params = set_principal_statement('acme', Principal(id='u1', role='guest',"
      " attrs=attrs), 'numeric')\n"
      "    out.append([sql, list(params)])\n"
      "print(json.dumps(out))\n";
  const std::string output = command_output("python3 - <<'PY'\n" + script + "PY\n");
  const nlohmann::json statements = nlohmann::json::parse(output);
  ASSERT_EQ(statements.size(), 3U) << output;
  std::vector<std::string> states;
  for (const nlohmann::json& statement : statements) {
    std::vector<Param> params;
    for (const nlohmann::json& param : statement[1]) params.emplace_back(param.get<std::string>());
    app_->exec("BEGIN");
    states.push_back(app_->try_command(statement[0].get<std::string>(), params));
    if (states.back().empty()) {
      EdgePrincipal p{"acme", "u1", "guest", params[3].value_or("{}")};
      EXPECT_EQ(ids(app_->query("SELECT id FROM edge_docs")), allowed(p, "read")) << p.attrs;
    }
    app_->exec("ROLLBACK");
  }
  EXPECT_EQ(states, (std::vector<std::string>{"", std::string(kRefused), std::string(kRefused)}));
}

}  // namespace
}  // namespace tenet::pgtest
