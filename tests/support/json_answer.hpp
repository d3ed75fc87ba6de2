// Reading a server's answer lines in tests: parse one (a missing or broken
// line reads as a discarded JSON value) and take its error code. Header-only:
// used by the unit, integration and binding tests.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace tenet::test_support {

// The answer line parsed; a missing line or invalid JSON gives a value that
// is neither an object nor a string (is_discarded() or null).
inline nlohmann::json parse_answer(const std::optional<std::string>& line) {
  return line ? nlohmann::json::parse(*line, nullptr, false) : nlohmann::json();
}

// "error.code" of an answer, or "" when it carries no error object.
inline std::string error_code(const nlohmann::json& response) {
  if (!response.is_object() || !response.contains("error") || !response["error"].is_object())
    return "";
  return response["error"].value("code", "");
}

}  // namespace tenet::test_support
