// engine/json/line_handler + engine/json/response_writer: whole lines in, whole lines out.
// The docs/PROTOCOL.md example exchange verbatim, every error code, batch, id
// echo, explain, and hostile input; responses are re-read with nlohmann.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "engine/engine.hpp"
#include "engine/json/line_handler.hpp"
#include "engine/json/response_writer.hpp"

namespace tenet {
namespace {

using nlohmann::json;

const Engine& example_engine() {
  static const std::unique_ptr<Engine> engine = [] {
    auto loaded = Engine::load(std::string(TENET_SOURCE_DIR) + "/tests/testdata/protocol_example");
    return std::move(loaded.engine);
  }();
  return *engine;
}

json answer(std::string_view line) {
  const std::string response = example_engine().handle_json(line);
  json parsed = json::parse(response, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << response;
  return parsed;
}

TEST(JsonApi, ProtocolExampleExchangeVerbatim) {
  const std::pair<std::string_view, std::string_view> exchange[] = {
      {R"({"id":1,"op":"check","tenant":"acme","principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified"}},"action":"read","resource":{"type":"document","id":"d1","tenant":"acme","attrs":{"owner":"u1","locked":false}}})",
       R"({"id":1,"decision":"allow","reasons":["acme:owner-reads"]})"},
      {R"({"id":2,"op":"check","tenant":"acme","principal":{"id":"u1","role":"basic"},"action":"read","resource":{"type":"document","id":"d7","tenant":"globex","attrs":{"owner":"u1","locked":false}}})",
       R"({"id":2,"decision":"deny","reasons":["cross_tenant"]})"},
      {R"({"id":3,"op":"transition","tenant":"acme","principal":{"id":"u2","role":"guest","attrs":{"kyc":"pending"}},"to":"basic"})",
       R"({"id":3,"decision":"deny","reasons":["acme:retail.tenet:12"],"unmet":["principal.kyc == \"verified\""]})"},
  };
  for (const auto& [request, response] : exchange)
    EXPECT_EQ(example_engine().handle_json(request), response);
}

TEST(JsonApi, EveryOpHasItsShape) {
  const json plans =
      answer(R"({"op":"plans","tenant":"acme","principal":{"id":"u","role":"advanced"}})");
  EXPECT_EQ(plans, json::parse(R"({"decision":"allow","plans":["starter","pro"]})"));
  const json features =
      answer(R"({"op":"features","tenant":"acme","principal":{"id":"u","role":"basic"}})");
  EXPECT_EQ(features, json::parse(R"({"decision":"allow","features":[]})"));
  const json unknown =
      answer(R"({"op":"features","tenant":"nope","principal":{"id":"u","role":"basic"}})");
  EXPECT_EQ(unknown,
            json::parse(R"({"decision":"deny","reasons":["unknown_tenant"],"features":[]})"));
  const json subscribe = answer(
      R"({"op":"subscribe","tenant":"acme","principal":{"id":"u","role":"guest"},"plan":"starter"})");
  EXPECT_EQ(subscribe["decision"], "deny");
  EXPECT_EQ(subscribe["reasons"], json::parse(R"(["acme:plan-starter"])"));
  EXPECT_TRUE(subscribe.contains("unmet"));
  const json lifecycle = answer(
      R"({"op":"lifecycle","tenant":"acme","principal":{"id":"u","role":"basic"},"resource":{"type":"subscription","id":"s","tenant":"acme","state":"signed","attrs":{"overdue_days":40}},"to":"suspended","explain":true})");
  EXPECT_EQ(lifecycle["decision"], "allow");
  EXPECT_EQ(lifecycle["reasons"], json::parse(R"(["acme:suspend"])"));
  ASSERT_TRUE(lifecycle["trace"].is_array());
  EXPECT_EQ(lifecycle["trace"][0]["outcome"], "matched");
  const json fail_closed = answer(
      R"({"op":"check","tenant":"acme","principal":{"id":"u1","role":"basic"},"action":"delete","resource":{"type":"document","id":"d","tenant":"acme","attrs":{"owner":"u1","locked":false}}})");
  EXPECT_EQ(fail_closed["decision"], "deny");
  EXPECT_EQ(fail_closed["errors"][0]["message"], "context.mfa is missing");
}

TEST(JsonApi, EveryErrorCode) {
  const json bad_json = answer("{nope");
  EXPECT_TRUE(bad_json["id"].is_null());
  EXPECT_EQ(bad_json["error"]["code"], "bad_json");
  EXPECT_FALSE(bad_json.contains("decision"));

  const json bad_request = answer(R"({"id":"r","op":"check","tenant":"acme"})");
  EXPECT_EQ(bad_request["id"], "r");
  EXPECT_EQ(bad_request["decision"], "deny");  // a decision op still says deny
  EXPECT_EQ(bad_request["error"]["code"], "bad_request");
  EXPECT_EQ(bad_request["error"]["message"], "missing field 'principal'");

  const json invalid = answer(
      R"({"op":"transition","tenant":"acme","principal":{"id":"u","role":"guest","attrs":{"kyc":"verifed"}},"to":"basic"})");
  EXPECT_EQ(invalid["decision"], "deny");
  EXPECT_EQ(invalid["error"]["code"], "invalid_request");
  EXPECT_EQ(
      invalid["error"]["message"],
      R"(principal.attrs.kyc: expected one of "none" | "pending" | "verified", got "verifed")");

  EXPECT_EQ(answer(R"({"op":"launch"})")["error"]["code"], "unknown_op");
  EXPECT_EQ(answer(R"({"op":"health"})")["error"]["code"], "bad_request");

  std::string big = R"({"id":5,"op":"batch","requests":[)";
  for (int i = 0; i < 1025; ++i) big += i == 0 ? "{}" : ",{}";
  big += "]}";
  const json too_large = answer(big);
  EXPECT_EQ(too_large["id"], 5);
  EXPECT_EQ(too_large["error"]["code"], "too_large");
}

TEST(JsonApi, BatchAnswersEveryItemInOrder) {
  const json batch =
      answer(R"({"id":[],"op":"batch","requests":[]})");  // a non-scalar id is a bad_request
  EXPECT_EQ(batch["error"]["code"], "bad_request");
  const json results = answer(
      R"({"id":"b1","op":"batch","requests":[)"
      R"({"id":1,"op":"plans","tenant":"acme","principal":{"id":"u","role":"basic"}},)"
      R"({"id":2,"op":"stats"},)"
      R"({"id":3,"op":"transition","tenant":"acme","principal":{"id":"u","role":"guest","attrs":{"kyc":"verified"}},"to":"basic"},)"
      R"("x"]})");
  EXPECT_EQ(results["id"], "b1");
  ASSERT_EQ(results["results"].size(), 4U);
  EXPECT_EQ(results["results"][0],
            json::parse(R"({"id":1,"decision":"allow","plans":["starter"]})"));
  EXPECT_EQ(results["results"][1]["error"]["code"], "bad_request");
  EXPECT_EQ(results["results"][2]["decision"], "allow");
  EXPECT_EQ(results["results"][3]["error"]["code"], "bad_request");
  EXPECT_EQ(answer(R"({"op":"batch","requests":[]})"), json::parse(R"({"results":[]})"));
}

TEST(JsonApi, IdIsEchoedByteForByte) {
  const std::string tail =
      R"(,"op":"plans","tenant":"acme","principal":{"id":"u","role":"basic"}})";
  for (const std::string id :
       {R"("abc")", R"("\u00e9\n\"")", "42", "-0.50", "1E+2", "null", "true"}) {
    const std::string response = example_engine().handle_json(R"({"id":)" + id + tail);
    EXPECT_EQ(response.rfind(R"({"id":)" + id + ",", 0), 0U) << response;
  }
  const std::string none = example_engine().handle_json("{" + tail.substr(1));
  EXPECT_EQ(none.find("\"id\""), std::string::npos);
}

TEST(JsonApi, HostileInputNeverCrashes) {
  std::string deep =
      R"({"op":"check","x":)" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  EXPECT_EQ(answer(deep)["error"]["code"], "bad_json");
  EXPECT_EQ(answer("{\"op\":\"check\",\"tenant\":\"a\xc3\x28\"}")["error"]["message"],
            "invalid UTF-8");
  EXPECT_EQ(answer(R"({"op":"check","tenant":99999999999999999999999})")["error"]["code"],
            "bad_request");
  const json huge_int = answer(
      R"({"op":"plans","tenant":"acme","principal":{"id":"u","role":"basic","attrs":{"account_age_days":9223372036854775808}}})");
  EXPECT_EQ(huge_int["error"]["code"], "invalid_request");
  std::string set = "[";
  for (int i = 0; i < 10'000; ++i) set += (i == 0 ? "" : ",") + std::to_string(i);
  set += "]";
  const json big_set = answer(
      R"({"op":"plans","tenant":"acme","principal":{"id":"u","role":"basic","attrs":{"tags":)" +
      set + "}}}");
  EXPECT_EQ(big_set["error"]["message"], "principal.attrs.tags[0]: expected string, got int");
  EXPECT_EQ(answer("")["error"]["code"], "bad_json");
  EXPECT_EQ(answer("\"just a string\"")["error"]["code"], "bad_json");
  const std::string nul("{\"op\":\"fly\0\"}", 13);
  EXPECT_EQ(answer(nul)["error"]["code"], "bad_json");
}

// docs/PROTOCOL.md: a response to a decision op always carries `decision` (deny
// with an error code), and the id whenever one can be echoed — also when a
// number in the line is beyond 64 bits (valid JSON, which simdjson cannot
// represent) or the id is an object or array (refused: `"id":null`).
TEST(JsonApi, DecisionRequestsAlwaysGetADecision) {
  const std::string principal =
      R"("tenant":"acme","principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified","account_age_days":AGE}})";
  const auto check_with_age = [&](const std::string& id, const std::string& age) {
    std::string line = principal;
    line.replace(line.find("AGE"), 3, age);
    return R"({"id":)" + id + R"(,"op":"check",)" + line +
           R"(,"action":"read","resource":{"type":"document","id":"d1","tenant":"acme","attrs":{"owner":"u1","locked":false}}})";
  };
  // An int attribute beyond 64 bits, either sign, or a float beyond a double.
  for (const std::string age : {"123456789012345678901234567890", "-99999999999999999999",
                                "18446744073709551616", "1e400", "-2.5E+999"}) {
    const json response = answer(check_with_age("7", age));
    EXPECT_EQ(response["id"], 7) << age << ": " << response;
    EXPECT_EQ(response["decision"], "deny") << age << ": " << response;
    EXPECT_EQ(response["error"]["code"], "invalid_request") << age << ": " << response;
    EXPECT_EQ(response["error"]["message"],
              age.find_first_of(".eE") == std::string::npos
                  ? "principal.attrs.account_age_days: expected int, got an integer out of range"
                  : "principal.attrs.account_age_days: expected int, got float")
        << age;
  }
  // In a protocol field: mistyped, still a deny.
  const json tenant = answer(R"({"id":"t","op":"check","tenant":99999999999999999999999})");
  EXPECT_EQ(tenant["id"], "t") << tenant;
  EXPECT_EQ(tenant["decision"], "deny") << tenant;
  EXPECT_EQ(tenant["error"]["code"], "bad_request") << tenant;
  // As the id (echoed as written), or in a field nobody reads: decided normally.
  for (const std::string id :
       {"123456789012345678901234567890", "-1e999", "18446744073709551615"}) {
    const std::string response = example_engine().handle_json(check_with_age(id, "40"));
    EXPECT_EQ(response.rfind(R"({"id":)" + id + R"(,"decision":"allow")", 0), 0U) << response;
  }
  const json ignored = answer(
      R"({"id":1,"op":"plans","tenant":"acme","principal":{"id":"u","role":"basic"},"n":1e99999})");
  EXPECT_EQ(ignored, json::parse(R"({"id":1,"decision":"allow","plans":["starter"]})"));
  // A malformed number is not JSON.
  for (const std::string number : {"01", "-", "1.", "1e", "--1", ".5"}) {
    const json bad = answer(R"({"id":1,"op":"check","n":)" + number + "}");
    EXPECT_EQ(bad["error"]["code"], "bad_json") << number << ": " << bad;
  }

  // An id that is an object or an array: bad_request, "id":null, and the
  // op's shape — a deny for every decision op, `never` for filter.
  const std::string base = R"("tenant":"acme","principal":{"id":"u","role":"basic"})";
  const std::pair<std::string, std::string> ops[] = {
      {"check",
       R"(,"action":"read","resource":{"type":"document","id":"d","tenant":"acme","attrs":{"owner":"u","locked":false}})"},
      {"transition", R"(,"to":"advanced")"},
      {"subscribe", R"(,"plan":"starter")"},
      {"plans", ""},
      {"features", ""},
      {"lifecycle",
       R"(,"resource":{"type":"subscription","id":"s","tenant":"acme","state":"signing"},"to":"signed")"},
  };
  for (const std::string id : {R"({"a":1})", "[]", "[1,{}]"}) {
    for (const auto& [op, rest] : ops) {
      const json response =
          answer(R"({"id":)" + id + R"(,"op":")" + op + R"(",)" + base + rest + "}");
      EXPECT_TRUE(response.contains("id") && response["id"].is_null()) << op << ": " << response;
      EXPECT_EQ(response["decision"], "deny") << op << ": " << response;
      EXPECT_EQ(response["error"]["code"], "bad_request") << op << ": " << response;
    }
    const json filter = answer(R"({"id":)" + id + R"(,"op":"filter",)" + base +
                               R"(,"action":"read","resource_type":"document"})");
    EXPECT_TRUE(filter["id"].is_null()) << filter;
    EXPECT_EQ(filter["error"]["code"], "bad_request") << filter;
    EXPECT_EQ(filter["filter"]["kind"], "never") << filter;
  }

  // The same inside a batch: every item answered, in order, with its own
  // decision; the others are not disturbed.
  const json batch = answer(R"({"id":123456789012345678901234567890,"op":"batch","requests":[)" +
                            check_with_age("1", "1e400") + "," +
                            check_with_age(R"({"x":[]})", "40") + "," + check_with_age("3", "40") +
                            "," + check_with_age("4", "-123456789012345678901234567890") + "]}");
  ASSERT_EQ(batch["results"].size(), 4U) << batch;
  EXPECT_EQ(batch["results"][0]["id"], 1);
  EXPECT_EQ(batch["results"][0]["decision"], "deny");
  EXPECT_EQ(batch["results"][0]["error"]["code"], "invalid_request");
  EXPECT_TRUE(batch["results"][1]["id"].is_null()) << batch;
  EXPECT_EQ(batch["results"][1]["decision"], "deny");
  EXPECT_EQ(batch["results"][1]["error"]["code"], "bad_request");
  EXPECT_EQ(batch["results"][2],
            json::parse(R"({"id":3,"decision":"allow","reasons":["acme:owner-reads"]})"));
  EXPECT_EQ(batch["results"][3]["id"], 4);
  EXPECT_EQ(batch["results"][3]["decision"], "deny");
  const std::string raw = example_engine().handle_json(
      R"({"id":123456789012345678901234567890,"op":"batch","requests":[]})");
  EXPECT_EQ(raw, R"({"id":123456789012345678901234567890,"results":[]})");
}

TEST(ResponseWriter, EscapesAndRepairsStrings) {
  std::string out;
  tenet::json::write_json_string(out, std::string_view("a\"b\\c\n\t\x01\x7f\xc3\xa9", 11));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\t\\u0001\x7f\xc3\xa9\"");
  out.clear();
  tenet::json::write_json_string(out, "bad \xff byte \xe2\x82");
  EXPECT_EQ(out, R"("bad \ufffd byte \ufffd\ufffd")");
  EXPECT_FALSE(json::parse(out, nullptr, false).is_discarded());
}

TEST(JsonApi, WarmHandleLineReusesItsBuffers) {
  const auto policies = example_engine().snapshot();
  tenet::json::LineHandler handler;
  std::string out;
  const std::string line =
      R"({"id":1,"op":"check","tenant":"acme","principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified","tags":["a"]}},"action":"read","resource":{"type":"document","id":"d1","tenant":"acme","attrs":{"owner":"u1","locked":false}}})";
  handler.handle(*policies, line, out);
  const std::string first = out;
  for (int i = 0; i < 100; ++i) {
    out.clear();
    handler.handle(*policies, line, out);
  }
  EXPECT_EQ(out, first);
}

}  // namespace
}  // namespace tenet
