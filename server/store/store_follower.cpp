#include "server/store/store_follower.hpp"

#include <poll.h>

#include <algorithm>
#include <chrono>

#include "server/store/fleet_rows.hpp"
#include "server/store/pg_connection.hpp"

namespace tenet::store {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kWake{200};        // how often the thread looks at stop_
constexpr milliseconds kProbe{2000};      // a quiet connection is probed this often
constexpr milliseconds kFirstRetry{100};  // backoff after a failure, doubling
constexpr milliseconds kLastRetry{2000};
constexpr milliseconds kCatchUpRetry{1000};  // a catch-up that failed

}  // namespace

StoreFollower::StoreFollower(std::string url, Callbacks callbacks)
    : url_(std::move(url)), callbacks_(std::move(callbacks)), thread_([this] { run(); }) {}

StoreFollower::~StoreFollower() {
  stop_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
}

bool StoreFollower::pause(milliseconds duration) const {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (!stop_.load(std::memory_order_acquire)) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - now, kWake));
  }
  return false;
}

void StoreFollower::run() {
  milliseconds retry = kFirstRetry;
  while (!stop_.load(std::memory_order_acquire)) {
    try {
      Connection connection(url_);
      connection.exec("LISTEN " + std::string(kChangeChannel));
      callbacks_.status(true, {});
      retry = kFirstRetry;
      // Whatever was committed while not listening.
      bool behind = !callbacks_.changed();
      auto tried = std::chrono::steady_clock::now();
      auto quiet_since = tried;
      while (!stop_.load(std::memory_order_acquire)) {
        pollfd socket{connection.socket(), POLLIN, 0};
        const int ready = ::poll(&socket, 1, static_cast<int>(kWake.count()));
        const auto now = std::chrono::steady_clock::now();
        bool notified = false;
        if (ready > 0) {
          notified = connection.take_notifications() > 0;
          quiet_since = now;
        } else if (now - quiet_since >= kProbe) {
          connection.exec("SELECT 1");
          notified = connection.take_notifications() > 0;
          quiet_since = now;
        }
        if (notified || (behind && now - tried >= kCatchUpRetry)) {
          behind = !callbacks_.changed();
          tried = now;
        }
      }
      return;
    } catch (const StoreError& error) {
      callbacks_.status(false, error.what());
    }
    if (!pause(retry)) return;
    retry = std::min(retry * 2, kLastRetry);
  }
}

}  // namespace tenet::store
