#include "server/policy_history.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <ctime>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <system_error>

#include "server/durable_file.hpp"

namespace tenet::server {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kHistoryFolder = ".tenet-history";

// A tenant name as a folder name: bytes outside [A-Za-z0-9_-] (and a '.')
// as %XX, so every name maps to one folder and back.
std::string encode(std::string_view tenant) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : tenant) {
    const auto byte = static_cast<unsigned char>(c);
    const bool kept = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-';
    if (kept) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4U];
      out += kHex[byte & 15U];
    }
  }
  return out.empty() ? "%" : out;  // "" (never a served tenant) still gets a folder
}

std::string decode(std::string_view folder) {
  std::string out;
  for (std::size_t i = 0; i < folder.size(); ++i) {
    if (folder[i] == '%' && i + 2 < folder.size()) {
      unsigned value = 0;
      std::from_chars(folder.data() + i + 1, folder.data() + i + 3, value, 16);
      out += static_cast<char>(value);
      i += 2;
    } else if (folder[i] != '%') {
      out += folder[i];
    }
  }
  return out;
}

std::string now_utc() { return PolicyHistory::utc_text(std::chrono::system_clock::now()); }

}  // namespace

std::string PolicyHistory::utc_text(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  const std::size_t length = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(text.data(), length);
}

namespace {

std::optional<nlohmann::json> read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object()) return std::nullopt;
  return json;
}

}  // namespace

PolicyHistory::PolicyHistory(const fs::path& policy_directory, std::size_t keep)
    : root_(policy_directory / kHistoryFolder), keep_(std::max<std::size_t>(keep, 1)) {}

fs::path PolicyHistory::folder_of(const std::string& tenant) const {
  return root_ / encode(tenant);
}

std::vector<std::uint64_t> PolicyHistory::revisions(const std::string& tenant) const {
  std::vector<std::uint64_t> found;
  std::error_code error;
  for (fs::directory_iterator it(folder_of(tenant), error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (!name.ends_with(".json")) continue;
    std::uint64_t revision = 0;
    const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size() - 5, revision);
    if (ec == std::errc{} && ptr == name.data() + name.size() - 5) found.push_back(revision);
  }
  std::sort(found.begin(), found.end());
  return found;
}

units::KnownRevisions PolicyHistory::known() const {
  units::KnownRevisions known;
  std::error_code error;
  for (fs::directory_iterator it(root_, error), end; !error && it != end; it.increment(error)) {
    if (!it->is_directory()) continue;
    const std::string tenant = decode(it->path().filename().string());
    const std::vector<std::uint64_t> all = revisions(tenant);
    if (all.empty()) continue;
    const auto json = read_json(folder_of(tenant) / (std::to_string(all.back()) + ".json"));
    if (!json) continue;
    known[tenant] = units::KnownRevision{all.back(), json->value("hash", std::string())};
  }
  return known;
}

std::optional<std::string> PolicyHistory::record(const std::string& tenant, std::uint64_t revision,
                                                 const std::string& actor, const std::string& hash,
                                                 std::string_view source) {
  const nlohmann::json entry = {{"revision", revision},
                                {"time", now_utc()},
                                {"actor", actor},
                                {"hash", hash},
                                {"source", std::string(source)}};
  const fs::path folder = folder_of(tenant);
  if (auto failure =
          write_file_durably(folder / (std::to_string(revision) + ".json"), entry.dump() + '\n'))
    return failure;
  // The oldest beyond `keep`, pruned after the new one is safe.
  const std::vector<std::uint64_t> all = revisions(tenant);
  for (std::size_t i = 0; i + keep_ < all.size(); ++i) {
    std::error_code ignored;
    fs::remove(folder / (std::to_string(all[i]) + ".json"), ignored);
  }
  return std::nullopt;
}

std::vector<PolicyHistory::Entry> PolicyHistory::list(const std::string& tenant) const {
  std::vector<Entry> entries;
  const std::vector<std::uint64_t> all = revisions(tenant);
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    const auto json = read_json(folder_of(tenant) / (std::to_string(*it) + ".json"));
    if (!json) continue;
    entries.push_back({*it, json->value("time", std::string()), json->value("actor", std::string()),
                       json->value("hash", std::string())});
  }
  return entries;
}

std::optional<std::string> PolicyHistory::source_of(const std::string& tenant,
                                                    std::uint64_t revision) const {
  const auto json = read_json(folder_of(tenant) / (std::to_string(revision) + ".json"));
  if (!json || !(*json)["source"].is_string()) return std::nullopt;
  return (*json)["source"].get<std::string>();
}

}  // namespace tenet::server
