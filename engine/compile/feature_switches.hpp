// The runtime feature switches of one compiled tenant (the server's
// set_feature): one atomic byte per declared feature (compile::Tenant::
// switches, slot = feature index).
//
// Why a board of its own: the compiled form (compile::Tenant, the request
// tables, the model) is immutable once built, so it can be shared, dumped
// and read by any number of threads without a thought. Switches are the one
// piece of state that changes while a set serves, so they live beside it, in
// this separate object the tenant points at: writing a switch changes the
// board, never the compiled form. Everyone holding that tenant — snapshots
// pinned earlier and later versions of the set that kept the tenant
// (docs/UNITS.md) — sees the change at once.
//
// Decisions read a switch with one relaxed atomic load, no lock
// (eval::ConditionEvaluator::enabled). Writers (Engine::set_feature, the
// Engine carrying switches over to a recompiled tenant, the server's durable
// state) serialise among themselves in the Engine; a decision racing a write
// sees the old or the new state, either of which is a valid answer.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace tenet::compile {

enum class FeatureSwitch : std::uint8_t { Default, On, Off };

class FeatureSwitches {
 public:
  // `count` switches, all Default.
  explicit FeatureSwitches(std::size_t count)
      : states_(std::make_unique<std::atomic<std::uint8_t>[]>(count)), count_(count) {
    for (std::size_t i = 0; i < count_; ++i)
      states_[i].store(static_cast<std::uint8_t>(FeatureSwitch::Default),
                       std::memory_order_relaxed);
  }
  FeatureSwitches(const FeatureSwitches&) = delete;
  FeatureSwitches& operator=(const FeatureSwitches&) = delete;

  [[nodiscard]] std::size_t size() const { return count_; }

  // Slot `at` < size(); the caller (CompiledPolicySet, the evaluator) checks.
  [[nodiscard]] FeatureSwitch get(std::size_t at) const {
    return static_cast<FeatureSwitch>(states_[at].load(std::memory_order_relaxed));
  }
  void set(std::size_t at, FeatureSwitch state) {
    states_[at].store(static_cast<std::uint8_t>(state), std::memory_order_relaxed);
  }

 private:
  std::unique_ptr<std::atomic<std::uint8_t>[]> states_;
  std::size_t count_;
};

}  // namespace tenet::compile
