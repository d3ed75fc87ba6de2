// The `filter` op (a project extension of docs/PROTOCOL.md, documented in
// docs/LANGUAGE.md §7.5): which rows of a resource type may this
// principal ACTION? Answered by partially evaluating check
// (engine/partial/partial_evaluator.hpp) with the principal and context known:
//
//   {"id":1,"filter":{"kind":"always"|"never"|"conditional",
//                     "sql":"...","params":[...],"condition":{...}}}
//
// `sql` is a WHERE condition over the type's @table (tenant predicate
// first, every value a `$n` parameter listed in `params`, rendered by
// engine/sql/sql_render.hpp); `sql` and `params` are left out for a type
// without @table. Like a denied check, an unknown tenant, role or resource
// type gives kind `never` with `reasons` (`unknown_tenant`, ...); an
// attribute that does not fit the schema gives kind `never` and an
// `invalid_request` error. Every failed filter request carries a `never`
// filter, so a client that only reads `filter` fails closed.
//
// Used by engine/json/line_handler.cpp (tenet eval, Engine::handle_json, the
// server). Pure function of its arguments; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "engine/compile/compiled.hpp"
#include "engine/json/filter_request.hpp"

namespace tenet::json {

// Appends the response to a parsed filter request (`id`: the raw id token,
// empty when none) to `out`.
void write_filter_response(std::string& out, std::string_view id,
                           const compile::CompiledPolicySet& policies,
                           const FilterRequest& request);

}  // namespace tenet::json
