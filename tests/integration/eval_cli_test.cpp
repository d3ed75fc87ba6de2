// `tenet eval` and `tenet test` through the real binary (popen, as
// tests/integration/cli_test.cpp): a 1,000-line NDJSON run, bad lines among good ones,
// line limits, exit codes, and the FAIL report of a failing test file.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/command_output.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using CliRun = tenet::test_support::CommandRun;

CliRun run(const std::string& arguments) {
  const std::string command = std::string(TENET_BINARY) + " " + arguments;
  return tenet::test_support::run_command(command);
}

std::vector<std::string> lines(const std::string& text) {
  return tenet::test_support::lines_of(text);
}

const std::string kExample = std::string(TENET_SOURCE_DIR) + "/tests/testdata/protocol_example";

fs::path temp_file(const std::string& name, const std::string& text) {
  const fs::path path =
      fs::temp_directory_path() / ("tenet-eval-" + name + "-" + std::to_string(::getpid()));
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(EvalCli, ThousandLinesInOrder) {
  std::string input;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = std::to_string(i);
    switch (i % 4) {
      case 0:
        input +=
            R"({"id":)" + id +
            R"(,"op":"check","tenant":"acme","principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified"}},"action":"read","resource":{"type":"document","id":"d1","tenant":"acme","attrs":{"owner":"u1","locked":false}}})";
        break;
      case 1:
        input +=
            R"({"id":)" + id +
            R"(,"op":"transition","tenant":"acme","principal":{"id":"u2","role":"guest","attrs":{"kyc":"pending"}},"to":"basic"})";
        break;
      case 2:
        input += "this is not json " + id;
        break;
      default:
        input += R"({"id":)" + id +
                 R"(,"op":"plans","tenant":"acme","principal":{"id":"u","role":"basic"}})";
    }
    input += i % 10 == 0 ? "\n\n" : "\n";  // blank lines are skipped
  }
  const fs::path file = temp_file("thousand", input);
  const CliRun result = run("eval '" + kExample + "' '" + file.string() + "'");
  fs::remove(file);
  ASSERT_EQ(result.status, 0) << result.output.substr(0, 500);
  const std::vector<std::string> out = lines(result.output);
  ASSERT_EQ(out.size(), 1000U);
  for (int i = 0; i < 1000; ++i) {
    const json response = json::parse(out[static_cast<std::size_t>(i)]);
    switch (i % 4) {
      case 0:
        EXPECT_EQ(response["decision"], "allow");
        break;
      case 1:
        EXPECT_EQ(response["unmet"][0], "principal.kyc == \"verified\"");
        break;
      case 2:
        EXPECT_EQ(response["error"]["code"], "bad_json");
        break;
      default:
        EXPECT_EQ(response["plans"][0], "starter");
        break;
    }
    if (i % 4 != 2) {
      EXPECT_EQ(response["id"], i);
    }
  }
}

TEST(EvalCli, StdinExplainAndLineLimit) {
  const fs::path file = temp_file(
      "stdin",
      std::string(R"({"op":"plans","tenant":"acme","principal":{"id":"u","role":"basic"}})") +
          "\n" + R"({"id":"long","op":"plans","tenant":"acme","principal":{"id":")" +
          std::string(300, 'x') + R"(","role":"basic"}})" + "\r\n" +
          R"({"op":"features","tenant":"acme","principal":{"id":"u","role":"basic"}})");
  const CliRun result =
      run("eval --explain --max-line 200 '" + kExample + "' < '" + file.string() + "'");
  fs::remove(file);
  ASSERT_EQ(result.status, 0);
  const std::vector<std::string> out = lines(result.output);
  ASSERT_EQ(out.size(), 3U);
  EXPECT_TRUE(json::parse(out[0]).contains("trace"));
  EXPECT_EQ(json::parse(out[1])["error"]["code"], "too_large");
  EXPECT_EQ(json::parse(out[2])["features"], json::array());  // last line without '\n'
}

TEST(EvalCli, ExitCodes) {
  EXPECT_EQ(run("eval 2>/dev/null").status, 2);
  EXPECT_EQ(run("eval /nonexistent/dir </dev/null 2>/dev/null").status, 2);
  EXPECT_EQ(run("eval '" + kExample + "' /nonexistent/file 2>/dev/null").status, 2);
  const fs::path broken =
      fs::temp_directory_path() / ("tenet-eval-broken-" + std::to_string(::getpid()));
  fs::create_directories(broken);
  std::ofstream(broken / "p.tenet") << "tenant acme { role guest; role guest; }\n";
  const CliRun policy_errors = run("eval '" + broken.string() + "' </dev/null 2>&1");
  fs::remove_all(broken);
  EXPECT_EQ(policy_errors.status, 1);
  EXPECT_NE(policy_errors.output.find("error:"), std::string::npos);
}

TEST(TestCli, ShippedPoliciesPass) {
  const CliRun result = run("test '" + std::string(TENET_SOURCE_DIR) + "/policies' 2>&1");
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find(" passed, 0 failed"), std::string::npos) << result.output;
}

TEST(TestCli, FailingTestsAreReported) {
  const CliRun result =
      run("test '" + std::string(TENET_SOURCE_DIR) + "/tests/testdata/failing_policy_tests' 2>&1");
  EXPECT_EQ(result.status, 1);
  const std::vector<std::string> expected = {
      "broken_test.tenet:5: FAIL broken on purpose: expected allow, got deny (reasons: "
      "acme:policy.tenet:11; "
      "unmet: principal.kyc == \"verified\")",
      "broken_test.tenet:6: FAIL broken on purpose: expected plans [starter], got []",
      "broken_test.tenet:8: FAIL broken on purpose: request rejected: invalid_request: "
      "resource.attrs.owner: "
      "expected string, got int",
      "broken_test.tenet:10: FAIL broken on purpose: unknown role 'admin' in tenant 'acme'",
      "broken_test.tenet:12: FAIL broken on purpose: unknown tenant 'globex'",
      "2 passed, 5 failed",
  };
  EXPECT_EQ(lines(result.output), expected);
  EXPECT_EQ(run("test /nonexistent/dir 2>/dev/null").status, 2);
  EXPECT_EQ(run("test '" + kExample + "' 2>/dev/null").status, 1);  // no test at all
}

}  // namespace
