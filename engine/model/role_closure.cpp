#include "engine/model/role_closure.hpp"

#include <utility>

namespace tenet::model {
namespace {

// Every node once, each after the nodes it points to (a depth-first
// post-order, without recursion: a chain may be 10,000 long). Inside a
// cycle the order is arbitrary.
std::vector<Index> targets_first(const std::vector<std::vector<Index>>& edges) {
  const std::size_t count = edges.size();
  std::vector<Index> order;
  order.reserve(count);
  std::vector<bool> entered(count, false);
  std::vector<std::pair<Index, std::size_t>> stack;  // (node, next edge to follow)
  for (Index start = 0; start < count; ++start) {
    if (entered[start]) continue;
    entered[start] = true;
    stack.emplace_back(start, 0);
    while (!stack.empty()) {
      const Index at = stack.back().first;
      const std::size_t next = stack.back().second;
      if (next < edges[at].size()) {
        ++stack.back().second;
        const Index target = edges[at][next];
        if (!entered[target]) {
          entered[target] = true;
          stack.emplace_back(target, 0);
        }
        continue;
      }
      order.push_back(at);
      stack.pop_back();
    }
  }
  return order;
}

}  // namespace

std::vector<std::uint64_t> reachability(const std::vector<std::vector<Index>>& edges) {
  const std::size_t count = edges.size();
  const std::size_t words = (count + 63) / 64;
  std::vector<std::uint64_t> sets(count * words, 0);
  std::vector<bool> finished(count, false);
  std::vector<Index> work;
  for (const Index node : targets_first(edges)) {
    std::uint64_t* const bits = &sets[node * words];
    // Usually every target is finished and this is one OR per edge. On a
    // cycle a target may not be: the walk goes through it, and stops at
    // any finished node, whose set is already closed.
    work.assign(1, node);
    while (!work.empty()) {
      const Index at = work.back();
      work.pop_back();
      const std::uint64_t bit = std::uint64_t{1} << (at % 64);
      if ((bits[at / 64] & bit) != 0) continue;
      bits[at / 64] |= bit;
      if (at != node && finished[at]) {
        const std::uint64_t* const closed = &sets[at * words];
        for (std::size_t w = 0; w < words; ++w) bits[w] |= closed[w];
        continue;
      }
      for (const Index target : edges[at]) work.push_back(target);
    }
    finished[node] = true;
  }
  return sets;
}

}  // namespace tenet::model
