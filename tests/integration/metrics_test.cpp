// `tenet serve --metrics HOST:PORT` (server/metrics_http, docs/METRICS.md)
// through real HTTP clients: curl scrapes /metrics and Prometheus' own
// parser (`promtool check metrics`, Debian's prometheus) accepts it; the
// counters move with the decisions made; /healthz and /readyz answer; other
// paths and methods are refused; an oversized header closes the connection
// without taking the server down; --metrics-without-partners drops the
// per-partner series.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "tests/support/command_output.hpp"
#include "tests/support/json_answer.hpp"
#include "tests/support/server_process.hpp"

namespace {

using nlohmann::json;
using tenet::test_support::command_output;
using tenet::test_support::connect_tcp;
using tenet::test_support::LineClient;
using tenet::test_support::Millis;
using tenet::test_support::parse_answer;
using tenet::test_support::ServerProcess;

const std::string kBinary = tenet::test_support::tenet_binary(TENET_BINARY);
const std::string kPolicies = std::string(TENET_SOURCE_DIR) + "/policies";

#define START_SERVER(name, dir, ...) TENET_START_SERVER(name, kBinary, dir, __VA_ARGS__)

const std::string kCheck =
    R"({"op":"check","tenant":"cedar","principal":{"id":"u1","role":"trader","attrs":{"kyc":"verified","account_age_days":100,"country":"DE","tags":["desk"]}},"action":"read","resource":{"type":"document","id":"d1","tenant":"cedar","attrs":{"owner":"u1","locked":false,"classification":"internal"}},"context":{"mfa":true}})";

// The metrics address from the server's `listening` line (bounded wait).
std::string metrics_address(const ServerProcess& server) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::istringstream lines(server.stderr_text());
    for (std::string line; std::getline(lines, line);) {
      const json event = json::parse(line, nullptr, false);
      if (event.is_object() && event.value("event", "") == "listening" && event.contains("metrics"))
        return event["metrics"];
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return {};
}

std::string curl(const std::string& arguments) {
  return command_output("curl -sS --max-time 10 " + arguments + " 2>&1");
}

// The value of the sample `series` (name and labels as written) in `text`.
std::string sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + ' ', 0) == 0) return line.substr(series.size() + 1);
  }
  return "(missing)";
}

TEST(Metrics, PromtoolAcceptsTheScrapeAndTheCountersMove) {
  START_SERVER(server, kPolicies, {"--metrics", "127.0.0.1:0"});
  const std::string address = metrics_address(server);
  ASSERT_FALSE(address.empty()) << server.stderr_text();
  const std::string before = curl("http://" + address + "/metrics");
  EXPECT_EQ(sample(before, "tenet_decisions_total{decision=\"allow\"}"), "0") << before;

  LineClient client = connect_tcp(server);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(parse_answer(client.request(kCheck))["decision"], "allow");
  EXPECT_EQ(parse_answer(client.request("{not json"))["error"]["code"], "bad_json");
  const std::string after = curl("http://" + address + "/metrics");
  EXPECT_EQ(sample(after, "tenet_decisions_total{decision=\"allow\"}"), "5") << after;
  EXPECT_EQ(sample(after, "tenet_errors_total{code=\"bad_json\"}"), "1") << after;
  EXPECT_EQ(sample(after, "tenet_request_duration_seconds_count"), "6") << after;
  EXPECT_EQ(sample(after, "tenet_connections"), "1") << after;
  EXPECT_EQ(sample(after, "tenet_partner_revision{tenant=\"cedar\"}"), "1") << after;
  EXPECT_EQ(sample(after, "tenet_partners{state=\"served\"}"), "5") << after;

  // Prometheus' own parser, on the scrape as served.
  const std::string checked = command_output("curl -sS --max-time 10 http://" + address +
                                             "/metrics | promtool check metrics 2>&1; echo "
                                             "\"exit $?\"");
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
  EXPECT_EQ(curl("http://" + address + "/metrics").find("tenet_partner_revision"),
            std::string::npos);
  // A header over the 8 KiB limit: the connection is closed, the server stays.
  const std::string huge =
      curl("-o /dev/null -w '%{http_code}' -H 'X-Big: " + std::string(20000, 'a') + "' http://" +
           address + "/metrics");
  EXPECT_NE(huge, "200") << huge;
  EXPECT_EQ(status("http://" + address + "/healthz"), "200");
  LineClient client = connect_tcp(server);
  EXPECT_EQ(parse_answer(client.request(kCheck))["decision"], "allow");
}

}  // namespace
