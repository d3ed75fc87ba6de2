// server/store/fleet_state: a replica's state of the fleet's store built
// from the changes it fetched (later rows win, removals and revocations
// drop out, a file shared by two partners is compiled once), and its cache
// file: written and read back as it was, a damaged or missing one refused
// with a message.
#include "server/store/fleet_state.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.hpp"

namespace tenet::store {
namespace {

Changes first_changes() {
  Changes changes;
  changes.revision = 4;
  changes.platform = PlatformRow{2, "p2", {{"schema.tenet", "schema {}"}}};
  changes.units = {{"acme", 3, "tenants/acme.tenet", "ha", "tenant acme {}"},
                   {"duo-1", 1, "tenants/duo.tenet", "hd", "tenant duo-1 {} tenant duo-2 {}"},
                   {"duo-2", 1, "tenants/duo.tenet", "hd", "tenant duo-1 {} tenant duo-2 {}"}};
  changes.switches = {{"acme", "trading", "on"}};
  changes.tokens = {{std::string(64, 'a'), "acme", {"check"}, false, 1'801'094'400},
                    {std::string(64, 'b'), "*", {"admin", "author"}, false, std::nullopt}};
  return changes;
}

TEST(FleetState, ChangesAccumulateAndRemovalsDropOut) {
  FleetState state;
  EXPECT_FALSE(state.has_policies());
  state.apply(first_changes());
  EXPECT_EQ(state.revision(), 4U);
  EXPECT_EQ(state.platform_revision(), 2U);
  const std::vector<units::PolicyText> texts = state.texts();
  ASSERT_EQ(texts.size(), 3U);  // the shared file once
  EXPECT_EQ(state.assigned().at("duo-2").revision, 1U);
  EXPECT_EQ(state.tokens().size(), 2U);

  Changes next;
  next.revision = 6;
  next.units = {{"acme", 4, "tenants/acme.tenet", "", std::nullopt}};
  next.switches = {{"acme", "trading", "default"}};
  next.tokens = {{std::string(64, 'a'), "acme", {"check"}, true, std::nullopt}};
  state.apply(next);
  EXPECT_EQ(state.revision(), 6U);
  EXPECT_EQ(state.texts().size(), 2U);  // acme removed
  EXPECT_EQ(state.assigned().count("acme"), 0U);
  EXPECT_EQ(state.latest_unit_revision("acme"), 4U);  // a new unit continues from it
  EXPECT_EQ(state.switches().begin()->second.state, "default");
  EXPECT_EQ(state.tokens().size(), 1U);
  EXPECT_EQ(state.tokens().count(std::string(64, 'a')), 0U);
}

TEST(FleetState, TheCacheReadsBackAsItWasWritten) {
  const test_support::TempDir dir;
  FleetState state;
  state.apply(first_changes());
  ASSERT_EQ(state.save(dir.path() / "cache"), std::nullopt);
  FleetState read;
  ASSERT_EQ(FleetState::load(dir.path() / "cache", read), std::nullopt);
  EXPECT_EQ(read.revision(), 4U);
  EXPECT_EQ(read.platform_revision(), 2U);
  ASSERT_EQ(read.texts().size(), state.texts().size());
  for (std::size_t i = 0; i < read.texts().size(); ++i) {
    EXPECT_EQ(read.texts()[i].path, state.texts()[i].path);
    EXPECT_EQ(read.texts()[i].text, state.texts()[i].text);
  }
  EXPECT_EQ(read.switches().size(), 1U);
  EXPECT_EQ(read.tokens().size(), 2U);
  EXPECT_EQ(read.tokens().at(std::string(64, 'b')).rights,
            (std::vector<std::string>{"admin", "author"}));
  // An expiry survives the cache; no expiry stays none.
  EXPECT_EQ(read.tokens().at(std::string(64, 'a')).expires, 1'801'094'400);
  EXPECT_EQ(read.tokens().at(std::string(64, 'b')).expires, std::nullopt);
}

// A cache written before tokens could expire has no "expires": its tokens
// read back without one.
TEST(FleetState, ACacheFromBeforeTokenExpiryStillLoads) {
  const test_support::TempDir dir;
  std::filesystem::create_directories(dir.path() / "cache");
  std::ofstream(FleetState::cache_file(dir.path() / "cache"))
      << R"({"format":1,"revision":3,"units":[],"switches":[],)"
      << R"("tokens":[{"hash":")" << std::string(64, 'c')
      << R"(","tenant":"acme","rights":["check"]}]})";
  FleetState read;
  ASSERT_EQ(FleetState::load(dir.path() / "cache", read), std::nullopt);
  ASSERT_EQ(read.tokens().size(), 1U);
  EXPECT_EQ(read.tokens().begin()->second.expires, std::nullopt);
}

TEST(FleetState, AMissingOrDamagedCacheIsRefusedWithAMessage) {
  const test_support::TempDir dir;
  FleetState read;
  const auto missing = FleetState::load(dir.path(), read);
  ASSERT_TRUE(missing);
  EXPECT_NE(missing->find("no cache"), std::string::npos) << *missing;
  std::ofstream(FleetState::cache_file(dir.path())) << "{\"format\":1,\"revision\":";
  const auto damaged = FleetState::load(dir.path(), read);
  ASSERT_TRUE(damaged);
  EXPECT_NE(damaged->find("damaged"), std::string::npos) << *damaged;
  std::ofstream(FleetState::cache_file(dir.path())) << "{\"format\":7}";
  const auto other = FleetState::load(dir.path(), read);
  ASSERT_TRUE(other);
  EXPECT_EQ(read.revision(), 0U);  // nothing was taken from them
}

}  // namespace
}  // namespace tenet::store
