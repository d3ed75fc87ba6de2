// What a replica knows of the fleet's store (docs/FLEET.md): the whole
// state at one store revision, built from the changes it fetched (the
// platform part's files, each partner's latest unit, the switches and the
// live tokens). It gives the policy texts to compile, the revisions the
// store assigned, and (with --cache-dir) is what the replica writes to
// disk to start from when the store is down.
//
// Owned by the service; not thread-safe (used under its admin lock).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "server/store/fleet_rows.hpp"

namespace tenet::store {

class FleetState {
 public:
  // Applies changes fetched after revision(); afterwards revision() is theirs.
  void apply(const Changes& changes);

  [[nodiscard]] std::uint64_t revision() const { return revision_; }
  [[nodiscard]] bool has_policies() const { return platform_.has_value(); }
  [[nodiscard]] std::uint64_t platform_revision() const {
    return platform_ ? platform_->revision : 0;
  }
  // The platform files and every served partner's unit (a file declaring
  // several partners once).
  [[nodiscard]] std::vector<units::PolicyText> texts() const;
  // The store's revision for each partner's current text.
  [[nodiscard]] units::KnownRevisions assigned() const;
  // The latest revision of `tenant` in the store, removed or not (0: none).
  [[nodiscard]] std::uint64_t latest_unit_revision(const std::string& tenant) const;
  [[nodiscard]] const std::map<std::string, SwitchRow>& switches() const { return switches_; }
  // Live (not revoked) tokens, by hash.
  [[nodiscard]] const std::map<std::string, TokenRow>& tokens() const { return tokens_; }

  // The cache file of --cache-dir: DIR/fleet-cache.json, written durably.
  [[nodiscard]] static std::filesystem::path cache_file(const std::filesystem::path& directory);
  // An error text when it could not be written.
  [[nodiscard]] std::optional<std::string> save(const std::filesystem::path& directory) const;
  // The state a cache holds; an error text when there is none or it is unreadable.
  [[nodiscard]] static std::optional<std::string> load(const std::filesystem::path& directory,
                                                       FleetState& into);

 private:
  std::uint64_t revision_ = 0;
  std::optional<PlatformRow> platform_;
  std::map<std::string, UnitRow> units_;       // by tenant; source none: removed
  std::map<std::string, SwitchRow> switches_;  // by "tenant\nfeature"
  std::map<std::string, TokenRow> tokens_;
};

}  // namespace tenet::store
