#include "engine/json/line_framer.hpp"

#include <cstring>

namespace tenet::json {
namespace {

std::string_view without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

std::span<char> LineFramer::room() {
  if (buffer_.empty()) buffer_.resize(kReadChunk);
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    scanned_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
  return {buffer_.data() + end_, buffer_.size() - end_};
}

LineFramer::Next LineFramer::next() {
  for (;;) {
    const char* const data = buffer_.data();
    const void* newline = std::memchr(data + scanned_, '\n', end_ - scanned_);
    if (newline == nullptr) {
      scanned_ = end_;
      if (skipping_) {
        begin_ = end_;  // still inside the oversized line: drop what came
        return {Kind::NeedInput, {}};
      }
      if (end_ - begin_ > max_line_) {
        skipping_ = true;
        begin_ = end_;
        return {Kind::TooLarge, {}};
      }
      return {Kind::NeedInput, {}};
    }
    const auto stop = static_cast<std::size_t>(static_cast<const char*>(newline) - data);
    const std::string_view line(data + begin_, stop - begin_);
    begin_ = stop + 1;
    scanned_ = begin_;
    if (skipping_) {  // the end of a line already reported TooLarge
      skipping_ = false;
      continue;
    }
    if (line.size() > max_line_) return {Kind::TooLarge, {}};
    return {Kind::Line, without_cr(line)};
  }
}

LineFramer::Next LineFramer::finish() {
  if (skipping_ || begin_ == end_) {
    begin_ = scanned_ = end_;
    skipping_ = false;
    return {Kind::NeedInput, {}};
  }
  const std::string_view line(buffer_.data() + begin_, end_ - begin_);
  begin_ = scanned_ = end_;
  return {Kind::Line, without_cr(line)};
}

void LineFramer::release_large_input() {
  const std::size_t held = end_ - begin_;
  if (buffer_.size() <= kReadChunk || held > kReadChunk / 2) return;
  std::vector<char> fresh(kReadChunk);
  std::memcpy(fresh.data(), buffer_.data() + begin_, held);
  buffer_.swap(fresh);
  scanned_ -= begin_;
  end_ = held;
  begin_ = 0;
}

}  // namespace tenet::json
