#include "server/server.hpp"

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <memory>

#include "server/io_pool.hpp"
#include "server/listener.hpp"
#include "server/log.hpp"

namespace tenet::server {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Sets `timed_out` when connections were still open at the deadline.
asio::awaitable<void> wait_for_drain(IoPool& pool, ConnectionRegistry& registry,
                                     std::chrono::seconds timeout, bool& timed_out,
                                     MetricsListener* metrics) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  asio::steady_timer timer(pool.main());
  while (registry.size() > 0) {
    if (std::chrono::steady_clock::now() >= give_up) {
      LogLine("drain")
          .field("ok", false)
          .field("connections", static_cast<std::uint64_t>(registry.size()))
          .field("message", "the drain timed out; the connections still open were cut")
          .emit();
      timed_out = true;
      if (metrics != nullptr) metrics->close();
      pool.stop();
      co_return;
    }
    timer.expires_after(std::chrono::milliseconds(20));
    error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  LogLine("drain").field("ok", true).emit();
  // Last: /readyz said "draining" while the connections ended.
  if (metrics != nullptr) metrics->close();
  pool.release();
}

void reload_tls(TlsContexts& tls, Service& service) {
  const std::string error = tls.reload();
  if (error.empty()) {
    service.note_trust_reloaded();
    LogLine("info")
        .field("what", "tls_reloaded")
        .field("certificate", tls.settings().certificate.string())
        .emit();
  } else {
    LogLine("error")
        .field("what", "tls_reload")
        .field("message", error + "; the certificate loaded before stays in use")
        .emit();
  }
}

}  // namespace

int run_server(Service& service, const ServerOptions& options) {
  std::shared_ptr<TlsContexts> tls;
  if (options.tls) {
    TlsContexts::Loaded loaded = TlsContexts::load(*options.tls);
    if (!loaded.contexts) {
      LogLine("error").field("what", "tls").field("message", loaded.error).emit();
      return 2;
    }
    tls = std::move(loaded.contexts);
  }
  IoPool pool(options.threads);
  asio::io_context& io = pool.main();
  ConnectionRegistry registry;
  std::vector<std::unique_ptr<Listener>> listeners;
  try {
    for (const auto& endpoint : options.tcp) listeners.push_back(Listener::tcp(io, endpoint));
    for (const auto& path : options.unix_sockets)
      listeners.push_back(Listener::unix_socket(io, path));
  } catch (const boost::system::system_error& failure) {
    LogLine("error").field("what", "listen").field("message", failure.what()).emit();
    return 2;
  }
  std::unique_ptr<MetricsListener> metrics;
  if (options.metrics) {
    try {
      metrics =
          std::make_unique<MetricsListener>(io, *options.metrics, service, options.metrics_options);
    } catch (const boost::system::system_error& failure) {
      LogLine("error").field("what", "metrics").field("message", failure.what()).emit();
      return 2;
    }
  }

  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  bool draining = false;
  std::string stop_signal;
  bool drain_timed_out = false;
  std::function<void(const error_code&, int)> on_signal = [&](const error_code& error, int number) {
    if (error) return;
    if (number == SIGHUP) {
      // Compiled on the admin thread: the I/O thread that got the signal keeps serving.
      asio::post(service.admin_executor(), [&service, tls] {
        (void)service.reload(false, "signal");
        // New connections get the certificate read now; open ones keep theirs.
        if (tls) reload_tls(*tls, service);
      });
      signals.async_wait(on_signal);
      return;
    }
    if (draining) return;
    draining = true;
    stop_signal = number == SIGTERM ? "SIGTERM" : "SIGINT";
    LogLine("shutdown").field("signal", number == SIGTERM ? "SIGTERM" : "SIGINT").emit();
    for (const auto& listener : listeners) listener->close();
    if (metrics) metrics->set_draining();
    registry.stop_all();
    error_code ignored;
    signals.cancel(ignored);
    asio::co_spawn(
        io, wait_for_drain(pool, registry, options.drain_timeout, drain_timed_out, metrics.get()),
        asio::detached);
  };
  signals.async_wait(on_signal);

  for (const auto& listener : listeners) {
    listener->start(pool, service, registry, options.limits, tls);
    LogLine line("listening");
    if (listener->is_unix()) {
      line.field("unix", listener->address());
    } else {
      line.field("address", listener->address());
      if (tls) line.field("tls", true).field("mutual_tls", tls->mutual());
    }
    line.emit();
  }
  if (metrics) {
    metrics->start();
    LogLine("listening").field("metrics", metrics->address()).emit();
  }
  {
    // Once it listens: the record says what it started serving, and where.
    AuditRecord started = AuditRecord::of("operator", "start");
    started.after = {{"policy_version", service.policy_version()},
                     {"platform_revision", service.platform_revision()},
                     {"pid", static_cast<std::int64_t>(::getpid())}};
    if (service.serves_store()) started.after["store_revision"] = service.store_status().revision;
    nlohmann::json addresses = nlohmann::json::array();
    for (const auto& listener : listeners) addresses.push_back(listener->address());
    started.after["listening"] = std::move(addresses);
    service.record_audit(started);
  }
  LogLine("ready")
      .field("policy_version", service.policy_version())
      .field("threads", static_cast<std::uint64_t>(options.threads))
      .emit();

  pool.run();
  // After the drain: every answer given before it is in the audit trail.
  AuditRecord stopped = AuditRecord::of("signal", "stop");
  stopped.before = {{"policy_version", service.policy_version()},
                    {"platform_revision", service.platform_revision()},
                    {"pid", static_cast<std::int64_t>(::getpid())}};
  stopped.after = {{"signal", stop_signal}};
  if (drain_timed_out) {
    stopped.outcome = "failed";
    stopped.message = "the drain timed out; the connections still open were cut";
  }
  service.record_audit(stopped);
  LogLine("stopped").emit();
  return drain_timed_out ? kExitDrainTimedOut : 0;
}

}  // namespace tenet::server
