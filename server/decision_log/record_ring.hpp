// One producer's queue of decision-log records: a bounded single-producer /
// single-consumer ring of preallocated fixed-size slots (docs/DECISION_LOG.md).
//
// A record takes ceil(length / slot_bytes) consecutive slots (at least one),
// so records longer than a slot are chained without allocating; the slots are
// one contiguous array, so a chain that runs past the end continues at slot
// 0 and a record is at most two pieces. A record longer than the whole ring
// (slots × slot_bytes) cannot be chained: it is copied to the heap once and
// its slot carries the pointer (counted as `oversized`, the only path that
// allocates). The producer publishes a record by moving `head` once, after
// every byte is copied, so the consumer only ever sees whole records.
//
// Used by server/decision_log/decision_log (one ring per producer thread,
// drained by the writer thread). push() by one thread at a time, drain() by
// one (other) thread at a time.
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

namespace tenet::server::decision_log {

class RecordRing {
 public:
  RecordRing(std::size_t slots, std::size_t slot_bytes);

  // Slots a record of `length` bytes takes (an oversized one: 1).
  [[nodiscard]] std::size_t slots_for(std::size_t length) const {
    if (length > capacity_bytes_) return 1;
    return length <= slot_bytes_ ? 1 : (length + slot_bytes_ - 1) / slot_bytes_;
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
  // replacing every '\n' by ' ' (one record is one line), and publishes it.
  // Returns the head after it: the record is consumed once tail() >= that.
  // `one_line`: the caller vouches the record has no '\n' (the server's
  // records are escaped JSON), so it is not scanned for one.
  std::uint64_t push(std::string_view record, bool one_line = false);

  // Consumer: hands each published record to sink(first, second) (the record
  // is first + second; second is empty unless the record wraps), at most
  // `max_records`, then frees their slots. Returns the records handed over.
  template <typename Sink>
  std::size_t drain(Sink&& sink, std::size_t max_records);

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
};

template <typename Sink>
std::size_t RecordRing::drain(Sink&& sink, std::size_t max_records) {
  const std::uint64_t head = head_.load(std::memory_order_acquire);
  std::uint64_t tail = tail_.load(std::memory_order_relaxed);
  std::size_t count = 0;
  while (tail != head && count < max_records) {
    const std::size_t first_slot = static_cast<std::size_t>(tail % slots_);
    const std::uint64_t length = lengths_[first_slot];
    if (length == kOversized) {
      std::string* record = nullptr;
      std::memcpy(&record, slot(tail), sizeof record);
      const std::unique_ptr<std::string> owned(record);
      sink(std::string_view(*owned), std::string_view());
      tail += 1;
    } else {
      const std::size_t size = static_cast<std::size_t>(length);
      const std::size_t to_end = (slots_ - first_slot) * slot_bytes_;
      const char* start = slot(tail);
      if (size <= to_end) {
        sink(std::string_view(start, size), std::string_view());
      } else {
        sink(std::string_view(start, to_end), std::string_view(bytes_.get(), size - to_end));
      }
      tail += slots_for(size);
    }
    ++count;
  }
  if (count > 0) {
    drained.fetch_add(count, std::memory_order_relaxed);
    // seq_cst: pairs with the producer's store of producer_waiting (a
    // producer that sets it after this store sees the room).
    tail_.store(tail, std::memory_order_seq_cst);
  }
  return count;
}

}  // namespace tenet::server::decision_log
