// The admin work of every session (reload, set_feature), run one job at a
// time on the admin thread, fairly between tenants.
//
// Why: a job may compile a policy set or fsync the state file, and one
// partner's admin client could keep the admin thread busy (a flood of
// set_feature from many connections) so that another partner's one
// set_feature waited behind the whole backlog. Each queue (a tenant; "*"
// for reload) has its own FIFO, and the thread takes the queues that have
// work in turn (round robin): a job waits for at most one job of each other
// queue with work, whatever their backlogs.
//
// Owned by server/service, which submits to it; it owns the admin thread.
// Thread-safe.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tenet::server {

class AdminQueue {
 public:
  using Executor = boost::asio::thread_pool::executor_type;

  // Queues `job` under `queue`; it runs on the admin thread in its turn.
  // `job` must not throw.
  void submit(const std::string& queue, std::function<void()> job);
  // The admin thread itself (work posted here runs outside the turns).
  [[nodiscard]] Executor executor() { return thread_.get_executor(); }

 private:
  // Runs the job whose turn it is. Posted once per submitted job, so every
  // run finds one.
  void run_next();

  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<std::function<void()>>> waiting_;
  std::deque<std::string> turns_;  // the queues with work, next first
  // Last: stopped and joined first, before what its handlers use is destroyed.
  boost::asio::thread_pool thread_{1};
};

}  // namespace tenet::server
