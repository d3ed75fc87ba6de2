// The decision shipper's way of reading the log (server/store/log_follower):
// whole lines only, a cut last line held back until its newline, rotation
// followed by inode (also several rotations behind, and in the middle of
// one), and a saved position resumed exactly — or not at all when its file
// is gone or its inode number was reused. No PostgreSQL involved.
#include "server/store/log_follower.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace tenet::store {
namespace {

namespace fs = std::filesystem;

class LogFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tenet_log_follower_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    file_ = dir_ / "decisions.ndjson";
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void append(const fs::path& path, std::string_view text) {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << text;
  }
  // What the decision log does: FILE.k → FILE.k+1 …, FILE → FILE.1.
  void rotate() const {
    for (int at = 9; at >= 1; --at) {
      const fs::path from = file_.string() + "." + std::to_string(at);
      if (fs::exists(from)) fs::rename(from, file_.string() + "." + std::to_string(at + 1));
    }
    fs::rename(file_, file_.string() + ".1");
  }
  static std::vector<std::string> read_all(LogFollower& follower, std::size_t max = 1000) {
    std::vector<std::string> lines;
    follower.read(max, [&lines](std::string_view line) { lines.emplace_back(line); });
    return lines;
  }

  fs::path dir_;
  fs::path file_;
};

using Lines = std::vector<std::string>;

TEST_F(LogFollowerTest, HandsOutWholeLinesAndHoldsACutOneUntilItsNewline) {
  LogFollower follower(file_, std::nullopt);
  EXPECT_EQ(read_all(follower), Lines{});  // no file yet
  append(file_, "one\ntwo\nthr");
  EXPECT_EQ(read_all(follower), (Lines{"one", "two"}));
  EXPECT_EQ(follower.position().offset, 8U);
  EXPECT_EQ(follower.behind_bytes(), 3U);  // "thr"
  EXPECT_EQ(read_all(follower), Lines{});
  append(file_, "ee\nfour\n");
  EXPECT_EQ(read_all(follower), (Lines{"three", "four"}));
  EXPECT_EQ(follower.position().offset, 19U);
  EXPECT_EQ(follower.behind_bytes(), 0U);
}

TEST_F(LogFollowerTest, GivesAtMostTheLinesAskedForAndTheRestNextTime) {
  std::string text;
  for (int i = 0; i < 10; ++i) text += "line" + std::to_string(i) + "\n";
  append(file_, text);
  LogFollower follower(file_, std::nullopt);
  EXPECT_EQ(read_all(follower, 3), (Lines{"line0", "line1", "line2"}));
  EXPECT_EQ(follower.position().offset, 18U);
  EXPECT_EQ(read_all(follower, 100).size(), 7U);
}

TEST_F(LogFollowerTest, FinishesARotatedFileThenFollowsTheNewOne) {
  append(file_, "a1\na2\n");
  LogFollower follower(file_, std::nullopt);
  EXPECT_EQ(read_all(follower), (Lines{"a1", "a2"}));
  append(file_, "a3\n");  // written before the rotation, not read yet
  rotate();
  EXPECT_EQ(read_all(follower), (Lines{"a3"}));  // no new FILE yet: wait for it
  append(file_, "b1\nb2\n");
  EXPECT_EQ(read_all(follower), (Lines{"b1", "b2"}));
  EXPECT_EQ(follower.position().offset, 6U);
  struct stat status {};
  ASSERT_EQ(::stat(file_.c_str(), &status), 0);
  EXPECT_EQ(follower.position().inode, status.st_ino);  // the new FILE now
  EXPECT_EQ(follower.cut_lines(), 0U);
}

TEST_F(LogFollowerTest, ReadsEachFileInTurnWhenSeveralRotationsBehind) {
  append(file_, "a1\n");
  LogFollower follower(file_, std::nullopt);
  EXPECT_EQ(read_all(follower), (Lines{"a1"}));
  append(file_, "a2\n");
  rotate();
  append(file_, "b1\nb2\n");
  rotate();
  append(file_, "c1\n");
  rotate();
  append(file_, "d1\n");
  EXPECT_EQ(read_all(follower), (Lines{"a2", "b1", "b2", "c1", "d1"}));
}

// In the middle of a rotation one number is missing (FILE.1 was renamed to
// FILE.2, FILE not yet to FILE.1): the follower still finds its file beyond
// the gap, and waits for the file after it rather than skip one.
TEST_F(LogFollowerTest, InTheMiddleOfARotationItSkipsNoFile) {
  append(file_, "a1\n");
  LogFollower follower(file_, std::nullopt);
  EXPECT_EQ(read_all(follower), (Lines{"a1"}));
  append(file_, "a2\n");
  rotate();
  append(file_, "b1\n");
  rotate();
  append(file_, "c1\n");  // FILE.2 = a, FILE.1 = b, FILE = c; the follower is in a
  // The next rotation, half done: FILE.2 → FILE.3, FILE.1 → FILE.2.
  fs::rename(file_.string() + ".2", file_.string() + ".3");
  fs::rename(file_.string() + ".1", file_.string() + ".2");
  // After b comes FILE.1, missing for now: it waits (c is still FILE, about
  // to become FILE.1) rather than skip anything.
  EXPECT_EQ(read_all(follower), (Lines{"a2", "b1"}));
  fs::rename(file_, file_.string() + ".1");
  append(file_, "d1\n");
  EXPECT_EQ(read_all(follower), (Lines{"c1", "d1"}));
}

TEST_F(LogFollowerTest, DropsAndCountsTheCutLastLineOfARotatedFile) {
  append(file_, "a1\na2-cut");  // what a kill -9 inside write(2) leaves
  LogFollower follower(file_, std::nullopt);
  EXPECT_EQ(read_all(follower), (Lines{"a1"}));
  rotate();
  append(file_, "b1\n");
  EXPECT_EQ(read_all(follower), (Lines{"b1"}));
  EXPECT_EQ(follower.cut_lines(), 1U);
}

TEST_F(LogFollowerTest, StartsAtTheOldestFileKeptWithoutAPosition) {
  append(file_, "a1\n");
  rotate();
  append(file_, "b1\n");
  rotate();
  append(file_, "c1\n");
  LogFollower follower(file_, std::nullopt);
  EXPECT_EQ(read_all(follower), (Lines{"a1", "b1", "c1"}));
}

TEST_F(LogFollowerTest, ResumesExactlyFromASavedPositionAlsoAfterItsFileWasRotated) {
  std::string text;
  for (int i = 0; i < 40; ++i)
    text += R"({"decision_id":"id)" + std::to_string(i) +
            R"("})"
            "\n";
  append(file_, text);
  FilePosition saved;
  {
    LogFollower follower(file_, std::nullopt);
    EXPECT_EQ(read_all(follower, 25).size(), 25U);
    saved = follower.position();
  }
  EXPECT_GT(saved.head_size, 0U);
  const std::optional<FilePosition> parsed = parse_position(position_text(saved));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, saved);

  append(file_, "{\"decision_id\":\"id40\"}\n");
  rotate();
  append(file_, "{\"decision_id\":\"next\"}\n");
  LogFollower resumed(file_, *parsed);
  const Lines lines = read_all(resumed);
  ASSERT_EQ(lines.size(), 17U);  // 25..39, 40, then the new file's
  EXPECT_EQ(lines.front(), R"({"decision_id":"id25"})");
  EXPECT_EQ(lines[15], R"({"decision_id":"id40"})");
  EXPECT_EQ(lines.back(), R"({"decision_id":"next"})");
}

TEST_F(LogFollowerTest, APositionWhoseFileIsGoneOrWasReplacedStartsFromTheOldestFile) {
  append(file_, "first file, first line\nsecond line\n");
  FilePosition saved;
  {
    LogFollower follower(file_, std::nullopt);
    EXPECT_EQ(read_all(follower).size(), 2U);
    saved = follower.position();
  }
  // Same inode, other first bytes: a reused inode number, not our file.
  FilePosition replaced = saved;
  replaced.head ^= 1U;
  LogFollower not_ours(file_, replaced);
  EXPECT_EQ(read_all(not_ours).size(), 2U);

  // The file removed, a new one in its place: everything of the new one.
  fs::remove(file_);
  append(file_, "new\n");
  LogFollower gone(file_, saved);
  EXPECT_EQ(read_all(gone), (Lines{"new"}));

  // An offset past the end (the file was truncated): not trusted either.
  FilePosition beyond = saved;
  beyond.offset = 1'000'000;
  LogFollower truncated(file_, beyond);
  EXPECT_EQ(read_all(truncated), (Lines{"new"}));
}

TEST_F(LogFollowerTest, CountsWhatIsBehindAcrossFiles) {
  append(file_, "aaaa\n");
  LogFollower follower(file_, std::nullopt);
  EXPECT_EQ(read_all(follower).size(), 1U);
  append(file_, "bb\n");
  rotate();
  append(file_, "cccccc\n");
  EXPECT_EQ(follower.behind_bytes(), 3U + 7U);
  EXPECT_EQ(read_all(follower), (Lines{"bb", "cccccc"}));
  EXPECT_EQ(follower.behind_bytes(), 0U);
}

TEST_F(LogFollowerTest, ABadPositionTextIsRefused) {
  EXPECT_FALSE(parse_position("").has_value());
  EXPECT_FALSE(parse_position("{\"inode\":1}").has_value());
  EXPECT_FALSE(parse_position(R"({"device":1,"inode":2,"offset":3,"head_size":65,"head":4})")
                   .has_value());  // the head is 64 bytes at most
  EXPECT_FALSE(
      parse_position(R"({"device":1,"inode":2,"offset":-3,"head_size":0,"head":4})").has_value());
}

}  // namespace
}  // namespace tenet::store
