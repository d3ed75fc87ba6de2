// The C ABI (tenet.h / libtenet.so) through its exported functions only:
// the embedded engine on the shipped policies/, and the remote client against
// a real `tenet serve` on an ephemeral 127.0.0.1 port and on a Unix socket —
// every op, a tenant-scoped token, protocol errors, a server that stops
// answering and one that restarts. Every wait is bounded.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bindings/cpp/tests/scripted_server.hpp"
#include "tenet/tenet.h"
#include "tests/support/command_output.hpp"
#include "tests/support/json_answer.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using tenet::test_support::command_output;
using tenet::test_support::TempDir;

namespace fs = std::filesystem;
using nlohmann::json;
using tenet::test_support::error_code;
using tenet::test_support::Millis;
using tenet::test_support::ServerProcess;

const std::string kBinary = tenet::test_support::tenet_binary(TENET_BINARY);
const std::string kPolicies = std::string(TENET_SOURCE_DIR) + "/policies";

// ------------------------------------------------------------------ helpers

struct ErrorFree {
  void operator()(tenet_error* e) const { tenet_error_free(e); }
};
struct EngineClose {
  void operator()(tenet_engine* e) const { tenet_engine_close(e); }
};
struct ClientClose {
  void operator()(tenet_client* c) const { tenet_client_close(c); }
};
using ErrorPtr = std::unique_ptr<tenet_error, ErrorFree>;
using EnginePtr = std::unique_ptr<tenet_engine, EngineClose>;
using ClientPtr = std::unique_ptr<tenet_client, ClientClose>;

// The result of one call: status, response line (parsed), error message.
struct Answer {
  tenet_status status = TENET_INTERNAL;
  std::string line;
  std::string message;
  [[nodiscard]] json body() const { return json::parse(line, nullptr, false); }
};

Answer engine_call(const tenet_engine* engine, const std::string& request) {
  Answer answer;
  char* response = nullptr;
  std::size_t length = 0;
  tenet_error* raw_error = nullptr;
  answer.status =
      tenet_engine_call(engine, request.data(), request.size(), &response, &length, &raw_error);
  const ErrorPtr error(raw_error);
  if (response != nullptr) {
    answer.line.assign(response, length);
    EXPECT_EQ(std::string(response).size(), length) << "NUL-terminated at its length";
    tenet_string_free(response);
  }
  if (error) answer.message = tenet_error_message(error.get());
  EXPECT_EQ(answer.status == TENET_OK, error == nullptr)
      << "an error object exactly when the call fails";
  return answer;
}

Answer client_call(tenet_client* client, const std::string& request) {
  Answer answer;
  char* response = nullptr;
  std::size_t length = 0;
  tenet_error* raw_error = nullptr;
  answer.status =
      tenet_client_call(client, request.data(), request.size(), &response, &length, &raw_error);
  const ErrorPtr error(raw_error);
  if (response != nullptr) {
    answer.line.assign(response, length);
    tenet_string_free(response);
  }
  if (error) {
    answer.message = tenet_error_message(error.get());
    EXPECT_EQ(tenet_error_status(error.get()), answer.status);
  }
  return answer;
}

// --- the requests: acme's README scenario, then one of every decision op

const std::string kAlice =
    R"("principal":{"id":"alice","role":"basic","attrs":{"kyc":"verified","account_age_days":40,"country":"DE","tags":[]}})";
const std::string kGuest =
    R"("principal":{"id":"bob","role":"guest","attrs":{"kyc":"pending","account_age_days":2,"country":"FR","tags":[]}})";

std::string alice_reads(const std::string& tenant = "acme") {
  return R"({"id":1,"op":"check","tenant":")" + tenant + R"(",)" + kAlice +
         R"(,"action":"read","resource":{"type":"document","id":"doc-1","tenant":")" + tenant +
         R"(","attrs":{"owner":"alice","locked":false,"classification":"internal"}}})";
}
const std::string kGuestUpgrades =
    R"({"id":2,"op":"transition","tenant":"acme",)" + kGuest + R"(,"to":"basic"})";

std::vector<std::string> decision_requests() {
  return {
      alice_reads(),
      kGuestUpgrades,
      R"({"id":3,"op":"subscribe","tenant":"acme",)" + kAlice + R"(,"plan":"starter"})",
      R"({"id":4,"op":"plans","tenant":"acme",)" + kAlice + "}",
      R"({"id":5,"op":"features","tenant":"acme",)" + kAlice + "}",
      R"({"id":6,"op":"lifecycle","tenant":"acme",)" + kAlice +
          R"(,"resource":{"type":"subscription","id":"s1","tenant":"acme","state":"signing","attrs":{"owner":"alice","plan":"starter","overdue_days":0}},"to":"signed"})",
      R"({"id":7,"op":"batch","requests":[)" + alice_reads() + "," + kGuestUpgrades + "]}",
      // Another tenant's resource: isolation, not an error.
      R"({"id":8,"op":"check","tenant":"acme",)" + kAlice +
          R"(,"action":"read","resource":{"type":"document","id":"d7","tenant":"lumen","attrs":{"owner":"alice","locked":false,"classification":"internal"}}})",
      "this is not json",
      R"({"id":10,"op":"frobnicate"})",
  };
}

// What `tenet eval` answers: the reference the C ABI must match exactly.
std::vector<json> eval_reference(const std::vector<std::string>& requests) {
  const TempDir dir;
  std::string input;
  for (const std::string& line : requests) input += line + "\n";
  std::ofstream(dir.path() / "in.ndjson") << input;
  std::istringstream out(command_output(kBinary + " eval '" + kPolicies + "' '" +
                                        (dir.path() / "in.ndjson").string() + "'"));
  std::vector<json> lines;
  for (std::string line; std::getline(out, line);)
    lines.push_back(json::parse(line, nullptr, false));
  return lines;
}

EnginePtr open_engine(const std::string& directory) {
  tenet_engine* engine = nullptr;
  tenet_error* raw_error = nullptr;
  const tenet_status status = tenet_engine_open(directory.c_str(), &engine, &raw_error);
  const ErrorPtr error(raw_error);
  EXPECT_EQ(status, TENET_OK) << (error ? tenet_error_message(error.get()) : "");
  return EnginePtr(engine);
}

// ------------------------------------------------------------------ embedded

TEST(CEngine, ReadmeScenario) {
  const EnginePtr engine = open_engine(kPolicies);
  ASSERT_NE(engine, nullptr);
  const json read = engine_call(engine.get(), alice_reads()).body();
  EXPECT_EQ(read, json::parse(R"({"id":1,"decision":"allow","reasons":["acme:owner-reads"]})"));
  const json upgrade = engine_call(engine.get(), kGuestUpgrades).body();
  EXPECT_EQ(upgrade["decision"], "deny");
  EXPECT_EQ(upgrade["unmet"], json::parse(R"(["principal.kyc == \"verified\""])"));
}

TEST(CEngine, EveryDecisionOpAnswersAsTenetEval) {
  const EnginePtr engine = open_engine(kPolicies);
  ASSERT_NE(engine, nullptr);
  const std::vector<std::string> requests = decision_requests();
  const std::vector<json> expected = eval_reference(requests);
  ASSERT_EQ(expected.size(), requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const Answer answer = engine_call(engine.get(), requests[i]);
    EXPECT_EQ(answer.status, TENET_OK) << requests[i];
    EXPECT_EQ(answer.body(), expected[i]) << requests[i];
  }
  // Spot checks, so that a broken `tenet eval` cannot hide a broken ABI.
  EXPECT_EQ(engine_call(engine.get(), requests[7]).body()["reasons"],
            json::parse(R"(["cross_tenant"])"));
  EXPECT_EQ(error_code(engine_call(engine.get(), requests[8]).body()), "bad_json");
  EXPECT_EQ(error_code(engine_call(engine.get(), requests[9]).body()), "unknown_op");
  EXPECT_EQ(engine_call(engine.get(), requests[6]).body()["results"].size(), 2U);
}

// An action the tenant does not declare for the type (docs/LANGUAGE.md §3):
// invalid_request and deny, the message naming the action, the type and the
// tenant; `archive` is northwind's own action, not acme's.
TEST(CEngine, AnUndeclaredActionIsInvalidRequest) {
  const EnginePtr engine = open_engine(kPolicies);
  ASSERT_NE(engine, nullptr);
  std::string typo = alice_reads();
  typo.replace(typo.find(R"("action":"read")"), 15, R"("action":"raed")");
  const json misspelt = engine_call(engine.get(), typo).body();
  EXPECT_EQ(misspelt["decision"], "deny") << misspelt;
  EXPECT_EQ(error_code(misspelt), "invalid_request") << misspelt;
  EXPECT_EQ(misspelt["error"]["message"],
            "action 'raed' is not declared for resource type 'document' in tenant 'acme' (did "
            "you mean 'read'?)")
      << misspelt;
  std::string other = alice_reads();
  other.replace(other.find(R"("action":"read")"), 15, R"("action":"archive")");
  const json archive = engine_call(engine.get(), other).body();
  EXPECT_EQ(error_code(archive), "invalid_request") << archive;
  EXPECT_EQ(archive["error"]["message"],
            "action 'archive' is not declared for resource type 'document' in tenant 'acme'")
      << archive;
}

TEST(CEngine, ServerOnlyOpsAreRefusedNotCrashed) {
  const EnginePtr engine = open_engine(kPolicies);
  ASSERT_NE(engine, nullptr);
  const Answer reload = engine_call(engine.get(), R"({"op":"reload"})");
  EXPECT_EQ(reload.status, TENET_OK);
  EXPECT_EQ(error_code(reload.body()), "bad_request") << reload.line;
  const Answer empty = engine_call(engine.get(), "");
  EXPECT_EQ(empty.status, TENET_OK);
  EXPECT_FALSE(error_code(empty.body()).empty()) << empty.line;
}

TEST(CEngine, CallIntoTheCallersBuffer) {
  const EnginePtr engine = open_engine(kPolicies);
  ASSERT_NE(engine, nullptr);
  const std::string expected = engine_call(engine.get(), kGuestUpgrades).line;
  ASSERT_FALSE(expected.empty());

  std::vector<char> buffer(expected.size(), 'x');  // one byte short: no room for the NUL
  std::size_t written = 0;
  tenet_error* raw_error = nullptr;
  EXPECT_EQ(tenet_engine_call_into(engine.get(), kGuestUpgrades.data(), kGuestUpgrades.size(),
                                   buffer.data(), buffer.size(), &written, &raw_error),
            TENET_BUFFER_TOO_SMALL);
  const ErrorPtr error(raw_error);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(tenet_error_status(error.get()), TENET_BUFFER_TOO_SMALL);
  EXPECT_EQ(written, expected.size());
  EXPECT_EQ(std::string(buffer.begin(), buffer.end()), std::string(expected.size(), 'x'))
      << "left unchanged";

  buffer.assign(written + 1, 'x');
  EXPECT_EQ(tenet_engine_call_into(engine.get(), kGuestUpgrades.data(), kGuestUpgrades.size(),
                                   buffer.data(), buffer.size(), &written, nullptr),
            TENET_OK);
  EXPECT_EQ(std::string(buffer.data()), expected);
  EXPECT_EQ(written, expected.size());
}

TEST(CEngine, NullArgumentsAreRejected) {
  tenet_engine* engine = nullptr;
  tenet_error* raw_error = nullptr;
  EXPECT_EQ(tenet_engine_open(nullptr, &engine, &raw_error), TENET_INVALID_ARGUMENT);
  const ErrorPtr error(raw_error);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(tenet_error_message(error.get())).find("NULL"), std::string::npos);
  EXPECT_EQ(tenet_engine_open(kPolicies.c_str(), nullptr, nullptr), TENET_INVALID_ARGUMENT);
  char* response = nullptr;
  EXPECT_EQ(tenet_engine_call(nullptr, "{}", 2, &response, nullptr, nullptr),
            TENET_INVALID_ARGUMENT);
  EXPECT_EQ(response, nullptr);
  EXPECT_EQ(tenet_engine_reload(nullptr, nullptr), TENET_INVALID_ARGUMENT);
  EXPECT_EQ(tenet_client_connect(nullptr, nullptr, 0, nullptr, nullptr), TENET_INVALID_ARGUMENT);
  tenet_engine_close(nullptr);
  tenet_client_close(nullptr);
  tenet_error_free(nullptr);
  tenet_string_free(nullptr);
  EXPECT_STREQ(tenet_status_name(TENET_TIMEOUT), "TENET_TIMEOUT");
  EXPECT_STRNE(tenet_version(), "");
}

TEST(CEngine, OpenReportsIoAndPolicyErrors) {
  tenet_engine* engine = nullptr;
  tenet_error* raw_error = nullptr;
  EXPECT_EQ(tenet_engine_open("/nonexistent/tenet/policies", &engine, &raw_error), TENET_IO_ERROR);
  ErrorPtr error(raw_error);
  EXPECT_EQ(engine, nullptr);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(tenet_error_message(error.get())).find("/nonexistent/tenet/policies"),
            std::string::npos);

  const TempDir dir;
  std::ofstream(dir.path() / "bad.tenet") << "tenant acme {\n  role guest\n}\n";
  raw_error = nullptr;
  EXPECT_EQ(tenet_engine_open(dir.path().c_str(), &engine, &raw_error), TENET_POLICY_ERROR);
  error.reset(raw_error);
  EXPECT_EQ(engine, nullptr);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(tenet_error_message(error.get())).find("bad.tenet:"), std::string::npos)
      << tenet_error_message(error.get());
}

TEST(CEngine, ReloadSwapsAndKeepsTheOldSetOnErrors) {
  const TempDir dir;
  fs::copy(kPolicies, dir.path(), fs::copy_options::recursive);
  const EnginePtr engine = open_engine(dir.path().string());
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(engine_call(engine.get(), alice_reads()).body()["decision"], "allow");

  // A broken file: the reload fails with its diagnostics, the old set serves.
  std::ofstream(dir.path() / "tenants" / "broken.tenet")
      << "tenant broken extends nothing_here {}\n";
  tenet_error* raw_error = nullptr;
  EXPECT_EQ(tenet_engine_reload(engine.get(), &raw_error), TENET_POLICY_ERROR);
  const ErrorPtr error(raw_error);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(tenet_error_message(error.get())).find("broken.tenet"), std::string::npos);
  EXPECT_EQ(engine_call(engine.get(), alice_reads()).body()["decision"], "allow");

  // A new tenant: unknown before the reload, served after it.
  fs::remove(dir.path() / "tenants" / "broken.tenet");
  std::ofstream(dir.path() / "tenants" / "zenith.tenet")
      << "tenant zenith extends retail_standard {}\n";
  EXPECT_EQ(engine_call(engine.get(), alice_reads("zenith")).body()["reasons"],
            json::parse(R"(["unknown_tenant"])"));
  EXPECT_EQ(tenet_engine_reload(engine.get(), nullptr), TENET_OK);
  EXPECT_EQ(engine_call(engine.get(), alice_reads("zenith")).body()["decision"], "allow");
}

// A directory without any .tenet file is a policy error, as `tenet check`
// exits 1 for it (README's exit codes), not an I/O error.
TEST(CEngine, EmptyDirectoryIsAPolicyError) {
  const TempDir dir;
  tenet_engine* engine = nullptr;
  tenet_error* raw_error = nullptr;
  EXPECT_EQ(tenet_engine_open(dir.path().c_str(), &engine, &raw_error), TENET_POLICY_ERROR);
  const ErrorPtr error(raw_error);
  EXPECT_EQ(engine, nullptr);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(tenet_error_message(error.get())).find("no .tenet files in this directory"),
            std::string::npos)
      << tenet_error_message(error.get());
}

// The parse limits given to tenet_engine_open_with hold at open and on every
// reload; NULL options are the defaults.
TEST(CEngine, OpenWithParseLimitsHoldsThemOnOpenAndReload) {
  const TempDir dir;
  fs::copy(kPolicies, dir.path(), fs::copy_options::recursive);
  tenet_engine_options options{};
  options.struct_size = sizeof options;
  options.max_file_bytes = 64 * 1024;  // every shipped file is smaller
  tenet_engine* raw_engine = nullptr;
  ASSERT_EQ(tenet_engine_open_with(dir.path().c_str(), &options, &raw_engine, nullptr), TENET_OK);
  const EnginePtr engine(raw_engine);
  EXPECT_EQ(engine_call(engine.get(), alice_reads()).body()["decision"], "allow");

  // A valid file over the limit: the reload fails naming it, the old set serves.
  std::ofstream(dir.path() / "tenants" / "zenith.tenet")
      << "tenant zenith extends retail_standard {}\n"
      << std::string(options.max_file_bytes, ' ') << '\n';
  tenet_error* raw_error = nullptr;
  EXPECT_EQ(tenet_engine_reload(engine.get(), &raw_error), TENET_POLICY_ERROR);
  ErrorPtr error(raw_error);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(tenet_error_message(error.get())).find("zenith.tenet:1:1: error: file is"),
            std::string::npos)
      << tenet_error_message(error.get());
  EXPECT_EQ(engine_call(engine.get(), alice_reads("zenith")).body()["reasons"],
            json::parse(R"(["unknown_tenant"])"));

  // The same limit at open; the defaults (NULL) accept the file.
  raw_engine = nullptr;
  raw_error = nullptr;
  EXPECT_EQ(tenet_engine_open_with(dir.path().c_str(), &options, &raw_engine, &raw_error),
            TENET_POLICY_ERROR);
  error.reset(raw_error);
  EXPECT_EQ(raw_engine, nullptr);
  ASSERT_EQ(tenet_engine_open_with(dir.path().c_str(), nullptr, &raw_engine, nullptr), TENET_OK);
  const EnginePtr unlimited(raw_engine);
  EXPECT_EQ(engine_call(unlimited.get(), alice_reads("zenith")).body()["decision"], "allow");

  // Options without their size are refused, not half read.
  tenet_engine_options unsized{};
  raw_engine = nullptr;
  EXPECT_EQ(tenet_engine_open_with(dir.path().c_str(), &unsized, &raw_engine, nullptr),
            TENET_INVALID_ARGUMENT);
  EXPECT_EQ(raw_engine, nullptr);
}

TEST(CEngine, SetFeature) {
  const EnginePtr engine = open_engine(kPolicies);
  ASSERT_NE(engine, nullptr);
  const std::string features = R"({"op":"features","tenant":"acme",)" + kAlice + "}";
  const auto has_beta = [&] {
    const json list = engine_call(engine.get(), features).body()["features"];
    return std::find(list.begin(), list.end(), "beta_ui") != list.end();
  };
  EXPECT_FALSE(has_beta());
  EXPECT_EQ(tenet_engine_set_feature(engine.get(), "acme", "beta_ui", "on", nullptr), TENET_OK);
  EXPECT_TRUE(has_beta());
  EXPECT_EQ(tenet_engine_set_feature(engine.get(), "acme", "beta_ui", "default", nullptr),
            TENET_OK);
  EXPECT_FALSE(has_beta());

  tenet_error* raw_error = nullptr;
  EXPECT_EQ(tenet_engine_set_feature(engine.get(), "acme", "no_such_feature", "on", &raw_error),
            TENET_NOT_FOUND);
  const ErrorPtr error(raw_error);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(tenet_error_message(error.get())).find("no_such_feature"),
            std::string::npos);
  EXPECT_EQ(tenet_engine_set_feature(engine.get(), "acme", "beta_ui", "maybe", nullptr),
            TENET_INVALID_ARGUMENT);
}

TEST(CEngine, ManyThreadsCallWhileOneReloads) {
  const EnginePtr engine = open_engine(kPolicies);
  ASSERT_NE(engine, nullptr);
  const std::string request = alice_reads();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::array<char, 512> buffer{};
      for (int i = 0; i < 2000; ++i) {
        std::size_t written = 0;
        if (tenet_engine_call_into(engine.get(), request.data(), request.size(), buffer.data(),
                                   buffer.size(), &written, nullptr) != TENET_OK ||
            std::string_view(buffer.data(), written).find("\"allow\"") == std::string_view::npos) {
          ++wrong;
        }
      }
    });
  }
  for (int i = 0; i < 3; ++i) EXPECT_EQ(tenet_engine_reload(engine.get(), nullptr), TENET_OK);
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

// ------------------------------------------------------------------ remote

// A server on 127.0.0.1:0 and a Unix socket, serving the shipped policies, with a
// state file.
struct LiveServer {
  explicit LiveServer(std::vector<std::string> extra = {},
                      const std::string& listen = "127.0.0.1:0")
      : process(kBinary, args(std::move(extra), listen), 2) {}

  std::vector<std::string> args(std::vector<std::string> extra, const std::string& listen) const {
    // set_feature needs a state file (--state): without one it is refused.
    std::vector<std::string> a{kPolicies,
                               "--listen",
                               listen,
                               "--unix",
                               socket_path().string(),
                               "--threads",
                               "2",
                               "--state",
                               (dir.path() / "state.json").string()};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  [[nodiscard]] fs::path socket_path() const { return dir.path() / "tenet.sock"; }
  [[nodiscard]] std::string tcp_address() const {
    return "127.0.0.1:" + std::to_string(process.tcp_port());
  }

  TempDir dir;  // declared first: it outlives the process using the socket
  ServerProcess process;
};

ClientPtr connect(const std::string& address, const char* token = nullptr, int timeout_ms = 5000) {
  tenet_client* client = nullptr;
  tenet_error* raw_error = nullptr;
  const tenet_status status =
      tenet_client_connect(address.c_str(), token, timeout_ms, &client, &raw_error);
  const ErrorPtr error(raw_error);
  EXPECT_EQ(status, TENET_OK) << address << ": " << (error ? tenet_error_message(error.get()) : "");
  return ClientPtr(client);
}

void expect_every_op(tenet_client* client) {
  const std::vector<std::string> requests = decision_requests();
  const std::vector<json> expected = eval_reference(requests);
  ASSERT_EQ(expected.size(), requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const Answer answer = client_call(client, requests[i]);
    ASSERT_EQ(answer.status, TENET_OK) << requests[i] << ": " << answer.message;
    // The server adds the partner's revision (docs/UNITS.md); the rest is
    // exactly what the embedded engine answers.
    json body = answer.body();
    if (i == 0) {
      EXPECT_EQ(body.value("revision", 0), 1) << body;
    }
    body.erase("revision");
    if (body.contains("results") && body["results"].is_array()) {
      for (json& item : body["results"]) item.erase("revision");
    }
    EXPECT_EQ(body, expected[i]) << requests[i];
  }
  const json health = client_call(client, R"({"id":"h","op":"health"})").body();
  EXPECT_EQ(health["ok"], true) << health;
  const json stats = client_call(client, R"({"id":"s","op":"stats"})").body();
  EXPECT_TRUE(stats.is_object() && !stats.contains("error")) << stats;
  const json feature =
      client_call(client,
                  R"({"op":"set_feature","tenant":"acme","feature":"beta_ui","state":"default"})")
          .body();
  EXPECT_EQ(feature["ok"], true) << feature;
  const json reload = client_call(client, R"({"id":"r","op":"reload"})").body();
  EXPECT_EQ(reload["ok"], true) << reload;
  EXPECT_GT(reload.value("policy_version", 0), health.value("policy_version", 0)) << reload;
}

TEST(CClient, EveryOpOverTcp) {
  const LiveServer server;
  ASSERT_TRUE(server.process.started()) << server.process.error();
  const ClientPtr client = connect(server.tcp_address());
  ASSERT_NE(client, nullptr);
  expect_every_op(client.get());
}

TEST(CClient, EveryOpOverAUnixSocket) {
  const LiveServer server;
  ASSERT_TRUE(server.process.started()) << server.process.error();
  const ClientPtr client = connect(server.socket_path().string());
  ASSERT_NE(client, nullptr);
  expect_every_op(client.get());
}

// What every language's README example prints (bindings/README.md).
const std::string kReadmeOutput =
    "alice reads d1: allow [\"acme:owner-reads\"]\n"
    "gus becomes basic: deny [\"principal.kyc == \\\"verified\\\"\"]\n";

TEST(CClient, ReadmeExampleRunsOverTcpAndUnix) {
  const LiveServer server;
  ASSERT_TRUE(server.process.started()) << server.process.error();
  for (const std::string& address : {server.tcp_address(), server.socket_path().string()}) {
    EXPECT_EQ(command_output(std::string(TENET_C_EXAMPLE) + " '" + address + "'"), kReadmeOutput)
        << address;
  }
}

TEST(CEngine, ReadmeEmbeddedExample) {
  EXPECT_EQ(command_output(std::string(TENET_C_EMBEDDED_EXAMPLE) + " '" + kPolicies + "'"),
            "alice reads d1: {\"decision\":\"allow\",\"reasons\":[\"acme:owner-reads\"]}\n"
            "gus becomes basic: {\"decision\":\"deny\",\"reasons\":[\"acme:kyc-verified\"],"
            "\"unmet\":[\"principal.kyc == \\\"verified\\\"\"]}\n");
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// bindings/README.md quotes both examples whole, so the README is what runs.
TEST(CExamples, AreQuotedWholeInTheReadme) {
  const fs::path bindings = fs::path(TENET_SOURCE_DIR) / "bindings";
  const std::string readme = read_file(bindings / "README.md");
  for (const char* example : {"c/examples/acme.c", "c/examples/acme_embedded.c"}) {
    const std::string source = read_file(bindings / example);
    ASSERT_FALSE(source.empty()) << example;
    EXPECT_NE(readme.find("```c\n" + source + "```"), std::string::npos)
        << example << " is not quoted as is";
  }
  EXPECT_NE(readme.find(kReadmeOutput), std::string::npos);
}

TEST(CClient, TenantScopedToken) {
  const TempDir dir;
  std::istringstream lines(command_output(kBinary + " token new --tenant acme --rights check"));
  std::string token;
  std::string file_line;
  std::getline(lines, token);
  std::getline(lines, file_line);
  ASSERT_EQ(token.size(), 64U);
  std::ofstream(dir.path() / "tokens") << file_line << "\n";
  const LiveServer server({"--tokens", (dir.path() / "tokens").string()});
  ASSERT_TRUE(server.process.started()) << server.process.error();

  // Without a token: unauthenticated (a response, not a failed call).
  const ClientPtr anonymous = connect(server.tcp_address());
  ASSERT_NE(anonymous, nullptr);
  EXPECT_EQ(error_code(client_call(anonymous.get(), alice_reads()).body()), "unauthenticated");

  // A wrong token: the connect itself fails.
  tenet_client* refused = nullptr;
  tenet_error* raw_error = nullptr;
  EXPECT_EQ(
      tenet_client_connect(server.tcp_address().c_str(), "not-a-token", 2000, &refused, &raw_error),
      TENET_PROTOCOL_ERROR);
  const ErrorPtr error(raw_error);
  EXPECT_EQ(refused, nullptr);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(tenet_error_message(error.get())).find("unauthenticated"),
            std::string::npos)
      << tenet_error_message(error.get());

  // acme's token: acme allowed, another tenant forbidden, admin forbidden.
  const ClientPtr acme = connect(server.socket_path().string(), token.c_str());
  ASSERT_NE(acme, nullptr);
  EXPECT_EQ(client_call(acme.get(), alice_reads()).body()["decision"], "allow");
  const json other = client_call(acme.get(), alice_reads("lumen")).body();
  EXPECT_EQ(error_code(other), "forbidden") << other;
  EXPECT_EQ(other["decision"], "deny") << other;
  EXPECT_EQ(error_code(client_call(acme.get(), R"({"op":"reload"})").body()), "forbidden");

  // The README example with the token in TENET_TOKEN, and without it.
  EXPECT_EQ(command_output("TENET_TOKEN=" + token + " " + TENET_C_EXAMPLE + " '" +
                           server.tcp_address() + "'"),
            kReadmeOutput);
  EXPECT_EQ(
      command_output(std::string(TENET_C_EXAMPLE) + " '" + server.tcp_address() + "' 2>/dev/null"),
      "alice reads d1: deny []\ngus becomes basic: deny []\n");
}

TEST(CClient, ProtocolErrorsKeepTheConnection) {
  const LiveServer server;
  ASSERT_TRUE(server.process.started()) << server.process.error();
  const ClientPtr client = connect(server.tcp_address());
  ASSERT_NE(client, nullptr);
  const Answer bad = client_call(client.get(), "{\"op\":");
  EXPECT_EQ(bad.status, TENET_OK);
  EXPECT_EQ(error_code(bad.body()), "bad_json") << bad.line;
  const Answer invalid = client_call(
      client.get(),
      R"({"op":"check","tenant":"acme",)" + kAlice +
          R"(,"action":"read","resource":{"type":"document","id":"d","tenant":"acme","attrs":{"owner":42}}})");
  EXPECT_EQ(error_code(invalid.body()), "invalid_request") << invalid.line;
  EXPECT_EQ(client_call(client.get(), alice_reads()).body()["decision"], "allow");
  // Not a line: refused before anything is sent.
  EXPECT_EQ(client_call(client.get(), "{}\n{}").status, TENET_INVALID_ARGUMENT);
  EXPECT_EQ(client_call(client.get(), "").status, TENET_INVALID_ARGUMENT);
}

TEST(CClient, ConnectFailuresAreReported) {
  tenet_client* client = nullptr;
  tenet_error* raw_error = nullptr;
  const TempDir dir;
  EXPECT_EQ(tenet_client_connect((dir.path() / "nobody.sock").c_str(), nullptr, 1000, &client,
                                 &raw_error),
            TENET_CONNECTION_ERROR);
  ErrorPtr error(raw_error);
  EXPECT_EQ(client, nullptr);
  ASSERT_NE(error, nullptr);
  raw_error = nullptr;
  EXPECT_EQ(tenet_client_connect("127.0.0.1:notaport", nullptr, 1000, &client, &raw_error),
            TENET_INVALID_ARGUMENT);
  error.reset(raw_error);
  ASSERT_NE(error, nullptr);
}

TEST(CClient, AStoppedServerTimesOutThenAnswersAgain) {
  const LiveServer server;
  ASSERT_TRUE(server.process.started()) << server.process.error();
  const ClientPtr client = connect(server.tcp_address(), nullptr, 300);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(server.process.signal(SIGSTOP));
  const auto start = std::chrono::steady_clock::now();
  const Answer stalled = client_call(client.get(), alice_reads());
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(server.process.signal(SIGCONT));
  EXPECT_EQ(stalled.status, TENET_TIMEOUT) << stalled.message;
  EXPECT_LT(waited, std::chrono::seconds(3));
  // The timed-out connection was closed; the next call reconnects.
  EXPECT_EQ(client_call(client.get(), alice_reads()).body()["decision"], "allow");
}

TEST(CClient, ServerRestartInTheMiddle) {
  auto server = std::make_unique<LiveServer>();
  ASSERT_TRUE(server->process.started()) << server->process.error();
  const std::string tcp = server->tcp_address();
  const ClientPtr over_tcp = connect(tcp, nullptr, 2000);
  const ClientPtr over_unix = connect(server->socket_path().string(), nullptr, 2000);
  ASSERT_NE(over_tcp, nullptr);
  ASSERT_NE(over_unix, nullptr);
  EXPECT_EQ(client_call(over_tcp.get(), alice_reads()).body()["decision"], "allow");

  // The server dies: calls fail promptly, with a status, no hang.
  ASSERT_TRUE(server->process.signal(SIGKILL));
  ASSERT_TRUE(server->process.wait_exit(Millis(5000)).has_value());
  const Answer lost = client_call(over_tcp.get(), alice_reads());
  EXPECT_EQ(lost.status, TENET_CONNECTION_ERROR) << lost.message;
  EXPECT_FALSE(lost.message.empty());
  EXPECT_EQ(client_call(over_unix.get(), alice_reads()).status, TENET_CONNECTION_ERROR);

  // A new server on the same port and socket path: the same clients reconnect.
  const std::string socket_path = server->socket_path().string();
  ServerProcess restarted(kBinary,
                          {kPolicies, "--listen", tcp, "--unix", socket_path, "--threads", "2"}, 2);
  ASSERT_TRUE(restarted.started()) << restarted.error();
  EXPECT_EQ(client_call(over_tcp.get(), alice_reads()).body()["decision"], "allow");
  EXPECT_EQ(client_call(over_unix.get(), alice_reads()).body()["decision"], "allow");
}

// ------------------------------------------- interruptions, idle closes (issue 20)

using tenet::test_support::ScriptedServer;

// Waits (bounded) until the server holds no connection but the one asking.
bool idle_connections_closed(const LiveServer& server) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    const ClientPtr probe = connect(server.socket_path().string());
    if (probe == nullptr) return false;
    const json stats = client_call(probe.get(), R"({"op":"stats"})").body();
    if (stats.is_object() && stats.contains("connections") &&
        stats["connections"].value("current", -1) == 1) {
      return true;
    }
    std::this_thread::sleep_for(Millis(50));
  }
  return false;
}

TEST(CClient, AConnectionClosedWhileIdleIsReplaced) {
  const LiveServer server({"--idle-timeout", "1"});
  ASSERT_TRUE(server.process.started()) << server.process.error();
  const ClientPtr over_tcp = connect(server.tcp_address());
  const ClientPtr over_unix = connect(server.socket_path().string());
  ASSERT_NE(over_tcp, nullptr);
  ASSERT_NE(over_unix, nullptr);
  ASSERT_EQ(client_call(over_tcp.get(), alice_reads()).body()["decision"], "allow");
  ASSERT_EQ(client_call(over_unix.get(), alice_reads()).body()["decision"], "allow");
  ASSERT_TRUE(idle_connections_closed(server)) << "the server's idle timeout closes both";
  for (tenet_client* client : {over_tcp.get(), over_unix.get()}) {
    const Answer answer = client_call(client, alice_reads());
    EXPECT_EQ(answer.status, TENET_OK) << answer.message;
    EXPECT_EQ(answer.body()["decision"], "allow") << answer.line;
  }
}

TEST(CClient, ARequestCrossingTheIdleCloseIsSentOnceMore) {
  // The server closes the kept connection as the second request arrives.
  const ScriptedServer server([](const ScriptedServer::Request& r) {
    return ScriptedServer::Script{.action = r.connection == 1 && r.index == 2
                                                ? ScriptedServer::Action::close
                                                : ScriptedServer::Action::answer};
  });
  const ClientPtr client = connect(server.address());
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client_call(client.get(), R"({"id":1,"op":"check","principal":{"id":"bob"}})").line,
            R"({"decision":"deny","id":1,"reasons":["for:bob"]})");
  const Answer again =
      client_call(client.get(), R"({"id":2,"op":"check","principal":{"id":"carol"}})");
  EXPECT_EQ(again.status, TENET_OK) << again.message;
  EXPECT_EQ(again.line, R"({"decision":"deny","id":2,"reasons":["for:carol"]})");
  EXPECT_EQ(server.connections(), 2);
}

TEST(CClient, TheCallAfterATimedOutOneGetsItsOwnAnswer) {
  // alice's answer comes after a second, when the client has given up on it.
  const ScriptedServer server([](const ScriptedServer::Request& r) {
    const bool slow = r.body["principal"].value("id", "") == "alice";
    return ScriptedServer::Script{.delay = Millis(slow ? 1000 : 0)};
  });
  const ClientPtr client = connect(server.address(), nullptr, 300);
  ASSERT_NE(client, nullptr);
  const Answer timed_out =
      client_call(client.get(), R"({"id":1,"op":"check","principal":{"id":"alice"}})");
  EXPECT_EQ(timed_out.status, TENET_TIMEOUT) << timed_out.message;
  const Answer own = client_call(client.get(), R"({"id":2,"op":"check","principal":{"id":"bob"}})");
  EXPECT_EQ(own.status, TENET_OK) << own.message;
  EXPECT_EQ(own.line, R"({"decision":"deny","id":2,"reasons":["for:bob"]})");
}

// ------------------------------------------------------------ partner policy units

// One tenet_client_* policy call: status, the answer (JSON) and the error message.
template <typename Call>
Answer policy_call(Call&& call) {
  Answer answer;
  char* response = nullptr;
  std::size_t length = 0;
  tenet_error* raw_error = nullptr;
  answer.status = call(&response, &length, &raw_error);
  const ErrorPtr error(raw_error);
  if (response != nullptr) {
    answer.line.assign(response, length);
    tenet_string_free(response);
  }
  if (error) {
    answer.message = tenet_error_message(error.get());
    EXPECT_EQ(tenet_error_status(error.get()), answer.status);
  }
  EXPECT_EQ(answer.status == TENET_OK, error == nullptr);
  return answer;
}

// A copy of policies/ without the history a server started on the checkout may have left there.
void copy_policies(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const fs::directory_entry& entry : fs::directory_iterator(from)) {
    if (entry.path().filename() == ".tenet-history") continue;
    fs::copy(entry.path(), to / entry.path().filename(), fs::copy_options::recursive);
  }
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(CClient, PolicyUnitsPutRefuseHistoryRollback) {
  const TempDir dir;
  const fs::path policies = dir.path() / "policies";
  copy_policies(kPolicies, policies);
  std::istringstream lines(
      command_output(kBinary + " token new --tenant acme --rights check,author"));
  std::string token;
  std::string file_line;
  std::getline(lines, token);
  std::getline(lines, file_line);
  ASSERT_EQ(token.size(), 64U);
  std::ofstream(dir.path() / "tokens") << file_line << "\n";
  const ServerProcess server(
      kBinary,
      {policies.string(), "--listen", "127.0.0.1:0", "--unix", (dir.path() / "tenet.sock").string(),
       "--tokens", (dir.path() / "tokens").string()},
      2);
  ASSERT_TRUE(server.started()) << server.error();
  const ClientPtr client = connect((dir.path() / "tenet.sock").string(), token.c_str());
  ASSERT_NE(client, nullptr);

  const std::string acme = read_text(fs::path(kPolicies) / "tenants" / "acme.tenet");
  std::string reads_all = acme;
  const std::string head = "tenant acme extends retail_standard {\n";
  ASSERT_NE(reads_all.find(head), std::string::npos);
  reads_all.insert(reads_all.find(head) + head.size(),
                   "  @id(\"basic-reads-all\") permit read on document for basic;\n");

  const Answer old = policy_call([&](char** r, std::size_t* n, tenet_error** e) {
    return tenet_client_get_policy(client.get(), "acme", r, n, e);
  });
  ASSERT_EQ(old.status, TENET_OK) << old.message << old.line;
  EXPECT_EQ(old.body()["source"], acme);
  const std::uint64_t first = old.body()["revision"].get<std::uint64_t>();

  const std::string broken =
      "tenant acme extends retail_standard {\n  permit read on document for admn;\n}\n";
  const Answer refused = policy_call([&](char** r, std::size_t* n, tenet_error** e) {
    return tenet_client_put_policy(client.get(), "acme", broken.data(), broken.size(), 0, r, n, e);
  });
  EXPECT_EQ(refused.status, TENET_POLICY_ERROR) << refused.message;
  EXPECT_NE(refused.message.find("\ntenants/acme.tenet:"), std::string::npos) << refused.message;
  EXPECT_NE(refused.message.find("admn"), std::string::npos) << refused.message;
  EXPECT_EQ(error_code(refused.body()), "invalid_policy");
  EXPECT_EQ(refused.body()["diagnostics"][0]["severity"], "error") << refused.line;

  const Answer put = policy_call([&](char** r, std::size_t* n, tenet_error** e) {
    return tenet_client_put_policy(client.get(), "acme", reads_all.data(), reads_all.size(), 0, r,
                                   n, e);
  });
  ASSERT_EQ(put.status, TENET_OK) << put.message << put.line;
  EXPECT_EQ(put.body()["revision"], first + 1);
  EXPECT_EQ(put.body()["changes"]["added"], json::array({"acme:basic-reads-all"}));
  std::string bobs = alice_reads();
  bobs.replace(bobs.find(R"("owner":"alice")"), 15, R"("owner":"bob")");
  const json allowed = client_call(client.get(), bobs).body();
  EXPECT_EQ(allowed["reasons"], json::array({"acme:basic-reads-all"})) << allowed;
  EXPECT_EQ(allowed["revision"], first + 1);

  const Answer history = policy_call([&](char** r, std::size_t* n, tenet_error** e) {
    return tenet_client_policy_history(client.get(), "acme", r, n, e);
  });
  ASSERT_EQ(history.status, TENET_OK) << history.message;
  ASSERT_EQ(history.body()["revisions"].size(), 2U) << history.line;
  EXPECT_EQ(history.body()["revisions"][0]["revision"], first + 1);

  const Answer back = policy_call([&](char** r, std::size_t* n, tenet_error** e) {
    return tenet_client_rollback(client.get(), "acme", first, r, n, e);
  });
  ASSERT_EQ(back.status, TENET_OK) << back.message << back.line;
  EXPECT_EQ(back.body()["revision"], first + 2);
  EXPECT_EQ(client_call(client.get(), bobs).body()["decision"], "deny");
  EXPECT_EQ(read_text(policies / "tenants" / "acme.tenet"), acme);

  const Answer forbidden = policy_call([&](char** r, std::size_t* n, tenet_error** e) {
    return tenet_client_get_policy(client.get(), "lumen", r, n, e);
  });
  EXPECT_EQ(forbidden.status, TENET_PROTOCOL_ERROR);
  EXPECT_EQ(forbidden.message.rfind("forbidden: ", 0), 0U) << forbidden.message;
  EXPECT_EQ(tenet_client_put_policy(client.get(), nullptr, "", 0, 0, nullptr, nullptr, nullptr),
            TENET_INVALID_ARGUMENT);
}

}  // namespace

// ------------------------------------------------------------------ TLS

// A throw-away PKI (tests/support/test_pki.sh) and a server speaking TLS on its
// TCP port; `mutual`: client certificates of the same CA are required.
struct TlsServer {
  explicit TlsServer(bool mutual = false)
      : pki(make_pki(dir.path() / "pki")), server(args(mutual)) {}
  static fs::path make_pki(const fs::path& where) {
    (void)command_output(std::string(TENET_SOURCE_DIR) + "/tests/support/test_pki.sh '" +
                         where.string() + "' 2>&1");
    return where;
  }
  [[nodiscard]] std::vector<std::string> args(bool mutual) const {
    std::vector<std::string> a{"--tls-cert", file("server.pem"), "--tls-key", file("server.key")};
    if (mutual) a.insert(a.end(), {"--tls-client-ca", file("ca.pem")});
    return a;
  }
  [[nodiscard]] std::string file(const std::string& name) const { return (pki / name).string(); }

  TempDir dir;
  fs::path pki;
  LiveServer server;
};

struct Connected {
  tenet_status status = TENET_INTERNAL;
  ClientPtr client;
  std::string message;
};

Connected connect_with(const std::string& address, const tenet_client_options& options) {
  Connected result;
  tenet_client* client = nullptr;
  tenet_error* raw_error = nullptr;
  result.status = tenet_client_connect_with(address.c_str(), &options, &client, &raw_error);
  const ErrorPtr error(raw_error);
  result.client.reset(client);
  if (error) result.message = tenet_error_message(error.get());
  EXPECT_EQ(result.status == TENET_OK, client != nullptr);
  return result;
}

tenet_client_options tls_options(const std::string& ca_file, int timeout_ms = 3000) {
  tenet_client_options options{};
  options.struct_size = sizeof options;
  options.timeout_ms = timeout_ms;
  options.tls = 1;
  options.tls_ca_file = ca_file.c_str();
  return options;
}

TEST(CClientTls, ACheckOverTlsAndClearRefusals) {
  const TlsServer tls;
  ASSERT_TRUE(tls.server.process.started()) << tls.server.process.error();
  const std::string ca = tls.file("ca.pem");
  const std::string other_ca = tls.file("other-ca.pem");
  const std::string address = tls.server.tcp_address();

  Connected good = connect_with(address, tls_options(ca));
  ASSERT_EQ(good.status, TENET_OK) << good.message;
  EXPECT_EQ(client_call(good.client.get(), alice_reads()).body()["decision"], "allow");
  EXPECT_EQ(client_call(good.client.get(), alice_reads()).body()["decision"], "allow");

  const auto started = std::chrono::steady_clock::now();
  const Connected wrong_ca = connect_with(address, tls_options(other_ca));
  EXPECT_EQ(wrong_ca.status, TENET_CONNECTION_ERROR);
  EXPECT_NE(wrong_ca.message.find("certificate verify failed"), std::string::npos)
      << wrong_ca.message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));

  tenet_client_options wrong_name = tls_options(ca);
  wrong_name.tls_server_name = "tenet.example";
  const Connected misnamed = connect_with(address, wrong_name);
  EXPECT_EQ(misnamed.status, TENET_CONNECTION_ERROR);
  EXPECT_NE(misnamed.message.find("tenet.example"), std::string::npos) << misnamed.message;

  // Plaintext to the TLS port: the first call fails within the timeout.
  tenet_client_options plain{};
  plain.struct_size = sizeof plain;
  plain.timeout_ms = 2000;
  Connected plaintext = connect_with(address, plain);
  if (plaintext.status == TENET_OK) {
    const auto sent = std::chrono::steady_clock::now();
    const Answer answer = client_call(plaintext.client.get(), alice_reads());
    EXPECT_TRUE(answer.status == TENET_CONNECTION_ERROR || answer.status == TENET_TIMEOUT)
        << answer.status << " " << answer.line;
    EXPECT_LT(std::chrono::steady_clock::now() - sent, std::chrono::seconds(3));
  }

  // Configuration errors: refused before connecting.
  const std::string missing = tls.file("nope.pem");
  EXPECT_EQ(connect_with(address, tls_options(missing)).status, TENET_INVALID_ARGUMENT);
  EXPECT_EQ(connect_with(tls.server.socket_path().string(), tls_options(ca)).status,
            TENET_INVALID_ARGUMENT);
  tenet_client_options files_without_tls = tls_options(ca);
  files_without_tls.tls = 0;
  EXPECT_EQ(connect_with(address, files_without_tls).status, TENET_INVALID_ARGUMENT);
  tenet_client_options old_size = tls_options(ca);
  old_size.struct_size = sizeof(size_t);
  EXPECT_EQ(connect_with(address, old_size).status, TENET_INVALID_ARGUMENT);
}

TEST(CClientTls, AClientCertificateBindsTheTenant) {
  const TlsServer tls(/*mutual=*/true);
  ASSERT_TRUE(tls.server.process.started()) << tls.server.process.error();
  const std::string ca = tls.file("ca.pem");
  const std::string cert = tls.file("acme.pem");
  const std::string key = tls.file("acme.key");
  tenet_client_options options = tls_options(ca);
  options.tls_cert_file = cert.c_str();
  options.tls_key_file = key.c_str();
  Connected acme = connect_with(tls.server.tcp_address(), options);
  ASSERT_EQ(acme.status, TENET_OK) << acme.message;
  const json hello = client_call(acme.client.get(), R"({"op":"hello"})").body();
  EXPECT_EQ(hello["tenant"], "acme") << hello;
  EXPECT_EQ(client_call(acme.client.get(), alice_reads()).body()["decision"], "allow");
  const json cedar = client_call(acme.client.get(), alice_reads("cedar")).body();
  EXPECT_EQ(error_code(cedar), "forbidden") << cedar;

  // Without a certificate: the server refuses, the call fails (no hang).
  Connected anonymous = connect_with(tls.server.tcp_address(), tls_options(ca, 2000));
  if (anonymous.status == TENET_OK) {
    EXPECT_NE(client_call(anonymous.client.get(), alice_reads()).status, TENET_OK);
  } else {
    EXPECT_EQ(anonymous.status, TENET_CONNECTION_ERROR) << anonymous.message;
  }
}
