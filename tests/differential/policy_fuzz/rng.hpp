// A small deterministic random source for the policy and request
// generators: one seed gives the same policy set and requests on every
// machine run (std::mt19937_64 is fully specified; the helpers below avoid
// the library-defined distributions).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace tenet::fuzz {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  // Uniform in [0, n); n > 0.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(engine_() % n); }
  // Uniform in [lo, hi].
  int between(int lo, int hi) {
    return lo + static_cast<int>(below(static_cast<std::size_t>(hi - lo + 1)));
  }
  // True with probability percent/100.
  bool percent(int p) { return static_cast<int>(below(100)) < p; }
  // True with probability p/1000.
  bool permille(int p) { return static_cast<int>(below(1000)) < p; }

  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }

  // A random subset of `items` of size in [lo, hi] (clamped), in the items' order.
  template <typename T>
  std::vector<T> some(const std::vector<T>& items, int lo, int hi) {
    std::vector<T> pool = items;
    std::vector<bool> keep(pool.size(), false);
    const int want = std::min<int>(between(lo, hi), static_cast<int>(pool.size()));
    for (int taken = 0; taken < want;) {
      const std::size_t at = below(pool.size());
      if (!keep[at]) {
        keep[at] = true;
        ++taken;
      }
    }
    std::vector<T> out;
    for (std::size_t i = 0; i < pool.size(); ++i) {
      if (keep[i]) out.push_back(pool[i]);
    }
    return out;
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace tenet::fuzz
