// Decision requests in engine form: what the evaluator reads.
//
// A request never owns memory: strings and sets are views into storage the
// caller keeps alive for the call (the parsed JSON line, a test's values).
// Names are already resolved to indices of the compiled policy set (tenant,
// role, resource type, action, lifecycle state), and attributes are placed
// in slots, so evaluation does no string lookups. An index of kNone means
// "named in the request, but not declared" — the engine answers it with the
// built-in reason (unknown_tenant, unknown_role, ...) in the order of
// docs/LANGUAGE.md §7.
//
// Built by engine/json/request_parser (from JSON) and by tests; read by
// engine/eval/evaluator. Plain values: cheap to copy, no thread-safety concerns.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "engine/model/model.hpp"

namespace tenet::eval {

using model::Index;
using model::kNone;

// One attribute value. `Absent` is an attribute the request did not give:
// reading it puts a rule in error (fail closed); `has` tests for it.
enum class ValueKind : std::uint8_t { Absent, Bool, Int, String, Enum, SetOfString, SetOfInt };

// Laid out to fill one 64-byte cache line exactly (the evaluator reads many).
struct Value {
  ValueKind kind = ValueKind::Absent;
  bool boolean = false;
  Index member = kNone;  // Enum: index into its EnumType::members
  std::int64_t integer = 0;
  std::string_view string;                    // String; Enum: the member's text
  std::span<const std::string_view> strings;  // SetOfString
  std::span<const std::int64_t> integers;     // SetOfInt
};
static_assert(sizeof(Value) == 64);

// The attributes of one entity, by slot: principal and context slots are
// the positions in Schema::principal / Schema::context, resource slots are
// Schema::resource_slots (one slot per attribute name over all types). A
// span shorter than the schema means the missing slots are Absent.
using Attributes = std::span<const Value>;

struct Principal {
  std::string_view id;
  std::string_view role_name;  // as written, for messages
  Index role = kNone;          // of the request's tenant; kNone: unknown_role
  Attributes attributes;
};

struct Resource {
  std::string_view type_name;  // as written
  Index type = kNone;          // kNone: unknown_resource_type
  std::string_view id;
  std::string_view tenant;      // compared with the request's tenant: cross_tenant
  std::string_view state_name;  // lifecycle types only; empty when not given
  Index state = kNone;  // of the type's lifecycle in the tenant; kNone: not given or unknown
  Attributes attributes;
};

// What every decision request shares.
struct RequestBase {
  std::string_view tenant_name;  // as written
  Index tenant = kNone;          // kNone: unknown_tenant
  Principal principal;
  Attributes context;
  bool explain = false;  // fill Decision::trace
  // A request attribute that does not fit the schema (docs/LANGUAGE.md §7, validation):
  // e.g. "principal.attrs.account_age_days: expected int, got string". Non-empty
  // means the engine answers invalid_request (after the isolation checks).
  std::string_view invalid;
};

struct CheckRequest : RequestBase {
  std::string_view action_name;  // as written
  // The tenant's local action (CompiledPolicySet::find_action(tenant, name));
  // kNone: no rule of the tenant names it (`*` rules only).
  Index action = kNone;
  Resource resource;
};

struct TransitionRequest : RequestBase {
  std::string_view to_name;
  Index to = kNone;  // role of the tenant; kNone: not a role (no_transition)
};

struct SubscribeRequest : RequestBase {
  std::string_view plan_name;
  Index plan = kNone;  // kNone: unknown_plan
};

using PlansRequest = RequestBase;
using FeaturesRequest = RequestBase;

struct LifecycleRequest : RequestBase {
  Resource resource;
  std::string_view to_name;
  Index to = kNone;  // state of the type's lifecycle; kNone: not a state (no_transition)
};

}  // namespace tenet::eval
