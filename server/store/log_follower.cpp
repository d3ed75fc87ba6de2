#include "server/store/log_follower.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <nlohmann/json.hpp>
#include <vector>

namespace tenet::store {
namespace {

constexpr std::size_t kChunk = std::size_t{256} << 10U;  // one read(2)
constexpr std::size_t kHeadBytes = 64;  // what tells a file from a later one with its inode
constexpr unsigned kMaxRotated = 1001;  // the decision log keeps at most 1000 rotated files
constexpr int kMaxSwitches = 16;        // files moved through in one read()
constexpr int kMaxSteps = 4096;         // read(2) calls in one read()

// FILE and its rotated copies, the newest first: FILE, FILE.1, FILE.2, ...
struct Candidate {
  std::filesystem::path path;
  bool exists = false;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t size = 0;
};

Candidate candidate(std::filesystem::path path) {
  Candidate found{std::move(path)};
  struct stat status {};
  if (::stat(found.path.c_str(), &status) == 0 && S_ISREG(status.st_mode)) {
    found.exists = true;
    found.device = status.st_dev;
    found.inode = status.st_ino;
    found.size = static_cast<std::uint64_t>(status.st_size);
  }
  return found;
}

// Up to the last number that exists. A rotation renames one file at a
// time, oldest first (FILE.2 → FILE.3, then FILE.1 → FILE.2, ...), so in
// the middle of one a single number may be missing: the scan stops at two
// missing in a row.
std::vector<Candidate> candidates(const std::filesystem::path& file) {
  std::vector<Candidate> found{candidate(file)};
  unsigned missing = 0;
  for (unsigned at = 1; at <= kMaxRotated && missing < 2; ++at) {
    found.push_back(candidate(file.string() + "." + std::to_string(at)));
    missing = found.back().exists ? 0 : missing + 1;
  }
  while (found.size() > 1 && !found.back().exists) found.pop_back();
  return found;
}

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char byte : bytes) {
    hash ^= static_cast<unsigned char>(byte);
    hash *= 1099511628211ULL;
  }
  return hash;
}

// FNV-1a of the first `size` bytes of `fd`; nullopt when it has fewer.
std::optional<std::uint64_t> head_of(int fd, std::uint64_t size) {
  std::array<char, kHeadBytes> bytes{};
  const std::size_t wanted = std::min<std::uint64_t>(size, bytes.size());
  std::size_t got = 0;
  while (got < wanted) {
    const ssize_t n = ::pread(fd, bytes.data() + got, wanted - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    got += static_cast<std::size_t>(n);
  }
  return fnv1a(std::string_view(bytes.data(), wanted));
}

struct Identity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t size = 0;
};

std::optional<Identity> identity_of(int fd) {
  struct stat status {};
  if (::fstat(fd, &status) != 0) return std::nullopt;
  return Identity{static_cast<std::uint64_t>(status.st_dev),
                  static_cast<std::uint64_t>(status.st_ino),
                  static_cast<std::uint64_t>(status.st_size)};
}

int open_read(const std::filesystem::path& path) {
  return ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // NOLINT(cppcoreguidelines-pro-type-vararg)
}

}  // namespace

std::string position_text(const FilePosition& position) {
  return nlohmann::json{{"device", position.device},
                        {"inode", position.inode},
                        {"offset", position.offset},
                        {"head_size", position.head_size},
                        {"head", position.head}}
      .dump();
}

std::optional<FilePosition> parse_position(std::string_view text) {
  const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (!parsed.is_object()) return std::nullopt;
  FilePosition position;
  const auto take = [&parsed](const char* key, std::uint64_t& into) {
    if (!parsed.contains(key) || !parsed[key].is_number_unsigned()) return false;
    into = parsed[key].get<std::uint64_t>();
    return true;
  };
  if (!take("device", position.device) || !take("inode", position.inode) ||
      !take("offset", position.offset) || !take("head_size", position.head_size) ||
      !take("head", position.head) || position.head_size > kHeadBytes)
    return std::nullopt;
  return position;
}

LogFollower::LogFollower(std::filesystem::path file, std::optional<FilePosition> from)
    : file_(std::move(file)), from_(from) {}

LogFollower::~LogFollower() { close_file(); }

void LogFollower::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void LogFollower::open_at(int fd, std::uint64_t offset) {
  close_file();
  fd_ = fd;
  const std::optional<Identity> identity = identity_of(fd);
  position_ = FilePosition{};
  if (identity) {
    position_.device = identity->device;
    position_.inode = identity->inode;
  }
  position_.offset = offset;
  ::lseek(fd_, static_cast<off_t>(offset), SEEK_SET);
  pending_.clear();
  scanned_ = 0;
  skipping_ = false;
}

bool LogFollower::open_first() {
  const std::vector<Candidate> files = candidates(file_);
  if (from_) {
    // The saved file, if it is still there: by inode, then the first bytes
    // (an inode number is reused once its file is removed).
    for (const Candidate& each : files) {
      if (!each.exists || each.device != from_->device || each.inode != from_->inode) continue;
      const int fd = open_read(each.path);
      if (fd < 0) continue;
      const std::optional<Identity> identity = identity_of(fd);
      const bool same = identity && identity->inode == from_->inode &&
                        identity->device == from_->device && identity->size >= from_->offset &&
                        from_->head_size <= from_->offset &&
                        head_of(fd, from_->head_size) == std::optional(from_->head);
      if (same) {
        open_at(fd, from_->offset);
        position_.head_size = from_->head_size;
        position_.head = from_->head;
        from_.reset();
        return true;
      }
      ::close(fd);
    }
  }
  // From the start of the oldest file there is: every file kept is newer
  // than one that was removed.
  for (auto each = files.rbegin(); each != files.rend(); ++each) {
    if (!each->exists) continue;
    const int fd = open_read(each->path);
    if (fd < 0) continue;
    open_at(fd, 0);
    from_.reset();
    return true;
  }
  return false;
}

bool LogFollower::rotated_away() const {
  struct stat status {};
  if (::stat(file_.c_str(), &status) != 0) return true;  // renamed, the new one not there yet
  return static_cast<std::uint64_t>(status.st_dev) != position_.device ||
         static_cast<std::uint64_t>(status.st_ino) != position_.inode;
}

bool LogFollower::move_to_next_file() {
  const std::vector<Candidate> files = candidates(file_);
  std::optional<std::size_t> ours;
  for (std::size_t at = 0; at < files.size(); ++at) {
    if (files[at].exists && files[at].device == position_.device &&
        files[at].inode == position_.inode)
      ours = at;
  }
  std::optional<std::size_t> next;
  if (ours) {
    if (*ours == 0 || !files[*ours - 1].exists) return false;  // not yet (mid-rotation)
    next = *ours - 1;
  } else {
    // Ours was removed (files_kept 0, or we were more files behind than
    // are kept): the oldest one there is comes after it.
    for (std::size_t at = files.size(); at-- > 0;) {
      if (files[at].exists) {
        next = at;
        break;
      }
    }
    if (!next) return false;
  }
  const int fd = open_read(files[*next].path);
  if (fd < 0) return false;
  const std::optional<Identity> identity = identity_of(fd);
  if (!identity || identity->inode != files[*next].inode ||
      identity->device != files[*next].device) {
    ::close(fd);  // renamed again since the scan: look again next time
    return false;
  }
  // Bytes after the last newline of a finished file never become a line.
  if (pending_.size() > 0 || skipping_) ++cut_lines_;
  open_at(fd, 0);
  return true;
}

std::size_t LogFollower::read(std::size_t max_lines,
                              const std::function<void(std::string_view)>& each) {
  std::size_t handed = 0;
  int switches = 0;
  std::size_t begin = 0;  // the first byte of pending_ not handed out
  for (int step = 0; step < kMaxSteps && handed < max_lines; ++step) {
    if (fd_ < 0 && !open_first()) return handed;
    while (handed < max_lines) {
      const std::size_t newline = pending_.find('\n', scanned_);
      if (newline == std::string::npos) {
        scanned_ = pending_.size();
        break;
      }
      if (skipping_) {
        skipping_ = false;  // the end of a line too long to hand out
      } else {
        each(std::string_view(pending_).substr(begin, newline - begin));
        ++handed;
      }
      position_.offset += newline + 1 - begin;
      begin = scanned_ = newline + 1;
    }
    pending_.erase(0, begin);
    scanned_ -= begin;
    begin = 0;
    if (handed >= max_lines) break;
    if (skipping_ || pending_.size() > kMaxLine) {
      if (!skipping_) ++oversized_lines_;
      skipping_ = true;
      position_.offset += pending_.size();
      pending_.clear();
      scanned_ = 0;
    }
    const std::size_t had = pending_.size();
    pending_.resize(had + kChunk);
    const ssize_t got = ::read(fd_, pending_.data() + had, kChunk);
    pending_.resize(had + static_cast<std::size_t>(std::max<ssize_t>(got, 0)));
    if (got > 0 || (got < 0 && errno == EINTR)) continue;
    // The end of the file for now. If FILE is another file, ours was
    // rotated away: read it to the end again (the writer finished it
    // before the rename), then go on with the next one.
    if (!rotated_away()) break;
    pending_.resize(had + kChunk);
    const ssize_t more = ::read(fd_, pending_.data() + had, kChunk);
    pending_.resize(had + static_cast<std::size_t>(std::max<ssize_t>(more, 0)));
    if (more > 0) continue;
    if (switches >= kMaxSwitches || !move_to_next_file()) break;
    ++switches;
  }
  return handed;
}

FilePosition LogFollower::position() {
  // The first bytes are hashed once there are enough of them: they are
  // what a resuming follower checks its file by.
  if (fd_ >= 0 && position_.head_size < kHeadBytes && position_.offset > position_.head_size) {
    const std::uint64_t size = std::min<std::uint64_t>(position_.offset, kHeadBytes);
    if (const std::optional<std::uint64_t> head = head_of(fd_, size)) {
      position_.head_size = size;
      position_.head = *head;
    }
  }
  return position_;
}

std::uint64_t LogFollower::behind_bytes() const {
  const std::vector<Candidate> files = candidates(file_);
  std::uint64_t behind = 0;
  std::size_t newer = files.size();  // the files after ours (all, before one is open)
  if (fd_ >= 0) {
    if (const std::optional<Identity> identity = identity_of(fd_))
      behind += identity->size > position_.offset ? identity->size - position_.offset : 0;
    for (std::size_t at = 0; at < files.size(); ++at) {
      if (files[at].exists && files[at].device == position_.device &&
          files[at].inode == position_.inode)
        newer = at;
    }
  }
  for (std::size_t at = 0; at < newer; ++at) behind += files[at].exists ? files[at].size : 0;
  return behind;
}

}  // namespace tenet::store
