// The wire error codes: one closed list (engine/json/error_code.hpp), each
// name unique and found again by name, and docs/PROTOCOL.md's "Error codes"
// table listing exactly these codes.
#include "engine/json/error_code.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace tenet {
namespace {

std::set<std::string> enum_names() {
  std::set<std::string> names;
  for (std::size_t i = 0; i < json::kErrorCodeCount; ++i)
    names.emplace(json::error_name(static_cast<json::ErrorCode>(i)));
  return names;
}

TEST(ErrorCode, NamesAreUniqueAndFoundAgain) {
  EXPECT_EQ(enum_names().size(), json::kErrorCodeCount);
  for (std::size_t i = 0; i < json::kErrorCodeCount; ++i) {
    const auto code = static_cast<json::ErrorCode>(i);
    EXPECT_EQ(json::error_code_named(json::error_name(code)), code) << i;
  }
  EXPECT_EQ(json::error_name(json::ErrorCode::BadJson), "bad_json");
  EXPECT_EQ(json::error_name(json::ErrorCode::Internal), "internal");
  EXPECT_FALSE(json::error_code_named("other").has_value());  // a stats bucket, not a code
  EXPECT_FALSE(json::error_code_named("").has_value());
}

// The rows of the table under "## Error codes", first column, must be the enum's names.
TEST(ErrorCode, ProtocolReferenceListsEveryCode) {
  std::ifstream file(std::string(TENET_SOURCE_DIR) + "/docs/PROTOCOL.md");
  ASSERT_TRUE(file) << "docs/PROTOCOL.md";
  std::stringstream text;
  text << file.rdbuf();
  const std::string doc = text.str();
  const std::size_t section = doc.find("\n## Error codes\n");
  ASSERT_NE(section, std::string::npos);
  const std::size_t next = doc.find("\n## ", section + 1);
  const std::string body = doc.substr(section, next - section);
  std::set<std::string> documented;
  const std::regex row(R"(\n\| `([a-z_]+)` \|)");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), row); it != std::sregex_iterator();
       ++it) {
    EXPECT_TRUE(documented.insert((*it)[1]).second) << "listed twice: " << (*it)[1];
  }
  EXPECT_EQ(documented, enum_names());
}

}  // namespace
}  // namespace tenet
