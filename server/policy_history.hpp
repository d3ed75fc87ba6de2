// Every revision of every partner unit a server applied, on disk
// (docs/UNITS.md): `<policy dir>/.tenet-history/<tenant>/<revision>.json`,
// one JSON object per revision (revision, time, actor, hash, source), each
// written durably (server/durable_file). The loader skips folders whose
// names start with '.', so the history never reads as policy.
//
// It gives a restarted server its partners' revision numbers (the last
// revision and its hash: a unit whose file still has that text keeps that
// revision), `policy_history`, and the source `rollback` brings back.
// Owned by server/service and used on its admin thread only (one caller at
// a time); not thread-safe by itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.hpp"

namespace tenet::server {

class PolicyHistory {
 public:
  struct Entry {
    std::uint64_t revision = 0;
    std::string time;  // UTC, RFC 3339
    std::string actor;
    std::string hash;
  };

  // `keep`: revisions kept per partner (the oldest beyond are pruned).
  PolicyHistory(const std::filesystem::path& policy_directory, std::size_t keep);

  // Per tenant with a history: its last revision and that revision's hash.
  [[nodiscard]] units::KnownRevisions known() const;
  // Records one revision; the error text when it could not be written.
  [[nodiscard]] std::optional<std::string> record(const std::string& tenant, std::uint64_t revision,
                                                  const std::string& actor, const std::string& hash,
                                                  std::string_view source);
  // `2026-12-07T03:16:55Z`.
  [[nodiscard]] static std::string utc_text(std::chrono::system_clock::time_point time);
  // Newest first.
  [[nodiscard]] std::vector<Entry> list(const std::string& tenant) const;
  [[nodiscard]] std::optional<std::string> source_of(const std::string& tenant,
                                                     std::uint64_t revision) const;

 private:
  [[nodiscard]] std::filesystem::path folder_of(const std::string& tenant) const;
  [[nodiscard]] std::vector<std::uint64_t> revisions(const std::string& tenant) const;

  std::filesystem::path root_;
  std::size_t keep_;
};

}  // namespace tenet::server
