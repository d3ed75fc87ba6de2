// JSON in, JSON out: one docs/PROTOCOL.md request line → one response line.
//
// The one code path from a request line to its answer, shared by
// `Engine::handle_json`, `tenet eval`, `tenet test` and the server:
// parse (engine/json/request_parser), evaluate (engine/eval/evaluator), write
// (engine/json/response_writer). `handle_line` is the allocation-conscious form:
// the caller keeps one RequestParser, one Decision and one output string per
// thread, and a warm call allocates nothing.
//
// Ops: check, transition, subscribe, plans, features, lifecycle, batch, and
// the filter extension (engine/json/filter_op.hpp).
// The session and administration ops (hello, health, stats, reload,
// set_feature) belong to `tenet serve`; here they get bad_request
// ("'reload' is served by `tenet serve` only"), unknown names unknown_op.
//
// Never throws: an unexpected failure becomes an `internal` error response.
// Thread-safety: `policies` is shared read-only; the scratch arguments
// belong to the calling thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/compile/compiled.hpp"
#include "engine/eval/decision.hpp"
#include "engine/json/batch_pipeline.hpp"
#include "engine/json/request_parser.hpp"
#include "engine/json/response_writer.hpp"

namespace tenet::json {

// Appends the response to `line` (without '\n') to `out`.
void handle_line(const compile::CompiledPolicySet& policies, std::string_view line,
                 RequestParser& parser, eval::Decision& decision, std::string& out);

// What answer_request wrote, for a caller that counts (the server's stats).
enum class AnswerOutcome : std::uint8_t {
  Allow,           // a decision op allowed
  Deny,            // a decision op denied
  Listing,         // plans or features answered
  InvalidRequest,  // an answer carrying invalid_request (a decision op's attributes)
  Filter,          // a filter answer (not a decision)
  Error,           // a protocol error (the request failed to parse, or is not answered here)
};

// The answer to one parsed request (not a batch) appended to `out`.
AnswerOutcome answer_request(const compile::CompiledPolicySet& policies,
                             const ParsedRequest& request, eval::Decision& decision,
                             std::string& out);

}  // namespace tenet::json
