// `tenet serve` through real sockets: the real binary on an ephemeral
// 127.0.0.1 port and a Unix socket (tests/support/server_process), every op
// of docs/PROTOCOL.md, pipelining, concurrency, limits, tokens, reload, durable
// feature switches and graceful shutdown. Every loop is bounded in count and
// every wait in time. $TENET_SERVE_BINARY overrides the binary under test.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/command_output.hpp"
#include "tests/support/json_answer.hpp"
#include "tests/support/read_text.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using tenet::test_support::command_output;
using tenet::test_support::connect_tcp;
using tenet::test_support::TempDir;

namespace fs = std::filesystem;
using nlohmann::json;
using tenet::test_support::error_code;
using tenet::test_support::LineClient;
using tenet::test_support::Millis;
using tenet::test_support::parse_answer;
using tenet::test_support::ServerProcess;

const std::string kBinary = tenet::test_support::tenet_binary(TENET_BINARY);
const std::string kPolicies = std::string(TENET_SOURCE_DIR) + "/policies";

// ------------------------------------------------------------------ helpers

using tenet::test_support::read_text;

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// The output of a command (stdout only).
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) result.push_back(line);
  return result;
}

// What `tenet eval` answers for these lines: the reference for decision ops.
std::vector<std::string> eval_lines(const std::string& policies,
                                    const std::vector<std::string>& lines) {
  const TempDir dir;
  std::string input;
  for (const std::string& line : lines) input += line + "\n";
  write_text(dir.path() / "in.ndjson", input);
  return split_lines(command_output(kBinary + " eval '" + policies + "' '" +
                                    (dir.path() / "in.ndjson").string() + "'"));
}

// Requests over the shipped policies/ (see policies/*_test.tenet).
const std::string kTrader =
    R"("principal":{"id":"u1","role":"trader","attrs":{"kyc":"verified","account_age_days":100,"country":"DE","tags":["desk"]}})";
const std::string kNorthwindUser =
    R"("principal":{"id":"n1","role":"basic","attrs":{"kyc":"verified","account_age_days":10,"country":"DE","tags":[]}})";

std::string cedar_check(const std::string& id, const std::string& owner) {
  return R"({"id":)" + id + R"(,"op":"check","tenant":"cedar",)" + kTrader +
         R"(,"action":"read","resource":{"type":"document","id":"d1","tenant":"cedar","attrs":{"owner":")" +
         owner + R"(","locked":false,"classification":"internal"}},"context":{"mfa":true}})";
}
std::string tenant_check(const std::string& id, const std::string& tenant,
                         const std::string& owner) {
  return R"({"id":)" + id + R"(,"op":"check","tenant":")" + tenant + R"(",)" + kNorthwindUser +
         R"(,"action":"read","resource":{"type":"document","id":"d1","tenant":")" + tenant +
         R"(","attrs":{"owner":")" + owner +
         R"(","locked":false,"classification":"internal"}},"context":{"mfa":true}})";
}
std::string cedar_features(const std::string& id) {
  return R"({"id":)" + id + R"(,"op":"features","tenant":"cedar",)" + kTrader + "}";
}

std::vector<std::string> decision_requests() {
  return {
      cedar_check("1", "u1"),
      cedar_check("2", "u2"),
      R"({"id":3,"op":"transition","tenant":"cedar",)" + kTrader + R"(,"to":"company"})",
      R"({"id":4,"op":"subscribe","tenant":"cedar",)" + kTrader + R"(,"plan":"trader_desk"})",
      R"({"id":5,"op":"plans","tenant":"cedar",)" + kTrader + "}",
      cedar_features("6"),
      R"({"id":7,"op":"lifecycle","tenant":"cedar",)" + kTrader +
          R"(,"resource":{"type":"subscription","id":"s1","tenant":"cedar","state":"signing","attrs":{"owner":"u1","plan":"pro","overdue_days":0}},"to":"signed"})",
      R"({"id":8,"op":"batch","requests":[)" + cedar_check("\"a\"", "u1") + "," +
          cedar_features("\"b\"") + "]}",
      tenant_check("9", "northwind", "n1"),
      R"({"id":10,"op":"check","tenant":"cedar",)" + kTrader +
          R"(,"action":"read","resource":{"type":"document","id":"d7","tenant":"northwind","attrs":{"owner":"u1","locked":false,"classification":"internal"}}})",
      "this is not json",
  };
}

#define START_SERVER(name, dir, ...) TENET_START_SERVER(name, kBinary, dir, __VA_ARGS__)

struct Token {
  std::string token;
  std::string file_line;
};

// `tenet token new`: line 1 the token, line 2 the token-file line.
Token new_token(const std::string& tenant, const std::string& rights) {
  const std::vector<std::string> out = split_lines(
      command_output(kBinary + " token new --tenant '" + tenant + "' --rights " + rights));
  if (out.size() < 2) {
    ADD_FAILURE() << "`tenet token new` printed " << out.size() << " lines";
    return {};
  }
  return {out[0], out[1]};
}

std::string hello(const std::string& token) {
  return json{{"op", "hello"}, {"token", token}}.dump();
}

// ------------------------------------------------------------ every op, both transports

// A server answer without its partner revisions (docs/UNITS.md), which
// `tenet eval` does not write: the decision itself must be eval's.
json without_revisions(json answer) {
  answer.erase("revision");
  if (answer.contains("results") && answer["results"].is_array()) {
    for (json& item : answer["results"]) item.erase("revision");
  }
  return answer;
}

void expect_every_op(LineClient& client) {
  // Decision ops: exactly what `tenet eval` answers for the same lines, plus
  // the revision of the partner that answered.
  const std::vector<std::string> requests = decision_requests();
  const std::vector<std::string> expected = eval_lines(kPolicies, requests);
  ASSERT_EQ(expected.size(), requests.size());
  std::string payload;
  for (const std::string& line : requests) payload += line + "\n";
  const std::vector<std::string> got = client.round_trip(payload, requests.size(), Millis(10000));
  ASSERT_EQ(got.size(), requests.size()) << client.error();
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(without_revisions(json::parse(got[i], nullptr, false)), json::parse(expected[i]))
        << requests[i];
  }
  EXPECT_EQ(json::parse(got[0]).value("revision", 0), 1) << got[0];
  EXPECT_EQ(json::parse(got[0])["decision"], "allow");
  EXPECT_EQ(json::parse(got[1])["decision"], "deny");

  const json health = parse_answer(client.request(R"({"id":"h","op":"health"})"));
  EXPECT_EQ(health["id"], "h");
  EXPECT_EQ(health["ok"], true) << health;
  EXPECT_TRUE(health["policy_version"].is_number_integer()) << health;

  const json stats = parse_answer(client.request(R"({"id":"s","op":"stats"})"));
  EXPECT_EQ(stats["id"], "s");
  EXPECT_TRUE(stats.is_object() && !stats.contains("error")) << stats;
  EXPECT_NE(stats.dump().find("requests"), std::string::npos) << stats;

  const json unknown = parse_answer(client.request(R"({"id":"u","op":"frobnicate"})"));
  EXPECT_EQ(error_code(unknown), "unknown_op") << unknown;

  const json missing = parse_answer(client.request(R"({"id":"m","op":"check","tenant":"cedar"})"));
  EXPECT_EQ(error_code(missing), "bad_request") << missing;
  EXPECT_EQ(missing["decision"], "deny") << missing;

  const json reload = parse_answer(client.request(R"({"id":"r","op":"reload"})", Millis(20000)));
  EXPECT_EQ(reload["ok"], true) << reload;
  EXPECT_GT(reload.value("policy_version", 0), health.value("policy_version", 0)) << reload;

  // Without a token file the server accepts everything (loopback only);
  // hello still answers.
  const json greeting = parse_answer(client.request(hello("whatever")));
  EXPECT_TRUE(greeting.is_object()) << greeting;
}

TEST(ServerIntegration, EveryOpOverTcp) {
  TempDir state;
  START_SERVER(server, kPolicies, {"--state", (state.path() / "state.json").string()});
  LineClient client = connect_tcp(server);
  expect_every_op(client);

  const json set = parse_answer(client.request(
      R"({"id":"f","op":"set_feature","tenant":"cedar","feature":"margin","state":"on"})"));
  EXPECT_EQ(set["ok"], true) << set;
  const json features = parse_answer(client.request(cedar_features("\"g\"")));
  EXPECT_NE(features["features"].dump().find("margin"), std::string::npos) << features;
}

TEST(ServerIntegration, EveryOpOverUnixSocket) {
  TempDir dir;
  const std::string socket_path = (dir.path() / "tenet.sock").string();
  ServerProcess server(
      kBinary, {kPolicies, "--unix", socket_path, "--state", (dir.path() / "s.json").string()}, 1);
  ASSERT_TRUE(server.started()) << server.error();
  EXPECT_EQ(server.unix_path(), socket_path);
  std::optional<LineClient> client = LineClient::unix_socket(socket_path);
  ASSERT_TRUE(client.has_value());
  expect_every_op(*client);
  const json set = parse_answer(client->request(
      R"({"id":"f","op":"set_feature","tenant":"cedar","feature":"margin","state":"on"})"));
  EXPECT_EQ(set["ok"], true) << set;
}

TEST(ServerIntegration, TcpAndUnixAtOnce) {
  TempDir dir;
  const std::string socket_path = (dir.path() / "both.sock").string();
  ServerProcess server(kBinary, {kPolicies, "--listen", "127.0.0.1:0", "--unix", socket_path}, 2);
  ASSERT_TRUE(server.started()) << server.error();
  LineClient tcp = connect_tcp(server);
  std::optional<LineClient> unix_client = LineClient::unix_socket(socket_path);
  ASSERT_TRUE(unix_client.has_value());
  EXPECT_EQ(parse_answer(tcp.request(cedar_check("1", "u1")))["decision"], "allow");
  EXPECT_EQ(parse_answer(unix_client->request(cedar_check("1", "u1")))["decision"], "allow");
}

// ------------------------------------------------------------------ pipelining and concurrency

TEST(ServerIntegration, TenThousandPipelinedInOrder) {
  START_SERVER(server, kPolicies, {"--threads", "2"});
  LineClient client = connect_tcp(server);
  constexpr int kCount = 10000;
  std::string payload;
  for (int i = 0; i < kCount; ++i)
    payload += cedar_check(std::to_string(i), i % 3 == 0 ? "u2" : "u1") + "\n";
  const std::vector<std::string> got = client.round_trip(payload, kCount, Millis(60000));
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kCount)) << client.error();
  for (int i = 0; i < kCount; ++i) {
    const json response = json::parse(got[static_cast<std::size_t>(i)], nullptr, false);
    ASSERT_EQ(response["id"], i) << got[static_cast<std::size_t>(i)];
    ASSERT_EQ(response["decision"], i % 3 == 0 ? "deny" : "allow") << response;
  }
}

TEST(ServerIntegration, SixtyFourConcurrentConnections) {
  START_SERVER(server, kPolicies, {"--threads", "2"});
  constexpr int kConnections = 64;
  constexpr int kPerConnection = 200;
  std::vector<LineClient> clients;
  for (int c = 0; c < kConnections; ++c)
    clients.push_back(connect_tcp(server));  // all open at once
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kConnections; ++c) {
    threads.emplace_back([&, c] {
      std::string payload;
      for (int i = 0; i < kPerConnection; ++i)
        payload += cedar_check(std::to_string(c * 1000 + i), "u1") + "\n";
      const std::vector<std::string> got =
          clients[static_cast<std::size_t>(c)].round_trip(payload, kPerConnection, Millis(60000));
      int ok = 0;
      for (int i = 0; i < static_cast<int>(got.size()); ++i) {
        const json r = json::parse(got[static_cast<std::size_t>(i)], nullptr, false);
        if (r.is_object() && r["id"] == c * 1000 + i && r["decision"] == "allow") ++ok;
      }
      good += ok;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(good.load(), kConnections * kPerConnection);
}

// ------------------------------------------------------------------ bad input and limits

TEST(ServerIntegration, BadJsonThenGoodLineOnSameConnection) {
  START_SERVER(server, kPolicies, {});
  LineClient client = connect_tcp(server);
  const std::vector<std::string> got =
      client.round_trip("{\"id\":1,\"op\":\n" + cedar_check("2", "u1") + "\n", 2, Millis(5000));
  ASSERT_EQ(got.size(), 2U);
  const json bad = json::parse(got[0], nullptr, false);
  EXPECT_EQ(error_code(bad), "bad_json") << bad;
  EXPECT_TRUE(bad.contains("id") && bad["id"].is_null()) << bad;
  const json good = json::parse(got[1], nullptr, false);
  EXPECT_EQ(good["id"], 2);
  EXPECT_EQ(good["decision"], "allow") << good;
}

// A decision request always gets a decision (docs/PROTOCOL.md): an integer
// beyond 64 bits (valid JSON) or an id that is an object is answered with a
// deny (and the id, when it can be echoed), alone and in a batch.
TEST(ServerIntegration, DecisionRequestWithHugeNumberOrObjectIdStillGetsADeny) {
  START_SERVER(server, kPolicies, {});
  LineClient client = connect_tcp(server);
  std::string huge = cedar_check("7", "u1");
  const std::string age = R"("account_age_days":100)";
  huge.replace(huge.find(age), age.size(), R"("account_age_days":123456789012345678901234567890)");
  std::string object_id = cedar_check("8", "u1");
  object_id.replace(object_id.find(R"("id":8)"), 6, R"("id":{"n":8})");
  const std::vector<std::string> got =
      client.round_trip(huge + "\n" + object_id + "\n" + R"({"id":9,"op":"batch","requests":[)" +
                            huge + "," + object_id + "," + cedar_check("10", "u1") + "]}\n",
                        3, Millis(10000));
  ASSERT_EQ(got.size(), 3U) << client.error();
  const json alone = json::parse(got[0], nullptr, false);
  EXPECT_EQ(alone["id"], 7) << alone;
  EXPECT_EQ(alone["decision"], "deny") << alone;
  EXPECT_EQ(error_code(alone), "invalid_request") << alone;
  const json refused = json::parse(got[1], nullptr, false);
  EXPECT_TRUE(refused.contains("id") && refused["id"].is_null()) << refused;
  EXPECT_EQ(refused["decision"], "deny") << refused;
  EXPECT_EQ(error_code(refused), "bad_request") << refused;
  const json batch = json::parse(got[2], nullptr, false);
  ASSERT_EQ(batch["results"].size(), 3U) << batch;
  EXPECT_EQ(batch["results"][0], alone);
  EXPECT_EQ(batch["results"][1], refused);
  EXPECT_EQ(batch["results"][2]["decision"], "allow") << batch;
}

TEST(ServerIntegration, OversizedLineGetsTooLargeThenClose) {
  START_SERVER(server, kPolicies, {"--max-line", "1024"});
  LineClient client = connect_tcp(server);
  // A line within the limit works.
  EXPECT_EQ(parse_answer(client.request(cedar_check("1", "u1")))["decision"], "allow");
  const std::string huge = R"({"id":2,"op":"check","tenant":")" + std::string(4000, 'x') + "\"}\n";
  client.send(huge + cedar_check("3", "u1") + "\n",
              Millis(2000));  // the server may close before the end
  const json response = parse_answer(client.read_line(Millis(5000)));
  EXPECT_EQ(error_code(response), "too_large") << response;
  EXPECT_TRUE(client.wait_closed(Millis(5000)))
      << "the connection should be closed after too_large";
  LineClient other = connect_tcp(server);  // the server keeps serving
  EXPECT_EQ(parse_answer(other.request(cedar_check("4", "u1")))["decision"], "allow");
}

TEST(ServerIntegration, HalfWrittenLineThenDisconnect) {
  START_SERVER(server, kPolicies, {});
  {
    LineClient half = connect_tcp(server);
    const std::string line = cedar_check("1", "u1");
    ASSERT_TRUE(half.send_all(line.substr(0, line.size() / 2)));
    std::this_thread::sleep_for(Millis(100));
  }  // closed mid-line
  {
    LineClient half_shut = connect_tcp(server);  // half a line, then only the write side closed
    ASSERT_TRUE(half_shut.send_all(cedar_check("2", "u1").substr(0, 50)));
    half_shut.shutdown_write();
    EXPECT_TRUE(half_shut.wait_closed(Millis(5000)));
  }
  LineClient other = connect_tcp(server);
  EXPECT_EQ(parse_answer(other.request(cedar_check("3", "u1")))["decision"], "allow");
  EXPECT_TRUE(server.running());
}

TEST(ServerIntegration, ClientThatNeverReadsIsDisconnectedPromptly) {
  // The idle timeout is long (300 s) and the never-reading client keeps
  // sending, so only the pending-output cap (1 MiB here) can drop it: it
  // must be disconnected within the 15 s below, while the other client
  // keeps being served, and the server's RSS stays bounded.
  START_SERVER(server, kPolicies,
               {"--threads", "2", "--idle-timeout", "300", "--max-pending-bytes", "1048576"});
  LineClient warm = connect_tcp(server);
  ASSERT_EQ(parse_answer(warm.request(cedar_check("0", "u1")))["decision"], "allow");
  const std::optional<long> rss_before = server.rss_kib();
  ASSERT_TRUE(rss_before.has_value());

  // Batches with explain: ~1 KB in, many KB out per line.
  std::string batch = R"({"id":1,"op":"batch","requests":[)";
  for (int i = 0; i < 64; ++i) {
    std::string item = cedar_check(std::to_string(i), "u2");
    item.insert(item.size() - 1, R"(,"explain":true)");
    batch += (i == 0 ? "" : ",") + item;
  }
  batch += "]}\n";
  std::string chunk;
  for (int i = 0; i < 16; ++i) chunk += batch;

  LineClient sink = connect_tcp(server);
  std::size_t sent = 0;
  bool disconnected = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  const auto began = std::chrono::steady_clock::now();
  int rounds = 0;
  while (std::chrono::steady_clock::now() < deadline && rounds < 100000) {
    ++rounds;
    const std::size_t n = sink.send(chunk, Millis(200));
    sent += n;
    if (n < chunk.size() && !sink.error().empty() && sink.error() != "send timed out") {
      disconnected = true;  // reset / broken pipe: the server dropped it
      break;
    }
    // Meanwhile the server keeps serving another client.
    if (rounds % 4 == 0) {
      ASSERT_EQ(parse_answer(warm.request(cedar_check(std::to_string(rounds), "u1"),
                                          Millis(5000)))["decision"],
                "allow")
          << "round " << rounds;
    }
  }
  const std::optional<long> rss_after = server.rss_kib();
  ASSERT_TRUE(rss_after.has_value());
  EXPECT_TRUE(server.running());
  EXPECT_EQ(parse_answer(warm.request(cedar_check("\"x\"", "u1")))["decision"], "allow");
  EXPECT_LT(*rss_after - *rss_before, 64 * 1024)
      << "RSS " << *rss_before << " KiB -> " << *rss_after << " KiB after " << sent
      << " bytes sent";
  RecordProperty("rss_before_kib", static_cast<int>(*rss_before));
  RecordProperty("rss_after_kib", static_cast<int>(*rss_after));
  RecordProperty("bytes_sent_by_non_reader", static_cast<int>(sent));
  const auto took = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - began);
  RecordProperty("disconnect_ms", static_cast<int>(took.count()));
  EXPECT_TRUE(disconnected) << "a client that never reads should be disconnected (sent " << sent
                            << " bytes)";
  EXPECT_LT(took, Millis(15000));
  EXPECT_NE(server.stderr_text().find(R"("what":"slow_reader")"), std::string::npos)
      << server.stderr_text();
}

TEST(ServerIntegration, TokenForUndeclaredTenantIsWarnedAtStartAndReload) {
  TempDir dir;
  const Token ghost = new_token("ghost_tenant", "check");
  const Token cedar = new_token("cedar", "check");
  const Token admin = new_token("*", "check,admin");
  const fs::path tokens = dir.path() / "tokens";
  write_text(tokens, ghost.file_line + "\n" + cedar.file_line + "\n" + admin.file_line + "\n");
  START_SERVER(server, kPolicies, {"--tokens", tokens.string()});
  const auto warnings = [&] {
    std::size_t count = 0;
    const std::string text = server.stderr_text();
    for (std::size_t at = text.find(R"("what":"token_tenant")"); at != std::string::npos;
         at = text.find(R"("what":"token_tenant")", at + 1)) {
      ++count;
    }
    return count;
  };
  const std::string log = server.stderr_text();
  EXPECT_EQ(warnings(), 1U) << log;
  EXPECT_NE(log.find(R"("event":"warning")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("tenant":"ghost_tenant")"), std::string::npos) << log;
  EXPECT_EQ(log.find(R"("tenant":"cedar")"), std::string::npos)
      << "a declared tenant is not warned about: " << log;

  LineClient client = connect_tcp(server);
  ASSERT_EQ(parse_answer(client.request(hello(admin.token)))["ok"], true);
  ASSERT_EQ(parse_answer(client.request(R"({"id":"r","op":"reload"})", Millis(20000)))["ok"], true);
  EXPECT_EQ(warnings(), 2U) << server.stderr_text();
}

// ------------------------------------------------------------------ tokens

struct TokenSetup {
  Token global_admin = new_token("*", "check,admin");
  Token cedar_admin = new_token("cedar", "check,admin");
  Token cedar_check_only = new_token("cedar", "check");
  Token northwind_check = new_token("northwind", "check");

  void write(const fs::path& file) const {
    write_text(file, global_admin.file_line + "\n" + cedar_admin.file_line + "\n" +
                         cedar_check_only.file_line + "\n" + northwind_check.file_line + "\n");
  }
};

TEST(ServerIntegration, TokenFileLinesAreHashes) {
  const Token token = new_token("cedar", "check,admin");
  ASSERT_FALSE(token.token.empty());
  std::istringstream fields(token.file_line);
  std::string hash, tenant, rights;
  fields >> hash >> tenant >> rights;
  EXPECT_EQ(hash.size(), 64U) << token.file_line;
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos) << token.file_line;
  EXPECT_EQ(tenant, "cedar");
  EXPECT_EQ(token.file_line.find(token.token), std::string::npos)
      << "token in clear in the token file";
}

TEST(ServerIntegration, UnauthenticatedUntilHello) {
  TempDir dir;
  const TokenSetup tokens;
  tokens.write(dir.path() / "tokens");
  START_SERVER(server, kPolicies, {"--tokens", (dir.path() / "tokens").string()});
  LineClient client = connect_tcp(server);
  const json before = parse_answer(client.request(cedar_check("1", "u1")));
  EXPECT_EQ(error_code(before), "unauthenticated") << before;
  EXPECT_EQ(before["decision"], "deny") << before;
  EXPECT_EQ(error_code(parse_answer(client.request(R"({"op":"stats"})"))), "unauthenticated");
  EXPECT_EQ(parse_answer(client.request(R"({"op":"health"})"))["ok"],
            true);  // health needs no hello
  const json wrong = parse_answer(client.request(hello("not-a-token")));
  EXPECT_EQ(error_code(wrong), "unauthenticated") << wrong;
  const json ok = parse_answer(client.request(hello(tokens.cedar_check_only.token)));
  EXPECT_EQ(ok["ok"], true) << ok;
  EXPECT_EQ(ok["tenant"], "cedar") << ok;
  EXPECT_TRUE(ok.contains("version")) << ok;
  EXPECT_EQ(parse_answer(client.request(cedar_check("2", "u1")))["decision"], "allow");

  LineClient global = connect_tcp(server);
  const json global_hello = parse_answer(global.request(hello(tokens.global_admin.token)));
  EXPECT_EQ(global_hello["ok"], true) << global_hello;
  EXPECT_TRUE(global_hello["tenant"].is_null()) << global_hello;
  EXPECT_EQ(parse_answer(global.request(tenant_check("3", "northwind", "n1")))["decision"],
            "allow");
}

// A failed hello leaves no rights; failed hellos are logged (with the
// peer, never the token) and counted, and the third on a connection closes it.
TEST(ServerIntegration, FailedHellosLeaveNoRightsAndTheThirdClosesTheConnection) {
  TempDir dir;
  const TokenSetup tokens;
  tokens.write(dir.path() / "tokens");
  START_SERVER(server, kPolicies, {"--tokens", (dir.path() / "tokens").string()});
  LineClient client = connect_tcp(server);
  ASSERT_EQ(parse_answer(client.request(hello(tokens.cedar_admin.token)))["ok"], true);
  EXPECT_EQ(error_code(parse_answer(client.request(hello("guess-one")))), "unauthenticated");
  const json after = parse_answer(client.request(cedar_check("1", "u1")));
  EXPECT_EQ(error_code(after), "unauthenticated") << after;
  EXPECT_EQ(after["decision"], "deny") << after;
  EXPECT_EQ(error_code(parse_answer(client.request(hello("guess-two")))), "unauthenticated");
  const json third = parse_answer(client.request(hello("guess-three")));
  EXPECT_EQ(error_code(third), "unauthenticated") << third;
  EXPECT_TRUE(client.wait_closed(Millis(10000))) << "the third failed hello must close";

  const std::string log = server.stderr_text();
  EXPECT_NE(log.find(R"("what":"hello_failed","peer":"127.0.0.1:)"), std::string::npos) << log;
  EXPECT_EQ(log.find("guess-"), std::string::npos) << "a presented token was logged";
  LineClient admin = connect_tcp(server);
  ASSERT_EQ(parse_answer(admin.request(hello(tokens.global_admin.token)))["ok"], true);
  const json stats = parse_answer(admin.request(R"({"op":"stats"})"));
  EXPECT_EQ(stats["failed_hellos"], 3) << stats;
}

TEST(ServerIntegration, TenantTokenAskingAboutAnotherTenantIsForbidden) {
  TempDir dir;
  const TokenSetup tokens;
  tokens.write(dir.path() / "tokens");
  START_SERVER(server, kPolicies, {"--tokens", (dir.path() / "tokens").string()});
  LineClient client = connect_tcp(server);
  ASSERT_EQ(parse_answer(client.request(hello(tokens.cedar_check_only.token)))["ok"], true);
  const json other = parse_answer(client.request(tenant_check("1", "northwind", "n1")));
  EXPECT_EQ(error_code(other), "forbidden") << other;
  EXPECT_EQ(other["decision"], "deny") << other;
  const json in_batch = parse_answer(client.request(
      R"({"id":2,"op":"batch","requests":[)" + tenant_check("\"x\"", "northwind", "n1") + "]}"));
  EXPECT_NE(in_batch.dump().find("forbidden"), std::string::npos) << in_batch;
  EXPECT_EQ(in_batch.dump().find("\"allow\""), std::string::npos) << in_batch;
  EXPECT_EQ(parse_answer(client.request(cedar_check("3", "u1")))["decision"],
            "allow");  // own tenant still fine
  // check rights only: no admin ops.
  EXPECT_EQ(error_code(parse_answer(client.request(R"({"op":"reload"})"))), "forbidden");
  EXPECT_EQ(error_code(parse_answer(client.request(
                R"({"op":"set_feature","tenant":"cedar","feature":"margin","state":"on"})"))),
            "forbidden");
}

TEST(ServerIntegration, PartnerAdminCannotFlipAnotherTenantsFeature) {
  TempDir dir;
  const TokenSetup tokens;
  tokens.write(dir.path() / "tokens");
  START_SERVER(server, kPolicies,
               {"--tokens", (dir.path() / "tokens").string(), "--state",
                (dir.path() / "state.json").string()});
  LineClient client = connect_tcp(server);
  ASSERT_EQ(parse_answer(client.request(hello(tokens.cedar_admin.token)))["ok"], true);
  const json other = parse_answer(client.request(
      R"({"id":1,"op":"set_feature","tenant":"northwind","feature":"beta_ui","state":"on"})"));
  EXPECT_EQ(error_code(other), "forbidden") << other;
  const json own = parse_answer(client.request(
      R"({"id":2,"op":"set_feature","tenant":"cedar","feature":"margin","state":"on"})"));
  EXPECT_EQ(own["ok"], true) << own;
  EXPECT_EQ(error_code(parse_answer(client.request(R"({"op":"reload"})"))),
            "forbidden");  // global admin only
  const json state = json::parse(read_text(dir.path() / "state.json"), nullptr, false);
  EXPECT_FALSE(state.is_object() && state["features"].contains("northwind")) << state;
}

// ------------------------------------------------------------------ reload

void copy_policies(const fs::path& to) { fs::copy(kPolicies, to, fs::copy_options::recursive); }

TEST(ServerIntegration, ReloadWithBrokenPolicySetKeepsOldOne) {
  TempDir dir;
  const fs::path policies = dir.path() / "policies";
  copy_policies(policies);
  START_SERVER(server, policies.string(), {});
  LineClient client = connect_tcp(server);
  const json health = parse_answer(client.request(R"({"op":"health"})"));
  const std::string good = parse_answer(client.request(cedar_check("1", "u1"))).dump();

  const fs::path cedar = policies / "tenants" / "cedar.tenet";
  const std::string original = read_text(cedar);
  write_text(cedar, original + "\ntenant broken extends nowhere { role ; }\n");
  // A broken partner unit is refused alone (docs/UNITS.md): the reload
  // answers ok, names the unit and why, and cedar keeps its old revision.
  const json refused = parse_answer(client.request(R"({"id":"r","op":"reload"})", Millis(20000)));
  EXPECT_TRUE(refused.value("ok", false)) << refused;
  ASSERT_TRUE(refused["units"].is_array()) << refused;
  bool cedar_refused = false;
  for (const json& unit : refused["units"]) {
    if (unit["tenant"] == "cedar" && unit["outcome"] == "refused") cedar_refused = true;
    EXPECT_EQ(unit["outcome"], "refused") << refused;
  }
  EXPECT_TRUE(cedar_refused) << refused;
  EXPECT_NE(refused.dump().find("cedar.tenet"), std::string::npos)
      << "diagnostics should name the file: " << refused;
  EXPECT_EQ(parse_answer(client.request(cedar_check("1", "u1"))).dump(),
            good);  // the old rules keep serving, at the old revision
  EXPECT_EQ(parse_answer(client.request(R"({"op":"health"})"))["policy_version"],
            health["policy_version"].get<int>() + 1);

  // SIGHUP with the broken set: also refused, still serving.
  server.signal(SIGHUP);
  std::this_thread::sleep_for(Millis(500));
  EXPECT_TRUE(server.running());
  EXPECT_EQ(parse_answer(client.request(cedar_check("1", "u1"))).dump(), good);

  write_text(cedar, original);
  const json fixed = parse_answer(client.request(R"({"op":"reload"})", Millis(20000)));
  EXPECT_EQ(fixed["ok"], true) << fixed;
}

// Adds a rule to a tenant file (before its last '}').
std::string with_marker(const std::string& text) {
  const std::size_t end = text.rfind('}');
  return text.substr(0, end) +
         "  @id(\"reload-marker\") permit read on document when resource.classification == "
         "\"internal\";\n" +
         text.substr(end);
}

TEST(ServerIntegration, ReloadWhileFourClientsHammer) {
  TempDir dir;
  const fs::path policies = dir.path() / "policies";
  copy_policies(policies);
  const fs::path cedar = policies / "tenants" / "cedar.tenet";
  const fs::path lumen = policies / "tenants" / "lumen.tenet";
  const std::string cedar_a = read_text(cedar), lumen_a = read_text(lumen);
  const std::string cedar_b = with_marker(cedar_a), lumen_b = with_marker(lumen_a);
  START_SERVER(server, policies.string(), {"--threads", "2"});

  // Each request is a batch over two tenants: version A denies both
  // (no_permit), version B allows both (reload-marker). A mixed answer would be
  // a half-loaded set.
  const std::string request_tail = R"(,"op":"batch","requests":[)" +
                                   tenant_check("\"c\"", "cedar", "other") + "," +
                                   tenant_check("\"l\"", "lumen", "other") + "]}";
  constexpr int kClients = 4, kMaxRounds = 2000, kPipeline = 25, kReloads = 10;
  std::atomic<int> failures{0}, answered{0}, seen_a{0}, seen_b{0}, rounds_done{0},
      hammers_finished{0};
  std::atomic<bool> reloads_done{false};
  std::string first_failure;
  std::mutex failure_mutex;
  std::vector<std::thread> hammers;
  for (int c = 0; c < kClients; ++c) {
    hammers.emplace_back([&, c] {
      std::optional<LineClient> client = LineClient::tcp(server.tcp_port());
      if (!client) {
        ++failures;
        ++hammers_finished;
        return;
      }
      for (int round = 0; round < kMaxRounds && !reloads_done.load(); ++round) {
        std::string payload;
        for (int i = 0; i < kPipeline; ++i)
          payload +=
              "{\"id\":" + std::to_string(c * 1000000 + round * 100 + i) + request_tail + "\n";
        const std::vector<std::string> got = client->round_trip(payload, kPipeline, Millis(20000));
        for (int i = 0; i < kPipeline; ++i) {
          const json r = i < static_cast<int>(got.size())
                             ? json::parse(got[static_cast<std::size_t>(i)], nullptr, false)
                             : json();
          const bool ok =
              r.is_object() && r["id"] == c * 1000000 + round * 100 + i && r["results"].size() == 2;
          const std::string d0 = ok ? r["results"][0].value("decision", "") : "";
          const std::string d1 = ok ? r["results"][1].value("decision", "") : "";
          if (!ok || d0 != d1 || r.dump().find("error") != std::string::npos) {
            ++failures;
            const std::lock_guard lock(failure_mutex);
            if (first_failure.empty()) first_failure = r.dump();
          } else {
            ++answered;
            (d0 == "allow" ? seen_b : seen_a)++;
          }
        }
        ++rounds_done;
      }
      ++hammers_finished;
    });
  }
  LineClient admin = connect_tcp(server);
  int reloads = 0;
  for (int i = 0; i < kReloads; ++i) {
    write_text(cedar, i % 2 == 0 ? cedar_b : cedar_a);
    write_text(lumen, i % 2 == 0 ? lumen_b : lumen_a);
    const json r = parse_answer(admin.request(R"({"op":"reload"})", Millis(60000)));
    EXPECT_EQ(r["ok"], true) << r;
    ++reloads;
    // Let the hammers answer on this version: at most kClients rounds were
    // in flight when the reload answered, so kClients + 1 more rounds
    // include one sent after it (so both versions are seen, however slow
    // the machine; the wait is bounded).
    const int rounds_after_reload = rounds_done.load();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (rounds_done.load() < rounds_after_reload + kClients + 1 &&
           hammers_finished.load() < kClients && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(Millis(5));
  }
  reloads_done = true;
  for (std::thread& t : hammers) t.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;
  EXPECT_GT(answered.load(), 0);
  EXPECT_EQ(reloads, kReloads);
  EXPECT_GT(seen_a.load(), 0) << "no answer from the original set";
  EXPECT_GT(seen_b.load(), 0) << "no answer from the reloaded set";
  RecordProperty("answers_from_a", seen_a.load());
  RecordProperty("answers_from_b", seen_b.load());
}

// ------------------------------------------------------------------ durability and shutdown

// With a single I/O thread, a reload that takes a while (3,000 more tenants
// to compile) runs on the admin thread: another connection keeps getting
// answers until the reload answers. Were the compile on the I/O thread, the
// first check would only be answered after the reload.
TEST(ServerIntegration, ReloadDoesNotStallServingWithOneIoThread) {
  TempDir dir;
  const fs::path policies = dir.path() / "policies";
  copy_policies(policies);
  std::string bulk;
  for (int i = 0; i < 3000; ++i)
    bulk += "tenant bulk" + std::to_string(i) + " extends retail_standard {\n}\n";
  write_text(policies / "tenants" / "bulk.tenet", bulk);
  START_SERVER(server, policies.string(), {"--threads", "1"});
  LineClient admin = connect_tcp(server);
  LineClient user = connect_tcp(server);
  const std::optional<std::string> warm = user.request(cedar_check("0", "u1"));
  ASSERT_TRUE(warm) << user.error();

  // A change to the platform part: the reload recompiles every partner.
  write_text(policies / "schema.tenet", read_text(policies / "schema.tenet") + "\n// touched\n");
  ASSERT_TRUE(admin.send_all(R"({"id":"r","op":"reload"})"
                             "\n"));
  // Long enough for the server to have read the reload line (an I/O thread
  // that compiled it itself would answer nothing more until the end), far
  // shorter than the compile of 3,000 tenants.
  std::this_thread::sleep_for(Millis(50));
  int answered_during_reload = 0;
  std::optional<std::string> reloaded;
  const auto deadline = std::chrono::steady_clock::now() + Millis(60000);  // bounded
  while (!reloaded && std::chrono::steady_clock::now() < deadline) {
    const std::optional<std::string> answer = user.request(cedar_check("1", "u1"), Millis(60000));
    ASSERT_TRUE(answer) << user.error();
    EXPECT_EQ(parse_answer(*answer)["decision"], "allow") << *answer;
    reloaded = admin.read_line(Millis(2));  // a short poll: is the reload answered yet?
    if (!reloaded) ++answered_during_reload;
  }
  if (!reloaded) reloaded = admin.read_line(Millis(60000));
  ASSERT_TRUE(reloaded) << admin.error();
  EXPECT_EQ(parse_answer(*reloaded)["ok"], true) << *reloaded;
  EXPECT_GE(answered_during_reload, 1) << "no check was answered while the reload compiled";
}

TEST(ServerIntegration, SetFeatureSurvivesRestart) {
  TempDir dir;
  const std::string state = (dir.path() / "state.json").string();
  {
    START_SERVER(server, kPolicies, {"--state", state});
    LineClient client = connect_tcp(server);
    EXPECT_EQ(parse_answer(client.request(cedar_features("1")))["features"].dump().find("margin"),
              std::string::npos);
    const json set = parse_answer(client.request(
        R"({"id":2,"op":"set_feature","tenant":"cedar","feature":"margin","state":"on"})"));
    ASSERT_EQ(set["ok"], true) << set;
    // Persisted before ok: the file says so already.
    const json file = json::parse(read_text(state), nullptr, false);
    EXPECT_EQ(file["features"]["cedar"]["margin"], "on") << file;
    // Survives a reload too.
    EXPECT_EQ(parse_answer(client.request(R"({"op":"reload"})", Millis(20000)))["ok"], true);
    EXPECT_NE(parse_answer(client.request(cedar_features("3")))["features"].dump().find("margin"),
              std::string::npos);
    server.signal(SIGTERM);
    EXPECT_EQ(server.wait_exit(Millis(60000)), 0);
  }
  START_SERVER(restarted, kPolicies, {"--state", state});
  LineClient client = connect_tcp(restarted);
  const json features = parse_answer(client.request(cedar_features("4")));
  EXPECT_NE(features["features"].dump().find("margin"), std::string::npos) << features;
  const json reset = parse_answer(client.request(
      R"({"id":5,"op":"set_feature","tenant":"cedar","feature":"margin","state":"default"})"));
  EXPECT_EQ(reset["ok"], true) << reset;
  EXPECT_EQ(parse_answer(client.request(cedar_features("6")))["features"].dump().find("margin"),
            std::string::npos);
}

// Without --state a switch would be lost on restart: refused, not acknowledged.
TEST(ServerIntegration, SetFeatureWithoutStateFileIsRefused) {
  START_SERVER(server, kPolicies, {});
  LineClient client = connect_tcp(server);
  const json set = parse_answer(client.request(
      R"({"id":1,"op":"set_feature","tenant":"cedar","feature":"margin","state":"on"})"));
  EXPECT_EQ(error_code(set), "forbidden") << set;
  EXPECT_NE(set["error"]["message"].get<std::string>().find("--state"), std::string::npos) << set;
  EXPECT_EQ(parse_answer(client.request(cedar_features("2")))["features"].dump().find("margin"),
            std::string::npos);
}

// One partner flooding set_feature from many connections must not make
// another partner's set_feature wait for the whole backlog. A reload of a
// larger policy set holds the admin thread (~0.1 s; a second under ASan)
// while every flooding connection queues a set_feature (one job at a time
// each: a connection waits for an answer before its next line) and then the
// other partner queues one. The admin thread logs each set_feature as it
// runs it: counted in that log, the flood's jobs run between the moment the
// other partner asked and its own must be few (tenants in turn: about one),
// not the flood's queue (first in, first out: one per flooding connection).
TEST(ServerIntegration, SetFeatureFloodOfOneTenantDoesNotStarveAnother) {
  TempDir dir;
  const fs::path policies = dir.path() / "policies";
  copy_policies(policies);
  std::string bulk;  // a reload that takes a while
  for (int i = 0; i < 500; ++i)
    bulk += "tenant bulk" + std::to_string(i) + " extends retail_standard {\n}\n";
  write_text(policies / "tenants" / "bulk.tenet", bulk);
  START_SERVER(server, policies.string(),
               {"--threads", "2", "--state", (dir.path() / "state.json").string()});
  constexpr int kFlooders = 32;
  constexpr int kLinesEach = 3;
  std::vector<LineClient> flooders;
  for (int c = 0; c < kFlooders; ++c) flooders.push_back(connect_tcp(server));
  LineClient admin = connect_tcp(server);
  LineClient other = connect_tcp(server);
  // Every session is up (accepted and reading) before the reload is sent.
  for (LineClient& client : flooders)
    ASSERT_EQ(parse_answer(client.request(R"({"op":"health"})"))["ok"], true);
  ASSERT_EQ(parse_answer(admin.request(R"({"op":"health"})"))["ok"], true);
  ASSERT_EQ(parse_answer(other.request(R"({"op":"health"})"))["ok"], true);
  // Changed after the start, so the reload recompiles the 500 tenants of
  // that file (an unchanged directory reloads in no time since partner
  // units, and the flood would not queue behind it).
  write_text(policies / "tenants" / "bulk.tenet", bulk + "// changed\n");

  const std::string cedar_ran = R"({"event":"set_feature","tenant":"cedar")";
  const auto count = [&](const std::string& text) {
    std::size_t n = 0;
    for (std::size_t at = text.find(cedar_ran); at != std::string::npos;
         at = text.find(cedar_ran, at + 1)) {
      ++n;
    }
    return n;
  };
  ASSERT_TRUE(admin.send_all("{\"op\":\"reload\"}\n"));
  for (int c = 0; c < kFlooders; ++c) {
    std::string lines;
    for (int i = 0; i < kLinesEach; ++i) {
      lines += std::string(R"({"op":"set_feature","tenant":"cedar","feature":"margin","state":")") +
               ((c + i) % 2 == 0 ? "on" : "off") + "\"}\n";
    }
    ASSERT_TRUE(flooders[static_cast<std::size_t>(c)].send_all(lines));
  }
  const std::size_t ran_before_asking = count(server.stderr_text());
  const json set = parse_answer(
      other.request(R"({"op":"set_feature","tenant":"northwind","feature":"beta_ui","state":"on"})",
                    Millis(60000)));
  ASSERT_EQ(set["ok"], true) << set;
  EXPECT_EQ(parse_answer(admin.read_line(Millis(60000)))["ok"], true);
  for (LineClient& flooder : flooders) {
    EXPECT_EQ(flooder.read_lines(kLinesEach, Millis(60000)).size(),
              static_cast<std::size_t>(kLinesEach));
  }
  const std::string log = server.stderr_text();
  const std::size_t other_at = log.find(R"({"event":"set_feature","tenant":"northwind")");
  ASSERT_NE(other_at, std::string::npos) << log;
  const std::size_t waited_for = count(log.substr(0, other_at)) - ran_before_asking;
  EXPECT_LE(waited_for, 6U) << "the other tenant's set_feature waited for " << waited_for
                            << " of the flood's jobs";
}

TEST(ServerIntegration, SigtermWhileBusyAnswersEverythingSent) {
  // The drain must not run out of time on a slow machine (ASan, load): a
  // deadline far beyond the work; a drain cut short would exit 3, not 0.
  START_SERVER(server, kPolicies, {"--threads", "2", "--drain-timeout", "600"});
  constexpr int kClients = 3, kCount = 20000;
  std::atomic<int> all_sent{0};
  std::vector<std::vector<std::string>> answers(kClients);
  std::vector<LineClient> clients;
  for (int c = 0; c < kClients; ++c) clients.push_back(connect_tcp(server));
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      std::string payload;
      for (int i = 0; i < kCount; ++i) payload += cedar_check(std::to_string(i), "u1") + "\n";
      answers[static_cast<std::size_t>(c)] = clients[static_cast<std::size_t>(c)].round_trip(
          payload, kCount, Millis(300000), [&] { ++all_sent; });
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  while (all_sent.load() < kClients && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(Millis(1));
  EXPECT_EQ(all_sent.load(), kClients);  // not ASSERT: the threads must be joined
  EXPECT_TRUE(server.signal(SIGTERM));
  for (std::thread& t : threads) t.join();
  // SIGTERM goes out as soon as every byte is in the sockets, usually with
  // thousands of requests still unanswered: all of them must come back.
  for (int c = 0; c < kClients; ++c) {
    const std::vector<std::string>& got = answers[static_cast<std::size_t>(c)];
    EXPECT_EQ(got.size(), static_cast<std::size_t>(kCount)) << "client " << c;
    for (std::size_t i = 0; i < got.size(); ++i) {
      const json r = json::parse(got[i], nullptr, false);
      ASSERT_EQ(r["id"], static_cast<int>(i));
      ASSERT_EQ(r["decision"], "allow") << r;
    }
  }
  EXPECT_EQ(server.wait_exit(Millis(120000)), 0) << server.stderr_text();
  EXPECT_FALSE(LineClient::tcp(server.tcp_port(), Millis(1000)).has_value())
      << "still accepting after SIGTERM";
}

TEST(ServerIntegration, RefusesNonLoopbackWithoutTokens) {
  ServerProcess server(kBinary, {kPolicies, "--listen", "0.0.0.0:0"}, 1, Millis(3000));
  EXPECT_FALSE(server.started());
  EXPECT_NE(server.wait_exit(Millis(5000)).value_or(0), 0) << server.stderr_text();
}

// ------------------------------------------------------------------ what reload reads

// Points `link` at `target` atomically, as a deploy does: a new link renamed
// over the old one.
void swap_symlink(const fs::path& link, const fs::path& target) {
  const fs::path next = link.string() + ".next";
  std::error_code ignored;
  fs::remove(next, ignored);
  fs::create_directory_symlink(target, next);
  fs::rename(next, link);
}

// Reloads while a deploy flips `current` between two releases as fast as it
// can: each reload serves one release whole, never tenants of both (before,
// the folder was listed through the link once and each file opened through
// it again). Bounded: 30 reloads, and the deployer stops with them.
TEST(ServerIntegration, ReloadDuringSymlinkSwapsServesOneReleaseAtATime) {
  TempDir dir;
  constexpr int kFiles = 40;
  const std::vector<std::string> releases{"v1", "v2"};
  for (const std::string& release : releases) {
    fs::create_directories(dir.path() / release / "tenants");
    write_text(dir.path() / release / "schema.tenet",
               "schema { principal { } resource document { owner: string; }\n"
               "  actions read on document; }\n");
    for (int i = 0; i < kFiles; ++i) {
      const std::string name = "t" + std::to_string(i);
      write_text(dir.path() / release / "tenants" / (name + ".tenet"),
                 "tenant " + name + "_" + release + " { role r; permit read on document; }\n");
    }
  }
  const fs::path current = dir.path() / "current";
  fs::create_directory_symlink(dir.path() / "v1", current);
  START_SERVER(server, current.string(), {});
  LineClient client = connect_tcp(server);

  // One batch asks every tenant of both releases; the ids say which.
  std::string batch = R"({"op":"batch","requests":[)";
  for (const std::string& release : releases) {
    for (int i = 0; i < kFiles; ++i) {
      const std::string tenant = "t" + std::to_string(i) + "_" + release;
      if (batch.back() == '}') batch += ',';
      batch += R"({"id":")" + release + R"(","op":"plans","tenant":")" + tenant +
               R"(","principal":{"id":"u","role":"r"}})";
    }
  }
  batch += "]}";

  std::atomic<bool> stop{false};
  std::atomic<int> swaps{0};
  std::thread deployer([&] {
    for (int i = 0; i < 1'000'000 && !stop.load(); ++i) {
      swap_symlink(current, dir.path() / releases[static_cast<std::size_t>(i % 2 == 0)]);
      ++swaps;
    }
  });
  int mixed = 0;
  for (int reload = 0; reload < 30; ++reload) {
    // At least one swap since the last reload (bounded wait: the deployer may be slow to start).
    const int seen = swaps.load();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (swaps.load() == seen && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(Millis(1));
    const json reloaded =
        parse_answer(client.request(R"({"op":"reload","allow_removal":true})", Millis(30000)));
    ASSERT_EQ(reloaded["ok"], true) << reloaded;
    const json answers = parse_answer(client.request(batch, Millis(30000)));
    ASSERT_TRUE(answers.contains("results")) << answers;
    std::map<std::string, int> known;
    for (const json& answer : answers["results"]) {
      if (answer.dump().find("unknown_tenant") == std::string::npos) ++known[answer["id"]];
    }
    const bool pure =
        (known["v1"] == kFiles && known["v2"] == 0) || (known["v1"] == 0 && known["v2"] == kFiles);
    if (!pure) ++mixed;
    EXPECT_TRUE(pure) << "reload " << reload << " serves " << known["v1"] << " tenants of v1 and "
                      << known["v2"] << " of v2";
  }
  stop = true;
  deployer.join();
  RecordProperty("swaps", swaps.load());
  EXPECT_GE(swaps.load(), 30);
  EXPECT_EQ(mixed, 0);
}

// A FIFO named *.tenet in the policy folder: before, the reload opened it and
// waited for a writer forever, on the admin thread, so `reload`,
// `set_feature` and the drain of SIGTERM all waited with it.
TEST(ServerIntegration, FifoInThePolicyFolderDoesNotHangTheAdminThread) {
  TempDir dir;
  const fs::path policies = dir.path() / "policies";
  copy_policies(policies);
  START_SERVER(server, policies.string(), {"--state", (dir.path() / "state.json").string()});
  LineClient client = connect_tcp(server);
  ASSERT_EQ(::mkfifo((policies / "tenants" / "pipe.tenet").c_str(), 0644), 0);

  const json reload = parse_answer(client.request(R"({"id":1,"op":"reload"})", Millis(20000)));
  EXPECT_EQ(error_code(reload), "invalid_request") << reload;
  EXPECT_NE(reload.dump().find("pipe.tenet: not a regular file (a FIFO)"), std::string::npos)
      << reload;
  const json set = parse_answer(client.request(
      R"({"id":2,"op":"set_feature","tenant":"cedar","feature":"margin","state":"on"})",
      Millis(20000)));
  EXPECT_TRUE(set.is_object() && set.contains("ok") && set["ok"] == true) << set;
  EXPECT_EQ(
      parse_answer(client.request(cedar_check("3", "u1"))).dump().find(R"("decision":"allow")") !=
          std::string::npos,
      true);
  ASSERT_TRUE(server.signal(SIGTERM));
  EXPECT_EQ(server.wait_exit(Millis(20000)), 0) << server.stderr_text();
}

// A tenant file cut down to its comments (a botched upload, a half-synced
// checkout) compiles, so the reload used to drop that partner without a
// word. The reload op refuses it unless told `allow_removal`; SIGHUP always
// refuses it. Both name the tenants.
TEST(ServerIntegration, ReloadThatRemovesATenantIsRefusedUnlessAllowed) {
  TempDir dir;
  const fs::path policies = dir.path() / "policies";
  copy_policies(policies);
  START_SERVER(server, policies.string(), {});
  LineClient client = connect_tcp(server);
  const std::string cedar_allowed = parse_answer(client.request(cedar_check("1", "u1"))).dump();
  ASSERT_NE(cedar_allowed.find("allow"), std::string::npos) << cedar_allowed;
  const json before = parse_answer(client.request(R"({"op":"health"})"));

  write_text(policies / "tenants" / "cedar.tenet", "// Cedar Markets: gone for now.\n");
  const json refused = parse_answer(client.request(R"({"id":"r","op":"reload"})", Millis(20000)));
  EXPECT_EQ(error_code(refused), "invalid_request") << refused;
  EXPECT_EQ(refused["removed_tenants"], json::array({"cedar"})) << refused;
  EXPECT_NE(refused.dump().find("allow_removal"), std::string::npos) << refused;
  EXPECT_EQ(refused["policy_version"], before["policy_version"]) << refused;
  EXPECT_EQ(parse_answer(client.request(cedar_check("1", "u1"))).dump(), cedar_allowed);

  // SIGHUP: refused as well, and logged with the tenant's name.
  ASSERT_TRUE(server.signal(SIGHUP));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (server.stderr_text().find(R"("removed_tenants":"cedar")") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(Millis(20));
  }
  EXPECT_NE(server.stderr_text().find(R"("removed_tenants":"cedar")"), std::string::npos)
      << server.stderr_text();
  EXPECT_EQ(parse_answer(client.request(R"({"op":"health"})"))["policy_version"],
            before["policy_version"]);
  EXPECT_EQ(parse_answer(client.request(cedar_check("1", "u1"))).dump(), cedar_allowed);

  const json allowed = parse_answer(
      client.request(R"({"id":"r2","op":"reload","allow_removal":true})", Millis(20000)));
  EXPECT_EQ(allowed["ok"], true) << allowed;
  EXPECT_EQ(allowed["removed_tenants"], json::array({"cedar"})) << allowed;
  EXPECT_NE(parse_answer(client.request(cedar_check("1", "u1"))).dump().find("unknown_tenant"),
            std::string::npos);
}

// ------------------------------------------------------------------ start-up validation

// `tenet serve` with these extra arguments must exit 2 before listening,
// with a message that contains every one of `expected`.
void expect_refused_at_start(const std::vector<std::string>& arguments,
                             const std::vector<std::string>& expected) {
  std::vector<std::string> all{kPolicies, "--listen", "127.0.0.1:0"};
  all.insert(all.end(), arguments.begin(), arguments.end());
  ServerProcess server(kBinary, all, 1, Millis(10000));
  EXPECT_FALSE(server.started()) << arguments.back();
  EXPECT_EQ(server.wait_exit(Millis(10000)), 2) << server.stderr_text();
  for (const std::string& text : expected)
    EXPECT_NE(server.stderr_text().find(text), std::string::npos) << server.stderr_text();
}

TEST(ServerIntegration, StartRefusesAStateFileItCouldNeverWrite) {
  TempDir dir;
  const std::string missing = (dir.path() / "no-such-dir" / "state.json").string();
  expect_refused_at_start({"--state", missing}, {missing, "no-such-dir", "does not exist"});
  expect_refused_at_start({"--state", dir.path().string()},
                          {dir.path().string(), "is a directory"});
}

TEST(ServerIntegration, StartRefusesAStateFileWithAnUnknownKey) {
  TempDir dir;
  const fs::path state = dir.path() / "state.json";
  write_text(state, R"({"feature":{"cedar":{"margin":"on"}}})");
  expect_refused_at_start({"--state", state.string()}, {state.string(), "unknown key \"feature\""});
}

TEST(ServerIntegration, StartRefusesAnEmptyOrMissingTokenFile) {
  TempDir dir;
  const fs::path empty = dir.path() / "tokens";
  write_text(empty, "# no tokens yet\n\n");
  expect_refused_at_start({"--tokens", empty.string()}, {empty.string(), "no tokens"});
  expect_refused_at_start({"--tokens", dir.path().string()},
                          {dir.path().string(), "is a directory"});
  const std::string missing = (dir.path() / "missing").string();
  expect_refused_at_start({"--tokens", missing}, {missing, "No such file or directory"});
}

}  // namespace
