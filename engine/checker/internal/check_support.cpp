#include "engine/checker/internal/check_support.hpp"

#include <algorithm>

namespace tenet::checker {

std::string Reporter::where(const Span& span) const {
  return sources_.file(span.file).path + ':' + std::to_string(span.line) + ':' +
         std::to_string(span.column);
}

std::string Reporter::file_line(const Span& span) const {
  return sources_.file(span.file).path + ':' + std::to_string(span.line);
}

std::string join(const std::vector<std::string_view>& parts, std::string_view separator) {
  std::string out;
  for (const std::string_view part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

}  // namespace tenet::checker
