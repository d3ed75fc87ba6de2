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

namespace {

// Edit distance where swapping two neighbours counts as one edit (optimal
// string alignment): `kcy` is one edit from `kyc`. Names are short.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string did_you_mean(std::string_view name, const std::vector<std::string_view>& candidates) {
  // One edit below six characters, two from six on; never as many
  // edits as the name has characters (`w` is not a typo of `x`).
  const std::size_t limit = std::min<std::size_t>(2, std::max<std::size_t>(1, name.size() / 3));
  std::string_view best;
  std::size_t best_distance = limit + 1;
  for (const std::string_view candidate : candidates) {
    if (candidate == name) continue;
    const std::size_t distance = edit_distance(name, candidate);
    if (distance < best_distance && distance < name.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  if (best_distance > limit) return {};
  return " (did you mean '" + std::string(best) + "'?)";
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
