// Source files of a policy set and spans into them.
//
// Every AST node carries a Span: the file it came from (an index into the
// SourceSet), its byte offset and length, and the 1-based line and byte column
// where it starts. A SourceSet owns the text of every file so that later stages
// can quote source (diagnostics, `unmet` conditions) without re-reading disk.
// Immutable after loading; safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tenet {

using FileId = std::uint32_t;

struct Span {
  FileId file = 0;
  std::uint32_t offset = 0;  // byte offset of the first character
  std::uint32_t length = 0;  // in bytes; 0 for a point (e.g. end of file)
  std::uint32_t line = 1;    // 1-based
  std::uint32_t column = 1;  // 1-based, in bytes

  friend bool operator==(const Span&, const Span&) = default;
};

struct SourceFile {
  std::string path;  // relative to the policy directory, '/'-separated
  std::string text;
};

class SourceSet {
 public:
  SourceSet() = default;
  // A set that sees every file of `base` under the same ids and adds its
  // own after them: one partner's unit re-read (docs/UNITS.md) quotes the
  // platform's files without copying them.
  explicit SourceSet(std::shared_ptr<const SourceSet> base);

  FileId add(std::string path, std::string text);

  [[nodiscard]] const SourceFile& file(FileId id) const {
    return id < base_size_ ? base_->file(id) : files_.at(id - base_size_);
  }
  [[nodiscard]] std::size_t size() const { return base_size_ + files_.size(); }

  // The text a span covers (clamped to the file).
  [[nodiscard]] std::string_view text(const Span& span) const;

  // The whole line `line` (1-based) of a file, without its newline.
  [[nodiscard]] std::string_view line_text(FileId file, std::uint32_t line) const;

 private:
  std::shared_ptr<const SourceSet> base_;
  std::size_t base_size_ = 0;
  std::vector<SourceFile> files_;                        // after base_'s
  std::vector<std::vector<std::uint32_t>> line_starts_;  // per own file
};

}  // namespace tenet
