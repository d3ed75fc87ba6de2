// The decision shipper (server/store/decision_shipper, docs/DECISION_LOG.md
// "Into the store") in process against the tests' PostgreSQL, on log files
// the test writes — so records can carry any day, and lines that are not
// records can be put where a crash would leave them:
//   - each record lands in its day's partition exactly once; a line that is
//     not a record, and a record PostgreSQL refuses (\u0000, which jsonb
//     does not take), are skipped and counted without holding back the rest;
//   - a new shipper resumes from FILE.shipped (sends nothing again), and
//     without it sends everything again, which adds nothing (ON CONFLICT);
//   - a store that cannot be reached: the shipper keeps trying, stop() gives
//     up within its timeout, and FILE.shipped is not moved;
//   - the replica grants of docs/FLEET.md are enough; without EXECUTE on
//     tenet.create_decisions_partition the rows go to the default partition.
#include "server/store/decision_shipper.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "server/store/log_follower.hpp"
#include "tests/postgres/pg_session.hpp"
#include "tests/postgres/store_database.hpp"

namespace tenet::pgtest {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// "YYYY-MM-DD" of today minus `days_ago`, UTC.
std::string utc_day(int days_ago) {
  const std::time_t when =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) - days_ago * 86400;
  std::tm parts{};
  ::gmtime_r(&when, &parts);
  std::array<char, 16> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%d", &parts);
  return text.data();
}

std::string compact(std::string day) {
  std::erase(day, '-');
  return day;
}

std::string record(const std::string& id, const std::string& day, int millisecond,
                   const std::string& extra = "") {
  const int seconds = millisecond / 1000;
  std::array<char, 64> time{};
  std::snprintf(time.data(), time.size(), "%sT%02d:%02d:%02d.%03dZ", day.c_str(),
                seconds / 3600 % 24, seconds / 60 % 60, seconds % 60, millisecond % 1000);
  return R"({"decision_id":")" + id + R"(","time":")" + time.data() +
         R"(","replica":7,"op":"check","tenant":"acme","revision":1,"decision":"allow")" + extra +
         "}\n";
}

void append(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

bool wait_for(const std::function<bool()>& done, milliseconds timeout = milliseconds(20000)) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return done();
}

std::string with_user(const std::string& url, const std::string& user) {
  return url.substr(0, url.find("user=")) + "user=" + user +
         url.substr(url.find(' ', url.find("user=")));
}

class DecisionShipperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cluster_available()) GTEST_SKIP() << "no test cluster (TENET_PG_SOCKET_DIR)";
    dir_ = fs::temp_directory_path() /
           ("tenet_shipper_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    file_ = dir_ / "decisions.ndjson";
    database_ = std::make_unique<StoreDatabase>();
    ASSERT_EQ(run_tenet("store init '" + database_->url() + "'").first, 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  store::ShipperOptions options(const std::string& url) const {
    store::ShipperOptions options;
    options.file = file_;
    options.url = url;
    options.interval = milliseconds(100);
    options.batch_records = 128;
    options.stop_timeout = milliseconds(3000);
    return options;
  }
  std::string count(const std::string& sql) const {
    return *PgSession("tenet_admin", database_->name()).query(sql)[0][0];
  }

  fs::path dir_;
  fs::path file_;
  std::unique_ptr<StoreDatabase> database_;
};

TEST_F(DecisionShipperTest, EachRecordLandsInItsDayOnceAndWhatIsNotARecordIsSkipped) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += record("y" + std::to_string(i), utc_day(1), i * 997);
  text += "not json at all\n";
  for (int i = 0; i < 300; ++i) text += record("t" + std::to_string(i), utc_day(0), i * 991);
  text += R"({"time":"2026-12-07T00:00:00.000Z","decision":"allow"})"
          "\n";                                                               // no decision_id
  text += record("nul", utc_day(0), 5, R"(,"principal":{"id":"a\u0000b"})");  // jsonb refuses
  text += record("escapes", utc_day(0), 6, R"(,"principal":{"id":"back\\slash\ttab é \"q\""})");
  for (int i = 0; i < 10; ++i) text += record("o" + std::to_string(i), utc_day(3), i);
  append(file_, text + R"({"decision_id":"cut","ti)");  // a kill -9 inside write(2)

  {
    store::DecisionShipper shipper(options(database_->url()));
    EXPECT_TRUE(wait_for([&] { return shipper.counters().shipped >= 611; }))
        << shipper.counters().shipped;
    shipper.stop();
    const store::ShipperCounters counters = shipper.counters();
    EXPECT_EQ(counters.shipped, 611U);
    EXPECT_EQ(counters.inserted, 611U);
    EXPECT_EQ(counters.skipped, 3U);  // not json, no id, \u0000
    EXPECT_EQ(counters.pending, 0U);
    EXPECT_GE(counters.batches, 5U);  // batches of at most 128
    // The newest record shipped: today's t299 at 299 × 991 ms after midnight (UTC).
    const std::int64_t today_ms =
        std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) / 86400 * 86'400'000;
    EXPECT_EQ(counters.newest_shipped_ms, today_ms + 299 * 991);
  }
  EXPECT_EQ(count("SELECT count(*) FROM tenet.decisions"), "611");
  EXPECT_EQ(count("SELECT count(DISTINCT decision_id) FROM tenet.decisions"), "611");
  EXPECT_EQ(count("SELECT count(*) FROM tenet.decisions_" + compact(utc_day(1))), "300");
  EXPECT_EQ(count("SELECT count(*) FROM tenet.decisions_" + compact(utc_day(0))), "301");
  EXPECT_EQ(count("SELECT count(*) FROM tenet.decisions_" + compact(utc_day(3))), "10");
  EXPECT_EQ(count("SELECT count(*) FROM tenet.decisions_default"), "0");
  // The columns come from the record, and the record is the line itself.
  EXPECT_EQ(count("SELECT count(*) FROM tenet.decisions WHERE tenant = 'acme' AND replica = 7 "
                  "AND decision = 'allow' AND record->>'decision_id' = decision_id "
                  "AND (record->>'time')::timestamptz = time"),
            "611");
  EXPECT_EQ(count("SELECT record->'principal'->>'id' FROM tenet.decisions "
                  "WHERE decision_id = 'escapes'"),
            "back\\slash\ttab é \"q\"");

  // Resumed from FILE.shipped: nothing is sent again; what is added is.
  ASSERT_TRUE(fs::exists(store::DecisionShipper::state_path(file_)));
  {
    store::DecisionShipper shipper(options(database_->url()));
    std::this_thread::sleep_for(milliseconds(400));
    shipper.stop();
    EXPECT_EQ(shipper.counters().shipped, 0U);
  }
  std::string more = "\n";  // ends the cut line: one more line that is not a record
  for (int i = 0; i < 100; ++i) more += record("m" + std::to_string(i), utc_day(0), 50000 + i);
  append(file_, more);
  {
    store::DecisionShipper shipper(options(database_->url()));
    EXPECT_TRUE(wait_for([&] { return shipper.counters().shipped >= 100; }));
    shipper.stop();
    EXPECT_EQ(shipper.counters().shipped, 100U);
    EXPECT_EQ(shipper.counters().skipped, 1U);
  }
  EXPECT_EQ(count("SELECT count(*) FROM tenet.decisions"), "711");

  // Without FILE.shipped everything is sent again, and nothing is added.
  fs::remove(store::DecisionShipper::state_path(file_));
  {
    store::DecisionShipper shipper(options(database_->url()));
    EXPECT_TRUE(wait_for([&] { return shipper.counters().shipped >= 711; }));
    shipper.stop();
    EXPECT_EQ(shipper.counters().shipped, 711U);
    EXPECT_EQ(shipper.counters().inserted, 0U);
  }
  EXPECT_EQ(count("SELECT count(*) FROM tenet.decisions"), "711");
}

TEST_F(DecisionShipperTest, AStoreThatCannotBeReachedKeepsThePositionAndStopGivesUpInTime) {
  append(file_, record("a", utc_day(0), 1) + record("b", utc_day(0), 2));
  store::ShipperOptions unreachable = options("host=/nonexistent-tenet port=5432 dbname=x");
  unreachable.stop_timeout = milliseconds(500);
  const auto started = Clock::now();
  {
    store::DecisionShipper shipper(unreachable);
    EXPECT_TRUE(wait_for([&] { return shipper.counters().failures >= 2; }));
    EXPECT_EQ(shipper.counters().pending, 2U);
    EXPECT_FALSE(shipper.counters().connected);
    shipper.stop();
    EXPECT_EQ(shipper.counters().shipped, 0U);
  }
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(10));
  EXPECT_FALSE(fs::exists(store::DecisionShipper::state_path(file_)));
  // The store reachable: both arrive.
  store::DecisionShipper shipper(options(database_->url()));
  EXPECT_TRUE(wait_for([&] { return shipper.counters().shipped >= 2; }));
  shipper.stop();
  EXPECT_EQ(count("SELECT count(*) FROM tenet.decisions"), "2");
}

TEST_F(DecisionShipperTest, TheReplicaGrantsAreEnoughAndWithoutTheFunctionRowsGoToTheDefault) {
  PgSession admin("tenet_admin", database_->name());
  // docs/FLEET.md, "Database roles": what a replica that ships needs.
  admin.exec(
      "GRANT USAGE ON SCHEMA tenet TO tenet_app;"
      "GRANT INSERT ON tenet.decisions TO tenet_app;");
  append(file_, record("a", utc_day(2), 1));
  {
    store::DecisionShipper shipper(options(with_user(database_->url(), "tenet_app")));
    EXPECT_TRUE(wait_for([&] { return shipper.counters().shipped >= 1; }));
    shipper.stop();
  }
  EXPECT_EQ(count("SELECT count(*) FROM tenet.decisions_default"), "1");  // no EXECUTE yet
  admin.exec("GRANT EXECUTE ON FUNCTION tenet.create_decisions_partition(date) TO tenet_app");
  append(file_, record("b", utc_day(0), 1));
  {
    store::DecisionShipper shipper(options(with_user(database_->url(), "tenet_app")));
    EXPECT_TRUE(wait_for([&] { return shipper.counters().shipped >= 1; }));
    shipper.stop();
  }
  EXPECT_EQ(count("SELECT count(*) FROM tenet.decisions_" + compact(utc_day(0))), "1");
  EXPECT_EQ(count("SELECT count(*) FROM tenet.decisions"), "2");
}

}  // namespace
}  // namespace tenet::pgtest
