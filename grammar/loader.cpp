#include "grammar/loader.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

namespace tenet {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kExtension = ".tenet";
constexpr std::string_view kTestSuffix = "_test.tenet";

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

struct Found {
  std::string relative;  // '/'-separated, the key for ordering and for diagnostics
  fs::path path;
};

// Every *.tenet regular file below `directory`, sorted by relative path bytes.
std::vector<Found> find_policy_files(const fs::path& directory, std::vector<std::string>& io_errors) {
  std::vector<Found> found;
  std::error_code error;
  auto it = fs::recursive_directory_iterator(directory, fs::directory_options::none, error);
  if (error) {
    io_errors.push_back(directory.string() + ": cannot read directory: " + error.message());
    return found;
  }
  for (const auto end = fs::recursive_directory_iterator(); it != end; it.increment(error)) {
    if (error) {
      io_errors.push_back(directory.string() + ": cannot read directory: " + error.message());
      return found;
    }
    const fs::directory_entry& entry = *it;
    const std::string name = entry.path().filename().string();
    if (!ends_with(name, kExtension) || entry.is_directory(error)) continue;
    found.push_back(Found{entry.path().lexically_relative(directory).generic_string(), entry.path()});
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.relative < b.relative; });
  return found;
}

bool read_file(const fs::path& path, std::size_t max_bytes, std::string& text, std::string& problem) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problem = "cannot open file";
    return false;
  }
  // Read at most one byte past the limit: a huge file costs bounded memory,
  // and the parser reports it as too large. The buffer is sized from the
  // file's size (when it can be had), never from the limit: a thousand small
  // files must not cost a thousand limit-sized buffers.
  std::error_code size_error;
  const std::uintmax_t size = fs::file_size(path, size_error);
  const std::size_t capacity =
      size_error ? max_bytes : static_cast<std::size_t>(std::min<std::uintmax_t>(size, max_bytes));
  text.resize(capacity + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    problem = "cannot read file";
    return false;
  }
  text.resize(static_cast<std::size_t>(in.gcount()));
  text.shrink_to_fit();
  return true;
}

}  // namespace

LoadedPolicySet load_policy_set(const fs::path& directory, const LoadOptions& options) {
  LoadedPolicySet loaded;
  std::error_code error;
  if (!fs::exists(directory, error)) {
    loaded.io_errors.push_back(directory.string() + ": no such directory");
    return loaded;
  }
  if (!fs::is_directory(directory, error)) {
    loaded.io_errors.push_back(directory.string() + ": not a directory");
    return loaded;
  }
  const std::vector<Found> files = find_policy_files(directory, loaded.io_errors);
  if (!loaded.io_errors.empty()) return loaded;

  for (const Found& found : files) {
    const bool is_test = ends_with(found.relative, kTestSuffix);
    if (is_test && !options.include_tests) continue;
    std::string text;
    std::string problem;
    if (!read_file(found.path, options.limits.max_file_bytes, text, problem)) {
      loaded.io_errors.push_back(found.relative + ": " + problem);
      continue;
    }
    const FileId id = loaded.sources->add(found.relative, std::move(text));
    ParseResult parsed = parse_file(*loaded.sources, id, is_test, options.limits);
    std::move(parsed.diagnostics.begin(), parsed.diagnostics.end(),
              std::back_inserter(loaded.diagnostics));
    (is_test ? loaded.test_files : loaded.policy_files).push_back(std::move(parsed.file));
  }
  sort_and_unique(loaded.diagnostics, *loaded.sources);
  return loaded;
}

}  // namespace tenet
