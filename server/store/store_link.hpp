// A replica's link to the fleet's store (docs/FLEET.md): its connection for
// reads and writes, the state of the store it applied, and whether the
// store can be reached (since when, why) for `health`.
//
// The connection and the state belong to the service's admin lock; the
// status has its own small lock (health reads it from I/O threads).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "server/store/fleet_state.hpp"
#include "server/store/pg_connection.hpp"

namespace tenet::store {

class StoreLink {
 public:
  StoreLink(std::string url, std::optional<std::filesystem::path> cache_dir);

  // The connection, connecting when there is none; null when the store
  // cannot be reached (the status then says so).
  [[nodiscard]] Connection* connect();
  // A StoreError on the connection: when the connection is gone, drops it
  // and marks the store unreachable (true); false when the store answered
  // (the statement failed, the connection is fine).
  bool lost(const StoreError& error);

  FleetState state;  // under the admin lock
  [[nodiscard]] const std::optional<std::filesystem::path>& cache_dir() const { return cache_dir_; }
  // Writes the cache (with --cache-dir); logs a failure (serving goes on).
  void save_cache() const;

  // Status, for health; any thread.
  void set_status(bool connected, const std::string& why);
  void set_from_cache(bool from_cache);
  struct Status {
    bool connected = false;
    std::string since;
    std::string problem;
    bool from_cache = false;
  };
  [[nodiscard]] Status status() const;

 private:
  std::string url_;
  std::optional<std::filesystem::path> cache_dir_;
  std::unique_ptr<Connection> connection_;
  mutable std::mutex status_mutex_;
  bool connected_ = false;
  bool from_cache_ = false;
  std::chrono::system_clock::time_point since_ = std::chrono::system_clock::now();
  std::string problem_ = "not connected yet";
};

}  // namespace tenet::store
