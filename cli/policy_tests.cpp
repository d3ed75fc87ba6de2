#include "cli/policy_tests.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <variant>

#include "cli/test_coverage.hpp"
#include "engine/engine.hpp"
#include "engine/json/line_handler.hpp"

namespace tenet::cli {
namespace {

using nlohmann::json;

json to_json(const ast::TestValue& value) {
  switch (value.kind) {
    case ast::TestValue::Kind::String:
    case ast::TestValue::Kind::Name:
      return value.text;
    case ast::TestValue::Kind::Int:
      return value.integer;
    case ast::TestValue::Kind::Bool:
      return value.boolean;
    case ast::TestValue::Kind::List: {
      json items = json::array();
      for (const ast::TestValue& item : value.items) items.push_back(to_json(item));
      return items;
    }
  }
  return nullptr;
}

// The fields of `object` named in `builtins` go to the top level of the
// result; every other field into "attrs".
json entity(const ast::TestObject& object, std::initializer_list<std::string_view> builtins) {
  json result = json::object();
  json attrs = json::object();
  for (const ast::TestField& field : object.fields) {
    const bool builtin =
        std::find(builtins.begin(), builtins.end(), field.key.text) != builtins.end();
    json& target = builtin ? result : attrs;
    if (!target.contains(field.key.text))
      target[field.key.text] = to_json(field.value);  // first wins
  }
  result["attrs"] = std::move(attrs);
  return result;
}

std::string join(const json& list) {
  std::string text;
  for (const json& item : list) {
    if (!text.empty()) text += ", ";
    text += item.is_string() ? item.get<std::string>() : item.dump();
  }
  return text;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string text = "[";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += ", ";
    text += names[i];
  }
  return text + "]";
}

// "(reasons: a, b; unmet: x; errors: r: m)" — what explains a decision.
std::string details(const json& response) {
  std::string text;
  const auto add = [&](std::string_view label, const std::string& value) {
    if (value.empty()) return;
    text += text.empty() ? " (" : "; ";
    text += label;
    text += ": ";
    text += value;
  };
  if (response.contains("reasons")) add("reasons", join(response["reasons"]));
  if (response.contains("unmet")) add("unmet", join(response["unmet"]));
  if (response.contains("errors")) {
    std::string errors;
    for (const json& error : response["errors"]) {
      if (!errors.empty()) errors += ", ";
      errors += error.value("rule", "") + ": " + error.value("message", "");
    }
    add("errors", errors);
  }
  return text.empty() ? text : text + ")";
}

std::string_view describe(const ast::Expectation& expect) {
  switch (expect.kind) {
    case ast::ExpectKind::Plans:
      return "plans";
    case ast::ExpectKind::Features:
      return "features";
    default:
      return expect.allow ? "allow" : "deny";
  }
}

class Runner {
 public:
  Runner(const CompiledPolicySet& policies, const SourceSet& sources, TestCoverage* coverage)
      : policies_(policies), sources_(sources), coverage_(coverage) {}

  void run(const ast::TestDecl& test) {
    tenant_.reset();
    principal_ = nullptr;
    context_ = nullptr;
    for (const ast::TestStep& step : test.steps) {
      if (const auto* tenant = std::get_if<ast::TestTenant>(&step)) {
        tenant_ = tenant->tenant.text;
      } else if (const auto* principal = std::get_if<ast::TestPrincipal>(&step)) {
        principal_ = &principal->principal;
      } else if (const auto* context = std::get_if<ast::TestContext>(&step)) {
        context_ = &context->context;
      } else if (const auto* expect = std::get_if<ast::Expectation>(&step)) {
        const std::optional<std::string> failure = evaluate(*expect);
        if (failure) {
          report_.failures.push_back(
              {sources_.file(expect->span.file).path, expect->span.line, test.name.text, *failure});
        } else {
          ++report_.passed;
        }
      }
    }
  }

  [[nodiscard]] TestReport take_report() { return std::move(report_); }

 private:
  // nullopt: passed; else why it failed.
  std::optional<std::string> evaluate(const ast::Expectation& expect) {
    if (!tenant_) return "no `tenant` before this expect";
    const Index tenant = policies_.find_tenant(*tenant_);
    if (tenant == kNone) return "unknown tenant '" + *tenant_ + "'";
    if (principal_ == nullptr) return std::string("no `principal` before this expect");

    json request = json::object();
    request["tenant"] = *tenant_;
    json principal = entity(*principal_, {"id", "role"});
    if (!principal.contains("role")) return std::string("the principal has no `role`");
    if (!principal.contains("id")) principal["id"] = "";
    if (principal["role"].is_string()) {
      const std::string role = principal["role"].get<std::string>();
      if (policies_.find_role(tenant, role) == kNone) {
        return "unknown role '" + role + "' in tenant '" + *tenant_ + "'";
      }
    }
    request["principal"] = std::move(principal);
    if (context_ != nullptr) request["context"] = entity(*context_, {})["attrs"];

    const auto resource = [&] {
      json object = entity(expect.resource, {"id", "tenant", "state"});
      object["type"] = expect.resource_type.text;
      if (!object.contains("id")) object["id"] = "";
      if (!object.contains("tenant")) object["tenant"] = *tenant_;
      return object;
    };
    switch (expect.kind) {
      case ast::ExpectKind::Check:
        request["op"] = "check";
        request["action"] = expect.action.text;
        request["resource"] = resource();
        break;
      case ast::ExpectKind::Transition:
        request["op"] = "transition";
        request["to"] = expect.target.text;
        break;
      case ast::ExpectKind::Subscribe:
        request["op"] = "subscribe";
        request["plan"] = expect.target.text;
        break;
      case ast::ExpectKind::Plans:
        request["op"] = "plans";
        break;
      case ast::ExpectKind::Features:
        request["op"] = "features";
        break;
      case ast::ExpectKind::Lifecycle:
        request["op"] = "lifecycle";
        request["resource"] = resource();
        request["to"] = expect.target.text;
        break;
    }

    if (coverage_ != nullptr) request["explain"] = true;

    out_.clear();
    handler_.handle(policies_, request.dump(), out_);
    const json response = json::parse(out_, nullptr, false);
    if (response.is_discarded() || !response.is_object()) return "unreadable response: " + out_;
    if (response.contains("error")) {
      const json& error = response["error"];
      return "request rejected: " + error.value("code", "") + ": " + error.value("message", "");
    }
    if (coverage_ != nullptr) record(expect, request, response);

    if (expect.kind == ast::ExpectKind::Plans || expect.kind == ast::ExpectKind::Features) {
      const char* key = expect.kind == ast::ExpectKind::Plans ? "plans" : "features";
      std::vector<std::string> expected;
      for (const ast::Name& name : expect.names) expected.push_back(name.text);
      std::vector<std::string> actual;
      if (response.contains(key)) {
        for (const json& name : response[key])
          actual.push_back(name.is_string() ? name.get<std::string>() : name.dump());
      }
      std::vector<std::string> expected_sorted = expected;
      std::vector<std::string> actual_sorted = actual;
      std::sort(expected_sorted.begin(), expected_sorted.end());
      std::sort(actual_sorted.begin(), actual_sorted.end());
      if (expected_sorted == actual_sorted) return std::nullopt;
      return "expected " + std::string(describe(expect)) + ' ' + join_names(expected) + ", got " +
             join_names(actual) + details(response);
    }

    const std::string decision = response.value("decision", "");
    if (decision == describe(expect)) return std::nullopt;
    return "expected " + std::string(describe(expect)) + ", got " +
           (decision.empty() ? "no decision" : decision) + details(response);
  }

  // What the engine looked at for this request (its trace), and for a
  // check, which cell it decided.
  void record(const ast::Expectation& expect, const json& request, const json& response) {
    if (const auto trace = response.find("trace"); trace != response.end() && trace->is_array()) {
      for (const json& entry : *trace) {
        coverage_->record_trace(entry.value("kind", ""), entry.value("rule", ""),
                                entry.value("outcome", ""));
      }
    }
    // A resource of another tenant is denied before any cell is looked at.
    const json& role = request["principal"]["role"];
    if (expect.kind == ast::ExpectKind::Check && role.is_string() &&
        request["resource"]["tenant"] == *tenant_) {
      coverage_->record_check(*tenant_, role.get<std::string>(), expect.action.text,
                              expect.resource_type.text);
    }
  }

  const CompiledPolicySet& policies_;
  const SourceSet& sources_;
  TestCoverage* coverage_;
  tenet::json::LineHandler handler_;
  std::string out_;
  TestReport report_;
  std::optional<std::string> tenant_;
  const ast::TestObject* principal_ = nullptr;
  const ast::TestObject* context_ = nullptr;
};

}  // namespace

TestReport run_policy_tests(const CompiledPolicySet& policies, const SourceSet& sources,
                            const std::vector<std::shared_ptr<const ast::File>>& test_files,
                            TestCoverage* coverage) {
  Runner runner(policies, sources, coverage);
  for (const auto& file : test_files) {
    for (const ast::TestDecl& test : file->tests) runner.run(test);
  }
  return runner.take_report();
}

}  // namespace tenet::cli
