// The decision log's writer (server/decision_log/): real files in a temp
// folder. Every record is written once, whole, in its producer's order;
// backpressure loses nothing, drop counts; rotation keeps N files; stop
// drains; bad files are refused at open; append allocates nothing.
#include "server/decision_log/decision_log.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/allocation_counter.hpp"
#include "tests/support/temp_dir.hpp"

namespace tenet::server::decision_log {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    if (end == std::string::npos) {
      lines.push_back("UNTERMINATED:" + text.substr(at));
      break;
    }
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return lines;
}

// FILE.N … FILE.1 then FILE: oldest first.
std::vector<std::string> all_lines(const fs::path& path, unsigned kept) {
  std::vector<std::string> lines;
  for (unsigned at = kept; at >= 1; --at) {
    const fs::path rotated = path.string() + "." + std::to_string(at);
    if (!fs::exists(rotated)) continue;
    for (std::string& line : lines_of(read_file(rotated))) lines.push_back(std::move(line));
  }
  for (std::string& line : lines_of(read_file(path))) lines.push_back(std::move(line));
  return lines;
}

// A record of producer p, number n: a JSON object whose padding length
// varies with n (1 to several slots) and whose content can be checked.
std::string record(int producer, int number, std::size_t max_pad = 700) {
  const std::size_t pad = (static_cast<std::size_t>(number) * 37 + producer * 11) % max_pad;
  std::string text =
      R"({"p":)" + std::to_string(producer) + R"(,"n":)" + std::to_string(number) + R"(,"pad":")";
  for (std::size_t i = 0; i < pad; ++i) text += static_cast<char>('a' + (i + number) % 26);
  text += "\"}";
  return text;
}

// Parses a line written by record(): {producer, number}, or {-1,-1} if the
// line is not exactly what record() made.
std::pair<int, int> parse(const std::string& line, std::size_t max_pad = 700) {
  int producer = -1;
  int number = -1;
  if (std::sscanf(line.c_str(), R"({"p":%d,"n":%d)", &producer, &number) != 2) return {-1, -1};
  if (line != record(producer, number, max_pad)) return {-1, -1};
  return {producer, number};
}

Options options_for(const fs::path& path) {
  Options options;
  options.path = path;
  options.flush_interval = std::chrono::milliseconds(20);
  return options;
}

std::unique_ptr<DecisionLog> open_log(const Options& options) {
  DecisionLog::Opened opened = DecisionLog::open(options);
  EXPECT_TRUE(opened.log) << opened.error;
  return std::move(opened.log);
}

// Each producer's numbers must be 0..count-1 in order; every line intact.
void expect_every_record_once_in_order(const std::vector<std::string>& lines, int producers,
                                       int count) {
  std::map<int, int> next;
  for (const std::string& line : lines) {
    const auto [producer, number] = parse(line);
    ASSERT_GE(producer, 0) << "a broken line: " << line.substr(0, 200);
    ASSERT_EQ(number, next[producer]) << "producer " << producer << " out of order";
    ++next[producer];
  }
  ASSERT_EQ(next.size(), static_cast<std::size_t>(producers));
  for (const auto& [producer, seen] : next) EXPECT_EQ(seen, count) << "producer " << producer;
}

TEST(DecisionLogTest, ManyProducersWriteEveryRecordOnceWholeAndInOrder) {
  test_support::TempDir dir;
  Options options = options_for(dir.path() / "decisions.log");
  options.slots_per_producer = 64;  // small: records chain over slots, wrap, and wait
  options.slot_bytes = 128;
  constexpr int kProducers = 4;
  constexpr int kRecords = 20000;
  auto log = open_log(options);
  {
    std::vector<std::jthread> threads;
    for (int p = 0; p < kProducers; ++p)
      threads.emplace_back([&log, p] {
        DecisionLog::Producer producer = log->producer();
        for (int n = 0; n < kRecords; ++n) ASSERT_TRUE(producer.append(record(p, n)));
      });
  }
  log->stop();
  const std::vector<std::string> lines = lines_of(read_file(options.path));
  EXPECT_EQ(lines.size(), std::size_t{kProducers} * kRecords);
  expect_every_record_once_in_order(lines, kProducers, kRecords);
  const Counters counters = log->counters();
  EXPECT_EQ(counters.appended, std::uint64_t{kProducers} * kRecords);
  EXPECT_EQ(counters.written, std::uint64_t{kProducers} * kRecords);
  EXPECT_EQ(counters.dropped, 0u);
  EXPECT_EQ(counters.queue_depth, 0u);
  EXPECT_EQ(counters.bytes_written, fs::file_size(options.path));
}

TEST(DecisionLogTest, BackpressureNeverDropsWhenTheWriterIsBehind) {
  test_support::TempDir dir;
  Options options = options_for(dir.path() / "decisions.log");
  options.slots_per_producer = 2;  // the writer is always behind: every producer waits
  options.slot_bytes = 64;
  options.overflow = Overflow::block;
  constexpr int kProducers = 2;
  constexpr int kRecords = 20000;
  auto log = open_log(options);
  {
    std::vector<std::jthread> threads;
    for (int p = 0; p < kProducers; ++p)
      threads.emplace_back([&log, p] {
        for (int n = 0; n < kRecords; ++n) ASSERT_TRUE(log->append(record(p, n, 100)));
      });
  }
  log->stop();
  const Counters counters = log->counters();
  EXPECT_GT(counters.blocked, 0u);
  EXPECT_EQ(counters.dropped, 0u);
  const std::vector<std::string> lines = lines_of(read_file(options.path));
  std::map<int, int> next;
  for (const std::string& line : lines) {
    const auto [producer, number] = parse(line, 100);
    ASSERT_GE(producer, 0) << line;
    ASSERT_EQ(number, next[producer]++);
  }
  EXPECT_EQ(lines.size(), std::size_t{kProducers} * kRecords);
}

TEST(DecisionLogTest, DropCountsWhatItDropsAndWritesTheRestWhole) {
  test_support::TempDir dir;
  Options options = options_for(dir.path() / "decisions.log");
  options.slots_per_producer = 2;
  options.slot_bytes = 64;
  options.overflow = Overflow::drop;
  constexpr int kRecords = 200000;
  auto log = open_log(options);
  DecisionLog::Producer producer = log->producer();
  std::vector<bool> accepted(kRecords);
  int accepted_count = 0;
  for (int n = 0; n < kRecords; ++n) {
    accepted[static_cast<std::size_t>(n)] = producer.append(record(0, n, 100));
    accepted_count += accepted[static_cast<std::size_t>(n)] ? 1 : 0;
  }
  log->stop();
  const Counters counters = log->counters();
  EXPECT_GT(counters.dropped, 0u);
  EXPECT_EQ(counters.dropped + static_cast<std::uint64_t>(accepted_count), std::uint64_t{kRecords});
  EXPECT_EQ(counters.written, static_cast<std::uint64_t>(accepted_count));
  // Exactly the accepted records, whole, in order.
  const std::vector<std::string> lines = lines_of(read_file(options.path));
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(accepted_count));
  std::size_t at = 0;
  for (int n = 0; n < kRecords; ++n) {
    if (!accepted[static_cast<std::size_t>(n)]) continue;
    ASSERT_EQ(parse(lines[at++], 100), std::make_pair(0, n));
  }
}

TEST(DecisionLogTest, RotatesBySizeKeepingNFilesAndEveryLineWhole) {
  test_support::TempDir dir;
  Options options = options_for(dir.path() / "decisions.log");
  options.max_file_bytes = 4096;
  options.files_kept = 3;
  constexpr int kRecords = 1000;
  auto log = open_log(options);
  for (int n = 0; n < kRecords; ++n) ASSERT_TRUE(log->append(record(0, n, 150)));
  log->stop();
  EXPECT_TRUE(fs::exists(options.path.string() + ".3"));
  EXPECT_FALSE(fs::exists(options.path.string() + ".4"));
  for (const std::string name : {"", ".1", ".2", ".3"})
    EXPECT_LE(fs::file_size(options.path.string() + name), options.max_file_bytes) << name;
  // The kept files hold the newest records, contiguous across the files.
  const std::vector<std::string> lines = all_lines(options.path, 10);
  ASSERT_FALSE(lines.empty());
  const int first = parse(lines.front(), 150).second;
  ASSERT_GT(first, 0);  // the oldest were removed
  for (std::size_t i = 0; i < lines.size(); ++i)
    ASSERT_EQ(parse(lines[i], 150), std::make_pair(0, first + static_cast<int>(i))) << lines[i];
  EXPECT_EQ(first + static_cast<int>(lines.size()), kRecords);
  EXPECT_GE(log->counters().rotations, 4u);
}

TEST(DecisionLogTest, RotationLosesNoLineWhenEveryFileIsKept) {
  test_support::TempDir dir;
  Options options = options_for(dir.path() / "decisions.log");
  options.max_file_bytes = 8192;
  options.files_kept = 1000;
  options.slots_per_producer = 16;
  options.slot_bytes = 64;
  constexpr int kProducers = 3;
  constexpr int kRecords = 3000;
  auto log = open_log(options);
  {
    std::vector<std::jthread> threads;
    for (int p = 0; p < kProducers; ++p)
      threads.emplace_back([&log, p] {
        for (int n = 0; n < kRecords; ++n) ASSERT_TRUE(log->append(record(p, n)));
      });
  }
  log->stop();
  EXPECT_GT(log->counters().rotations, 10u);
  expect_every_record_once_in_order(all_lines(options.path, 1000), kProducers, kRecords);
}

TEST(DecisionLogTest, RotatesByAge) {
  test_support::TempDir dir;
  Options options = options_for(dir.path() / "decisions.log");
  options.flush_interval = std::chrono::milliseconds(5);
  options.max_file_age = std::chrono::milliseconds(50);
  auto log = open_log(options);
  ASSERT_TRUE(log->append(record(0, 0)));
  // Bounded: the age passes within 50 ms, the writer looks every 5 ms.
  for (int i = 0; i < 500 && log->counters().rotations == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_GE(log->counters().rotations, 1u);
  ASSERT_TRUE(log->append(record(0, 1)));
  log->stop();
  EXPECT_EQ(lines_of(read_file(options.path.string() + ".1")),
            std::vector<std::string>{record(0, 0)});
  EXPECT_EQ(lines_of(read_file(options.path)), std::vector<std::string>{record(0, 1)});
}

TEST(DecisionLogTest, StopWritesEverythingStillQueued) {
  test_support::TempDir dir;
  Options options = options_for(dir.path() / "decisions.log");
  options.flush_interval = std::chrono::hours(1);  // only stop() can write these
  options.slots_per_producer = 100000;
  options.slot_bytes = 64;
  constexpr int kRecords = 40000;  // below half the queue: the writer is never woken
  auto log = open_log(options);
  // The writer drains whatever it finds while awake; once asleep (it looks
  // once at start), only a half-full queue, the hour or stop() wakes it.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (int n = 0; n < kRecords; ++n) ASSERT_TRUE(log->append(record(0, n, 20)));
  EXPECT_EQ(fs::file_size(options.path), 0u);  // all of it still queued
  EXPECT_EQ(log->counters().queue_depth, std::uint64_t{kRecords});
  log.reset();  // the destructor stops
  const std::vector<std::string> lines = lines_of(read_file(options.path));
  ASSERT_EQ(lines.size(), std::size_t{kRecords});
  for (int n = 0; n < kRecords; ++n)
    ASSERT_EQ(parse(lines[static_cast<std::size_t>(n)], 20), std::make_pair(0, n));
}

TEST(DecisionLogTest, AnAppendRacingWithStopIsWrittenOrRefused) {
  test_support::TempDir dir;
  Options options = options_for(dir.path() / "decisions.log");
  options.slots_per_producer = 8;
  options.slot_bytes = 64;
  constexpr int kProducers = 3;
  auto log = open_log(options);
  std::atomic<int> accepted{0};
  std::vector<std::vector<int>> accepted_numbers(kProducers);
  {
    std::vector<std::jthread> threads;
    for (int p = 0; p < kProducers; ++p)
      threads.emplace_back([&, p] {
        // Bounded: stops at the first refusal (the log stopped) or 10^6 records.
        for (int n = 0; n < 1000000; ++n) {
          if (!log->append(record(p, n, 100))) break;
          accepted_numbers[static_cast<std::size_t>(p)].push_back(n);
          accepted.fetch_add(1);
        }
      });
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    log->stop();
  }
  const std::vector<std::string> lines = lines_of(read_file(options.path));
  EXPECT_EQ(lines.size(), static_cast<std::size_t>(accepted.load()));
  std::vector<std::vector<int>> written(kProducers);
  for (const std::string& line : lines) {
    const auto [producer, number] = parse(line, 100);
    ASSERT_GE(producer, 0) << line;
    written[static_cast<std::size_t>(producer)].push_back(number);
  }
  EXPECT_EQ(written, accepted_numbers);
  EXPECT_FALSE(log->append(record(0, 0)));  // after stop
}

TEST(DecisionLogTest, EveryByteButNewlineSurvivesAndANewlineBecomesASpace) {
  test_support::TempDir dir;
  Options options = options_for(dir.path() / "decisions.log");
  options.slots_per_producer = 8;
  options.slot_bytes = 64;  // the record spans slots and wraps
  auto log = open_log(options);
  std::string bytes;
  for (int round = 0; round < 2; ++round)
    for (int value = 0; value < 256; ++value)
      if (value != '\n') bytes += static_cast<char>(value);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(log->append(bytes));
  ASSERT_TRUE(log->append("{\"a\":\n1}\n"));
  log->stop();
  std::string expected;
  for (int i = 0; i < 5; ++i) expected += bytes + "\n";
  expected += "{\"a\": 1} \n";
  EXPECT_EQ(read_file(options.path), expected);
}

TEST(DecisionLogTest, RecordsLongerThanTheQueueAreWrittenThroughTheCountedSlowPath) {
  test_support::TempDir dir;
  Options options = options_for(dir.path() / "decisions.log");
  options.slots_per_producer = 4;
  options.slot_bytes = 64;  // 256 bytes per queue
  auto log = open_log(options);
  const std::string big = record(0, 1, 100000) + std::string(20000, 'x');
  ASSERT_TRUE(log->append(record(0, 0, 100)));
  ASSERT_TRUE(log->append(big));
  // With its '\n', exactly the queue: chained, not oversized.
  ASSERT_TRUE(log->append(std::string(255, 'y')));
  log->stop();
  EXPECT_EQ(read_file(options.path),
            record(0, 0, 100) + "\n" + big + "\n" + std::string(255, 'y') + "\n");
  EXPECT_EQ(log->counters().oversized, 1u);
}

// A file the process may not grow past `bytes` (RLIMIT_FSIZE): a write
// reaching the limit is cut short, the next fails with EFBIG — what a full
// disk does to the writer. Restored when the scope ends.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    set(bytes);
  }
  ~FileSizeLimit() {
    lift();
    std::signal(SIGXFSZ, previous_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  void lift() { ::setrlimit(RLIMIT_FSIZE, &saved_); }

 private:
  void set(rlim_t bytes) {
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  rlimit saved_{};
  void (*previous_handler_)(int) = nullptr;
};

bool wait_until(const std::function<bool()>& done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

TEST(DecisionLogTest, AWriteCutShortByAFullDiskGoesOnWhereItStoppedOnceThereIsRoom) {
  test_support::TempDir dir;
  const Options options = options_for(dir.path() / "decisions.log");
  FileSizeLimit limit(10000);  // cuts one of the records below in the middle
  auto log = open_log(options);
  for (int n = 0; n < 100; ++n) ASSERT_TRUE(log->append(record(0, n)));
  ASSERT_TRUE(wait_until([&] { return log->counters().write_errors > 0; }));
  EXPECT_EQ(fs::file_size(options.path), 10000u);
  EXPECT_LT(log->counters().written, 100u);
  limit.lift();  // room again: the writer retries from the byte it stopped at
  log->stop();
  expect_every_record_once_in_order(lines_of(read_file(options.path)), 1, 100);
  const Counters counters = log->counters();
  EXPECT_EQ(counters.written, 100u);
  EXPECT_EQ(counters.lost, 0u);
  EXPECT_NE(log->last_error().find("File too large"), std::string::npos) << log->last_error();
}

TEST(DecisionLogTest, RecordsADiskThatStaysFullUntilStopCannotTakeAreCountedLost) {
  test_support::TempDir dir;
  Options options = options_for(dir.path() / "decisions.log");
  options.slots_per_producer = 64;  // records wait in the queue, and then the appends
  options.slot_bytes = 128;
  options.overflow = Overflow::drop;
  FileSizeLimit limit(3000);  // less than a full queue holds
  auto log = open_log(options);
  int accepted = 0;
  for (int n = 0; n < 300; ++n) accepted += log->append(record(0, n)) ? 1 : 0;
  log->stop();
  const Counters counters = log->counters();
  EXPECT_GT(counters.lost, 0u);
  EXPECT_EQ(counters.written + counters.lost, static_cast<std::uint64_t>(accepted));
  EXPECT_EQ(counters.dropped, static_cast<std::uint64_t>(300 - accepted));
  // Whole records, then at most one cut line (where the limit fell).
  std::vector<std::string> lines = lines_of(read_file(options.path));
  ASSERT_FALSE(lines.empty());
  if (lines.back().starts_with("UNTERMINATED:")) lines.pop_back();
  EXPECT_EQ(lines.size(), counters.written);
  int last = -1;  // drops leave gaps: increasing, each line whole
  for (const std::string& line : lines) {
    const auto [producer, number] = parse(line);
    ASSERT_EQ(producer, 0) << "a broken line: " << line.substr(0, 200);
    EXPECT_GT(number, last);
    last = number;
  }
}

TEST(DecisionLogTest, AppendsToAnExistingFile) {
  test_support::TempDir dir;
  const fs::path path = dir.path() / "decisions.log";
  std::ofstream(path) << "{\"old\":1}\n";
  auto log = open_log(options_for(path));
  ASSERT_TRUE(log->append("{\"new\":2}"));
  log->stop();
  EXPECT_EQ(read_file(path), "{\"old\":1}\n{\"new\":2}\n");
}

TEST(DecisionLogTest, AFileThatCannotBeWrittenIsRefusedAtOpen) {
  test_support::TempDir dir;
  Options options = options_for(dir.path() / "missing" / "decisions.log");
  DecisionLog::Opened opened = DecisionLog::open(options);
  EXPECT_FALSE(opened.log);
  EXPECT_NE(opened.error.find(options.path.string()), std::string::npos) << opened.error;
  EXPECT_NE(opened.error.find("No such file or directory"), std::string::npos) << opened.error;

  options.path = dir.path();  // a directory
  opened = DecisionLog::open(options);
  EXPECT_FALSE(opened.log);
  EXPECT_NE(opened.error.find("cannot open for writing"), std::string::npos) << opened.error;

  options.path = dir.path() / "decisions.log";
  options.slots_per_producer = 1;
  opened = DecisionLog::open(options);
  EXPECT_FALSE(opened.log);
  EXPECT_NE(opened.error.find("at least 2 slots"), std::string::npos) << opened.error;
  EXPECT_FALSE(fs::exists(options.path));  // bad options: no file made

  if (::geteuid() != 0) {  // root writes anywhere
    const fs::path read_only = dir.path() / "read-only";
    fs::create_directory(read_only);
    fs::permissions(read_only, fs::perms::owner_read | fs::perms::owner_exec);
    options = options_for(read_only / "decisions.log");
    opened = DecisionLog::open(options);
    EXPECT_FALSE(opened.log);
    EXPECT_NE(opened.error.find("Permission denied"), std::string::npos) << opened.error;
    fs::permissions(read_only, fs::perms::owner_all);
  }
}

TEST(DecisionLogTest, AppendAllocatesNothing) {
  test_support::TempDir dir;
  Options options = options_for(dir.path() / "decisions.log");
  options.slots_per_producer = 64;
  options.slot_bytes = 128;
  auto log = open_log(options);
  DecisionLog::Producer producer = log->producer();
  const std::string line = record(0, 1, 700);  // several slots
  ASSERT_TRUE(producer.append(line));
  ASSERT_TRUE(log->append(line));  // the thread's own producer, made here
  const std::uint64_t before = test_support::thread_allocations();
  for (int i = 0; i < 20000; ++i) {  // the queue fills: backpressure included
    ASSERT_TRUE(producer.append(line));
    ASSERT_TRUE(log->append(line));
  }
  EXPECT_EQ(test_support::thread_allocations() - before, 0u);
  log->stop();
  EXPECT_EQ(log->counters().written, 40002u);
  EXPECT_GT(log->counters().blocked, 0u);
}

}  // namespace
}  // namespace tenet::server::decision_log
