#include "grammar/loader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string_view>
#include <system_error>
#include <utility>

namespace tenet::grammar {
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

// Every *.tenet entry below `root` (already resolved), sorted by relative
// path bytes. Entries whose names start with '.' are skipped, folders
// included: a Kubernetes ConfigMap mount shows every file twice otherwise
// (`NAME -> ..data/NAME` and `..2024_01_01_.../NAME`), and editors and VCS
// keep their own files there. Symbolic links to folders are not followed
// (no loops, no tree outside the release); links to files are, when read.
// A folder that cannot be listed is an error: skipping it would drop policies
// or tests without a word.
std::vector<Found> find_policy_files(const fs::path& root, const fs::path& shown_root,
                                     std::vector<std::string>& io_errors) {
  std::vector<Found> found;
  std::vector<fs::path> pending{fs::path()};  // relative to root; an explicit stack, no recursion
  while (!pending.empty()) {
    const fs::path relative = std::move(pending.back());
    pending.pop_back();
    const fs::path folder = relative.empty() ? root : root / relative;
    const std::string shown = relative.empty() ? shown_root.string() : relative.generic_string();
    std::error_code error;
    for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
      const fs::directory_entry& entry = *it;
      const std::string name = entry.path().filename().string();
      if (name.empty() || name.front() == '.') continue;
      std::error_code type_error;
      const fs::file_status own = entry.symlink_status(type_error);
      if (!type_error && fs::is_directory(own)) {
        pending.push_back(relative / name);
        continue;
      }
      if (!ends_with(name, kExtension)) continue;
      // A link to a folder named *.tenet is a folder we do not follow, as before.
      if (fs::is_symlink(own) && entry.is_directory(type_error)) continue;
      found.push_back(Found{(relative / name).generic_string(), entry.path()});
    }
    if (error) io_errors.push_back(shown + ": cannot read directory: " + error.message());
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.relative < b.relative; });
  return found;
}

// Closes a file descriptor on scope exit.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

std::string errno_message() { return std::error_code(errno, std::generic_category()).message(); }

// What a file that is not a regular file is, for the message.
std::string_view file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "a special file";
}

}  // namespace

bool read_policy_file(const fs::path& path, std::size_t max_bytes, std::string& text,
                      std::string& problem) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (forever). The type
  // is checked on the opened file, so it cannot change between check and read.
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) {
    problem = "cannot open file: " + errno_message();
    return false;
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    problem = "cannot read file: " + errno_message();
    return false;
  }
  if (!S_ISREG(info.st_mode)) {
    problem = "not a regular file (" + std::string(file_kind(info.st_mode)) + ")";
    return false;
  }
  // Read at most one byte past the limit: a huge file costs bounded memory,
  // and the parser reports it as too large. The buffer is sized from the
  // file's size, never from the limit: a thousand small files must not cost a
  // thousand limit-sized buffers (it grows if the file grew meanwhile).
  const std::size_t cap = max_bytes == SIZE_MAX ? max_bytes : max_bytes + 1;
  const auto size = static_cast<std::uintmax_t>(std::max<off_t>(info.st_size, 0));
  text.resize(static_cast<std::size_t>(std::min<std::uintmax_t>(size + 1, cap)));
  std::size_t used = 0;
  while (used < cap) {
    if (used == text.size()) text.resize(std::min(cap, std::max<std::size_t>(4096, 2 * used)));
    const ssize_t got = ::read(fd.get(), text.data() + used, text.size() - used);
    if (got < 0) {
      if (errno == EINTR) continue;
      problem = "cannot read file: " + errno_message();
      return false;
    }
    if (got == 0) break;
    used += static_cast<std::size_t>(got);
  }
  text.resize(used);
  text.shrink_to_fit();
  return true;
}

PolicyFileTexts read_policy_files(const fs::path& directory, const LoadOptions& options) {
  PolicyFileTexts read;
  // Resolved once, and every file read below the resolved path: when
  // `directory` is (or goes through) a symbolic link that a deploy swaps to
  // the next release meanwhile, this load still reads one release whole.
  std::error_code error;
  const fs::path root = fs::canonical(directory, error);
  if (error) {
    read.io_errors.push_back(directory.string() +
                             (error == std::errc::no_such_file_or_directory
                                  ? ": no such directory"
                                  : ": cannot open directory: " + error.message()));
    return read;
  }
  if (!fs::is_directory(root, error)) {
    read.io_errors.push_back(directory.string() + ": not a directory");
    return read;
  }
  const std::vector<Found> files = find_policy_files(root, directory, read.io_errors);
  if (!read.io_errors.empty()) return read;

  for (const Found& found : files) {
    const bool is_test = ends_with(found.relative, kTestSuffix);
    if (is_test && !options.include_tests) continue;
    std::string text;
    std::string problem;
    if (!read_policy_file(found.path, options.limits.max_file_bytes, text, problem)) {
      read.io_errors.push_back(found.relative + ": " + problem);
      continue;
    }
    if (options.after_each_file) options.after_each_file(found.relative);
    read.files.push_back({found.relative, std::move(text), is_test});
  }
  return read;
}

LoadedPolicySet load_policy_set(const fs::path& directory, const LoadOptions& options) {
  LoadedPolicySet loaded;
  PolicyFileTexts read = read_policy_files(directory, options);
  loaded.io_errors = std::move(read.io_errors);
  if (!loaded.io_errors.empty()) return loaded;
  for (PolicyFileText& file : read.files) {
    const FileId id = loaded.sources->add(std::move(file.relative), std::move(file.text));
    ParseResult parsed = parse_file(*loaded.sources, id, file.is_test, options.limits);
    std::move(parsed.diagnostics.begin(), parsed.diagnostics.end(),
              std::back_inserter(loaded.diagnostics));
    (file.is_test ? loaded.test_files : loaded.policy_files).push_back(std::move(parsed.file));
  }
  sort_and_unique(loaded.diagnostics, *loaded.sources);
  return loaded;
}

}  // namespace tenet::grammar
