// One producer's queue of decision-log records: a bounded single-producer /
// single-consumer ring of preallocated fixed-size slots (docs/DECISION_LOG.md).
//
// A record is stored as the line it becomes in the file — its text and a
// '\n' — so the writer hands the ring's own bytes to writev(2), with no copy
// of its own. It takes ceil(length / slot_bytes) consecutive slots (at least
// one), so records longer than a slot are chained without allocating; the
// slots are one contiguous array, so a chain that runs past the end
// continues at slot 0 and a record is at most two pieces. A record longer
// than the whole ring (slots × slot_bytes) cannot be chained: it is copied
// to the heap once and its slot carries the pointer (counted as
// `oversized`, the only path that allocates). The producer publishes a
// record by moving `head` once, after every byte is copied, so the consumer
// only ever sees whole records. The consumer takes records (take(): their
// bytes stay where they are) and frees their slots once they are written
// (release()).
//
// Used by server/decision_log/decision_log (one ring per producer thread,
// drained by the writer thread). push() by one thread at a time; take()
// and release() by one (other) thread at a time.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tenet::server::decision_log {

class RecordRing {
 public:
  RecordRing(std::size_t slots, std::size_t slot_bytes);

  // Slots a record of `length` bytes takes, its '\n' included (an
  // oversized one: 1).
  [[nodiscard]] std::size_t slots_for(std::size_t length) const {
    const std::size_t line = length + 1;
    if (line > capacity_bytes_) return 1;
    return line <= slot_bytes_ ? 1 : (line + slot_bytes_ - 1) / slot_bytes_;
  }
  [[nodiscard]] std::size_t slots() const { return slots_; }

  // Producer: slots in use as last published by the consumer. seq_cst:
  // pairs with producer_waiting (a plain load on x86).
  [[nodiscard]] std::size_t used() const {
    return static_cast<std::size_t>(head_.load(std::memory_order_relaxed) -
                                    tail_.load(std::memory_order_seq_cst));
  }
  [[nodiscard]] bool has_room(std::size_t needed) const { return used() + needed <= slots_; }

  // Producer, after has_room(slots_for(record.size())): copies the record,
  // replacing every '\n' by ' ' (one record is one line), adds its '\n',
  // and publishes it.
  // Returns the head after it: the record is consumed once tail() >= that.
  // `one_line`: the caller vouches the record has no '\n' (the server's
  // records are escaped JSON), so it is not scanned for one.
  std::uint64_t push(std::string_view record, bool one_line = false);

  // Consumer: hands each published record not taken yet to
  // sink(first, second) — the line (the record and its '\n') is
  // first + second; second is empty unless the record wraps — until
  // `max_records` are taken or sink returns false (that record is left for
  // the next take). Taken records keep their bytes, and their slots, until
  // release(). Returns the records taken.
  template <typename Sink>
  std::size_t take(Sink&& sink, std::size_t max_records);
  // Consumer: frees the slots of every record taken so far (they are
  // written). False if nothing was taken since the last release.
  bool release();
  // Consumer: whether every published record has been taken.
  [[nodiscard]] bool all_taken() const { return taken_ == head_.load(std::memory_order_acquire); }

  [[nodiscard]] std::uint64_t tail() const { return tail_.load(std::memory_order_acquire); }
  [[nodiscard]] std::uint64_t head() const { return head_.load(std::memory_order_acquire); }

  // Counters (producer-written: appended, dropped, oversized, blocked;
  // consumer-written: drained). Relaxed: for metrics.
  std::atomic<std::uint64_t> appended{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> oversized{0};
  std::atomic<std::uint64_t> blocked{0};
  std::atomic<std::uint64_t> drained{0};

  // A producer waiting for room (backpressure) sleeps on `space`; the
  // consumer notifies when it frees slots and `producer_waiting` is set.
  std::atomic<bool> producer_waiting{false};
  std::mutex mutex;
  std::condition_variable space;

 private:
  static constexpr std::uint64_t kOversized = ~std::uint64_t{0};
  // How much of the ring after the head push() asks the cache for.
  static constexpr std::size_t kPrefetchBytes = 1024;

  void prefetch_for_write(std::uint64_t head);

  char* slot(std::uint64_t index) { return bytes_.get() + (index % slots_) * slot_bytes_; }

  const std::size_t slots_;
  const std::size_t slot_bytes_;
  const std::size_t capacity_bytes_;
  std::unique_ptr<char[]> bytes_;
  // The length of the record starting at each slot (kOversized: the slot
  // holds a std::string* the consumer takes over).
  std::unique_ptr<std::uint64_t[]> lengths_;
  // Separate cache lines: the producer writes head_, the consumer tail_.
  alignas(64) std::atomic<std::uint64_t> head_{0};
  alignas(64) std::atomic<std::uint64_t> tail_{0};
  // Consumer-only: where the next take starts, the records taken since the
  // last release, and the oversized records among them (freed at release).
  std::uint64_t taken_ = 0;
  std::uint64_t taken_records_ = 0;
  std::vector<std::unique_ptr<std::string>> held_;
};

template <typename Sink>
std::size_t RecordRing::take(Sink&& sink, std::size_t max_records) {
  const std::uint64_t head = head_.load(std::memory_order_acquire);
  std::size_t count = 0;
  while (taken_ != head && count < max_records) {
    const std::size_t first_slot = static_cast<std::size_t>(taken_ % slots_);
    const std::uint64_t length = lengths_[first_slot];
    if (length == kOversized) {
      std::string* record = nullptr;
      std::memcpy(&record, slot(taken_), sizeof record);
      if (!sink(std::string_view(*record), std::string_view())) break;
      held_.emplace_back(record);  // owned from here on; freed at release()
      taken_ += 1;
    } else {
      const std::size_t size = static_cast<std::size_t>(length);
      const std::size_t to_end = (slots_ - first_slot) * slot_bytes_;
      const char* start = slot(taken_);
      const bool accepted = size <= to_end ? sink(std::string_view(start, size), std::string_view())
                                           : sink(std::string_view(start, to_end),
                                                  std::string_view(bytes_.get(), size - to_end));
      if (!accepted) break;
      taken_ += slots_for(size - 1);
    }
    ++count;
  }
  taken_records_ += count;
  return count;
}

}  // namespace tenet::server::decision_log
