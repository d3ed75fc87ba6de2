// Tokens withdrawn or changed while sessions are open (server/tokens,
// server/service, server/protocol without sockets): TokenStore built from
// hashes, Service::replace_tokens, a session's next request after its token
// is gone or its rights changed, batches, the token file read again by
// reload (and kept when it does not load).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/protocol.hpp"
#include "tests/support/temp_dir.hpp"

namespace tenet::server {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kLumenCheck =
    R"({"id":1,"op":"check","tenant":"lumen","principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified","account_age_days":40}},"action":"read","resource":{"type":"document","id":"d1","tenant":"lumen","attrs":{"owner":"u1","locked":false,"classification":"internal"}}})";
const std::string kCedarCheck =
    R"({"id":2,"op":"check","tenant":"cedar","principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified","account_age_days":40}},"action":"read","resource":{"type":"document","id":"d1","tenant":"cedar","attrs":{"owner":"u1","locked":false,"classification":"internal"}}})";
constexpr std::string_view kRevoked =
    "the token of this session was revoked; send hello with a valid token";

HashedToken hashed(const std::string& token, const std::string& tenant, bool check, bool admin) {
  HashedToken entry;
  entry.hash = sha256(token);
  entry.grant.tenant = tenant;
  entry.grant.check = check;
  entry.grant.admin = admin;
  return entry;
}

std::shared_ptr<const TokenStore> token_set(std::vector<HashedToken> entries) {
  return std::make_shared<const TokenStore>(TokenStore::from_entries(std::move(entries)));
}

std::string file_line(const std::string& token, const std::string& tenant,
                      const std::string& rights) {
  const auto hash = sha256(token);
  return to_hex(hash.data(), hash.size()) + ' ' + tenant + ' ' + rights + '\n';
}

class TokenRevocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(fs::path(TENET_SOURCE_DIR) / "policies", dir_.path() / "policies",
             fs::copy_options::recursive);
  }

  // A service whose tokens are lumen-check (lumen: check), lumen-admin
  // (lumen: check,admin) and root (*: check,admin); none with `authenticate`
  // false.
  std::unique_ptr<Service> make_service(bool authenticate = true) {
    std::optional<TokenStore> tokens;
    if (authenticate) {
      tokens = TokenStore::from_entries({hashed("lumen-check", "lumen", true, false),
                                         hashed("lumen-admin", "lumen", true, true),
                                         hashed("root", "*", true, true)});
    }
    auto features = std::make_unique<FeatureState>();
    EXPECT_FALSE(FeatureState::load(std::nullopt, *features));
    auto loaded = Engine::load(dir_.path() / "policies");
    EXPECT_TRUE(loaded.engine);
    return std::make_unique<Service>(dir_.path() / "policies", std::move(loaded.engine),
                                     std::move(tokens), std::move(features));
  }

  json ask(Service& service, Protocol& protocol, const std::string& line) {
    auto policies = service.engine().snapshot();
    std::string out;
    protocol.handle(policies, line, scratch_, out);
    EXPECT_TRUE(!out.empty() && out.back() == '\n') << out;
    return json::parse(out);
  }

  void hello(Service& service, Protocol& protocol, const std::string& token) {
    const json answer = ask(service, protocol, json{{"op", "hello"}, {"token", token}}.dump());
    ASSERT_EQ(answer.value("ok", false), true) << answer.dump();
  }

  static std::string code(const json& answer) {
    return answer.contains("error") ? answer["error"].value("code", "") : "";
  }
  static std::string message(const json& answer) {
    return answer.contains("error") ? answer["error"].value("message", "") : "";
  }

  test_support::TempDir dir_{"tenet-token-revocation"};
  Scratch scratch_;
};

TEST(HashedTokens, AStoreFromHashesAuthenticatesByHashAndByToken) {
  HashedToken named = hashed("alpha", "acme", true, false);
  named.grant.id = "chosen by the caller";
  const TokenStore store = TokenStore::from_entries(
      {named, hashed("beta", "*", false, true), hashed("alpha", "x", 1, 1)});
  EXPECT_EQ(store.size(), 3U);
  const std::optional<Grant> by_hash = store.authenticate_hash(sha256("alpha"));
  ASSERT_TRUE(by_hash);
  EXPECT_EQ(by_hash->tenant, "acme");  // the first entry of a hash listed twice
  EXPECT_TRUE(by_hash->check);
  EXPECT_FALSE(by_hash->admin);
  const auto hash = sha256("alpha");
  EXPECT_EQ(by_hash->id, "sha256:" + to_hex(hash.data(), 8));
  const std::optional<Grant> by_token = store.authenticate("beta");
  ASSERT_TRUE(by_token);
  EXPECT_TRUE(by_token->all_tenants());
  EXPECT_TRUE(by_token->admin);
  EXPECT_FALSE(store.authenticate_hash(sha256("gamma")));
  EXPECT_FALSE(store.authenticate("gamma"));
  EXPECT_FALSE(TokenStore::from_entries({}).authenticate("alpha"));
}

TEST_F(TokenRevocationTest, AWithdrawnTokenLosesItsRightsOnTheNextRequest) {
  auto service = make_service();
  Protocol revoked(*service, "revoked-peer");
  Protocol other(*service, "other-peer");
  hello(*service, revoked, "lumen-check");
  hello(*service, other, "root");
  EXPECT_EQ(ask(*service, revoked, kLumenCheck)["decision"], "allow");
  const std::uint64_t generation = service->token_generation();

  EXPECT_TRUE(service->replace_tokens(
      token_set({hashed("lumen-admin", "lumen", true, true), hashed("root", "*", true, true)})));
  EXPECT_EQ(service->token_generation(), generation + 1);

  const json refused = ask(*service, revoked, kLumenCheck);
  EXPECT_EQ(code(refused), "unauthenticated") << refused.dump();
  EXPECT_EQ(message(refused), kRevoked);
  EXPECT_EQ(refused["id"], 1);
  EXPECT_FALSE(revoked.grant());
  EXPECT_FALSE(revoked.close_requested());
  // No rights until a new hello: the next request is refused as before any hello.
  const json again = ask(*service, revoked, kLumenCheck);
  EXPECT_EQ(code(again), "unauthenticated");
  EXPECT_NE(message(again), kRevoked);
  EXPECT_EQ(code(ask(*service, revoked, R"({"op":"hello","token":"lumen-check"})")),
            "unauthenticated");
  hello(*service, revoked, "lumen-admin");
  EXPECT_EQ(ask(*service, revoked, kLumenCheck)["decision"], "allow");

  // The session of a token still in the set is not disturbed.
  EXPECT_EQ(ask(*service, other, kLumenCheck)["decision"], "allow");
  EXPECT_EQ(ask(*service, other, R"({"op":"stats"})").value("ok", false), true);
}

TEST_F(TokenRevocationTest, ServerOpsAreRefusedAfterRevocationToo) {
  auto service = make_service();
  Protocol protocol(*service);
  hello(*service, protocol, "root");
  EXPECT_EQ(ask(*service, protocol, R"({"id":"s","op":"stats"})").value("ok", false), true);
  EXPECT_TRUE(service->replace_tokens(token_set({hashed("lumen-check", "lumen", true, false)})));
  // health needs no token: it neither reveals nor consumes the revocation.
  EXPECT_EQ(ask(*service, protocol, R"({"op":"health"})").value("ok", false), true);
  EXPECT_TRUE(protocol.grant());
  const json stats = ask(*service, protocol, R"({"id":"s","op":"stats"})");
  EXPECT_EQ(code(stats), "unauthenticated") << stats.dump();
  EXPECT_EQ(message(stats), kRevoked);
  EXPECT_EQ(stats["id"], "s");
  EXPECT_EQ(code(ask(*service, protocol, R"({"op":"reload"})")), "unauthenticated");
}

TEST_F(TokenRevocationTest, ChangedRightsAndTenantApplyAtOnce) {
  auto service = make_service();
  Protocol admin(*service);
  Protocol checker(*service);
  hello(*service, admin, "lumen-admin");
  hello(*service, checker, "lumen-check");
  EXPECT_EQ(ask(*service, admin, R"({"op":"stats"})").value("ok", false), true);
  EXPECT_EQ(code(ask(*service, checker, kCedarCheck)), "forbidden");

  // lumen-admin keeps only `check`; lumen-check is moved to cedar.
  EXPECT_TRUE(service->replace_tokens(token_set(
      {hashed("lumen-check", "cedar", true, false), hashed("lumen-admin", "lumen", true, false)})));
  EXPECT_EQ(code(ask(*service, admin, R"({"op":"stats"})")), "forbidden");
  EXPECT_EQ(ask(*service, admin, kLumenCheck)["decision"], "allow");
  EXPECT_EQ(code(ask(*service, checker, kLumenCheck)), "forbidden");
  EXPECT_EQ(ask(*service, checker, kCedarCheck).value("decision", ""), "allow");
  ASSERT_TRUE(checker.grant());
  EXPECT_EQ(checker.grant()->tenant, "cedar");

  // A right given back applies as well.
  EXPECT_TRUE(service->replace_tokens(token_set({hashed("lumen-admin", "lumen", true, true)})));
  EXPECT_EQ(ask(*service, admin, R"({"op":"stats"})").value("ok", false), true);
  EXPECT_EQ(message(ask(*service, checker, kCedarCheck)), kRevoked);
}

TEST_F(TokenRevocationTest, ABatchLineAfterRevocationIsRefusedWhole) {
  auto service = make_service();
  Protocol protocol(*service);
  hello(*service, protocol, "lumen-check");
  const std::string batch =
      R"({"id":"b","op":"batch","requests":[)" + kLumenCheck + ',' + kLumenCheck + "]}";
  EXPECT_EQ(ask(*service, protocol, batch)["results"].size(), 2U);
  EXPECT_TRUE(service->replace_tokens(token_set({hashed("root", "*", true, true)})));
  const json refused = ask(*service, protocol, batch);
  EXPECT_FALSE(refused.contains("results")) << refused.dump();
  EXPECT_EQ(code(refused), "unauthenticated") << refused.dump();
  EXPECT_EQ(message(refused), kRevoked);
  EXPECT_EQ(refused["id"], "b");
}

TEST_F(TokenRevocationTest, AuthenticationNeverTurnsOffOrOn) {
  auto service = make_service();
  Protocol protocol(*service);
  hello(*service, protocol, "lumen-check");
  const std::uint64_t generation = service->token_generation();
  EXPECT_FALSE(service->replace_tokens(nullptr));
  EXPECT_EQ(service->token_generation(), generation);
  EXPECT_TRUE(service->authenticates());
  ASSERT_TRUE(service->tokens());
  EXPECT_EQ(service->tokens()->size(), 3U);
  EXPECT_EQ(ask(*service, protocol, kLumenCheck)["decision"], "allow");
  // An empty set is a set: authentication stays on and every token is refused.
  EXPECT_TRUE(service->replace_tokens(token_set({})));
  EXPECT_EQ(message(ask(*service, protocol, kLumenCheck)), kRevoked);
  EXPECT_EQ(code(ask(*service, protocol, R"({"op":"hello","token":"root"})")), "unauthenticated");

  auto open = make_service(false);
  Protocol anyone(*open);
  EXPECT_FALSE(open->replace_tokens(token_set({hashed("root", "*", true, true)})));
  EXPECT_FALSE(open->authenticates());
  EXPECT_FALSE(open->tokens());
  EXPECT_EQ(ask(*open, anyone, kLumenCheck)["decision"], "allow");
}

TEST_F(TokenRevocationTest, ReloadReadsTheTokenFileAgainAndKeepsItWhenItDoesNotLoad) {
  auto service = make_service();
  const fs::path file = dir_.path() / "tokens";
  std::ofstream(file) << file_line("lumen-check", "lumen", "check")
                      << file_line("root", "*", "check,admin");
  service->set_token_file(file);
  Protocol checker(*service);
  Protocol root(*service);
  hello(*service, checker, "lumen-check");
  hello(*service, root, "root");

  // Unchanged file: nobody loses anything; lumen-admin, not in the file, is gone.
  json answer = ask(*service, root, R"({"id":"r","op":"reload"})");
  EXPECT_EQ(answer.value("ok", false), true) << answer.dump();
  EXPECT_EQ(answer["tokens"], json::parse(R"({"ok":true,"count":2})")) << answer.dump();
  EXPECT_EQ(ask(*service, checker, kLumenCheck)["decision"], "allow");

  // Files that do not load keep the tokens serving, and the answer says why.
  const std::vector<std::pair<std::string, std::string>> broken = {
      {"a malformed line", file_line("root", "*", "check,admin") + "zz * check\n"},
      {"no tokens", "# all commented out\n"},
  };
  for (const auto& [what, text] : broken) {
    std::ofstream(file, std::ios::trunc) << text;
    answer = ask(*service, root, R"({"op":"reload"})");
    EXPECT_EQ(answer.value("ok", false), true) << what << ": " << answer.dump();
    ASSERT_TRUE(answer.contains("tokens")) << what;
    EXPECT_EQ(answer["tokens"]["ok"], false) << what;
    EXPECT_NE(answer["tokens"].value("message", "").find("the tokens serving are kept"),
              std::string::npos)
        << what << ": " << answer.dump();
    EXPECT_EQ(ask(*service, checker, kLumenCheck)["decision"], "allow") << what;
  }
  fs::remove(file);
  fs::create_directory(file);
  answer = ask(*service, root, R"({"op":"reload"})");
  EXPECT_EQ(answer["tokens"]["ok"], false) << answer.dump();
  EXPECT_NE(answer["tokens"].value("message", "").find("is a directory"), std::string::npos);
  fs::remove(file);
  answer = ask(*service, root, R"({"op":"reload"})");
  EXPECT_EQ(answer["tokens"]["ok"], false) << answer.dump();
  EXPECT_EQ(ask(*service, checker, kLumenCheck)["decision"], "allow");

  // The file without lumen-check: its live session is refused next time.
  std::ofstream(file) << file_line("root", "*", "check,admin");
  answer = ask(*service, root, R"({"op":"reload"})");
  EXPECT_EQ(answer["tokens"], json::parse(R"({"ok":true,"count":1})")) << answer.dump();
  EXPECT_EQ(message(ask(*service, checker, kLumenCheck)), kRevoked);
  EXPECT_EQ(ask(*service, root, kLumenCheck)["decision"], "allow");
}

TEST_F(TokenRevocationTest, ARefusedPolicyReloadStillTakesTheTokenFile) {
  auto service = make_service();
  const fs::path file = dir_.path() / "tokens";
  std::ofstream(file) << file_line("root", "*", "check,admin");
  service->set_token_file(file);
  Protocol checker(*service);
  Protocol root(*service);
  hello(*service, checker, "lumen-check");
  hello(*service, root, "root");
  std::ofstream(dir_.path() / "policies" / "broken.tenet")
      << "tenant lumen2 extends nothing_here {\n";
  const json answer = ask(*service, root, R"({"op":"reload"})");
  EXPECT_EQ(code(answer), "invalid_request") << answer.dump();
  EXPECT_EQ(answer["tokens"], json::parse(R"({"ok":true,"count":1})")) << answer.dump();
  EXPECT_EQ(message(ask(*service, checker, kLumenCheck)), kRevoked);
  EXPECT_EQ(ask(*service, root, kLumenCheck)["decision"], "allow");
}

TEST_F(TokenRevocationTest, WithoutATokenFileTheReloadAnswerHasNoTokens) {
  auto service = make_service();
  Protocol root(*service);
  hello(*service, root, "root");
  const json answer = ask(*service, root, R"({"op":"reload"})");
  EXPECT_EQ(answer.value("ok", false), true) << answer.dump();
  EXPECT_FALSE(answer.contains("tokens"));
  EXPECT_EQ(ask(*service, root, kLumenCheck)["decision"], "allow");
}

}  // namespace
}  // namespace tenet::server
