#include "engine/json/line_handler.hpp"

#include <exception>

#include "engine/eval/evaluator.hpp"
#include "engine/json/batch_pipeline.hpp"
#include "engine/json/filter_op.hpp"
#include "engine/json/response_writer.hpp"

namespace tenet::json {

void answer_request(const compile::CompiledPolicySet& policies, const ParsedRequest& request,
                    eval::Decision& decision, std::string& out) {
  if (!request.ok()) {
    write_error(out, request.op, request.id, *request.error, request.error_message);
    return;
  }
  bool explain = false;
  switch (request.op) {
    case RequestOp::Check:
      check(policies, request.check, decision);
      explain = request.check.explain;
      break;
    case RequestOp::Transition:
      transition(policies, request.transition, decision);
      explain = request.transition.explain;
      break;
    case RequestOp::Subscribe:
      subscribe(policies, request.subscribe, decision);
      explain = request.subscribe.explain;
      break;
    case RequestOp::Plans:
      plans(policies, request.base, decision);
      explain = request.base.explain;
      break;
    case RequestOp::Features:
      features(policies, request.base, decision);
      explain = request.base.explain;
      break;
    case RequestOp::Lifecycle:
      lifecycle(policies, request.lifecycle, decision);
      explain = request.lifecycle.explain;
      break;
    case RequestOp::Filter:
      write_filter_response(out, request.id, policies, request.filter);
      return;
    default:
      write_error(out, request.op, request.id, ErrorCode::BadRequest, "not a decision request");
      return;
  }
  write_decision(out, request.op, request.id, decision, explain);
}

void handle_line(const compile::CompiledPolicySet& policies, std::string_view line,
                 RequestParser& parser, eval::Decision& decision, std::string& out) {
  const std::size_t start = out.size();
  try {
    const ParsedRequest& request = parser.parse(policies, line);
    if (request.op != RequestOp::Batch || !request.ok()) {
      answer_request(policies, request, decision, out);
      return;
    }
    write_batch_open(out, request.id);
    for_each_batch_item(policies, parser, request.batch_size,
                        [&](const ParsedRequest& item, std::size_t index) {
                          if (index > 0) out += ',';
                          answer_request(policies, item, decision, out);
                        });
    write_batch_close(out);
  } catch (const std::exception& error) {
    out.resize(start);
    write_error(out, RequestOp::None, {}, ErrorCode::Internal, error.what());
  } catch (...) {
    out.resize(start);
    write_error(out, RequestOp::None, {}, ErrorCode::Internal, "unexpected failure");
  }
}

}  // namespace tenet::json
