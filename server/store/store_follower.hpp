// A replica's ear on the fleet's store (docs/FLEET.md): a thread that keeps
// one connection LISTENing on channel tenet_changes and calls `changed`
// when a change was committed — and right after every (re)connection,
// since notifications sent while it was away are lost. A notification is
// only a hint: `changed` fetches every change after the replica's own
// revision. While the store is unreachable it retries with backoff (0.1 s
// doubling to 2 s) and reports the state through `status`. A quiet
// connection is probed every 2 s, so a store that vanished without
// closing the socket is noticed.
//
// Stopped and joined by its destructor (within ~0.2 s).
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace tenet::store {

class StoreFollower {
 public:
  struct Callbacks {
    // Catches up; false when it could not (tried again every second until it does).
    std::function<bool()> changed;
    // connected: the LISTEN connection is up; otherwise `why` it is not.
    std::function<void(bool connected, const std::string& why)> status;
  };
  StoreFollower(std::string url, Callbacks callbacks);
  ~StoreFollower();
  StoreFollower(const StoreFollower&) = delete;
  StoreFollower& operator=(const StoreFollower&) = delete;

 private:
  void run();
  // Sleeps `duration` in short steps; false when asked to stop.
  bool pause(std::chrono::milliseconds duration) const;

  std::string url_;
  Callbacks callbacks_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: started once the rest is set
};

}  // namespace tenet::store
