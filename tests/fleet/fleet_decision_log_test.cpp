// The decision log into the fleet's store (docs/DECISION_LOG.md "Into the
// store"): a real `tenet serve --store URL --decision-log FILE
// --decision-log-to-store` on a PostgreSQL cluster of the test's own, with
// a small --decision-log-max-bytes so the file rotates many times, and
//   - PostgreSQL stopped while the replica decides, then the replica
//     stopped (SIGTERM) while it is still down: the shipper gives up after
//     its timeout and says how many records it could not ship;
//   - the replica started again on the same FILE once PostgreSQL is back:
//     it resumes from FILE.shipped;
//   - PostgreSQL stopped (immediate: like a crash) and started again while
//     the replica runs;
// and at the end every decision answered is in tenet.decisions exactly once
// (by decision_id, with the decision answered), in the partition of its
// day, as it is in the files. Plus: the option refused without --store or
// without --decision-log.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server/store/pg_connection.hpp"
#include "tests/fleet/own_cluster.hpp"
#include "tests/fleet/replicas.hpp"
#include "tests/support/metrics_scrape.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace tenet::fleet {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

const std::string kBinary = test_support::tenet_binary(TENET_BINARY);
const std::string kPolicies = std::string(TENET_SOURCE_DIR) + "/policies";

// Generous: two shared cores, a shipper backing off up to 2 s.
constexpr milliseconds kArrive(30000);

test_support::ProcessResult tenet(const std::vector<std::string>& args) {
  std::vector<std::string> argv{kBinary};
  argv.insert(argv.end(), args.begin(), args.end());
  return test_support::run_process(argv, milliseconds(60000));
}

const std::string kBasic = R"({"id":"u1","role":"basic","attrs":{"kyc":"verified"}})";

// An allow (northwind:owner-reads) and a deny (cross_tenant), alternated.
std::string check(int i) {
  const std::string resource_tenant = i % 2 == 0 ? "northwind" : "cedar";
  return R"({"op":"check","tenant":"northwind","principal":)" + kBasic +
         R"(,"action":"read","resource":{"type":"document","id":"d)" + std::to_string(i) +
         R"(","tenant":")" + resource_tenant +
         R"(","attrs":{"owner":"u1","locked":false,"classification":"internal"}}})";
}

// `count` pipelined checks to replica 0; each answer's decision_id → decision.
void decide(const Replicas& replicas, int count, std::map<std::string, std::string>& answered) {
  LineClient client = replicas.connect(0);
  ASSERT_TRUE(client.open()) << client.error();
  std::string payload;
  for (int i = 0; i < count; ++i) payload += check(i) + "\n";
  const std::vector<std::string> lines =
      client.round_trip(payload, static_cast<std::size_t>(count), Millis(60000));
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(count));
  for (const std::string& line : lines) {
    const json answer = json::parse(line);
    ASSERT_TRUE(answer.contains("decision_id")) << line;
    ASSERT_TRUE(answered.emplace(answer["decision_id"], answer["decision"]).second)
        << "an id answered twice: " << line;
  }
}

// Rows in tenet.decisions; -1 while the store cannot be reached.
long rows(const std::string& url) {
  try {
    store::Connection connection(url);
    return std::stol(connection.query("SELECT count(*) FROM tenet.decisions")[0][0].value_or(""));
  } catch (const store::StoreError&) {
    return -1;
  }
}

bool wait_rows(const std::string& url, long expected) {
  const auto deadline = Clock::now() + kArrive;
  while (Clock::now() < deadline) {
    if (rows(url) >= expected) return true;
    std::this_thread::sleep_for(milliseconds(100));
  }
  return false;
}

// Every record in FILE and its rotated copies: decision_id → decision.
std::map<std::string, std::string> records_in(const fs::path& file, std::size_t& files) {
  std::map<std::string, std::string> records;
  files = 0;
  for (int at = 0; at < 1000; ++at) {
    const fs::path path = at == 0 ? file : fs::path(file.string() + "." + std::to_string(at));
    if (!fs::exists(path)) break;
    ++files;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
      const json record = json::parse(line);
      EXPECT_TRUE(records.emplace(record["decision_id"], record["decision"]).second) << line;
    }
  }
  return records;
}

TEST(FleetDecisionLog, EveryDecisionReachesTheStoreOnceThroughRotationsRestartsAndOutages) {
  OwnCluster cluster;
  cluster.create_database("fleet");
  const std::string url = cluster.url("fleet");
  ASSERT_EQ(tenet({"store", "init", url}).status, 0);
  ASSERT_EQ(tenet({"publish", kPolicies, "--store", url}).status, 0);
  const test_support::ProcessResult token =
      tenet({"token", "new", "--tenant", "*", "--rights", "check,admin", "--store", url});
  ASSERT_EQ(token.status, 0) << token.output;

  const test_support::TempDir dir("tenet-fleet-decision-log");
  const fs::path log = dir.path() / "decisions.ndjson";
  Replicas replicas(
      kBinary, 1,
      {"--store", url, "--decision-log", log.string(), "--decision-log-to-store",
       "--decision-log-max-bytes", "120000", "--decision-log-files", "100",
       "--decision-log-flush-ms", "50", "--replica-id", "9", "--metrics", "127.0.0.1:0"});
  ASSERT_TRUE(replicas.started()) << replicas.error() << replicas.stderr_text();
  replicas.greet_with(json{{"op", "hello"}, {"token", token.output.substr(0, 64)}}.dump());
  std::map<std::string, std::string> answered;

  decide(replicas, 500, answered);
  ASSERT_TRUE(wait_rows(url, 500)) << rows(url) << replicas.stderr_text();
  {  // The shipper's counters on /metrics, as Prometheus reads them.
    const std::string address = test_support::metrics_address(replicas.at(0));
    ASSERT_FALSE(address.empty()) << replicas.stderr_text();
    std::string scrape;  // the counters move just after the commit: bounded wait
    for (int i = 0; i < 100; ++i) {
      scrape = test_support::curl("http://" + address + "/metrics");
      if (test_support::sample(scrape, "tenet_decision_log_shipped_total") == "500" &&
          test_support::sample(scrape, "tenet_decision_log_ship_behind_bytes") == "0")
        break;
      std::this_thread::sleep_for(milliseconds(50));
    }
    EXPECT_EQ(test_support::sample(scrape, "tenet_decision_log_shipped_total"), "500") << scrape;
    EXPECT_EQ(test_support::sample(scrape, "tenet_decision_log_ship_connected"), "1") << scrape;
    EXPECT_EQ(test_support::sample(scrape, "tenet_decision_log_ship_behind_bytes"), "0") << scrape;
    const std::string checked = test_support::promtool_check(address);
    EXPECT_NE(checked.find("exit 0"), std::string::npos) << checked;
  }

  // The store stops; decisions go on (the file has them); the replica is
  // stopped before the store is back: its shipper gives up, saying so.
  cluster.stop();
  decide(replicas, 500, answered);
  std::this_thread::sleep_for(milliseconds(1500));
  ASSERT_TRUE(replicas.at(0).signal(SIGTERM));
  ASSERT_EQ(replicas.at(0).wait_exit(Millis(60000)), 0) << replicas.stderr_text();
  const std::string stopped = replicas.stderr_text();
  EXPECT_NE(stopped.find("decision_shipper_unavailable"), std::string::npos) << stopped;
  EXPECT_NE(stopped.find(R"("what":"decision_shipper_gave_up","not_shipped":500)"),
            std::string::npos)
      << stopped;

  // Back, and the replica again on the same FILE: it resumes.
  cluster.start();
  ASSERT_TRUE(replicas.restart(0)) << replicas.error() << replicas.stderr_text();
  ASSERT_TRUE(wait_rows(url, 1000)) << rows(url) << replicas.stderr_text();
  decide(replicas, 500, answered);
  ASSERT_TRUE(wait_rows(url, 1500)) << rows(url) << replicas.stderr_text();

  // The store crashes and comes back while the replica runs.
  cluster.stop(StopMode::immediate);
  decide(replicas, 500, answered);
  std::this_thread::sleep_for(milliseconds(1000));
  cluster.start();
  ASSERT_TRUE(wait_rows(url, 2000)) << rows(url) << replicas.stderr_text();
  ASSERT_TRUE(replicas.at(0).signal(SIGTERM));
  ASSERT_EQ(replicas.at(0).wait_exit(Millis(60000)), 0) << replicas.stderr_text();

  ASSERT_EQ(answered.size(), 2000U);
  std::size_t files = 0;
  const std::map<std::string, std::string> in_files = records_in(log, files);
  EXPECT_EQ(in_files, answered);
  EXPECT_GE(files, 5U) << "the log should have rotated several times";

  store::Connection connection(url);
  std::map<std::string, std::string> in_store;
  for (const store::Row& row :
       connection.query("SELECT decision_id, decision FROM tenet.decisions WHERE replica = 9")) {
    EXPECT_TRUE(in_store.emplace(row[0].value_or(""), row[1].value_or("")).second)
        << "twice in the store: " << row[0].value_or("");
  }
  EXPECT_EQ(in_store.size(), 2000U);
  EXPECT_EQ(in_store, answered);
  EXPECT_EQ(connection.query("SELECT count(*) FROM tenet.decisions")[0][0], "2000");

  // Each row in the partition of its UTC day; none in the default one.
  for (const store::Row& row :
       connection.query("SELECT tableoid::regclass::text, "
                        "to_char(min(time) AT TIME ZONE 'UTC', 'YYYYMMDD'), "
                        "to_char(max(time) AT TIME ZONE 'UTC', 'YYYYMMDD'), count(*) "
                        "FROM tenet.decisions GROUP BY 1")) {
    EXPECT_EQ(row[0], "tenet.decisions_" + row[1].value_or("")) << row[3].value_or("");
    EXPECT_EQ(row[0], "tenet.decisions_" + row[2].value_or("")) << row[3].value_or("");
  }
  // The record is the file's line: its members are there, the columns match.
  EXPECT_EQ(connection.query("SELECT count(*) FROM tenet.decisions WHERE record->>'decision_id' = "
                             "decision_id AND record->>'op' = 'check' AND tenant = 'northwind' "
                             "AND (record->>'time')::timestamptz = time")[0][0],
            "2000");
}

TEST(FleetDecisionLog, TheOptionNeedsAStoreAndADecisionLog) {
  const test_support::TempDir dir("tenet-fleet-decision-log-options");
  const std::string log = (dir.path() / "decisions.ndjson").string();
  const test_support::ProcessResult no_store =
      tenet({"serve", kPolicies, "--listen", "127.0.0.1:0", "--decision-log", log,
             "--decision-log-to-store"});
  EXPECT_EQ(no_store.status, 2) << no_store.output;
  EXPECT_NE(no_store.output.find("--decision-log-to-store"), std::string::npos) << no_store.output;
  const test_support::ProcessResult no_log =
      tenet({"serve", "--store", "host=/nonexistent-tenet dbname=x", "--listen", "127.0.0.1:0",
             "--decision-log-to-store"});
  EXPECT_EQ(no_log.status, 2) << no_log.output;
  EXPECT_NE(no_log.output.find("needs both"), std::string::npos) << no_log.output;
  EXPECT_FALSE(fs::exists(log));  // refused before anything was opened
}

}  // namespace
}  // namespace tenet::fleet
