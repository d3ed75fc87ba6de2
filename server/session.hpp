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
// write) for the idle timeout. Against clients that trickle bytes to hold a
// slot (slowloris), two deadlines that bytes do not push back: a line must
// end within the line timeout of its first byte, and with a token file a
// connection must authenticate (hello) within the hello timeout. Memory per
// idle connection returns to one read chunk: a buffer grown by a large line
// or a burst of answers is released once it holds little.
//
// reload and set_feature run on the Service's admin thread (a compile or an
// fsync must not stall an I/O thread); the session waits for the answer
// before it answers the next line, which then sees the new policy set.
//
// Each session lives on one I/O thread's io_context (server/io_pool), so
// its handlers never run concurrently. `ConnectionRegistry` counts sessions
// (for --max-connections), keeps slots for authenticated clients (those
// waiting for hello take at most --max-unauthenticated; a newcomer evicts
// the oldest of them rather than be refused, so trickling clients cannot
// keep a partner out: every connection starts unauthenticated, and one
// that sends hello at once wins the slot), and stops them all on a drain:
// a session that is
// waiting for input reads what the kernel still holds, answers every
// complete line, flushes and closes. Included by server/listener and
// server/server. The registry is thread-safe.
#pragma once

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>

#include "server/service.hpp"
#include "server/tls.hpp"

namespace tenet::server {

using Socket = boost::asio::generic::stream_protocol::socket;

struct SessionLimits {
  std::size_t max_line = std::size_t{1} << 20U;  // bytes per request line; more → too_large + close
  std::chrono::seconds idle_timeout{300};
  std::size_t max_connections = 1024;
  // Answers a client has not read yet; more → the connection is closed.
  std::size_t max_pending_bytes = std::size_t{4} << 20U;
  // With a token file: a connection not authenticated this long after it
  // opened (or after a failed hello took its rights) is closed.
  std::chrono::seconds hello_timeout{10};
  // From a line's first byte to its newline (bytes do not extend it).
  std::chrono::seconds line_timeout{30};
  // With a token file: connections waiting for hello, a part of
  // max_connections (the rest is kept for authenticated clients).
  std::size_t max_unauthenticated = 512;
};

class ConnectionRegistry {
 public:
  struct Handlers {
    std::function<void()> stop;   // a drain: answer what was sent, then close
    std::function<void()> evict;  // make room: close now unless authenticated meanwhile
  };
  enum class Admission : std::uint8_t { Admitted, Draining, Overloaded };

  // Registers a session. An unauthenticated one may take at most
  // limits.max_unauthenticated slots; when those, or all max_connections
  // slots, are taken, the oldest unauthenticated session is evicted for it.
  // Overloaded when every slot is held by authenticated sessions.
  [[nodiscard]] Admission admit(std::uint64_t id, Handlers handlers, bool authenticated,
                                const SessionLimits& limits);
  // A hello succeeded (true) or a failed one took the rights away (false).
  void set_authenticated(std::uint64_t id, bool authenticated);
  void remove(std::uint64_t id);
  // Calls every registered stop function; no session is added afterwards.
  void stop_all();
  // Sessions registered (those being evicted included, until they close).
  [[nodiscard]] std::size_t size() const;

 private:
  enum class State : std::uint8_t { Unauthenticated, Authenticated, Evicting };
  struct Entry {
    Handlers handlers;
    State state = State::Unauthenticated;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, Entry> sessions_;
  std::set<std::uint64_t> waiting_for_hello_;  // ids grow with time: begin() is the oldest
  std::size_t evicting_ = 0;
  bool draining_ = false;
};

// Starts serving `socket` (whose executor runs on one thread, or is a
// strand) if the registry admits it; answers `overloaded` and closes it if
// not.
void start_session(Socket socket, Service& service, ConnectionRegistry& registry,
                   const SessionLimits& limits);

// The same over TLS with the current context of `tls` (server/tls): a
// handshake first, within the hello timeout; with mutual TLS the client
// certificate binds the session to its partner, for as long as `tls` (as
// reloaded) still trusts it.
void start_tls_session(Socket socket, std::shared_ptr<const TlsContexts> tls, Service& service,
                       ConnectionRegistry& registry, const SessionLimits& limits);

// Answers `overloaded` on `socket` and closes it.
void reject_overloaded(Socket socket);

}  // namespace tenet::server
