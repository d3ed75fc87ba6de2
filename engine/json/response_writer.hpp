// Decisions → docs/PROTOCOL.md response lines.
//
// A hand-written JSON writer that appends to a caller-owned std::string, so
// a caller that reuses one string per thread writes responses without heap
// allocation once it has grown. Strings are escaped as JSON requires
// (quote, backslash, control characters); bytes that are not valid UTF-8
// become U+FFFD, so the output is always valid JSON. The `id` is written as
// the raw token the request parser found: echoed byte for byte.
//
// Response shapes (docs/SEMANTICS-NOTES.md, "JSON responses"): decision ops
// always carry `decision`; `reasons` always for check / transition /
// subscribe / lifecycle and on a denied plans / features; `unmet` only on a
// deny and when non-empty; `errors` only when non-empty; `trace` only when
// asked for; `error` when the request itself failed.
//
// Every response the engine and the server write goes through here: the
// decision shapes, `write_error` (one spelling of each code, from
// engine/json/error_code), and `ObjectWriter` for the answers that are not
// decisions (hello, health, stats, reload, set_feature, a connection's
// closing line). server/ writes no JSON by hand.
//
// Used by engine/json/line_handler.cpp, engine/json/filter_op.cpp and
// server/; pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "engine/eval/decision.hpp"
#include "engine/json/error_code.hpp"
#include "engine/json/request_parser.hpp"

namespace tenet::json {

// The `filter` member of a request that failed (no trailing comma).
inline constexpr std::string_view kNeverFilterMember =
    R"("filter":{"kind":"never","sql":"FALSE","params":[],"condition":{"op":"false"}})";

// `"text"` with JSON escapes.
void write_json_string(std::string& out, std::string_view text);

// `{"id":...,"decision":...}` for a decision op (check ... lifecycle). `id`
// empty: no id member. `explain`: write `trace` (possibly empty).
void write_decision(std::string& out, RequestOp op, std::string_view id,
                    const eval::Decision& decision, bool explain);

// The answer to a request that failed before evaluation. For a decision op
// it has the decision shape (deny, empty reasons or list) plus `error`; for
// anything else `{"id":...,"error":{...}}`. bad_json always gets `"id":null`.
void write_error(std::string& out, RequestOp op, std::string_view id, ErrorCode code,
                 std::string_view message);

// `"error":{"code":CODE,"message":MESSAGE}` (no comma before or after).
void write_error_member(std::string& out, ErrorCode code, std::string_view message);

// A JSON object written member by member into `out`. Keys are the
// protocol's own names (written as given, not escaped); string values are
// escaped. A comma goes before every member but the first. `close()` (or
// `end()` for a nested object) must be called once per opening.
class ObjectWriter {
 public:
  // `{`, then `"id":ID` when `id` (a raw JSON token) is not empty.
  explicit ObjectWriter(std::string& out, std::string_view id = {});

  ObjectWriter& boolean(std::string_view key, bool value);
  ObjectWriter& number(std::string_view key, std::uint64_t value);
  ObjectWriter& number(std::string_view key, std::int64_t value);
  ObjectWriter& string(std::string_view key, std::string_view value);
  ObjectWriter& null(std::string_view key);
  ObjectWriter& strings(std::string_view key, std::span<const std::string> values);
  // A member whose value is JSON text already (a formatted number).
  ObjectWriter& raw(std::string_view key, std::string_view json);
  ObjectWriter& error(ErrorCode code, std::string_view message);
  // `"key":{`: the members that follow are the nested object's, until end().
  ObjectWriter& begin(std::string_view key);
  ObjectWriter& end();
  void close() { out_ += '}'; }

 private:
  void key(std::string_view name);
  std::string& out_;
};

// The opening of a batch response, `{"id":...,"results":[`, and its end `]}`.
void write_batch_open(std::string& out, std::string_view id);
void write_batch_close(std::string& out);

}  // namespace tenet::json
