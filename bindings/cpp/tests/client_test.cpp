// tenet::client (bindings/cpp/include/tenet/client.hpp) against a real
// `tenet serve` on an ephemeral 127.0.0.1 port and a Unix socket, with the
// shipped policies/: typed ops, pipelining, coroutines, tokens, protocol
// errors, a stalled and a restarted server. Every wait is bounded.
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
#include <optional>
#include <sstream>
#include <string>
#include <tenet/client.hpp>
#include <thread>
#include <vector>

#include "bindings/cpp/tests/scripted_server.hpp"
#include "tests/support/command_output.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using tenet::test_support::command_output;
using tenet::test_support::TempDir;

namespace fs = std::filesystem;
namespace tc = tenet::client;
using tc::json;
using tenet::test_support::Millis;
using tenet::test_support::ServerProcess;

const std::string kBinary = tenet::test_support::tenet_binary(TENET_BINARY);
const std::string kPolicies = std::string(TENET_SOURCE_DIR) + "/policies";

struct LiveServer {
  explicit LiveServer(const std::vector<std::string>& extra = {})
      : process(kBinary, args(extra), 2) {}
  std::vector<std::string> args(const std::vector<std::string>& extra) const {
    std::vector<std::string> a{
        kPolicies, "--listen", "127.0.0.1:0", "--unix", socket_path().string(), "--threads", "2"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  [[nodiscard]] fs::path socket_path() const { return dir.path() / "tenet.sock"; }
  [[nodiscard]] tc::Endpoint tcp() const {
    return tc::Endpoint::tcp("127.0.0.1", static_cast<std::uint16_t>(process.tcp_port()));
  }
  [[nodiscard]] tc::Endpoint unix_socket() const {
    return tc::Endpoint::unix_socket(socket_path().string());
  }

  TempDir dir;
  ServerProcess process;
};

#define START(name, ...)              \
  const LiveServer name{__VA_ARGS__}; \
  ASSERT_TRUE(name.process.started()) << name.process.error()

tc::Principal alice() {
  return {.id = "alice",
          .role = "basic",
          .attrs = {{"kyc", "verified"},
                    {"account_age_days", 40},
                    {"country", "DE"},
                    {"tags", json::array()}}};
}

tc::Principal guest() {
  return {
      .id = "bob",
      .role = "guest",
      .attrs = {
          {"kyc", "pending"}, {"account_age_days", 2}, {"country", "FR"}, {"tags", json::array()}}};
}

tc::CheckRequest reads(const std::string& owner, const std::string& tenant = "acme") {
  return {
      .tenant = "acme",
      .principal = alice(),
      .action = "read",
      .resource = {.type = "document",
                   .id = "doc-1",
                   .tenant = tenant,
                   .attrs = {{"owner", owner}, {"locked", false}, {"classification", "internal"}}}};
}

// ------------------------------------------------------------------ endpoint

TEST(Endpoint, ParsesAddresses) {
  const tc::Endpoint tcp = tc::Endpoint::parse("127.0.0.1:7070");
  EXPECT_EQ(tcp.kind, tc::Endpoint::Kind::tcp);
  EXPECT_EQ(tcp.host, "127.0.0.1");
  EXPECT_EQ(tcp.port, 7070);
  EXPECT_EQ(tc::Endpoint::parse("[::1]:80").host, "::1");
  EXPECT_EQ(tc::Endpoint::parse("/run/tenet.sock").kind, tc::Endpoint::Kind::unix_socket);
  EXPECT_EQ(tc::Endpoint::parse("unix:tenet.sock").path, "tenet.sock");
  EXPECT_EQ(tc::Endpoint::parse("tenet.sock").kind, tc::Endpoint::Kind::unix_socket);
  EXPECT_THROW((void)tc::Endpoint::parse("localhost:"), tc::Error);
  EXPECT_THROW((void)tc::Endpoint::parse("localhost:99999"), tc::Error);
  EXPECT_THROW((void)tc::Endpoint::parse("localhost:7o"), tc::Error);
}

// ------------------------------------------------------------------ sync client

TEST(Client, ReadmeExampleRunsOverTcpAndUnix) {
  START(server);
  for (const std::string& address : {server.tcp().to_string(), server.socket_path().string()}) {
    const std::string output =
        command_output(std::string(TENET_CPP_EXAMPLE) + " '" + address + "' 2>&1");
    EXPECT_EQ(output,
              "alice reads d1: allow [\"acme:owner-reads\"]\n"
              "gus becomes basic: deny [\"principal.kyc == \\\"verified\\\"\"]\n")
        << address;
  }
}

// bindings/README.md quotes the example whole, so the README is what runs.
TEST(Client, ExampleIsQuotedWholeInTheReadme) {
  const fs::path bindings = fs::path(TENET_SOURCE_DIR) / "bindings";
  const auto read_file = [](const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  };
  const std::string source = read_file(bindings / "cpp/examples/acme.cpp");
  ASSERT_FALSE(source.empty());
  EXPECT_NE(read_file(bindings / "README.md").find("```cpp\n" + source + "```"), std::string::npos);
}

TEST(Client, EveryDecisionOp) {
  START(server);
  tc::Client client(server.unix_socket());

  const tc::Decision read = client.check(reads("alice"));
  EXPECT_TRUE(read.allowed);
  EXPECT_EQ(read.reasons, std::vector<std::string>{"acme:owner-reads"});
  EXPECT_FALSE(client.check(reads("carol")).allowed);
  const tc::Decision isolated = client.check(reads("alice", "lumen"));
  EXPECT_FALSE(isolated.allowed);
  EXPECT_EQ(isolated.reasons, std::vector<std::string>{"cross_tenant"});

  const tc::Decision upgrade =
      client.transition({.tenant = "acme", .principal = guest(), .to = "basic"});
  EXPECT_FALSE(upgrade.allowed);
  EXPECT_EQ(upgrade.unmet, std::vector<std::string>{"principal.kyc == \"verified\""});

  EXPECT_TRUE(
      client.subscribe({.tenant = "acme", .principal = alice(), .plan = "starter"}).allowed);
  const std::vector<std::string> plans = client.plans({.tenant = "acme", .principal = alice()});
  EXPECT_NE(std::find(plans.begin(), plans.end(), "starter"), plans.end());
  const std::vector<std::string> features =
      client.features({.tenant = "acme", .principal = alice()});
  EXPECT_NE(std::find(features.begin(), features.end(), "statements"), features.end());
  EXPECT_EQ(std::find(features.begin(), features.end(), "beta_ui"), features.end());

  const tc::Decision signed_up = client.lifecycle(
      {.tenant = "acme",
       .principal = alice(),
       .resource = {.type = "subscription",
                    .id = "s1",
                    .tenant = "acme",
                    .state = "signing",
                    .attrs = {{"owner", "alice"}, {"plan", "starter"}, {"overdue_days", 0}}},
       .to = "signed"});
  const json reference = json::parse(command_output(
      "printf '%s\\n' '{\"op\":\"lifecycle\",\"tenant\":\"acme\",\"principal\":" +
      tc::codec::to_json(alice()).dump() +
      ",\"resource\":{\"type\":\"subscription\",\"id\":\"s1\",\"tenant\":\"acme\",\"state\":"
      "\"signing\",\"attrs\":{"
      "\"owner\":\"alice\",\"plan\":\"starter\",\"overdue_days\":0}},\"to\":\"signed\"}' | " +
      kBinary + " eval " + kPolicies));
  EXPECT_EQ(signed_up.allowed, reference["decision"] == "allow") << reference;
}

TEST(Client, AdminOps) {
  const TempDir state;  // set_feature needs a state file (--state)
  START(server, {"--state", (state.path() / "state.json").string()});
  tc::Client client(server.tcp());
  const std::uint64_t version = client.health();
  EXPECT_GE(version, 1U);
  client.set_feature("acme", "beta_ui", tc::FeatureSwitch::on);
  std::vector<std::string> features = client.features({.tenant = "acme", .principal = alice()});
  EXPECT_NE(std::find(features.begin(), features.end(), "beta_ui"), features.end());
  client.set_feature("acme", "beta_ui", tc::FeatureSwitch::reset);
  features = client.features({.tenant = "acme", .principal = alice()});
  EXPECT_EQ(std::find(features.begin(), features.end(), "beta_ui"), features.end());
  EXPECT_GT(client.reload().policy_version, version);
  EXPECT_TRUE(client.stats().is_object());
  try {
    client.set_feature("acme", "no_such_feature", tc::FeatureSwitch::on);
    ADD_FAILURE() << "an unknown feature must throw";
  } catch (const tc::ProtocolError& e) {
    EXPECT_EQ(e.code(), "invalid_request") << e.what();
  }
}

TEST(Client, CheckManyPipelinesInOrder) {
  START(server);
  tc::Client client(server.tcp());
  std::vector<tc::CheckRequest> requests;
  for (int i = 0; i < 2000; ++i)
    requests.push_back(reads(i % 3 == 0 ? "alice" : "someone-" + std::to_string(i)));
  const std::vector<tc::Decision> decisions = client.check_many(requests);
  ASSERT_EQ(decisions.size(), requests.size());
  for (std::size_t i = 0; i < decisions.size(); ++i)
    EXPECT_EQ(decisions[i].allowed, i % 3 == 0) << i;
  EXPECT_TRUE(client.check(reads("alice")).allowed) << "still in step after the pipeline";
}

TEST(Client, ProtocolErrorsThrowAndKeepTheConnection) {
  START(server);
  tc::Client client(server.tcp());
  tc::CheckRequest bad = reads("alice");
  bad.resource.attrs["owner"] = 42;  // owner is a string in the schema
  try {
    (void)client.check(bad);
    ADD_FAILURE() << "invalid_request must throw";
  } catch (const tc::ProtocolError& e) {
    EXPECT_EQ(e.code(), "invalid_request") << e.what();
  }
  // An action acme does not declare for documents: invalid_request too.
  tc::CheckRequest misspelt = reads("alice");
  misspelt.action = "raed";
  try {
    (void)client.check(misspelt);
    ADD_FAILURE() << "an undeclared action must throw";
  } catch (const tc::ProtocolError& e) {
    EXPECT_EQ(e.code(), "invalid_request") << e.what();
    EXPECT_NE(std::string(e.what()).find("action 'raed' is not declared for resource type "
                                         "'document' in tenant 'acme' (did you mean 'read'?)"),
              std::string::npos)
        << e.what();
  }
  // In a pipeline: all responses are read, then the first error is thrown.
  const std::vector<tc::CheckRequest> requests{reads("alice"), bad, reads("alice")};
  try {
    (void)client.check_many(requests);
    ADD_FAILURE() << "invalid_request in a pipeline must throw";
  } catch (const tc::ProtocolError& e) {
    EXPECT_EQ(e.code(), "invalid_request");
    EXPECT_NE(std::string(e.what()).find("request 1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(json::parse(client.call_line("{\"op\":")).at("error").at("code"), "bad_json");
  EXPECT_EQ(json::parse(client.call_line(R"({"op":"frobnicate"})")).at("error").at("code"),
            "unknown_op");
  EXPECT_THROW((void)client.call_line("{}\n{}"), tc::Error);
  EXPECT_THROW((void)client.call_line("  "), tc::Error);
  EXPECT_TRUE(client.check(reads("alice")).allowed);
  EXPECT_TRUE(client.is_open());
}

TEST(Client, TenantScopedToken) {
  const TempDir dir;
  std::istringstream lines(command_output(kBinary + " token new --tenant acme --rights check"));
  std::string token;
  std::string file_line;
  std::getline(lines, token);
  std::getline(lines, file_line);
  ASSERT_EQ(token.size(), 64U);
  std::ofstream(dir.path() / "tokens") << file_line << "\n";
  START(server, {"--tokens", (dir.path() / "tokens").string()});

  tc::Client acme(server.tcp(), {.token = token});
  ASSERT_TRUE(acme.session().has_value());
  EXPECT_EQ(acme.session()->tenant, "acme");
  EXPECT_TRUE(acme.check(reads("alice")).allowed);
  tc::CheckRequest other = reads("alice", "lumen");
  other.tenant = "lumen";
  try {
    (void)acme.check(other);
    ADD_FAILURE() << "another tenant must be forbidden";
  } catch (const tc::ProtocolError& e) {
    EXPECT_EQ(e.code(), "forbidden") << e.what();
  }
  EXPECT_THROW((void)acme.reload(), tc::ProtocolError);

  try {
    tc::Client wrong(server.unix_socket(), {.token = "not-a-token"});
    ADD_FAILURE() << "a wrong token must be refused";
  } catch (const tc::ProtocolError& e) {
    EXPECT_EQ(e.code(), "unauthenticated") << e.what();
  }
  tc::Client anonymous(server.unix_socket());
  EXPECT_THROW((void)anonymous.check(reads("alice")), tc::ProtocolError);

  // The README example, with the token in TENET_TOKEN; without it, it fails.
  EXPECT_EQ(command_output("TENET_TOKEN=" + token + " " + TENET_CPP_EXAMPLE + " '" +
                           server.socket_path().string() + "'"),
            "alice reads d1: allow [\"acme:owner-reads\"]\n"
            "gus becomes basic: deny [\"principal.kyc == \\\"verified\\\"\"]\n");
  EXPECT_NE(command_output(std::string(TENET_CPP_EXAMPLE) + " '" + server.socket_path().string() +
                           "' 2>&1")
                .find("unauthenticated"),
            std::string::npos);
}

TEST(Client, ConnectFailureIsAConnectionError) {
  const TempDir dir;
  EXPECT_THROW(tc::Client(tc::Endpoint::unix_socket((dir.path() / "nobody.sock").string()),
                          {.timeout = Millis(1000)}),
               tc::ConnectionError);
}

TEST(Client, AStoppedServerTimesOut) {
  START(server);
  tc::Client client(server.tcp(), {.timeout = Millis(300)});
  ASSERT_TRUE(server.process.signal(SIGSTOP));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW((void)client.check(reads("alice")), tc::TimeoutError);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(server.process.signal(SIGCONT));
  EXPECT_LT(waited, std::chrono::seconds(3));
  EXPECT_FALSE(client.is_open());
  EXPECT_TRUE(client.check(reads("alice")).allowed) << "reconnects";
}

TEST(Client, ServerRestartInTheMiddle) {
  auto server = std::make_unique<LiveServer>();
  ASSERT_TRUE(server->process.started()) << server->process.error();
  const tc::Endpoint tcp = server->tcp();
  tc::Client client(tcp, {.timeout = Millis(2000)});
  std::vector<tc::CheckRequest> requests(200, reads("alice"));
  ASSERT_EQ(client.check_many(requests).size(), 200U);

  ASSERT_TRUE(server->process.signal(SIGKILL));
  ASSERT_TRUE(server->process.wait_exit(Millis(5000)).has_value());
  EXPECT_THROW((void)client.check_many(requests), tc::ConnectionError);
  EXPECT_THROW((void)client.check(reads("alice")), tc::ConnectionError)
      << "nobody listens: reconnect fails";

  ServerProcess restarted(kBinary, {kPolicies, "--listen", tcp.to_string(), "--threads", "2"}, 1);
  ASSERT_TRUE(restarted.started()) << restarted.error();
  EXPECT_TRUE(client.check(reads("alice")).allowed);
  EXPECT_EQ(client.check_many(requests).size(), 200U);
}

// ------------------------------------------------------------------ coroutines

TEST(AsyncClient, CoroutinesOnOneIoContext) {
  START(server);
  tc::asio::io_context context;
  std::vector<tc::Decision> decisions;
  std::vector<tc::Decision> pipelined;
  std::string failure;
  const std::vector<tc::CheckRequest> requests{reads("alice"), reads("carol"), reads("alice")};

  // Two clients, one per transport, running at the same time. Requests are
  // named locals: GCC 12 destroys a braced temporary inside a co_await
  // expression twice (see client.hpp).
  const auto session = [&](tc::Endpoint endpoint) -> tc::asio::awaitable<void> {
    tc::AsyncClient client(co_await tc::asio::this_coro::executor, endpoint);
    co_await client.connect();
    const tc::CheckRequest read = reads("alice");
    decisions.push_back(co_await client.check(read));
    const tc::TransitionRequest upgrade{.tenant = "acme", .principal = guest(), .to = "basic"};
    decisions.push_back(co_await client.transition(upgrade));
    std::vector<tc::Decision> many = co_await client.check_many(requests);
    pipelined.insert(pipelined.end(), many.begin(), many.end());
  };
  for (const tc::Endpoint& endpoint : {server.tcp(), server.unix_socket()}) {
    tc::asio::co_spawn(context, session(endpoint), [&](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        failure = x.what();
      }
    });
  }
  context.run_for(std::chrono::seconds(10));
  EXPECT_EQ(failure, "");
  ASSERT_EQ(decisions.size(), 4U);
  int allowed = 0;
  for (const tc::Decision& d : decisions) allowed += d.allowed ? 1 : 0;
  EXPECT_EQ(allowed, 2) << "alice allowed, guest denied, on each connection";
  ASSERT_EQ(pipelined.size(), 6U);
  for (std::size_t i = 0; i < pipelined.size(); ++i)
    EXPECT_EQ(pipelined[i].allowed, i % 3 != 1) << i;
}

TEST(AsyncClient, ErrorsReachTheCoroutine) {
  START(server);
  tc::asio::io_context context;
  std::string code;
  // A named lambda: a coroutine's captures live in the lambda object.
  const auto ask = [&]() -> tc::asio::awaitable<void> {
    tc::AsyncClient client(co_await tc::asio::this_coro::executor, server.tcp());
    tc::CheckRequest bad = reads("alice");
    bad.resource.attrs["locked"] = "no";
    try {
      (void)co_await client.check(bad);
    } catch (const tc::ProtocolError& e) {
      code = e.code();
    }
  };
  tc::asio::co_spawn(context, ask(), tc::asio::detached);
  context.run_for(std::chrono::seconds(10));
  EXPECT_EQ(code, "invalid_request");
}

// ------------------------------------------- interruptions, idle closes (issue 20)

using tenet::test_support::ScriptedServer;
using Action = ScriptedServer::Action;

// `who` reads alice's document (the scripted server answers "for:WHO").
tc::CheckRequest asks(const std::string& who) {
  tc::CheckRequest request = reads("alice");
  request.principal.id = who;
  return request;
}

// Waits (bounded) until the server holds no connection but the one asking.
bool idle_connections_closed(const LiveServer& server) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    tc::Client probe(server.unix_socket(), {.timeout = Millis(5000)});
    if (probe.stats()["connections"].value("current", -1) == 1) return true;
    std::this_thread::sleep_for(Millis(50));
  }
  return false;
}

TEST(Client, AConnectionClosedWhileIdleIsReplaced) {
  START(server, {"--idle-timeout", "1"});
  tc::Client over_tcp(server.tcp(), {.timeout = Millis(5000)});
  tc::Client over_unix(server.unix_socket(), {.timeout = Millis(5000)});
  ASSERT_TRUE(over_tcp.check(reads("alice")).allowed);
  ASSERT_TRUE(over_unix.check(reads("alice")).allowed);
  ASSERT_TRUE(idle_connections_closed(server)) << "the server's idle timeout closes both";
  EXPECT_TRUE(over_tcp.check(reads("alice")).allowed);
  EXPECT_EQ(over_unix.call_line(R"({"id":7,"op":"health"})").substr(0, 15), R"({"id":7,"ok":tr)");
}

TEST(Client, ARequestCrossingTheIdleCloseIsSentOnceMore) {
  // The server closes the kept connection as the second request arrives
  // (unanswered): the client sends it again on a new connection.
  const ScriptedServer server([](const ScriptedServer::Request& r) {
    return ScriptedServer::Script{.action = r.connection == 1 && r.index == 2 ? Action::close
                                                                              : Action::answer};
  });
  tc::Client client(tc::Endpoint::parse(server.address()), {.timeout = Millis(5000)});
  EXPECT_EQ(client.check(asks("bob")).reasons, std::vector<std::string>{"for:bob"});
  EXPECT_EQ(client.check(asks("carol")).reasons, std::vector<std::string>{"for:carol"});
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(server.requests(), 3);
}

TEST(Client, ARequestIsNeverSentTwiceOnAFreshConnectionOrAfterPartOfItsAnswer) {
  // A close on a connection opened for this very call, and a close after half
  // an answer: the server may have acted, so the call fails instead.
  const ScriptedServer server([](const ScriptedServer::Request& r) {
    if (r.connection == 1 && r.index == 2)
      return ScriptedServer::Script{.action = Action::half_answer_then_close};
    if (r.connection == 2) return ScriptedServer::Script{.action = Action::close};
    return ScriptedServer::Script{};
  });
  tc::Client client(tc::Endpoint::parse(server.address()), {.timeout = Millis(5000)});
  EXPECT_TRUE(client.check(asks("alice")).allowed);
  EXPECT_THROW((void)client.check(asks("bob")), tc::ConnectionError);
  EXPECT_THROW((void)client.check(asks("carol")), tc::ConnectionError);
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(client.check(asks("dave")).reasons, std::vector<std::string>{"for:dave"});
}

TEST(Client, TheCallAfterATimedOutOneGetsItsOwnAnswer) {
  // alice's answer comes after a second, after the client gave up on it;
  // bob's request must not read it.
  const ScriptedServer server([](const ScriptedServer::Request& r) {
    const bool slow = r.body["principal"].value("id", "") == "alice";
    return ScriptedServer::Script{.delay = Millis(slow ? 1000 : 0)};
  });
  tc::Client client(tc::Endpoint::parse(server.address()), {.timeout = Millis(300)});
  EXPECT_THROW((void)client.check(asks("alice")), tc::TimeoutError);
  const tc::Decision bob = client.check(asks("bob"));
  EXPECT_FALSE(bob.allowed);
  EXPECT_EQ(bob.reasons, std::vector<std::string>{"for:bob"});
  EXPECT_THROW((void)client.call_line(R"({"id":"a","op":"check","principal":{"id":"alice"}})"),
               tc::TimeoutError);
  EXPECT_EQ(client.call_line(R"({"id":"b","op":"check","principal":{"id":"bob"}})"),
            R"({"decision":"deny","id":"b","reasons":["for:bob"]})");
}

TEST(Client, AnAnswerWithAnotherIdBreaksTheConnection) {
  // An answer left on the connection by anyone: a typed call refuses it.
  tc::asio::io_context context;
  tc::asio::ip::tcp::acceptor acceptor(context, {tc::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = acceptor.local_endpoint().port();
  std::thread peer([&] {
    tc::asio::ip::tcp::socket socket = acceptor.accept();
    std::string line;
    tc::asio::read_until(socket, tc::asio::dynamic_buffer(line), '\n');
    tc::asio::write(socket, tc::asio::buffer(std::string(
                                R"({"id":999,"decision":"allow","reasons":["for:alice"]})"
                                "\n")));
    boost::system::error_code ignored;
    tc::asio::read(socket, tc::asio::dynamic_buffer(line), ignored);  // until the client closes
  });
  {
    tc::Client client(tc::Endpoint::tcp("127.0.0.1", port), {.timeout = Millis(5000)});
    try {
      (void)client.check(asks("bob"));
      ADD_FAILURE() << "returned another request's answer";
    } catch (const tc::TimeoutError& e) {
      ADD_FAILURE() << e.what();
    } catch (const tc::ConnectionError&) {
    }
    EXPECT_FALSE(client.is_open());
  }
  peer.join();
}

// ------------------------------------------------------------ partner policy units

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

// A server on a copy of policies/ (a put writes the unit file), with an acme author token.
struct PolicyServer {
  PolicyServer() {
    copy_policies(kPolicies, policies());
    std::istringstream lines(
        command_output(kBinary + " token new --tenant acme --rights check,author"));
    std::string file_line;
    std::getline(lines, token);
    std::getline(lines, file_line);
    std::ofstream(dir.path() / "tokens") << file_line << "\n";
    process.emplace(kBinary,
                    std::vector<std::string>{policies().string(), "--listen", "127.0.0.1:0",
                                             "--unix", (dir.path() / "tenet.sock").string(),
                                             "--tokens", (dir.path() / "tokens").string()},
                    2);
  }
  [[nodiscard]] fs::path policies() const { return dir.path() / "policies"; }
  [[nodiscard]] tc::Endpoint tcp() const {
    return tc::Endpoint::tcp("127.0.0.1", static_cast<std::uint16_t>(process->tcp_port()));
  }

  TempDir dir;
  std::string token;
  std::optional<ServerProcess> process;
};

TEST(Client, PolicyUnitsPutRefuseDryRunHistoryRollback) {
  PolicyServer server;
  ASSERT_EQ(server.token.size(), 64U);
  ASSERT_TRUE(server.process->started()) << server.process->error();
  const std::string acme = read_text(fs::path(kPolicies) / "tenants" / "acme.tenet");
  std::string reads_all = acme;
  const std::string head = "tenant acme extends retail_standard {\n";
  ASSERT_NE(reads_all.find(head), std::string::npos);
  reads_all.insert(reads_all.find(head) + head.size(),
                   "  @id(\"basic-reads-all\") permit read on document for basic;\n");

  tc::Client client(server.tcp(), {.token = server.token});
  const tc::Decision before = client.check(reads("bob"));
  EXPECT_FALSE(before.allowed);
  const tc::Policy old = client.get_policy("acme");
  EXPECT_EQ(old.source, acme);
  EXPECT_EQ(old.path, "tenants/acme.tenet");
  EXPECT_EQ(before.revision, old.revision);

  const tc::PolicyPut trial = client.put_policy("acme", reads_all, true);
  EXPECT_TRUE(trial.dry_run);
  EXPECT_EQ(trial.revision, old.revision + 1);
  EXPECT_EQ(trial.changes.added, std::vector<std::string>{"acme:basic-reads-all"});
  EXPECT_EQ(client.get_policy("acme").revision, old.revision);
  EXPECT_FALSE(client.check(reads("bob")).allowed);

  try {
    (void)client.put_policy(
        "acme", "tenant acme extends retail_standard {\n  permit read on document for admn;\n}\n");
    ADD_FAILURE() << "a unit that does not compile must be refused";
  } catch (const tc::ProtocolError& e) {
    EXPECT_EQ(e.code(), "invalid_policy");
    ASSERT_FALSE(e.diagnostics().empty()) << e.what();
    EXPECT_EQ(e.diagnostics().front().severity, "error");
    EXPECT_EQ(e.diagnostics().front().file, "tenants/acme.tenet");
    EXPECT_NE(e.diagnostics().front().message.find("admn"), std::string::npos);
    EXPECT_EQ(e.diagnostics().front().to_string().rfind("tenants/acme.tenet:", 0), 0U);
  }
  try {
    std::string lumen = reads_all;
    lumen.replace(lumen.find("tenant acme"), 11, "tenant lumen");
    (void)client.put_policy("acme", lumen);
    ADD_FAILURE() << "a unit declaring another tenant must be refused";
  } catch (const tc::ProtocolError& e) {
    EXPECT_EQ(e.code(), "invalid_policy");
    EXPECT_NE(e.server_message().find("lumen"), std::string::npos) << e.what();
  }

  const tc::PolicyPut put = client.put_policy("acme", reads_all);
  EXPECT_EQ(put.revision, old.revision + 1);
  EXPECT_FALSE(put.dry_run);
  const tc::Decision after = client.check(reads("bob"));
  EXPECT_TRUE(after.allowed);
  EXPECT_EQ(after.reasons, std::vector<std::string>{"acme:basic-reads-all"});
  EXPECT_EQ(after.revision, put.revision);
  EXPECT_EQ(read_text(server.policies() / "tenants" / "acme.tenet"), reads_all);

  const tc::PolicyHistory history = client.policy_history("acme");
  ASSERT_EQ(history.revisions.size(), 2U);
  EXPECT_EQ(history.revisions[0].revision, put.revision);
  EXPECT_EQ(history.revisions[1].revision, old.revision);
  EXPECT_EQ(history.revisions[0].actor.rfind("sha256:", 0), 0U);
  EXPECT_EQ(history.revisions[0].actor.size(), 7U + 16U);

  const tc::PolicyPut back = client.rollback("acme", old.revision);
  EXPECT_EQ(back.revision, put.revision + 1);
  EXPECT_EQ(back.changes.removed, std::vector<std::string>{"acme:basic-reads-all"});
  EXPECT_FALSE(client.check(reads("bob")).allowed);
  EXPECT_TRUE(client.check(reads("alice")).allowed);
  EXPECT_EQ(client.get_policy("acme").source, acme);
  try {
    (void)client.rollback("acme", 999);
    ADD_FAILURE() << "a revision that is not kept must be refused";
  } catch (const tc::ProtocolError& e) {
    EXPECT_EQ(e.code(), "invalid_request") << e.what();
  }
  try {
    (void)client.get_policy("lumen");
    ADD_FAILURE() << "an acme token must not read lumen's unit";
  } catch (const tc::ProtocolError& e) {
    EXPECT_EQ(e.code(), "forbidden") << e.what();
  }
}

}  // namespace

// ------------------------------------------------------------------ TLS

// A throw-away PKI (tests/support/test_pki.sh) and a server speaking TLS on
// its TCP port (the Unix socket stays plaintext); with `mutual`, it asks for
// client certificates of the same CA.
struct TlsServer {
  explicit TlsServer(bool mutual = false)
      : pki(make_pki(dir.path() / "pki")), server(args(mutual)) {}
  static fs::path make_pki(const fs::path& where) {
    const std::string script = std::string(TENET_SOURCE_DIR) + "/tests/support/test_pki.sh";
    (void)command_output(script + " '" + where.string() + "' 2>&1");
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

TEST(Tls, VerifiedCheckOverTls) {
  const TlsServer tls;
  ASSERT_TRUE(tls.server.process.started()) << tls.server.process.error();
  tc::Client client(tls.server.tcp(), {.tls = tc::TlsOptions{.ca_file = tls.file("ca.pem")}});
  EXPECT_TRUE(client.check(reads("alice")).allowed);
  EXPECT_FALSE(client.check(reads("mallory")).allowed);
  // Several calls on the one connection: session tickets do not make it look out of step.
  EXPECT_EQ(client.health(), client.health());
  EXPECT_EQ(client.stats()["connections"]["total"], 1) << "one connection throughout";
  // By name: the certificate carries DNS:localhost too.
  tc::Client by_name(tc::Endpoint::tcp("localhost", tls.server.tcp().port),
                     {.tls = tc::TlsOptions{.ca_file = tls.file("ca.pem")}});
  EXPECT_TRUE(by_name.check(reads("alice")).allowed);
}

TEST(Tls, AWrongCaOrNameIsRefusedClearly) {
  const TlsServer tls;
  ASSERT_TRUE(tls.server.process.started()) << tls.server.process.error();
  const auto refusal = [&](const tc::Options& options) -> std::string {
    const auto start = std::chrono::steady_clock::now();
    try {
      tc::Client client(tls.server.tcp(), options);
      return "connected";
    } catch (const tc::TimeoutError& e) {
      return std::string("timeout: ") + e.what();
    } catch (const tc::ConnectionError& e) {
      EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
      return e.what();
    }
  };
  const std::string wrong_ca = refusal(
      {.timeout = Millis(3000), .tls = tc::TlsOptions{.ca_file = tls.file("other-ca.pem")}});
  EXPECT_NE(wrong_ca.find("certificate verify failed"), std::string::npos) << wrong_ca;
  EXPECT_NE(wrong_ca.find("local issuer"), std::string::npos) << wrong_ca;
  // The system's CAs do not know the test CA either.
  const std::string system_cas = refusal({.timeout = Millis(3000), .tls = tc::TlsOptions{}});
  EXPECT_NE(system_cas.find("certificate verify failed"), std::string::npos) << system_cas;
  // The right CA, but a name the certificate does not carry.
  const std::string wrong_name = refusal(
      {.timeout = Millis(3000),
       .tls = tc::TlsOptions{.ca_file = tls.file("ca.pem"), .server_name = "tenet.example"}});
  EXPECT_NE(wrong_name.find("hostname mismatch"), std::string::npos) << wrong_name;
  // A CA file that does not exist: an Error at construction, before any connect.
  EXPECT_THROW(
      tc::Client(tls.server.tcp(), {.tls = tc::TlsOptions{.ca_file = tls.file("nope.pem")}}),
      tc::Error);
  EXPECT_THROW(tc::Client(tls.server.unix_socket(), {.tls = tc::TlsOptions{}}), tc::Error);
}

TEST(Tls, PlaintextToATlsPortFailsWithinTheTimeout) {
  const TlsServer tls;
  ASSERT_TRUE(tls.server.process.started()) << tls.server.process.error();
  const auto start = std::chrono::steady_clock::now();
  try {
    tc::Client plain(tls.server.tcp(), {.timeout = Millis(2000)});
    (void)plain.check(reads("alice"));
    ADD_FAILURE() << "plaintext to a TLS port must fail";
  } catch (const tc::ConnectionError& e) {
    SUCCEED() << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  // And TLS to a plaintext port (the same server's Unix socket is plaintext;
  // a plaintext TCP server): the handshake fails, no hang.
  START(plain_server);
  EXPECT_THROW(
      tc::Client(plain_server.tcp(),
                 {.timeout = Millis(2000), .tls = tc::TlsOptions{.ca_file = tls.file("ca.pem")}}),
      tc::ConnectionError);
}

TEST(Tls, AClientCertificateBindsTheTenant) {
  const TlsServer tls(/*mutual=*/true);
  ASSERT_TRUE(tls.server.process.started()) << tls.server.process.error();
  tc::Client acme(tls.server.tcp(), {.tls = tc::TlsOptions{.ca_file = tls.file("ca.pem"),
                                                           .cert_file = tls.file("acme.pem"),
                                                           .key_file = tls.file("acme.key")}});
  ASSERT_TRUE(acme.session().has_value());
  EXPECT_EQ(acme.session()->tenant, "acme");
  EXPECT_TRUE(acme.check(reads("alice")).allowed);
  tc::CheckRequest other = reads("alice", "cedar");
  other.tenant = "cedar";
  try {
    (void)acme.check(other);
    ADD_FAILURE() << "another tenant must be forbidden";
  } catch (const tc::ProtocolError& e) {
    EXPECT_EQ(e.code(), "forbidden") << e.what();
  }
  // Without a certificate the server refuses the connection: an error, no hang.
  EXPECT_THROW(
      {
        tc::Client anonymous(
            tls.server.tcp(),
            {.timeout = Millis(2000), .tls = tc::TlsOptions{.ca_file = tls.file("ca.pem")}});
        (void)anonymous.check(reads("alice"));
      },
      tc::ConnectionError);
  // A certificate and no key is a configuration error.
  EXPECT_THROW(
      tc::Client(tls.server.tcp(), {.tls = tc::TlsOptions{.ca_file = tls.file("ca.pem"),
                                                          .cert_file = tls.file("acme.pem")}}),
      tc::Error);
}
