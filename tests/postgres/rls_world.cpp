#include "tests/postgres/rls_world.hpp"

#include <algorithm>

#include "engine/sql/sql_ddl.hpp"
#include "engine/sql/sql_text.hpp"

namespace tenet::pgtest {
namespace {

using sql::quote_ident;

// Values chosen to collide: principal ids are also owners, company ids and
// tags appear on both sides, and some of them are SQL-hostile.
const std::vector<std::string> kStrings{"u1",     "u2",      "o'brien\"; DROP TABLE documents;--",
                                        "zoë 名", "c-42",    "c-43",
                                        "DE",     "starter", "back\\slash"};
const std::vector<std::string> kIds{"u1", "u2", "o'brien\"; DROP TABLE documents;--", "zoë 名"};
const std::vector<std::string> kTags{"desk", "beta", "business", "restricted", "it's"};
const std::vector<std::int64_t> kInts{-1, 0, 7, 14, 15, 29, 30, 31, 60, 90, 400};

std::string sql_type(model::AttributeKind kind) {
  switch (kind) {
    case model::AttributeKind::Bool:
      return "boolean";
    case model::AttributeKind::Int:
      return "bigint";
    case model::AttributeKind::String:
    case model::AttributeKind::Enum:
      return "text";
    case model::AttributeKind::SetOfString:
      return "text[]";
    case model::AttributeKind::SetOfInt:
      return "bigint[]";
  }
  return "text";
}

// The text form libpq sends for a JSON attribute value.
Param text_of(const nlohmann::json& value) {
  if (value.is_null()) return std::nullopt;
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  if (value.is_array()) return array_literal(value);
  return value.get<std::string>();
}

}  // namespace

std::string array_literal(const nlohmann::json& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    if (items[i].is_number_integer()) {
      out += std::to_string(items[i].get<std::int64_t>());
      continue;
    }
    out += '"';
    for (const char c : items[i].get<std::string>()) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

World::World(std::shared_ptr<const CompiledPolicySet> policies, std::uint64_t seed)
    : policies_(policies), engine_(policies), random_(seed) {
  const model::PolicySet& model = policies_->model();
  for (const model::ResourceType& type : model.schema.resources) {
    if (!type.mapped) continue;
    Table table;
    table.type = &type;
    table.type_name = std::string(model.name(type.name));
    table.name = std::string(model.name(type.table));
    table.tenant_column = std::string(model.name(type.tenant_column));
    for (const model::Attribute& attribute : type.attributes) {
      table.columns.push_back(
          {std::string(model.name(attribute.column)), sql_type(attribute.type.kind), &attribute});
    }
    tables_.push_back(std::move(table));
  }
  for (const model::Tenant& tenant : model.tenants) tenants_.emplace_back(model.name(tenant.name));
  tenants_.emplace_back("globex");  // declared nowhere: nothing may be allowed there
}

void World::create_tables(PgSession& owner) const {
  std::string script =
      "DROP TABLE IF EXISTS tenet_probe_log;\n"
      "CREATE TABLE tenet_probe_log (tbl text, id text);\n"
      "GRANT SELECT, INSERT, DELETE ON tenet_probe_log TO tenet_app;\n"
      // With tenet_test.probe on, an UPDATE or DELETE only records the rows
      // row-level security let it reach, and changes nothing.
      "CREATE OR REPLACE FUNCTION tenet_probe() RETURNS trigger LANGUAGE plpgsql AS $$\n"
      "BEGIN\n"
      "  IF current_setting('tenet_test.probe', true) = 'on' THEN\n"
      "    INSERT INTO tenet_probe_log VALUES (TG_TABLE_NAME, OLD.id);\n"
      "    RETURN NULL;\n"
      "  END IF;\n"
      "  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n"
      "  RETURN NEW;\n"
      "END $$;\n";
  for (const Table& table : tables_) {
    const std::string name = quote_ident(table.name);
    script += "DROP TABLE IF EXISTS " + name + ";\n";
    script += "CREATE TABLE " + name + " (id text PRIMARY KEY, " +
              quote_ident(table.tenant_column) + " text NOT NULL";
    for (const TableColumn& column : table.columns) {
      script += ", " + quote_ident(column.name) + " " + column.sql_type;
    }
    script += ");\n";
    script += "GRANT SELECT, INSERT, UPDATE, DELETE ON " + name + " TO tenet_app;\n";
    script += "CREATE TRIGGER tenet_probe BEFORE UPDATE OR DELETE ON " + name +
              " FOR EACH ROW EXECUTE FUNCTION tenet_probe();\n";
  }
  owner.exec(script);
}

std::string World::insert_sql(const Table& table) const {
  std::string columns = "id, " + quote_ident(table.tenant_column);
  std::string values = "$1, $2";
  int n = 2;
  for (const TableColumn& column : table.columns) {
    columns += ", " + quote_ident(column.name);
    values += ", $" + std::to_string(++n) + "::" + column.sql_type;
  }
  return "INSERT INTO " + quote_ident(table.name) + " (" + columns + ") VALUES (" + values + ")";
}

std::vector<Param> World::insert_params(const Table& table, const RowData& row) const {
  std::vector<Param> params{row.id, row.tenant};
  const model::PolicySet& model = policies_->model();
  for (const TableColumn& column : table.columns) {
    const std::string attribute(model.name(column.attribute->name));
    params.push_back(row.attrs.contains(attribute) ? text_of(row.attrs[attribute]) : std::nullopt);
  }
  return params;
}

void World::insert(PgSession& owner, const Table& table, const RowData& row) const {
  owner.query(insert_sql(table), insert_params(table, row));
}

std::string World::pick(const std::vector<std::string>& from) {
  return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(random_)];
}

nlohmann::json World::random_value(const model::Attribute& attribute, bool principal) {
  const model::PolicySet& model = policies_->model();
  std::uniform_int_distribution<int> percent(0, 99);
  switch (attribute.type.kind) {
    case model::AttributeKind::Bool:
      return percent(random_) < 50;
    case model::AttributeKind::Int:
      return kInts[std::uniform_int_distribution<std::size_t>(0, kInts.size() - 1)(random_)];
    case model::AttributeKind::String:
      return pick(principal ? kIds : kStrings);
    case model::AttributeKind::Enum: {
      if (percent(random_) < 3) return "bogus";  // not a member: check calls it invalid
      std::vector<std::string> members;
      for (const model::Symbol m : model.schema.enums.at(attribute.type.enum_index).members) {
        members.emplace_back(model.name(m));
      }
      return pick(members);
    }
    case model::AttributeKind::SetOfString: {
      nlohmann::json items = nlohmann::json::array();
      for (const std::string& tag : kTags) {
        if (percent(random_) < 30) items.push_back(tag);
      }
      return items;
    }
    case model::AttributeKind::SetOfInt: {
      nlohmann::json items = nlohmann::json::array();
      for (const std::int64_t i : kInts) {
        if (percent(random_) < 20) items.push_back(i);
      }
      return items;
    }
  }
  return nullptr;
}

RowData World::random_row(const Table& table, std::string id) {
  RowData row;
  row.id = std::move(id);
  row.tenant = pick(tenants_);
  std::uniform_int_distribution<int> percent(0, 99);
  for (const TableColumn& column : table.columns) {
    if (percent(random_) < 12) continue;  // NULL: absent, reading it is an error in check
    row.attrs[std::string(policies_->model().name(column.attribute->name))] =
        random_value(*column.attribute, false);
  }
  return row;
}

PrincipalData World::random_principal() {
  const model::PolicySet& model = policies_->model();
  std::uniform_int_distribution<int> percent(0, 99);
  PrincipalData principal;
  principal.tenant = pick(tenants_);
  const model::Tenant* tenant = model.find_tenant(principal.tenant);
  std::vector<std::string> roles{"admin"};  // declared nowhere
  if (tenant != nullptr) {
    for (const model::Role& role : tenant->roles) roles.emplace_back(model.name(role.name));
  }
  principal.role = percent(random_) < 3 ? roles[0] : pick(roles);
  if (principal.role == "admin" && roles.size() > 1 && percent(random_) < 70)
    principal.role = roles[1];
  principal.id = pick(kIds);
  for (const model::Attribute& attribute : model.schema.principal) {
    if (percent(random_) < 15) continue;
    principal.attrs[std::string(model.name(attribute.name))] = random_value(attribute, true);
  }
  return principal;
}

bool World::check(const PrincipalData& principal, std::string_view action, const Table& table,
                  const RowData& row, const nlohmann::json& context) const {
  nlohmann::json request{
      {"op", "check"},
      {"tenant", principal.tenant},
      {"principal", {{"id", principal.id}, {"role", principal.role}, {"attrs", principal.attrs}}},
      {"action", action},
      {"resource",
       {{"type", table.type_name}, {"id", row.id}, {"tenant", row.tenant}, {"attrs", row.attrs}}}};
  if (!context.is_null()) request["context"] = context;
  const nlohmann::json response = nlohmann::json::parse(engine_.handle_json(request.dump()));
  return response.value("decision", "") == "allow";
}

nlohmann::json World::filter(const PrincipalData& principal, std::string_view action,
                             const Table& table) const {
  const nlohmann::json request{
      {"op", "filter"},
      {"tenant", principal.tenant},
      {"principal", {{"id", principal.id}, {"role", principal.role}, {"attrs", principal.attrs}}},
      {"action", action},
      {"resource_type", table.type_name}};
  return nlohmann::json::parse(engine_.handle_json(request.dump()));
}

std::shared_ptr<const CompiledPolicySet> load_policies(const std::string& directory) {
  Engine::CompileResult compiled = Engine::compile_directory(directory);
  if (!compiled.policies) throw std::runtime_error("policy errors in " + directory);
  return compiled.policies;
}

std::string ddl(const CompiledPolicySet& policies, const std::optional<std::string>& tenant) {
  sql::DdlOptions options;
  options.tenant = tenant;
  const sql::DdlResult result = sql::generate_ddl(policies, options);
  if (!result.error.empty()) throw std::runtime_error(result.error);
  return result.script;
}

bool begin_as(PgSession& session, const PrincipalData& principal) {
  session.exec("BEGIN");
  const std::string state =
      session.try_command("SELECT tenet_set_principal($1, $2, $3, $4::json)",
                          {principal.tenant, principal.id, principal.role, principal.attrs.dump()});
  if (state.empty()) return true;
  session.exec("ROLLBACK");
  if (state != kRefused) throw PgError("tenet_set_principal failed with SQLSTATE " + state, state);
  return false;
}

}  // namespace tenet::pgtest
