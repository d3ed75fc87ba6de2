#include "engine/json/error_code.hpp"

#include "engine/eval/decision.hpp"

namespace tenet::json {
namespace {

struct CodeInfo {
  ErrorCode code;
  std::string_view name;
};

using enum ErrorCode;

// Every wire error code, named here and nowhere else.
constexpr std::array<CodeInfo, kErrorCodeCount> kCodes{{
    {BadJson, "bad_json"},
    {BadRequest, "bad_request"},
    {InvalidRequest, "invalid_request"},
    {Unauthenticated, "unauthenticated"},
    {Forbidden, "forbidden"},
    {TooLarge, "too_large"},
    {UnknownOp, "unknown_op"},
    {Overloaded, "overloaded"},
    {Internal, "internal"},
    {InvalidPolicy, "invalid_policy"},
    {Unavailable, "unavailable"},
}};

constexpr bool every_code_listed() {
  for (std::size_t i = 0; i < kCodes.size(); ++i) {
    if (static_cast<std::size_t>(kCodes[i].code) != i || kCodes[i].name.empty()) return false;
  }
  return static_cast<std::size_t>(Unavailable) + 1 == kCodes.size();
}
static_assert(every_code_listed(), "kCodes must list every ErrorCode, in enum order");

// The evaluator (a stage below this one) sets the one error a decision can
// carry itself; its spelling must be this table's.
static_assert(kCodes[static_cast<std::size_t>(InvalidRequest)].name ==
              eval::error_code::kInvalidRequest);

}  // namespace

std::string_view error_name(ErrorCode code) {
  const auto index = static_cast<std::size_t>(code);
  return index < kCodes.size() ? kCodes[index].name
                               : kCodes[static_cast<std::size_t>(Internal)].name;
}

std::optional<ErrorCode> error_code_named(std::string_view name) {
  for (const CodeInfo& info : kCodes) {
    if (info.name == name) return info.code;
  }
  return std::nullopt;
}

}  // namespace tenet::json
