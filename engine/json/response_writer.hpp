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
// Used by engine/json/line_handler.cpp; pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "engine/eval/decision.hpp"
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
void write_error(std::string& out, RequestOp op, std::string_view id, std::string_view code,
                 std::string_view message);

// The opening of a batch response, `{"id":...,"results":[`, and its end `]}`.
void write_batch_open(std::string& out, std::string_view id);
void write_batch_close(std::string& out);

}  // namespace tenet::json
