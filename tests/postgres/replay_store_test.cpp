// `tenet explain` and `tenet replay` with --store (cli/decision_replay,
// docs/DECISION_LOG.md#replay) against the tests' real PostgreSQL: records
// naming an old unit revision and an old platform revision are replayed
// against those (read with store::platform_at / store::unit_at), not
// against what the store serves now; a revision the store does not have is
// not reproducible; a wrong logged decision is DIFFERENT.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "server/store/fleet_rows.hpp"
#include "tests/postgres/pg_session.hpp"
#include "tests/postgres/store_database.hpp"
#include "tests/support/temp_dir.hpp"

namespace tenet::pgtest {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSchema = R"(schema {
  principal { level: int; }
  resource document { owner: string; }
  actions read, write on document;
}
)";
constexpr std::string_view kSchemaWider = R"(schema {
  principal { level: int; }
  resource document { owner: string; size: int; }
  actions read, write on document;
}
)";
constexpr std::string_view kTemplate = R"(template base {
  role guest;
  role basic extends guest;
  @id("owner-reads") permit read on document when resource.owner == principal.id;
}
)";
// Revision 1 lets level 4 write; revision 2 does not.
constexpr std::string_view kUnitB = R"(tenant b extends base {
  @id("senior-writes") permit write on document when principal.level > 3;
}
)";
constexpr std::string_view kUnitBEdited = R"(tenant b extends base {
  @id("senior-writes") permit write on document when principal.level > 5;
}
)";

std::string quoted(const std::string& text) { return "'" + text + "'"; }
bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

std::string record(const std::string& id, int revision, int platform_revision,
                   const std::string& decision, const std::string& reason) {
  return R"({"decision_id":")" + id +
         R"(","time":"2026-12-07T08:00:00Z","replica":1,"op":"check","tenant":"b","revision":)" +
         std::to_string(revision) + R"(,"platform_revision":)" + std::to_string(platform_revision) +
         R"(,"principal":{"id":"u1","role":"basic","attrs":{"level":4}},"action":"write",)"
         R"("resource":{"type":"document","id":"d1","tenant":"b","attrs":{"owner":"u9"}},)"
         R"("decision":")" +
         decision + R"(","reasons":[")" + reason + R"("]})";
}

class ReplayStore : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cluster_available()) GTEST_SKIP() << "no test cluster (TENET_PG_SOCKET_DIR)";
    ASSERT_EQ(run_tenet("store init " + quoted(database_.url())).first, 0);
    write("schema.tenet", kSchema);
    write("templates/base.tenet", kTemplate);
    write("tenants/b.tenet", kUnitB);
    publish();  // platform 1, b 1
    write("tenants/b.tenet", kUnitBEdited);
    publish();  // b 2
    write("schema.tenet", kSchemaWider);
    publish();  // platform 2
  }

  void write(const std::string& relative, std::string_view text) const {
    const fs::path path = dir_.path() / "policies" / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  }
  void publish() const {
    const auto published = run_tenet("publish " + (dir_.path() / "policies").string() +
                                     " --store " + quoted(database_.url()) + " --actor cli:test");
    ASSERT_EQ(published.first, 0) << published.second;
  }
  [[nodiscard]] std::string log(const std::string& text) const {
    const fs::path path = dir_.path() / "decisions.log";
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    return path.string();
  }

  StoreDatabase database_;
  test_support::TempDir dir_{"tenet-replay-store"};
};

TEST_F(ReplayStore, ReadersGiveOldPlatformAndUnitRevisions) {
  store::Connection connection(database_.url());
  const auto first = store::platform_at(connection, 1);
  const auto second = store::platform_at(connection, 2);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->files.at("schema.tenet"), kSchema);
  EXPECT_EQ(second->files.at("schema.tenet"), kSchemaWider);
  EXPECT_NE(first->hash, second->hash);
  EXPECT_FALSE(store::platform_at(connection, 3));
  const auto unit = store::unit_at(connection, "b", 1);
  ASSERT_TRUE(unit && unit->source);
  EXPECT_EQ(*unit->source, kUnitB);
  EXPECT_EQ(unit->path, "tenants/b.tenet");
  EXPECT_FALSE(store::unit_at(connection, "b", 3));
}

TEST_F(ReplayStore, OldRevisionsAreReplayedAgainstTheStoresRows) {
  const std::string file = log(record("OLD", 1, 1, "allow", "b:senior-writes") + "\n" +
                               record("NEW", 2, 2, "deny", "no_permit") + "\n");
  const auto old_one =
      run_tenet("explain --log " + file + " --id OLD --store " + quoted(database_.url()));
  EXPECT_EQ(old_one.first, 0) << old_one.second;
  EXPECT_TRUE(contains(old_one.second, "permit      matched      b:senior-writes"))
      << old_one.second;
  EXPECT_TRUE(contains(old_one.second, "same decision as logged")) << old_one.second;
  // TENET_STORE instead of --store.
  const auto replay = run_tenet("replay --log " + file + " --json --quiet");
  EXPECT_EQ(replay.first, 2) << replay.second;  // neither --policies nor a store
  const auto from_env = run_command("TENET_STORE=" + quoted(database_.url()) + " " + TENET_BINARY +
                                    " replay --log " + file);
  EXPECT_EQ(from_env.first, 0) << from_env.second;
  EXPECT_TRUE(contains(from_env.second, "2 records: 2 same, 0 different")) << from_env.second;
}

TEST_F(ReplayStore, AWrongDecisionDiffersAndAMissingRevisionIsNotReproducible) {
  const std::string file = log(record("WRONG", 2, 2, "allow", "b:senior-writes") + "\n" +
                               record("GONE", 7, 2, "allow", "b:senior-writes") + "\n");
  const auto result = run_tenet("replay --log " + file + " --store " + quoted(database_.url()));
  EXPECT_EQ(result.first, 1) << result.second;
  EXPECT_TRUE(contains(result.second,
                       "WRONG 2026-12-07T08:00:00Z b revision 2: DIFFERENT from "
                       "the log: logged allow, replay deny"))
      << result.second;
  EXPECT_TRUE(contains(result.second, "revision 7 of tenant 'b' is not in the store"))
      << result.second;
  EXPECT_TRUE(contains(result.second, "2 records: 0 same, 1 different, 1 not reproducible"))
      << result.second;
}

}  // namespace
}  // namespace tenet::pgtest
