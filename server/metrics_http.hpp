// `tenet serve --metrics HOST:PORT` (docs/METRICS.md): a small HTTP/1.1
// listener (Boost.Beast) beside the decision sockets, for Prometheus and for
// load balancers: GET /metrics (server/metrics_text), /healthz (the process
// answers) and /readyz (it serves decisions and is not draining). Keep-alive;
// a request's header is bounded (8 KiB), a body refused, every read and
// write has a deadline (10 s), and at most 64 connections are open at once
// (more are closed on accept). It runs on the main I/O thread: a scrape is
// a few microseconds of summing counters, never on a decision's path.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>

#include "server/metrics_text.hpp"
#include "server/service.hpp"

namespace tenet::server {

class MetricsListener {
 public:
  // Binds `endpoint` (throws boost::system::system_error when it cannot).
  MetricsListener(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
                  Service& service, MetricsOptions options);
  ~MetricsListener();
  MetricsListener(const MetricsListener&) = delete;
  MetricsListener& operator=(const MetricsListener&) = delete;

  void start();
  // Draining: /readyz answers 503 from now on.
  void set_draining();
  // Stops accepting and closes every open connection (the drain's end).
  void close();
  [[nodiscard]] std::string address() const;

  struct State;  // what the connections' coroutines share (metrics_http.cpp)

 private:
  std::shared_ptr<State> state_;
};

}  // namespace tenet::server
