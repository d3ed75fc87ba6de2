// Tokens withdrawn from a running `tenet serve --tokens FILE`, through real
// sockets (tests/support/server_process): the file rewritten without one
// token and a reload (the op, or SIGHUP) make that token's live connection
// unauthenticated on its next request (and closed at the hello timeout if it
// does not authenticate again), while the other clients keep their
// decisions; a token file that does not load keeps the tokens serving.
// $TENET_SERVE_BINARY overrides the binary under test.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "server/tokens.hpp"
#include "tests/support/json_answer.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tenet::test_support::error_code;
using tenet::test_support::LineClient;
using tenet::test_support::Millis;
using tenet::test_support::parse_answer;
using tenet::test_support::TempDir;

const std::string kBinary = tenet::test_support::tenet_binary(TENET_BINARY);

const std::string kCheck =
    R"({"id":1,"op":"check","tenant":"cedar","principal":{"id":"u1","role":"trader","attrs":{"kyc":"verified","account_age_days":100,"country":"DE","tags":["desk"]}},"action":"read","resource":{"type":"document","id":"d1","tenant":"cedar","attrs":{"owner":"u1","locked":false,"classification":"internal"}},"context":{"mfa":true}})";

// Fresh random tokens, so that a token found in the log can only have come
// from this test's requests.
const std::string kFirst = tenet::server::new_token();
const std::string kSecond = tenet::server::new_token();
const std::string kAdmin = tenet::server::new_token();

std::string file_line(const std::string& token, const std::string& tenant,
                      const std::string& rights) {
  const auto hash = tenet::server::sha256(token);
  return tenet::server::to_hex(hash.data(), hash.size()) + ' ' + tenant + ' ' + rights + '\n';
}

void write_file(const fs::path& file, const std::string& text) {
  // Replaced whole (rename), as an operator's tooling would: the server
  // never reads a half-written file here.
  const fs::path next = file.string() + ".next";
  std::ofstream(next, std::ios::trunc) << text;
  fs::rename(next, file);
}

json ask(LineClient& client, const std::string& line) {
  return parse_answer(client.request(line, Millis(30000)));
}

json hello(LineClient& client, const std::string& token) {
  return ask(client, json{{"op", "hello"}, {"token", token}}.dump());
}

bool decided(const json& answer) {
  return answer.is_object() && answer.contains("decision") && error_code(answer).empty();
}

class TokenRevocationIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(fs::path(TENET_SOURCE_DIR) / "policies", policies_, fs::copy_options::recursive);
    write_file(tokens_, file_line(kFirst, "cedar", "check") + file_line(kSecond, "cedar", "check") +
                            file_line(kAdmin, "*", "check,admin"));
  }

  TempDir dir_{"tenet-token-revocation"};
  const fs::path policies_ = dir_.path() / "policies";
  const fs::path tokens_ = dir_.path() / "tokens";
};

TEST_F(TokenRevocationIntegrationTest, ATokenRemovedFromTheFileStopsWorkingOnItsOpenConnection) {
  TENET_START_SERVER(server, kBinary, policies_.string(),
                     {"--tokens", tokens_.string(), "--threads", "2", "--hello-timeout", "2"});
  LineClient first = connect_tcp(server);
  LineClient second = connect_tcp(server);
  LineClient admin = connect_tcp(server);
  ASSERT_EQ(hello(first, kFirst).value("ok", false), true);
  ASSERT_EQ(hello(second, kSecond).value("ok", false), true);
  ASSERT_EQ(hello(admin, kAdmin).value("ok", false), true);
  ASSERT_TRUE(decided(ask(first, kCheck)));
  ASSERT_TRUE(decided(ask(second, kCheck)));

  write_file(tokens_, file_line(kSecond, "cedar", "check") + file_line(kAdmin, "*", "check,admin"));
  const json reloaded = ask(admin, R"({"id":"r","op":"reload"})");
  ASSERT_EQ(reloaded.value("ok", false), true) << reloaded.dump();
  EXPECT_EQ(reloaded["tokens"], json::parse(R"({"ok":true,"count":2})")) << reloaded.dump();

  const json refused = ask(first, kCheck);
  EXPECT_EQ(error_code(refused), "unauthenticated") << refused.dump();
  EXPECT_EQ(refused.value(json::json_pointer("/error/message"), std::string()),
            "the token of this session was revoked; send hello with a valid token");
  EXPECT_TRUE(decided(ask(second, kCheck)));
  // The removed token no longer opens a session either.
  LineClient retry = connect_tcp(server);
  EXPECT_EQ(error_code(hello(retry, kFirst)), "unauthenticated");

  // The revoked connection waits for hello again: closed at the hello timeout.
  EXPECT_TRUE(first.wait_closed(Millis(30000))) << "the revoked session stayed open";
  EXPECT_TRUE(decided(ask(second, kCheck)));
  const std::string log = server.stderr_text();
  EXPECT_NE(log.find(R"("what":"token_revoked")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("what":"hello_timeout")"), std::string::npos) << log;
  for (const std::string& token : {kFirst, kSecond, kAdmin})
    EXPECT_EQ(log.find(token), std::string::npos) << "a token is in the log";
}

TEST_F(TokenRevocationIntegrationTest, ATokenFileThatDoesNotLoadKeepsTheTokensServing) {
  TENET_START_SERVER(server, kBinary, policies_.string(),
                     {"--tokens", tokens_.string(), "--threads", "2"});
  LineClient first = connect_tcp(server);
  LineClient admin = connect_tcp(server);
  ASSERT_EQ(hello(first, kFirst).value("ok", false), true);
  ASSERT_EQ(hello(admin, kAdmin).value("ok", false), true);

  write_file(tokens_, file_line(kAdmin, "*", "check,admin") + "not a token line\n");
  const json reloaded = ask(admin, R"({"op":"reload"})");
  ASSERT_EQ(reloaded.value("ok", false), true) << reloaded.dump();
  ASSERT_TRUE(reloaded.contains("tokens")) << reloaded.dump();
  EXPECT_EQ(reloaded["tokens"]["ok"], false);
  const std::string message = reloaded["tokens"].value("message", "");
  EXPECT_NE(message.find(tokens_.string() + ":2:"), std::string::npos) << message;
  EXPECT_NE(message.find("the tokens serving are kept"), std::string::npos) << message;

  EXPECT_TRUE(decided(ask(first, kCheck)));
  LineClient later = connect_tcp(server);
  EXPECT_EQ(hello(later, kSecond).value("ok", false), true);
  EXPECT_TRUE(decided(ask(later, kCheck)));
  EXPECT_NE(server.stderr_text().find("the tokens serving are kept"), std::string::npos);
}

TEST_F(TokenRevocationIntegrationTest, SighupReadsTheTokenFileAgain) {
  TENET_START_SERVER(server, kBinary, policies_.string(),
                     {"--tokens", tokens_.string(), "--threads", "2"});
  LineClient first = connect_tcp(server);
  LineClient second = connect_tcp(server);
  ASSERT_EQ(hello(first, kFirst).value("ok", false), true);
  ASSERT_EQ(hello(second, kSecond).value("ok", false), true);
  write_file(tokens_, file_line(kSecond, "cedar", "check"));
  ASSERT_TRUE(server.signal(SIGHUP));
  // The reload runs on the server's admin thread: ask until it took effect
  // (bounded), then once more to see it stick.
  json answer;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    answer = ask(first, kCheck);
    if (!decided(answer)) break;
    std::this_thread::sleep_for(Millis(20));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(error_code(answer), "unauthenticated") << answer.dump();
  EXPECT_EQ(error_code(ask(first, kCheck)), "unauthenticated");
  EXPECT_TRUE(decided(ask(second, kCheck)));
}

}  // namespace
