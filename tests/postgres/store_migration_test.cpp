// The fleet's store schema (server/store/migrations, docs/FLEET.md) against
// the tests' real PostgreSQL: `tenet store init` creates it, again is a
// no-op, `migrate` on an up-to-date store does nothing, two migrators at
// once apply each version once, the audit table is append-only, and the
// tables refuse what they must (a token's hash of the wrong size, an
// unknown right). Each test has a database of its own.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "server/store/fleet_rows.hpp"
#include "server/store/migrations.hpp"
#include "tests/postgres/pg_session.hpp"
#include "tests/postgres/store_database.hpp"

namespace tenet::pgtest {
namespace {

class StoreMigration : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cluster_available()) GTEST_SKIP() << "no test cluster (TENET_PG_SOCKET_DIR)";
  }
};

TEST_F(StoreMigration, InitCreatesTheSchemaAndAgainDoesNothing) {
  const StoreDatabase database;
  const auto first = run_tenet("store init '" + database.url() + "'");
  ASSERT_EQ(first.first, 0) << first.second;
  EXPECT_NE(first.second.find("applied migration 1 initial"), std::string::npos) << first.second;
  EXPECT_NE(first.second.find("applied migration 2 fleet"), std::string::npos) << first.second;
  EXPECT_NE(first.second.find("applied migration 3 decisions"), std::string::npos) << first.second;
  EXPECT_NE(first.second.find("applied migration 4 token_expiry"), std::string::npos)
      << first.second;

  PgSession session("tenet_admin", database.name());
  const std::vector<Row> tables = session.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'tenet' "
      "ORDER BY table_name");
  std::vector<std::string> names;
  for (const Row& row : tables) names.push_back(*row[0]);
  EXPECT_EQ(names, (std::vector<std::string>{"admin_audit", "decisions", "decisions_default",
                                             "feature_switches", "fleet", "platform_revisions",
                                             "schema_migrations", "tokens", "unit_revisions"}));

  const auto again = run_tenet("store init '" + database.url() + "'");
  ASSERT_EQ(again.first, 0) << again.second;
  EXPECT_EQ(again.second.find("applied"), std::string::npos) << again.second;
  EXPECT_NE(again.second.find("nothing to do"), std::string::npos) << again.second;
  const auto migrate = run_tenet("store migrate '" + database.url() + "'");
  ASSERT_EQ(migrate.first, 0) << migrate.second;
  EXPECT_EQ(migrate.second.find("applied"), std::string::npos) << migrate.second;
  EXPECT_EQ(session.query("SELECT count(*) FROM tenet.schema_migrations")[0][0],
            std::to_string(store::latest_version()));
}

TEST_F(StoreMigration, TwoMigratorsAtOnceApplyEachVersionOnce) {
  const StoreDatabase database;
  std::atomic<int> applied{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      try {
        store::Connection connection(database.url());
        applied += static_cast<int>(store::migrate_store(connection).applied.size());
      } catch (const store::StoreError&) {
        ++failed;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(applied, store::latest_version());
  store::Connection connection(database.url());
  EXPECT_EQ(store::store_version(connection), store::latest_version());
}

TEST_F(StoreMigration, TheAuditIsAppendOnlyAndTokensKeepTheirShape) {
  const StoreDatabase database;
  store::Connection connection(database.url());
  (void)store::init_store(connection);
  PgSession session("tenet_admin", database.name());
  session.exec(
      "INSERT INTO tenet.admin_audit (actor, action, tenant, before, after) "
      "VALUES ('sha256:00', 'set_feature', 'acme', '{\"state\":\"off\"}', '{\"state\":\"on\"}')");
  EXPECT_EQ(session.try_command("UPDATE tenet.admin_audit SET actor = 'someone else'", {}),
            std::string(kInsufficientPrivilege));
  EXPECT_EQ(session.try_command("DELETE FROM tenet.admin_audit", {}),
            std::string(kInsufficientPrivilege));
  EXPECT_EQ(session.try_command("TRUNCATE tenet.admin_audit", {}),
            std::string(kInsufficientPrivilege));
  EXPECT_EQ(session.query("SELECT count(*) FROM tenet.admin_audit")[0][0], "1");

  const std::string hash32 = "'\\x" + std::string(64, 'a') + "'::bytea";
  EXPECT_EQ(session.try_command("INSERT INTO tenet.tokens (hash, tenant, rights, actor) VALUES (" +
                                    hash32 + ", 'acme', ARRAY['check','author'], 'cli')",
                                {}),
            "");
  EXPECT_NE(session.try_command("INSERT INTO tenet.tokens (hash, tenant, rights, actor) VALUES "
                                "('\\x00'::bytea, 'acme', ARRAY['check'], 'cli')",
                                {}),
            "");  // not a SHA-256
  EXPECT_NE(
      session.try_command("INSERT INTO tenet.tokens (hash, tenant, rights, actor) VALUES ('\\x" +
                              std::string(64, 'b') + "'::bytea, 'acme', ARRAY['root'], 'cli')",
                          {}),
      "");  // no such right
}

TEST_F(StoreMigration, ANewerStoreAndAnUnreachableOneAreRefused) {
  const StoreDatabase database;
  store::Connection connection(database.url());
  (void)store::init_store(connection);
  PgSession("tenet_admin", database.name())
      .exec("INSERT INTO tenet.schema_migrations (version, name) VALUES (999, 'from the future')");
  const auto newer = run_tenet("store migrate '" + database.url() + "'");
  EXPECT_EQ(newer.first, 2) << newer.second;
  EXPECT_NE(newer.second.find("newer than this tenet"), std::string::npos) << newer.second;

  const auto unreachable = run_tenet("store init 'host=/nonexistent-tenet port=5432 dbname=x'");
  EXPECT_EQ(unreachable.first, 2) << unreachable.second;
  EXPECT_NE(unreachable.second.find("cannot connect to the store"), std::string::npos)
      << unreachable.second;
}

// `tenet token new --store` writes the SHA-256 only (never the token) with
// an audit row; `revoke` by id sets revoked_at once, audited; a short or
// unknown id is refused.
TEST_F(StoreMigration, TokensAreAddedAndRevokedInTheStore) {
  const StoreDatabase database;
  ASSERT_EQ(run_tenet("store init '" + database.url() + "'").first, 0);
  const auto created =
      run_tenet("token new --tenant acme --rights check,author --store '" + database.url() + "'");
  ASSERT_EQ(created.first, 0) << created.second;
  const std::string token = created.second.substr(0, created.second.find('\n'));
  const std::string id = created.second.substr(token.size() + 1, 7 + 16);
  ASSERT_EQ(token.size(), 64U) << created.second;
  ASSERT_EQ(id.rfind("sha256:", 0), 0U) << created.second;

  PgSession session("tenet_admin", database.name());
  const std::vector<Row> rows = session.query(
      "SELECT encode(hash, 'hex'), tenant, array_to_string(rights, ','), revoked_at IS NULL "
      "FROM tenet.tokens");
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_NE(rows[0][0], token);  // the hash, not the token
  EXPECT_EQ(rows[0][0]->substr(0, 16), id.substr(7));
  EXPECT_EQ(rows[0][1], "acme");
  EXPECT_EQ(rows[0][2], "check,author");
  EXPECT_EQ(rows[0][3], "t");

  EXPECT_EQ(run_tenet("token revoke sha256:0123 --store '" + database.url() + "'").first, 2);
  EXPECT_EQ(
      run_tenet("token revoke sha256:0123456789abcdef --store '" + database.url() + "'").first,
      1);  // no such token
  const auto revoked = run_tenet("token revoke " + id + " --store '" + database.url() + "'");
  ASSERT_EQ(revoked.first, 0) << revoked.second;
  EXPECT_NE(revoked.second.find("revoked " + id), std::string::npos) << revoked.second;
  EXPECT_EQ(session.query("SELECT revoked_at IS NOT NULL FROM tenet.tokens")[0][0], "t");
  EXPECT_EQ(run_tenet("token revoke " + id + " --store '" + database.url() + "'").first,
            1);  // already revoked
  const std::vector<Row> audit =
      session.query("SELECT action, subject FROM tenet.admin_audit ORDER BY id");
  ASSERT_EQ(audit.size(), 2U);
  EXPECT_EQ(audit[0][0], "token_new");
  EXPECT_EQ(audit[1][0], "token_revoke");
  EXPECT_EQ(audit[1][1], id);
  for (const Row& row : session.query("SELECT after::text FROM tenet.admin_audit"))
    EXPECT_EQ(row[0]->find(token), std::string::npos);
}

// server/store/fleet_rows: changes stamped with the store revision, read
// back in one snapshot after a given revision; a change not committed
// leaves nothing (not even its revision).
// A replica probes a connection it reuses with an empty statement: that is
// an answer, not an error (taking it for one reconnected on every write
// and catch-up, ~40 ms each).
TEST_F(StoreMigration, AnEmptyStatementIsALivenessProbeNotAnError) {
  const StoreDatabase database;
  store::Connection connection(database.url());
  EXPECT_NO_THROW(connection.exec(""));
  EXPECT_TRUE(connection.alive());
}

// One stuck writer cannot stop the fleet's writes: another waits for the
// writers' lock only so long, and PostgreSQL ends a writer that stays
// silent mid-transaction, which frees the lock for the next.
TEST_F(StoreMigration, AStuckWriterHoldsTheWritersLockOnlySoLong) {
  const StoreDatabase database;
  store::Connection stuck(database.url());
  (void)store::init_store(stuck);
  const store::ChangeLimits short_limits{std::chrono::milliseconds(300),
                                         std::chrono::milliseconds(1000)};
  auto holding = std::make_unique<store::Change>(stuck, short_limits);
  store::Connection other(database.url());
  try {
    store::Change waiting(other, short_limits);
    ADD_FAILURE() << "took the writers' lock while another writer held it";
  } catch (const store::StoreError& error) {
    EXPECT_EQ(error.sqlstate(), store::kLockNotAvailable) << error.what();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the holder stays silent
  store::Change next(other, short_limits);                       // the lock is free again
  EXPECT_EQ(next.revision(), 1U);  // the silent writer's revision was never committed
  next.commit();
  EXPECT_THROW(holding->commit(), store::StoreError);
  EXPECT_FALSE(stuck.alive());
}

TEST_F(StoreMigration, ChangesAreReadBackAfterTheRevisionAReaderHas) {
  const StoreDatabase database;
  store::Connection connection(database.url());
  (void)store::init_store(connection);
  store::require_latest(connection);
  EXPECT_EQ(store::read_changes(connection, 0).revision, 0U);
  EXPECT_TRUE(store::read_changes(connection, 0).empty());
  {
    store::Change change(connection);
    EXPECT_EQ(change.revision(), 1U);
    store::insert_platform_revision(change, {1, "p1", {{"schema.tenet", "schema {}"}}}, "cli:me");
    store::insert_unit_revision(change, {"acme", 1, "tenants/acme.tenet", "h1", "tenant acme {}"},
                                "cli:me");
    store::insert_unit_revision(change, {"beta", 1, "tenants/beta.tenet", "h2", "tenant beta {}"},
                                "cli:me");
    EXPECT_EQ(store::set_switch(change, {"acme", "trading", "on"}, "sha256:0011"), "default");
    change.commit();
  }
  {
    store::Change abandoned(connection);  // rolled back: its revision is not taken
    store::insert_unit_revision(abandoned, {"acme", 2, "tenants/acme.tenet", "hx", "x"}, "cli:me");
  }
  const store::Changes all = store::read_changes(connection, 0);
  EXPECT_EQ(all.revision, 1U);
  ASSERT_TRUE(all.platform);
  EXPECT_EQ(all.platform->files.at("schema.tenet"), "schema {}");
  ASSERT_EQ(all.units.size(), 2U);
  EXPECT_EQ(all.units[0].tenant, "acme");
  EXPECT_EQ(all.units[0].hash, "h1");
  ASSERT_EQ(all.switches.size(), 1U);
  EXPECT_EQ(all.switches[0].state, "on");
  EXPECT_TRUE(store::read_changes(connection, 1).empty());
  {
    store::Change change(connection);
    EXPECT_EQ(change.revision(), 2U);
    store::insert_unit_revision(change, {"acme", 2, "tenants/acme.tenet", "h3", std::nullopt},
                                "cli:me");
    EXPECT_EQ(store::set_switch(change, {"acme", "trading", "default"}, "sha256:0011"), "on");
    change.commit();
  }
  const store::Changes since_one = store::read_changes(connection, 1);
  EXPECT_EQ(since_one.revision, 2U);
  EXPECT_FALSE(since_one.platform);
  ASSERT_EQ(since_one.units.size(), 1U);  // beta did not change
  EXPECT_EQ(since_one.units[0].revision, 2U);
  EXPECT_FALSE(since_one.units[0].source);  // acme removed
  ASSERT_EQ(since_one.switches.size(), 1U);
  EXPECT_EQ(since_one.switches[0].state, "default");
  const std::vector<store::UnitHistoryEntry> history = store::unit_history(connection, "acme", 10);
  ASSERT_EQ(history.size(), 2U);
  EXPECT_EQ(history[0].revision, 2U);
  EXPECT_TRUE(history[0].removed);
  EXPECT_EQ(history[1].actor, "cli:me");
  EXPECT_EQ(store::unit_source(connection, "acme", 1), "tenant acme {}");
  EXPECT_FALSE(store::unit_source(connection, "acme", 2));
  EXPECT_FALSE(store::unit_source(connection, "acme", 9));
}

// The decision log's copy (migration 3, docs/FLEET.md): one partition per
// UTC day made by tenet.create_decisions_partition (not callable by every
// role), rows of a day without one in the default partition, the key
// (decision_id, time) making a second copy a no-op, and `tenet store
// prune-decisions` dropping whole days before today - DAYS (and the default
// partition's rows that old).
TEST_F(StoreMigration, DecisionPartitionsAreMadePerDayAndPrunedWhole) {
  const StoreDatabase database;
  ASSERT_EQ(run_tenet("store init '" + database.url() + "'").first, 0);
  PgSession session("tenet_admin", database.name());
  const auto day = [&session](int days_ago) {
    return *session.query("SELECT ((now() AT TIME ZONE 'UTC')::date - $1::integer)::text",
                          {std::to_string(days_ago)})[0][0];
  };
  const auto compact = [](std::string text) {
    std::erase(text, '-');
    return text;
  };
  for (const int days_ago : {0, 1, 2, 10}) {
    EXPECT_EQ(
        session.query("SELECT tenet.create_decisions_partition($1::date)", {day(days_ago)})[0][0],
        "decisions_" + compact(day(days_ago)));
  }
  // Again: nothing new, no error.
  EXPECT_EQ(session.query("SELECT tenet.create_decisions_partition($1::date)", {day(0)})[0][0],
            "decisions_" + compact(day(0)));

  const auto insert = [&session](const std::string& id, const std::string& time) {
    return session.try_command(
        "INSERT INTO tenet.decisions (decision_id, time, tenant, replica, decision, record) "
        "VALUES ($1, $2::timestamptz, 'acme', 3, 'allow', '{}') ON CONFLICT DO NOTHING",
        {id, time});
  };
  for (const int days_ago : {0, 1, 2, 10, 20}) {
    // The first and the last millisecond of each day (UTC).
    ASSERT_EQ(insert("a" + std::to_string(days_ago), day(days_ago) + "T00:00:00.000Z"), "");
    ASSERT_EQ(insert("b" + std::to_string(days_ago), day(days_ago) + "T23:59:59.999Z"), "");
  }
  ASSERT_EQ(insert("a0", day(0) + "T00:00:00.000Z"), "");  // a second copy: no-op
  const auto rows_in = [&session](const std::string& table) {
    return *session.query("SELECT count(*) FROM tenet." + table)[0][0];
  };
  EXPECT_EQ(rows_in("decisions"), "10");
  EXPECT_EQ(rows_in("decisions_" + compact(day(0))), "2");
  EXPECT_EQ(rows_in("decisions_" + compact(day(10))), "2");
  EXPECT_EQ(rows_in("decisions_default"), "2");  // 20 days ago: no partition

  // A role that may only insert cannot make partitions (EXECUTE is not PUBLIC's).
  session.exec("GRANT USAGE ON SCHEMA tenet TO tenet_app");
  PgSession app("tenet_app", database.name());
  EXPECT_EQ(app.try_command("SELECT tenet.create_decisions_partition(current_date + 5)", {}),
            std::string(kInsufficientPrivilege));

  const auto pruned = run_tenet("store prune-decisions '" + database.url() + "' --older-than 2");
  ASSERT_EQ(pruned.first, 0) << pruned.second;
  EXPECT_NE(pruned.second.find("dropped tenet.decisions_" + compact(day(10))), std::string::npos)
      << pruned.second;
  EXPECT_NE(pruned.second.find("deleted 2 rows from tenet.decisions_default"), std::string::npos)
      << pruned.second;
  EXPECT_EQ(rows_in("decisions"), "6");  // today, yesterday, the day before
  EXPECT_EQ(session.query("SELECT count(*) FROM pg_inherits WHERE inhparent = "
                          "'tenet.decisions'::regclass")[0][0],
            "4");  // three days and the default

  const auto again = run_tenet("store prune-decisions '" + database.url() + "' --older-than 2");
  ASSERT_EQ(again.first, 0) << again.second;
  EXPECT_NE(again.second.find("nothing to prune"), std::string::npos) << again.second;
  EXPECT_EQ(run_tenet("store prune-decisions '" + database.url() + "' --older-than 0").first, 2);
  EXPECT_EQ(run_tenet("store prune-decisions '" + database.url() + "'").first, 2);
}

}  // namespace
}  // namespace tenet::pgtest
