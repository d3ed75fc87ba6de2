// `tenet publish DIR --store URL` (cli/publish_command, docs/FLEET.md
// "Publishing") against the tests' real PostgreSQL, running the real binary:
// the first publish writes the platform part and every unit; again writes
// nothing; one changed unit writes one row; a broken unit is refused alone
// while another is published; a platform change that breaks a partner is
// refused whole; a removal needs --allow-removal; --dry-run writes nothing;
// two publishes at once take consecutive store revisions; an unreachable,
// missing or older store exits 2. Each test has a database of its own.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "engine/units/policy_units.hpp"
#include "server/store/fleet_rows.hpp"
#include "tests/postgres/pg_session.hpp"
#include "tests/postgres/store_database.hpp"
#include "tests/support/temp_dir.hpp"

namespace tenet::pgtest {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSchema = R"(schema {
  principal { level: int; }
  resource document { owner: string; locked: bool; }
  actions read, write on document;
}
)";

// b compares `level` with a number: a schema making it a string breaks b.
constexpr std::string_view kSchemaLevelString = R"(schema {
  principal { level: string; }
  resource document { owner: string; locked: bool; }
  actions read, write on document;
}
)";

// A platform change that breaks nobody: one more resource attribute.
constexpr std::string_view kSchemaWider = R"(schema {
  principal { level: int; }
  resource document { owner: string; locked: bool; size: int; }
  actions read, write on document;
}
)";

constexpr std::string_view kTemplate = R"(template base {
  role guest;
  role basic extends guest;
  feature beta off;
  @id("owner-reads") permit read on document when resource.owner == principal.id;
}
)";

constexpr std::string_view kUnitA = R"(tenant a extends base {
  @id("locked") forbid read on document when resource.locked;
}
)";

constexpr std::string_view kUnitB = R"(tenant b extends base {
  @id("senior-writes") permit write on document when principal.level > 3;
}
)";

constexpr std::string_view kUnitBEdited = R"(tenant b extends base {
  @id("senior-writes") permit write on document when principal.level > 5;
}
)";

// A type error in b's unit: an int compared with a string.
constexpr std::string_view kUnitBBroken = R"(tenant b extends base {
  @id("senior-writes") permit write on document when principal.level == "high";
}
)";

constexpr std::string_view kUnitC = R"(tenant c extends base {
  @id("c-writes") permit write on document for basic when resource.owner == principal.id;
}
)";

constexpr std::string_view kUnitCEdited = R"(tenant c extends base {
  @id("c-writes") permit write on document for guest when resource.owner == principal.id;
}
)";

// A policy directory in a temp dir: schema, template, partners a, b, c.
class PolicyDir {
 public:
  PolicyDir() {
    write("schema.tenet", kSchema);
    write("templates/base.tenet", kTemplate);
    write("tenants/a.tenet", kUnitA);
    write("tenants/b.tenet", kUnitB);
    write("tenants/c.tenet", kUnitC);
  }

  void write(const std::string& relative, std::string_view text) const {
    const fs::path path = dir_.path() / relative;
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  void remove(const std::string& relative) const { fs::remove(dir_.path() / relative); }
  [[nodiscard]] std::string path() const { return dir_.path().string(); }

 private:
  test_support::TempDir dir_{"tenet-publish"};
};

std::string quoted(const std::string& text) { return "'" + text + "'"; }

// Per tenant, its latest row in the store.
std::map<std::string, store::UnitRow> latest_units(const StoreDatabase& database) {
  store::Connection connection(database.url());
  std::map<std::string, store::UnitRow> units;
  for (store::UnitRow& row : store::read_changes(connection, 0).units)
    units[row.tenant] = std::move(row);
  return units;
}

std::uint64_t store_revision_of(const StoreDatabase& database) {
  store::Connection connection(database.url());
  return store::store_revision(connection);
}

std::string count(PgSession& session, const std::string& table) {
  return *session.query("SELECT count(*) FROM " + table)[0][0];
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

class Publish : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cluster_available()) GTEST_SKIP() << "no test cluster (TENET_PG_SOCKET_DIR)";
    const auto init = run_tenet("store init " + quoted(database_.url()));
    ASSERT_EQ(init.first, 0) << init.second;
  }

  std::pair<int, std::string> publish(const PolicyDir& dir, const std::string& flags = "") const {
    return run_tenet("publish " + dir.path() + " --store " + quoted(database_.url()) +
                     " --actor cli:test " + flags);
  }

  StoreDatabase database_;
};

TEST_F(Publish, TheFirstPublishWritesThePlatformAndEveryUnitThenNothing) {
  const PolicyDir dir;
  const auto first = publish(dir);
  ASSERT_EQ(first.first, 0) << first.second;
  EXPECT_TRUE(contains(first.second, "platform part: revision 1 (added)")) << first.second;
  EXPECT_TRUE(contains(first.second, "a: revision 1 (added)")) << first.second;
  EXPECT_TRUE(contains(first.second, "published store revision 1")) << first.second;

  store::Connection connection(database_.url());
  const store::Changes state = store::read_changes(connection, 0);
  EXPECT_EQ(state.revision, 1U);
  ASSERT_TRUE(state.platform);
  EXPECT_EQ(state.platform->revision, 1U);
  EXPECT_EQ(state.platform->files,
            (std::map<std::string, std::string>{{"schema.tenet", std::string(kSchema)},
                                                {"templates/base.tenet", std::string(kTemplate)}}));
  const units::Report loaded = units::load(dir.path(), {});
  ASSERT_TRUE(loaded.version);
  EXPECT_EQ(state.platform->hash, units::platform_hash(loaded.version->platform()));
  ASSERT_EQ(state.units.size(), 3U);
  const std::vector<std::string_view> sources{kUnitA, kUnitB, kUnitC};
  for (std::size_t i = 0; i < state.units.size(); ++i) {
    const store::UnitRow& row = state.units[i];
    EXPECT_EQ(row.tenant, std::string(1, static_cast<char>('a' + i)));
    EXPECT_EQ(row.revision, 1U);
    EXPECT_EQ(row.path, "tenants/" + row.tenant + ".tenet");
    EXPECT_EQ(row.source, std::string(sources[i]));
    EXPECT_EQ(row.hash, units::content_hash(sources[i]));
  }
  PgSession session("tenet_admin", database_.name());
  const std::vector<Row> audit = session.query(
      "SELECT actor, action, tenant, subject, before IS NULL, after->>'revision', after->>'hash' "
      "FROM tenet.admin_audit ORDER BY id");
  ASSERT_EQ(audit.size(), 4U);
  EXPECT_EQ(audit[0][0], "cli:test");
  EXPECT_EQ(audit[0][1], "publish");
  EXPECT_FALSE(audit[0][2]);  // the platform part: no tenant
  EXPECT_EQ(audit[0][3], "platform");
  EXPECT_EQ(audit[0][6], state.platform->hash);
  EXPECT_EQ(audit[1][2], "a");
  EXPECT_EQ(audit[1][3], "tenants/a.tenet");
  EXPECT_EQ(audit[1][4], "t");
  EXPECT_EQ(audit[1][5], "1");
  EXPECT_EQ(audit[1][6], units::content_hash(kUnitA));
  EXPECT_EQ(*session.query("SELECT actor FROM tenet.unit_revisions LIMIT 1")[0][0], "cli:test");

  const auto again = publish(dir);
  ASSERT_EQ(again.first, 0) << again.second;
  EXPECT_TRUE(contains(again.second, "nothing to publish; the store is at revision 1"))
      << again.second;
  EXPECT_EQ(store_revision_of(database_), 1U);  // the revision it took is given back
  EXPECT_EQ(count(session, "tenet.unit_revisions"), "3");
  EXPECT_EQ(count(session, "tenet.platform_revisions"), "1");
  EXPECT_EQ(count(session, "tenet.admin_audit"), "4");
}

TEST_F(Publish, OneChangedUnitWritesOneRowAndLeavesTheOthersAlone) {
  const PolicyDir dir;
  ASSERT_EQ(publish(dir).first, 0);
  dir.write("tenants/b.tenet", kUnitBEdited);
  const auto second = publish(dir);
  ASSERT_EQ(second.first, 0) << second.second;
  EXPECT_TRUE(contains(second.second, "b: revision 2 (applied)")) << second.second;
  EXPECT_TRUE(contains(second.second, "published store revision 2")) << second.second;
  EXPECT_FALSE(contains(second.second, "a: revision")) << second.second;
  EXPECT_FALSE(contains(second.second, "platform part")) << second.second;

  PgSession session("tenet_admin", database_.name());
  EXPECT_EQ(count(session, "tenet.unit_revisions"), "4");
  EXPECT_EQ(count(session, "tenet.platform_revisions"), "1");
  const std::vector<Row> written = session.query(
      "SELECT tenant, revision, source FROM tenet.unit_revisions WHERE store_revision = 2");
  ASSERT_EQ(written.size(), 1U);
  EXPECT_EQ(written[0][0], "b");
  EXPECT_EQ(written[0][1], "2");
  EXPECT_EQ(written[0][2], std::string(kUnitBEdited));
  const std::vector<Row> audit = session.query(
      "SELECT tenant, before->>'revision', before->>'hash', after->>'revision' "
      "FROM tenet.admin_audit ORDER BY id DESC LIMIT 1");
  EXPECT_EQ(audit[0][0], "b");
  EXPECT_EQ(audit[0][1], "1");
  EXPECT_EQ(audit[0][2], units::content_hash(kUnitB));
  EXPECT_EQ(audit[0][3], "2");
  const auto units = latest_units(database_);
  EXPECT_EQ(units.at("a").revision, 1U);
  EXPECT_EQ(units.at("c").revision, 1U);
}

TEST_F(Publish, ABrokenUnitIsRefusedAloneWhileAnotherIsPublished) {
  const PolicyDir dir;
  ASSERT_EQ(publish(dir).first, 0);
  dir.write("tenants/b.tenet", kUnitBBroken);
  dir.write("tenants/c.tenet", kUnitCEdited);
  const auto second = publish(dir);
  EXPECT_EQ(second.first, 1) << second.second;
  EXPECT_TRUE(contains(second.second, "tenants/b.tenet:2:")) << second.second;  // diagnostics
  EXPECT_TRUE(contains(second.second,
                       "b: the unit does not compile; not published (the store "
                       "keeps revision 1)"))
      << second.second;
  EXPECT_TRUE(contains(second.second, "c: revision 2 (applied)")) << second.second;
  EXPECT_TRUE(contains(second.second, "published store revision 2")) << second.second;
  const auto units = latest_units(database_);
  EXPECT_EQ(units.at("b").revision, 1U);
  EXPECT_EQ(units.at("b").source, std::string(kUnitB));
  EXPECT_EQ(units.at("c").revision, 2U);
  EXPECT_EQ(units.at("c").source, std::string(kUnitCEdited));

  // Only a broken unit changed: nothing is written, and that is a refusal.
  const auto only_broken = publish(dir);
  EXPECT_EQ(only_broken.first, 1) << only_broken.second;
  EXPECT_TRUE(contains(only_broken.second, "nothing was published")) << only_broken.second;
  EXPECT_EQ(store_revision_of(database_), 2U);
}

TEST_F(Publish, APlatformChangeIsRefusedWholeWhenAPartnerBreaksAndWrittenWhenNone) {
  const PolicyDir dir;
  ASSERT_EQ(publish(dir).first, 0);
  dir.write("schema.tenet", kSchemaLevelString);
  dir.write("tenants/c.tenet", kUnitCEdited);
  const auto breaking = publish(dir);
  EXPECT_EQ(breaking.first, 1) << breaking.second;
  EXPECT_TRUE(contains(breaking.second,
                       "the platform part changed and partner(s) b do not "
                       "compile against it; nothing was published"))
      << breaking.second;
  EXPECT_FALSE(contains(breaking.second, "published store revision")) << breaking.second;
  EXPECT_EQ(store_revision_of(database_), 1U);
  PgSession session("tenet_admin", database_.name());
  EXPECT_EQ(count(session, "tenet.unit_revisions"), "3");  // c's edit is not written either
  EXPECT_EQ(count(session, "tenet.platform_revisions"), "1");

  dir.write("schema.tenet", kSchemaWider);
  const auto wider = publish(dir);
  ASSERT_EQ(wider.first, 0) << wider.second;
  EXPECT_TRUE(contains(wider.second, "platform part: revision 2 (applied)")) << wider.second;
  EXPECT_TRUE(contains(wider.second, "c: revision 2 (applied)")) << wider.second;
  EXPECT_FALSE(contains(wider.second, "a: revision")) << wider.second;
  store::Connection connection(database_.url());
  const store::Changes state = store::read_changes(connection, 0);
  ASSERT_TRUE(state.platform);
  EXPECT_EQ(state.platform->revision, 2U);
  EXPECT_EQ(state.platform->files.at("schema.tenet"), std::string(kSchemaWider));
  EXPECT_EQ(state.platform->files.at("templates/base.tenet"), std::string(kTemplate));
  EXPECT_EQ(count(session, "tenet.unit_revisions"), "4");
  const std::vector<Row> audit = session.query(
      "SELECT before->>'revision', after->>'revision' FROM tenet.admin_audit "
      "WHERE tenant IS NULL ORDER BY id DESC LIMIT 1");
  EXPECT_EQ(audit[0][0], "1");
  EXPECT_EQ(audit[0][1], "2");
}

TEST_F(Publish, ARemovalNeedsAllowRemovalAndIsWrittenWithoutSource) {
  const PolicyDir dir;
  ASSERT_EQ(publish(dir).first, 0);
  dir.remove("tenants/c.tenet");
  const auto refused = publish(dir);
  EXPECT_EQ(refused.first, 1) << refused.second;
  EXPECT_TRUE(
      contains(refused.second, "no longer declares tenant(s) c; --allow-removal removes them"))
      << refused.second;
  EXPECT_EQ(store_revision_of(database_), 1U);

  const auto removed = publish(dir, "--allow-removal");
  ASSERT_EQ(removed.first, 0) << removed.second;
  EXPECT_TRUE(contains(removed.second, "c: revision 2 (removed)")) << removed.second;
  auto units = latest_units(database_);
  EXPECT_EQ(units.at("c").revision, 2U);
  EXPECT_FALSE(units.at("c").source);
  PgSession session("tenet_admin", database_.name());
  const std::vector<Row> audit = session.query(
      "SELECT tenant, before->>'revision', after IS NULL FROM tenet.admin_audit "
      "ORDER BY id DESC LIMIT 1");
  EXPECT_EQ(audit[0][0], "c");
  EXPECT_EQ(audit[0][1], "1");
  EXPECT_EQ(audit[0][2], "t");
  // Removed once: nothing more to remove.
  EXPECT_EQ(publish(dir).first, 0);
  EXPECT_EQ(store_revision_of(database_), 2U);

  // Back again: its numbering continues.
  dir.write("tenants/c.tenet", kUnitC);
  const auto back = publish(dir);
  ASSERT_EQ(back.first, 0) << back.second;
  EXPECT_TRUE(contains(back.second, "c: revision 3 (added)")) << back.second;
  units = latest_units(database_);
  EXPECT_EQ(units.at("c").source, std::string(kUnitC));
}

// A tenant whose file is still there but broken (here it declares another
// tenant, with a type error) is a broken unit, never a removal; a unit moved
// to another file is written again where it now is.
TEST_F(Publish, ABrokenFileIsNotARemovalAndAMovedUnitIsWrittenAgain) {
  const PolicyDir dir;
  ASSERT_EQ(publish(dir).first, 0);
  dir.write("tenants/b.tenet", R"(tenant b2 extends base {
  @id("senior-writes") permit write on document when principal.level == "high";
}
)");
  const auto broken = publish(dir, "--allow-removal");
  EXPECT_EQ(broken.first, 1) << broken.second;
  EXPECT_TRUE(contains(broken.second,
                       "b: tenants/b.tenet no longer declares it and does not "
                       "compile; not published (the store keeps revision 1)"))
      << broken.second;
  EXPECT_FALSE(contains(broken.second, "(removed)")) << broken.second;
  EXPECT_EQ(latest_units(database_).at("b").source, std::string(kUnitB));

  dir.write("tenants/b.tenet", kUnitB);
  ASSERT_EQ(publish(dir).first, 0);  // nothing to publish
  dir.remove("tenants/c.tenet");
  dir.write("tenants/partners/c.tenet", kUnitC);
  const auto moved = publish(dir);
  ASSERT_EQ(moved.first, 0) << moved.second;
  EXPECT_TRUE(contains(moved.second, "c: revision 2 (applied)")) << moved.second;
  const auto units = latest_units(database_);
  EXPECT_EQ(units.at("c").path, "tenants/partners/c.tenet");
  EXPECT_EQ(units.at("c").source, std::string(kUnitC));
}

TEST_F(Publish, ADryRunWritesNothingAndTakesNoRevision) {
  const PolicyDir dir;
  const auto dry_first = publish(dir, "--dry-run");
  ASSERT_EQ(dry_first.first, 0) << dry_first.second;
  EXPECT_TRUE(contains(dry_first.second, "a: revision 1 (added)")) << dry_first.second;
  EXPECT_TRUE(contains(dry_first.second, "dry run: nothing was written")) << dry_first.second;
  EXPECT_EQ(store_revision_of(database_), 0U);
  PgSession session("tenet_admin", database_.name());
  EXPECT_EQ(count(session, "tenet.unit_revisions"), "0");
  EXPECT_EQ(count(session, "tenet.admin_audit"), "0");

  ASSERT_EQ(publish(dir).first, 0);
  dir.write("tenants/b.tenet", kUnitBEdited);
  const auto dry = publish(dir, "--dry-run");
  ASSERT_EQ(dry.first, 0) << dry.second;
  EXPECT_TRUE(contains(dry.second, "b: revision 2 (applied)")) << dry.second;
  EXPECT_EQ(store_revision_of(database_), 1U);
  EXPECT_EQ(count(session, "tenet.unit_revisions"), "3");
  const auto real = publish(dir);
  EXPECT_TRUE(contains(real.second, "published store revision 2")) << real.second;
}

TEST_F(Publish, TwoPublishesAtOnceTakeConsecutiveStoreRevisions) {
  const PolicyDir first;
  ASSERT_EQ(publish(first).first, 0);
  const PolicyDir second;
  first.write("tenants/b.tenet", kUnitBEdited);
  second.write("tenants/c.tenet", kUnitCEdited);
  std::pair<int, std::string> results[2];
  {
    std::thread one([&] { results[0] = publish(first); });
    std::thread two([&] { results[1] = publish(second); });
    one.join();
    two.join();
  }
  std::set<std::uint64_t> revisions;
  std::size_t later = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    ASSERT_EQ(results[i].first, 0) << results[i].second;
    const auto at = results[i].second.find("published store revision ");
    ASSERT_NE(at, std::string::npos) << results[i].second;
    const std::uint64_t revision = std::stoull(results[i].second.substr(at + 25));
    revisions.insert(revision);
    if (revision == 3) later = i;
  }
  EXPECT_EQ(revisions, (std::set<std::uint64_t>{2, 3}));
  EXPECT_EQ(store_revision_of(database_), 3U);
  // The later one published its whole directory over the earlier one's.
  const auto units = latest_units(database_);
  EXPECT_EQ(units.at("b").source, std::string(later == 0 ? kUnitBEdited : kUnitB));
  EXPECT_EQ(units.at("c").source, std::string(later == 1 ? kUnitCEdited : kUnitC));
}

TEST_F(Publish, ABrokenPlatformPartOrAMissingDirectoryIsRefusedBeforeTheStore) {
  const PolicyDir dir;
  dir.write("templates/base.tenet", "template base { role ; }\n");
  const auto broken = publish(dir);
  EXPECT_EQ(broken.first, 1) << broken.second;
  EXPECT_TRUE(contains(broken.second, "templates/base.tenet:1:")) << broken.second;
  EXPECT_TRUE(contains(broken.second, "nothing was published")) << broken.second;
  const auto missing =
      run_tenet("publish /nonexistent-tenet-dir --store " + quoted(database_.url()));
  EXPECT_EQ(missing.first, 2) << missing.second;
  EXPECT_EQ(store_revision_of(database_), 0U);
}

TEST_F(Publish, TheStoreComesFromTenetStoreAndAnUnreachableOneExitsTwo) {
  const PolicyDir dir;
  const auto from_env = run_command("TENET_STORE=" + quoted(database_.url()) + " " + TENET_BINARY +
                                    " publish " + dir.path());
  ASSERT_EQ(from_env.first, 0) << from_env.second;
  EXPECT_EQ(store_revision_of(database_), 1U);
  const std::string actor = *PgSession("tenet_admin", database_.name())
                                 .query("SELECT actor FROM tenet.admin_audit LIMIT 1")[0][0];
  EXPECT_EQ(actor.substr(0, 4), "cli:");  // --actor's default: cli:$USER

  const auto none =
      run_command("env -u TENET_STORE " + std::string(TENET_BINARY) + " publish " + dir.path());
  EXPECT_EQ(none.first, 2) << none.second;
  EXPECT_TRUE(contains(none.second, "give --store URL or set TENET_STORE")) << none.second;

  const auto unreachable =
      run_tenet("publish " + dir.path() + " --store 'host=/nonexistent-tenet port=5432 dbname=x'");
  EXPECT_EQ(unreachable.first, 2) << unreachable.second;
  EXPECT_TRUE(contains(unreachable.second, "cannot connect to the store")) << unreachable.second;
}

TEST_F(Publish, AnOlderOrMissingStoreIsRefused) {
  const PolicyDir dir;
  PgSession("tenet_admin", database_.name())
      .exec("DELETE FROM tenet.schema_migrations WHERE version >= 2");
  const auto older = publish(dir);
  EXPECT_EQ(older.first, 2) << older.second;
  EXPECT_TRUE(contains(older.second, "run `tenet store migrate URL`")) << older.second;

  const StoreDatabase empty;
  const auto missing = run_tenet("publish " + dir.path() + " --store " + quoted(empty.url()));
  EXPECT_EQ(missing.first, 2) << missing.second;
  EXPECT_TRUE(contains(missing.second, "run `tenet store init URL` first")) << missing.second;
}

// The shipped example set publishes whole, and again is nothing.
TEST_F(Publish, TheShippedPoliciesPublish) {
  const test_support::TempDir copy("tenet-publish-shipped");
  fs::copy(fs::path(TENET_SOURCE_DIR) / "policies", copy.path(), fs::copy_options::recursive);
  const std::string command =
      "publish " + copy.path().string() + " --store " + quoted(database_.url());
  const auto first = run_tenet(command);
  ASSERT_EQ(first.first, 0) << first.second;
  const units::Report loaded = units::load(copy.path(), {});
  ASSERT_TRUE(loaded.version);
  const auto units = latest_units(database_);
  EXPECT_EQ(units.size(), loaded.version->units().size());
  for (const auto& unit : loaded.version->units())
    EXPECT_EQ(units.at(unit->tenant).hash, unit->hash) << unit->tenant;
  const auto again = run_tenet(command);
  EXPECT_TRUE(contains(again.second, "nothing to publish")) << again.second;
}

}  // namespace
}  // namespace tenet::pgtest
