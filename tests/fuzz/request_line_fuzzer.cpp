// libFuzzer target: one protocol request line (docs/PROTOCOL.md) through the
// line handler every caller shares (engine/json/line_handler.hpp: the request
// parser, the evaluator, the response writer, batches and `filter`), against
// the shipped policy set (policies/), compiled once.
//
// Each line is answered twice: as `tenet eval` does (server ops refused) and
// as `tenet serve` parses it (server ops read, explain forced on). Beyond the
// sanitizers, every answer must be one JSON object on one line (a response a
// client cannot read is a finding too), never an `internal` error, and a
// decision op's answer always carries `decision`.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "engine/engine.hpp"
#include "engine/json/line_handler.hpp"

namespace {

const tenet::CompiledPolicySet& shipped_policies() {
  static const std::shared_ptr<const tenet::CompiledPolicySet> policies = [] {
    // TENET_FUZZ_POLICIES: another policy directory (the default is the
    // checkout's policies/, so the binary runs from anywhere).
    const char* directory = std::getenv("TENET_FUZZ_POLICIES");
    const tenet::PolicyLoad load = tenet::compile_policy_directory(
        directory != nullptr ? directory : TENET_SOURCE_DIR "/policies");
    if (load.policies == nullptr) std::abort();  // nothing to fuzz against
    return load.policies;
  }();
  return *policies;
}

// A strict RFC 8259 syntax check, written here rather than taken from a JSON
// library: the protocol echoes an `id` "as written", numbers of any size
// included (docs/PROTOCOL.md), which nlohmann refuses as out of range.
class JsonSyntax {
 public:
  explicit JsonSyntax(std::string_view text) : text_(text) {}

  // One object and nothing after it.
  bool is_one_object() {
    if (peek() != '{' || !value(0)) return false;
    return position_ == text_.size();
  }

 private:
  static constexpr int kMaxDepth = 256;

  [[nodiscard]] char peek() const { return position_ < text_.size() ? text_[position_] : '\0'; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++position_;
    return true;
  }
  void skip_space() {
    while (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r') ++position_;
  }
  bool digits() {
    const std::size_t start = position_;
    while (peek() >= '0' && peek() <= '9') ++position_;
    return position_ > start;
  }
  bool literal(std::string_view word) {
    if (text_.substr(position_, word.size()) != word) return false;
    position_ += word.size();
    return true;
  }
  bool number() {
    eat('-');
    if (!eat('0') && !digits()) return false;
    if (eat('.') && !digits()) return false;
    if (peek() == 'e' || peek() == 'E') {
      ++position_;
      if (!eat('+')) eat('-');
      if (!digits()) return false;
    }
    return true;
  }
  bool string() {
    if (!eat('"')) return false;
    for (;;) {
      if (position_ >= text_.size()) return false;
      const auto c = static_cast<unsigned char>(text_[position_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c != '\\') continue;
      const char escaped = peek();
      ++position_;
      if (escaped == 'u') {
        for (int i = 0; i < 4; ++i) {
          if (std::isxdigit(static_cast<unsigned char>(peek())) == 0) return false;
          ++position_;
        }
      } else if (std::string_view("\"\\/bfnrt").find(escaped) == std::string_view::npos) {
        return false;
      }
    }
  }
  bool value(int depth) {
    if (depth > kMaxDepth) return false;
    skip_space();
    bool ok = false;
    switch (peek()) {
      case '{':
        ok = members(depth, '}', true);
        break;
      case '[':
        ok = members(depth, ']', false);
        break;
      case '"':
        ok = string();
        break;
      case 't':
        ok = literal("true");
        break;
      case 'f':
        ok = literal("false");
        break;
      case 'n':
        ok = literal("null");
        break;
      default:
        ok = number();
    }
    skip_space();
    return ok;
  }
  bool members(int depth, char close, bool keyed) {
    ++position_;
    skip_space();
    if (eat(close)) return true;
    for (;;) {
      if (keyed) {
        skip_space();
        if (!string()) return false;
        skip_space();
        if (!eat(':')) return false;
      }
      if (!value(depth + 1)) return false;
      if (eat(close)) return true;
      if (!eat(',')) return false;
    }
  }

  std::string_view text_;
  std::size_t position_ = 0;
};

// Every answer is one JSON object on one line, and never `internal` (an
// unexpected exception while answering: LineHandler::handle turns it into
// that error, so only the answer shows it). Searching the text is exact
// here: inside a JSON string every '"' is escaped, so `"code":"internal"`
// can only be the answer's own structure.
void expect_one_json_object(const std::string& response) {
  if (response.find('\n') != std::string::npos) __builtin_trap();
  if (!JsonSyntax(response).is_one_object()) __builtin_trap();
  if (response.find(R"("code":"internal")") != std::string::npos) __builtin_trap();
}

}  // namespace

// libFuzzer's entry point; the unit tests compile this file with it renamed
// (tests/unit/fuzz/fuzz_replay_test.cpp replays the corpus and the findings).
#ifndef TENET_FUZZ_ENTRY
#define TENET_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int TENET_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  const tenet::CompiledPolicySet& policies = shipped_policies();
  const std::string_view line(reinterpret_cast<const char*>(data), size);

  static tenet::json::LineHandler eval_handler;
  static tenet::json::LineHandler serve_handler = [] {
    tenet::json::LineHandler handler;
    handler.parser().set_server_ops(true);
    handler.parser().set_force_explain(true);
    return handler;
  }();

  std::string out;
  eval_handler.handle(policies, line, out);
  expect_one_json_object(out);

  // The server's steps (server/session): parse once, answer a batch item by
  // item; the server ops are the session's own to answer.
  out.clear();
  const tenet::json::ParsedRequest& request = serve_handler.parse(policies, line);
  if (std::holds_alternative<tenet::json::BatchRequest>(request.request)) {
    serve_handler.answer_batch(policies, request, out,
                               [&](const tenet::json::ParsedRequest& item, std::string& into) {
                                 serve_handler.answer(policies, item, into);
                               });
    expect_one_json_object(out);
  } else if (request.op != tenet::json::RequestOp::ServerOnly) {
    const bool decision_op = tenet::json::is_decision_op(request.op);
    serve_handler.answer(policies, request, out);
    // A decision op is always answered with a decision, an error or not
    // (docs/PROTOCOL.md: a client that reads only `decision` fails closed).
    expect_one_json_object(out);
    if (decision_op && out.find(R"("decision":)") == std::string::npos) __builtin_trap();
  }
  return 0;
}
