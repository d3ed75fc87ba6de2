#include "grammar/source/did_you_mean.hpp"

#include <algorithm>
#include <cstddef>

namespace tenet {
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
    // The lengths' difference bounds the distance from below: a name far
    // longer than every candidate (a hostile request's) costs nothing.
    const std::size_t gap = name.size() > candidate.size() ? name.size() - candidate.size()
                                                           : candidate.size() - name.size();
    if (gap > limit) continue;
    const std::size_t distance = edit_distance(name, candidate);
    if (distance < best_distance && distance < name.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  if (best_distance > limit) return {};
  return " (did you mean '" + std::string(best) + "'?)";
}

}  // namespace tenet
