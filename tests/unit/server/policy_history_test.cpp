// server/policy_history: revisions of partner units on disk (docs/UNITS.md),
// and the `author` token right.
#include "server/policy_history.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "server/tokens.hpp"
#include "tests/support/temp_dir.hpp"

namespace tenet::server {
namespace {

TEST(PolicyHistory, RecordsListsNewestFirstAndPrunesTheOldest) {
  const test_support::TempDir dir;
  PolicyHistory history(dir.path(), 3);
  for (std::uint64_t r = 1; r <= 5; ++r) {
    ASSERT_FALSE(history.record("acme", r, "sha256:0011", "h" + std::to_string(r),
                                "tenant acme { } // " + std::to_string(r)));
  }
  const std::vector<PolicyHistory::Entry> entries = history.list("acme");
  ASSERT_EQ(entries.size(), 3U);  // 1 and 2 pruned
  EXPECT_EQ(entries[0].revision, 5U);
  EXPECT_EQ(entries[2].revision, 3U);
  EXPECT_EQ(entries[0].actor, "sha256:0011");
  EXPECT_EQ(entries[0].hash, "h5");
  EXPECT_EQ(entries[0].time.size(), 20U) << entries[0].time;  // 2026-12-07T03:16:55Z
  EXPECT_EQ(history.source_of("acme", 4), "tenant acme { } // 4");
  EXPECT_FALSE(history.source_of("acme", 1));
  EXPECT_TRUE(history.list("nobody").empty());
}

// Any tenant name maps to one folder under .tenet-history and back: the
// known revisions come back under the same names, dots and slashes included.
TEST(PolicyHistory, KnownRevisionsSurviveAnyTenantName) {
  const test_support::TempDir dir;
  const std::vector<std::string> names{"acme", "harbor-bank.eu", "a/../b", "%41", "..", "Ünï"};
  {
    PolicyHistory history(dir.path(), 100);
    for (const std::string& name : names) ASSERT_FALSE(history.record(name, 7, "disk", name, ""));
  }
  const units::KnownRevisions known = PolicyHistory(dir.path(), 100).known();
  ASSERT_EQ(known.size(), names.size());
  for (const std::string& name : names) {
    ASSERT_EQ(known.count(name), 1U) << name;
    EXPECT_EQ(known.at(name).revision, 7U);
    EXPECT_EQ(known.at(name).hash, name);
  }
  // Nothing escaped the history folder.
  std::size_t entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 1U);
}

TEST(TokenRights, AuthorIsARightAndTheGrantCarriesAnIdNotTheToken) {
  const std::string token = new_token();
  const auto hash = sha256(token);
  const std::string line = to_hex(hash.data(), hash.size()) + " acme check,author\n";
  const TokenStore::LoadResult loaded = TokenStore::parse(line, "tokens");
  ASSERT_TRUE(loaded.store) << loaded.error;
  const std::optional<Grant> grant = loaded.store->authenticate(token);
  ASSERT_TRUE(grant);
  EXPECT_TRUE(grant->author);
  EXPECT_TRUE(grant->check);
  EXPECT_FALSE(grant->admin);
  EXPECT_EQ(grant->id, "sha256:" + to_hex(hash.data(), 8));
  EXPECT_EQ(grant->id.find(token), std::string::npos);
  EXPECT_FALSE(
      TokenStore::parse(to_hex(hash.data(), hash.size()) + " acme writer\n", "tokens").store);
}

}  // namespace
}  // namespace tenet::server
