#include "server/listener.hpp"

#include <sys/stat.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "server/log.hpp"

namespace tenet::server {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

template <typename Acceptor>
asio::awaitable<void> accept_loop(asio::io_context& io, IoPool& pool, Acceptor& acceptor, bool tcp,
                                  Service& service, ConnectionRegistry& registry,
                                  SessionLimits limits, std::shared_ptr<TlsContexts> tls) {
  for (;;) {
    Socket socket(pool.next());
    error_code error;
    co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, error));
    if (error == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (error) {
      LogLine("error").field("what", "accept").field("message", error.message()).emit();
      // Out of descriptors and the like: back off a little instead of spinning.
      asio::steady_timer pause(io, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, error));
      continue;
    }
    if (tcp) {
      error_code ignored;
      socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    }
    if (tls) {
      start_tls_session(std::move(socket), tls, service, registry, limits);
    } else {
      start_session(std::move(socket), service, registry, limits);  // or `overloaded`
    }
  }
}

}  // namespace

std::unique_ptr<Listener> Listener::tcp(asio::io_context& io,
                                        const asio::ip::tcp::endpoint& endpoint) {
  std::unique_ptr<Listener> listener(new Listener(io));
  listener->tcp_.emplace(io);
  listener->tcp_->open(endpoint.protocol());
  listener->tcp_->set_option(asio::socket_base::reuse_address(true));
  listener->tcp_->bind(endpoint);
  listener->tcp_->listen(asio::socket_base::max_listen_connections);
  return listener;
}

std::unique_ptr<Listener> Listener::unix_socket(asio::io_context& io,
                                                const std::filesystem::path& path) {
  std::unique_ptr<Listener> listener(new Listener(io));
  const asio::local::stream_protocol::endpoint endpoint(path.string());
  std::error_code ignored;
  if (std::filesystem::is_socket(path, ignored)) {
    // Only a stale socket (its server gone) may be replaced: unlinking a
    // live server's socket would leave it running but unreachable.
    // Non-blocking: a live server with a full backlog answers EAGAIN.
    asio::local::stream_protocol::socket probe(io, endpoint.protocol());
    error_code answered;
    probe.non_blocking(true, answered);
    probe.connect(endpoint, answered);
    if (!answered || answered == asio::error::would_block || answered == asio::error::try_again ||
        answered == asio::error::in_progress) {
      throw boost::system::system_error(
          make_error_code(boost::system::errc::address_in_use),
          path.string() + ": a server is already listening on this socket");
    }
    std::filesystem::remove(path, ignored);
  }
  listener->unix_.emplace(io);
  listener->unix_->open(endpoint.protocol());
  listener->unix_->bind(endpoint);
  listener->unix_->listen(asio::socket_base::max_listen_connections);
  listener->unix_path_ = path;
  struct stat created {};
  if (::lstat(path.c_str(), &created) == 0)
    listener->unix_identity_ = {created.st_dev, created.st_ino};
  return listener;
}

std::string Listener::address() const {
  if (unix_path_) return unix_path_->string();
  const asio::ip::tcp::endpoint endpoint = tcp_->local_endpoint();
  const std::string host = endpoint.address().is_v6() ? '[' + endpoint.address().to_string() + ']'
                                                      : endpoint.address().to_string();
  return host + ':' + std::to_string(endpoint.port());
}

void Listener::start(IoPool& pool, Service& service, ConnectionRegistry& registry,
                     const SessionLimits& limits, std::shared_ptr<TlsContexts> tls) {
  if (tcp_) {
    asio::co_spawn(io_,
                   accept_loop(io_, pool, *tcp_, true, service, registry, limits, std::move(tls)),
                   asio::detached);
  }
  if (unix_) {
    asio::co_spawn(io_, accept_loop(io_, pool, *unix_, false, service, registry, limits, nullptr),
                   asio::detached);
  }
}

void Listener::close() {
  error_code ignored;
  if (tcp_) tcp_->close(ignored);
  if (unix_) unix_->close(ignored);
}

Listener::~Listener() {
  // Remove the socket file only if it is still the one this server bound:
  // another server may have taken the path since (after it was deleted).
  struct stat now {};
  if (unix_path_ && unix_identity_ && ::lstat(unix_path_->c_str(), &now) == 0 &&
      std::pair(now.st_dev, now.st_ino) == *unix_identity_) {
    std::error_code ignored;
    std::filesystem::remove(*unix_path_, ignored);
  }
}

}  // namespace tenet::server
