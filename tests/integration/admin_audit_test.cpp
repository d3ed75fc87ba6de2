// The admin audit trail of the real `tenet serve --audit-log FILE`
// (docs/AUDIT.md), through real sockets: a set_feature by partner cedar's
// admin token writes exactly one record naming that token's id, the switch,
// before and after; a change refused for want of rights is audited as
// refused; reloads (the op and SIGHUP), token file changes, put_policy,
// rollback, start and stop (after the drain) write theirs; dry runs and
// decisions write none; no token ever appears in the file.
// $TENET_SERVE_BINARY overrides the binary under test.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>
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

// Fresh random tokens: one found in the audit file can only come from here.
const std::string kCedarAdmin = tenet::server::new_token();
const std::string kCedarAuthor = tenet::server::new_token();
const std::string kGlobalAdmin = tenet::server::new_token();
const std::string kLater = tenet::server::new_token();

std::string token_id(const std::string& token) {
  const auto hash = tenet::server::sha256(token);
  return "sha256:" + tenet::server::to_hex(hash.data(), 8);
}

std::string file_line(const std::string& token, const std::string& tenant,
                      const std::string& rights) {
  const auto hash = tenet::server::sha256(token);
  return tenet::server::to_hex(hash.data(), hash.size()) + ' ' + tenant + ' ' + rights + '\n';
}

void write_file(const fs::path& file, const std::string& text) {
  const fs::path next = file.string() + ".next";
  std::ofstream(next, std::ios::trunc) << text;
  fs::rename(next, file);
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Every line of the audit file, parsed (a line that does not parse fails).
std::vector<json> records(const fs::path& file) {
  std::vector<json> parsed;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    parsed.push_back(json::parse(line, nullptr, false));
    EXPECT_FALSE(parsed.back().is_discarded()) << line;
  }
  return parsed;
}

json ask(LineClient& client, const std::string& line) {
  return parse_answer(client.request(line, Millis(30000)));
}

json hello(LineClient& client, const std::string& token) {
  return ask(client, json{{"op", "hello"}, {"token", token}}.dump());
}

class AdminAuditIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(fs::path(TENET_SOURCE_DIR) / "policies", policies_, fs::copy_options::recursive);
    write_file(tokens_, file_line(kCedarAdmin, "cedar", "check,admin") +
                            file_line(kCedarAuthor, "cedar", "author") +
                            file_line(kGlobalAdmin, "*", "check,admin,author"));
  }

  [[nodiscard]] std::vector<std::string> serve_args() const {
    return {"--tokens", tokens_.string(), "--state",      state_.string(), "--threads",
            "2",        "--audit-log",    audit_.string()};
  }

  TempDir dir_{"tenet-admin-audit"};
  const fs::path policies_ = dir_.path() / "policies";
  const fs::path tokens_ = dir_.path() / "tokens";
  const fs::path state_ = dir_.path() / "state.json";
  const fs::path audit_ = dir_.path() / "audit.ndjson";
};

TEST_F(AdminAuditIntegrationTest, ASetFeatureByAPartnersAdminTokenWritesOneRecordNamingItsId) {
  TENET_START_SERVER(server, kBinary, policies_.string(), serve_args());
  LineClient cedar = connect_tcp(server);
  ASSERT_EQ(hello(cedar, kCedarAdmin).value("ok", false), true);
  const std::vector<json> at_start = records(audit_);

  const json switched =
      ask(cedar, R"({"id":1,"op":"set_feature","tenant":"cedar","feature":"margin","state":"on"})");
  ASSERT_EQ(switched.value("ok", false), true) << switched.dump();

  const std::vector<json> after = records(audit_);
  ASSERT_EQ(after.size(), at_start.size() + 1) << read_text(audit_);
  const json& record = after.back();
  EXPECT_EQ(record["action"], "set_feature");
  EXPECT_EQ(record["actor"], token_id(kCedarAdmin));
  EXPECT_EQ(record["tenant"], "cedar");
  EXPECT_EQ(record["target"], "margin");
  EXPECT_EQ(record["before"], json::parse(R"({"state":"default"})"));
  EXPECT_EQ(record["after"], json::parse(R"({"state":"on"})"));
  EXPECT_EQ(record["outcome"], "ok");
  EXPECT_EQ(record["message"], "");
  EXPECT_TRUE(std::regex_match(record.value("time", ""),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << record.dump();
  EXPECT_FALSE(record.value("replica", "").empty());

  // Switched back: before is what the first switch left.
  ASSERT_EQ(ask(cedar, R"({"op":"set_feature","tenant":"cedar","feature":"margin","state":"off"})")
                .value("ok", false),
            true);
  const json last = records(audit_).back();
  EXPECT_EQ(last["before"], json::parse(R"({"state":"on"})"));
  EXPECT_EQ(last["after"], json::parse(R"({"state":"off"})"));

  // Decisions and reads are no admin actions.
  const std::size_t count = records(audit_).size();
  (void)ask(cedar, R"({"op":"stats"})");
  (void)ask(cedar, R"({"op":"health"})");
  EXPECT_EQ(records(audit_).size(), count);

  // The same record is in the server's log.
  const std::string log = server.stderr_text();
  EXPECT_NE(log.find(R"({"event":"audit",)"), std::string::npos) << log;
  EXPECT_NE(log.find(token_id(kCedarAdmin)), std::string::npos) << log;
}

TEST_F(AdminAuditIntegrationTest, AChangeRefusedForWantOfRightsIsAuditedAsRefused) {
  TENET_START_SERVER(server, kBinary, policies_.string(), serve_args());
  LineClient cedar = connect_tcp(server);
  ASSERT_EQ(hello(cedar, kCedarAdmin).value("ok", false), true);
  const std::size_t at_start = records(audit_).size();

  // Another partner's switch with cedar's admin token.
  const json forbidden =
      ask(cedar, R"({"op":"set_feature","tenant":"harbor-bank","feature":"beta_ui","state":"on"})");
  ASSERT_EQ(error_code(forbidden), "forbidden") << forbidden.dump();
  // A reload needs a global admin token.
  ASSERT_EQ(error_code(ask(cedar, R"({"op":"reload"})")), "forbidden");
  // A feature the partner does not declare: refused after the check.
  ASSERT_EQ(error_code(ask(
                cedar, R"({"op":"set_feature","tenant":"cedar","feature":"nope","state":"on"})")),
            "invalid_request");
  // A malformed request names no change: not audited.
  ASSERT_EQ(error_code(ask(cedar, R"({"op":"set_feature","tenant":"cedar"})")), "bad_request");

  const std::vector<json> all = records(audit_);
  ASSERT_EQ(all.size(), at_start + 3) << read_text(audit_);
  const json& switch_refused = all[at_start];
  EXPECT_EQ(switch_refused["action"], "set_feature");
  EXPECT_EQ(switch_refused["actor"], token_id(kCedarAdmin));
  EXPECT_EQ(switch_refused["tenant"], "harbor-bank");
  EXPECT_EQ(switch_refused["target"], "beta_ui");
  EXPECT_EQ(switch_refused["after"], json::parse(R"({"state":"on"})"));
  EXPECT_EQ(switch_refused["outcome"], "refused");
  EXPECT_EQ(switch_refused["message"], forbidden["error"]["message"]);
  EXPECT_EQ(all[at_start + 1]["action"], "reload");
  EXPECT_EQ(all[at_start + 1]["outcome"], "refused");
  EXPECT_EQ(all[at_start + 2]["target"], "nope");
  EXPECT_EQ(all[at_start + 2]["outcome"], "refused");
  // Nothing changed: harbor-bank's switch is still not set.
  EXPECT_EQ(read_text(state_).find("harbor-bank"), std::string::npos);
}

TEST_F(AdminAuditIntegrationTest, ReloadsTokenChangesStartAndStopAreAuditedAndNoTokenIsWritten) {
  TENET_START_SERVER(server, kBinary, policies_.string(), serve_args());
  {
    const std::vector<json> started = records(audit_);
    ASSERT_EQ(started.size(), 1U) << read_text(audit_);
    EXPECT_EQ(started[0]["action"], "start");
    EXPECT_EQ(started[0]["actor"], "operator");
    EXPECT_EQ(started[0]["after"]["policy_version"], 1);
    EXPECT_EQ(started[0]["after"]["pid"], server.pid());
  }
  LineClient admin = connect_tcp(server);
  ASSERT_EQ(hello(admin, kGlobalAdmin).value("ok", false), true);

  // A reload by the op, with a token added to the file and cedar's author
  // token given another right.
  write_file(tokens_, file_line(kCedarAdmin, "cedar", "check,admin") +
                          file_line(kCedarAuthor, "cedar", "author,check") +
                          file_line(kGlobalAdmin, "*", "check,admin,author") +
                          file_line(kLater, "lumen", "check"));
  ASSERT_EQ(ask(admin, R"({"op":"reload"})").value("ok", false), true);
  std::vector<json> all = records(audit_);
  ASSERT_EQ(all.size(), 3U) << read_text(audit_);
  const json& tokens = all[1];
  EXPECT_EQ(tokens["action"], "tokens");
  EXPECT_EQ(tokens["actor"], token_id(kGlobalAdmin));
  EXPECT_EQ(tokens["target"], tokens_.string());
  EXPECT_EQ(tokens["before"], json::parse(R"({"count":3})"));
  EXPECT_EQ(tokens["after"]["count"], 4);
  EXPECT_EQ(tokens["after"]["added"], json::array({token_id(kLater)}));
  EXPECT_EQ(tokens["after"]["removed"], json::array());
  EXPECT_EQ(tokens["after"]["changed"], json::array({token_id(kCedarAuthor)}));
  const json& reload = all[2];
  EXPECT_EQ(reload["action"], "reload");
  EXPECT_EQ(reload["actor"], token_id(kGlobalAdmin));
  EXPECT_EQ(reload["outcome"], "ok");
  EXPECT_EQ(reload["before"]["policy_version"], 1);
  EXPECT_EQ(reload["after"]["policy_version"], 2);

  // SIGHUP: the same file read again, nothing changed in it: one reload
  // record by "signal", no token record.
  ASSERT_TRUE(server.signal(SIGHUP));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (records(audit_).size() < 4 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  all = records(audit_);
  ASSERT_EQ(all.size(), 4U) << read_text(audit_);
  EXPECT_EQ(all[3]["action"], "reload");
  EXPECT_EQ(all[3]["actor"], "signal");

  // A token file that does not load: a failed token record.
  write_file(tokens_, file_line(kGlobalAdmin, "*", "check,admin") + "not a token line\n");
  ASSERT_EQ(ask(admin, R"({"op":"reload"})").value("ok", false), true);
  all = records(audit_);
  ASSERT_EQ(all.size(), 6U) << read_text(audit_);
  EXPECT_EQ(all[4]["action"], "tokens");
  EXPECT_EQ(all[4]["outcome"], "failed");
  EXPECT_NE(all[4].value("message", "").find("the tokens serving are kept"), std::string::npos);

  // Stop: written after the drain, as the last record.
  ASSERT_TRUE(server.signal(SIGTERM));
  ASSERT_EQ(server.wait_exit(Millis(30000)), 0);
  all = records(audit_);
  ASSERT_EQ(all.size(), 7U) << read_text(audit_);
  EXPECT_EQ(all.back()["action"], "stop");
  EXPECT_EQ(all.back()["after"]["signal"], "SIGTERM");
  EXPECT_EQ(all.back()["outcome"], "ok");

  const std::string text = read_text(audit_);
  for (const std::string& token : {kCedarAdmin, kCedarAuthor, kGlobalAdmin, kLater})
    EXPECT_EQ(text.find(token), std::string::npos) << "a token is in the audit file";
  EXPECT_EQ(fs::status(audit_).permissions() & fs::perms::others_read, fs::perms::none);
}

TEST_F(AdminAuditIntegrationTest, PutPolicyAndRollbackAreAuditedWithRevisionsButNotDryRuns) {
  TENET_START_SERVER(server, kBinary, policies_.string(), serve_args());
  LineClient author = connect_tcp(server);
  ASSERT_EQ(hello(author, kCedarAuthor).value("ok", false), true);
  const std::string source = read_text(policies_ / "tenants" / "cedar.tenet");
  const std::size_t at_start = records(audit_).size();

  ASSERT_EQ(ask(author, json{{"op", "put_policy"},
                             {"tenant", "cedar"},
                             {"source", source + "\n// dry\n"},
                             {"dry_run", true}}
                            .dump())
                .value("ok", false),
            true);
  EXPECT_EQ(records(audit_).size(), at_start) << "a dry run was audited";

  const json put =
      ask(author,
          json{{"op", "put_policy"}, {"tenant", "cedar"}, {"source", source + "\n// v2\n"}}.dump());
  ASSERT_EQ(put.value("ok", false), true) << put.dump();
  const json broken = ask(
      author, json{{"op", "put_policy"}, {"tenant", "cedar"}, {"source", "tenant cedar { nonsense"}}
                  .dump());
  ASSERT_FALSE(error_code(broken).empty()) << broken.dump();
  const json rolled = ask(author, R"({"op":"rollback","tenant":"cedar","revision":1})");
  ASSERT_EQ(rolled.value("ok", false), true) << rolled.dump();
  // Another partner's unit with cedar's author token: refused, audited.
  ASSERT_EQ(
      error_code(ask(
          author,
          json{{"op", "put_policy"}, {"tenant", "lumen"}, {"source", "tenant lumen {}"}}.dump())),
      "forbidden");

  const std::vector<json> all = records(audit_);
  ASSERT_EQ(all.size(), at_start + 4) << read_text(audit_);
  const json& applied = all[at_start];
  EXPECT_EQ(applied["action"], "put_policy");
  EXPECT_EQ(applied["actor"], token_id(kCedarAuthor));
  EXPECT_EQ(applied["tenant"], "cedar");
  EXPECT_EQ(applied["target"], "tenants/cedar.tenet");
  EXPECT_EQ(applied["before"]["revision"], 1);
  EXPECT_EQ(applied["after"]["revision"], 2);
  EXPECT_EQ(applied["outcome"], "ok");
  EXPECT_EQ(all[at_start + 1]["outcome"], "refused");
  EXPECT_EQ(all[at_start + 1]["before"]["revision"], 2);
  EXPECT_FALSE(all[at_start + 1].value("message", "").empty());
  const json& rollback = all[at_start + 2];
  EXPECT_EQ(rollback["action"], "rollback");
  EXPECT_EQ(rollback["before"]["revision"], 2);
  EXPECT_EQ(rollback["after"]["revision"], 3);
  EXPECT_EQ(rollback["after"]["hash"], applied["before"]["hash"]);
  EXPECT_EQ(all[at_start + 3]["tenant"], "lumen");
  EXPECT_EQ(all[at_start + 3]["outcome"], "refused");
}

TEST_F(AdminAuditIntegrationTest, AnAuditWriteThatFailsIsLoggedLoudlyAndTheChangeStands) {
  // /dev/full opens, and every write to it fails with ENOSPC (a full disk).
  TENET_START_SERVER(
      server, kBinary, policies_.string(),
      {"--tokens", tokens_.string(), "--state", state_.string(), "--audit-log", "/dev/full"});
  LineClient cedar = connect_tcp(server);
  ASSERT_EQ(hello(cedar, kCedarAdmin).value("ok", false), true);
  const json switched =
      ask(cedar, R"({"op":"set_feature","tenant":"cedar","feature":"margin","state":"on"})");
  EXPECT_EQ(switched.value("ok", false), true) << switched.dump();
  EXPECT_NE(read_text(state_).find("margin"), std::string::npos);
  const std::string log = server.stderr_text();
  EXPECT_NE(log.find(R"({"event":"error","what":"audit","action":"set_feature","actor":")" +
                     token_id(kCedarAdmin)),
            std::string::npos)
      << log;
  // The record itself is still in the log.
  EXPECT_NE(log.find(R"("action":"set_feature","tenant":"cedar","target":"margin")"),
            std::string::npos)
      << log;
}

TEST_F(AdminAuditIntegrationTest, AnAuditLogThatCannotBeOpenedRefusesTheStart) {
  const tenet::test_support::ProcessResult result = tenet::test_support::run_process(
      {kBinary, "serve", policies_.string(), "--listen", "127.0.0.1:0", "--audit-log",
       (dir_.path() / "missing" / "audit.ndjson").string()},
      Millis(60000));
  EXPECT_EQ(result.status, 2) << result.output;
  EXPECT_NE(result.output.find("cannot open the audit log"), std::string::npos) << result.output;
}

}  // namespace
