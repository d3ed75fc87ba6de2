#include "grammar/source/diagnostic.hpp"

#include <algorithm>
#include <array>
#include <tuple>

namespace tenet {
namespace {

struct CodeInfo {
  DiagCode code;
  Severity severity;
  std::string_view name;
  std::string_view wording;  // `{}` placeholders, filled in order
  bool quotes_source;        // print the source line and caret under it
};

using enum DiagCode;
constexpr Severity E = Severity::Error;
constexpr Severity W = Severity::Warning;

// Every message the front end can produce, worded here and nowhere else.
constexpr std::array kCodes{
    CodeInfo{FileTooLarge, E, "file-too-large",
             "file is larger than the limit of {} bytes (--max-file-bytes)", false},
    CodeInfo{NotUtf8, E, "not-utf8", "file is not UTF-8 text (invalid byte 0x{} at offset {})",
             false},
    CodeInfo{SyntaxError, E, "syntax", "{}", true},
    CodeInfo{NestingTooDeep, E, "nesting-too-deep", "expression nested more than {} levels deep",
             true},
    CodeInfo{ExpressionTooLong, E, "expression-too-long",
             "expression too long: more than {} operators one inside the other, chains counted "
             "(split it, or use 'in [...]')",
             true},
    CodeInfo{IntegerOutOfRange, E, "integer-out-of-range", "integer {} does not fit in 64 bits",
             true},
    CodeInfo{BadEscape, E, "bad-escape", "invalid escape sequence '{}' in string literal", true},
    CodeInfo{UnknownAnnotation, E, "unknown-annotation", "unknown annotation '@{}' (expected {})",
             true},
    CodeInfo{AnnotationNotAllowed, E, "annotation-not-allowed", "@{} is not allowed {}", true},
    CodeInfo{AnnotationNeedsArgument, E, "annotation-needs-argument",
             "@{} needs a quoted argument, as in @{}(\"...\")", true},
    CodeInfo{AnnotationTakesNoArgument, E, "annotation-takes-no-argument",
             "@{} takes no argument: write @{} alone", true},
    CodeInfo{DuplicateClause, E, "duplicate-clause", "'{}' given twice in one {}", true},
    CodeInfo{TestOutsideTestFile, E, "test-outside-test-file",
             "test blocks belong in files named *_test.tenet", true},
    CodeInfo{DeclarationInTestFile, E, "declaration-in-test-file",
             "a *_test.tenet file holds only test blocks, not {}", true},
    CodeInfo{DuplicateAttribute, E, "duplicate-attribute",
             "attribute '{}' of {} is already declared {}", true},
    CodeInfo{DuplicateMapping, E, "duplicate-mapping", "resource type '{}' already has @{} (at {})",
             true},
    CodeInfo{DuplicateColumn, E, "duplicate-column",
             "column '{}' of resource type '{}' is already used by {}", true},
    CodeInfo{DuplicateDeclaration, E, "duplicate-declaration",
             "{} '{}' is already declared{} at {}", true},
    CodeInfo{DuplicateId, E, "duplicate-id", "id '{}' is already used{} at {}", true},
    CodeInfo{UnknownTemplate, E, "unknown-template",
             "'{}' extends '{}', which is not a declared template{}", true},
    CodeInfo{
        ExtendsTenant, E, "extends-tenant",
        "'{}' extends tenant '{}': only templates can be extended, tenants never share policies",
        true},
    CodeInfo{TemplateCycle, E, "template-cycle", "template inheritance cycle: {}", true},
    CodeInfo{UnknownRole, E, "unknown-role", "unknown role '{}'{}{}", true},
    CodeInfo{RoleCycle, E, "role-cycle", "role inheritance cycle in {}: {}", true},
    CodeInfo{UnknownFeature, E, "unknown-feature", "unknown feature '{}'{}{}", true},
    CodeInfo{FeatureCycle, E, "feature-cycle", "features depend on each other in a cycle in {}: {}",
             true},
    CodeInfo{UnknownResourceType, E, "unknown-resource-type", "unknown resource type '{}'{}", true},
    CodeInfo{UndeclaredAction, E, "undeclared-action", "action '{}' is not declared for {}{}{}",
             true},
    CodeInfo{UnknownAttribute, E, "unknown-attribute", "unknown attribute '{}'{}{}", true},
    CodeInfo{
        AttributeTypeDiffers, E, "attribute-type-differs",
        "'{}' is {} on resource type '{}' but {} on '{}'; a rule over several types needs one type",
        true},
    CodeInfo{UnknownState, E, "unknown-state", "unknown state '{}' in the lifecycle of '{}'{}",
             true},
    CodeInfo{LifecycleWithoutStates, E, "lifecycle-without-states",
             "lifecycle of '{}' declares no states", true},
    CodeInfo{LifecycleWithoutInitial, E, "lifecycle-without-initial",
             "lifecycle of '{}' has no initial state", true},
    CodeInfo{InitialNotAState, E, "initial-not-a-state",
             "initial state '{}' is not one of the states of the lifecycle of '{}'", true},
    CodeInfo{NotBoolean, E, "not-boolean", "{} must be bool, but this is {}", true},
    CodeInfo{TypeMismatch, E, "type-mismatch", "cannot compare {} with {}", true},
    CodeInfo{OrderingNeedsInt, E, "ordering-needs-int", "'{}' compares int values, but this is {}",
             true},
    CodeInfo{NotAMember, E, "not-a-member", "\"{}\" is not one of the values of {} ({}){}", true},
    CodeInfo{NotASet, E, "not-a-set", "'{}' needs a set, but this is {}", true},
    CodeInfo{MixedList, E, "mixed-list", "list items must all have one type: {} and {}", true},
    CodeInfo{NoResourceHere, E, "no-resource-here",
             "'{}' is not available here: a {} has no resource", true},
    CodeInfo{NoStateHere, E, "no-state-here",
             "resource.state is not available: {} has no lifecycle{}", true},
    CodeInfo{PolicyTooLarge, E, "policy-too-large", "{}, more than the limit of {}", true},
    CodeInfo{UnreachableState, W, "unreachable-state",
             "state '{}' of the lifecycle of '{}' cannot be reached from the initial state '{}'",
             true},
    CodeInfo{UnreachableRole, W, "unreachable-role", "no transition leads to role '{}'{}", true},
    CodeInfo{PermitAlwaysOverridden, W, "permit-always-overridden",
             "this permit can never grant{}: the unconditional forbid at {} always overrides it",
             true},
    CodeInfo{UnguardedOptional, W, "unguarded-optional",
             "'{}' is optional and read without a guard; add '{} has {} &&' before it (a request "
             "without it puts the rule in error)",
             true},
    CodeInfo{BadSqlName, E, "bad-sql-name",
             "{} of resource type '{}' {}: PostgreSQL cannot use it as a name", true},
    CodeInfo{TableMappedTwice, E, "table-mapped-twice",
             "table \"{}\" is already the table of resource type '{}' (at {}): a table holds one "
             "resource type",
             true},
    CodeInfo{EmptyTenantName, E, "empty-tenant-name",
             "a tenant name cannot be empty: an empty tenant is no tenant, in requests and in the "
             "database",
             true},
    CodeInfo{SqlApproximation, W, "sql-approximation",
             "rule '{}' reads {}, which a database session cannot know: its row-level security "
             "assumes the worst ({})",
             true},
    CodeInfo{SqlConditionTooLarge, W, "sql-condition-too-large",
             "rule '{}' is too large to write as SQL (its residual has more than {} nodes): its "
             "row-level security assumes the worst ({})",
             true},
    // Lint: each message ends with the code that silences it (`tenet-lint: ignore CODE`).
    CodeInfo{ReusedRuleId, W, "reused-rule-id",
             "id '{}' is used{} for a different rule than in tenant '{}' (at {}) [reused-rule-id]",
             true},
    CodeInfo{WiderPermit, W, "wider-permit",
             "this permit{} grants everything the permit '{}' of template '{}' grants (at {}), "
             "and more: {} [wider-permit]",
             true},
    CodeInfo{UnusedFeature, W, "unused-feature",
             "feature '{}' is never read{}: no condition uses enabled({}) and no plan requires it "
             "[unused-feature]",
             true},
    CodeInfo{UnlessNeverHolds, W, "unless-never-holds",
             "this 'unless' can never hold{}: {} [unless-never-holds]", true},
    CodeInfo{IdenticalOverride, W, "identical-override",
             "{}{} is identical to the {} of template '{}' it {} (at {}) [identical-override]",
             true},
};

constexpr const CodeInfo& info(DiagCode code) {
  for (const CodeInfo& entry : kCodes) {
    if (entry.code == code) return entry;
  }
  return kCodes[0];  // unreachable: every code has an entry (checked below)
}

constexpr bool every_code_listed() {
  for (std::size_t i = 0; i < kCodes.size(); ++i) {
    if (static_cast<std::size_t>(kCodes[i].code) != i) return false;
  }
  return true;
}
static_assert(every_code_listed(), "kCodes must list every DiagCode, in enum order");

std::string fill(std::string_view wording, std::initializer_list<std::string_view> args) {
  std::string out;
  out.reserve(wording.size() + 32);
  auto arg = args.begin();
  for (std::size_t i = 0; i < wording.size(); ++i) {
    if (wording[i] == '{' && i + 1 < wording.size() && wording[i + 1] == '}') {
      if (arg != args.end()) out += *arg++;
      ++i;
    } else {
      out += wording[i];
    }
  }
  return out;
}

// Width of `text` on a terminal, counting each UTF-8 sequence as one column.
std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
  }
  return width;
}

bool printable(std::string_view line) {
  return std::none_of(line.begin(), line.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 && c != '\t';
  });
}

}  // namespace

Diagnostic make_diagnostic(DiagCode code, Span span, std::initializer_list<std::string_view> args) {
  const CodeInfo& entry = info(code);
  return Diagnostic{entry.severity, code, span, fill(entry.wording, args)};
}

std::string_view code_name(DiagCode code) { return info(code).name; }

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

void sort_and_unique(std::vector<Diagnostic>& diagnostics, const SourceSet& sources) {
  const auto key = [&](const Diagnostic& d) {
    return std::tuple(std::string_view(sources.file(d.span.file).path), d.span.line, d.span.column,
                      d.severity, std::string_view(d.message));
  };
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  diagnostics.erase(std::unique(diagnostics.begin(), diagnostics.end(),
                                [&](const Diagnostic& a, const Diagnostic& b) {
                                  return key(a) == key(b) && a.span.length == b.span.length;
                                }),
                    diagnostics.end());
}

std::string render(const Diagnostic& diagnostic, const SourceSet& sources) {
  const Span& span = diagnostic.span;
  std::string out = sources.file(span.file).path;
  out += ':' + std::to_string(span.line) + ':' + std::to_string(span.column) + ": ";
  out += diagnostic.severity == Severity::Error ? "error: " : "warning: ";
  out += diagnostic.message;
  out += '\n';

  const std::string_view line = sources.line_text(span.file, span.line);
  if (!info(diagnostic.code).quotes_source || !printable(line)) return out;
  out += line;
  out += '\n';
  const std::size_t start = std::min<std::size_t>(span.column - 1, line.size());
  // Keep tabs so the caret lines up under tab-indented source.
  for (std::size_t i = 0; i < start; ++i) {
    if (line[i] == '\t') {
      out += '\t';
    } else if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) {
      out += ' ';
    }
  }
  const std::size_t end = std::min<std::size_t>(start + span.length, line.size());
  const std::size_t width =
      std::max<std::size_t>(1, display_width(line.substr(start, end - start)));
  out += '^';
  out.append(width - 1, '~');
  out += '\n';
  return out;
}

}  // namespace tenet
