// Requests and answers in the differential test's own simple form: plain
// strings and maps of attribute name → value, owned, no indices.
//
// The reference evaluator reads this form directly; request_converter turns
// it into the engine form (tenet::CheckRequest...) so both evaluators see
// the same request, and the engine's Decision is copied into an Answer so
// both answers compare with ==. `describe` prints either for a reproducer.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace tenet::reference {

using StringSet = std::vector<std::string>;
using IntSet = std::vector<std::int64_t>;
// An enum value is a std::string (the member's text); an absent attribute
// is simply not in the map.
using SimpleValue = std::variant<bool, std::int64_t, std::string, StringSet, IntSet>;
using SimpleAttributes = std::map<std::string, SimpleValue>;

enum class Operation : std::uint8_t { Check, Transition, Subscribe, Plans, Features, Lifecycle };

struct SimpleResource {
  std::string type;
  std::string id;
  std::string tenant;
  std::optional<std::string> state;  // lifecycle types
  SimpleAttributes attributes;
};

struct SimpleRequest {
  Operation op = Operation::Check;
  std::string tenant;
  std::string principal_id;
  std::string role;
  SimpleAttributes principal;
  SimpleAttributes context;
  std::string action;       // Check
  SimpleResource resource;  // Check, Lifecycle
  std::string target;       // Transition: role; Subscribe: plan; Lifecycle: state
};

struct Answer {
  bool allow = false;
  std::vector<std::string> reasons;
  std::vector<std::string> unmet;
  std::vector<std::string> names;                           // plans / features
  std::vector<std::pair<std::string, std::string>> errors;  // rule id, message
  std::string error_code;
  std::string error_message;

  friend bool operator==(const Answer&, const Answer&) = default;
};

[[nodiscard]] std::string describe(const SimpleRequest& request);
[[nodiscard]] std::string describe(const Answer& answer);
[[nodiscard]] std::string_view operation_name(Operation op);

}  // namespace tenet::reference
