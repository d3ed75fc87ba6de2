#include "server/decision_log/decision_log.hpp"

#include <fcntl.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "server/decision_log/record_ring.hpp"
#include "server/log.hpp"

namespace tenet::server::decision_log {
namespace {

using Clock = std::chrono::steady_clock;

// The writer hands the kernel up to this much per writev(2) under load, in
// at most kMaxPieces pieces (a line is one piece, two when it wraps). While
// the file fails the writer takes no more: the queues fill (backpressure or
// drops, as configured).
constexpr std::size_t kWriteChunk = 256 * 1024;
constexpr std::size_t kMaxPieces = 1024;  // IOV_MAX on Linux
// Records taken from one queue before looking at the next (fairness), and
// passes over every queue per wake-up before writing.
constexpr std::size_t kDrainBatch = 256;
constexpr int kPassesPerWake = 64;
// stop() retries a failing file this often before counting records lost.
constexpr int kFinalWriteAttempts = 20;
constexpr auto kFinalRetryPause = std::chrono::milliseconds(50);
// A waiting producer re-checks (and wakes the writer again) this often.
constexpr auto kProducerWaitSlice = std::chrono::milliseconds(5);

std::string errno_text(int error) { return std::system_category().message(error); }

// The asymmetric fence of the stop handshake (DecisionLog::after_publish):
// membarrier(2) makes every running thread of the process execute a full
// memory barrier, so the producers — on every decision — need only a
// compiler barrier, and the writer — once, at stop — pays for both. Why: a
// seq_cst store on the producer's side waited for the record's bytes,
// just copied into cold ring memory, to reach the cache: a tenth of the
// decision's cost. Registered once per process; without membarrier
// (an old kernel, a seccomp filter) the producers fence as before.
bool register_asymmetric_fence() {
  static const bool registered =
      ::syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
  return registered;
}

void heavy_fence() {
  if (::syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
    std::atomic_thread_fence(std::memory_order_seq_cst);
}

int open_for_append(const std::filesystem::path& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

std::uint64_t next_log_id() {
  static std::atomic<std::uint64_t> ids{1};
  return ids.fetch_add(1, std::memory_order_relaxed);
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// The calling thread's queue per log (DecisionLog::append). Entries of
// destroyed logs stay (their ids are never reused): a thread meets few logs.
struct ThreadProducer {
  std::uint64_t log_id;
  DecisionLog::Producer producer;
};
thread_local std::vector<ThreadProducer> thread_producers;

}  // namespace

DecisionLog::Opened DecisionLog::open(Options options) {
  const std::string name = "decision log " + options.path.string();
  if (options.path.empty()) return {nullptr, "decision log: no file given"};
  if (options.flush_interval.count() <= 0)
    return {nullptr, name + ": the flush interval must be at least 1 ms"};
  if (options.slots_per_producer < 2)
    return {nullptr, name + ": a producer's queue needs at least 2 slots"};
  if (options.slot_bytes < 64) return {nullptr, name + ": a slot needs at least 64 bytes"};
  if (options.files_kept > 1000) return {nullptr, name + ": at most 1000 rotated files"};
  const int fd = open_for_append(options.path);
  if (fd < 0) {
    const int error = errno;
    return {nullptr, name + ": cannot open for writing: " + errno_text(error)};
  }
  struct stat status {};
  if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
    ::close(fd);
    return {nullptr, name + ": not a regular file"};
  }
  return {std::unique_ptr<DecisionLog>(
              new DecisionLog(std::move(options), fd, static_cast<std::uint64_t>(status.st_size))),
          ""};
}

DecisionLog::DecisionLog(Options options, int fd, std::uint64_t existing_bytes)
    : options_(std::move(options)),
      id_(next_log_id()),
      asymmetric_fence_(register_asymmetric_fence()),
      fd_(fd),
      file_bytes_(existing_bytes),
      file_opened_(Clock::now()) {
  pending_.reserve(kMaxPieces);
  writer_ = std::thread([this] { run(); });
}

DecisionLog::~DecisionLog() { stop(); }

DecisionLog::Producer DecisionLog::producer() {
  auto ring = std::make_unique<RecordRing>(options_.slots_per_producer, options_.slot_bytes);
  RecordRing& made = *ring;
  const std::lock_guard lock(rings_mutex_);
  rings_.push_back(std::move(ring));
  ring_count_.store(rings_.size(), std::memory_order_release);
  return Producer(*this, made);
}

bool DecisionLog::append(std::string_view record, RecordText text) {
  for (ThreadProducer& entry : thread_producers)
    if (entry.log_id == id_) return entry.producer.append(record, text);
  thread_producers.push_back({id_, producer()});
  return thread_producers.back().producer.append(record, text);
}

bool DecisionLog::Producer::append(std::string_view record, RecordText text) {
  DecisionLog& log = *log_;
  RecordRing& ring = *ring_;
  if (log.finished_.load(std::memory_order_acquire)) return false;
  const std::size_t needed = ring.slots_for(record.size());
  std::size_t used = ring.used();
  if (used + needed > ring.slots()) {
    if (log.options_.overflow == Overflow::drop) {
      ring.dropped.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    if (!log.wait_for_room(ring, needed)) return false;
    used = ring.used();
  }
  const std::uint64_t end = ring.push(record, text == RecordText::one_line);
  // Wake the writer when this queue gets half full (once per filling), so it
  // drains long before the queue is full; otherwise it comes at the flush.
  const std::size_t half = ring.slots() / 2;
  if (used < half && used + needed >= half) log.wake_writer();
  return log.after_publish(ring, end);
}

bool DecisionLog::wait_for_room(RecordRing& ring, std::size_t needed) {
  ring.blocked.fetch_add(1, std::memory_order_relaxed);
  // The writer usually frees room within microseconds: spin, then yield,
  // then sleep on the queue's condition variable.
  for (int i = 0; i < 128; ++i) {
    if (ring.has_room(needed)) return true;
    cpu_relax();
  }
  wake_writer();
  for (int i = 0; i < 16; ++i) {
    if (ring.has_room(needed)) return true;
    std::this_thread::yield();
  }
  // seq_cst: pairs with the writer's store of the tail (RecordRing::release).
  ring.producer_waiting.store(true, std::memory_order_seq_cst);
  std::unique_lock lock(ring.mutex);
  // Backpressure: as long as the writer is behind (each wait is bounded, and
  // the writer is woken again each time).
  while (!ring.has_room(needed)) {
    if (finished_.load(std::memory_order_acquire)) {
      ring.producer_waiting.store(false, std::memory_order_relaxed);
      return false;
    }
    ring.space.wait_for(lock, kProducerWaitSlice);
    if (!ring.has_room(needed)) wake_writer();
  }
  ring.producer_waiting.store(false, std::memory_order_relaxed);
  return true;
}

bool DecisionLog::after_publish(RecordRing& ring, std::uint64_t end) {
  // Dekker with the writer's stop: head stored (RecordRing::push), then
  // finishing_ loaded; the writer stores finishing_, fences, then drains.
  // Either its last drain sees this record or this load sees finishing_.
  if (asymmetric_fence_) {
    std::atomic_signal_fence(std::memory_order_seq_cst);  // the writer's membarrier does the rest
  } else {
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
  if (!finishing_.load(std::memory_order_relaxed)) return true;  // the writer will drain it
  // The writer is in its last drain (or past it): did it take this record?
  for (int i = 0; i < 100000 && !finished_.load(std::memory_order_acquire); ++i)
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  if (ring.tail() >= end) return true;
  // never written: not counted (only this producer writes `appended`)
  ring.appended.store(ring.appended.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  return false;
}

void DecisionLog::wake_writer() {
  {
    const std::lock_guard lock(wake_mutex_);
    wake_requested_ = true;
  }
  wake_.notify_one();
}

void DecisionLog::stop() {
  const std::lock_guard lock(stop_mutex_);
  if (!writer_.joinable()) return;
  {
    const std::lock_guard wake_lock(wake_mutex_);
    stop_requested_ = true;
  }
  wake_.notify_one();
  writer_.join();
}

// ---- The writer thread ----

void DecisionLog::run() {
  // Named, so top -H and perf tell its CPU from the I/O threads'.
  ::pthread_setname_np(::pthread_self(), "tenet-dlog");
  auto next_flush = Clock::now() + options_.flush_interval;
  std::uint64_t synced_bytes = 0;
  while (true) {
    const bool more = drain_all();
    // Nothing more queued: hand what we have to the kernel now (it costs
    // nothing extra and shortens what kill -9 can lose).
    if (!more) write_pending_and_rotate();
    const auto now = Clock::now();
    if (now >= next_flush) {
      write_pending_and_rotate();
      const std::uint64_t written = bytes_written_.load(std::memory_order_relaxed);
      if (options_.sync && written != synced_bytes && fd_ >= 0) {
        ::fdatasync(fd_);
        synced_bytes = written;
      }
      if (options_.max_file_age.count() > 0 && now - file_opened_ >= options_.max_file_age) {
        if (file_bytes_ == 0) {
          file_opened_ = now;  // an empty file is not rotated; its age starts over
        } else if (write_pending(false)) {
          rotate();
        }
      }
      next_flush = now + options_.flush_interval;
    }
    std::unique_lock lock(wake_mutex_);
    if (!more) {
      wake_.wait_until(lock, next_flush, [this] { return wake_requested_ || stop_requested_; });
    }
    wake_requested_ = false;
    if (stop_requested_) break;
  }
  // Stop: write everything queued, then tell producers (finishing_) that
  // this is the last drain, and drain once more for appends that raced with it.
  write_everything();
  finishing_.store(true, std::memory_order_seq_cst);
  if (asymmetric_fence_) heavy_fence();
  if (!write_everything()) {
    // The file kept failing: what is pending or still queued is lost, and
    // counted.
    lost_.fetch_add(pending_records_, std::memory_order_relaxed);
    pending_.clear();
    pending_first_ = 0;
    pending_bytes_ = 0;
    pending_records_ = 0;
    const auto ignore = [](std::string_view, std::string_view) { return true; };
    for (RecordRing* ring : writer_rings_) {
      for (std::size_t taken = 1; taken > 0;) {
        taken = ring->take(ignore, ring->slots());
        lost_.fetch_add(taken, std::memory_order_relaxed);
      }
    }
    release_rings();
  }
  if (options_.sync && fd_ >= 0) ::fdatasync(fd_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  finished_.store(true, std::memory_order_release);
  for (RecordRing* ring : writer_rings_) {
    { const std::lock_guard lock(ring->mutex); }
    ring->space.notify_all();
  }
}

bool DecisionLog::write_everything() {
  for (int round = 0; round < 100000; ++round) {
    while (drain_all()) {
    }
    if (!write_pending(true)) return false;
    if (rotation_due_) {
      rotation_due_ = false;
      rotate();
    }
    if (std::all_of(writer_rings_.begin(), writer_rings_.end(),
                    [](const RecordRing* ring) { return ring->all_taken(); }))
      return true;
  }
  return false;
}

bool DecisionLog::drain_all() {
  if (ring_count_.load(std::memory_order_acquire) != writer_rings_.size()) {
    const std::lock_guard lock(rings_mutex_);
    writer_rings_.clear();
    for (const auto& ring : rings_) writer_rings_.push_back(ring.get());
  }
  const auto sink = [this](std::string_view first, std::string_view second) {
    return add_record(first, second);
  };
  for (int pass = 0; pass < kPassesPerWake; ++pass) {
    std::size_t taken = 0;
    for (RecordRing* ring : writer_rings_) {
      std::size_t count = ring->take(sink, kDrainBatch);
      while (count < kDrainBatch &&
             (rotation_due_ || pending_.size() + 2 > kMaxPieces || pending_bytes_ >= kWriteChunk)) {
        // Full, or the next line starts a new file: write, then go on.
        if (!write_pending_and_rotate()) return false;  // the file fails: let the queues fill
        const std::size_t more = ring->take(sink, kDrainBatch - count);
        if (more == 0) break;
        count += more;
      }
      taken += count;
    }
    if (taken == 0) return false;
  }
  return true;
}

bool DecisionLog::add_record(std::string_view first, std::string_view second) {
  const std::uint64_t size = first.size() + second.size();
  if (options_.max_file_bytes > 0 && file_bytes_ > 0 &&
      file_bytes_ + size > options_.max_file_bytes) {
    // Only whole lines go to a file: this one starts the next file.
    rotation_due_ = true;
    return false;
  }
  if (pending_.size() + 2 > kMaxPieces || pending_bytes_ >= kWriteChunk) return false;
  // writev does not write through the pointers: the const_casts only fit its type.
  pending_.push_back({const_cast<char*>(first.data()), first.size()});
  if (!second.empty()) pending_.push_back({const_cast<char*>(second.data()), second.size()});
  pending_bytes_ += size;
  ++pending_records_;
  file_bytes_ += size;
  return true;
}

bool DecisionLog::write_pending_and_rotate() {
  if (!write_pending(false)) return false;
  if (rotation_due_) {
    rotation_due_ = false;
    rotate();
  }
  return true;
}

bool DecisionLog::write_pending(bool stopping) {
  int attempts = 0;
  while (pending_first_ < pending_.size()) {
    if (fd_ < 0) {  // a rotation could not open the new file: try again
      fd_ = open_for_append(options_.path);
      if (fd_ >= 0) file_opened_ = Clock::now();
    }
    const int pieces = static_cast<int>(pending_.size() - pending_first_);
    const auto started = Clock::now();
    const ssize_t wrote = fd_ < 0 ? -1 : ::writev(fd_, pending_.data() + pending_first_, pieces);
    const int error = errno;
    const auto nanoseconds = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started).count());
    if (wrote > 0) {
      write_latency_.record(nanoseconds);
      last_write_ns_.store(nanoseconds, std::memory_order_relaxed);
      write_ns_.fetch_add(nanoseconds, std::memory_order_relaxed);
      bytes_written_.fetch_add(static_cast<std::uint64_t>(wrote), std::memory_order_relaxed);
      // Step over the pieces written whole; a line is whole once the piece
      // ending with its '\n' is (a record has no other '\n').
      auto left = static_cast<std::size_t>(wrote);
      std::uint64_t lines = 0;
      while (pending_first_ < pending_.size() && left >= pending_[pending_first_].iov_len) {
        const struct iovec& piece = pending_[pending_first_];
        left -= piece.iov_len;
        if (piece.iov_len > 0 &&
            static_cast<const char*>(piece.iov_base)[piece.iov_len - 1] == '\n')
          ++lines;
        ++pending_first_;
      }
      if (left > 0) {  // a short write: the rest of this piece comes next
        struct iovec& piece = pending_[pending_first_];
        piece.iov_base = static_cast<char*>(piece.iov_base) + left;
        piece.iov_len -= left;
      }
      written_.fetch_add(lines, std::memory_order_relaxed);
      pending_records_ -= lines;
      continue;
    }
    if (wrote < 0 && error == EINTR) continue;
    write_errors_.fetch_add(1, std::memory_order_relaxed);
    set_error("cannot write: " + (wrote == 0 ? std::string("wrote nothing") : errno_text(error)));
    if (!stopping || ++attempts >= kFinalWriteAttempts) return false;
    std::this_thread::sleep_for(kFinalRetryPause);
  }
  pending_.clear();
  pending_first_ = 0;
  pending_bytes_ = 0;
  release_rings();
  return true;
}

void DecisionLog::release_rings() {
  for (RecordRing* ring : writer_rings_) {
    if (ring->release() && ring->producer_waiting.load(std::memory_order_seq_cst)) {
      { const std::lock_guard lock(ring->mutex); }
      ring->space.notify_all();
    }
  }
}

void DecisionLog::rotate() {
  if (options_.sync && fd_ >= 0) ::fdatasync(fd_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  const std::string base = options_.path.string();
  std::error_code error;
  if (options_.files_kept == 0) {
    std::filesystem::remove(options_.path, error);
  } else {
    // FILE.k → FILE.k+1 … FILE → FILE.1, for the FILE.1 … FILE.n that
    // exist (n < N; FILE.N-1 → FILE.N replaces the oldest). Counting them
    // first keeps a rotation O(n) when N is large.
    const auto numbered = [&base](unsigned at) {
      return std::filesystem::path(base + "." + std::to_string(at));
    };
    unsigned existing = 0;
    while (existing < options_.files_kept - 1 && std::filesystem::exists(numbered(existing + 1)))
      ++existing;
    for (unsigned at = existing; at >= 1; --at) {
      std::filesystem::rename(numbered(at), numbered(at + 1), error);
      if (error) set_error("cannot rotate " + numbered(at).string() + ": " + error.message());
    }
    std::filesystem::rename(options_.path, base + ".1", error);
  }
  if (error) set_error("cannot rotate: " + error.message());
  rotations_.fetch_add(1, std::memory_order_relaxed);
  fd_ = open_for_append(options_.path);
  if (fd_ < 0) set_error("cannot open after rotation: " + errno_text(errno));
  file_bytes_ = pending_bytes_;  // 0: a rotation follows a complete write
  file_opened_ = Clock::now();
}

void DecisionLog::set_error(std::string error) {
  const std::lock_guard lock(error_mutex_);
  if (error == last_error_) return;  // reported once per new error
  last_error_ = std::move(error);
  LogLine("decision_log_error")
      .field("path", options_.path.string())
      .field("error", last_error_)
      .emit();
}

std::string DecisionLog::last_error() const {
  const std::lock_guard lock(error_mutex_);
  return last_error_;
}

Counters DecisionLog::counters() const {
  Counters counters;
  {
    const std::lock_guard lock(rings_mutex_);
    for (const auto& ring : rings_) {
      const std::uint64_t appended = ring->appended.load(std::memory_order_relaxed);
      const std::uint64_t drained = ring->drained.load(std::memory_order_relaxed);
      counters.appended += appended;
      counters.dropped += ring->dropped.load(std::memory_order_relaxed);
      counters.blocked += ring->blocked.load(std::memory_order_relaxed);
      counters.oversized += ring->oversized.load(std::memory_order_relaxed);
      counters.queue_depth += appended > drained ? appended - drained : 0;
    }
  }
  counters.written = written_.load(std::memory_order_relaxed);
  counters.lost = lost_.load(std::memory_order_relaxed);
  counters.bytes_written = bytes_written_.load(std::memory_order_relaxed);
  counters.write_errors = write_errors_.load(std::memory_order_relaxed);
  counters.rotations = rotations_.load(std::memory_order_relaxed);
  counters.last_write_ns = last_write_ns_.load(std::memory_order_relaxed);
  counters.write_ns = write_ns_.load(std::memory_order_relaxed);
  return counters;
}

}  // namespace tenet::server::decision_log
