#include "server/store/store_link.hpp"

#include "server/log.hpp"
#include "server/policy_history.hpp"

namespace tenet::store {

StoreLink::StoreLink(std::string url, std::optional<std::filesystem::path> cache_dir)
    : url_(std::move(url)), cache_dir_(std::move(cache_dir)) {}

Connection* StoreLink::connect() {
  if (connection_ && connection_->alive()) {
    // libpq learns that the server went away (restarted, failed over) only
    // when it next talks to it: one round trip here, so a write after the
    // store came back is not refused on a dead connection. Writes and
    // catch-ups are admin events, never per decision. (A probe mistaken for
    // a failure reconnected on every write and catch-up, ~40 ms each:
    // Fleet.ReplicasKeepTheirStoreConnectionsAcrossWritesAndCatchUps keeps it honest.)
    try {
      connection_->exec("SELECT 1");
      return connection_.get();
    } catch (const StoreError&) {
      // Dead: connect again below.
    }
  }
  connection_.reset();
  try {
    connection_ = std::make_unique<Connection>(url_);
    set_status(true, {});
  } catch (const StoreError& error) {
    set_status(false, error.what());
    return nullptr;
  }
  return connection_.get();
}

bool StoreLink::lost(const StoreError& error) {
  if (connection_ && connection_->alive()) return false;
  connection_.reset();
  set_status(false, error.what());
  return true;
}

void StoreLink::save_cache() const {
  if (!cache_dir_) return;
  if (auto failure = state.save(*cache_dir_)) {
    server::LogLine("warning")
        .field("what", "store_cache")
        .field("message", *failure +
                              "; a restart while the store is down would serve older "
                              "revisions")
        .emit();
  }
}

void StoreLink::set_status(bool connected, const std::string& why) {
  const std::lock_guard<std::mutex> lock(status_mutex_);
  if (connected == connected_) {
    if (!connected) problem_ = why;
    return;
  }
  connected_ = connected;
  since_ = std::chrono::system_clock::now();
  problem_ = connected ? std::string() : why;
  server::LogLine line(connected ? "store_connected" : "store_unreachable");
  if (!connected)
    line.field("message",
               why + "; serving the revisions applied, writes are refused (unavailable)");
  line.emit();
}

void StoreLink::set_from_cache(bool from_cache) {
  const std::lock_guard<std::mutex> lock(status_mutex_);
  from_cache_ = from_cache;
}

StoreLink::Status StoreLink::status() const {
  const std::lock_guard<std::mutex> lock(status_mutex_);
  Status status;
  status.connected = connected_;
  status.from_cache = from_cache_;
  if (!connected_) {
    status.since = server::PolicyHistory::utc_text(since_);
    status.problem = problem_;
  }
  return status;
}

}  // namespace tenet::store
