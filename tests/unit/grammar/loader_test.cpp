// grammar/loader: which files of a policy directory make the set, read from
// one release. In-process (load_policy_set); the CLI and server cases that
// need a real process are in cli_test.cpp and server_integration_test.cpp.
#include "grammar/loader.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace tenet {
namespace {

namespace fs = std::filesystem;
using test_support::TempDir;

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// The tenant names the loaded policy files declare, in load order.
std::vector<std::string> tenants_of(const grammar::LoadedPolicySet& loaded) {
  std::vector<std::string> names;
  for (const auto& file : loaded.policy_files)
    for (const ast::TenantDecl& tenant : file->tenants) names.push_back(tenant.name.text);
  return names;
}

// Points `link` at `target` atomically, as a deploy does: a new link renamed
// over the old one.
void swap_symlink(const fs::path& link, const fs::path& target) {
  const fs::path next = link.string() + ".next";
  fs::remove(next);
  fs::create_directory_symlink(target, next);
  fs::rename(next, link);
}

// A release with the same file names as every other, and tenants named after
// the release: a set mixing two releases shows in the names.
void write_release(const fs::path& folder, const std::string& release) {
  write_text(folder / "a.tenet", "tenant a_" + release + " { role r; }\n");
  write_text(folder / "m.tenet", "tenant m_" + release + " { role r; }\n");
  write_text(folder / "sub" / "z.tenet", "tenant z_" + release + " { role r; }\n");
}

TEST(Loader, SymlinkSwappedDuringALoadStillGivesOneRelease) {
  const TempDir dir;
  write_release(dir.path() / "v1", "v1");
  write_release(dir.path() / "v2", "v2");
  const fs::path current = dir.path() / "current";
  fs::create_directory_symlink(dir.path() / "v1", current);

  // The deploy switches releases after the first file was read, and again
  // after each file of the second load.
  grammar::LoadOptions options;
  const char* next = "v2";
  options.after_each_file = [&](const std::string&) {
    swap_symlink(current, dir.path() / next);
    next = next[1] == '2' ? "v1" : "v2";
  };
  const grammar::LoadedPolicySet first = grammar::load_policy_set(current, options);
  ASSERT_TRUE(first.io_errors.empty()) << first.io_errors.front();
  EXPECT_EQ(tenants_of(first), (std::vector<std::string>{"a_v1", "m_v1", "z_v1"}));

  // Three swaps so far: `current` is v2 now, and the next load reads v2 whole.
  ASSERT_EQ(fs::read_symlink(current), dir.path() / "v2");
  const grammar::LoadedPolicySet second = grammar::load_policy_set(current, options);
  ASSERT_TRUE(second.io_errors.empty()) << second.io_errors.front();
  EXPECT_EQ(tenants_of(second), (std::vector<std::string>{"a_v2", "m_v2", "z_v2"}));
}

TEST(Loader, HiddenEntriesAreSkippedSoAConfigMapLoadsOnce) {
  // The layout of a Kubernetes ConfigMap volume: the data in a timestamped
  // hidden folder, `..data` linking to it, each key a link through `..data`.
  const TempDir dir;
  const fs::path data = dir.path() / "..2024_05_01_10_00_00.123456789";
  write_text(data / "policy.tenet", "tenant acme { role r; }\n");
  fs::create_directory_symlink(data.filename(), dir.path() / "..data");
  fs::create_symlink(fs::path("..data") / "policy.tenet", dir.path() / "policy.tenet");
  // And the hidden files of editors and version control.
  write_text(dir.path() / ".git" / "old.tenet", "tenant acme { role r; }\n");
  write_text(dir.path() / ".#policy.tenet", "tenant acme { role r; }\n");

  const grammar::LoadedPolicySet loaded = grammar::load_policy_set(dir.path());
  ASSERT_TRUE(loaded.io_errors.empty()) << loaded.io_errors.front();
  ASSERT_EQ(loaded.policy_files.size(), 1U);
  EXPECT_EQ(loaded.sources->file(loaded.policy_files[0]->file).path, "policy.tenet");
  EXPECT_EQ(tenants_of(loaded), std::vector<std::string>{"acme"});

  // The mount itself may be given as `..data`: the root is not skipped.
  const grammar::LoadedPolicySet through_data = grammar::load_policy_set(dir.path() / "..data");
  EXPECT_EQ(tenants_of(through_data), std::vector<std::string>{"acme"});
}

TEST(Loader, NonRegularFilesAreErrors) {
  const TempDir dir;
  write_text(dir.path() / "a.tenet", "tenant acme { role r; }\n");
  fs::create_directory_symlink(dir.path() / "nowhere", dir.path() / "b.tenet");  // dangling
  const grammar::LoadedPolicySet loaded = grammar::load_policy_set(dir.path());
  ASSERT_EQ(loaded.io_errors.size(), 1U);
  EXPECT_EQ(loaded.io_errors[0].rfind("b.tenet: cannot open file", 0), 0U) << loaded.io_errors[0];
}

}  // namespace
}  // namespace tenet
