// The decision log of `tenet serve --decision-log FILE`: one NDJSON record
// per decision, written by one writer thread (docs/DECISION_LOG.md).
//
// Records leave the I/O threads through one bounded queue per producer
// (server/decision_log/record_ring.hpp: preallocated slots, no allocation
// per record, no lock, never a disk access). The writer thread drains every
// queue (each in its order), writes with large writev(2) calls, flushes every
// `flush_interval`, and rotates the file by size and age (FILE → FILE.1 …
// FILE.N, the oldest removed). A full queue makes the producer wait
// (Overflow::block, the default: no record is ever lost) or drops the record
// and counts it (Overflow::drop). stop() — and the destructor — writes every
// queued record before returning.
//
// Usage: open() once; each I/O thread takes one Producer (producer()) and
// calls append() per decision; or DecisionLog::append() from any thread (a
// per-thread producer, made on first use). Thread-safe: a Producer is used by
// one thread at a time; everything else from any thread.
#pragma once

#include <sys/uio.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server/stats.hpp"

namespace tenet::server::decision_log {

class RecordRing;

enum class Overflow { block, drop };

// What an appender vouches for: `one_line` records (the server's: escaped
// JSON) are not scanned for a '\n' to replace.
enum class RecordText { any, one_line };

struct Options {
  std::filesystem::path path;
  // The longest a record waits in memory before writev(2) (so, what kill -9
  // may lose); also how often fdatasync runs when `sync` is on.
  std::chrono::milliseconds flush_interval{200};
  // Rotation: a file reaching max_file_bytes, or older than max_file_age
  // (counted from when this process opened it), becomes FILE.1. 0: never.
  std::uint64_t max_file_bytes = 256ULL << 20;
  std::chrono::milliseconds max_file_age{0};
  // Rotated files kept (FILE.1 … FILE.N); older ones are removed.
  unsigned files_kept = 10;
  Overflow overflow = Overflow::block;
  // Each producer's queue: slots × slot_bytes bytes, preallocated.
  std::size_t slots_per_producer = 32768;
  std::size_t slot_bytes = 128;
  // fdatasync at each flush: survives a machine crash, not only kill -9.
  bool sync = false;
};

struct Counters {
  std::uint64_t appended = 0;     // records accepted by append()
  std::uint64_t written = 0;      // records handed whole to writev(2)
  std::uint64_t dropped = 0;      // refused by a full queue (Overflow::drop)
  std::uint64_t blocked = 0;      // appends that waited for room (Overflow::block)
  std::uint64_t oversized = 0;    // longer than a producer's whole queue: copied to the heap
  std::uint64_t lost = 0;         // queued but never written (the file failed until stop)
  std::uint64_t queue_depth = 0;  // records queued, not yet taken by the writer
  std::uint64_t bytes_written = 0;
  std::uint64_t write_errors = 0;
  std::uint64_t rotations = 0;
  std::uint64_t last_write_ns = 0;  // the last writev(2) call
  std::uint64_t write_ns = 0;       // every writev(2) call, summed (the histogram's sum)
};

class DecisionLog {
 public:
  // The log, or why it cannot write `options.path` (a missing folder, no
  // permission, a directory, bad options): in `error`, and `log` empty.
  struct Opened {
    std::unique_ptr<DecisionLog> log;
    std::string error;
  };
  [[nodiscard]] static Opened open(Options options);

  ~DecisionLog();  // stop()
  DecisionLog(const DecisionLog&) = delete;
  DecisionLog& operator=(const DecisionLog&) = delete;

  class Producer {
   public:
    // Queues a copy of `record` (one JSON object, no trailing newline: the
    // log adds it; a '\n' inside becomes ' '). True: it will be written.
    // False: dropped (Overflow::drop and the queue full) or the log has
    // stopped. Never allocates (but for an oversized record); under
    // Overflow::block, waits while the queue is full.
    bool append(std::string_view record, RecordText text = RecordText::any);

   private:
    friend class DecisionLog;
    Producer(DecisionLog& log, RecordRing& ring) : log_(&log), ring_(&ring) {}
    DecisionLog* log_;
    RecordRing* ring_;
  };

  // A new producer with a queue of its own, for one thread; the queue lives
  // as long as the log. Call once per I/O thread (allocates the queue).
  [[nodiscard]] Producer producer();
  // Appends through the calling thread's producer (made on first use).
  bool append(std::string_view record, RecordText text = RecordText::any);

  // Writes every queued record, closes the file and ends the writer thread.
  // Appends from then on return false; one racing with stop() either
  // returns true and is written or returns false. Idempotent.
  void stop();

  [[nodiscard]] Counters counters() const;
  [[nodiscard]] const LatencyHistogram& write_latency() const { return write_latency_; }
  // The last write, open or rotation error ("" if none yet).
  [[nodiscard]] std::string last_error() const;
  [[nodiscard]] const Options& options() const { return options_; }

 private:
  DecisionLog(Options options, int fd, std::uint64_t existing_bytes);
  bool wait_for_room(RecordRing& ring, std::size_t needed);
  void wake_writer();
  bool after_publish(RecordRing& ring, std::uint64_t end);
  // Writer thread.
  void run();
  bool drain_all();
  // At stop: writes every queued line, retrying a failing file. False: it
  // gave up (what is left is counted lost by the caller).
  bool write_everything();
  bool add_record(std::string_view first, std::string_view second);
  // Writes what is pending, then (if due) rotates. False: the file failed.
  bool write_pending_and_rotate();
  bool write_pending(bool stopping);
  void release_rings();
  void rotate();
  void set_error(std::string error);

  const Options options_;
  const std::uint64_t id_;  // tells the per-thread producers of two logs apart
  // membarrier(2) is registered: producers need no fence (after_publish).
  const bool asymmetric_fence_;

  // The producers' queues; the writer copies the list when `ring_count_` moves.
  mutable std::mutex rings_mutex_;
  std::vector<std::unique_ptr<RecordRing>> rings_;
  std::atomic<std::size_t> ring_count_{0};

  // Waking the writer (a queue half full, a producer waiting, stop).
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool wake_requested_ = false;
  bool stop_requested_ = false;
  // Set by the writer before its last drain, and after it: an append that
  // sees `finishing_` after publishing waits for `finished_` and checks
  // whether the last drain took its record.
  std::atomic<bool> finishing_{false};
  std::atomic<bool> finished_{false};

  // Writer-thread state.
  int fd_;
  std::uint64_t file_bytes_;  // in the current file, what is pending included
  std::chrono::steady_clock::time_point file_opened_;
  // Lines taken from the queues and not written yet: pieces of the queues'
  // memory (their slots are released once every piece is written), from
  // pending_first_ on (a short write leaves that piece partly written).
  std::vector<struct iovec> pending_;
  std::size_t pending_first_ = 0;
  std::size_t pending_bytes_ = 0;
  std::uint64_t pending_records_ = 0;
  bool rotation_due_ = false;  // the next line would pass max_file_bytes
  std::vector<RecordRing*> writer_rings_;

  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> lost_{0};
  std::atomic<std::uint64_t> bytes_written_{0};
  std::atomic<std::uint64_t> write_errors_{0};
  std::atomic<std::uint64_t> rotations_{0};
  std::atomic<std::uint64_t> last_write_ns_{0};
  std::atomic<std::uint64_t> write_ns_{0};
  LatencyHistogram write_latency_;
  mutable std::mutex error_mutex_;
  std::string last_error_;

  std::mutex stop_mutex_;
  std::thread writer_;  // last: starts once everything above is built
};

}  // namespace tenet::server::decision_log
