// Durable runtime feature switches: the `--state` file of `tenet serve`.
//
// The file is JSON, `{"features":{"TENANT":{"FEATURE":"on"|"off"}}}`.
// `set()` rewrites it atomically (temporary file in the same directory,
// fsync, rename, fsync of the directory) before returning, so a switch that
// was answered `ok` survives a crash. `apply()` puts the switches on a
// compiled set (at start and on every reload); entries naming tenants or
// features the set does not declare are kept in the file but ignored.
// Without a path nothing is persisted: `tenet serve` then refuses
// set_feature rather than acknowledge a switch a restart would lose.
//
// Owned by server/service. Thread-safe (one mutex; admin path only).
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "engine/engine.hpp"

namespace tenet::server {

class FeatureState {
 public:
  // Loads `path` (a missing file is an empty state). Error text on failure.
  [[nodiscard]] static std::optional<std::string> load(
      const std::optional<std::filesystem::path>& path, FeatureState& into);

  // Records (and persists) one switch; Default removes the entry. An error
  // text when the file could not be written (the switch is then not recorded).
  // A switch already in that state writes nothing (no rewrite, no fsync).
  [[nodiscard]] std::optional<std::string> set(const std::string& tenant,
                                               const std::string& feature, FeatureSwitch state);
  // The recorded state of one switch (Default when none is recorded): the
  // "before" of an audited set_feature.
  [[nodiscard]] FeatureSwitch state(const std::string& tenant, const std::string& feature) const;
  // Sets every recorded switch the set declares on `policies`.
  void apply(const CompiledPolicySet& policies) const;
  // Whether switches are persisted (a state file was given).
  [[nodiscard]] bool durable() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return path_.has_value();
  }

 private:
  using Map = std::map<std::string, std::map<std::string, FeatureSwitch>>;
  [[nodiscard]] std::optional<std::string> write(const Map& features) const;
  mutable std::mutex mutex_;
  std::optional<std::filesystem::path> path_;
  Map features_;
};

}  // namespace tenet::server
