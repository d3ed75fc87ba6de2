// `tenet check --lint` (docs/LANGUAGE.md §9, "Lint"): the silencing comment,
// the normalized text rules are compared by, and each lint on small policies
// (the goldens in tests/golden/diagnostics/lint-* show the full messages).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/checker/internal/lint_silence.hpp"
#include "engine/checker/internal/lint_text.hpp"
#include "engine/engine.hpp"

namespace tenet {
namespace {

constexpr std::string_view kSchema = R"(schema {
  principal { kyc: "none" | "pending" | "verified"; age: int; country: string; }
  resource document { owner: string; locked: bool; }
  resource account { owner: string; }
  context { mfa: bool; }
  actions read, write on document, account;
}
)";

// `LINE:code` for each diagnostic of `policy` checked with (or without) lint.
std::vector<std::string> lint(const std::string& policy, bool with_lint = true) {
  PolicyOptions options;
  options.compile = false;
  options.lint = with_lint;
  const PolicyLoad load =
      compile_policy_texts({{"schema.tenet", std::string(kSchema)}, {"p.tenet", policy}}, options);
  std::vector<std::string> out;
  for (const Diagnostic& d : load.diagnostics) {
    out.push_back(std::to_string(d.span.line) + ":" + std::string(code_name(d.code)));
  }
  EXPECT_EQ(load.error_count, 0u) << (out.empty() ? "" : out.front());
  return out;
}

using Codes = std::vector<std::string>;

TEST(LintSilence, FindsTheCommentOutsideStrings) {
  using checker::comment_of;
  EXPECT_EQ(comment_of(R"(permit read on * when x == "a // b"; // c)"), "// c");
  EXPECT_EQ(comment_of(R"(x == "q\"//" /* d */)"), "/* d */");
  EXPECT_EQ(comment_of("permit read on *;"), "");
}

TEST(LintSilence, ReadsACommaSeparatedListAndAReason) {
  using checker::ignores;
  EXPECT_TRUE(ignores("// tenet-lint: ignore unused-feature", "unused-feature"));
  EXPECT_TRUE(ignores("// tenet-lint: ignore a, unused-feature (why)", "unused-feature"));
  EXPECT_TRUE(ignores("// note. tenet-lint:ignore  x ,y", "y"));
  EXPECT_FALSE(ignores("// tenet-lint: ignore unused-feature-x", "unused-feature"));
  EXPECT_FALSE(ignores("// tenet-lint: ignore a because unused-feature", "unused-feature"));
  EXPECT_FALSE(ignores("// tenet-lint: ignored unused-feature", "unused-feature"));
  EXPECT_FALSE(ignores("// tenet-lint ignore unused-feature", "unused-feature"));
}

TEST(LintText, DropsLayoutCommentsAndAnnotations) {
  using checker::normalized_text;
  EXPECT_EQ(normalized_text("(a and  not b) // x"), "a && ! b");
  EXPECT_EQ(normalized_text("((a || b))"), "a || b");
  EXPECT_EQ(normalized_text("(a) && (b)"), "( a ) && ( b )");
  EXPECT_EQ(normalized_text("@id(\"x)\") plan p { /* c */ for basic; }"), "plan p { for basic ; }");
  EXPECT_EQ(normalized_text("x == \"a  b\""), "x == \"a  b\"");
}

TEST(Lint, NothingWithoutTheOption) {
  EXPECT_EQ(lint("tenant t { role r; feature f on; permit read on * unless false; }", false),
            Codes{});
}

TEST(Lint, UnusedFeature) {
  EXPECT_EQ(lint("tenant t {\n role r;\n feature f on;\n feature g on when enabled(h);\n"
                 " feature h off;\n plan p { requires feature g; }\n}"),
            (Codes{"3:unused-feature"}));
}

TEST(Lint, UnlessNeverHolds) {
  const std::string policy = R"(tenant t {
  role r;
  role s extends r;
  transition r -> s;
  permit read on * unless false;
  permit read on * unless principal.age > 5 && !(principal.age >= 3);
  permit read on * for s unless principal.role == "r";
  permit read on * when principal.kyc == "none" unless principal.kyc == "verified";
  permit read on * unless principal.kyc != "none" && principal.kyc != "pending" && principal.kyc != "verified";
  permit read on document unless resource.locked && !resource.locked;
  permit read on document unless principal.tenant == "other";
  permit read on * unless principal.kyc == "none" || principal.age > 3;
  permit read on * for r unless principal.role == "s";
  permit read on * when principal.age > 3 unless principal.age < 5;
  permit read on * when principal.kyc == "none" && principal.kyc == "pending" unless principal.kyc == "verified";
})";
  EXPECT_EQ(lint(policy),
            (Codes{"5:unless-never-holds", "6:unless-never-holds", "7:unless-never-holds",
                   "8:unless-never-holds", "9:unless-never-holds", "10:unless-never-holds",
                   "11:unless-never-holds"}));
}

TEST(Lint, OverridesAndWiderPermits) {
  const std::string policy = R"(template base {
  role r;
  role s extends r;
  transition r -> s;
  feature f on;
  permit read on document for s when enabled(f) && resource.locked;
  forbid write on document when resource.locked;
}
tenant t extends base {
  feature f on;
  permit read on document for r when resource.locked;
  forbid write on document when (resource.locked);
  permit read, write on document for s when enabled(f) && resource.locked;
  permit read on document for s when enabled(f) && resource.locked unless context.mfa;
  permit read on document for s when resource.owner == principal.id;
})";
  EXPECT_EQ(lint(policy), (Codes{"10:identical-override", "11:wider-permit",
                                 "12:identical-override", "13:wider-permit"}));
}

TEST(Lint, ReusedRuleIdAcrossTenantsOnly) {
  const std::string policy = R"(template base { role r; @id("shared") forbid write on account; }
tenant a extends base { @id("x") permit read on document; @id("y") permit write on document; }
tenant b extends base { @id("x") permit read on account; @id("y") permit write on document; }
tenant c extends base { @id("x") permit read on document; }
)";
  EXPECT_EQ(lint(policy), (Codes{"3:reused-rule-id"}));
}

TEST(Lint, SilencedOnItsLineOrAloneOnTheLineAbove) {
  const std::string policy = R"(tenant t {
  role r;
  feature f on;  // tenet-lint: ignore unused-feature
  // tenet-lint: ignore unused-feature
  feature g on;
  feature h on;  /* tenet-lint: ignore unless-never-holds */
  @id("a")  // tenet-lint: ignore unless-never-holds
  permit read on * unless false;
  // tenet-lint: ignore unless-never-holds
  @id("b")
  permit read on * unless false;
  permit read on *  // tenet-lint: ignore unless-never-holds (not alone: not for the next line)
      unless false;
  // tenet-lint: ignore unused-feature

  feature i on;
})";
  EXPECT_EQ(lint(policy),
            (Codes{"6:unused-feature", "13:unless-never-holds", "16:unused-feature"}));
}

}  // namespace
}  // namespace tenet
