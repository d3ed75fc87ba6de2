// One client connection of `tenet serve` (TCP or Unix socket).
//
// Design (hot path): a read fills a size-capped buffer; every complete line
// in it is answered against one engine snapshot pinned for the whole read
// (no lock), and the responses are appended to one pending-output buffer.
// Reading and writing overlap: while one write is in flight the next reads
// are answered into the pending buffer, which then goes out as one write,
// so responses stay in request order and whatever is answered while a
// write is busy is coalesced into the next one. A client that sends but
// does not read makes the pending output grow: past
// SessionLimits::max_pending_bytes the connection is closed (logged), so
// the memory per connection stays bounded by the input buffer plus that
// cap. An idle watchdog closes a connection that made no progress (read or
// write) for the idle timeout.
//
// reload and set_feature run on the Service's admin thread (a compile or an
// fsync must not stall an I/O thread); the session waits for the answer
// before it answers the next line, which then sees the new policy set.
//
// Each session lives on one I/O thread's io_context (server/io_pool), so
// its handlers never run concurrently. `ConnectionRegistry` counts sessions
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
  // Answers a client has not read yet; more → the connection is closed.
  std::size_t max_pending_bytes = std::size_t{4} << 20U;
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

// Starts serving `socket` (whose executor runs on one thread, or is a strand).
void start_session(Socket socket, Service& service, ConnectionRegistry& registry,
                   const SessionLimits& limits);

// Answers `overloaded` on `socket` and closes it.
void reject_overloaded(Socket socket);

}  // namespace tenet::server
