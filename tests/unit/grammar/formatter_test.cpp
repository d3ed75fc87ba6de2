// grammar/formatter (`tenet fmt`): the canonical layout within lines, every
// line break and comment kept, idempotent, and never a change of meaning:
// every policy set in the repository and 200 generated ones compile to the
// same decision tables (`tenet tree`) once formatted.
#include "grammar/formatter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "engine/compile/tree_dump.hpp"
#include "engine/engine.hpp"
#include "tests/differential/policy_fuzz/random_policy.hpp"

namespace tenet {
namespace {

namespace fs = std::filesystem;

struct Formatted {
  std::string text;
  std::vector<std::string> errors;
};

Formatted format(const std::string& path, const std::string& text) {
  SourceSet sources;
  const FileId id = sources.add(path, text);
  const grammar::FormatResult result =
      grammar::format_file(sources, id, path.ends_with("_test.tenet"));
  Formatted out{result.text, {}};
  for (const Diagnostic& d : result.diagnostics) out.errors.push_back(d.message);
  return out;
}

std::string fmt(const std::string& text) {
  const Formatted f = format("policy.tenet", text);
  EXPECT_TRUE(f.errors.empty()) << (f.errors.empty() ? "" : f.errors.front());
  return f.text;
}

TEST(Formatter, SpacesWithinLinesAreCanonical) {
  EXPECT_EQ(fmt("schema{principal{kyc :\"a\"|\"b\";tags : set < string >;x ? :int;}\n"
                "resource doc@table( \"docs\" ){owner:string@column(\"o\");}\n"
                "actions read,write on doc;}\n"),
            "schema { principal { kyc: \"a\" | \"b\"; tags: set<string>; x?: int; }\n"
            "  resource doc @table(\"docs\") { owner: string @column(\"o\"); }\n"
            "  actions read, write on doc; }\n");
  EXPECT_EQ(fmt("schema { principal { n: int; } resource doc { } actions read on doc; }\n"
                "tenant  acme {\n"
                "role   guest ;\n"
                "    feature f on when ! ( principal . n >= -3 ) || enabled ( f2 ) ;\n"
                "feature f2 off;\n"
                "@id ( \"r\" )   permit read on doc when principal.n in [ 1 , 2 ];\n"
                "transition guest->guest;\n"
                "}\n"),
            "schema { principal { n: int; } resource doc { } actions read on doc; }\n"
            "tenant acme {\n"
            "  role guest;\n"
            "  feature f on when !(principal.n >= -3) || enabled(f2);\n"
            "  feature f2 off;\n"
            "  @id(\"r\") permit read on doc when principal.n in [1, 2];\n"
            "  transition guest -> guest;\n"
            "}\n");
}

TEST(Formatter, LineBreaksBlankLinesAndCommentsStayWhereTheyAre) {
  const std::string text =
      "\n// the schema\n"
      "schema {\n"
      "principal { n: int; }   // trailing, spaced\n"
      "\n\n"
      "   resource doc { }\n"
      "  actions read on doc; /* inline */\n"
      "}\n"
      "tenant acme {\n"
      "  role r;\n"
      "  permit read on doc\n"
      "when principal.n > 1 &&\n"
      "        principal.n < 9;   \n"
      "  /* a block\n"
      "       comment */\n"
      "}";
  EXPECT_EQ(fmt(text),
            "\n// the schema\n"
            "schema {\n"
            "  principal { n: int; }  // trailing, spaced\n"
            "\n\n"
            "  resource doc { }\n"
            "  actions read on doc;  /* inline */\n"
            "}\n"
            "tenant acme {\n"
            "  role r;\n"
            "  permit read on doc\n"
            "      when principal.n > 1 &&\n"
            "      principal.n < 9;\n"
            "  /* a block\n"
            "       comment */\n"
            "}\n");
}

// A later declaration without @id on the line of another is known by its
// column too (FILE:LINE:COL): such a line is kept exactly as written.
TEST(Formatter, ALineWithTwoDefaultIdsIsKeptAsWritten) {
  const std::string text =
      "schema { principal { n: int; } resource doc { } actions read, write on doc; }\n"
      "tenant acme {\n"
      "role r;   permit read on doc;    permit write on doc;\n"
      "   permit read   on doc;\n"
      "}\n";
  EXPECT_EQ(fmt(text),
            "schema { principal { n: int; } resource doc { } actions read, write on doc; }\n"
            "tenant acme {\n"
            "role r;   permit read on doc;    permit write on doc;\n"
            "  permit read on doc;\n"
            "}\n");
}

TEST(Formatter, TestBlocksKeepObjectLiteralsInline) {
  const std::string text =
      "test \"t\" {\n"
      "tenant acme;\n"
      "principal {id:\"u\",role:basic,\n"
      "                tags:[\"a\" ,\"b\"]};\n"
      "expect allow read on doc {id : \"d\", owner:\"u\"};\n"
      "expect allow lifecycle sub { id: \"s\", state: signing }\n"
      "to signed;\n"
      "expect plans [ starter , pro ];\n"
      "}\n";
  const Formatted f = format("acme_test.tenet", text);
  ASSERT_TRUE(f.errors.empty()) << f.errors.front();
  EXPECT_EQ(f.text,
            "test \"t\" {\n"
            "  tenant acme;\n"
            "  principal { id: \"u\", role: basic,\n"
            "      tags: [\"a\", \"b\"] };\n"
            "  expect allow read on doc { id: \"d\", owner: \"u\" };\n"
            "  expect allow lifecycle sub { id: \"s\", state: signing }\n"
            "      to signed;\n"
            "  expect plans [starter, pro];\n"
            "}\n");
}

TEST(Formatter, AFileWithSyntaxErrorsIsNotFormatted) {
  const Formatted f = format("policy.tenet", "tenant acme { role ; }\n");
  EXPECT_TRUE(f.text.empty());
  ASSERT_FALSE(f.errors.empty());
  EXPECT_NE(f.errors.front().find("expected a role name"), std::string::npos) << f.errors.front();
}

// Every tenant's `tenet tree` of a set of files, or "" when it does not compile.
std::map<std::string, std::string> trees(const std::vector<PolicyText>& files) {
  const PolicyLoad load = compile_policy_texts(files);
  std::map<std::string, std::string> out;
  if (!load.policies) return out;
  for (Index t = 0; t < load.policies->tenant_count(); ++t)
    out[std::string(load.policies->tenant(t).name)] = compile::dump_tree(*load.policies, t);
  return out;
}

// Line breaks before the text's last non-blank character.
long lines_up_to_the_last_token(const std::string& text) {
  const std::size_t last = text.find_last_not_of(" \t\r\n");
  if (last == std::string::npos) return 0;
  return std::count(text.begin(), text.begin() + static_cast<long>(last), '\n');
}

// Formats each file; checks it is idempotent; returns the formatted set.
std::vector<PolicyText> formatted_set(const std::vector<PolicyText>& files, const std::string& what,
                                      int& formatted_files) {
  std::vector<PolicyText> out;
  for (const PolicyText& file : files) {
    const Formatted once = format(file.name, file.text);
    if (!once.errors.empty()) {
      out.push_back(file);  // a file with syntax errors (a diagnostics golden) stays as it is
      continue;
    }
    ++formatted_files;
    EXPECT_EQ(format(file.name, once.text).text, once.text)
        << "not idempotent: " << what << " " << file.name;
    // Line breaks stay: default ids (FILE:LINE) depend on them.
    EXPECT_EQ(lines_up_to_the_last_token(once.text), lines_up_to_the_last_token(file.text))
        << what << " " << file.name;
    out.push_back(PolicyText{file.name, once.text});
  }
  return out;
}

TEST(Formatter, EveryPolicySetInTheRepositoryKeepsItsTablesAndIsIdempotent) {
  std::map<fs::path, std::vector<PolicyText>> sets;
  const fs::path root(TENET_SOURCE_DIR);
  for (const char* top : {"policies", "tests", "bench", "bindings", "docs"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".tenet") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      // The shipped set spans folders; every other set is one folder.
      const fs::path set_root =
          entry.path().lexically_relative(root).begin()->string() == "policies"
              ? root / "policies"
              : entry.path().parent_path();
      sets[set_root].push_back(
          PolicyText{fs::relative(entry.path(), set_root).string(), text.str()});
    }
  }
  int formatted_files = 0;
  int compiled_sets = 0;
  for (const auto& [dir, files] : sets) {
    const std::string what = fs::relative(dir, root).string();
    const std::vector<PolicyText> after = formatted_set(files, what, formatted_files);
    const auto before_trees = trees(files);
    if (before_trees.empty()) continue;  // not a whole set (a golden of errors, a fragment)
    ++compiled_sets;
    EXPECT_EQ(trees(after), before_trees) << what;
  }
  RecordProperty("formatted_files", std::to_string(formatted_files));
  RecordProperty("compiled_sets", std::to_string(compiled_sets));
  EXPECT_GT(formatted_files, 100);
  EXPECT_GT(compiled_sets, 5);
}

TEST(Formatter, TwoHundredGeneratedSetsKeepTheirTables) {
  int formatted_files = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const fuzz::GeneratedPolicySet set = fuzz::generate_policy_set(seed);
    std::vector<PolicyText> files;
    for (const auto& [path, text] : set.files) files.push_back(PolicyText{path, text});
    const auto before = trees(files);
    ASSERT_FALSE(before.empty()) << "seed " << seed;
    const std::vector<PolicyText> after =
        formatted_set(files, "seed " + std::to_string(seed), formatted_files);
    EXPECT_EQ(trees(after), before) << "seed " << seed;
  }
  EXPECT_GT(formatted_files, 200);
}

}  // namespace
}  // namespace tenet
