// Simple-form request → engine-form request (engine/eval/request.hpp), and the
// engine's Decision back into an Answer, so the reference evaluator and the
// compiled engine answer the very same request.
//
// Names are resolved with CompiledPolicySet's find_*; attribute values are
// placed in the slots of the checked model's schema, validated against it
// (the `invalid` message of RequestBase). A check naming an action the
// tenant does not declare for the type gets the request parser's message
// for it (engine/json/request_parser.hpp), which wins over an attribute's.
// An EngineRequest owns every byte its views point to, so it is neither
// copied nor moved.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "tests/differential/reference/simple_request.hpp"

namespace tenet::reference {

class EngineRequest {
 public:
  EngineRequest(const CompiledPolicySet& policies, const SimpleRequest& request);
  EngineRequest(const EngineRequest&) = delete;
  EngineRequest& operator=(const EngineRequest&) = delete;

  // Calls the engine operation for the request's op.
  void run(const CompiledPolicySet& policies, Decision& out) const;

 private:
  void fill_base(const CompiledPolicySet& policies, RequestBase& base,
                 std::string& principal_invalid, std::string& context_invalid);
  // A check's message when the tenant does not declare its action for the
  // resource type; empty when it does (or isolation stops the request).
  // From the request parser, on the request as a protocol line.
  [[nodiscard]] std::string undeclared_action(const CompiledPolicySet& policies) const;
  void fill_resource(const CompiledPolicySet& policies, Index tenant, Resource& resource,
                     std::string& invalid);
  // Places the schema's attributes in their slots (the rest stay Absent);
  // the first value that does not fit goes to `invalid`.
  Attributes place(const SimpleAttributes& attrs, const std::vector<model::Attribute>& schema,
                   std::size_t slots, std::vector<Value>& out, std::string_view prefix,
                   std::string& invalid);

  const model::PolicySet& model_;
  SimpleRequest simple_;  // owns the strings the views below point to
  std::deque<std::vector<std::string_view>> string_sets_;
  std::vector<Value> principal_;
  std::vector<Value> context_;
  std::vector<Value> resource_;
  std::string invalid_;
  CheckRequest check_;
  TransitionRequest transition_;
  SubscribeRequest subscribe_;
  RequestBase base_;  // plans, features
  LifecycleRequest lifecycle_;
};

[[nodiscard]] Answer to_answer(const Decision& decision);

}  // namespace tenet::reference
