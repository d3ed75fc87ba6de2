// Tokens that expire (server/tokens, server/protocol without sockets): the
// `expires=` field of a token-file line and its refusals, the UTC time and
// duration syntaxes, hello refusing an expired token and saying when a
// valid one expires, a session whose token expires while it is open, and an
// expiry changed by a reload of the token file.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "server/protocol.hpp"
#include "tests/support/temp_dir.hpp"

namespace tenet::server {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

const std::string kLumenCheck =
    R"({"id":1,"op":"check","tenant":"lumen","principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified","account_age_days":40}},"action":"read","resource":{"type":"document","id":"d1","tenant":"lumen","attrs":{"owner":"u1","locked":false,"classification":"internal"}}})";

std::string hash_hex(const std::string& token) {
  const auto hash = sha256(token);
  return to_hex(hash.data(), hash.size());
}

std::string file_line(const std::string& token, const std::string& tenant,
                      const std::string& rights, const std::string& more = {}) {
  return hash_hex(token) + ' ' + tenant + ' ' + rights + (more.empty() ? "" : " " + more) + '\n';
}

sys_seconds utc(int year, unsigned month, unsigned day, int hour = 0, int minute = 0,
                int second = 0) {
  return sys_days{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}} +
         std::chrono::hours{hour} + std::chrono::minutes{minute} + std::chrono::seconds{second};
}

// A whole second at least `ahead` from now (an expiry is whole seconds).
sys_seconds seconds_from_now(int ahead) {
  return std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::now()) +
         std::chrono::seconds{ahead};
}

TEST(UtcTime, ParsesAndFormatsTheOneFormOfTheTokenFile) {
  EXPECT_EQ(parse_utc_time("2027-01-31T00:00:00Z"), utc(2027, 1, 31));
  EXPECT_EQ(parse_utc_time("2028-02-29T23:59:59Z"), utc(2028, 2, 29, 23, 59, 59));
  EXPECT_EQ(parse_utc_time("1970-01-01T00:00:00Z"), sys_seconds{});
  EXPECT_EQ(format_utc_time(utc(2027, 1, 31)), "2027-01-31T00:00:00Z");
  EXPECT_EQ(format_utc_time(utc(2028, 2, 29, 23, 5, 9)), "2028-02-29T23:05:09Z");
  EXPECT_EQ(format_utc_time(sys_seconds{}), "1970-01-01T00:00:00Z");
  for (const char* bad :
       {"", "2027-01-31", "2027-01-31T00:00:00", "2027-01-31T00:00:00z", "2027-01-31 00:00:00Z",
        "2027-01-31T00:00:00+01:00", "2027-01-31T00:00:00.5Z", "2027-02-29T00:00:00Z",
        "2027-13-01T00:00:00Z", "2027-00-10T00:00:00Z", "2027-04-31T00:00:00Z",
        "2027-01-31T24:00:00Z", "2027-01-31T23:60:00Z", "2027-01-31T23:59:60Z",
        "2027-1-31T00:00:00Z", "+027-01-31T00:00:00Z", "2027-01-31T00:00:00ZZ"}) {
    EXPECT_FALSE(parse_utc_time(bad)) << bad;
  }
}

TEST(Duration, TakesNumberUnitPairs) {
  using std::chrono::seconds;
  EXPECT_EQ(parse_duration("45s"), seconds{45});
  EXPECT_EQ(parse_duration("30m"), seconds{1800});
  EXPECT_EQ(parse_duration("12h"), seconds{12 * 3600});
  EXPECT_EQ(parse_duration("90d"), seconds{90 * 86400});
  EXPECT_EQ(parse_duration("2w"), seconds{14 * 86400});
  EXPECT_EQ(parse_duration("1d12h"), seconds{36 * 3600});
  for (const char* bad : {"", "5", "d", "5x", "0s", "0d0h", "-5m", "1.5h", "5 m", "36601d",
                          "99999999999999999999s", "1d 2h"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
}

TEST(TokenFileExpiry, ALineMayCarryAnExpiry) {
  const auto loaded =
      TokenStore::parse(file_line("a", "acme", "check", "expires=2027-01-31T00:00:00Z") +
                            file_line("b", "*", "admin"),
                        "tokens");
  ASSERT_TRUE(loaded.store) << loaded.error;
  const auto a = loaded.store->authenticate("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->expires, utc(2027, 1, 31));
  EXPECT_FALSE(a->expired_at(utc(2027, 1, 30, 23, 59, 59)));
  EXPECT_TRUE(a->expired_at(utc(2027, 1, 31)));  // from that instant on
  const auto b = loaded.store->authenticate("b");
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->expires);
  EXPECT_FALSE(b->expired_at(utc(9999, 12, 31)));
}

TEST(TokenFileExpiry, MalformedOrUnknownFieldsAreRefusedWithTheirLine) {
  const std::string good = file_line("ok", "*", "check");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"expires=2027-02-30T00:00:00Z", "expires must be a UTC time YYYY-MM-DDTHH:MM:SSZ"},
      {"expires=2027-01-31", "not '2027-01-31'"},
      {"expires=", "expires must be a UTC time"},
      {"expires=2027-01-31T00:00:00+01:00", "expires must be a UTC time"},
      {"expire=2027-01-31T00:00:00Z", "unknown field 'expire=2027-01-31T00:00:00Z'"},
      {"note", "unknown field 'note' after the rights"},
      {"expires=2027-01-31T00:00:00Z expires=2028-01-31T00:00:00Z", "expires is given twice"},
  };
  for (const auto& [fields, expected] : cases) {
    const auto loaded =
        TokenStore::parse("# first\n" + good + file_line("t", "acme", "check", fields), "tok.txt");
    EXPECT_FALSE(loaded.store) << fields;
    EXPECT_EQ(loaded.error.rfind("tok.txt:3: ", 0), 0U) << loaded.error;
    EXPECT_NE(loaded.error.find(expected), std::string::npos) << loaded.error;
  }
  const auto short_line = TokenStore::parse(hash_hex("t") + " acme\n", "tok.txt");
  EXPECT_EQ(short_line.error,
            "tok.txt:1: expected `SHA256HEX TENANT RIGHTS [expires=YYYY-MM-DDTHH:MM:SSZ]`");
}

class TokenExpiryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(fs::path(TENET_SOURCE_DIR) / "policies", dir_.path() / "policies",
             fs::copy_options::recursive);
  }

  // A service with the tokens of `file_text`, read again on reload.
  std::unique_ptr<Service> make_service(const std::string& file_text) {
    std::ofstream(token_file_, std::ios::trunc) << file_text;
    auto tokens = TokenStore::load(token_file_);
    EXPECT_TRUE(tokens.store) << tokens.error;
    auto features = std::make_unique<FeatureState>();
    EXPECT_FALSE(FeatureState::load(std::nullopt, *features));
    auto loaded = Engine::load(dir_.path() / "policies");
    EXPECT_TRUE(loaded.engine);
    auto service = std::make_unique<Service>(dir_.path() / "policies", std::move(loaded.engine),
                                             std::move(tokens.store), std::move(features));
    service->set_token_file(token_file_);
    return service;
  }

  json ask(Service& service, Protocol& protocol, const std::string& line) {
    auto policies = service.engine().snapshot();
    std::string out;
    protocol.handle(policies, line, scratch_, out);
    EXPECT_TRUE(!out.empty() && out.back() == '\n') << out;
    return json::parse(out);
  }
  json hello(Service& service, Protocol& protocol, const std::string& token) {
    return ask(service, protocol, json{{"op", "hello"}, {"token", token}}.dump());
  }
  static std::string code(const json& answer) {
    return answer.contains("error") ? answer["error"].value("code", "") : "";
  }
  static std::string message(const json& answer) {
    return answer.contains("error") ? answer["error"].value("message", "") : "";
  }

  test_support::TempDir dir_{"tenet-token-expiry"};
  const fs::path token_file_ = dir_.path() / "tokens";
  Scratch scratch_;
};

TEST_F(TokenExpiryTest, HelloSaysWhenTheTokenExpiresAndRefusesAnExpiredOne) {
  auto service = make_service(file_line("later", "lumen", "check", "expires=2999-12-31T23:59:59Z") +
                              file_line("never", "*", "check,admin") +
                              file_line("past", "lumen", "check", "expires=2020-01-01T00:00:00Z"));
  Protocol session(*service);
  json answer = hello(*service, session, "later");
  EXPECT_EQ(answer.value("ok", false), true) << answer.dump();
  EXPECT_EQ(answer["expires"], "2999-12-31T23:59:59Z") << answer.dump();
  EXPECT_EQ(ask(*service, session, kLumenCheck)["decision"], "allow");

  answer = hello(*service, session, "never");
  EXPECT_EQ(answer.value("ok", false), true) << answer.dump();
  ASSERT_TRUE(answer.contains("expires")) << answer.dump();
  EXPECT_TRUE(answer["expires"].is_null()) << answer.dump();

  // An expired token: refused, the session has no rights left, and it
  // counts as a failed hello.
  answer = hello(*service, session, "past");
  EXPECT_EQ(code(answer), "unauthenticated") << answer.dump();
  EXPECT_EQ(message(answer), "the token expired at 2020-01-01T00:00:00Z");
  EXPECT_FALSE(session.grant());
  EXPECT_EQ(code(ask(*service, session, kLumenCheck)), "unauthenticated");
  const json stats = [&] {
    Protocol admin(*service);
    hello(*service, admin, "never");
    return ask(*service, admin, R"({"op":"stats"})");
  }();
  EXPECT_EQ(stats.value("failed_hellos", 0), 1) << stats.dump();
}

TEST_F(TokenExpiryTest, ASessionIsRefusedOnItsFirstRequestAfterItsTokenExpired) {
  const sys_seconds expiry = seconds_from_now(1);  // 1 to 2 s from now
  auto service =
      make_service(file_line("brief", "lumen", "check", "expires=" + format_utc_time(expiry)) +
                   file_line("never", "lumen", "check"));
  Protocol brief(*service);
  Protocol other(*service);
  ASSERT_EQ(hello(*service, brief, "brief")["expires"], format_utc_time(expiry));
  ASSERT_EQ(hello(*service, other, "never").value("ok", false), true);
  EXPECT_EQ(ask(*service, brief, kLumenCheck)["decision"], "allow");

  // Ask until refused: bounded, well past the expiry.
  json answer;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < give_up) {
    answer = ask(*service, brief, kLumenCheck);
    if (answer.contains("error")) break;
    EXPECT_LT(std::chrono::system_clock::now(), expiry + std::chrono::seconds(1))
        << "a decision answered a second after the expiry";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GE(std::chrono::system_clock::now(), expiry);
  EXPECT_EQ(code(answer), "unauthenticated") << answer.dump();
  EXPECT_EQ(message(answer), "the token of this session expired at " + format_utc_time(expiry) +
                                 "; send hello with a valid token");
  EXPECT_FALSE(brief.grant());
  EXPECT_EQ(message(ask(*service, brief, kLumenCheck)), "send hello with a token first");
  EXPECT_EQ(code(ask(*service, brief, R"({"op":"stats"})")), "unauthenticated");
  EXPECT_EQ(code(hello(*service, brief, "brief")), "unauthenticated");
  // The other session never notices.
  EXPECT_EQ(ask(*service, other, kLumenCheck)["decision"], "allow");
}

TEST_F(TokenExpiryTest, AnExpiryChangedInTheFileAppliesAtTheNextRequest) {
  auto service =
      make_service(file_line("root", "*", "check,admin") + file_line("partner", "lumen", "check"));
  Protocol root(*service);
  Protocol partner(*service);
  ASSERT_EQ(hello(*service, root, "root").value("ok", false), true);
  ASSERT_TRUE(hello(*service, partner, "partner")["expires"].is_null());

  // A far expiry added: the session keeps working.
  std::ofstream(token_file_, std::ios::trunc)
      << file_line("root", "*", "check,admin")
      << file_line("partner", "lumen", "check", "expires=2999-01-01T00:00:00Z");
  json answer = ask(*service, root, R"({"op":"reload"})");
  ASSERT_EQ(answer["tokens"], json::parse(R"({"ok":true,"count":2})")) << answer.dump();
  EXPECT_EQ(ask(*service, partner, kLumenCheck)["decision"], "allow");
  ASSERT_TRUE(partner.grant());
  EXPECT_EQ(partner.grant()->expires, utc(2999, 1, 1));

  // An expiry in the past: refused at once, as expired (not as revoked).
  std::ofstream(token_file_, std::ios::trunc)
      << file_line("root", "*", "check,admin")
      << file_line("partner", "lumen", "check", "expires=2021-06-01T12:00:00Z");
  answer = ask(*service, root, R"({"op":"reload"})");
  ASSERT_EQ(answer["tokens"], json::parse(R"({"ok":true,"count":2})")) << answer.dump();
  answer = ask(*service, partner, kLumenCheck);
  EXPECT_EQ(message(answer),
            "the token of this session expired at 2021-06-01T12:00:00Z; send hello with a valid "
            "token")
      << answer.dump();
  EXPECT_EQ(ask(*service, root, kLumenCheck)["decision"], "allow");
}

TEST_F(TokenExpiryTest, AReloadWithAMalformedExpiryKeepsTheTokensServing) {
  auto service =
      make_service(file_line("root", "*", "check,admin") + file_line("partner", "lumen", "check"));
  Protocol root(*service);
  Protocol partner(*service);
  ASSERT_EQ(hello(*service, root, "root").value("ok", false), true);
  ASSERT_EQ(hello(*service, partner, "partner").value("ok", false), true);
  std::ofstream(token_file_, std::ios::trunc)
      << file_line("root", "*", "check,admin")
      << file_line("partner", "lumen", "check", "expires=2021-06-01");
  const json answer = ask(*service, root, R"({"op":"reload"})");
  ASSERT_EQ(answer["tokens"]["ok"], false) << answer.dump();
  EXPECT_EQ(answer["tokens"]["message"],
            token_file_.string() +
                ":2: expires must be a UTC time YYYY-MM-DDTHH:MM:SSZ (e.g. 2027-01-31T00:00:00Z), "
                "not '2021-06-01'; the tokens serving are kept");
  EXPECT_EQ(ask(*service, partner, kLumenCheck)["decision"], "allow");
}

}  // namespace
}  // namespace tenet::server
