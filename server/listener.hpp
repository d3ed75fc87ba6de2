// Accepting connections on one endpoint (TCP or Unix socket) for
// `tenet serve`: each accepted socket goes to the next I/O thread's
// io_context (server/io_pool) with a session, or gets `overloaded` beyond
// --max-connections.
//
// Created and closed by server/server on its io_context; `close()` stops
// accepting (drain). Not thread-safe: used from the server's setup and
// signal handling only.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "server/io_pool.hpp"
#include "server/session.hpp"
#include "server/tls.hpp"

namespace tenet::server {

class Listener {
 public:
  // Binds and listens (throws boost::system::system_error on failure, and
  // for a Unix socket path a live server answers on; a stale one is replaced).
  static std::unique_ptr<Listener> tcp(boost::asio::io_context& io,
                                       const boost::asio::ip::tcp::endpoint& endpoint);
  static std::unique_ptr<Listener> unix_socket(boost::asio::io_context& io,
                                               const std::filesystem::path& path);

  // "127.0.0.1:40123" or the socket path; for the listening log line.
  [[nodiscard]] std::string address() const;
  [[nodiscard]] bool is_unix() const { return unix_path_.has_value(); }

  // `tls`: a TCP listener's connections speak TLS with the context current
  // at their accept (server/tls); empty: plain. Unix sockets are plain.
  void start(IoPool& pool, Service& service, ConnectionRegistry& registry,
             const SessionLimits& limits, std::shared_ptr<TlsContexts> tls = nullptr);
  void close();
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

 private:
  explicit Listener(boost::asio::io_context& io) : io_(io) {}
  boost::asio::io_context& io_;
  std::optional<boost::asio::ip::tcp::acceptor> tcp_;
  std::optional<boost::asio::local::stream_protocol::acceptor> unix_;
  std::optional<std::filesystem::path> unix_path_;
  // Device and inode of the socket file bound: removed at the end only if
  // the path still names it.
  std::optional<std::pair<dev_t, ino_t>> unix_identity_;
};

}  // namespace tenet::server
