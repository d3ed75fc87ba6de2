// JSON in, JSON out: one docs/PROTOCOL.md request line → one response line.
//
// The one code path from a request line to its answer, shared by
// `Engine::handle_json`, `tenet eval`, `tenet test` and the server:
// parse (engine/json/request_parser), evaluate (engine/eval/evaluator), write
// (engine/json/response_writer). `LineHandler` owns the per-thread scratch
// (the parser, the Decision) and the batch loop; the caller keeps one per
// thread and one output string, and a warm line allocates nothing.
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
#include <variant>

#include "engine/compile/compiled.hpp"
#include "engine/eval/decision.hpp"
#include "engine/json/batch_pipeline.hpp"
#include "engine/json/request_parser.hpp"
#include "engine/json/response_writer.hpp"

namespace tenet::json {

// What LineHandler::answer wrote, for a caller that counts (the server's stats).
enum class AnswerOutcome : std::uint8_t {
  Allow,           // a decision op allowed
  Deny,            // a decision op denied
  Listing,         // plans or features answered
  InvalidRequest,  // an answer carrying invalid_request (a decision op's attributes)
  Filter,          // a filter answer (not a decision)
  Error,           // a protocol error (the request failed to parse, or is not answered here)
};

// One thread's line answering: the parser, the Decision scratch and the batch
// loop. `handle` is the whole path; the server, which answers its own ops and
// checks rights per item, uses the steps (parse, answer, answer_batch) so each
// line is still parsed once.
class LineHandler {
 public:
  // Options (server ops, forced explain) are set here before the first line.
  [[nodiscard]] RequestParser& parser() { return parser_; }

  // Appends the response to `line` (without '\n') to `out`.
  void handle(const compile::CompiledPolicySet& policies, std::string_view line, std::string& out);

  // Parses `line`; the result lives until the next parse.
  [[nodiscard]] const ParsedRequest& parse(const compile::CompiledPolicySet& policies,
                                           std::string_view line) {
    return parser_.parse(policies, line);
  }

  // The answer to one parsed request (not a batch) appended to `out`.
  AnswerOutcome answer(const compile::CompiledPolicySet& policies, const ParsedRequest& request,
                       std::string& out);

  // The Decision the last answer() wrote (the server's decision log reads
  // it); valid until the next answer.
  [[nodiscard]] const eval::Decision& decision() const { return decision_; }

  // The answer to the batch `batch` (just parsed) appended to `out`: each
  // item, in order, by `answer_item(item, out)`.
  template <typename AnswerItem>
  void answer_batch(const compile::CompiledPolicySet& policies, const ParsedRequest& batch,
                    std::string& out, AnswerItem&& answer_item) {
    write_batch_open(out, batch.id);
    for_each_batch_item(policies, parser_, std::get<BatchRequest>(batch.request).size,
                        [&](const ParsedRequest& item, std::size_t index) {
                          if (index > 0) out += ',';
                          answer_item(item, out);
                        });
    write_batch_close(out);
  }

 private:
  RequestParser parser_;
  eval::Decision decision_;
};

}  // namespace tenet::json
