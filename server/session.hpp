// One client connection of `tenet serve` (TCP or Unix socket).
//
// Design (hot path): a read fills a size-capped buffer; every complete line
// in it is answered against one pinned engine snapshot (no lock), all the
// responses are appended to one output buffer and sent with one async_write,
// then the next read starts. Responses are therefore in request order, and
// a client that stops reading stops being read (its write never completes):
// memory per connection stays bounded by the input buffer and the answers to
// one read. An idle watchdog closes a connection that made no progress
// (read or write) for the idle timeout — including one stuck in a write.
//
// Each session runs on its own strand. `ConnectionRegistry` counts sessions
// (for --max-connections) and stops them all on a drain: a session that is
// waiting for input reads what the kernel still holds, answers every
// complete line, flushes and closes. Included by server/listener and
// server/server. The registry is thread-safe.
#pragma once

#include <boost/asio/generic/stream_protocol.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "server/service.hpp"

namespace tenet::server {

using Socket = boost::asio::generic::stream_protocol::socket;

struct SessionLimits {
  std::size_t max_line = std::size_t{1} << 20U;  // bytes per request line; more → too_large + close
  std::chrono::seconds idle_timeout{300};
  std::size_t max_connections = 1024;
};

class ConnectionRegistry {
 public:
  // Registers a session; false when draining (the caller closes it).
  [[nodiscard]] bool add(std::uint64_t id, std::function<void()> stop);
  void remove(std::uint64_t id);
  // Calls every registered stop function; no session is added afterwards.
  void stop_all();
  [[nodiscard]] std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::function<void()>> sessions_;
  bool draining_ = false;
};

// Starts serving `socket` (whose executor should be a strand).
void start_session(Socket socket, Service& service, ConnectionRegistry& registry, const SessionLimits& limits);

// Answers `overloaded` on `socket` and closes it.
void reject_overloaded(Socket socket);

}  // namespace tenet::server
