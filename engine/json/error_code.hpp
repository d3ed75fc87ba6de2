// The error codes of the wire protocol (docs/PROTOCOL.md, "Error codes"):
// one closed list, each code's name spelled once, in error_code.cpp's table
// (checked complete at compile time, like grammar/source/diagnostic's
// DiagCode). Every `"error":{"code":...}` the engine or the server writes
// names one of these, and the server's `stats` counts errors by them (plus
// `other`, for connections closed for a limit).
//
// The order is the order of `stats`' `errors` object: do not reorder.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tenet::json {

enum class ErrorCode : std::uint8_t {
  BadJson,          // the line is not a JSON object (id echoed as null)
  BadRequest,       // a protocol field missing or of the wrong type, a duplicate key
  InvalidRequest,   // valid protocol, but not against the policy set (schema, reload, feature)
  Unauthenticated,  // no successful hello on a server with tokens
  Forbidden,        // the session's token lacks the right or the tenant
  TooLarge,         // a line, a batch or the set elements over their limit
  UnknownOp,        // `op` names no op
  Overloaded,       // no connection slot left
  Internal,         // an unexpected failure of the server (a bug, or out of memory)
  InvalidPolicy,    // put_policy / rollback: the unit does not compile or is out of its scope
  Unavailable,      // a write the fleet's store must take while the store cannot be reached
};

inline constexpr std::size_t kErrorCodeCount = 11;

// The code as written on the wire ("bad_json", ...).
[[nodiscard]] std::string_view error_name(ErrorCode code);

// The code named `name`, or nullopt.
[[nodiscard]] std::optional<ErrorCode> error_code_named(std::string_view name);

}  // namespace tenet::json
