// Reads a decision log file as it is written, like `tail -F`, for the
// shipper that copies it into the store (server/store/decision_shipper,
// docs/DECISION_LOG.md "Into the store"): whole lines only, in file order,
// across rotations.
//
// The log (server/decision_log/decision_log) rotates by renaming FILE to
// FILE.1 (FILE.1 to FILE.2, ...) and creating a new FILE, always between two
// records. The follower keeps its file open by descriptor, so a rename does
// not disturb it: when FILE is no longer its file (another inode), it reads
// its file to the end, then goes on with the next newer file — found by
// inode among FILE.N … FILE.1, FILE, so a follower behind by several
// rotations reads each file in turn. A last line without its newline is not
// handed out until the newline arrives (the writer may be in the middle of
// it); in a file that was rotated away it never will, and it is dropped and
// counted (`cut_lines`: what a kill -9 inside a write(2) leaves).
//
// A position (device, inode, offset, and a hash of the file's first bytes,
// so a reused inode number is not taken for the file) lets a new follower
// resume where an earlier one stopped. Not thread-safe: one thread reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tenet::store {

struct FilePosition {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t offset = 0;     // just after the last whole line handed out
  std::uint64_t head_size = 0;  // how many of the file's first bytes `head` hashes (≤ 64)
  std::uint64_t head = 0;       // FNV-1a of them
  bool operator==(const FilePosition&) const = default;
};

// The position as one line of JSON (the shipper's state file) and back;
// nullopt when `text` is not one.
[[nodiscard]] std::string position_text(const FilePosition& position);
[[nodiscard]] std::optional<FilePosition> parse_position(std::string_view text);

class LogFollower {
 public:
  // A line longer than this is skipped (counted in `oversized_lines`): the
  // follower never holds more than about this much of one line.
  static constexpr std::size_t kMaxLine = std::size_t{64} << 20U;

  // Follows `file` from `from` when that file (same inode, same first
  // bytes, at least `offset` long) is still FILE or one of its rotated
  // copies; otherwise (no position, or its file was removed) from the start
  // of the oldest file there is, so nothing that is still on disk is missed.
  LogFollower(std::filesystem::path file, std::optional<FilePosition> from);
  ~LogFollower();
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  // Hands each whole line that is there now (without its newline) to
  // `each`, at most `max_lines` of them, moving on to the next file when
  // its file was rotated away and read to the end. The number handed out;
  // 0: nothing more for now.
  std::size_t read(std::size_t max_lines, const std::function<void(std::string_view)>& each);

  // Just after the last line handed out (all zero before a file was opened).
  [[nodiscard]] FilePosition position();

  // Bytes of the log after position(): the rest of its file and every newer one.
  [[nodiscard]] std::uint64_t behind_bytes() const;

  [[nodiscard]] std::uint64_t cut_lines() const { return cut_lines_; }
  [[nodiscard]] std::uint64_t oversized_lines() const { return oversized_lines_; }

 private:
  bool open_first();
  bool rotated_away() const;
  bool move_to_next_file();
  void open_at(int fd, std::uint64_t offset);
  void close_file();

  std::filesystem::path file_;
  std::optional<FilePosition> from_;  // until the first file is opened
  int fd_ = -1;
  FilePosition position_;
  std::string pending_;      // bytes read after position_.offset, not yet handed out
  std::size_t scanned_ = 0;  // bytes of pending_ known to hold no newline
  bool skipping_ = false;    // inside a line longer than kMaxLine
  std::uint64_t cut_lines_ = 0;
  std::uint64_t oversized_lines_ = 0;
};

}  // namespace tenet::store
