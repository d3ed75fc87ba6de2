#include "engine/checker/internal/guard_facts.hpp"

#include <algorithm>
#include <iterator>

namespace tenet::checker {

Facts unite(Facts a, const Facts& b) {
  a.insert(b.begin(), b.end());
  return a;
}

Facts intersect(const Facts& a, const Facts& b) {
  Facts out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}

}  // namespace tenet::checker
