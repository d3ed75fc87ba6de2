// `tenet serve --decision-log` end to end (docs/DECISION_LOG.md): 10,000
// decisions from four connections (pipelined single lines and batches,
// several partners) leave exactly 10,000 records after SIGTERM, each with
// the response's decision_id and decision, valid against the JSON Schema
// in docs/schema/, never carrying a @sensitive value; `tenet replay` gives
// every one the same decision again. kill -9 loses at most the last flush
// interval; rotation keeps a bounded number of files.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/command_output.hpp"
#include "tests/support/metrics_scrape.hpp"
#include "tests/support/server_process.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tenet::test_support::command_output;
using tenet::test_support::connect_tcp;
using tenet::test_support::LineClient;
using tenet::test_support::Millis;
using tenet::test_support::ServerProcess;

const std::string kBinary = tenet::test_support::tenet_binary(TENET_BINARY);
const std::string kSecret = "ID-SECRET-0042";

// The requests the clients cycle through: four partners, every decision op,
// allows and denies, an unknown tenant, and a principal carrying a
// @sensitive attribute (national_id).
std::vector<std::string> request_kinds() {
  const std::string trader =
      R"("principal":{"id":"u1","role":"trader","attrs":{"kyc":"verified","account_age_days":100,"country":"DE","tags":["desk"],"national_id":")" +
      kSecret + R"("}})";
  const std::string lumen_user =
      R"("principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified","account_age_days":40,"national_id":")" +
      kSecret + R"("}})";
  const auto document = [](const std::string& tenant, const std::string& owner) {
    return R"("resource":{"type":"document","id":"d1","tenant":")" + tenant +
           R"(","attrs":{"owner":")" + owner +
           R"(","locked":false,"classification":"internal"}},"context":{"mfa":true})";
  };
  return {
      R"({"op":"check","tenant":"cedar",)" + trader + R"(,"action":"read",)" +
          document("cedar", "u1") + "}",
      R"({"op":"check","tenant":"cedar",)" + trader + R"(,"action":"delete",)" +
          document("cedar", "u2") + "}",
      R"({"op":"check","tenant":"lumen",)" + lumen_user + R"(,"action":"read",)" +
          document("lumen", "u1") + "}",
      R"({"op":"check","tenant":"lumen",)" + lumen_user + R"(,"action":"read",)" +
          document("cedar", "u1") + "}",  // cross_tenant
      R"({"op":"transition","tenant":"acme","principal":{"id":"u2","role":"guest","attrs":{"kyc":"pending"}},"to":"basic"})",
      R"({"op":"transition","tenant":"cedar",)" + trader + R"(,"to":"company"})",
      R"({"op":"subscribe","tenant":"cedar",)" + trader + R"(,"plan":"trader_desk"})",
      R"({"op":"plans","tenant":"acme","principal":{"id":"u1","role":"basic"}})",
      R"({"op":"features","tenant":"cedar",)" + trader + "}",
      R"({"op":"lifecycle","tenant":"cedar",)" + trader +
          R"(,"resource":{"type":"subscription","id":"s1","tenant":"cedar","state":"signing","attrs":{"owner":"u1","plan":"pro","overdue_days":0}},"to":"signed"})",
      R"({"op":"check","tenant":"northwind","principal":{"id":"n1","role":"basic","attrs":{"kyc":"verified","account_age_days":40}},"action":"read",)" +
          document("northwind", "n1") + "}",
      R"({"op":"check","tenant":"nobody","principal":{"id":"x","role":"basic"},"action":"read",)" +
          document("nobody", "x") + "}",
  };
}

class DecisionLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tenet_decision_log_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::copy(fs::path(TENET_SOURCE_DIR) / "policies", dir_ / "policies",
             fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<json> read_records(const fs::path& file) const {
    std::ifstream in(file);
    std::vector<json> records;
    for (std::string line; std::getline(in, line);) records.push_back(json::parse(line));
    return records;
  }

  fs::path dir_;
};

// Sends `count` decisions on one connection, pipelined single lines
// (`batch_size` 0) or batches of `batch_size`; returns each decision_id with
// its decision.
std::map<std::string, std::string> send_decisions(const ServerProcess& server, int count,
                                                  int batch_size, int offset) {
  const std::vector<std::string> kinds = request_kinds();
  std::map<std::string, std::string> decided;
  LineClient client = connect_tcp(server);
  std::string payload;
  std::size_t lines = 0;
  if (batch_size == 0) {
    for (int i = 0; i < count; ++i) {
      payload += kinds[static_cast<std::size_t>(i + offset) % kinds.size()] + "\n";
      ++lines;
    }
  } else {
    for (int i = 0; i < count; i += batch_size) {
      payload += R"({"op":"batch","requests":[)";
      for (int j = 0; j < batch_size; ++j) {
        if (j > 0) payload += ',';
        payload += kinds[static_cast<std::size_t>(i + j + offset) % kinds.size()];
      }
      payload += "]}\n";
      ++lines;
    }
  }
  for (const std::string& line : client.round_trip(payload, lines, Millis(60000))) {
    const json answer = json::parse(line);
    if (answer.contains("results")) {
      for (const json& item : answer["results"])
        decided[item.value("decision_id", "")] = item["decision"];
    } else {
      decided[answer.value("decision_id", "")] = answer["decision"];
    }
  }
  return decided;
}

TEST_F(DecisionLogTest, TenThousandDecisionsLeaveTenThousandRecordsThatReplayTheSame) {
  const fs::path log = dir_ / "decisions.ndjson";
  TENET_START_SERVER(server, kBinary, (dir_ / "policies").string(),
                     {"--threads", "2", "--decision-log", log.string(), "--replica-id", "513"});
  // Two connections pipeline 2,500 single lines each; two send 50 batches
  // of 50: 10,000 decisions.
  std::vector<std::map<std::string, std::string>> answered(4);
  {
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
      clients.emplace_back([&, c] {
        answered[static_cast<std::size_t>(c)] = send_decisions(server, 2500, c < 2 ? 0 : 50, c);
      });
    }
    for (std::thread& client : clients) client.join();
  }
  std::map<std::string, std::string> decided;
  for (const auto& one : answered) decided.insert(one.begin(), one.end());
  ASSERT_EQ(decided.count(""), 0U) << "a decision answered without a decision_id";
  ASSERT_EQ(decided.size(), 10'000U) << "decision ids must be unique";

  ASSERT_TRUE(server.signal(SIGTERM));
  ASSERT_EQ(server.wait_exit(Millis(30000)), 0) << server.stderr_text();

  const std::vector<json> records = read_records(log);
  ASSERT_EQ(records.size(), 10'000U);
  std::set<std::string> ids;
  std::set<std::string> tenants;
  for (const json& record : records) {
    const std::string id = record["decision_id"];
    ASSERT_TRUE(ids.insert(id).second) << "twice: " << id;
    ASSERT_EQ(decided.count(id), 1U) << "not answered: " << record;
    EXPECT_EQ(record["decision"], decided[id]) << record;
    EXPECT_EQ(record["replica"], 513);
    tenants.insert(record["tenant"].get<std::string>());
  }
  EXPECT_EQ(tenants, (std::set<std::string>{"acme", "cedar", "lumen", "northwind", "nobody"}));

  std::ifstream in(log);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_EQ(text.find(kSecret), std::string::npos) << "a @sensitive value reached the log";
  EXPECT_NE(text.find("\"withheld\":[\"principal.attrs.national_id\"]"), std::string::npos);

  // Every record fits the published JSON Schema (python3-jsonschema).
  const std::string checked = command_output(
      "python3 -c 'import json,sys,jsonschema\n"
      "v=jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))\n"
      "bad=[e.message for l in open(sys.argv[2]) for e in v.iter_errors(json.loads(l))]\n"
      "print(len(bad), bad[:3])' " +
      std::string(TENET_SOURCE_DIR) + "/docs/schema/decision-record.schema.json " + log.string() +
      " 2>&1");
  EXPECT_EQ(checked.substr(0, 2), "0 ") << checked;

  // Replay: every record against the revision it names, the same decision.
  const std::string replayed =
      command_output(kBinary + " replay --json --log " + log.string() + " --policies " +
                     (dir_ / "policies").string() + " 2>&1 | tail -1");
  const json summary = json::parse(replayed, nullptr, false);
  ASSERT_TRUE(summary.is_object()) << replayed;
  EXPECT_EQ(summary["records"], 10'000) << replayed;
  EXPECT_EQ(summary["same"], 10'000) << replayed;
  EXPECT_EQ(summary["different"], 0) << replayed;
}

TEST_F(DecisionLogTest, KillNineLosesNothingOlderThanTheFlushInterval) {
  const fs::path log = dir_ / "decisions.ndjson";
  TENET_START_SERVER(server, kBinary, (dir_ / "policies").string(),
                     {"--decision-log", log.string(), "--decision-log-flush-ms", "50"});
  const std::map<std::string, std::string> decided = send_decisions(server, 2000, 0, 0);
  ASSERT_EQ(decided.size(), 2000U);
  // Well past the flush interval: every record answered is in the kernel.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_TRUE(server.signal(SIGKILL));
  ASSERT_TRUE(server.wait_exit(Millis(10000)));
  const std::vector<json> records = read_records(log);
  EXPECT_EQ(records.size(), 2000U);
  for (const json& record : records) EXPECT_EQ(decided.count(record["decision_id"]), 1U);
}

TEST_F(DecisionLogTest, ClientsThatVanishMidBatchLeaveWholeRecordsAndLoseNone) {
  const fs::path log = dir_ / "decisions.ndjson";
  TENET_START_SERVER(server, kBinary, (dir_ / "policies").string(),
                     {"--threads", "2", "--decision-log", log.string()});
  const std::vector<std::string> kinds = request_kinds();
  std::string batch = R"({"op":"batch","requests":[)";
  for (std::size_t j = 0; j < 50; ++j) batch += (j > 0 ? "," : "") + kinds[j % kinds.size()];
  batch += "]}\n";
  for (int round = 0; round < 5; ++round) {
    // Twenty batches sent, nothing read, the connection closed at once.
    LineClient gone = connect_tcp(server);
    std::string twenty;
    for (int i = 0; i < 20; ++i) twenty += batch;
    ASSERT_TRUE(gone.send_all(twenty));
    // Half a batch line, then gone.
    LineClient half = connect_tcp(server);
    ASSERT_TRUE(half.send_all(std::string_view(batch).substr(0, batch.size() / 2)));
  }
  // The server goes on answering, each answer with its id.
  const std::map<std::string, std::string> decided = send_decisions(server, 500, 50, 0);
  ASSERT_EQ(decided.size(), 500U);
  ASSERT_EQ(decided.count(""), 0U);

  ASSERT_TRUE(server.signal(SIGTERM));
  ASSERT_EQ(server.wait_exit(Millis(30000)), 0) << server.stderr_text();
  // Every line a whole record, each id once; the answered 500 all there;
  // at most the 5 × 20 × 50 decisions of the vanished clients besides.
  const std::vector<json> records = read_records(log);
  std::set<std::string> ids;
  for (const json& record : records) ASSERT_TRUE(ids.insert(record["decision_id"]).second);
  for (const auto& [id, decision] : decided) EXPECT_EQ(ids.count(id), 1U) << id;
  EXPECT_GE(records.size(), 500U);
  EXPECT_LE(records.size(), 500U + 5 * 20 * 50);
  const std::string closed = server.stderr_text();
  EXPECT_NE(closed.find(R"("what":"decision_log_closed")"), std::string::npos) << closed;
  EXPECT_NE(closed.find(R"("lost":0)"), std::string::npos) << closed;
  EXPECT_NE(closed.find(R"("written":)" + std::to_string(records.size())), std::string::npos)
      << closed;
}

TEST_F(DecisionLogTest, RotationKeepsTheNumberOfFilesItIsGiven) {
  const fs::path log = dir_ / "decisions.ndjson";
  TENET_START_SERVER(server, kBinary, (dir_ / "policies").string(),
                     {"--decision-log", log.string(), "--decision-log-max-bytes", "100000",
                      "--decision-log-files", "2"});
  ASSERT_EQ(send_decisions(server, 3000, 100, 0).size(), 3000U);
  ASSERT_TRUE(server.signal(SIGTERM));
  ASSERT_EQ(server.wait_exit(Millis(30000)), 0) << server.stderr_text();
  EXPECT_TRUE(fs::exists(log));
  EXPECT_TRUE(fs::exists(log.string() + ".1"));
  EXPECT_TRUE(fs::exists(log.string() + ".2"));
  EXPECT_FALSE(fs::exists(log.string() + ".3"));
  for (const std::string suffix : {"", ".1", ".2"}) {
    EXPECT_LE(fs::file_size(log.string() + suffix), 100'000U);
    EXPECT_FALSE(read_records(log.string() + suffix).empty());
  }
}

TEST_F(DecisionLogTest, MetricsCountTheRecordsAndPromtoolAcceptsThem) {
  using tenet::test_support::curl;
  using tenet::test_support::sample;
  const fs::path log = dir_ / "decisions.ndjson";
  TENET_START_SERVER(server, kBinary, (dir_ / "policies").string(),
                     {"--decision-log", log.string(), "--metrics", "127.0.0.1:0"});
  const std::string address = tenet::test_support::metrics_address(server);
  ASSERT_FALSE(address.empty()) << server.stderr_text();
  ASSERT_EQ(send_decisions(server, 300, 30, 0).size(), 300U);
  // The writer writes within the flush interval (200 ms): bounded wait.
  std::string scrape;
  for (int i = 0; i < 100; ++i) {
    scrape = curl("http://" + address + "/metrics");
    if (sample(scrape, "tenet_decision_log_records_total{outcome=\"written\"}") == "300") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(sample(scrape, "tenet_decision_log_records_total{outcome=\"written\"}"), "300")
      << scrape;
  EXPECT_EQ(sample(scrape, "tenet_decision_log_records_total{outcome=\"dropped\"}"), "0");
  EXPECT_EQ(sample(scrape, "tenet_decision_log_queue_depth"), "0");
  EXPECT_NE(sample(scrape, "tenet_decision_log_write_duration_seconds_count"), "0");
  EXPECT_EQ(std::to_string(fs::file_size(log)), sample(scrape, "tenet_decision_log_bytes_total"));
  const std::string checked = tenet::test_support::promtool_check(address);
  EXPECT_NE(checked.find("exit 0"), std::string::npos) << checked;
}

TEST_F(DecisionLogTest, AnInvalidRequestReplaysAsNotReproducibleNotAsAMismatch) {
  const fs::path log = dir_ / "decisions.ndjson";
  TENET_START_SERVER(server, kBinary, (dir_ / "policies").string(),
                     {"--decision-log", log.string()});
  LineClient client = connect_tcp(server);
  // account_age_days must be an int: invalid_request, a deny whose refused
  // value is not in the record.
  const std::optional<std::string> answer = client.request(
      R"({"op":"check","tenant":"lumen","principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified","account_age_days":"forty"}},"action":"read","resource":{"type":"document","id":"d1","tenant":"lumen","attrs":{"owner":"u1","locked":false,"classification":"internal"}}})");
  ASSERT_TRUE(answer);
  ASSERT_NE(answer->find("invalid_request"), std::string::npos) << *answer;
  ASSERT_EQ(send_decisions(server, 12, 0, 0).size(), 12U);
  ASSERT_TRUE(server.signal(SIGTERM));
  ASSERT_EQ(server.wait_exit(Millis(30000)), 0) << server.stderr_text();
  const std::string replayed =
      command_output(kBinary + " replay --json --log " + log.string() + " --policies " +
                     (dir_ / "policies").string() + " 2>&1 | tail -1");
  const json summary = json::parse(replayed, nullptr, false);
  ASSERT_TRUE(summary.is_object()) << replayed;
  EXPECT_EQ(summary["records"], 13) << replayed;
  EXPECT_EQ(summary["same"], 12) << replayed;
  EXPECT_EQ(summary["not_reproducible"], 1) << replayed;
  EXPECT_EQ(summary["different"], 0) << replayed;
}

TEST_F(DecisionLogTest, BadSettingsRefuseTheStart) {
  const std::string policies = (dir_ / "policies").string();
  const std::string x = (dir_ / "x").string();
  const auto exit_of = [&](const std::string& arguments) {
    return command_output(kBinary + " serve " + policies + " --listen 127.0.0.1:0 " + arguments +
                          " >/dev/null 2>&1; echo $?");
  };
  EXPECT_EQ(exit_of("--decision-log " + (dir_ / "missing" / "log").string()), "2\n");
  EXPECT_EQ(exit_of("--decision-log " + dir_.string()), "2\n");  // a directory
  EXPECT_EQ(exit_of("--decision-log " + x + " --decision-log-sample 2"), "2\n");
  EXPECT_EQ(exit_of("--decision-log " + x + " --decision-log-sample-partner acme"), "2\n");
  EXPECT_EQ(exit_of("--decision-log-sample 0.5"), "2\n");  // without --decision-log
  EXPECT_EQ(exit_of("--decision-log " + x + " --decision-log-overflow maybe"), "2\n");
  EXPECT_EQ(exit_of("--decision-log " + x + " --replica-id 70000"), "2\n");
}

}  // namespace
