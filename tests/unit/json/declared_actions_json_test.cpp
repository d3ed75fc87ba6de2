// Declared actions on the request path (docs/LANGUAGE.md §3 "Actions", §7):
// a check or filter naming an action the tenant does not declare for the
// resource type is invalid_request, with a message naming the action, the
// type and the tenant and a suggestion; isolation still comes first.
// Against the shipped policies/ (northwind declares `archive` of its own).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "engine/engine.hpp"

namespace tenet {
namespace {

using nlohmann::json;

const Engine& shipped() {
  static const std::unique_ptr<Engine> engine = [] {
    auto loaded = Engine::load(std::string(TENET_SOURCE_DIR) + "/policies");
    return std::move(loaded.engine);
  }();
  return *engine;
}

json answer(const std::string& line) {
  const std::string response = shipped().handle_json(line);
  json parsed = json::parse(response, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << response;
  return parsed;
}

std::string check(
    std::string_view tenant, std::string_view role, std::string_view action,
    std::string_view type = "document",
    std::string_view attrs = R"({"owner":"u1","locked":false,"classification":"internal"})",
    std::string_view resource_tenant = "") {
  const std::string owner_tenant(resource_tenant.empty() ? tenant : resource_tenant);
  return R"({"id":1,"op":"check","tenant":")" + std::string(tenant) +
         R"(","principal":{"id":"u1","role":")" + std::string(role) +
         R"(","attrs":{"kyc":"verified","account_age_days":40,"country":"DE","tags":[]}},"action":)" +
         json(std::string(action)).dump() + R"(,"resource":{"type":")" + std::string(type) +
         R"(","id":"d1","tenant":")" + owner_tenant + R"(","attrs":)" + std::string(attrs) + "}}";
}

TEST(DeclaredActionsJson, AMisspeltActionIsInvalidRequestWithASuggestion) {
  const json reply = answer(check("acme", "basic", "raed"));
  EXPECT_EQ(reply["decision"], "deny");
  EXPECT_EQ(reply["error"]["code"], "invalid_request");
  EXPECT_EQ(reply["error"]["message"],
            "action 'raed' is not declared for resource type 'document' in tenant 'acme' (did "
            "you mean 'read'?)");
  // The declared spelling is decided by the rules as always.
  EXPECT_EQ(answer(check("acme", "basic", "read"))["decision"], "allow");
}

TEST(DeclaredActionsJson, AnActionOfAnotherTypeOrAnotherPartnerIsNotDeclaredHere) {
  // `trade` is declared for account only.
  const json trade = answer(check("acme", "advanced", "trade"));
  EXPECT_EQ(trade["error"]["code"], "invalid_request");
  EXPECT_EQ(trade["error"]["message"],
            "action 'trade' is not declared for resource type 'document' in tenant 'acme'");
  // `archive` is northwind's own: decided there, undeclared at acme.
  EXPECT_EQ(answer(check("northwind", "advanced", "archive"))["decision"], "allow");
  const json denied = answer(check("northwind", "basic", "archive"));
  EXPECT_EQ(denied["decision"], "deny");
  EXPECT_FALSE(denied.contains("error"));
  const json elsewhere = answer(check("acme", "advanced", "archive"));
  EXPECT_EQ(elsewhere["decision"], "deny");
  EXPECT_EQ(elsewhere["error"]["code"], "invalid_request");
  EXPECT_EQ(elsewhere["error"]["message"],
            "action 'archive' is not declared for resource type 'document' in tenant 'acme'");
}

TEST(DeclaredActionsJson, IsolationComesBeforeTheActionIsLookedAt) {
  EXPECT_EQ(answer(check("nope", "basic", "raed"))["reasons"],
            json::parse(R"(["unknown_tenant"])"));
  EXPECT_EQ(answer(check("acme", "basic", "raed", "document",
                         R"({"owner":"u1","locked":false,"classification":"internal"})",
                         "lumen"))["reasons"],
            json::parse(R"(["cross_tenant"])"));
  EXPECT_EQ(answer(check("acme", "nobody", "raed"))["reasons"], json::parse(R"(["unknown_role"])"));
  EXPECT_EQ(answer(check("acme", "basic", "raed", "invoice", "{}"))["reasons"],
            json::parse(R"(["unknown_resource_type"])"));
}

TEST(DeclaredActionsJson, TheUndeclaredActionIsReportedBeforeABadAttribute) {
  const json both = answer(check("acme", "basic", "raed", "document", R"({"owner":7})"));
  EXPECT_EQ(both["error"]["code"], "invalid_request");
  EXPECT_EQ(both["error"]["message"],
            "action 'raed' is not declared for resource type 'document' in tenant 'acme' (did "
            "you mean 'read'?)");
  const json attribute_only = answer(check("acme", "basic", "read", "document", R"({"owner":7})"));
  EXPECT_EQ(attribute_only["error"]["code"], "invalid_request");
  EXPECT_NE(attribute_only["error"]["message"].get<std::string>().find("resource.attrs.owner"),
            std::string::npos)
      << attribute_only.dump();
}

TEST(DeclaredActionsJson, AHugeActionNameIsQuotedShortAndCostsNothing) {
  const std::string name(200'000, 'r');
  const std::string response = shipped().handle_json(check("acme", "basic", name));
  EXPECT_LT(response.size(), 1024U) << response.substr(0, 300);
  const json reply = json::parse(response);
  EXPECT_EQ(reply["error"]["code"], "invalid_request");
  EXPECT_EQ(reply["error"]["message"], "action '" + std::string(100, 'r') +
                                           "...' is not declared for resource type 'document' "
                                           "in tenant 'acme'");
  // A multi-byte character at the cut is not split (the reply is valid UTF-8 JSON).
  const std::string accented = std::string(99, 'a') + "\xC3\xA9" + std::string(50, 'a');
  const json cut = answer(check("acme", "basic", accented));
  EXPECT_EQ(cut["error"]["message"], "action '" + std::string(99, 'a') +
                                         "...' is not declared for resource type 'document' in "
                                         "tenant 'acme'");
}

TEST(DeclaredActionsJson, FilterWithAnUndeclaredActionIsNeverAndInvalid) {
  const json reply = answer(
      R"({"id":2,"op":"filter","tenant":"acme","principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified","account_age_days":40,"country":"DE","tags":[]}},"action":"raed","resource_type":"document"})");
  EXPECT_EQ(reply["filter"]["kind"], "never") << reply.dump();
  EXPECT_EQ(reply["error"]["code"], "invalid_request");
  EXPECT_EQ(reply["error"]["message"],
            "action 'raed' is not declared for resource type 'document' in tenant 'acme' (did "
            "you mean 'read'?)");
  const json declared = answer(
      R"({"id":3,"op":"filter","tenant":"acme","principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified","account_age_days":40,"country":"DE","tags":[]}},"action":"read","resource_type":"document"})");
  EXPECT_EQ(declared["filter"]["kind"], "conditional") << declared.dump();
}

}  // namespace
}  // namespace tenet
