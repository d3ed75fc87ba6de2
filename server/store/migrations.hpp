// The store's schema (docs/FLEET.md), created and upgraded by versioned
// migrations: `tenet store init URL` creates schema `tenet` at the latest
// version (a no-op on an existing store), `tenet store migrate URL` applies
// the versions a store lacks. Each run is one transaction under an advisory
// lock, so two operators (or replicas) migrating at once apply each version
// once, and a failed migration leaves the store as it was.
#pragma once

#include <string>
#include <vector>

#include "server/store/pg_connection.hpp"

namespace tenet::store {

struct MigrationReport {
  bool existed = false;              // the store was there before (init: nothing was done)
  int from = 0;                      // the version before (0: no store)
  int to = 0;                        // the version after
  std::vector<std::string> applied;  // "1 initial", in order
};

// The version this tenet's migrations end at.
[[nodiscard]] int latest_version();

// The store's version (0: no schema `tenet` yet). Throws StoreError.
[[nodiscard]] int store_version(Connection& connection);

// Throws StoreError unless the store is at latest_version() (no store yet,
// or an older one: the message says which command fixes it).
void require_latest(Connection& connection);

// init: the whole schema on a database without one; nothing on a store
// that exists. migrate: every version the store lacks. Both refuse a store
// newer than this tenet. Throw StoreError.
[[nodiscard]] MigrationReport init_store(Connection& connection);
[[nodiscard]] MigrationReport migrate_store(Connection& connection);

}  // namespace tenet::store
