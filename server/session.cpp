#include "server/session.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/json/line_framer.hpp"
#include "engine/json/line_handler.hpp"
#include "server/log.hpp"
#include "server/peer.hpp"
#include "server/protocol.hpp"
#include "server/tls.hpp"

namespace tenet::server {

namespace asio = boost::asio;
using boost::system::error_code;

ConnectionRegistry::Admission ConnectionRegistry::admit(std::uint64_t id, Handlers handlers,
                                                        bool authenticated,
                                                        const SessionLimits& limits) {
  std::function<void()> evict;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (draining_) return Admission::Draining;
    const std::size_t live = sessions_.size() - evicting_;
    const bool full = live >= limits.max_connections;
    const bool waiting_full =
        !authenticated &&
        waiting_for_hello_.size() >= std::max<std::size_t>(limits.max_unauthenticated, 1);
    if (full || waiting_full) {
      // Authenticated sessions are never displaced; an unauthenticated
      // newcomer takes the place of the oldest unauthenticated session.
      if (authenticated || waiting_for_hello_.empty()) return Admission::Overloaded;
      const auto oldest = waiting_for_hello_.begin();
      Entry& victim = sessions_.at(*oldest);
      victim.state = State::Evicting;
      ++evicting_;
      evict = victim.handlers.evict;
      waiting_for_hello_.erase(oldest);
    }
    sessions_.emplace(id, Entry{std::move(handlers),
                                authenticated ? State::Authenticated : State::Unauthenticated});
    if (!authenticated) waiting_for_hello_.insert(id);
  }
  if (evict) evict();
  return Admission::Admitted;
}

void ConnectionRegistry::set_authenticated(std::uint64_t id, bool authenticated) {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto found = sessions_.find(id);
  if (found == sessions_.end()) return;
  Entry& entry = found->second;
  if (entry.state == State::Evicting) --evicting_;  // authenticated before the eviction ran
  if (entry.state == State::Unauthenticated) waiting_for_hello_.erase(id);
  entry.state = authenticated ? State::Authenticated : State::Unauthenticated;
  if (!authenticated) waiting_for_hello_.insert(id);
}

void ConnectionRegistry::remove(std::uint64_t id) {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto found = sessions_.find(id);
  if (found == sessions_.end()) return;
  if (found->second.state == State::Evicting) --evicting_;
  waiting_for_hello_.erase(id);
  sessions_.erase(found);
}

void ConnectionRegistry::stop_all() {
  std::vector<std::function<void()>> stops;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    draining_ = true;
    for (const auto& entry : sessions_) stops.push_back(entry.second.handlers.stop);
  }
  for (const auto& stop : stops) stop();
}

std::size_t ConnectionRegistry::size() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return sessions_.size();
}

namespace {

constexpr std::size_t kReadChunk = json::LineFramer::kReadChunk;
std::atomic<std::uint64_t> next_session_id{1};
using Clock = std::chrono::steady_clock;

// {"id":null,"error":{"code":CODE,"message":MESSAGE}} and a newline.
std::string error_line(json::ErrorCode code, std::string_view message) {
  std::string line;
  json::write_error(line, json::RequestOp::None, "null", code, message);
  line += '\n';
  return line;
}

// Plain (Stream = Socket) or TLS (Stream = asio::ssl::stream<Socket>).
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, Socket>;

 public:
  // `tls`: the context of the handshake (TLS only; empty for a plain session).
  Session(Socket socket, std::shared_ptr<asio::ssl::context> tls, Service& service,
          ConnectionRegistry& registry, const SessionLimits& limits)
      : tls_(std::move(tls)),
        stream_(make_stream(std::move(socket), tls_)),
        timer_(stream_.get_executor()),
        flushed_(stream_.get_executor()),
        service_(service),
        registry_(registry),
        limits_(limits),
        protocol_(service, describe_peer(socket_layer())),
        framer_(limits.max_line),
        id_(next_session_id.fetch_add(1, std::memory_order_relaxed)) {}

  // TLS: the contexts whose current trust (client CA, CRL) a bound client
  // certificate is checked against again after a reload.
  void trust_with(std::shared_ptr<const TlsContexts> contexts) requires kTls {
    trust_ = std::move(contexts);
  }

  void start() {
    authenticated_ = authenticated_now();
    const std::weak_ptr<Session> weak = this->weak_from_this();
    ConnectionRegistry::Handlers handlers{
        [weak] {
          if (const auto self = weak.lock())
            asio::post(self->stream_.get_executor(), [self] { self->stop(); });
        },
        [weak] {
          if (const auto self = weak.lock())
            asio::post(self->stream_.get_executor(), [self] { self->evict(); });
        }};
    switch (registry_.admit(id_, std::move(handlers), authenticated_, limits_)) {
      case ConnectionRegistry::Admission::Admitted:
        break;
      case ConnectionRegistry::Admission::Draining: {
        error_code ignored;
        socket_layer().close(ignored);
        return;
      }
      case ConnectionRegistry::Admission::Overloaded:
        service_.stats().count_error(json::ErrorCode::Overloaded);
        if constexpr (kTls) {
          // No answer before a handshake: the client sees the connection closed.
          close_socket();
        } else {
          reject_overloaded(std::move(stream_));
        }
        return;
    }
    service_.stats().connection_opened();
    const Clock::time_point now = Clock::now();
    touch(now);
    if (!authenticated_) hello_deadline_ = now + limits_.hello_timeout;
    const auto self = this->shared_from_this();
    asio::co_spawn(
        stream_.get_executor(), [self]() { return self->serve(); }, asio::detached);
    asio::co_spawn(
        stream_.get_executor(), [self]() { return self->watchdog(); }, asio::detached);
  }

 private:
  // What process() stopped on.
  enum class Stop : std::uint8_t {
    NeedInput,  // every complete line is answered
    AdminJob,   // a reload / set_feature waits in admin_job_
    Close,      // an oversized line, or too many failed hellos: answered, then close
  };

  // On the session's thread: a drain asked this session to finish.
  void stop() {
    draining_ = true;
    interrupt_read_for_drain();
  }

  // Ends the wait for more input once a drain began. socket_.cancel()
  // cancels every operation of the socket, so never while a write is in
  // flight (its answers would be lost and the drain would look complete):
  // written() calls this again once the writes are done.
  void interrupt_read_for_drain() {
    if (!draining_ || !reading_ || writing_) return;
    error_code ignored;
    socket_layer().cancel(ignored);
  }

  // Evicted to make room for a newer unauthenticated connection.
  void evict() {
    if (closed_ || authenticated_now()) return;  // a hello won the race: keep it
    close_for("evicted_unauthenticated", json::ErrorCode::Overloaded,
              "too many connections waiting for hello; the oldest is closed");
  }

  [[nodiscard]] bool authenticated_now() const {
    return !service_.authenticates() || protocol_.grant().has_value();
  }

  void touch(Clock::time_point now = Clock::now()) { idle_deadline_ = now + limits_.idle_timeout; }

  // Closes the connection for a limit (logged), first saying why when that
  // can neither block nor overtake answers still to be written.
  void close_for(std::string_view what, json::ErrorCode code, std::string_view message) {
    LogLine("error")
        .field("what", what)
        .field("message", message)
        .field("peer", describe_peer(socket_layer()))
        .field("authenticated", authenticated_now())
        .emit();
    service_.stats().count_other_error();
    write_failed_ = true;  // the serve loop stops at its next step
    if (writing_ || !pending_.empty()) {
      close_socket();
      return;
    }
    if constexpr (kTls) {
      // One TLS record cannot be written without blocking: the line goes
      // out asynchronously, then the connection closes (or at once if the
      // handshake is not done: there is no channel to say it on).
      if (!handshake_done_) {
        close_socket();
        return;
      }
      auto line = std::make_shared<const std::string>(error_line(code, message));
      asio::async_write(stream_, asio::buffer(*line),
                        [self = this->shared_from_this(), line](const error_code&, std::size_t) {
                          self->close_socket();
                        });
      // The reader stops now (its bytes would be answered after the refusal).
      error_code ignored;
      socket_layer().shutdown(asio::socket_base::shutdown_receive, ignored);
    } else {
      const std::string line = error_line(code, message);
      error_code ignored;
      socket_layer().non_blocking(true, ignored);
      socket_layer().write_some(asio::buffer(line), ignored);
      close_socket();
    }
  }

  void close_socket() {
    error_code ignored;
    socket_layer().shutdown(asio::socket_base::shutdown_both, ignored);
    socket_layer().close(ignored);
  }

  static Stream make_stream(Socket socket, const std::shared_ptr<asio::ssl::context>& tls) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tls);
    } else {
      return socket;
    }
  }

  // The TCP or Unix socket under the stream.
  Socket& socket_layer() {
    if constexpr (kTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  asio::awaitable<void> serve() {
    try {
      bool ready = true;
      if constexpr (kTls) ready = co_await handshake();
      if (ready) {
        co_await serve_loop();
        if constexpr (kTls) co_await say_goodbye();
      }
    } catch (const std::exception& failure) {
      LogLine("error").field("what", "session").field("message", failure.what()).emit();
    }
    closed_ = true;
    error_code ignored;
    timer_.cancel(ignored);
    close_socket();
    // A write still in flight completes (aborted) after the close; it holds
    // its own reference to the session.
    registry_.remove(id_);
    service_.stats().connection_closed();
  }

  // TLS: the handshake, within the hello timeout (bytes do not extend it).
  // With mutual TLS the verified client certificate then binds the session
  // (server/tls: its tenant and rights); one without a tenet:tenant: URI
  // is told why and closed.
  asio::awaitable<bool> handshake() requires kTls {
    handshake_deadline_ = Clock::now() + limits_.hello_timeout;
    wake_watchdog(*handshake_deadline_);
    error_code error;
    co_await stream_.async_handshake(asio::ssl::stream_base::server,
                                     asio::redirect_error(asio::use_awaitable, error));
    handshake_deadline_.reset();
    if (error) {
      if (!closed_ && !write_failed_) {
        std::string message = error.message();
        // Why a client certificate failed (expired, revoked, unknown CA).
        if (const long verified = ::SSL_get_verify_result(stream_.native_handle());  // NOLINT
            verified != X509_V_OK)
          message += std::string(": ") + ::X509_verify_cert_error_string(verified);
        LogLine("warning")
            .field("what", "tls_handshake_failed")
            .field("peer", describe_peer(socket_layer()))
            .field("message", message)
            .emit();
        service_.stats().count_other_error();
      }
      co_return false;
    }
    handshake_done_ = true;
    if ((::SSL_get_verify_mode(stream_.native_handle()) & SSL_VERIFY_PEER) == 0) co_return true;
    CertificateGrant granted = certificate_grant(stream_.native_handle());
    if (!granted.grant) {
      const std::string message = "client certificate refused: " + granted.error;
      LogLine("warning")
          .field("what", "tls_client_certificate")
          .field("peer", describe_peer(socket_layer()))
          .field("message", message)
          .emit();
      service_.stats().count_other_error();
      const std::string line = error_line(json::ErrorCode::Unauthenticated, message);
      co_await asio::async_write(stream_, asio::buffer(line),
                                 asio::redirect_error(asio::use_awaitable, error));
      co_return false;
    }
    // Asked again (server/tls) when the server reloads its CA and CRL: a
    // certificate revoked since ends the session's rights. The session
    // owns the protocol, so the check never outlives it.
    protocol_.bind_certificate(std::move(*granted.grant), [this] {
      return trust_ ? verify_client_again(stream_.native_handle(), *trust_->current()) : "";
    });
    authenticated_ = true;
    registry_.set_authenticated(id_, true);
    hello_deadline_.reset();
    co_return true;
  }

  // TLS: close_notify before the close, so the client reads a clean end of
  // stream rather than a truncation. Not waiting for the client's own.
  asio::awaitable<void> say_goodbye() requires kTls {
    if (write_failed_ || !socket_layer().is_open()) co_return;
    ::SSL_set_shutdown(stream_.native_handle(), SSL_RECEIVED_SHUTDOWN);
    error_code ignored;
    co_await stream_.async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
  }

  asio::awaitable<void> serve_loop() {
    for (;;) {
      if (draining_) {
        co_await drain();
        co_return;
      }
      // The first room() allocates the input buffer: only once admitted, so
      // a refused flood allocates nothing.
      const std::span<char> room = framer_.room();
      error_code error;
      reading_ = true;
      const std::size_t read = co_await stream_.async_read_some(
          asio::buffer(room.data(), room.size()), asio::redirect_error(asio::use_awaitable, error));
      reading_ = false;
      framer_.filled(read);
      const Clock::time_point now = Clock::now();
      if (read > 0) touch(now);
      if (write_failed_) co_return;
      const Stop stop = co_await answer_buffered();
      track_deadlines(now);
      framer_.release_large_input();
      if (over_pending_cap()) co_return;
      if (stop == Stop::Close) {
        co_await flush_all();
        co_return;
      }
      if (error) {
        if (error == asio::error::operation_aborted && draining_) continue;
        // End of stream (a half-written line is dropped), reset, or closed
        // by the watchdog: send what was answered, then close.
        co_await flush_all();
        co_return;
      }
    }
  }

  // After a read is answered: the deadlines that bytes do not push back.
  // `read_at` is when the bytes arrived (before any admin job waited).
  void track_deadlines(Clock::time_point read_at) {
    if (!framer_.holds_partial_line()) {
      line_deadline_.reset();
    } else if (framer_.line_ended_since_room() || !line_deadline_) {
      // A line ended in this read: the unfinished rest is a new line, begun now.
      line_deadline_ = read_at + limits_.line_timeout;
      wake_watchdog(*line_deadline_);
    }
    const bool authenticated = authenticated_now();
    if (authenticated == authenticated_) return;
    authenticated_ = authenticated;
    registry_.set_authenticated(id_, authenticated);
    if (authenticated) {
      hello_deadline_.reset();
    } else {  // a failed hello or a withdrawn token took the rights away: hello again in time
      hello_deadline_ = read_at + limits_.hello_timeout;
      wake_watchdog(*hello_deadline_);
    }
  }

  // Answers every complete line of the buffer, running admin jobs off the
  // I/O thread as they come, and starts writing the answers.
  asio::awaitable<Stop> answer_buffered() {
    for (;;) {
      const Stop stop = process();
      if (stop != Stop::AdminJob) {
        start_write();
        co_return stop;
      }
      start_write();  // what came before the admin op need not wait for it
      co_await run_admin_job();
    }
  }

  asio::awaitable<void> run_admin_job() {
    AdminJob job = std::move(admin_job_);
    admin_job_ = {};
    std::string answer;
    co_await service_.run_admin(
        job.queue, [&job, &answer] { job(answer); }, asio::use_awaitable);
    pending_ += answer;
    pending_ += '\n';
    policies_.reset();  // the next line pins the set the job left serving
  }

  // A drain: answer what the kernel already holds, without waiting for more.
  asio::awaitable<void> drain() {
    error_code error;
    socket_layer().non_blocking(true, error);
    while (!error && !write_failed_) {
      const std::span<char> room = framer_.room();
      const std::size_t read = stream_.read_some(asio::buffer(room.data(), room.size()), error);
      framer_.filled(read);
      const Stop stop = co_await answer_buffered();
      if (over_pending_cap()) co_return;
      if (stop == Stop::Close || read == 0) break;
    }
    co_await flush_all();
  }

  // The client is not reading its answers: close rather than buffer more.
  bool over_pending_cap() {
    if (pending_.size() <= limits_.max_pending_bytes) return false;
    LogLine("error")
        .field("what", "slow_reader")
        .field("message", "the client does not read its answers; closing the connection")
        .field("pending_bytes", static_cast<std::uint64_t>(pending_.size()))
        .emit();
    service_.stats().count_other_error();
    write_failed_ = true;
    close_socket();
    return true;
  }

  // Sends the pending answers unless a write is already in flight (its
  // completion sends what accumulated meanwhile, as one write).
  void start_write() {
    if (writing_ || pending_.empty() || write_failed_) return;
    writing_ = true;
    std::swap(pending_, in_flight_);
    asio::async_write(stream_, asio::buffer(in_flight_),
                      [self = this->shared_from_this()](const error_code& error, std::size_t) {
                        self->written(error);
                      });
  }

  void written(const error_code& error) {
    writing_ = false;
    in_flight_.clear();
    if (pending_.empty()) {
      // A burst of answers grew the buffers; nothing waits now, so give that
      // memory back (a steady stream keeps them: pending_ is rarely empty).
      if (in_flight_.capacity() > kReadChunk) std::string().swap(in_flight_);
      if (pending_.capacity() > kReadChunk) std::string().swap(pending_);
    }
    if (error) {
      write_failed_ = true;
      if (!closed_) close_socket();  // the reader stops too
    } else {
      touch();
      start_write();
    }
    if (waiting_for_flush_ && !writing_) {
      error_code ignored;
      flushed_.cancel(ignored);
    }
    interrupt_read_for_drain();
  }

  // Waits until every answer is written (or the write failed).
  asio::awaitable<void> flush_all() {
    start_write();
    while (writing_) {
      waiting_for_flush_ = true;
      flushed_.expires_at(std::chrono::steady_clock::time_point::max());
      error_code ignored;
      co_await flushed_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      waiting_for_flush_ = false;
    }
  }

  // Answers the complete lines in the buffer into pending_, up to an admin
  // op (left in admin_job_) or the end of the complete lines.
  Stop process() {
    thread_local Scratch scratch;
    for (;;) {
      const json::LineFramer::Next next = framer_.next();
      if (next.kind == json::LineFramer::Kind::TooLarge) {
        protocol_.answer_too_large(limits_.max_line, pending_);
        return Stop::Close;
      }
      if (next.kind == json::LineFramer::Kind::NeedInput) {
        policies_.reset();  // unpinned between reads: a reload frees the old set
        return Stop::NeedInput;
      }
      const std::string_view line = next.line;
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank line
      if (!policies_) policies_ = service_.engine().snapshot();
      admin_job_ = protocol_.handle_deferring(policies_, line, scratch, pending_);
      if (admin_job_) return Stop::AdminJob;
      if (protocol_.close_requested()) return Stop::Close;  // too many failed hellos
    }
  }

  // Sleeps until the earliest deadline; a deadline moved earlier wakes it
  // (wake_watchdog), one moved later is seen when it wakes.
  asio::awaitable<void> watchdog() {
    for (;;) {
      // The session may have ended before this coroutine first ran (a
      // client that connects, asks once and closes): arming the timer then
      // would keep this thread's io_context busy for the idle timeout, and
      // a drain would never end.
      if (closed_) co_return;
      watchdog_at_ = idle_deadline_;
      if (hello_deadline_) watchdog_at_ = std::min(watchdog_at_, *hello_deadline_);
      if (handshake_deadline_) watchdog_at_ = std::min(watchdog_at_, *handshake_deadline_);
      if (line_deadline_) watchdog_at_ = std::min(watchdog_at_, *line_deadline_);
      timer_.expires_at(watchdog_at_);
      error_code error;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, error));
      if (closed_) co_return;
      const Clock::time_point now = Clock::now();
      if (handshake_deadline_ && now >= *handshake_deadline_) {
        close_for("tls_handshake_timeout", json::ErrorCode::Unauthenticated,
                  "no TLS handshake within " + std::to_string(limits_.hello_timeout.count()) +
                      " s; closing the connection");
        co_return;
      }
      if (hello_deadline_ && now >= *hello_deadline_) {
        close_for("hello_timeout", json::ErrorCode::Unauthenticated,
                  "no successful hello within " + std::to_string(limits_.hello_timeout.count()) +
                      " s; closing the connection");
        co_return;
      }
      if (line_deadline_ && now >= *line_deadline_) {
        close_for("line_timeout", json::ErrorCode::BadRequest,
                  "request line not completed within " +
                      std::to_string(limits_.line_timeout.count()) + " s; closing the connection");
        co_return;
      }
      if (now >= idle_deadline_) {
        close_socket();
        co_return;
      }
    }
  }

  void wake_watchdog(Clock::time_point at) {
    if (at >= watchdog_at_) return;
    error_code ignored;
    timer_.cancel(ignored);
  }

  std::shared_ptr<asio::ssl::context> tls_;   // TLS: the context of this connection's handshake
  std::shared_ptr<const TlsContexts> trust_;  // TLS: the server's contexts, as reloaded
  Stream stream_;
  asio::steady_timer timer_;
  asio::steady_timer flushed_;  // flush_all() waits on it; written() cancels it
  Service& service_;
  ConnectionRegistry& registry_;
  const SessionLimits limits_;
  Protocol protocol_;
  std::shared_ptr<const CompiledPolicySet> policies_;  // pinned while answering one read
  AdminJob admin_job_;
  json::LineFramer framer_;  // the request lines in the bytes read
  std::string pending_;      // answered, not yet handed to a write
  std::string in_flight_;    // the buffer of the write in flight
  Clock::time_point idle_deadline_;
  std::optional<Clock::time_point> hello_deadline_;      // while not authenticated (token file)
  std::optional<Clock::time_point> line_deadline_;       // while a line is unfinished
  std::optional<Clock::time_point> handshake_deadline_;  // TLS, until the handshake is done
  Clock::time_point watchdog_at_ = Clock::time_point::max();
  const std::uint64_t id_;
  bool authenticated_ = false;  // as last told to the registry
  bool reading_ = false;
  bool writing_ = false;
  bool write_failed_ = false;
  bool waiting_for_flush_ = false;
  bool draining_ = false;
  bool closed_ = false;
  bool handshake_done_ = !kTls;
};

}  // namespace

void start_session(Socket socket, Service& service, ConnectionRegistry& registry,
                   const SessionLimits& limits) {
  std::make_shared<Session<Socket>>(std::move(socket), nullptr, service, registry, limits)->start();
}

void start_tls_session(Socket socket, std::shared_ptr<const TlsContexts> tls, Service& service,
                       ConnectionRegistry& registry, const SessionLimits& limits) {
  auto session = std::make_shared<Session<asio::ssl::stream<Socket>>>(
      std::move(socket), tls->current(), service, registry, limits);
  session->trust_with(std::move(tls));
  session->start();
}

void reject_overloaded(Socket socket) {
  auto shared = std::make_shared<Socket>(std::move(socket));
  static const std::string kAnswer =
      error_line(json::ErrorCode::Overloaded, "too many connections; try again later");
  asio::async_write(*shared, asio::buffer(kAnswer), [shared](error_code, std::size_t) {
    error_code ignored;
    shared->shutdown(asio::socket_base::shutdown_both, ignored);
    shared->close(ignored);
  });
}

}  // namespace tenet::server
