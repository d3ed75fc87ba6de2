// The `filter` op end to end: JSON in / JSON out (engine/json/line_handler), through
// `tenet eval`, and over a real `tenet serve` with tenant-scoped tokens.
//
// The JSON `condition` tree is evaluated here by a small independent reader
// on every row of a grid over the shipped policies, and must select exactly
// the rows `check` allows; bad requests get the protocol's error codes with
// a `never` filter (fail closed).
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "tests/support/command_output.hpp"
#include "tests/support/json_answer.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace tenet {
namespace {

using tenet::test_support::command_output;
using tenet::test_support::TempDir;

namespace fs = std::filesystem;
using nlohmann::json;
using tenet::test_support::error_code;

const std::string kPolicies = std::string(TENET_SOURCE_DIR) + "/policies";

const Engine& shipped() {
  static const std::unique_ptr<Engine> engine = [] {
    return std::move(Engine::load(kPolicies).engine);
  }();
  return *engine;
}

json answer(const Engine& engine, const std::string& line) {
  const std::string response = engine.handle_json(line);
  json parsed = json::parse(response, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << response;
  return parsed;
}

// ------------------------------------------------------------------ an independent reader of
// `condition`

struct Row {
  std::string id;
  json attrs = json::object();
};

std::optional<json> term(const json& t, const Row& row) {
  if (t.contains("value")) return t["value"];
  const std::string path = t.at("attr");
  if (path == "resource.id") return json(row.id);
  const std::string prefix = "resource.";
  if (path.rfind(prefix, 0) != 0) return std::nullopt;  // the filter op's principal is always known
  const std::string name = path.substr(prefix.size());
  if (!row.attrs.contains(name) || row.attrs[name].is_null()) return std::nullopt;
  return row.attrs[name];
}

bool has_item(const json& list, const json& item) {
  for (const json& x : list) {
    if (x == item) return true;
  }
  return false;
}

bool same_set(const json& a, const json& b) {
  for (const json& x : a) {
    if (!has_item(b, x)) return false;
  }
  for (const json& x : b) {
    if (!has_item(a, x)) return false;
  }
  return true;
}

bool holds(const json& c, const Row& row) {
  const std::string op = c.at("op");
  if (op == "true") return true;
  if (op == "false") return false;
  if (op == "and") {
    for (const json& a : c["args"]) {
      if (!holds(a, row)) return false;
    }
    return true;
  }
  if (op == "or") {
    for (const json& a : c["args"]) {
      if (holds(a, row)) return true;
    }
    return false;
  }
  if (op == "not") return !holds(c["arg"], row);
  if (op == "has") return term(c["arg"], row).has_value();
  const std::optional<json> l = term(c["left"], row);
  const std::optional<json> r = term(c["right"], row);
  if (!l || !r) {
    ADD_FAILURE() << "a comparison reached with an absent operand: " << c;
    return false;
  }
  if (op == "==") return l->is_array() ? same_set(*l, *r) : *l == *r;
  if (op == "!=") return l->is_array() ? !same_set(*l, *r) : *l != *r;
  if (op == "in") return has_item(*r, *l);
  if (op == "contains") return has_item(*l, *r);
  const std::int64_t a = l->get<std::int64_t>();
  const std::int64_t b = r->get<std::int64_t>();
  if (op == "<") return a < b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  if (op == ">=") return a >= b;
  ADD_FAILURE() << "unknown op in condition: " << c;
  return false;
}

// ------------------------------------------------------------------ the grid

std::vector<Row> document_rows() {
  std::vector<Row> rows;
  int n = 0;
  for (const char* owner : {"u1", "u2"}) {
    for (const json& locked : {json(true), json(false), json()}) {
      for (const json& classification :
           {json("public"), json("internal"), json("secret"), json()}) {
        for (const json& company : {json("c1"), json()}) {
          Row row{"d" + std::to_string(n++), json::object()};
          row.attrs["owner"] = owner;
          if (!locked.is_null()) row.attrs["locked"] = locked;
          if (!classification.is_null()) row.attrs["classification"] = classification;
          if (!company.is_null()) row.attrs["company_id"] = company;
          rows.push_back(row);
        }
      }
    }
  }
  return rows;
}

json principal(const std::string& role, bool company) {
  json p = {{"id", "u1"},
            {"role", role},
            {"attrs",
             {{"kyc", "verified"},
              {"account_age_days", 90},
              {"country", "DE"},
              {"tags", json::array()}}}};
  if (company) {
    p["attrs"]["company_id"] = "c1";
    p["attrs"]["company_verified"] = true;
  }
  return p;
}

TEST(FilterOp, ConditionSelectsExactlyTheRowsCheckAllows) {
  const std::vector<Row> rows = document_rows();
  long compared = 0;
  long allowed = 0;
  int conditional = 0;
  for (const char* tenant : {"acme", "northwind", "harbor-bank.eu", "cedar", "lumen"}) {
    for (const json& who :
         {principal("basic", false), principal("company", true), principal("guest", true)}) {
      for (const json& context : {json({{"mfa", true}}), json({{"mfa", false}}), json()}) {
        // `archive`: northwind's own action, undeclared (never, invalid_request) elsewhere.
        for (const char* action : {"read", "write", "delete", "share", "archive"}) {
          json filter = {{"op", "filter"},
                         {"tenant", tenant},
                         {"principal", who},
                         {"action", action},
                         {"resource_type", "document"}};
          if (!context.is_null()) filter["context"] = context;
          const json response = answer(shipped(), filter.dump());
          ASSERT_TRUE(response.contains("filter")) << response;
          const json& f = response["filter"];
          if (f["kind"] == "conditional") ++conditional;
          if (f["kind"] == "always") {
            EXPECT_EQ(f["condition"], json::parse(R"({"op":"true"})"));
          }
          if (f["kind"] == "never") {
            EXPECT_EQ(f["condition"], json::parse(R"({"op":"false"})"));
          }
          for (const Row& row : rows) {
            json check = filter;
            check["op"] = "check";
            check.erase("resource_type");
            check["resource"] = {
                {"type", "document"}, {"id", row.id}, {"tenant", tenant}, {"attrs", row.attrs}};
            const json decision = answer(shipped(), check.dump());
            const bool allows = decision["decision"] == "allow";
            ++compared;
            if (allows) ++allowed;
            ASSERT_EQ(holds(f["condition"], row), allows)
                << "filter: " << filter.dump() << "\nrow: " << row.attrs.dump()
                << "\ncheck: " << decision.dump() << "\ncondition: " << f["condition"].dump();
          }
        }
      }
    }
  }
  EXPECT_GT(allowed, compared / 20);
  EXPECT_LT(allowed, compared / 2);
  EXPECT_GT(conditional, 20);
}

TEST(FilterOp, SqlIsParameterisedAndTenantScoped) {
  const json response = answer(shipped(), json({{"id", 7},
                                                {"op", "filter"},
                                                {"tenant", "acme"},
                                                {"principal", principal("basic", false)},
                                                {"action", "read"},
                                                {"resource_type", "document"},
                                                {"context", {{"mfa", true}}}})
                                              .dump());
  EXPECT_EQ(response["id"], 7);
  const json& f = response["filter"];
  EXPECT_EQ(f["kind"], "conditional");
  const std::string sql = f["sql"];
  // The tenant first, byte for byte whatever the column's collation.
  EXPECT_EQ(sql.rfind(R"(("provider_id" = $1 AND "provider_id" COLLATE "C" = $1))", 0), 0U) << sql;
  ASSERT_TRUE(f["params"].is_array());
  EXPECT_EQ(f["params"][0], "acme");
  EXPECT_TRUE(has_item(f["params"], "u1")) << f["params"];
  // Values travel as parameters only, never in the text.
  EXPECT_EQ(sql.find("u1"), std::string::npos) << sql;
  EXPECT_EQ(sql.find('\''), std::string::npos) << sql;
  EXPECT_NE(sql.find(R"("owner_id")"), std::string::npos) << sql;  // the @column
}

TEST(FilterOp, HostileValuesStayInParams) {
  json who = principal("basic", false);
  who["id"] = "x'); DROP TABLE documents; --\u00e9";
  const json response = answer(shipped(), json({{"op", "filter"},
                                                {"tenant", "acme"},
                                                {"principal", who},
                                                {"action", "write"},
                                                {"resource_type", "document"}})
                                              .dump());
  const std::string sql = response["filter"]["sql"];
  EXPECT_EQ(sql.find("DROP"), std::string::npos) << sql;
  EXPECT_TRUE(has_item(response["filter"]["params"], who["id"])) << response;
}

TEST(FilterOp, UnknownNamesAreNeverWithTheReasonCheckWouldGive) {
  const json base = {{"op", "filter"},
                     {"tenant", "acme"},
                     {"principal", principal("basic", false)},
                     {"action", "read"},
                     {"resource_type", "document"}};
  const std::vector<std::pair<std::pair<std::string, json>, std::string>> cases = {
      {{"tenant", "globex"}, "unknown_tenant"},
      {{"principal", principal("admin", false)}, "unknown_role"},
      {{"resource_type", "invoice"}, "unknown_resource_type"},
  };
  for (const auto& [change, reason] : cases) {
    json request = base;
    request[change.first] = change.second;
    const json response = answer(shipped(), request.dump());
    EXPECT_EQ(response["filter"]["kind"], "never") << response;
    EXPECT_EQ(response["filter"]["sql"], "FALSE") << response;
    EXPECT_EQ(response["reasons"], json::array({reason})) << response;
    EXPECT_FALSE(response.contains("error")) << response;
  }
  // An action the tenant does not declare for the type (docs/LANGUAGE.md §3):
  // never, with the invalid_request a check gets. acme has no `archive`.
  json undeclared = base;
  undeclared["action"] = "archive";
  const json refused = answer(shipped(), undeclared.dump());
  EXPECT_EQ(refused["filter"]["kind"], "never") << refused;
  EXPECT_EQ(refused["filter"]["sql"], "FALSE") << refused;
  EXPECT_EQ(refused["filter"]["condition"], json::parse(R"({"op":"false"})")) << refused;
  EXPECT_EQ(error_code(refused), "invalid_request") << refused;
  EXPECT_EQ(refused["error"].value("message", ""),
            "action 'archive' is not declared for resource type 'document' in tenant 'acme'")
      << refused;
  // A typo of a declared action: the same, with a suggestion.
  undeclared["action"] = "raed";
  const json typo = answer(shipped(), undeclared.dump());
  EXPECT_EQ(typo["filter"]["kind"], "never") << typo;
  EXPECT_EQ(error_code(typo), "invalid_request") << typo;
  EXPECT_EQ(typo["error"].value("message", ""),
            "action 'raed' is not declared for resource type 'document' in tenant 'acme' "
            "(did you mean 'read'?)")
      << typo;
  // Northwind declares `archive` on documents: its advanced users archive their own.
  json own = undeclared;
  own["tenant"] = "northwind";
  own["action"] = "archive";
  own["principal"] = principal("company", true);  // company extends advanced
  const json archive = answer(shipped(), own.dump());
  EXPECT_EQ(error_code(archive), "") << archive;
  EXPECT_EQ(archive["filter"]["kind"], "conditional") << archive;
  EXPECT_TRUE(has_item(archive["filter"]["params"], "u1")) << archive;  // the owner
}

TEST(FilterOp, BadRequestsGetProtocolErrorsAndANeverFilter) {
  const std::string who = principal("basic", false).dump();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"id":1,"op":"filter","tenant":"acme","principal":)" + who + R"(,"action":"read"})",
       "bad_request"},
      {R"({"id":2,"op":"filter","tenant":"acme","principal":)" + who +
           R"(,"resource_type":"document"})",
       "bad_request"},
      {R"({"id":3,"op":"filter","tenant":"acme","action":"read","resource_type":"document"})",
       "bad_request"},
      {R"({"id":4,"op":"filter","tenant":"acme","principal":)" + who +
           R"(,"action":"read","resource_type":7})",
       "bad_request"},
      {R"({"id":5,"op":"filter","tenant":"acme","principal":{"id":"u1","role":"basic","attrs":{"kyc":"maybe"}},"action":"read","resource_type":"document"})",
       "invalid_request"},
      {R"({"id":6,"op":"filter","tenant":"acme","principal":)" + who +
           R"(,"action":"read","resource_type":"document","context":{"mfa":"yes"}})",
       "invalid_request"},
      {R"({"id":7,"op":"batch","requests":[{"op":"filter","tenant":"acme","principal":)" + who +
           R"(,"action":"read","resource_type":"document"}]})",
       "bad_request"},
  };
  for (const auto& [line, code] : cases) {
    json response = answer(shipped(), line);
    if (response.contains("results")) response = response["results"][0];
    EXPECT_EQ(error_code(response), code) << line << "\n" << response;
    EXPECT_EQ(response["filter"]["kind"], "never") << response;
  }
}

TEST(FilterOp, TypeWithoutTableGetsTheConditionOnly) {
  const auto loaded =
      Engine::load(std::string(TENET_SOURCE_DIR) + "/tests/testdata/protocol_example");
  ASSERT_NE(loaded.engine, nullptr);
  const json response = answer(
      *loaded.engine,
      R"({"op":"filter","tenant":"acme","principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified"}},"action":"read","resource_type":"document"})");
  ASSERT_TRUE(response.contains("filter")) << response;
  EXPECT_FALSE(response["filter"].contains("sql")) << response;
  EXPECT_FALSE(response["filter"].contains("params")) << response;
  EXPECT_TRUE(response["filter"]["condition"].is_object()) << response;
}

// ------------------------------------------------------------------ tenet eval and tenet serve

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) result.push_back(line);
  return result;
}

const std::string kBinary = test_support::tenet_binary(TENET_BINARY);

std::string filter_line(const std::string& id, const std::string& tenant) {
  return json({{"id", id},
               {"op", "filter"},
               {"tenant", tenant},
               {"principal", principal("basic", false)},
               {"action", "read"},
               {"resource_type", "document"},
               {"context", {{"mfa", true}}}})
      .dump();
}

TEST(FilterOp, TenetEvalAnswersLikeTheEngine) {
  const TempDir dir;
  const std::vector<std::string> requests = {filter_line("a", "acme"), filter_line("b", "nope"),
                                             R"({"id":"c","op":"filter"})"};
  std::ofstream(dir.path() / "in.ndjson") << requests[0] << "\n"
                                          << requests[1] << "\n"
                                          << requests[2] << "\n";
  const std::vector<std::string> got = lines_of(command_output(
      kBinary + " eval '" + kPolicies + "' '" + (dir.path() / "in.ndjson").string() + "'"));
  ASSERT_EQ(got.size(), requests.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(got[i], shipped().handle_json(requests[i]));
  EXPECT_EQ(json::parse(got[0])["filter"]["kind"], "conditional");
}

TEST(FilterOp, ServerScopesFilterToTheTokensTenant) {
  const TempDir dir;
  const std::vector<std::string> token =
      lines_of(command_output(kBinary + " token new --tenant acme --rights check"));
  ASSERT_EQ(token.size(), 2U);
  std::ofstream(dir.path() / "tokens") << token[1] << "\n";
  test_support::ServerProcess server(
      kBinary, {kPolicies, "--listen", "127.0.0.1:0", "--tokens", (dir.path() / "tokens").string()},
      1);
  ASSERT_TRUE(server.started()) << server.error();
  std::optional<test_support::LineClient> client = test_support::LineClient::tcp(server.tcp_port());
  ASSERT_TRUE(client.has_value());
  // Before hello: unauthenticated, and a never filter.
  const json early = json::parse(client->request(filter_line("0", "acme")).value_or("null"));
  EXPECT_EQ(error_code(early), "unauthenticated") << early;
  EXPECT_EQ(early["filter"]["kind"], "never") << early;
  ASSERT_EQ(json::parse(client->request(json({{"op", "hello"}, {"token", token[0]}}).dump())
                            .value_or("null"))["ok"],
            true);
  const std::optional<std::string> own = client->request(filter_line("1", "acme"));
  ASSERT_TRUE(own.has_value()) << client->error();
  EXPECT_EQ(*own, shipped().handle_json(filter_line("1", "acme")));
  const json other = json::parse(client->request(filter_line("2", "northwind")).value_or("null"));
  EXPECT_EQ(error_code(other), "forbidden") << other;
  EXPECT_EQ(other["filter"]["kind"], "never") << other;
  EXPECT_EQ(other["id"], "2");
}

}  // namespace
}  // namespace tenet
