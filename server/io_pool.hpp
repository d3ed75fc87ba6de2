// The I/O threads of `tenet serve`: one io_context per thread.
//
// Why not one io_context run by N threads: then the thread that waits in
// epoll is rarely the one that runs the completion, so every request pays a
// wake-up of another thread and a cache migration (measured: most of the
// gap between a round trip and the loopback echo floor). Here each
// connection lives on one io_context for its whole life (assigned round
// robin at accept), so its handlers run on the thread that saw its socket
// become ready, with no strand and no hand-off.
//
// Used by server/server (owns it) and server/listener (next()). next() is
// thread-safe; run() and stop() are called by the owner.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace tenet::server {

class IoPool {
 public:
  explicit IoPool(unsigned threads) {
    const unsigned count = threads == 0 ? 1U : threads;
    for (unsigned i = 0; i < count; ++i) {
      contexts_.push_back(
          std::make_unique<boost::asio::io_context>(1));  // one thread each: no locking
      guards_.emplace_back(boost::asio::make_work_guard(*contexts_.back()));
    }
  }

  // The context of the setup work (listeners, signals, the drain).
  [[nodiscard]] boost::asio::io_context& main() { return *contexts_.front(); }

  // The context of the next connection, round robin.
  [[nodiscard]] boost::asio::io_context& next() {
    const std::size_t at = next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size();
    return *contexts_[at];
  }

  // Runs every context (the calling thread runs main()) until they stop or
  // run out of work after release().
  void run() {
    std::vector<std::jthread> workers;
    for (std::size_t i = 1; i < contexts_.size(); ++i)
      workers.emplace_back([this, i] { contexts_[i]->run(); });
    contexts_.front()->run();
  }

  // Lets each context return once it has no more work (a graceful end).
  void release() {
    for (auto& guard : guards_) guard.reset();
  }

  // Stops every context now (a drain that timed out).
  void stop() {
    for (auto& context : contexts_) context->stop();
  }

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<std::optional<Guard>> guards_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace tenet::server
