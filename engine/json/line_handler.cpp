#include "engine/json/line_handler.hpp"

#include <exception>
#include <variant>

#include "engine/eval/evaluator.hpp"
#include "engine/json/batch_pipeline.hpp"
#include "engine/json/filter_op.hpp"
#include "engine/json/response_writer.hpp"

namespace tenet::json {

namespace {

// The one dispatch on the op: each request type to its evaluation and answer.
struct Answer {
  const compile::CompiledPolicySet& policies;
  const ParsedRequest& parsed;
  eval::Decision& decision;
  std::string& out;

  AnswerOutcome decided(bool explain) const {
    write_decision(out, parsed.op, parsed.id, decision, explain);
    if (!decision.error_code.empty()) return AnswerOutcome::InvalidRequest;
    return decision.allow ? AnswerOutcome::Allow : AnswerOutcome::Deny;
  }
  AnswerOutcome listed(bool explain) const {
    write_decision(out, parsed.op, parsed.id, decision, explain);
    return decision.error_code.empty() ? AnswerOutcome::Listing : AnswerOutcome::InvalidRequest;
  }

  AnswerOutcome operator()(const eval::CheckRequest& request) const {
    eval::check(policies, request, decision);
    return decided(request.explain);
  }
  AnswerOutcome operator()(const eval::TransitionRequest& request) const {
    eval::transition(policies, request, decision);
    return decided(request.explain);
  }
  AnswerOutcome operator()(const eval::SubscribeRequest& request) const {
    eval::subscribe(policies, request, decision);
    return decided(request.explain);
  }
  AnswerOutcome operator()(const eval::LifecycleRequest& request) const {
    eval::lifecycle(policies, request, decision);
    return decided(request.explain);
  }
  AnswerOutcome operator()(const PlansRequest& request) const {
    eval::plans(policies, request, decision);
    return listed(request.explain);
  }
  AnswerOutcome operator()(const FeaturesRequest& request) const {
    eval::features(policies, request, decision);
    return listed(request.explain);
  }
  AnswerOutcome operator()(const FilterRequest& request) const {
    write_filter_response(out, parsed.id, policies, request);
    return AnswerOutcome::Filter;
  }
  // A failed request, a batch (read item by item by the caller), a server op.
  template <typename Other>
  AnswerOutcome operator()(const Other& /*request*/) const {
    if (parsed.ok()) {
      write_error(out, parsed.op, parsed.id, ErrorCode::BadRequest, "not a decision request");
      return AnswerOutcome::Error;
    }
    write_error(out, parsed.op, parsed.id, *parsed.error, parsed.error_message);
    return AnswerOutcome::Error;
  }
};

}  // namespace

AnswerOutcome answer_request(const compile::CompiledPolicySet& policies,
                             const ParsedRequest& request, eval::Decision& decision,
                             std::string& out) {
  return std::visit(Answer{policies, request, decision, out}, request.request);
}

void handle_line(const compile::CompiledPolicySet& policies, std::string_view line,
                 RequestParser& parser, eval::Decision& decision, std::string& out) {
  const std::size_t start = out.size();
  try {
    const ParsedRequest& request = parser.parse(policies, line);
    const auto* batch = std::get_if<BatchRequest>(&request.request);
    if (batch == nullptr) {
      answer_request(policies, request, decision, out);
      return;
    }
    write_batch_open(out, request.id);
    for_each_batch_item(policies, parser, batch->size,
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
