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

AnswerOutcome LineHandler::answer(const compile::CompiledPolicySet& policies,
                                  const ParsedRequest& request, std::string& out) {
  return std::visit(Answer{policies, request, decision_, out}, request.request);
}

void LineHandler::handle(const compile::CompiledPolicySet& policies, std::string_view line,
                         std::string& out) {
  const std::size_t start = out.size();
  try {
    const ParsedRequest& request = parser_.parse(policies, line);
    if (!std::holds_alternative<BatchRequest>(request.request)) {
      answer(policies, request, out);
      return;
    }
    answer_batch(policies, request, out, [&](const ParsedRequest& item, std::string& into) {
      answer(policies, item, into);
    });
  } catch (const std::exception& error) {
    out.resize(start);
    write_error(out, RequestOp::None, {}, ErrorCode::Internal, error.what());
  } catch (...) {
    out.resize(start);
    write_error(out, RequestOp::None, {}, ErrorCode::Internal, "unexpected failure");
  }
}

}  // namespace tenet::json
