#include "tests/differential/reference/simple_request.hpp"

#include <sstream>

namespace tenet::reference {
namespace {

void quote(std::ostringstream& out, std::string_view text) { out << '"' << text << '"'; }

template <typename T>
void list(std::ostringstream& out, const std::vector<T>& items) {
  out << '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out << ", ";
    if constexpr (std::is_same_v<T, std::string>) {
      quote(out, items[i]);
    } else {
      out << items[i];
    }
  }
  out << ']';
}

void value(std::ostringstream& out, const SimpleValue& v) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          out << (x ? "true" : "false");
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out << x;
        } else if constexpr (std::is_same_v<T, std::string>) {
          quote(out, x);
        } else {
          list(out, x);
        }
      },
      v);
}

void attributes(std::ostringstream& out, const SimpleAttributes& attrs) {
  out << '{';
  bool first = true;
  for (const auto& [name, v] : attrs) {
    if (!first) out << ", ";
    first = false;
    quote(out, name);
    out << ": ";
    value(out, v);
  }
  out << '}';
}

}  // namespace

std::string_view operation_name(Operation op) {
  switch (op) {
    case Operation::Check:
      return "check";
    case Operation::Transition:
      return "transition";
    case Operation::Subscribe:
      return "subscribe";
    case Operation::Plans:
      return "plans";
    case Operation::Features:
      return "features";
    case Operation::Lifecycle:
      return "lifecycle";
  }
  return "?";
}

// docs/PROTOCOL.md-like JSON, so a reproducer can be fed to `tenet eval` too.
std::string describe(const SimpleRequest& r) {
  std::ostringstream out;
  out << R"({"op": ")" << operation_name(r.op) << R"(", "tenant": )";
  quote(out, r.tenant);
  out << R"(, "principal": {"id": )";
  quote(out, r.principal_id);
  out << R"(, "role": )";
  quote(out, r.role);
  out << R"(, "attrs": )";
  attributes(out, r.principal);
  out << "}, \"context\": ";
  attributes(out, r.context);
  if (r.op == Operation::Check) {
    out << R"(, "action": )";
    quote(out, r.action);
  }
  if (r.op == Operation::Check || r.op == Operation::Lifecycle) {
    out << R"(, "resource": {"type": )";
    quote(out, r.resource.type);
    out << R"(, "id": )";
    quote(out, r.resource.id);
    out << R"(, "tenant": )";
    quote(out, r.resource.tenant);
    if (r.resource.state) {
      out << R"(, "state": )";
      quote(out, *r.resource.state);
    }
    out << R"(, "attrs": )";
    attributes(out, r.resource.attributes);
    out << '}';
  }
  if (r.op == Operation::Transition || r.op == Operation::Lifecycle) {
    out << R"(, "to": )";
    quote(out, r.target);
  }
  if (r.op == Operation::Subscribe) {
    out << R"(, "plan": )";
    quote(out, r.target);
  }
  out << '}';
  return out.str();
}

std::string describe(const Answer& a) {
  std::ostringstream out;
  out << "{decision: " << (a.allow ? "allow" : "deny") << ", reasons: ";
  list(out, a.reasons);
  out << ", unmet: ";
  list(out, a.unmet);
  out << ", names: ";
  list(out, a.names);
  out << ", errors: [";
  for (std::size_t i = 0; i < a.errors.size(); ++i) {
    if (i != 0) out << ", ";
    out << '{';
    quote(out, a.errors[i].first);
    out << ": ";
    quote(out, a.errors[i].second);
    out << '}';
  }
  out << "], error: ";
  quote(out, a.error_code);
  out << ' ';
  quote(out, a.error_message);
  out << '}';
  return out.str();
}

}  // namespace tenet::reference
