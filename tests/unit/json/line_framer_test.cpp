// The NDJSON framer shared by the server's sessions and `tenet eval`
// (engine/json/line_framer.hpp): lines across reads, CRLF, blank lines kept,
// an over-long line (before and after its newline), the last line without
// a newline, and a buffer a long line grew given back.
#include "engine/json/line_framer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace tenet {
namespace {

using json::LineFramer;
using Kind = LineFramer::Kind;

// What the framer handed out: each line, or "<too_large>".
struct Framed {
  std::vector<std::string> items;
  void take(const LineFramer::Next& next) {
    items.push_back(next.kind == Kind::TooLarge ? "<too_large>" : std::string(next.line));
  }
};

// Feeds `input` in reads of at most `piece` bytes, then finishes.
std::vector<std::string> frame(std::string_view input, std::size_t max_line, std::size_t piece) {
  LineFramer framer(max_line);
  Framed framed;
  while (!input.empty()) {
    const std::span<char> room = framer.room();
    const std::size_t bytes = std::min({piece, room.size(), input.size()});
    std::memcpy(room.data(), input.data(), bytes);
    framer.filled(bytes);
    input.remove_prefix(bytes);
    for (auto next = framer.next(); next.kind != Kind::NeedInput; next = framer.next())
      framed.take(next);
  }
  if (const auto last = framer.finish(); last.kind != Kind::NeedInput) framed.take(last);
  return framed.items;
}

TEST(LineFramer, LinesSplitAcrossReadsComeOutWhole) {
  const std::string input = "{\"op\":\"a\"}\n{\"op\":\"bb\"}\n{\"op\":\"ccc\"}\n";
  const std::vector<std::string> expected = {R"({"op":"a"})", R"({"op":"bb"})", R"({"op":"ccc"})"};
  for (std::size_t piece = 1; piece <= input.size(); ++piece)
    EXPECT_EQ(frame(input, 100, piece), expected) << "reads of " << piece << " bytes";
}

TEST(LineFramer, OneTrailingCarriageReturnIsDroppedAndBlankLinesAreKept) {
  EXPECT_EQ(frame("a\r\n\r\n \t\nb\r\r\n\n", 100, 3),
            (std::vector<std::string>{"a", "", " \t", "b\r", ""}));
}

TEST(LineFramer, TheLastLineNeedsNoNewline) {
  EXPECT_EQ(frame("a\nlast\r", 100, 2), (std::vector<std::string>{"a", "last"}));
  EXPECT_EQ(frame("a\n", 100, 2), (std::vector<std::string>{"a"}));
}

TEST(LineFramer, AnOverLongLineIsReportedOnceAndTheNextLineFollows) {
  // max_line counts a '\r' but not the '\n'.
  EXPECT_EQ(frame("12345\n123456\n12345\r\nok\n", 5, 100),
            (std::vector<std::string>{"12345", "<too_large>", "<too_large>", "ok"}));
  // Long before its newline, in small reads: reported once, as soon as seen.
  const std::string long_line(50, 'x');
  for (const std::size_t piece : {1U, 4U, 7U, 64U}) {
    EXPECT_EQ(frame("a\n" + long_line + "\nb\n", 8, piece),
              (std::vector<std::string>{"a", "<too_large>", "b"}))
        << "reads of " << piece << " bytes";
    EXPECT_EQ(frame(long_line, 8, piece), (std::vector<std::string>{"<too_large>"}));
  }
}

TEST(LineFramer, TooLargeIsSeenBeforeTheNewlineArrives) {
  LineFramer framer(4);
  const std::span<char> room = framer.room();
  std::memcpy(room.data(), "abcde", 5);
  framer.filled(5);
  EXPECT_EQ(framer.next().kind, Kind::TooLarge);
  EXPECT_FALSE(framer.holds_partial_line());  // the bytes are dropped, not held
}

TEST(LineFramer, PartialLineStateFollowsTheReads) {
  LineFramer framer(100);
  std::span<char> room = framer.room();
  std::memcpy(room.data(), "ab\ncd", 5);
  framer.filled(5);
  EXPECT_EQ(framer.next().line, "ab");
  EXPECT_EQ(framer.next().kind, Kind::NeedInput);
  EXPECT_TRUE(framer.holds_partial_line());
  EXPECT_TRUE(framer.line_ended_since_room());
  room = framer.room();  // moves "cd" to the front
  EXPECT_FALSE(framer.line_ended_since_room());
  std::memcpy(room.data(), "e\n", 2);
  framer.filled(2);
  EXPECT_EQ(framer.next().line, "cde");
  EXPECT_FALSE(framer.holds_partial_line());
}

TEST(LineFramer, ALongLineGrowsTheBufferWhichIsGivenBack) {
  const std::size_t long_size = 3 * LineFramer::kReadChunk;
  LineFramer framer(4 * LineFramer::kReadChunk);
  std::size_t written = 0;
  while (written < long_size) {
    const std::span<char> room = framer.room();
    const std::size_t bytes = std::min(room.size(), long_size - written);
    std::memset(room.data(), 'x', bytes);
    framer.filled(bytes);
    written += bytes;
    EXPECT_EQ(framer.next().kind, Kind::NeedInput);
  }
  std::span<char> room = framer.room();
  room[0] = '\n';
  framer.filled(1);
  const LineFramer::Next line = framer.next();
  ASSERT_EQ(line.kind, Kind::Line);
  EXPECT_EQ(line.line.size(), long_size);
  framer.release_large_input();
  EXPECT_EQ(framer.room().size(), LineFramer::kReadChunk);
}

}  // namespace
}  // namespace tenet
