#include "server/store/decision_shipper.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "server/durable_file.hpp"
#include "server/log.hpp"
#include "server/store/log_follower.hpp"
#include "server/store/pg_connection.hpp"

namespace tenet::store {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kFirstRetry{100};  // backoff after a failure, doubling (as StoreFollower)
constexpr milliseconds kLastRetry{2000};
constexpr milliseconds kPoll{100};  // how often the file is looked at when there is nothing new
constexpr std::uint64_t kMaxBatchBytes = std::uint64_t{16} << 20U;  // of the log, per batch
constexpr std::size_t kMaxIdLength = 128;
constexpr std::int64_t kMaxReplica = 65535;

// What a row of tenet.decisions is made of: the columns a query filters on,
// taken from the record, and the record itself.
struct Record {
  std::string decision_id;
  std::string time;
  std::int64_t unix_ms = 0;  // of `time`
  std::optional<std::string> tenant;
  std::optional<std::int64_t> replica;
  std::optional<std::string> decision;
  std::string line;
};

bool digits(std::string_view text, std::size_t from, std::size_t count, int low, int high) {
  int value = 0;
  for (std::size_t at = from; at < from + count; ++at) {
    if (at >= text.size() || text[at] < '0' || text[at] > '9') return false;
    value = value * 10 + (text[at] - '0');
  }
  return value >= low && value <= high;
}

// The record's `time` as the log writes it (2026-12-07T08:21:14.937Z): a
// real UTC time, so PostgreSQL never refuses it and its first ten
// characters are its day.
bool is_utc_time(std::string_view time) {
  if (time.size() < 20 || time.back() != 'Z' || time[4] != '-' || time[7] != '-' ||
      time[10] != 'T' || time[13] != ':' || time[16] != ':')
    return false;
  if (!digits(time, 0, 4, 1970, 9999) || !digits(time, 5, 2, 1, 12) ||
      !digits(time, 11, 2, 0, 23) || !digits(time, 14, 2, 0, 59) || !digits(time, 17, 2, 0, 59))
    return false;
  const int year = std::stoi(std::string(time.substr(0, 4)));
  const int month = std::stoi(std::string(time.substr(5, 2)));
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int days = kDays.at(static_cast<std::size_t>(month - 1)) + (month == 2 && leap ? 1 : 0);
  if (!digits(time, 8, 2, 1, days)) return false;
  if (time.size() == 20) return true;
  // A fraction: '.' and 1 to 9 digits.
  if (time[19] != '.' || time.size() < 22 || time.size() > 30) return false;
  return std::all_of(time.begin() + 20, time.end() - 1,
                     [](char c) { return c >= '0' && c <= '9'; });
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

// Milliseconds since the epoch of a time is_utc_time accepted.
std::int64_t unix_ms(std::string_view time) {
  const auto number = [&time](std::size_t from, std::size_t count) {
    std::int64_t value = 0;
    for (std::size_t at = from; at < from + count; ++at) value = value * 10 + (time[at] - '0');
    return value;
  };
  const std::int64_t days = days_from_civil(number(0, 4), static_cast<unsigned>(number(5, 2)),
                                            static_cast<unsigned>(number(8, 2)));
  std::int64_t ms = ((days * 24 + number(11, 2)) * 60 + number(14, 2)) * 60 + number(17, 2);
  ms *= 1000;
  if (time.size() > 21) {  // .f…Z: the first three digits of the fraction
    const std::size_t digits = std::min<std::size_t>(time.size() - 21, 3);
    std::int64_t fraction = number(20, digits);
    for (std::size_t at = digits; at < 3; ++at) fraction *= 10;
    ms += fraction;
  }
  return ms;
}

std::optional<Record> parse_record(std::string_view line) {
  const nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
  if (!parsed.is_object()) return std::nullopt;
  const auto text = [&parsed](const char* key) -> std::optional<std::string> {
    const auto found = parsed.find(key);
    if (found == parsed.end() || !found->is_string()) return std::nullopt;
    return found->get<std::string>();
  };
  Record record;
  std::optional<std::string> id = text("decision_id");
  std::optional<std::string> time = text("time");
  if (!id || id->empty() || id->size() > kMaxIdLength || !time || !is_utc_time(*time))
    return std::nullopt;
  record.decision_id = std::move(*id);
  record.unix_ms = unix_ms(*time);
  record.time = std::move(*time);
  record.tenant = text("tenant");
  record.decision = text("decision");
  if (const auto replica = parsed.find("replica");
      replica != parsed.end() && replica->is_number_integer()) {
    const auto value = replica->get<std::int64_t>();
    if (value >= 0 && value <= kMaxReplica) record.replica = value;
  }
  record.line = std::string(line);
  return record;
}

// A field of COPY's text format: backslash, tab, newline and carriage return
// escaped; \N is NULL.
void append_field(std::string& out, const std::optional<std::string_view>& value) {
  if (!value) {
    out += "\\N";
    return;
  }
  for (const char c : *value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

std::optional<std::string_view> view(const std::optional<std::string>& value) {
  if (!value) return std::nullopt;
  return std::string_view(*value);
}

std::optional<std::string> replica_text(const std::optional<std::int64_t>& replica) {
  if (!replica) return std::nullopt;
  return std::to_string(*replica);
}

std::string copy_rows(const std::vector<Record>& records) {
  std::string rows;
  for (const Record& record : records) {
    append_field(rows, record.decision_id);
    rows += '\t';
    append_field(rows, record.time);
    rows += '\t';
    append_field(rows, view(record.tenant));
    rows += '\t';
    const std::optional<std::string> replica = replica_text(record.replica);
    append_field(rows, view(replica));
    rows += '\t';
    append_field(rows, view(record.decision));
    rows += '\t';
    append_field(rows, record.line);
    rows += '\n';
  }
  return rows;
}

constexpr std::string_view kStaging =
    "CREATE TEMP TABLE IF NOT EXISTS decisions_batch (decision_id text, time timestamptz, "
    "tenant text, replica integer, decision text, record jsonb) ON COMMIT DELETE ROWS";
constexpr std::string_view kCopy = "COPY decisions_batch FROM STDIN";
constexpr std::string_view kInsert =
    "INSERT INTO tenet.decisions (decision_id, time, tenant, replica, decision, record) "
    "SELECT decision_id, time, tenant, replica, decision, record FROM decisions_batch "
    "ON CONFLICT DO NOTHING";
constexpr std::string_view kInsertOne =
    "INSERT INTO tenet.decisions (decision_id, time, tenant, replica, decision, record) "
    "VALUES ($1, $2::timestamptz, $3, $4::integer, $5, $6::jsonb) ON CONFLICT DO NOTHING "
    "RETURNING 1";

// A record PostgreSQL refuses for what it holds (a data exception: a
// string jsonb does not take, say), not for the connection or a grant.
bool refused_for_its_content(const StoreError& error) {
  return error.sqlstate().rfind("22", 0) == 0;
}

struct Batch {
  std::vector<Record> records;
  std::set<std::string> days;  // YYYY-MM-DD of its records
  std::uint64_t bytes = 0;     // of the log, its lines' newlines included
  bool advanced = false;       // read something since the last commit (maybe only skipped lines)
  Clock::time_point started{};
  FilePosition end;

  void clear() {
    records.clear();
    days.clear();
    bytes = 0;
    advanced = false;
  }
};

std::optional<FilePosition> read_state(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::optional<FilePosition> position = parse_position(text);
  if (!position) {
    server::LogLine("warn")
        .field("what", "decision_shipper_state_unreadable")
        .field("path", path.string())
        .field("then", "shipping from the oldest file kept (the store skips what it holds)")
        .emit();
  }
  return position;
}

// One connection to the store and what the shipper made on it.
class Shipping {
 public:
  explicit Shipping(const std::string& url) : connection_(url) {
    // A store that accepts the connection but does not answer holds a
    // batch (and the stop) this long at most.
    connection_.exec("SET statement_timeout = 30000");
    connection_.exec(kStaging);
  }

  [[nodiscard]] bool alive() const { return connection_.alive(); }

  // The partition of each day (once per day and shipper); a refusal (no
  // EXECUTE on the function) is logged once, and the rows go to the default
  // partition.
  void make_partitions(const std::set<std::string>& days, std::set<std::string>& made) {
    for (const std::string& day : days) {
      if (made.contains(day)) continue;
      try {
        (void)connection_.query("SELECT tenet.create_decisions_partition($1::date)", {day});
      } catch (const StoreError& error) {
        if (!connection_.alive()) throw;
        server::LogLine("warn")
            .field("what", "decision_partition_refused")
            .field("day", day)
            .field("error", error.what())
            .field("then", "the day's records go to tenet.decisions_default")
            .emit();
      }
      if (made.size() > 400) made.clear();  // a year of days: forget them (it is only a cache)
      made.insert(day);
    }
  }

  // The batch in one transaction; the rows that were new.
  std::uint64_t send(const std::vector<Record>& records) {
    connection_.exec("BEGIN");
    try {
      connection_.copy_in(kCopy, copy_rows(records));
      const std::uint64_t inserted = connection_.command(kInsert);
      connection_.exec("COMMIT");
      return inserted;
    } catch (const StoreError&) {
      rollback();
      throw;
    }
  }

  // One row at a time, each on its own: the rows PostgreSQL refuses for
  // their content are counted in `refused` (and logged), the rest inserted.
  std::uint64_t send_one_by_one(const std::vector<Record>& records, std::uint64_t& refused) {
    std::uint64_t inserted = 0;
    for (const Record& record : records) {
      try {
        inserted +=
            connection_
                .query(kInsertOne, {record.decision_id, record.time, record.tenant,
                                    replica_text(record.replica), record.decision, record.line})
                .size();
      } catch (const StoreError& error) {
        if (!connection_.alive() || !refused_for_its_content(error)) throw;
        ++refused;
        server::LogLine("warn")
            .field("what", "decision_record_refused")
            .field("decision_id", record.decision_id)
            .field("error", error.what())
            .emit();
      }
    }
    return inserted;
  }

 private:
  void rollback() {
    if (!connection_.alive()) return;  // the transaction went with the connection
    try {
      connection_.exec("ROLLBACK");
    } catch (const StoreError&) {
      // Gone meanwhile: rolled back with it.
    }
  }

  Connection connection_;
};

}  // namespace

DecisionShipper::DecisionShipper(ShipperOptions options)
    : options_(std::move(options)), thread_([this] { run(); }) {}

DecisionShipper::~DecisionShipper() { stop(); }

void DecisionShipper::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DecisionShipper::pause(milliseconds duration) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, duration, [this] { return stopping_; });
}

ShipperCounters DecisionShipper::counters() const {
  ShipperCounters counters;
  counters.shipped = shipped_.load(std::memory_order_relaxed);
  counters.inserted = inserted_.load(std::memory_order_relaxed);
  counters.batches = batches_.load(std::memory_order_relaxed);
  counters.failures = failures_.load(std::memory_order_relaxed);
  counters.skipped = skipped_.load(std::memory_order_relaxed);
  counters.pending = pending_.load(std::memory_order_relaxed);
  counters.behind_bytes = behind_bytes_.load(std::memory_order_relaxed);
  counters.connected = connected_.load(std::memory_order_relaxed);
  counters.newest_shipped_ms = newest_shipped_ms_.load(std::memory_order_relaxed);
  return counters;
}

void DecisionShipper::run() {
  const std::filesystem::path state = state_path(options_.file);
  std::optional<FilePosition> saved = read_state(state);
  LogFollower follower(options_.file, saved);
  server::LogLine("info")
      .field("what", "decision_shipper")
      .field("path", options_.file.string())
      .field("from", saved ? "the position in " + state.string()
                           : std::string("the start of the oldest file kept"))
      .emit();
  std::unique_ptr<Shipping> shipping;
  std::set<std::string> days_made;
  Batch batch;
  milliseconds retry = kFirstRetry;
  Clock::time_point next_attempt{};
  bool failing = false;
  bool state_error = false;
  std::optional<Clock::time_point> deadline;  // set once stop() was called
  const std::size_t capacity = std::max<std::size_t>(options_.batch_records, 1);

  const auto take = [&](std::string_view line) {
    if (!batch.advanced) batch.started = Clock::now();
    batch.advanced = true;
    batch.bytes += line.size() + 1;
    std::optional<Record> record = parse_record(line);
    if (!record) {
      skipped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    batch.days.insert(record->time.substr(0, 10));
    batch.records.push_back(std::move(*record));
  };

  // Every pass reads, ships or sleeps; it ends once stop() was called and
  // everything is shipped, or the stop timeout passed.
  for (;;) {
    if (!deadline) {
      const std::lock_guard lock(mutex_);
      if (stopping_) deadline = Clock::now() + options_.stop_timeout;
    }
    // Records are ~600 bytes, but one can be megabytes: a batch is bounded
    // in bytes too, so the shipper's memory is.
    const std::size_t room =
        batch.bytes >= kMaxBatchBytes ? 0 : capacity - std::min(capacity, batch.records.size());
    const std::size_t read = room == 0 ? 0 : follower.read(room, take);
    if (batch.advanced) batch.end = follower.position();
    pending_.store(batch.records.size(), std::memory_order_relaxed);
    behind_bytes_.store(follower.behind_bytes() + batch.bytes, std::memory_order_relaxed);

    const Clock::time_point now = Clock::now();
    const bool full = batch.bytes >= kMaxBatchBytes || batch.records.size() >= capacity;
    const bool due =
        batch.advanced && (full || deadline || now - batch.started >= options_.interval);
    if (due && now >= next_attempt) {
      try {
        std::uint64_t inserted = 0;
        std::uint64_t refused = 0;
        if (!batch.records.empty()) {
          if (!shipping) shipping = std::make_unique<Shipping>(options_.url);
          shipping->make_partitions(batch.days, days_made);
          try {
            inserted = shipping->send(batch.records);
          } catch (const StoreError& error) {
            if (!shipping->alive() || !refused_for_its_content(error)) throw;
            inserted = shipping->send_one_by_one(batch.records, refused);
          }
        }
        // Committed: from here on a restart starts after this batch.
        if (!saved || !(*saved == batch.end)) {
          if (auto error = server::write_file_durably(state, position_text(batch.end) + "\n")) {
            if (!state_error) {
              server::LogLine("error")
                  .field("what", "decision_shipper_state_error")
                  .field("error", *error)
                  .field("then", "a restart sends again what was shipped since (absorbed)")
                  .emit();
            }
            state_error = true;
          } else {
            state_error = false;
            saved = batch.end;
          }
        }
        if (!batch.records.empty()) {
          batches_.fetch_add(1, std::memory_order_relaxed);
          std::int64_t newest = 0;
          for (const Record& record : batch.records) newest = std::max(newest, record.unix_ms);
          if (newest > newest_shipped_ms_.load(std::memory_order_relaxed))
            newest_shipped_ms_.store(newest, std::memory_order_relaxed);
        }
        shipped_.fetch_add(batch.records.size() - refused, std::memory_order_relaxed);
        inserted_.fetch_add(inserted, std::memory_order_relaxed);
        skipped_.fetch_add(refused, std::memory_order_relaxed);
        batch.clear();
        pending_.store(0, std::memory_order_relaxed);
        retry = kFirstRetry;
        if (shipping) connected_.store(true, std::memory_order_relaxed);
        if (failing) {
          server::LogLine("info")
              .field("what", "decision_shipper_reconnected")
              .field("failures", failures_.load(std::memory_order_relaxed))
              .emit();
        }
        failing = false;
        continue;  // more may be waiting
      } catch (const StoreError& error) {
        failures_.fetch_add(1, std::memory_order_relaxed);
        connected_.store(false, std::memory_order_relaxed);
        if (!failing) {
          server::LogLine("warn")
              .field("what", "decision_shipper_unavailable")
              .field("error", error.what())
              .field("then", "the records wait in the file; retrying with backoff")
              .emit();
        }
        failing = true;
        shipping.reset();
        next_attempt = now + retry;
        retry = std::min(retry * 2, kLastRetry);
      }
    }
    if (deadline) {
      if (!batch.advanced && read == 0) break;  // everything is in the store
      if (Clock::now() >= *deadline) {
        // What is left: the batch, and the lines not read yet.
        std::uint64_t left = batch.records.size();
        for (int pass = 0; pass < 1000; ++pass) {
          const std::size_t more =
              follower.read(capacity, [&left](std::string_view /*line*/) { ++left; });
          if (more == 0) break;
        }
        server::LogLine("error")
            .field("what", "decision_shipper_gave_up")
            .field("not_shipped", left)
            .field("then",
                   "they are in the file; the next start with --decision-log-to-store "
                   "ships them")
            .emit();
        break;
      }
    }
    if (read == 0 || room == 0) {
      const milliseconds wait =
          now < next_attempt
              ? std::min(kPoll, std::chrono::duration_cast<milliseconds>(next_attempt - now) +
                                    milliseconds(1))
              : kPoll;
      if (deadline) {
        std::this_thread::sleep_for(std::min(wait, milliseconds(20)));
      } else {
        pause(wait);
      }
    }
  }
  connected_.store(false, std::memory_order_relaxed);
  server::LogLine("info")
      .field("what", "decision_shipper_stopped")
      .field("shipped", shipped_.load(std::memory_order_relaxed))
      .field("inserted", inserted_.load(std::memory_order_relaxed))
      .field("skipped", skipped_.load(std::memory_order_relaxed))
      .field("failures", failures_.load(std::memory_order_relaxed))
      .emit();
}

}  // namespace tenet::store
