// NDJSON framing: a byte stream, read in pieces, cut into request lines.
// Shared by the server's sessions (server/session) and `tenet eval`.
//
// The caller reads into room(), reports the bytes with filled(), then calls
// next() until NeedInput. A line is handed out without its '\n' and without
// one trailing '\r' (CRLF input); blank lines are handed out too (each caller
// has its own rule for skipping them). A line longer than max_line bytes
// (counting a '\r', not the '\n') is TooLarge, reported as soon as the
// bytes held prove it, even before its newline arrives; its remaining bytes,
// up to and with its newline, are dropped, and the next line follows (the
// server closes the connection instead, `tenet eval` goes on). At the end of
// the input, finish() hands out a last line that has no newline.
//
// The buffer grows to max_line plus one read chunk at most; lines are views
// into it, valid until the next room(). Not thread-safe: one per stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace tenet::json {

class LineFramer {
 public:
  static constexpr std::size_t kReadChunk = std::size_t{64} * 1024;

  // Allocates nothing until the first room().
  explicit LineFramer(std::size_t max_line) : max_line_(max_line) {}

  enum class Kind : std::uint8_t {
    Line,       // `line` is a complete line
    NeedInput,  // every complete line was handed out
    TooLarge,   // a line over max_line (the first such report for that line)
  };
  struct Next {
    Kind kind = Kind::NeedInput;
    std::string_view line;
  };

  // Where the next read writes: never empty. Moves the unfinished line to
  // the front, and doubles the buffer when it is full.
  [[nodiscard]] std::span<char> room();
  // `bytes` were read into room().
  void filled(std::size_t bytes) { end_ += bytes; }

  [[nodiscard]] Next next();
  // At the end of the input: the unfinished last line (trailing '\r'
  // removed), or NeedInput when there is none.
  [[nodiscard]] Next finish();

  // Bytes of an unfinished line are held.
  [[nodiscard]] bool holds_partial_line() const { return begin_ != end_; }
  // A line ended since the last room() (its rest, if any, is a new line).
  [[nodiscard]] bool line_ended_since_room() const { return begin_ > 0; }

  // A long line grew the buffer: once little is held, go back to one chunk,
  // so an idle stream holds no more than that whatever it sent before.
  void release_large_input();

 private:
  std::size_t max_line_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;    // first byte not handed out
  std::size_t end_ = 0;      // end of the bytes read
  std::size_t scanned_ = 0;  // no '\n' in [begin_, scanned_)
  bool skipping_ = false;    // dropping the rest of a TooLarge line
};

}  // namespace tenet::json
