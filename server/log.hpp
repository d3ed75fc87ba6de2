// Structured logs of `tenet serve`: one JSON object per line on stderr.
//
// Included by the server layers that report events (start, listening,
// reload, errors) — never once per decision. `LogLine` builds the object;
// `emit()` writes it with one write(2) call, so lines from several threads
// never interleave. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tenet::server {

class LogLine {
 public:
  explicit LogLine(std::string_view event);
  LogLine& field(std::string_view key, std::string_view value);
  LogLine& field(std::string_view key, const char* value) {
    return field(key, std::string_view(value));
  }
  LogLine& field(std::string_view key, std::uint64_t value);
  LogLine& field(std::string_view key, bool value);
  // Writes the line to stderr (once; later calls do nothing).
  void emit();

 private:
  std::string text_;
  bool emitted_ = false;
};

}  // namespace tenet::server
