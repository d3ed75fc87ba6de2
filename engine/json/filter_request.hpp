// The filter op's request in engine form (docs/PROTOCOL.md extension, see
// docs/LANGUAGE.md §7.5): which rows of one resource type may
// this principal ACTION? Parsed by engine/json/request_parser like the decision
// requests (same principal and context rules), answered by engine/json/filter_op.
// Plain views, like engine/eval/request.hpp.
#pragma once

#include <string_view>

#include "engine/eval/request.hpp"

namespace tenet::json {

using model::Index;
using model::kNone;

struct FilterRequest : eval::RequestBase {
  std::string_view action_name;  // as written
  Index action = kNone;          // kNone: no rule names it (only `*` rules apply)
  std::string_view resource_type_name;
  Index resource_type = kNone;  // kNone: unknown_resource_type
};

}  // namespace tenet::json
