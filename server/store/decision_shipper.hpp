// Copies the decision log into the fleet's store (`tenet serve --store URL
// --decision-log FILE --decision-log-to-store`; docs/DECISION_LOG.md "Into
// the store"): a thread that follows FILE as the decision log writes it
// (server/store/log_follower: whole lines, across rotations) and sends its
// records in batches to tenet.decisions.
//
// The file is the durable copy and the store a copy of it, so the shipper
// never touches the decision path: it only reads what the writer has
// written. A batch (every `interval`, or `batch_records` records) goes in
// one transaction: COPY into a temporary table, then INSERT ... ON
// CONFLICT DO NOTHING into tenet.decisions, so a batch sent again (after a
// connection lost mid-commit, or a restart) adds nothing twice. After each
// commit the position reached is written to FILE.shipped (atomically), so a
// restart sends again at most the batch in flight. The day partitions
// (tenet.create_decisions_partition) are made before a batch needs them.
// While the store cannot be reached it keeps the batch and its position
// and retries with backoff (0.1 s doubling to 2 s).
//
// A line that is not a record (not JSON, no decision_id or time) is
// skipped and counted, as is a record PostgreSQL refuses (the batch is
// then sent one row at a time, so one bad record does not hold the rest).
//
// stop() (after the decision log stopped: the file is complete) ships what
// is left for at most `stop_timeout`, then logs how much was not shipped.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

namespace tenet::store {

struct ShipperOptions {
  std::filesystem::path file;  // the decision log (--decision-log)
  std::string url;             // the store
  std::chrono::milliseconds interval{1000};
  std::size_t batch_records = 5000;
  std::chrono::milliseconds stop_timeout{5000};
};

struct ShipperCounters {
  std::uint64_t shipped = 0;       // records committed to the store (a resent copy included)
  std::uint64_t inserted = 0;      // of those, rows that were new (not already there)
  std::uint64_t batches = 0;       // transactions committed
  std::uint64_t failures = 0;      // attempts that failed (the store unreachable or refusing)
  std::uint64_t skipped = 0;       // lines that are not records, records the store refused
  std::uint64_t pending = 0;       // records read, not yet committed
  std::uint64_t behind_bytes = 0;  // of the log, not yet committed (the batch in flight included)
  // The `time` of the newest record committed (ms since the epoch; 0: none
  // yet): now minus it is how far behind the store is.
  std::int64_t newest_shipped_ms = 0;
  bool connected = false;  // the last attempt reached the store
};

class DecisionShipper {
 public:
  // Starts the thread. The state file is FILE.shipped.
  explicit DecisionShipper(ShipperOptions options);
  ~DecisionShipper();  // stop()
  DecisionShipper(const DecisionShipper&) = delete;
  DecisionShipper& operator=(const DecisionShipper&) = delete;

  // Ships what the file holds (for at most stop_timeout), then ends the
  // thread. Logs `decision_shipper_stopped` with the counts. Idempotent.
  void stop();

  [[nodiscard]] ShipperCounters counters() const;

  [[nodiscard]] static std::filesystem::path state_path(const std::filesystem::path& file) {
    return file.string() + ".shipped";
  }

 private:
  void run();
  // Sleeps at most `duration`; returns early when stop() was called.
  void pause(std::chrono::milliseconds duration);

  ShipperOptions options_;
  std::atomic<std::uint64_t> shipped_{0};
  std::atomic<std::uint64_t> inserted_{0};
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::uint64_t> skipped_{0};
  std::atomic<std::uint64_t> pending_{0};
  std::atomic<std::uint64_t> behind_bytes_{0};
  std::atomic<std::int64_t> newest_shipped_ms_{0};
  std::atomic<bool> connected_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // under mutex_
  std::thread thread_;     // last: started once the rest is set
};

}  // namespace tenet::store
