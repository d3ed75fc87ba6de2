// Not a hot path: one filter builds a small residual tree and its SQL text
// (a few microseconds, bench/engine_bench.cpp BM_Filter).
#include "engine/json/filter_op.hpp"

#include "engine/json/residual_writer.hpp"
#include "engine/json/response_writer.hpp"
#include "engine/partial/partial_evaluator.hpp"
#include "engine/sql/sql_render.hpp"

namespace tenet::json {
namespace {

void open_response(std::string& out, std::string_view id) {
  out += '{';
  if (!id.empty()) {
    out += "\"id\":";
    out += id;
    out += ',';
  }
}

}  // namespace

void write_filter_response(std::string& out, std::string_view id,
                           const compile::CompiledPolicySet& policies,
                           const FilterRequest& request) {
  partial::PartialRequest partial;
  partial.base = request;
  partial.action = request.action;
  partial.resource_type = request.resource_type;
  partial.mode = partial::PrincipalMode::Known;

  open_response(out, id);
  // Isolation first, as check does: the reason check would deny every row with.
  if (const std::string_view problem = partial::partial_request_problem(policies, partial);
      !problem.empty()) {
    out += kNeverFilterMember;
    out += ",\"reasons\":[";
    write_json_string(out, problem);
    out += "]}";
    return;
  }
  if (!request.invalid.empty()) {
    out += kNeverFilterMember;
    out += ',';
    write_error_member(out, ErrorCode::InvalidRequest, request.invalid);
    out += '}';
    return;
  }

  const partial::PartialResult result = partial::partially_evaluate(policies, partial);
  if (result.too_large) {  // the exact answer cannot be written out: refuse, fail closed
    out += kNeverFilterMember;
    out += ',';
    write_error_member(out, ErrorCode::TooLarge,
                       "the condition has more than " + std::to_string(partial.max_nodes) +
                           " nodes written out: the policies nest negations too deeply");
    out += '}';
    return;
  }
  const model::PolicySet& model = policies.model();
  out += "\"filter\":{\"kind\":\"";
  out += partial::filter_kind_name(result.kind);
  out += '"';
  if (model.schema.resources[request.resource_type].mapped) {
    const sql::FilterSql rendered = sql::render_filter_sql(
        result.allowed, model, request.resource_type, policies.tenant(request.tenant).own_name);
    out += ",\"sql\":";
    write_json_string(out, rendered.sql);
    out += ",\"params\":[";
    for (std::size_t i = 0; i < rendered.params.size(); ++i) {
      if (i > 0) out += ',';
      out += literal_json(rendered.params[i]);
    }
    out += ']';
  }
  out += ",\"condition\":";
  out += residual_json(result.allowed);
  out += "}}";
}

}  // namespace tenet::json
