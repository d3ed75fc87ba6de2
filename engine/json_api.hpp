// JSON in, JSON out: one PROTOCOL.md request line → one response line.
//
// The one code path from a request line to its answer, shared by
// `Engine::handle_json`, `tenet eval`, `tenet test` and (later) the server:
// parse (engine/request_parser), evaluate (engine/evaluator), write
// (engine/response_writer). `handle_line` is the allocation-conscious form:
// the caller keeps one RequestParser, one Decision and one output string per
// thread, and a warm call allocates nothing.
//
// Ops: check, transition, subscribe, plans, features, lifecycle, batch, and
// the filter extension (engine/filter_op.hpp).
// The session and administration ops (hello, health, stats, reload,
// set_feature) belong to `tenet serve`; here they get bad_request
// ("'reload' is served by `tenet serve` only"), unknown names unknown_op.
//
// Never throws: an unexpected failure becomes an `internal` error response.
// Thread-safety: `policies` is shared read-only; the scratch arguments
// belong to the calling thread.
#pragma once

#include <string>
#include <string_view>

#include "engine/compiled.hpp"
#include "engine/decision.hpp"
#include "engine/request_parser.hpp"

namespace tenet {

// Appends the response to `line` (without '\n') to `out`.
void handle_line(const CompiledPolicySet& policies, std::string_view line, RequestParser& parser,
                 Decision& decision, std::string& out);

// The answer to one parsed request (not a batch) appended to `out`.
void answer_request(const CompiledPolicySet& policies, const ParsedRequest& request, Decision& decision,
                    std::string& out);

}  // namespace tenet
