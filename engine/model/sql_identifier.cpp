#include "engine/model/sql_identifier.hpp"

namespace tenet::model {

std::string_view identifier_problem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name.size() > kMaxIdentifierBytes) return "is longer than PostgreSQL's 63-byte limit";
  if (name.find('\0') != std::string_view::npos) return "holds a NUL byte";
  return {};
}

}  // namespace tenet::model
