// Declared actions (docs/LANGUAGE.md §3, "Actions") through a real `tenet
// serve` on loopback, over the shipped policies/: the schema declares read,
// create, write and delete on every type, share on documents and trade on
// accounts; northwind alone declares `archive` on documents. A check or
// filter naming an action the tenant does not declare for the type is an
// invalid_request (decision deny) whose message names the action, the type
// and the tenant, with a suggestion for a typo; `*` in a rule covers every
// declared action, a partner's own included. `tenet eval` answers the same
// lines the same way. Every wait is bounded.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/command_output.hpp"
#include "tests/support/json_answer.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using nlohmann::json;
using tenet::test_support::command_output;
using tenet::test_support::connect_tcp;
using tenet::test_support::error_code;
using tenet::test_support::LineClient;
using tenet::test_support::Millis;
using tenet::test_support::parse_answer;
using tenet::test_support::ServerProcess;
using tenet::test_support::TempDir;

const std::string kBinary = tenet::test_support::tenet_binary(TENET_BINARY);
const std::string kPolicies = std::string(TENET_SOURCE_DIR) + "/policies";

#define START_SERVER(name, dir, ...) TENET_START_SERVER(name, kBinary, dir, __VA_ARGS__)

json principal(const std::string& id, const std::string& role) {
  return {{"id", id},
          {"role", role},
          {"attrs",
           {{"kyc", "verified"},
            {"account_age_days", 40},
            {"country", "DE"},
            {"tags", json::array()}}}};
}

json document(const std::string& tenant, const std::string& owner,
              const std::string& classification = "internal") {
  return {{"type", "document"},
          {"id", "d1"},
          {"tenant", tenant},
          {"attrs", {{"owner", owner}, {"locked", false}, {"classification", classification}}}};
}

json account(const std::string& tenant, const std::string& owner) {
  return {{"type", "account"}, {"id", "a1"}, {"tenant", tenant}, {"attrs", {{"owner", owner}}}};
}

json check(const std::string& tenant, const json& who, const std::string& action,
           const json& resource) {
  return {{"op", "check"},    {"tenant", tenant},     {"principal", who},
          {"action", action}, {"resource", resource}, {"context", {{"mfa", true}}}};
}

json filter(const std::string& tenant, const json& who, const std::string& action) {
  return {{"op", "filter"},
          {"tenant", tenant},
          {"principal", who},
          {"action", action},
          {"resource_type", "document"},
          {"context", {{"mfa", true}}}};
}

json ask(LineClient& client, const json& request) {
  return parse_answer(client.request(request.dump(), Millis(10000)));
}

// An invalid_request error carrying exactly `message`.
void expect_invalid_request(const json& answer, const std::string& message) {
  EXPECT_EQ(error_code(answer), "invalid_request") << answer;
  EXPECT_EQ(answer["error"].value("message", ""), message) << answer;
}

// A check's: the decision is deny.
void expect_invalid(const json& answer, const std::string& message) {
  EXPECT_EQ(answer["decision"], "deny") << answer;
  expect_invalid_request(answer, message);
}

TEST(DeclaredActions, ACheckNamingAnUndeclaredActionIsInvalidRequest) {
  START_SERVER(server, kPolicies, {});
  LineClient client = connect_tcp(server);
  const json alice = principal("u1", "basic");

  // A typo of a declared action: the message names the action, the type and
  // the tenant, and suggests the action meant.
  const json typo = ask(client, check("acme", alice, "raed", document("acme", "u1")));
  expect_invalid(typo,
                 "action 'raed' is not declared for resource type 'document' in tenant 'acme' "
                 "(did you mean 'read'?)");
  EXPECT_FALSE(typo.contains("reasons") && !typo["reasons"].empty()) << typo;
  // The same request spelt right is a decision like any other.
  const json read = ask(client, check("acme", alice, "read", document("acme", "u1")));
  EXPECT_EQ(read["decision"], "allow") << read;
  EXPECT_EQ(error_code(read), "") << read;

  // Nothing close: no suggestion.
  expect_invalid(ask(client, check("acme", alice, "teleport", document("acme", "u1"))),
                 "action 'teleport' is not declared for resource type 'document' in tenant "
                 "'acme'");
  // Declared for another type only: `share` is the schema's on documents, not on accounts.
  EXPECT_EQ(ask(client, check("acme", alice, "share", document("acme", "u1")))["decision"], "deny");
  expect_invalid(ask(client, check("acme", alice, "share", account("acme", "u1"))),
                 "action 'share' is not declared for resource type 'account' in tenant 'acme'");

  // The undeclared action is the error reported when an attribute is wrong too.
  json wrong_kyc = check("acme", alice, "raed", document("acme", "u1"));
  wrong_kyc["principal"]["attrs"]["kyc"] = "maybe";
  expect_invalid(ask(client, wrong_kyc),
                 "action 'raed' is not declared for resource type 'document' in tenant 'acme' "
                 "(did you mean 'read'?)");
  // Isolation comes first: an unknown role or type denies with its reason.
  const json ghost =
      ask(client, check("acme", principal("u1", "ghost"), "raed", document("acme", "u1")));
  EXPECT_EQ(ghost["reasons"], json::array({"unknown_role"})) << ghost;
  EXPECT_EQ(error_code(ghost), "") << ghost;
}

TEST(DeclaredActions, ArchiveIsNorthwindsOwnAction) {
  START_SERVER(server, kPolicies, {});
  LineClient client = connect_tcp(server);
  const json advanced = principal("u5", "advanced");

  // Northwind declares `archive` on documents: advanced users archive their own.
  const json own =
      ask(client, check("northwind", advanced, "archive", document("northwind", "u5")));
  EXPECT_EQ(own["decision"], "allow") << own;
  EXPECT_EQ(own["reasons"], json::array({"northwind:advanced-archives-own"})) << own;
  const json others =
      ask(client, check("northwind", advanced, "archive", document("northwind", "u6")));
  EXPECT_EQ(others["decision"], "deny") << others;
  EXPECT_EQ(others["reasons"], json::array({"no_permit"})) << others;
  EXPECT_EQ(error_code(others), "") << others;
  const json basic = ask(
      client, check("northwind", principal("u5", "basic"), "archive", document("northwind", "u5")));
  EXPECT_EQ(basic["decision"], "deny") << basic;
  EXPECT_EQ(error_code(basic), "") << basic;

  // `*` covers it: the template's `forbid * on document` (secret documents
  // need MFA) applies to northwind's own action too.
  json secret = check("northwind", advanced, "archive", document("northwind", "u5", "secret"));
  secret["context"]["mfa"] = false;
  const json refused = ask(client, secret);
  EXPECT_EQ(refused["decision"], "deny") << refused;
  EXPECT_EQ(refused["reasons"], json::array({"northwind:secret-needs-mfa"})) << refused;

  // Only on documents, and only at northwind.
  expect_invalid(
      ask(client, check("northwind", advanced, "archive", account("northwind", "u5"))),
      "action 'archive' is not declared for resource type 'account' in tenant 'northwind'");
  expect_invalid(ask(client, check("acme", advanced, "archive", document("acme", "u5"))),
                 "action 'archive' is not declared for resource type 'document' in tenant "
                 "'acme'");
}

TEST(DeclaredActions, AFilterWithAnUndeclaredActionIsNeverAndInvalidRequest) {
  START_SERVER(server, kPolicies, {});
  LineClient client = connect_tcp(server);
  const json advanced = principal("u5", "advanced");

  // A filter answer has no decision: its never filter fails closed.
  const json refused = ask(client, filter("acme", advanced, "archive"));
  expect_invalid_request(refused,
                         "action 'archive' is not declared for resource type 'document' in tenant "
                         "'acme'");
  ASSERT_TRUE(refused.contains("filter")) << refused;
  EXPECT_EQ(refused["filter"]["kind"], "never") << refused;
  EXPECT_EQ(refused["filter"]["condition"], json::parse(R"({"op":"false"})")) << refused;
  EXPECT_EQ(refused["filter"]["sql"], "FALSE") << refused;

  const json typo = ask(client, filter("northwind", advanced, "archiv"));
  expect_invalid_request(typo,
                         "action 'archiv' is not declared for resource type 'document' in tenant "
                         "'northwind' (did you mean 'archive'?)");
  EXPECT_EQ(typo["filter"]["kind"], "never") << typo;

  // Isolation comes first here too: an unknown role is a reason, not an error.
  const json ghost = ask(client, filter("acme", principal("u5", "ghost"), "archive"));
  EXPECT_EQ(ghost["filter"]["kind"], "never") << ghost;
  EXPECT_EQ(ghost["reasons"], json::array({"unknown_role"})) << ghost;
  EXPECT_EQ(error_code(ghost), "") << ghost;

  // Where it is declared, a filter like any other: the owner's rows.
  const json own = ask(client, filter("northwind", advanced, "archive"));
  EXPECT_EQ(error_code(own), "") << own;
  EXPECT_EQ(own["filter"]["kind"], "conditional") << own;
  EXPECT_NE(own["filter"]["params"].dump().find("\"u5\""), std::string::npos) << own;
}

// `tenet eval` and `tenet serve` give the same answers (the server adds the
// partner's revision to decisions).
TEST(DeclaredActions, EvalAnswersLikeTheServer) {
  const json advanced = principal("u5", "advanced");
  const std::vector<json> requests{
      check("acme", advanced, "raed", document("acme", "u5")),
      check("northwind", advanced, "archive", document("northwind", "u5")),
      check("acme", advanced, "archive", document("acme", "u5")),
      filter("acme", advanced, "archive"),
      filter("northwind", advanced, "archive"),
  };
  std::string input;
  for (const json& r : requests) input += r.dump() + "\n";
  const TempDir dir;
  std::ofstream(dir.path() / "in.ndjson", std::ios::binary) << input;
  std::istringstream eval_out(command_output(kBinary + " eval '" + kPolicies + "' '" +
                                             (dir.path() / "in.ndjson").string() + "'"));
  std::vector<json> expected;
  for (std::string line; std::getline(eval_out, line);) expected.push_back(json::parse(line));
  ASSERT_EQ(expected.size(), requests.size());

  START_SERVER(server, kPolicies, {});
  LineClient client = connect_tcp(server);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    json got = ask(client, requests[i]);
    got.erase("revision");
    EXPECT_EQ(got, expected[i]) << requests[i];
  }
  EXPECT_EQ(error_code(expected[0]), "invalid_request") << expected[0];
  EXPECT_EQ(expected[1]["decision"], "allow") << expected[1];
}

}  // namespace
