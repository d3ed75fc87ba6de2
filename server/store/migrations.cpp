#include "server/store/migrations.hpp"

#include <array>
#include <string_view>

namespace tenet::store {
namespace {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// Append only: a released migration never changes; a change to the schema
// is a new version.
constexpr std::array<Migration, 4> kMigrations{{
    {1, "initial", R"sql(
-- The platform part's revisions: every file that is not a partner's unit.
CREATE TABLE tenet.platform_revisions (
  revision   bigint PRIMARY KEY CHECK (revision > 0),
  hash       text NOT NULL,
  files      jsonb NOT NULL,  -- {"schema.tenet": "<source>", ...}
  actor      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- Every partner unit's revisions (docs/UNITS.md).
CREATE TABLE tenet.unit_revisions (
  tenant     text NOT NULL,
  revision   bigint NOT NULL CHECK (revision > 0),
  path       text NOT NULL,
  hash       text NOT NULL,
  source     text NOT NULL,
  actor      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, revision)
);
-- Runtime feature switches (set_feature); a switch at its default has no row.
CREATE TABLE tenet.feature_switches (
  tenant     text NOT NULL,
  feature    text NOT NULL,
  state      text NOT NULL CHECK (state IN ('on', 'off')),
  actor      text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, feature)
);
-- Access tokens: their SHA-256 only, never the token.
CREATE TABLE tenet.tokens (
  hash       bytea PRIMARY KEY CHECK (octet_length(hash) = 32),
  tenant     text NOT NULL CHECK (tenant <> ''),
  rights     text[] NOT NULL
             CHECK (cardinality(rights) > 0 AND rights <@ ARRAY['check', 'admin', 'author']),
  actor      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
-- Who changed what, before and after: append-only.
CREATE TABLE tenet.admin_audit (
  id      bigserial PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT now(),
  actor   text NOT NULL,
  action  text NOT NULL,
  tenant  text,
  subject text,
  before  jsonb,
  after   jsonb
);
CREATE FUNCTION tenet.admin_audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'tenet.admin_audit is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER admin_audit_no_update_or_delete BEFORE UPDATE OR DELETE ON tenet.admin_audit
  FOR EACH ROW EXECUTE FUNCTION tenet.admin_audit_is_append_only();
CREATE TRIGGER admin_audit_no_truncate BEFORE TRUNCATE ON tenet.admin_audit
  FOR EACH STATEMENT EXECUTE FUNCTION tenet.admin_audit_is_append_only();
)sql"},
    {2, "fleet", R"sql(
-- The store's change counter: every writing transaction takes the next
-- revision first (tenet.begin_change), which locks this one row, so writers
-- serialise and commit in revision order; a replica that has applied
-- revision R fetches every row written with a higher one.
CREATE TABLE tenet.fleet (
  one      boolean PRIMARY KEY DEFAULT true CHECK (one),
  revision bigint NOT NULL CHECK (revision >= 0)
);
INSERT INTO tenet.fleet (one, revision) VALUES (true, 0);
ALTER TABLE tenet.platform_revisions ADD COLUMN store_revision bigint NOT NULL DEFAULT 0;
ALTER TABLE tenet.unit_revisions ADD COLUMN store_revision bigint NOT NULL DEFAULT 0;
ALTER TABLE tenet.feature_switches ADD COLUMN store_revision bigint NOT NULL DEFAULT 0;
ALTER TABLE tenet.tokens ADD COLUMN store_revision bigint NOT NULL DEFAULT 0;
CREATE INDEX platform_revisions_by_change ON tenet.platform_revisions (store_revision);
CREATE INDEX unit_revisions_by_change ON tenet.unit_revisions (store_revision);
CREATE INDEX feature_switches_by_change ON tenet.feature_switches (store_revision);
CREATE INDEX tokens_by_change ON tenet.tokens (store_revision);
-- A revision without source: the partner was removed by it.
ALTER TABLE tenet.unit_revisions ALTER COLUMN source DROP NOT NULL;
-- A switch set back to its default keeps its row, so replicas see the reset.
ALTER TABLE tenet.feature_switches DROP CONSTRAINT feature_switches_state_check;
ALTER TABLE tenet.feature_switches ADD CONSTRAINT feature_switches_state_check
  CHECK (state IN ('on', 'off', 'default'));
-- Takes the next store revision for the calling transaction and tells the
-- fleet when it commits (a notification is only a hint: replicas fetch).
CREATE FUNCTION tenet.begin_change() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  taken bigint;
BEGIN
  UPDATE tenet.fleet SET revision = revision + 1 RETURNING revision INTO taken;
  PERFORM pg_notify('tenet_changes', taken::text);
  RETURN taken;
END
$$;
)sql"},
    {3, "decisions", R"sql(
-- The decision log's copy (docs/DECISION_LOG.md, "Into the store"): one row
-- per record, shipped from a replica's log file. A replica sends a batch
-- again after a lost connection, so the key makes a second copy a no-op
-- (ON CONFLICT DO NOTHING); it holds `time` because a partitioned table's
-- key must contain the partition key (the id holds its time anyway).
CREATE TABLE tenet.decisions (
  decision_id text NOT NULL,
  time        timestamptz NOT NULL,
  tenant      text,
  replica     integer,
  decision    text,
  record      jsonb NOT NULL,  -- the whole line of the log
  shipped_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (decision_id, time)
) PARTITION BY RANGE (time);
-- One partition per UTC day (tenet.create_decisions_partition), dropped
-- whole by `tenet store prune-decisions`; a row of a day without one lands
-- here rather than failing.
CREATE TABLE tenet.decisions_default PARTITION OF tenet.decisions DEFAULT;
-- "Why was this user refused last Tuesday": a partner's decisions by time.
CREATE INDEX decisions_by_tenant ON tenet.decisions (tenant, time);
-- Creates the partition of `day` (UTC) unless it exists, as the store's
-- owner: replicas need EXECUTE on this function, never CREATE on the
-- schema. Creators are serialised by an advisory lock (two replicas
-- starting a day at once). Its name.
CREATE FUNCTION tenet.create_decisions_partition(day date) RETURNS text
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  name text := 'decisions_' || to_char(day, 'YYYYMMDD');
BEGIN
  IF to_regclass('tenet.' || name) IS NOT NULL THEN
    RETURN name;
  END IF;
  PERFORM pg_advisory_xact_lock(1952804469, 3);
  EXECUTE format(
    'CREATE TABLE IF NOT EXISTS tenet.%I PARTITION OF tenet.decisions FOR VALUES FROM (%L) TO (%L)',
    name, (day::timestamp AT TIME ZONE 'UTC'), ((day + 1)::timestamp AT TIME ZONE 'UTC'));
  RETURN name;
END
$$;
REVOKE EXECUTE ON FUNCTION tenet.create_decisions_partition(date) FROM PUBLIC;
)sql"},
    {4, "token_expiry", R"sql(
-- A token may stop working at an instant (`tenet token new --expires DATE
-- --store URL`); NULL: it does not expire. Replicas enforce it as they do
-- a token file's expires= field.
ALTER TABLE tenet.tokens ADD COLUMN expires_at timestamptz;
)sql"},
}};

// Serialises migrations of one database (any constant; "tenet" in ASCII).
constexpr std::string_view kLock = "SELECT pg_advisory_xact_lock(1952804469)";

MigrationReport run(Connection& connection, bool only_new_store) {
  MigrationReport report;
  connection.exec("BEGIN");
  try {
    connection.exec(kLock);
    report.from = store_version(connection);
    report.existed = report.from > 0;
    report.to = report.from;
    if (report.from > latest_version()) {
      throw StoreError("the store is at version " + std::to_string(report.from) +
                       ", newer than this tenet's " + std::to_string(latest_version()) +
                       ": use a newer tenet");
    }
    if (!(only_new_store && report.existed)) {
      connection.exec(
          "CREATE SCHEMA IF NOT EXISTS tenet;"
          "CREATE TABLE IF NOT EXISTS tenet.schema_migrations ("
          "  version integer PRIMARY KEY, name text NOT NULL,"
          "  applied_at timestamptz NOT NULL DEFAULT now())");
      for (const Migration& migration : kMigrations) {
        if (migration.version <= report.from) continue;
        connection.exec(migration.sql);
        (void)connection.query(
            "INSERT INTO tenet.schema_migrations (version, name) VALUES ($1, $2)",
            {std::to_string(migration.version), std::string(migration.name)});
        report.applied.push_back(std::to_string(migration.version) + ' ' +
                                 std::string(migration.name));
        report.to = migration.version;
      }
    }
    connection.exec("COMMIT");
  } catch (...) {
    try {
      connection.exec("ROLLBACK");
    } catch (const StoreError&) {
      // The connection is gone: the transaction is rolled back with it.
    }
    throw;
  }
  return report;
}

}  // namespace

int latest_version() { return kMigrations.back().version; }

int store_version(Connection& connection) {
  const std::vector<Row> exists =
      connection.query("SELECT to_regclass('tenet.schema_migrations') IS NOT NULL");
  if (exists.empty() || exists[0][0] != "t") return 0;
  const std::vector<Row> rows =
      connection.query("SELECT coalesce(max(version), 0) FROM tenet.schema_migrations");
  return rows.empty() || !rows[0][0] ? 0 : std::stoi(*rows[0][0]);
}

void require_latest(Connection& connection) {
  const int version = store_version(connection);
  if (version == latest_version()) return;
  if (version == 0)
    throw StoreError("the database has no tenet store: run `tenet store init URL` first");
  if (version < latest_version())
    throw StoreError("the store is at version " + std::to_string(version) + "; this tenet needs " +
                     std::to_string(latest_version()) + ": run `tenet store migrate URL`");
  throw StoreError("the store is at version " + std::to_string(version) +
                   ", newer than this tenet's " + std::to_string(latest_version()) +
                   ": use a newer tenet");
}

MigrationReport init_store(Connection& connection) { return run(connection, true); }

MigrationReport migrate_store(Connection& connection) { return run(connection, false); }

}  // namespace tenet::store
