// `tenet serve --metrics HOST:PORT` (server/metrics_http, docs/METRICS.md)
// through real HTTP clients: curl scrapes /metrics and Prometheus' own
// parser (`promtool check metrics`, Debian's prometheus) accepts it; the
// counters move with the decisions made; /healthz and /readyz answer; other
// paths and methods are refused; an oversized header closes the connection
// without taking the server down; --metrics-without-partners drops the
// per-partner series. And `stats` scoped by the token (docs/PROTOCOL.md):
// a partner admin sees its own decisions and nothing of the other partners
// or of the server's volume; a global admin sees every partner.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "tests/support/command_output.hpp"
#include "tests/support/json_answer.hpp"
#include "tests/support/metrics_scrape.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using nlohmann::json;
using tenet::test_support::command_output;
using tenet::test_support::connect_tcp;
using tenet::test_support::curl;
using tenet::test_support::LineClient;
using tenet::test_support::metrics_address;
using tenet::test_support::Millis;
using tenet::test_support::parse_answer;
using tenet::test_support::sample;
using tenet::test_support::ServerProcess;
using tenet::test_support::TempDir;

const std::string kBinary = tenet::test_support::tenet_binary(TENET_BINARY);
const std::string kPolicies = std::string(TENET_SOURCE_DIR) + "/policies";

#define START_SERVER(name, dir, ...) TENET_START_SERVER(name, kBinary, dir, __VA_ARGS__)

const std::string kCheck =
    R"({"op":"check","tenant":"cedar","principal":{"id":"u1","role":"trader","attrs":{"kyc":"verified","account_age_days":100,"country":"DE","tags":["desk"]}},"action":"read","resource":{"type":"document","id":"d1","tenant":"cedar","attrs":{"owner":"u1","locked":false,"classification":"internal"}},"context":{"mfa":true}})";

TEST(Metrics, PromtoolAcceptsTheScrapeAndTheCountersMove) {
  START_SERVER(server, kPolicies, {"--metrics", "127.0.0.1:0"});
  const std::string address = metrics_address(server);
  ASSERT_FALSE(address.empty()) << server.stderr_text();
  const std::string before = curl("http://" + address + "/metrics");
  EXPECT_EQ(sample(before, "tenet_decisions_total{decision=\"allow\"}"), "0") << before;

  EXPECT_EQ(sample(before, "tenet_partner_decisions_total{tenant=\"cedar\",decision=\"allow\"}"),
            "0")
      << before;
  EXPECT_EQ(sample(before, "tenet_units_refused_total"), "0") << before;

  LineClient client = connect_tcp(server);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(parse_answer(client.request(kCheck))["decision"], "allow");
  EXPECT_EQ(parse_answer(client.request("{not json"))["error"]["code"], "bad_json");
  // A request for a tenant not served: counted apart, under no partner.
  json unknown = json::parse(kCheck);
  unknown["tenant"] = "nobody";
  unknown["resource"]["tenant"] = "nobody";
  EXPECT_EQ(parse_answer(client.request(unknown.dump()))["decision"], "deny");
  // A partner unit that does not compile: refused, counted.
  const json refused = parse_answer(client.request(json{
      {"op", "put_policy"},
      {"tenant", "cedar"},
      {"source", "tenant cedar { not tenet"}}.dump()));
  EXPECT_EQ(refused["error"]["code"], "invalid_policy") << refused;
  const std::string after = curl("http://" + address + "/metrics");
  EXPECT_EQ(sample(after, "tenet_decisions_total{decision=\"allow\"}"), "5") << after;
  EXPECT_EQ(sample(after, "tenet_partner_decisions_total{tenant=\"cedar\",decision=\"allow\"}"),
            "5")
      << after;
  EXPECT_EQ(sample(after, "tenet_partner_decisions_total{tenant=\"northwind\",decision=\"allow\"}"),
            "0")
      << after;
  EXPECT_EQ(sample(after, "tenet_unknown_tenant_decisions_total{decision=\"deny\"}"), "1") << after;
  EXPECT_EQ(sample(after, "tenet_units_refused_total"), "1") << after;
  EXPECT_EQ(sample(after, "tenet_errors_total{code=\"bad_json\"}"), "1") << after;
  EXPECT_EQ(sample(after, "tenet_request_duration_seconds_count{op=\"check\"}"), "6") << after;
  // The bad line (and the scrape's own put_policy is an admin job, not timed here).
  EXPECT_EQ(sample(after, "tenet_request_duration_seconds_count{op=\"other\"}"), "1") << after;
  EXPECT_EQ(sample(after, "tenet_connections"), "1") << after;
  EXPECT_EQ(sample(after, "tenet_partner_revision{tenant=\"cedar\"}"), "1") << after;
  EXPECT_EQ(sample(after, "tenet_partners{state=\"served\"}"), "5") << after;

  // Prometheus' own parser, on the scrape as served.
  const std::string checked = tenet::test_support::promtool_check(address);
  EXPECT_NE(checked.find("exit 0"), std::string::npos) << checked;
}

TEST(Metrics, HealthReadinessAndRefusals) {
  START_SERVER(server, kPolicies, {"--metrics", "127.0.0.1:0", "--metrics-without-partners"});
  const std::string address = metrics_address(server);
  ASSERT_FALSE(address.empty()) << server.stderr_text();
  const auto status = [&](const std::string& arguments) {
    return curl("-o /dev/null -w '%{http_code}' " + arguments);
  };
  EXPECT_EQ(status("http://" + address + "/healthz"), "200");
  EXPECT_EQ(status("http://" + address + "/readyz"), "200");
  EXPECT_EQ(status("http://" + address + "/other"), "404");
  EXPECT_EQ(status("-X POST http://" + address + "/metrics"), "405");
  const std::string lean = curl("http://" + address + "/metrics");
  EXPECT_EQ(lean.find("tenet_partner_revision"), std::string::npos) << lean;
  EXPECT_EQ(lean.find("tenet_partner_decisions_total"), std::string::npos) << lean;
  // A header over the 8 KiB limit: the connection is closed, the server stays.
  const std::string huge =
      curl("-o /dev/null -w '%{http_code}' -H 'X-Big: " + std::string(20000, 'a') + "' http://" +
           address + "/metrics");
  EXPECT_NE(huge, "200") << huge;
  EXPECT_EQ(status("http://" + address + "/healthz"), "200");
  LineClient client = connect_tcp(server);
  EXPECT_EQ(parse_answer(client.request(kCheck))["decision"], "allow");
}

// ------------------------------------------------------------------ scoped stats

struct Token {
  std::string token;
  std::string file_line;
};

// `tenet token new`: line 1 the token, line 2 the token-file line.
Token new_token(const std::string& tenant, const std::string& rights) {
  std::istringstream out(
      command_output(kBinary + " token new --tenant '" + tenant + "' --rights " + rights));
  Token token;
  std::getline(out, token.token);
  std::getline(out, token.file_line);
  if (token.token.empty() || token.file_line.size() < 64)
    ADD_FAILURE() << "`tenet token new` printed no token";
  return token;
}

json hello(LineClient& client, const Token& token) {
  return parse_answer(client.request(json{{"op", "hello"}, {"token", token.token}}.dump()));
}

std::string check_of(const std::string& tenant) {
  json check = json::parse(kCheck);
  check["tenant"] = tenant;
  check["resource"]["tenant"] = tenant;
  return check.dump();
}

// cedar's admin asks for stats after cedar and northwind decided: it gets
// cedar's counts and revision, and no other partner's name, no server-wide
// total; the global admin gets every partner.
TEST(Metrics, APartnerAdminsStatsShowOnlyItsOwnPartner) {
  const TempDir dir;
  const Token global = new_token("*", "check,admin");
  const Token cedar_admin = new_token("cedar", "check,admin");
  const Token northwind = new_token("northwind", "check");
  const Token cedar_check = new_token("cedar", "check");
  const std::filesystem::path tokens = dir.path() / "tokens";
  std::ofstream(tokens) << global.file_line << '\n'
                        << cedar_admin.file_line << '\n'
                        << northwind.file_line << '\n'
                        << cedar_check.file_line << '\n';
  START_SERVER(server, kPolicies, {"--tokens", tokens.string()});

  LineClient cedar = connect_tcp(server);
  ASSERT_EQ(hello(cedar, cedar_admin)["ok"], true);
  std::uint64_t cedar_revision = 0;
  for (int i = 0; i < 3; ++i) {
    const json answer = parse_answer(cedar.request(check_of("cedar")));
    EXPECT_EQ(answer["decision"], "allow") << answer;
    cedar_revision = answer.value("revision", std::uint64_t{0});
  }
  LineClient other = connect_tcp(server);
  ASSERT_EQ(hello(other, northwind)["ok"], true);
  for (int i = 0; i < 7; ++i) {
    const json answer = parse_answer(other.request(check_of("northwind")));
    EXPECT_TRUE(answer.contains("decision")) << answer;
  }
  // A check-only token of cedar has no stats.
  LineClient checker = connect_tcp(server);
  ASSERT_EQ(hello(checker, cedar_check)["ok"], true);
  EXPECT_EQ(parse_answer(checker.request(R"({"op":"stats"})"))["error"]["code"], "forbidden");

  LineClient admin = connect_tcp(server);
  ASSERT_EQ(hello(admin, global)["ok"], true);
  const json all = parse_answer(admin.request(R"({"op":"stats"})"));
  ASSERT_TRUE(all.contains("partners")) << all;
  EXPECT_EQ(all["partners"]["cedar"], json::parse(R"({"allow":3,"deny":0,"invalid_request":0})"))
      << all;
  EXPECT_EQ(all["partners"]["northwind"]["allow"].get<int>() +
                all["partners"]["northwind"]["deny"].get<int>(),
            7)
      << all;
  EXPECT_EQ(all["partners"].size(), 5U) << all;  // every partner served, decided or not
  EXPECT_TRUE(all.contains("requests") && all.contains("connections")) << all;

  const json mine = parse_answer(cedar.request(R"({"id":"s","op":"stats"})"));
  EXPECT_EQ(mine["ok"], true) << mine;
  EXPECT_EQ(mine["id"], "s") << mine;
  EXPECT_EQ(mine["tenant"], "cedar") << mine;
  EXPECT_EQ(mine["decisions"], json::parse(R"({"allow":3,"deny":0,"invalid_request":0})")) << mine;
  EXPECT_EQ(mine["revision"], cedar_revision) << mine;
  EXPECT_GT(cedar_revision, 0U);
  EXPECT_TRUE(mine.contains("policy_version")) << mine;
  const std::string text = mine.dump();
  for (const auto& [partner, counts] : all["partners"].items()) {
    if (partner != "cedar") {
      EXPECT_EQ(text.find(partner), std::string::npos) << partner << text;
    }
  }
  for (const char* global_member :
       {"requests", "errors", "connections", "latency_us", "partners", "reloads", "failed_hellos",
        "unknown_tenant", "units_refused"}) {
    EXPECT_FALSE(mine.contains(global_member)) << global_member << ' ' << text;
  }
}

}  // namespace
