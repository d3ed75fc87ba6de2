// libFuzzer target: the NDJSON framing of `tenet serve` and `tenet eval`
// (engine/json/line_framer.hpp), fed in arbitrary pieces.
//
// Input: a header of kHeader bytes, then the stream.
//   byte 0      the line limit: 1..128, or (high bit set) 64 KiB + 1..127 so
//               that long lines grow the buffer past one read chunk
//   byte 1      the stream is the rest repeated 1..16 times (long streams
//               from short inputs: the buffer's growth and compaction)
//   bytes 2..7  read sizes, used in turn: 1..128 bytes, or (high bit set)
//               as much as room() offers; bit 6 also calls
//               release_large_input() after that read, as the server does
// The stream is cut exactly as docs/PROTOCOL.md says, by a model written
// here without the framer's buffer: every '\n' ends a line; a line of more
// than the limit bytes (a '\r' counted) is TooLarge, reported once, and none
// of its bytes come out; others come out without one trailing '\r'; the last
// line without '\n' comes from finish(). The framer must hand out exactly
// the model's sequence, and every line it hands out must be at most the limit.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/json/line_framer.hpp"

namespace {

using tenet::json::LineFramer;

constexpr std::size_t kHeader = 8;
constexpr std::size_t kReadSizes = kHeader - 2;

// What the framer hands out: a line, or std::nullopt for TooLarge.
using Event = std::optional<std::string>;

std::string without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return std::string(line);
}

std::vector<Event> model(std::string_view stream, std::size_t max_line) {
  std::vector<Event> events;
  for (;;) {
    const std::size_t newline = stream.find('\n');
    const std::string_view line = stream.substr(0, newline);
    if (line.size() > max_line) {
      events.emplace_back(std::nullopt);
    } else if (newline != std::string_view::npos || !line.empty()) {
      events.emplace_back(without_cr(line));
    }
    if (newline == std::string_view::npos) return events;
    stream.remove_prefix(newline + 1);
  }
}

void expect(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

// libFuzzer's entry point; the unit tests compile this file with it renamed
// (tests/unit/fuzz/fuzz_replay_test.cpp replays the corpus and the findings).
#ifndef TENET_FUZZ_ENTRY
#define TENET_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int TENET_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  if (size < kHeader) return 0;
  const std::size_t max_line =
      (data[0] & 0x80) != 0 ? LineFramer::kReadChunk + (data[0] & 0x7f) : 1 + (data[0] & 0x7f);
  const std::size_t repeats = 1 + (data[1] & 0x0f);
  const std::span<const std::uint8_t> read_sizes(data + 2, kReadSizes);
  const std::string_view payload(reinterpret_cast<const char*>(data + kHeader), size - kHeader);
  std::string stream;
  stream.reserve(payload.size() * repeats);
  for (std::size_t i = 0; i < repeats; ++i) stream += payload;

  LineFramer framer(max_line);
  std::vector<Event> events;
  const auto take = [&](LineFramer::Next next) {
    if (next.kind == LineFramer::Kind::Line) {
      expect(next.line.size() <= max_line);
      events.emplace_back(std::string(next.line));
    } else if (next.kind == LineFramer::Kind::TooLarge) {
      events.emplace_back(std::nullopt);
    }
    return next.kind != LineFramer::Kind::NeedInput;
  };

  std::size_t fed = 0;
  for (std::size_t read = 0; fed < stream.size(); ++read) {
    const std::uint8_t code = read_sizes[read % kReadSizes];
    const std::span<char> room = framer.room();
    expect(!room.empty());
    const std::size_t wanted = (code & 0x80) != 0 ? room.size() : 1 + (code & 0x3f) * 2;
    const std::size_t chunk = std::min({wanted, room.size(), stream.size() - fed});
    std::memcpy(room.data(), stream.data() + fed, chunk);
    framer.filled(chunk);
    fed += chunk;
    while (take(framer.next())) {
    }
    if ((code & 0x40) != 0) framer.release_large_input();
  }
  while (take(framer.finish())) {
  }
  expect(!framer.holds_partial_line());
  expect(events == model(stream, max_line));
  return 0;
}
