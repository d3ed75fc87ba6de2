#include "server/metrics_http.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <set>

#include "server/log.hpp"

namespace tenet::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct MetricsListener::State {
  State(asio::io_context& io, const tcp::endpoint& endpoint, Service& service,
        MetricsOptions options)
      : acceptor(io, endpoint), service(service), options(options) {}
  tcp::acceptor acceptor;
  Service& service;
  MetricsOptions options;
  bool draining = false;
  bool closed = false;
  // Open connections, to close them at the end of a drain. Every handler
  // runs on the acceptor's io_context (one thread): no lock.
  std::set<beast::tcp_stream*> open;
};

namespace {

constexpr std::size_t kMaxConnections = 64;
constexpr std::size_t kMaxHeaderBytes = 8192;
constexpr std::chrono::seconds kDeadline{10};

http::response<http::string_body> respond(MetricsListener::State& state,
                                          const http::request<http::empty_body>& request) {
  http::response<http::string_body> response;
  response.version(request.version());
  response.set(http::field::server, "tenet");
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  const auto reply = [&](http::status status, std::string body) {
    response.result(status);
    response.body() = std::move(body);
  };
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    response.set(http::field::allow, "GET, HEAD");
    reply(http::status::method_not_allowed, "only GET and HEAD\n");
  } else if (request.target() == "/metrics") {
    response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    reply(http::status::ok, render_metrics(state.service, state.options));
  } else if (request.target() == "/healthz") {
    reply(http::status::ok, "ok\n");
  } else if (request.target() == "/readyz") {
    if (state.draining) {
      reply(http::status::service_unavailable, "draining\n");
    } else {
      reply(http::status::ok, "ready\n");
    }
  } else {
    reply(http::status::not_found, "not found: /metrics, /healthz, /readyz\n");
  }
  return response;
}

asio::awaitable<void> serve(std::shared_ptr<MetricsListener::State> state, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  state->open.insert(&stream);
  beast::flat_buffer buffer(kMaxHeaderBytes);
  for (;;) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(0);  // these endpoints take no body
    stream.expires_after(kDeadline);
    beast::error_code error;
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, error));
    if (error) break;  // closed, timed out, too large, not HTTP: nothing to answer
    const http::request<http::empty_body>& request = parser.get();
    http::response<http::string_body> response = respond(*state, request);
    response.keep_alive(request.keep_alive() && !state->closed);
    response.prepare_payload();
    if (request.method() == http::verb::head) response.body().clear();
    stream.expires_after(kDeadline);
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, error));
    if (error || !response.keep_alive()) break;
  }
  state->open.erase(&stream);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> accept_loop(std::shared_ptr<MetricsListener::State> state) {
  asio::steady_timer pause(state->acceptor.get_executor());
  while (!state->closed) {
    beast::error_code error;
    tcp::socket socket =
        co_await state->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, error));
    if (state->closed) co_return;
    if (error) {
      // Out of descriptors, say: not a reason to spin.
      pause.expires_after(std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, error));
      continue;
    }
    if (state->open.size() >= kMaxConnections) {
      socket.close(error);
      continue;
    }
    asio::co_spawn(state->acceptor.get_executor(), serve(state, std::move(socket)), asio::detached);
  }
}

}  // namespace

MetricsListener::MetricsListener(asio::io_context& io, const tcp::endpoint& endpoint,
                                 Service& service, MetricsOptions options)
    : state_(std::make_shared<State>(io, endpoint, service, options)) {}

MetricsListener::~MetricsListener() { close(); }

void MetricsListener::start() {
  asio::co_spawn(state_->acceptor.get_executor(), accept_loop(state_), asio::detached);
}

void MetricsListener::set_draining() { state_->draining = true; }

void MetricsListener::close() {
  if (state_->closed) return;
  state_->closed = true;
  beast::error_code ignored;
  state_->acceptor.close(ignored);
  for (beast::tcp_stream* stream : state_->open) stream->socket().cancel(ignored);
}

std::string MetricsListener::address() const {
  beast::error_code error;
  const tcp::endpoint endpoint = state_->acceptor.local_endpoint(error);
  if (error) return {};
  return endpoint.address().to_string() + ':' + std::to_string(endpoint.port());
}

}  // namespace tenet::server
