#include "server/durable_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

namespace tenet::server {
namespace {

std::string system_error(std::string_view what, const std::filesystem::path& path) {
  return std::string(what) + ' ' + path.string() + ": " + std::strerror(errno);
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
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace

std::optional<std::string> write_file_durably(const std::filesystem::path& path,
                                              std::string_view text) {
  const std::filesystem::path directory = path.has_parent_path() ? path.parent_path() : ".";
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return "cannot create " + directory.string() + ": " + error.message();
  // Not named *.tenet: a policy load that runs meanwhile never reads it.
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  {
    FileDescriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) return system_error("cannot create", temporary);
    std::string_view rest = text;
    while (!rest.empty()) {
      const ssize_t written = ::write(fd.get(), rest.data(), rest.size());
      if (written < 0) {
        if (errno == EINTR) continue;
        return system_error("cannot write", temporary);
      }
      rest.remove_prefix(static_cast<std::size_t>(written));
    }
    if (::fsync(fd.get()) != 0) return system_error("cannot fsync", temporary);
    if (::close(fd.release()) != 0) return system_error("cannot close", temporary);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) return system_error("cannot rename onto", path);
  const FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || ::fsync(dir.get()) != 0)
    return system_error("cannot fsync the directory", directory);
  return std::nullopt;
}

}  // namespace tenet::server
