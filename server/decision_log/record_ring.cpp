#include "server/decision_log/record_ring.hpp"

#include <algorithm>

namespace tenet::server::decision_log {

RecordRing::RecordRing(std::size_t slots, std::size_t slot_bytes)
    : slots_(slots),
      slot_bytes_(std::max(slot_bytes, sizeof(std::string*))),
      capacity_bytes_(slots_ * slot_bytes_),
      bytes_(std::make_unique<char[]>(capacity_bytes_)),
      lengths_(std::make_unique<std::uint64_t[]>(slots_)) {}

namespace {

// One record is one line: a '\n' becomes ' '. In valid JSON a raw newline
// can only be whitespace between tokens, so the record means the same.
void replace_newlines(char* at, std::size_t size) {
  char* const end = at + size;
  while (at < end) {
    char* const found =
        static_cast<char*>(std::memchr(at, '\n', static_cast<std::size_t>(end - at)));
    if (found == nullptr) return;
    *found = ' ';
    at = found + 1;
  }
}

}  // namespace

void RecordRing::prefetch_for_write(std::uint64_t head) {
  // The ring is larger than the caches, so the slots the next record will
  // be copied into are cold: without this, the copy's stores miss, and the
  // thread's next locked instruction (a counter) waits for them. Asked for
  // now, they arrive while the next decision is being made.
  const std::size_t first_slot = static_cast<std::size_t>(head % slots_);
  const std::size_t to_end = (slots_ - first_slot) * slot_bytes_;
  const char* const start = slot(head);
  for (std::size_t offset = 0; offset < kPrefetchBytes && offset < to_end; offset += 64)
    __builtin_prefetch(start + offset, 1, 3);
}

std::uint64_t RecordRing::push(std::string_view record, bool one_line) {
  const std::uint64_t head = head_.load(std::memory_order_relaxed);
  const std::size_t first_slot = static_cast<std::size_t>(head % slots_);
  const std::size_t line = record.size() + 1;  // the record and its '\n'
  std::size_t taken = 1;
  if (line > capacity_bytes_) {
    // The counted slow path: longer than the whole ring.
    auto copy = std::make_unique<std::string>();
    copy->reserve(line);
    copy->append(record);
    replace_newlines(copy->data(), copy->size());
    copy->push_back('\n');
    std::string* const owned = copy.release();  // the consumer takes it over (take())
    std::memcpy(slot(head), &owned, sizeof owned);
    lengths_[first_slot] = kOversized;
    oversized.fetch_add(1, std::memory_order_relaxed);
  } else {
    taken = slots_for(record.size());
    const std::size_t to_end = (slots_ - first_slot) * slot_bytes_;
    char* const start = slot(head);
    if (line <= to_end) {
      std::memcpy(start, record.data(), record.size());
      if (!one_line) replace_newlines(start, record.size());
      start[record.size()] = '\n';
    } else {
      // Wraps: the first piece fills the ring to its end, the rest (the
      // '\n' at least) starts at byte 0.
      const std::size_t first = std::min(record.size(), to_end);
      std::memcpy(start, record.data(), first);
      std::memcpy(bytes_.get(), record.data() + first, record.size() - first);
      if (!one_line) {
        replace_newlines(start, first);
        replace_newlines(bytes_.get(), record.size() - first);
      }
      bytes_[record.size() - first] = '\n';
    }
    lengths_[first_slot] = line;
  }
  // Only this producer writes `appended`: no locked add (a locked
  // instruction waits for the record's stores to reach the cache).
  appended.store(appended.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  const std::uint64_t new_head = head + taken;
  // Release: the record's bytes before the head. The stop handshake's
  // fence is DecisionLog::after_publish's.
  head_.store(new_head, std::memory_order_release);
  prefetch_for_write(new_head);
  return new_head;
}

bool RecordRing::release() {
  if (taken_records_ == 0) return false;
  held_.clear();
  drained.fetch_add(taken_records_, std::memory_order_relaxed);
  taken_records_ = 0;
  // seq_cst: pairs with the producer's store of producer_waiting (a
  // producer that sets it after this store sees the room).
  tail_.store(taken_, std::memory_order_seq_cst);
  return true;
}

}  // namespace tenet::server::decision_log
