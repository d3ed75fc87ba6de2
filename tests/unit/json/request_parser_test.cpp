// engine/json/request_parser: docs/PROTOCOL.md lines → engine-form requests, schema
// validation messages, protocol errors and hostile input. Runs against the
// policy set of the docs/PROTOCOL.md example (tests/testdata/protocol_example).
#include "engine/json/request_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "engine/engine.hpp"

namespace tenet {
namespace {

using namespace tenet::eval;
using namespace tenet::json;

const CompiledPolicySet& example_policies() {
  static const std::shared_ptr<const CompiledPolicySet> policies = [] {
    auto compiled = Engine::compile_directory(std::string(TENET_SOURCE_DIR) +
                                              "/tests/testdata/protocol_example");
    return compiled.policies;
  }();
  return *policies;
}

Index principal_slot(std::string_view name) {
  const model::PolicySet& model = example_policies().model();
  return model.schema.find_principal(*model.names.find(name))->slot;
}

// The op request a parse produced (the test fails, not crashes, on another).
template <typename OpRequest>
const OpRequest& as(const json::ParsedRequest& parsed) {
  static const OpRequest kEmpty{};
  const auto* request = std::get_if<OpRequest>(&parsed.request);
  EXPECT_NE(request, nullptr) << "request holds alternative " << parsed.request.index();
  return request != nullptr ? *request : kEmpty;
}

std::string check_line(std::string_view principal_attrs,
                       std::string_view resource_attrs = R"({"owner":"u1","locked":false})") {
  return std::string(
             R"({"id":7,"op":"check","tenant":"acme","principal":{"id":"u1","role":"basic","attrs":)") +
         std::string(principal_attrs) +
         R"(},"action":"read","resource":{"type":"document","id":"d1","tenant":"acme","attrs":)" +
         std::string(resource_attrs) + "}}";
}

TEST(RequestParser, CheckRequestInEngineForm) {
  json::RequestParser parser;
  const json::ParsedRequest& r =
      parser.parse(example_policies(), check_line(R"({"kyc":"verified","tags":["a","b"]})"));
  ASSERT_TRUE(r.ok()) << r.error_message;
  EXPECT_EQ(r.op, json::RequestOp::Check);
  EXPECT_EQ(r.id, "7");
  EXPECT_EQ(as<eval::CheckRequest>(r).tenant, example_policies().find_tenant("acme"));
  EXPECT_NE(as<eval::CheckRequest>(r).principal.role, kNone);
  EXPECT_EQ(as<eval::CheckRequest>(r).principal.role_name, "basic");
  EXPECT_NE(as<eval::CheckRequest>(r).action, kNone);
  EXPECT_NE(as<eval::CheckRequest>(r).resource.type, kNone);
  EXPECT_EQ(as<eval::CheckRequest>(r).resource.tenant, "acme");
  EXPECT_TRUE(as<eval::CheckRequest>(r).invalid.empty());
  const Value& kyc = as<eval::CheckRequest>(r).principal.attributes[principal_slot("kyc")];
  EXPECT_EQ(kyc.kind, ValueKind::Enum);
  EXPECT_EQ(kyc.member, 2U);
  const Value& tags = as<eval::CheckRequest>(r).principal.attributes[principal_slot("tags")];
  ASSERT_EQ(tags.kind, ValueKind::SetOfString);
  ASSERT_EQ(tags.strings.size(), 2U);
  EXPECT_EQ(tags.strings[1], "b");
  EXPECT_EQ(as<eval::CheckRequest>(r).principal.attributes[principal_slot("account_age_days")].kind,
            ValueKind::Absent);
}

TEST(RequestParser, KeyOrderNullsDuplicatesAndUnknownNames) {
  json::RequestParser parser;
  const json::ParsedRequest& r = parser.parse(
      example_policies(),
      R"({"principal":{"attrs":{"kyc":"none","account_age_days":null,"nickname":3,"nickname":4},"role":"guest","id":"u"},)"
      R"("to":"basic","tenant":"acme","op":"transition","context":null,"explain":null,"extra":[1,{"a":2}]})");
  ASSERT_TRUE(r.ok()) << r.error_message;
  EXPECT_EQ(r.op, json::RequestOp::Transition);
  EXPECT_EQ(as<eval::TransitionRequest>(r).principal.attributes[principal_slot("kyc")].member,
            0U);  // (a declared attribute given twice: DeclaredAttributesGivenTwiceDoNotFit)
  EXPECT_EQ(
      as<eval::TransitionRequest>(r).principal.attributes[principal_slot("account_age_days")].kind,
      ValueKind::Absent);
  EXPECT_TRUE(as<eval::TransitionRequest>(r).invalid.empty());
  EXPECT_NE(as<eval::TransitionRequest>(r).to, kNone);
  EXPECT_TRUE(r.id.empty());
}

TEST(RequestParser, ResourceAttributesOfAnotherTypeAreIgnored) {
  json::RequestParser parser;
  const json::ParsedRequest& r =
      parser.parse(example_policies(), check_line("{}", R"({"owner":"u1","overdue_days":"x"})"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(as<eval::CheckRequest>(r).invalid.empty()) << as<eval::CheckRequest>(r).invalid;
}

TEST(RequestParser, UnknownNamesBecomeNone) {
  json::RequestParser parser;
  const json::ParsedRequest& r = parser.parse(
      example_policies(),
      R"({"op":"check","tenant":"acme","principal":{"id":"u","role":"pirate"},"action":"fly","resource":{"type":"boat","id":"b","tenant":"acme"}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(as<eval::CheckRequest>(r).principal.role, kNone);
  EXPECT_EQ(as<eval::CheckRequest>(r).action, kNone);
  EXPECT_EQ(as<eval::CheckRequest>(r).resource.type, kNone);
  const json::ParsedRequest& unknown =
      parser.parse(example_policies(),
                   R"({"op":"plans","tenant":"nowhere","principal":{"id":"u","role":"basic"}})");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(as<json::PlansRequest>(unknown).tenant, kNone);
  EXPECT_EQ(as<json::PlansRequest>(unknown).principal.role, kNone);
}

// An action the tenant does not declare for the resource type (the
// example declares read, write and delete on document only): the request
// parses, and is invalid with a message naming the action, the type and the
// tenant (docs/LANGUAGE.md §3, "Actions").
TEST(RequestParser, UndeclaredActionsAreInvalidAndNamed) {
  json::RequestParser parser;
  const auto invalid_of = [&](std::string_view action, std::string_view type) {
    const std::string line =
        R"({"op":"check","tenant":"acme","principal":{"id":"u","role":"basic"},)"
        R"("action":")" +
        std::string(action) + R"(","resource":{"type":")" + std::string(type) +
        R"(","id":"r","tenant":"acme"}})";
    const json::ParsedRequest& r = parser.parse(example_policies(), line);
    EXPECT_TRUE(r.ok()) << r.error_message;
    return as<eval::CheckRequest>(r).invalid;
  };
  EXPECT_EQ(invalid_of("read", "document"), "");
  EXPECT_EQ(invalid_of("delete", "document"), "");
  EXPECT_EQ(invalid_of("raed", "document"),
            "action 'raed' is not declared for resource type 'document' in tenant 'acme' (did "
            "you mean 'read'?)");
  EXPECT_EQ(invalid_of("share", "document"),
            "action 'share' is not declared for resource type 'document' in tenant 'acme'");
  // Declared for document only: not an action of subscription.
  EXPECT_EQ(invalid_of("delete", "subscription"),
            "action 'delete' is not declared for resource type 'subscription' in tenant 'acme'");
}

struct InvalidCase {
  std::string principal_attrs;
  std::string message;
};

TEST(RequestParser, AttributesThatDoNotFitNameTheirPath) {
  const InvalidCase cases[] = {
      {R"({"account_age_days":"40"})",
       "principal.attrs.account_age_days: expected int, got string"},
      {R"({"account_age_days":4.5})", "principal.attrs.account_age_days: expected int, got float"},
      {R"({"account_age_days":18446744073709551615})",
       "principal.attrs.account_age_days: expected int, got an integer out of range"},
      {R"({"kyc":"verifed"})",
       R"(principal.attrs.kyc: expected one of "none" | "pending" | "verified", got "verifed")"},
      {R"({"kyc":1})",
       R"(principal.attrs.kyc: expected one of "none" | "pending" | "verified", got int)"},
      {R"({"tags":["a",2]})", "principal.attrs.tags[1]: expected string, got int"},
      {R"({"tags":"a"})", "principal.attrs.tags: expected set<string>, got string"},
  };
  json::RequestParser parser;
  for (const InvalidCase& c : cases) {
    const json::ParsedRequest& r = parser.parse(example_policies(), check_line(c.principal_attrs));
    ASSERT_TRUE(r.ok()) << c.principal_attrs;
    EXPECT_EQ(as<eval::CheckRequest>(r).invalid, c.message) << c.principal_attrs;
  }
  const json::ParsedRequest& resource =
      parser.parse(example_policies(), check_line("{}", R"({"locked":"no"})"));
  EXPECT_EQ(as<eval::CheckRequest>(resource).invalid,
            "resource.attrs.locked: expected bool, got string");
  const json::ParsedRequest& context = parser.parse(
      example_policies(),
      R"({"op":"features","tenant":"acme","principal":{"id":"u","role":"basic"},"context":{"mfa":1}})");
  EXPECT_EQ(as<json::FeaturesRequest>(context).invalid, "context.mfa: expected bool, got int");
}

// A key the parser reads given twice is bad_request (docs/PROTOCOL.md,
// "Common fields"), whatever the two values; the op, when it is not the
// key duplicated, still shapes the answer.
// Inside attrs and context, a declared attribute given twice does not fit the
// schema (even once as null: which value holds must not depend on the reader);
// an undeclared one is ignored however often it appears.
TEST(RequestParser, DeclaredAttributesGivenTwiceDoNotFit) {
  json::RequestParser parser;
  const auto check_with = [&](const std::string& attrs) -> const json::ParsedRequest& {
    return parser.parse(example_policies(),
                        R"({"op":"check","tenant":"acme","principal":{"id":"u","role":"basic",)"
                        R"("attrs":)" +
                            attrs +
                            R"(},"action":"read","resource":{"type":"document","id":"d1",)"
                            R"("tenant":"acme"}})");
  };
  for (const std::string attrs :
       {R"({"kyc":"verified","kyc":"none"})", R"({"kyc":null,"kyc":"verified"})",
        R"({"kyc":"verified","kyc":null})", R"({"kyc":null,"kyc":null})"}) {
    const json::ParsedRequest& twice = check_with(attrs);
    ASSERT_TRUE(twice.ok()) << attrs;
    EXPECT_EQ(std::get<eval::CheckRequest>(twice.request).invalid,
              "principal.attrs.kyc: given twice")
        << attrs;
  }
  const json::ParsedRequest& undeclared =
      check_with(R"({"kyc":"verified","nickname":"a","nickname":"b"})");
  ASSERT_TRUE(undeclared.ok());
  EXPECT_EQ(std::get<eval::CheckRequest>(undeclared.request).invalid, "");
}

TEST(RequestParser, DuplicateKeysAreRefused) {
  json::RequestParser parser;
  const std::string principal = R"("principal":{"id":"u","role":"basic"})";
  const json::ParsedRequest& op =
      parser.parse(example_policies(), R"({"op":"transition","op":"check","tenant":"acme",)" +
                                           principal + R"(,"to":"basic"})");
  EXPECT_EQ(op.error, json::ErrorCode::BadRequest);
  EXPECT_EQ(op.error_message, "duplicate key 'op': each key may be given once");
  EXPECT_EQ(op.op, json::RequestOp::None);

  const json::ParsedRequest& tenant =
      parser.parse(example_policies(),
                   R"({"id":3,"op":"plans","tenant":"acme","tenant":"acme",)" + principal + "}");
  EXPECT_EQ(tenant.error, json::ErrorCode::BadRequest);
  EXPECT_EQ(tenant.error_message, "duplicate key 'tenant': each key may be given once");
  EXPECT_EQ(tenant.op, json::RequestOp::Plans);  // answered with the deny shape
  EXPECT_EQ(tenant.id, "3");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(tenant.request));

  const json::ParsedRequest& role = parser.parse(
      example_policies(),
      R"({"op":"features","tenant":"acme","principal":{"id":"u","role":"basic","role":"guest"}})");
  EXPECT_EQ(role.error_message, "duplicate key 'principal.role': each key may be given once");
  const json::ParsedRequest& resource = parser.parse(
      example_policies(),
      R"({"op":"check","tenant":"acme",)" + principal +
          R"(,"action":"read","resource":{"type":"document","id":"d1","id":"d2","tenant":"acme"}})");
  EXPECT_EQ(resource.error_message, "duplicate key 'resource.id': each key may be given once");

  // The server ops' fields come from the same parse, under the same rule.
  json::RequestParser server;
  server.set_server_ops(true);
  const json::ParsedRequest& reload = server.parse(
      example_policies(), R"({"op":"reload","allow_removal":false,"allow_removal":true})");
  EXPECT_EQ(reload.error, json::ErrorCode::BadRequest);
  EXPECT_EQ(reload.op, json::RequestOp::ServerOnly);
  const json::ParsedRequest& feature = server.parse(
      example_policies(), R"({"op":"set_feature","tenant":"a","feature":"f","state":"on"})");
  ASSERT_TRUE(feature.ok()) << feature.error_message;
  EXPECT_EQ(as<json::SetFeatureRequest>(feature).tenant, "a");
  EXPECT_EQ(as<json::SetFeatureRequest>(feature).state, "on");
  const json::ParsedRequest& hello =
      server.parse(example_policies(), R"({"op":"hello","token":7})");
  ASSERT_TRUE(hello.ok());
  EXPECT_FALSE(
      as<json::HelloRequest>(hello).token.has_value());  // not a string: judged by the server
}

struct ErrorCase {
  std::string line;
  json::ErrorCode code;
  std::string message;  // a part of it
};

TEST(RequestParser, ProtocolErrors) {
  const ErrorCase cases[] = {
      {"not json", json::ErrorCode::BadJson, "not valid JSON"},
      {"[1,2]", json::ErrorCode::BadJson, "must be a JSON object, got array"},
      {R"({"op":"check")", json::ErrorCode::BadJson, "not valid JSON"},
      {"{\"op\":\"check\",\"tenant\":\"\xff\"}", json::ErrorCode::BadJson, "invalid UTF-8"},
      {std::string(200, '[') + std::string(200, ']'), json::ErrorCode::BadJson,
       "nested deeper than 64"},
      {R"({"op":"check","n":1.})", json::ErrorCode::BadJson, "a number is malformed"},
      {R"({"tenant":"acme"})", json::ErrorCode::BadRequest, "missing field 'op'"},
      {R"({"op":7})", json::ErrorCode::BadRequest, "field 'op': expected string, got int"},
      {R"({"op":"fly"})", json::ErrorCode::UnknownOp, "unknown op 'fly'"},
      {R"({"op":"reload"})", json::ErrorCode::BadRequest, "served by `tenet serve` only"},
      {R"({"op":"plans","principal":{"id":"u","role":"r"}})", json::ErrorCode::BadRequest,
       "missing field 'tenant'"},
      {R"({"op":"plans","tenant":"acme"})", json::ErrorCode::BadRequest,
       "missing field 'principal'"},
      {R"({"op":"plans","tenant":"acme","principal":{"id":"u"}})", json::ErrorCode::BadRequest,
       "missing field 'principal.role'"},
      {R"({"op":"plans","tenant":"acme","principal":{"id":1,"role":"r"}})",
       json::ErrorCode::BadRequest, "field 'principal.id': expected string, got int"},
      {R"({"op":"plans","tenant":"acme","principal":{"id":"u","role":"r","attrs":[]}})",
       json::ErrorCode::BadRequest, "field 'principal.attrs': expected object, got array"},
      {R"({"op":"check","tenant":"acme","principal":{"id":"u","role":"r"},"resource":{}})",
       json::ErrorCode::BadRequest, "missing field 'action'"},
      {R"({"op":"check","tenant":"acme","principal":{"id":"u","role":"r"},"action":"read","resource":{"type":"document","id":"d"}})",
       json::ErrorCode::BadRequest, "missing field 'resource.tenant'"},
      {R"({"op":"transition","tenant":"acme","principal":{"id":"u","role":"r"}})",
       json::ErrorCode::BadRequest, "missing field 'to'"},
      {R"({"op":"subscribe","tenant":"acme","principal":{"id":"u","role":"r"}})",
       json::ErrorCode::BadRequest, "missing field 'plan'"},
      {R"({"op":"lifecycle","tenant":"acme","principal":{"id":"u","role":"r"},"resource":{"type":"subscription","id":"s","tenant":"acme","state":"signing"}})",
       json::ErrorCode::BadRequest, "missing field 'to'"},
      {R"({"op":"plans","tenant":"acme","principal":{"id":"u","role":"r"},"explain":"yes"})",
       json::ErrorCode::BadRequest, "field 'explain': expected bool, got string"},
      {R"({"op":"plans","id":{"a":1}})", json::ErrorCode::BadRequest,
       "field 'id': expected a JSON scalar"},
      {R"({"op":"batch"})", json::ErrorCode::BadRequest, "missing field 'requests'"},
      {R"({"op":"batch","requests":{}})", json::ErrorCode::BadRequest,
       "field 'requests': expected array"},
      {"", json::ErrorCode::BadJson, "empty request"},
  };
  json::RequestParser parser;
  for (const ErrorCase& c : cases) {
    const json::ParsedRequest& r = parser.parse(example_policies(), c.line);
    EXPECT_EQ(r.error, c.code) << c.line;
    EXPECT_NE(std::string(r.error_message).find(c.message), std::string::npos)
        << c.line << " → " << r.error_message;
  }
}

TEST(RequestParser, BatchItemsAndLimits) {
  json::RequestParser parser;
  const json::ParsedRequest& batch = parser.parse(
      example_policies(),
      R"({"id":"b","op":"batch","requests":[{"id":1.50,"op":"plans","tenant":"acme","principal":{"id":"u","role":"basic"}},)"
      R"( 3 , {"op":"batch","requests":[]}, {"id":"x","op":"hello"}]})");
  ASSERT_TRUE(batch.ok()) << batch.error_message;
  EXPECT_EQ(as<json::BatchRequest>(batch).size, 4U);
  EXPECT_EQ(batch.id, R"("b")");
  const json::ParsedRequest& first = parser.next_batch_item();
  EXPECT_TRUE(first.ok());
  EXPECT_EQ(first.id, "1.50");
  EXPECT_EQ(parser.next_batch_item().error, json::ErrorCode::BadRequest);
  EXPECT_EQ(parser.next_batch_item().error,
            json::ErrorCode::BadRequest);  // nested batch
  const json::ParsedRequest& hello = parser.next_batch_item();
  EXPECT_EQ(hello.error, json::ErrorCode::BadRequest);
  EXPECT_EQ(hello.id, R"("x")");
  EXPECT_EQ(parser.next_batch_item().error,
            json::ErrorCode::BadRequest);  // past the end

  std::string big = R"({"op":"batch","requests":[)";
  for (int i = 0; i < 1025; ++i) big += i == 0 ? "1" : ",1";
  big += "]}";
  EXPECT_EQ(parser.parse(example_policies(), big).error, json::ErrorCode::TooLarge);
}

// Batch item ids are echoed byte for byte whatever their form: integers are
// printed back (one spelling each), everything else is found in the raw line
// only when needed, past any items before it that were never located.
TEST(RequestParser, BatchItemIdsEchoedExactly) {
  const std::string plans = R"("op":"plans","tenant":"acme","principal":{"id":"u","role":"basic"})";
  const std::vector<std::string> ids = {
      "12",   "-7",   "18446744073709551615", "-0", "0", "1.50", "1e3", R"("s\u0041")", R"("a,]}")",
      "null", "true", "-9223372036854775808"};
  std::string line = R"({"op":"batch","requests":[)";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) line += " ,\n ";
    // Every third item nests an object before its id, so skipping it is real work.
    line += i % 3 == 0 ? R"({"pad":{"x":[1,{"y":"]"}]},"id": )" + ids[i] + ',' + plans + '}'
                       : R"({ "id" :)" + ids[i] + ',' + plans + '}';
  }
  line += R"(, {"\u0069d":5,)" + plans + "}]}";  // an escaped key: re-serialised
  json::RequestParser parser;
  const json::ParsedRequest& batch = parser.parse(example_policies(), line);
  ASSERT_TRUE(batch.ok()) << batch.error_message;
  ASSERT_EQ(as<json::BatchRequest>(batch).size, ids.size() + 1);
  for (const std::string& id : ids) {
    const json::ParsedRequest& item = parser.next_batch_item();
    EXPECT_TRUE(item.ok()) << item.error_message;
    EXPECT_EQ(item.id, id);
  }
  EXPECT_EQ(parser.next_batch_item().id, "5");
}

// The server decides item i while items i+1.. are already parsed: each item
// must stay intact for kBatchItemsAlive - 1 further calls.
TEST(RequestParser, BatchItemsStayValidWhileReadingAhead) {
  constexpr std::size_t kItems = 20;
  std::string line = R"({"op":"batch","requests":[)";
  for (std::size_t i = 0; i < kItems; ++i) {
    if (i > 0) line += ',';
    line += R"({"id":")" + std::to_string(i) +
            R"(","op":"check","tenant":"acme","principal":{"id":"u)" + std::to_string(i) +
            R"(","role":"basic","attrs":{"account_age_days":)" + std::to_string(i) +
            R"(,"tags":["t)" + std::to_string(i) +
            R"("]}},"action":"read","resource":{"type":"document","id":"d",)" +
            R"("tenant":"acme","attrs":{"owner":"o)" + std::to_string(i) + R"(","locked":false}}})";
  }
  line += "]}";
  json::RequestParser parser;
  ASSERT_TRUE(parser.parse(example_policies(), line).ok());
  std::vector<const json::ParsedRequest*> items;
  const Index age = principal_slot("account_age_days");
  const Index tags = principal_slot("tags");
  for (std::size_t i = 0; i < kItems; ++i) {
    items.push_back(&parser.next_batch_item());
    const std::size_t oldest = i + 1 >= json::RequestParser::kBatchItemsAlive
                                   ? i + 1 - json::RequestParser::kBatchItemsAlive
                                   : 0;
    for (std::size_t k = oldest; k <= i; ++k) {
      const json::ParsedRequest& item = *items[k];
      ASSERT_TRUE(item.ok()) << item.error_message;
      EXPECT_EQ(item.id, '"' + std::to_string(k) + '"');
      EXPECT_EQ(as<eval::CheckRequest>(item).principal.id, "u" + std::to_string(k));
      EXPECT_EQ(as<eval::CheckRequest>(item).principal.attributes[age].integer,
                static_cast<std::int64_t>(k));
      ASSERT_EQ(as<eval::CheckRequest>(item).principal.attributes[tags].strings.size(), 1U);
      EXPECT_EQ(as<eval::CheckRequest>(item).principal.attributes[tags].strings[0],
                "t" + std::to_string(k));
    }
  }
}

TEST(RequestParser, TenThousandElementSet) {
  std::string tags = "[";
  for (int i = 0; i < 10'000; ++i) tags += (i == 0 ? "\"t" : ",\"t") + std::to_string(i) + '"';
  tags += ']';
  json::RequestParser parser;
  const json::ParsedRequest& r =
      parser.parse(example_policies(), check_line(R"({"tags":)" + tags + "}"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(as<eval::CheckRequest>(r).principal.attributes[principal_slot("tags")].strings.size(),
            10'000U);
  EXPECT_EQ(as<eval::CheckRequest>(r).principal.attributes[principal_slot("tags")].strings[9'999],
            "t9999");
}

TEST(RequestParser, IdRawTokenEvenWithEscapes) {
  json::RequestParser parser;
  EXPECT_EQ(parser.parse(example_policies(), R"({ "id" : "a\u00e9\"" , "op":"fly"})").id,
            R"("a\u00e9\"")");
  EXPECT_EQ(parser.parse(example_policies(), R"({"id":-1e3,"op":"fly"})").id, "-1e3");
  EXPECT_EQ(parser.parse(example_policies(), R"({"op":"fly","x":{"id":5},"id":null})").id, "null");
  EXPECT_EQ(parser.parse(example_policies(), R"({"\u0069d":12,"op":"fly"})").id,
            "12");  // escaped key
}

}  // namespace
}  // namespace tenet
