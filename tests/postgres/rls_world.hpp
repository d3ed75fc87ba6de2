// The data of the PostgreSQL tests: for a policy set, one table per mapped
// resource type (columns from the schema and its mapping), random rows of
// several tenants with SQL-hostile values, random principals, and `check`
// on the same (principal, row, action) through tenet::Engine.
//
// Everything random comes from one seeded generator, so a failure is
// reproducible from its seed. Used by the tests in tests/postgres/ only.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "tests/postgres/pg_session.hpp"

namespace tenet::pgtest {

struct TableColumn {
  std::string name;      // the column
  std::string sql_type;  // text, bigint, boolean, text[], bigint[]
  const model::Attribute* attribute = nullptr;
};

struct Table {
  const model::ResourceType* type = nullptr;
  std::string type_name;
  std::string name;  // the table
  std::string tenant_column;
  std::vector<TableColumn> columns;  // the attributes' columns, in declaration order
};

struct RowData {
  std::string id;
  std::string tenant;
  nlohmann::json attrs = nlohmann::json::object();  // attribute name → value; absent: NULL
};

struct PrincipalData {
  std::string tenant;
  std::string id;
  std::string role;
  nlohmann::json attrs = nlohmann::json::object();
};

class World {
 public:
  World(std::shared_ptr<const CompiledPolicySet> policies, std::uint64_t seed);

  [[nodiscard]] const std::vector<Table>& tables() const { return tables_; }
  [[nodiscard]] const std::vector<std::string>& tenants() const { return tenants_; }

  // Drops and creates the tables (owned by the caller, tenet_owner), grants
  // them to tenet_app, and adds the probe triggers (see probe_sql()).
  void create_tables(PgSession& owner) const;
  void insert(PgSession& owner, const Table& table, const RowData& row) const;

  [[nodiscard]] RowData random_row(const Table& table, std::string id);
  [[nodiscard]] PrincipalData random_principal();

  // INSERT of `row` (all columns) with text parameters.
  [[nodiscard]] std::string insert_sql(const Table& table) const;
  [[nodiscard]] std::vector<Param> insert_params(const Table& table, const RowData& row) const;

  // Does `check` allow it? `context` null: no context (what the database sees).
  [[nodiscard]] bool check(const PrincipalData& principal, std::string_view action,
                           const Table& table, const RowData& row,
                           const nlohmann::json& context = nullptr) const;
  // The filter op's response for (principal, action, table).
  [[nodiscard]] nlohmann::json filter(const PrincipalData& principal, std::string_view action,
                                      const Table& table) const;

  std::mt19937_64& random() { return random_; }

 private:
  nlohmann::json random_value(const model::Attribute& attribute, bool principal);
  [[nodiscard]] std::string pick(const std::vector<std::string>& from);

  std::shared_ptr<const CompiledPolicySet> policies_;
  Engine engine_;
  std::mt19937_64 random_;
  std::vector<Table> tables_;
  std::vector<std::string> tenants_;  // the policy set's, plus one it does not declare
};

// Loads and compiles a policy directory (asserting it has no errors).
[[nodiscard]] std::shared_ptr<const CompiledPolicySet> load_policies(const std::string& directory);
// `tenet sql`'s script for it (engine/sql/sql_ddl.hpp).
[[nodiscard]] std::string ddl(const CompiledPolicySet& policies,
                              const std::optional<std::string>& tenant = std::nullopt);

// Opens a transaction of `session` with the principal's settings, through
// the generated tenet_set_principal() (SET LOCAL semantics). False when
// tenet_set_principal refused the principal (SQLSTATE 22023, what check calls
// invalid_request): the transaction is rolled back and nothing was readable.
[[nodiscard]] bool begin_as(PgSession& session, const PrincipalData& principal);

// SQLSTATE of tenet_set_principal's refusal (invalid_parameter_value).
inline constexpr std::string_view kRefused = "22023";

// A SQL text array literal ('{"a","b"}') of JSON strings or numbers.
[[nodiscard]] std::string array_literal(const nlohmann::json& items);

}  // namespace tenet::pgtest
