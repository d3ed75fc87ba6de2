#include "server/log.hpp"

#include <unistd.h>

#include "engine/json/line_handler.hpp"

namespace tenet::server {

LogLine::LogLine(std::string_view event) {
  text_ = "{\"event\":";
  json::write_json_string(text_, event);
}

LogLine& LogLine::field(std::string_view key, std::string_view value) {
  text_ += ',';
  json::write_json_string(text_, key);
  text_ += ':';
  json::write_json_string(text_, value);
  return *this;
}

LogLine& LogLine::field(std::string_view key, std::uint64_t value) {
  text_ += ',';
  json::write_json_string(text_, key);
  text_ += ':';
  text_ += std::to_string(value);
  return *this;
}

LogLine& LogLine::field(std::string_view key, bool value) {
  text_ += ',';
  json::write_json_string(text_, key);
  text_ += value ? ":true" : ":false";
  return *this;
}

void LogLine::emit() {
  if (emitted_) return;
  emitted_ = true;
  text_ += "}\n";
  std::string_view rest = text_;
  while (!rest.empty()) {
    const ssize_t written = ::write(STDERR_FILENO, rest.data(), rest.size());
    if (written <= 0) return;
    rest.remove_prefix(static_cast<std::size_t>(written));
  }
}

}  // namespace tenet::server
