#include "grammar/source/source.hpp"

#include <algorithm>
#include <utility>

namespace tenet {

SourceSet::SourceSet(std::shared_ptr<const SourceSet> base)
    : base_(std::move(base)), base_size_(base_ ? base_->size() : 0) {}

FileId SourceSet::add(std::string path, std::string text) {
  std::vector<std::uint32_t> starts{0};
  for (std::uint32_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts.push_back(i + 1);
  }
  files_.push_back(SourceFile{std::move(path), std::move(text)});
  line_starts_.push_back(std::move(starts));
  return static_cast<FileId>(base_size_ + files_.size() - 1);
}

std::string_view SourceSet::text(const Span& span) const {
  const std::string_view all = file(span.file).text;
  const std::size_t begin = std::min<std::size_t>(span.offset, all.size());
  return all.substr(begin, span.length);
}

std::string_view SourceSet::line_text(FileId file, std::uint32_t line) const {
  if (file < base_size_) return base_->line_text(file, line);
  const std::string_view all = files_.at(file - base_size_).text;
  const auto& starts = line_starts_.at(file - base_size_);
  if (line == 0 || line > starts.size()) return {};
  const std::size_t begin = starts[line - 1];
  std::size_t end = all.find('\n', begin);
  if (end == std::string_view::npos) end = all.size();
  if (end > begin && all[end - 1] == '\r') --end;
  return all.substr(begin, end - begin);
}

}  // namespace tenet
