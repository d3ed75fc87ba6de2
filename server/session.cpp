#include "server/session.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "server/log.hpp"
#include "server/peer.hpp"
#include "server/protocol.hpp"

namespace tenet::server {

namespace asio = boost::asio;
using boost::system::error_code;

bool ConnectionRegistry::add(std::uint64_t id, std::function<void()> stop) {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (draining_) return false;
  sessions_.emplace(id, std::move(stop));
  return true;
}

void ConnectionRegistry::remove(std::uint64_t id) {
  const std::lock_guard<std::mutex> lock(mutex_);
  sessions_.erase(id);
}

void ConnectionRegistry::stop_all() {
  std::vector<std::function<void()>> stops;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    draining_ = true;
    for (const auto& entry : sessions_) stops.push_back(entry.second);
  }
  for (const auto& stop : stops) stop();
}

std::size_t ConnectionRegistry::size() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return sessions_.size();
}

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
std::atomic<std::uint64_t> next_session_id{1};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, Service& service, ConnectionRegistry& registry,
          const SessionLimits& limits)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        flushed_(socket_.get_executor()),
        service_(service),
        registry_(registry),
        limits_(limits),
        protocol_(service, describe_peer(socket_)),
        buffer_(kReadChunk),
        id_(next_session_id.fetch_add(1, std::memory_order_relaxed)) {}

  void start() {
    const std::weak_ptr<Session> weak = weak_from_this();
    if (!registry_.add(id_, [weak] {
          if (const auto self = weak.lock())
            asio::post(self->socket_.get_executor(), [self] { self->stop(); });
        })) {
      error_code ignored;
      socket_.close(ignored);
      return;
    }
    service_.stats().connection_opened();
    touch();
    const auto self = shared_from_this();
    asio::co_spawn(
        socket_.get_executor(), [self]() { return self->serve(); }, asio::detached);
    asio::co_spawn(
        socket_.get_executor(), [self]() { return self->watchdog(); }, asio::detached);
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
    if (reading_) {
      error_code ignored;
      socket_.cancel(ignored);
    }
  }

  void touch() { deadline_ = std::chrono::steady_clock::now() + limits_.idle_timeout; }

  void close_socket() {
    error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_both, ignored);
    socket_.close(ignored);
  }

  asio::awaitable<void> serve() {
    try {
      co_await serve_loop();
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

  asio::awaitable<void> serve_loop() {
    for (;;) {
      if (draining_) {
        co_await drain();
        co_return;
      }
      make_room();
      error_code error;
      reading_ = true;
      const std::size_t read = co_await socket_.async_read_some(
          asio::buffer(buffer_.data() + end_, buffer_.size() - end_),
          asio::redirect_error(asio::use_awaitable, error));
      reading_ = false;
      end_ += read;
      if (read > 0) touch();
      if (write_failed_) co_return;
      const Stop stop = co_await answer_buffered();
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
    socket_.non_blocking(true, error);
    while (!error && !write_failed_) {
      make_room();
      const std::size_t read =
          socket_.read_some(asio::buffer(buffer_.data() + end_, buffer_.size() - end_), error);
      end_ += read;
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
    service_.stats().count_error("other");
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
    asio::async_write(socket_, asio::buffer(in_flight_),
                      [self = shared_from_this()](const error_code& error, std::size_t) {
                        self->written(error);
                      });
  }

  void written(const error_code& error) {
    writing_ = false;
    in_flight_.clear();
    if (in_flight_.capacity() > 4 * kReadChunk * 16) in_flight_.shrink_to_fit();
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

  // Room to read into: compact, and grow up to max_line + one chunk.
  void make_room() {
    if (begin_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      scanned_ -= begin_;
      begin_ = 0;
    }
    if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
  }

  // Answers the complete lines in the buffer into pending_, up to an admin
  // op (left in admin_job_) or the end of the complete lines.
  Stop process() {
    thread_local Scratch scratch;
    for (;;) {
      const char* const data = buffer_.data();
      const void* newline = std::memchr(data + scanned_, '\n', end_ - scanned_);
      if (newline == nullptr) {
        scanned_ = end_;
        if (end_ - begin_ > limits_.max_line) {
          protocol_.answer_too_large(limits_.max_line, pending_);
          return Stop::Close;
        }
        policies_.reset();  // unpinned between reads: a reload frees the old set
        return Stop::NeedInput;
      }
      const auto stop = static_cast<std::size_t>(static_cast<const char*>(newline) - data);
      std::string_view line(data + begin_, stop - begin_);
      begin_ = stop + 1;
      scanned_ = begin_;
      if (line.size() > limits_.max_line) {
        protocol_.answer_too_large(limits_.max_line, pending_);
        return Stop::Close;
      }
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank line
      if (!policies_) policies_ = service_.engine().snapshot();
      admin_job_ = protocol_.handle_deferring(policies_, line, scratch, pending_);
      if (admin_job_) return Stop::AdminJob;
      if (protocol_.close_requested()) return Stop::Close;  // too many failed hellos
    }
  }

  asio::awaitable<void> watchdog() {
    for (;;) {
      timer_.expires_at(deadline_);
      error_code error;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, error));
      if (closed_) co_return;
      if (std::chrono::steady_clock::now() >= deadline_) {
        close_socket();
        co_return;
      }
    }
  }

  Socket socket_;
  asio::steady_timer timer_;
  asio::steady_timer flushed_;  // flush_all() waits on it; written() cancels it
  Service& service_;
  ConnectionRegistry& registry_;
  const SessionLimits limits_;
  Protocol protocol_;
  std::shared_ptr<const CompiledPolicySet> policies_;  // pinned while answering one read
  AdminJob admin_job_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;    // first unanswered byte
  std::size_t end_ = 0;      // end of the data read
  std::size_t scanned_ = 0;  // no '\n' in [begin_, scanned_)
  std::string pending_;      // answered, not yet handed to a write
  std::string in_flight_;    // the buffer of the write in flight
  std::chrono::steady_clock::time_point deadline_;
  const std::uint64_t id_;
  bool reading_ = false;
  bool writing_ = false;
  bool write_failed_ = false;
  bool waiting_for_flush_ = false;
  bool draining_ = false;
  bool closed_ = false;
};

}  // namespace

void start_session(Socket socket, Service& service, ConnectionRegistry& registry,
                   const SessionLimits& limits) {
  std::make_shared<Session>(std::move(socket), service, registry, limits)->start();
}

void reject_overloaded(Socket socket) {
  auto shared = std::make_shared<Socket>(std::move(socket));
  static const std::string kAnswer =
      "{\"id\":null,\"error\":{\"code\":\"overloaded\",\"message\":\"too many connections; try "
      "again later\"}}\n";
  asio::async_write(*shared, asio::buffer(kAnswer), [shared](error_code, std::size_t) {
    error_code ignored;
    shared->shutdown(asio::socket_base::shutdown_both, ignored);
    shared->close(ignored);
  });
}

}  // namespace tenet::server
