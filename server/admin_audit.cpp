#include "server/admin_audit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "server/log.hpp"

namespace tenet::server {
namespace {

std::string host_name() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return "unknown";
  return std::string(name.data());
}

// Writes all of `text` to `fd`; false (errno set) on failure.
bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    text.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

}  // namespace

std::string utc_millis(std::chrono::system_clock::time_point time) {
  const auto since_epoch =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
  const std::time_t seconds = static_cast<std::time_t>(since_epoch.count() / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 40> text{};
  const std::size_t length = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &utc);
  std::array<char, 8> millis{};
  std::snprintf(millis.data(), millis.size(), ".%03dZ",
                static_cast<int>(since_epoch.count() % 1000));
  return std::string(text.data(), length) + millis.data();
}

AdminAudit::AdminAudit() : replica_(host_name()) {}

AdminAudit::~AdminAudit() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string> AdminAudit::open_file(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot open the audit log " + file.string() + ": " + std::strerror(errno);
  // The file's directory entry survives a crash too (a new file).
  const std::filesystem::path directory = file.has_parent_path() ? file.parent_path() : ".";
  const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
  const std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  file_ = file;
  return std::nullopt;
}

bool AdminAudit::has_file() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return fd_ >= 0;
}

std::string AdminAudit::render(const AuditRecord& record) const {
  nlohmann::ordered_json json;
  json["time"] = utc_millis(std::chrono::system_clock::now());
  json["replica"] = replica_;
  json["actor"] = record.actor;
  json["action"] = record.action;
  json["tenant"] = record.tenant;
  json["target"] = record.target;
  json["before"] = record.before;
  json["after"] = record.after;
  json["outcome"] = record.outcome;
  json["message"] = record.message;
  // A diagnostic may quote a policy file's bytes: invalid UTF-8 becomes
  // U+FFFD rather than losing the record.
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void AdminAudit::record(const AuditRecord& record) {
  const std::string line = render(record);
  records_.fetch_add(1, std::memory_order_relaxed);
  // The log first, with one write(2) like every LogLine: the trace exists
  // even when the file write below fails.
  const std::string logged = "{\"event\":\"audit\"," + line.substr(1) + '\n';
  (void)write_all(STDERR_FILENO, logged);
  const std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ < 0) return;
  std::string failure;
  if (!write_all(fd_, line + '\n')) {
    failure = std::string("cannot write the audit log: ") + std::strerror(errno);
  } else if (::fdatasync(fd_) != 0) {
    failure = std::string("cannot fdatasync the audit log: ") + std::strerror(errno);
  }
  if (!failure.empty()) count_failure(record, failure + " (" + file_.string() + ")");
}

void AdminAudit::count_failure(const AuditRecord& record, const std::string& why) {
  failures_.fetch_add(1, std::memory_order_relaxed);
  LogLine("error")
      .field("what", "audit")
      .field("action", record.action)
      .field("actor", record.actor)
      .field("message", why +
                            "; the admin action itself went ahead and its audit record is in "
                            "this log only")
      .emit();
}

}  // namespace tenet::server
