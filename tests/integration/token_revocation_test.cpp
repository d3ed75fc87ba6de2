// Tokens withdrawn from a running `tenet serve --tokens FILE`, through real
// sockets (tests/support/server_process): the file rewritten without one
// token and a reload (the op, or SIGHUP) make that token's live connection
// unauthenticated on its next request (and closed at the hello timeout if it
// does not authenticate again), while the other clients keep their
// decisions; a token file that does not load keeps the tokens serving; a
// token whose expiry passes while its connection is open is refused on its
// next request; token files that cannot serve refuse the start (exit 2);
// `tenet token new --expires|--expires-in`.
// $TENET_SERVE_BINARY overrides the binary under test.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/tokens.hpp"
#include "tests/support/json_answer.hpp"
#include "tests/support/run_process.hpp"
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
                      const std::string& rights, const std::string& fields = {}) {
  const auto hash = tenet::server::sha256(token);
  return tenet::server::to_hex(hash.data(), hash.size()) + ' ' + tenant + ' ' + rights +
         (fields.empty() ? "" : " " + fields) + '\n';
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

// The issue's must-show in one run: a client authenticated with token A,
// A removed from the file and the file reloaded by the op, then (A back,
// then removed again) by SIGHUP: each time the same open connection's next
// request is refused while token B's connection keeps its decisions.
TEST_F(TokenRevocationIntegrationTest, ARemovedTokenIsRefusedOnItsOpenConnectionByOpAndBySighup) {
  TENET_START_SERVER(server, kBinary, policies_.string(),
                     {"--tokens", tokens_.string(), "--threads", "2"});
  LineClient a = connect_tcp(server);
  LineClient b = connect_tcp(server);
  LineClient admin = connect_tcp(server);
  ASSERT_EQ(hello(a, kFirst).value("ok", false), true);
  ASSERT_EQ(hello(b, kSecond).value("ok", false), true);
  ASSERT_EQ(hello(admin, kAdmin).value("ok", false), true);
  ASSERT_TRUE(decided(ask(a, kCheck)));
  const std::string without_a =
      file_line(kSecond, "cedar", "check") + file_line(kAdmin, "*", "check,admin");

  write_file(tokens_, without_a);
  ASSERT_EQ(ask(admin, R"({"op":"reload"})")["tokens"], json::parse(R"({"ok":true,"count":2})"));
  EXPECT_EQ(error_code(ask(a, kCheck)), "unauthenticated");
  EXPECT_TRUE(decided(ask(b, kCheck)));

  // A back in the file: the connection says hello again and decides.
  write_file(tokens_, file_line(kFirst, "cedar", "check") + without_a);
  ASSERT_EQ(ask(admin, R"({"op":"reload"})")["tokens"], json::parse(R"({"ok":true,"count":3})"));
  ASSERT_EQ(hello(a, kFirst).value("ok", false), true);
  ASSERT_TRUE(decided(ask(a, kCheck)));

  // Removed again, and SIGHUP: the same connection is refused once the
  // reload has run (bounded wait), and B still decides.
  write_file(tokens_, without_a);
  ASSERT_TRUE(server.signal(SIGHUP));
  json answer;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    answer = ask(a, kCheck);
    if (!decided(answer)) break;
    std::this_thread::sleep_for(Millis(20));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(error_code(answer), "unauthenticated") << answer.dump();
  EXPECT_EQ(answer.value(json::json_pointer("/error/message"), std::string()),
            "the token of this session was revoked; send hello with a valid token");
  EXPECT_TRUE(decided(ask(b, kCheck)));
  EXPECT_EQ(error_code(hello(a, kFirst)), "unauthenticated");
}

TEST_F(TokenRevocationIntegrationTest, ATokenWhoseExpiryPassesIsRefusedOnItsOpenConnection) {
  // Whole seconds: 2 to 3 s from now.
  const auto expiry = std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::now()) +
                      std::chrono::seconds(2);
  const std::string expires = tenet::server::format_utc_time(expiry);
  write_file(tokens_, file_line(kFirst, "cedar", "check", "expires=" + expires) +
                          file_line(kSecond, "cedar", "check") +
                          file_line(kAdmin, "*", "check,admin", "expires=2999-01-01T00:00:00Z"));
  TENET_START_SERVER(server, kBinary, policies_.string(),
                     {"--tokens", tokens_.string(), "--threads", "2", "--hello-timeout", "2"});
  LineClient brief = connect_tcp(server);
  LineClient lasting = connect_tcp(server);
  LineClient admin = connect_tcp(server);
  json answer = hello(brief, kFirst);
  ASSERT_EQ(answer.value("ok", false), true) << answer.dump();
  EXPECT_EQ(answer["expires"], expires) << answer.dump();
  answer = hello(lasting, kSecond);
  ASSERT_EQ(answer.value("ok", false), true) << answer.dump();
  EXPECT_TRUE(answer.contains("expires") && answer["expires"].is_null()) << answer.dump();
  EXPECT_EQ(hello(admin, kAdmin)["expires"], "2999-01-01T00:00:00Z");
  ASSERT_TRUE(decided(ask(brief, kCheck)));

  // Ask until refused, bounded; no decision more than a moment after the
  // expiry (the answer's own round trip).
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < give_up) {
    answer = ask(brief, kCheck);
    if (!decided(answer)) break;
    EXPECT_LT(std::chrono::system_clock::now(), expiry + std::chrono::milliseconds(500))
        << "decided after the expiry";
    std::this_thread::sleep_for(Millis(20));
  }
  EXPECT_GE(std::chrono::system_clock::now(), expiry);
  EXPECT_EQ(error_code(answer), "unauthenticated") << answer.dump();
  EXPECT_EQ(answer.value(json::json_pointer("/error/message"), std::string()),
            "the token of this session expired at " + expires + "; send hello with a valid token");
  EXPECT_TRUE(decided(ask(lasting, kCheck)));

  // A new hello with it is refused and says why; the unauthenticated
  // connection is closed at the hello timeout.
  answer = hello(brief, kFirst);
  EXPECT_EQ(error_code(answer), "unauthenticated");
  EXPECT_EQ(answer.value(json::json_pointer("/error/message"), std::string()),
            "the token expired at " + expires);
  EXPECT_TRUE(brief.wait_closed(Millis(30000))) << "the expired session stayed open";
  EXPECT_TRUE(decided(ask(lasting, kCheck)));
  const std::string log = server.stderr_text();
  EXPECT_NE(log.find(R"("what":"token_expired")"), std::string::npos) << log;
  for (const std::string& token : {kFirst, kSecond, kAdmin})
    EXPECT_EQ(log.find(token), std::string::npos) << "a token is in the log";
}

// Token files that cannot serve: `tenet serve` exits 2 before listening,
// with a message naming the file and the problem.
void expect_refused_at_start(const fs::path& policies, const fs::path& tokens,
                             const std::vector<std::string>& expected) {
  tenet::test_support::ServerProcess server(
      kBinary, {policies.string(), "--listen", "127.0.0.1:0", "--tokens", tokens.string()}, 1,
      Millis(10000));
  EXPECT_FALSE(server.started()) << tokens;
  EXPECT_EQ(server.wait_exit(Millis(10000)), 2) << server.stderr_text();
  for (const std::string& text : expected)
    EXPECT_NE(server.stderr_text().find(text), std::string::npos)
        << "expected '" << text << "' in: " << server.stderr_text();
}

TEST_F(TokenRevocationIntegrationTest, TokenFilesThatCannotServeRefuseTheStart) {
  const fs::path bad = dir_.path() / "bad-tokens";
  const std::string good = file_line(kAdmin, "*", "check,admin");
  write_file(bad, "");
  expect_refused_at_start(policies_, bad, {bad.string() + ": no tokens in the token file"});
  write_file(bad, "# none yet\n\n");
  expect_refused_at_start(policies_, bad, {bad.string() + ": no tokens in the token file"});
  write_file(bad, good + file_line(kFirst, "cedar", "check").substr(0, 66) + "cedar\n");
  expect_refused_at_start(policies_, bad, {bad.string() + ":2: expected `SHA256HEX TENANT RIGHTS"});
  write_file(bad, good + "not a token line\n");
  expect_refused_at_start(policies_, bad, {bad.string() + ":2: the hash must be 64 hexadecimal"});
  write_file(bad, good + file_line(kFirst, "cedar", "check", "expires=tomorrow"));
  expect_refused_at_start(policies_, bad, {bad.string() + ":2: expires must be a UTC time"});
  write_file(bad, good + file_line(kFirst, "cedar", "check", "ttl=5m"));
  expect_refused_at_start(policies_, bad, {bad.string() + ":2: unknown field 'ttl=5m'"});
  expect_refused_at_start(policies_, dir_.path() / "missing",
                          {(dir_.path() / "missing").string(), "No such file or directory"});
  expect_refused_at_start(policies_, dir_.path(), {dir_.path().string(), "is a directory"});
  // Under a regular file: cannot be reached at all.
  expect_refused_at_start(policies_, bad / "tokens",
                          {(bad / "tokens").string(), "cannot read the token file"});
  const fs::path fifo = dir_.path() / "fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  expect_refused_at_start(policies_, fifo, {fifo.string(), "not a regular file"});
  // Unreadable for want of permission (root reads it anyway: skipped).
  if (geteuid() != 0) {
    write_file(bad, good);
    fs::permissions(bad, fs::perms::none);
    expect_refused_at_start(policies_, bad,
                            {bad.string(), "cannot read the token file", "Permission denied"});
  }
}

// The same files at reload (the op): `tokens: {ok: false, message}` naming
// the file and the problem, the tokens serving kept, an error line logged.
TEST_F(TokenRevocationIntegrationTest, TokenFilesThatCannotServeAreNotTakenAtReload) {
  TENET_START_SERVER(server, kBinary, policies_.string(),
                     {"--tokens", tokens_.string(), "--threads", "2"});
  LineClient first = connect_tcp(server);
  LineClient admin = connect_tcp(server);
  ASSERT_EQ(hello(first, kFirst).value("ok", false), true);
  ASSERT_EQ(hello(admin, kAdmin).value("ok", false), true);
  const std::string without_first = file_line(kAdmin, "*", "check,admin");
  const auto expect_kept = [&](const std::string& what, const std::string& expected) {
    const json reloaded = ask(admin, R"({"op":"reload"})");
    ASSERT_EQ(reloaded.value("ok", false), true) << what << ": " << reloaded.dump();
    ASSERT_TRUE(reloaded.contains("tokens")) << what;
    EXPECT_EQ(reloaded["tokens"]["ok"], false) << what;
    const std::string message = reloaded["tokens"].value("message", "");
    EXPECT_NE(message.find(expected), std::string::npos) << what << ": " << message;
    EXPECT_NE(message.find("; the tokens serving are kept"), std::string::npos) << message;
    // kFirst is in no file below, yet still serves: the old set is kept.
    EXPECT_TRUE(decided(ask(first, kCheck))) << what;
  };
  write_file(tokens_, "");
  expect_kept("empty", tokens_.string() + ": no tokens in the token file");
  write_file(tokens_, without_first + "deadbeef * check\n");
  expect_kept("malformed", tokens_.string() + ":2: the hash must be 64 hexadecimal digits");
  write_file(tokens_, without_first + file_line(kSecond, "cedar", "check", "expires=2027-01-31"));
  expect_kept("bad expiry", tokens_.string() + ":2: expires must be a UTC time");
  fs::remove(tokens_);
  expect_kept("missing", tokens_.string() + ": cannot read the token file: No such file");
  fs::create_directory(tokens_);
  expect_kept("a directory", tokens_.string() + ": is a directory");
  fs::remove(tokens_);
  ASSERT_EQ(mkfifo(tokens_.c_str(), 0600), 0);
  expect_kept("a FIFO", tokens_.string() + ": the token file is not a regular file");
  fs::remove(tokens_);
  if (geteuid() != 0) {
    write_file(tokens_, without_first);
    fs::permissions(tokens_, fs::perms::none);
    expect_kept("unreadable", "Permission denied");
    fs::remove(tokens_);
  }
  // A good file again: taken, and the first token is gone.
  write_file(tokens_, without_first);
  EXPECT_EQ(ask(admin, R"({"op":"reload"})")["tokens"], json::parse(R"({"ok":true,"count":1})"));
  EXPECT_EQ(error_code(ask(first, kCheck)), "unauthenticated");
  const std::string log = server.stderr_text();
  EXPECT_NE(log.find(R"("what":"tokens")"), std::string::npos) << log;
  EXPECT_NE(log.find("is a directory, not a token file; the tokens serving are kept"),
            std::string::npos)
      << log;
}

// `tenet token new --expires DATE | --expires-in DURATION`: the line carries
// the expiry, which the server reads back; bad values exit 2.
TEST(TokenNewCommand, PrintsTheExpiryOnTheLine) {
  using tenet::test_support::run_process;
  const auto lines_of = [](const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
      const std::size_t end = text.find('\n', start);
      lines.push_back(text.substr(start, end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return lines;
  };
  auto run = run_process(
      {kBinary, "token", "new", "--tenant", "acme", "--rights", "check", "--expires", "2031-05-01"},
      Millis(10000));
  ASSERT_EQ(run.status, 0) << run.output;
  std::vector<std::string> lines = lines_of(run.output);
  ASSERT_EQ(lines.size(), 2U) << run.output;
  const auto hash = tenet::server::sha256(lines[0]);
  EXPECT_EQ(lines[1], tenet::server::to_hex(hash.data(), hash.size()) +
                          " acme check expires=2031-05-01T00:00:00Z");
  const auto parsed = tenet::server::TokenStore::parse(lines[1], "line");
  ASSERT_TRUE(parsed.store) << parsed.error;
  EXPECT_EQ(parsed.store->authenticate(lines[0])->expires,
            tenet::server::parse_utc_time("2031-05-01T00:00:00Z"));

  run = run_process({kBinary, "token", "new", "--tenant", "*", "--rights", "check,admin",
                     "--expires", "2031-05-01T12:30:00Z"},
                    Millis(10000));
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(lines_of(run.output).at(1).ends_with(" * check,admin expires=2031-05-01T12:30:00Z"))
      << run.output;

  const auto before = std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::now());
  run = run_process({kBinary, "token", "new", "--tenant", "acme", "--expires-in", "1d12h"},
                    Millis(10000));
  const auto after = std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::now());
  ASSERT_EQ(run.status, 0) << run.output;
  lines = lines_of(run.output);
  ASSERT_EQ(lines.size(), 2U) << run.output;
  const std::size_t at = lines[1].find(" expires=");
  ASSERT_NE(at, std::string::npos) << lines[1];
  const auto expiry = tenet::server::parse_utc_time(lines[1].substr(at + 9));
  ASSERT_TRUE(expiry) << lines[1];
  EXPECT_GE(*expiry, before + std::chrono::hours(36));
  EXPECT_LE(*expiry, after + std::chrono::hours(36));

  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{"--expires", "2031-02-30"},
                                             {"--expires", "tomorrow"},
                                             {"--expires", "2020-01-01"},  // in the past
                                             {"--expires-in", "5"},
                                             {"--expires-in", "0s"},
                                             {"--expires", "2031-05-01", "--expires-in", "5d"}}) {
    std::vector<std::string> argv{kBinary, "token", "new", "--tenant", "acme"};
    argv.insert(argv.end(), bad.begin(), bad.end());
    run = run_process(argv, Millis(10000));
    EXPECT_NE(run.status, 0) << bad.back() << ": " << run.output;
    EXPECT_NE(run.status, -1) << run.output;
    EXPECT_EQ(run.output.find("expires="), std::string::npos) << run.output;
  }
  // With --store the expiry goes to the store (tests/fleet); a store that
  // cannot be reached is a clear error and no token is printed.
  run = run_process({kBinary, "token", "new", "--tenant", "acme", "--expires-in", "5d", "--store",
                     "postgresql:///nowhere?host=/nonexistent"},
                    Millis(10000));
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_NE(run.output.find("cannot connect to the store"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find('\n'), run.output.rfind('\n')) << "one line, no token: " << run.output;
}

}  // namespace
