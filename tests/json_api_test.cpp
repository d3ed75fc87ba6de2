// engine/json_api + engine/response_writer: whole lines in, whole lines out.
// The PROTOCOL.md example exchange verbatim, every error code, batch, id
// echo, explain, and hostile input; responses are re-read with nlohmann.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "engine/engine.hpp"
#include "engine/json_api.hpp"
#include "engine/response_writer.hpp"

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
  for (const auto& [request, response] : exchange) EXPECT_EQ(example_engine().handle_json(request), response);
}

TEST(JsonApi, EveryOpHasItsShape) {
  const json plans = answer(R"({"op":"plans","tenant":"acme","principal":{"id":"u","role":"advanced"}})");
  EXPECT_EQ(plans, json::parse(R"({"decision":"allow","plans":["starter","pro"]})"));
  const json features = answer(R"({"op":"features","tenant":"acme","principal":{"id":"u","role":"basic"}})");
  EXPECT_EQ(features, json::parse(R"({"decision":"allow","features":[]})"));
  const json unknown = answer(R"({"op":"features","tenant":"nope","principal":{"id":"u","role":"basic"}})");
  EXPECT_EQ(unknown, json::parse(R"({"decision":"deny","reasons":["unknown_tenant"],"features":[]})"));
  const json subscribe = answer(R"({"op":"subscribe","tenant":"acme","principal":{"id":"u","role":"guest"},"plan":"starter"})");
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
  EXPECT_EQ(invalid["error"]["message"],
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
  const json batch = answer(
      R"({"id":[],"op":"batch","requests":[]})");  // a non-scalar id is a bad_request
  EXPECT_EQ(batch["error"]["code"], "bad_request");
  const json results = answer(
      R"({"id":"b1","op":"batch","requests":[)"
      R"({"id":1,"op":"plans","tenant":"acme","principal":{"id":"u","role":"basic"}},)"
      R"({"id":2,"op":"stats"},)"
      R"({"id":3,"op":"transition","tenant":"acme","principal":{"id":"u","role":"guest","attrs":{"kyc":"verified"}},"to":"basic"},)"
      R"("x"]})");
  EXPECT_EQ(results["id"], "b1");
  ASSERT_EQ(results["results"].size(), 4U);
  EXPECT_EQ(results["results"][0], json::parse(R"({"id":1,"decision":"allow","plans":["starter"]})"));
  EXPECT_EQ(results["results"][1]["error"]["code"], "bad_request");
  EXPECT_EQ(results["results"][2]["decision"], "allow");
  EXPECT_EQ(results["results"][3]["error"]["code"], "bad_request");
  EXPECT_EQ(answer(R"({"op":"batch","requests":[]})"), json::parse(R"({"results":[]})"));
}

TEST(JsonApi, IdIsEchoedByteForByte) {
  const std::string tail = R"(,"op":"plans","tenant":"acme","principal":{"id":"u","role":"basic"}})";
  for (const std::string id : {R"("abc")", R"("\u00e9\n\"")", "42", "-0.50", "1E+2", "null", "true"}) {
    const std::string response = example_engine().handle_json(R"({"id":)" + id + tail);
    EXPECT_EQ(response.rfind(R"({"id":)" + id + ",", 0), 0U) << response;
  }
  const std::string none = example_engine().handle_json("{" + tail.substr(1));
  EXPECT_EQ(none.find("\"id\""), std::string::npos);
}

TEST(JsonApi, HostileInputNeverCrashes) {
  std::string deep = R"({"op":"check","x":)" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  EXPECT_EQ(answer(deep)["error"]["code"], "bad_json");
  EXPECT_EQ(answer("{\"op\":\"check\",\"tenant\":\"a\xc3\x28\"}")["error"]["message"], "invalid UTF-8");
  EXPECT_EQ(answer(R"({"op":"check","tenant":99999999999999999999999})")["error"]["code"], "bad_request");
  const json huge_int = answer(
      R"({"op":"plans","tenant":"acme","principal":{"id":"u","role":"basic","attrs":{"account_age_days":9223372036854775808}}})");
  EXPECT_EQ(huge_int["error"]["code"], "invalid_request");
  std::string set = "[";
  for (int i = 0; i < 10'000; ++i) set += (i == 0 ? "" : ",") + std::to_string(i);
  set += "]";
  const json big_set = answer(
      R"({"op":"plans","tenant":"acme","principal":{"id":"u","role":"basic","attrs":{"tags":)" + set + "}}}");
  EXPECT_EQ(big_set["error"]["message"], "principal.attrs.tags[0]: expected string, got int");
  EXPECT_EQ(answer("")["error"]["code"], "bad_json");
  EXPECT_EQ(answer("\"just a string\"")["error"]["code"], "bad_json");
  const std::string nul("{\"op\":\"fly\0\"}", 13);
  EXPECT_EQ(answer(nul)["error"]["code"], "bad_json");
}

TEST(ResponseWriter, EscapesAndRepairsStrings) {
  std::string out;
  write_json_string(out, std::string_view("a\"b\\c\n\t\x01\x7f\xc3\xa9", 11));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\t\\u0001\x7f\xc3\xa9\"");
  out.clear();
  write_json_string(out, "bad \xff byte \xe2\x82");
  EXPECT_EQ(out, R"("bad \ufffd byte \ufffd\ufffd")");
  EXPECT_FALSE(json::parse(out, nullptr, false).is_discarded());
}

TEST(JsonApi, WarmHandleLineReusesItsBuffers) {
  const auto policies = example_engine().snapshot();
  RequestParser parser;
  Decision decision;
  std::string out;
  const std::string line =
      R"({"id":1,"op":"check","tenant":"acme","principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified","tags":["a"]}},"action":"read","resource":{"type":"document","id":"d1","tenant":"acme","attrs":{"owner":"u1","locked":false}}})";
  handle_line(*policies, line, parser, decision, out);
  const std::string first = out;
  for (int i = 0; i < 100; ++i) {
    out.clear();
    handle_line(*policies, line, parser, decision, out);
  }
  EXPECT_EQ(out, first);
}

}  // namespace
}  // namespace tenet
