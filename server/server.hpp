// `tenet serve` at run time: the N I/O threads (one io_context each,
// server/io_pool), the listeners, the signals (SIGTERM/SIGINT drain, SIGHUP
// reload, compiled on the Service's admin thread).
//
// Used by cli/serve_command. `run_server` blocks until a drain completes.
// Thread-safety: call once; the Service it is given is shared by the threads.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <vector>

#include "server/metrics_http.hpp"
#include "server/service.hpp"
#include "server/session.hpp"
#include "server/tls.hpp"

namespace tenet::server {

struct ServerOptions {
  std::vector<boost::asio::ip::tcp::endpoint> tcp;
  std::vector<std::filesystem::path> unix_sockets;
  unsigned threads = 1;
  SessionLimits limits;
  std::chrono::seconds drain_timeout{10};  // a drain that takes longer is cut short
  // --metrics: /metrics, /healthz, /readyz over HTTP (server/metrics_http).
  std::optional<boost::asio::ip::tcp::endpoint> metrics;
  MetricsOptions metrics_options;
  // TLS on every TCP listener (server/tls; Unix sockets stay plain):
  // loaded before listening, read again on SIGHUP.
  std::optional<TlsSettings> tls;
};

// The exit code of a drain that timed out: the connections still open
// were cut, some answers may not have been sent.
inline constexpr int kExitDrainTimedOut = 3;

// Returns the exit code: 0 after a graceful drain, 2 when the TLS files do
// not load or an endpoint could not be bound or a Unix socket path is served by a live server
// (logged), kExitDrainTimedOut when the drain ran out of time.
[[nodiscard]] int run_server(Service& service, const ServerOptions& options);

}  // namespace tenet::server
