#include "server/store/fleet_rows.hpp"

#include <nlohmann/json.hpp>

namespace tenet::store {
namespace {

std::uint64_t number(const std::optional<std::string>& text) {
  return text ? std::stoull(*text) : 0;
}

std::string text(const std::optional<std::string>& value) { return value.value_or(""); }

// Rows stamped before the store had a change counter (version 1) carry 0:
// "after 0" must still include them.
std::string after(std::uint64_t since) { return since == 0 ? "-1" : std::to_string(since); }

Changes read_rows(Connection& connection, std::uint64_t since);

// The columns are typed, but a row written by hand (or by a newer tenet)
// may still hold JSON this one cannot read: a StoreError, like any other
// refusal of the store, never an exception a replica's thread dies of.
Changes read_in_transaction(Connection& connection, std::uint64_t since) {
  try {
    return read_rows(connection, since);
  } catch (const nlohmann::json::exception& error) {
    throw StoreError(std::string("the store holds a row this tenet cannot read: ") + error.what());
  } catch (const std::logic_error& error) {  // std::stoull of a malformed number
    throw StoreError(std::string("the store holds a row this tenet cannot read: ") + error.what());
  }
}

Changes read_rows(Connection& connection, std::uint64_t since) {
  Changes changes;
  changes.revision = store_revision(connection);
  const std::string from = after(since);
  const std::vector<Row> platform = connection.query(
      "SELECT revision, hash, files::text FROM tenet.platform_revisions "
      "WHERE store_revision > $1 ORDER BY revision DESC LIMIT 1",
      {from});
  if (!platform.empty()) {
    PlatformRow row;
    row.revision = number(platform[0][0]);
    row.hash = text(platform[0][1]);
    const nlohmann::json files = nlohmann::json::parse(text(platform[0][2]));
    for (const auto& [path, source] : files.items()) row.files[path] = source.get<std::string>();
    changes.platform = std::move(row);
  }
  for (const Row& row : connection.query(
           "SELECT DISTINCT ON (tenant) tenant, revision, path, hash, source "
           "FROM tenet.unit_revisions WHERE store_revision > $1 ORDER BY tenant, revision DESC",
           {from})) {
    changes.units.push_back({text(row[0]), number(row[1]), text(row[2]), text(row[3]), row[4]});
  }
  for (const Row& row : connection.query(
           "SELECT tenant, feature, state FROM tenet.feature_switches WHERE store_revision > $1 "
           "ORDER BY store_revision",
           {from})) {
    changes.switches.push_back({text(row[0]), text(row[1]), text(row[2])});
  }
  for (const Row& row :
       connection.query("SELECT encode(hash, 'hex'), tenant, array_to_json(rights)::text, "
                        "revoked_at IS NOT NULL, floor(extract(epoch FROM expires_at))::bigint "
                        "FROM tenet.tokens WHERE store_revision > $1 ORDER BY store_revision",
                        {from})) {
    TokenRow token;
    token.hash_hex = text(row[0]);
    token.tenant = text(row[1]);
    for (const auto& right : nlohmann::json::parse(text(row[2])))
      token.rights.push_back(right.get<std::string>());
    token.revoked = text(row[3]) == "t";
    if (row[4]) token.expires = std::stoll(*row[4]);
    changes.tokens.push_back(std::move(token));
  }
  return changes;
}

}  // namespace

Change::Change(Connection& connection, ChangeLimits limits) : connection_(connection) {
  connection_.exec("BEGIN");
  try {
    connection_.exec(
        "SET LOCAL lock_timeout = " + std::to_string(limits.wait.count()) +
        "; SET LOCAL idle_in_transaction_session_timeout = " + std::to_string(limits.idle.count()));
    const std::vector<Row> rows = connection_.query("SELECT tenet.begin_change()");
    revision_ = rows.empty() ? 0 : number(rows[0][0]);
  } catch (const StoreError&) {
    // No destructor runs for an object whose constructor threw: end the
    // transaction here, or the connection stays in a failed one.
    try {
      connection_.exec("ROLLBACK");
    } catch (const StoreError&) {
      // The connection is gone: the transaction went with it.
    }
    throw;
  }
  open_ = true;
}

Change::~Change() {
  if (!open_) return;
  try {
    connection_.exec("ROLLBACK");
  } catch (const StoreError&) {
    // The connection is gone: the transaction went with it.
  }
}

void Change::commit() {
  open_ = false;  // a failed COMMIT is not rolled back again: PostgreSQL ended it
  connection_.exec("COMMIT");
}

Changes read_changes(Connection& connection, std::uint64_t since) {
  connection.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    Changes changes = read_in_transaction(connection, since);
    connection.exec("COMMIT");
    return changes;
  } catch (...) {
    try {
      connection.exec("ROLLBACK");
    } catch (const StoreError&) {
      // The connection is gone.
    }
    throw;
  }
}

Changes read_changes(Change& change, std::uint64_t since) {
  Changes changes = read_in_transaction(change.connection(), since);
  // The counter already says this change's own revision, which is not
  // written yet: what was read brings a reader to the one before.
  changes.revision = change.revision() - 1;
  return changes;
}

std::uint64_t store_revision(Connection& connection) {
  const std::vector<Row> rows = connection.query("SELECT revision FROM tenet.fleet");
  return rows.empty() ? 0 : number(rows[0][0]);
}

void insert_platform_revision(Change& change, const PlatformRow& row, const std::string& actor) {
  nlohmann::json files = nlohmann::json::object();
  for (const auto& [path, source] : row.files) files[path] = source;
  (void)change.connection().query(
      "INSERT INTO tenet.platform_revisions (revision, hash, files, actor, store_revision) "
      "VALUES ($1, $2, $3::jsonb, $4, $5)",
      {std::to_string(row.revision), row.hash, files.dump(), actor,
       std::to_string(change.revision())});
}

void insert_unit_revision(Change& change, const UnitRow& row, const std::string& actor) {
  (void)change.connection().query(
      "INSERT INTO tenet.unit_revisions (tenant, revision, path, hash, source, actor, "
      "store_revision) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      {row.tenant, std::to_string(row.revision), row.path, row.hash, row.source, actor,
       std::to_string(change.revision())});
}

std::string set_switch(Change& change, const SwitchRow& row, const std::string& actor) {
  const std::vector<Row> before = change.connection().query(
      "SELECT state FROM tenet.feature_switches WHERE tenant = $1 AND feature = $2 FOR UPDATE",
      {row.tenant, row.feature});
  (void)change.connection().query(
      "INSERT INTO tenet.feature_switches (tenant, feature, state, actor, store_revision) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant, feature) DO UPDATE SET "
      "state = excluded.state, actor = excluded.actor, updated_at = now(), "
      "store_revision = excluded.store_revision",
      {row.tenant, row.feature, row.state, actor, std::to_string(change.revision())});
  return before.empty() ? "default" : text(before[0][0]);
}

void audit(Change& change, const std::string& actor, const std::string& action,
           const std::optional<std::string>& tenant, const std::optional<std::string>& subject,
           const std::optional<std::string>& before, const std::optional<std::string>& after) {
  (void)change.connection().query(
      "INSERT INTO tenet.admin_audit (actor, action, tenant, subject, before, after) "
      "VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)",
      {actor, action, tenant, subject, before, after});
}

std::vector<UnitHistoryEntry> unit_history(Connection& connection, const std::string& tenant,
                                           std::size_t limit) {
  std::vector<UnitHistoryEntry> entries;
  for (const Row& row : connection.query(
           "SELECT revision, to_char(created_at AT TIME ZONE 'UTC', "
           "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), actor, hash, source IS NULL "
           "FROM tenet.unit_revisions WHERE tenant = $1 ORDER BY revision DESC LIMIT $2",
           {tenant, std::to_string(limit)})) {
    entries.push_back(
        {number(row[0]), text(row[1]), text(row[2]), text(row[3]), text(row[4]) == "t"});
  }
  return entries;
}

std::optional<std::string> unit_source(Connection& connection, const std::string& tenant,
                                       std::uint64_t revision) {
  const std::vector<Row> rows = connection.query(
      "SELECT source FROM tenet.unit_revisions WHERE tenant = $1 AND revision = $2",
      {tenant, std::to_string(revision)});
  if (rows.empty()) return std::nullopt;
  return rows[0][0];
}

std::optional<PlatformRow> platform_at(Connection& connection, std::uint64_t revision) {
  const std::vector<Row> rows = connection.query(
      "SELECT revision, hash, files::text FROM tenet.platform_revisions WHERE revision = $1",
      {std::to_string(revision)});
  if (rows.empty()) return std::nullopt;
  PlatformRow row;
  row.revision = number(rows[0][0]);
  row.hash = text(rows[0][1]);
  try {
    const nlohmann::json files = nlohmann::json::parse(text(rows[0][2]));
    for (const auto& [path, source] : files.items()) row.files[path] = source.get<std::string>();
  } catch (const nlohmann::json::exception& error) {
    throw StoreError(std::string("the store holds a row this tenet cannot read: ") + error.what());
  }
  return row;
}

std::optional<UnitRow> unit_at(Connection& connection, const std::string& tenant,
                               std::uint64_t revision) {
  const std::vector<Row> rows = connection.query(
      "SELECT tenant, revision, path, hash, source FROM tenet.unit_revisions "
      "WHERE tenant = $1 AND revision = $2",
      {tenant, std::to_string(revision)});
  if (rows.empty()) return std::nullopt;
  return UnitRow{text(rows[0][0]), number(rows[0][1]), text(rows[0][2]), text(rows[0][3]),
                 rows[0][4]};
}

}  // namespace tenet::store
