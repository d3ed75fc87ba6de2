// Diagnostics: the one type every stage reports problems with, and its renderer.
//
// Each problem has a code from a closed list; the wording of every message
// lives in one table (diagnostic.cpp), filled in with the names involved.
// Stages collect diagnostics and keep going, so one run reports them all.
// Rendering follows docs/LANGUAGE.md §9 (Diagnostics):
//
//   FILE:LINE:COL: error: MESSAGE
//   <the source line>
//   <caret under the span>
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/source/source.hpp"

namespace tenet {

enum class Severity : std::uint8_t { Error, Warning };

enum class DiagCode : std::uint8_t {
  // reading and parsing
  FileTooLarge,
  NotUtf8,
  SyntaxError,
  NestingTooDeep,
  ExpressionTooLong,
  IntegerOutOfRange,
  BadEscape,
  UnknownAnnotation,
  AnnotationNotAllowed,
  AnnotationNeedsArgument,
  AnnotationTakesNoArgument,
  DuplicateClause,
  TestOutsideTestFile,
  DeclarationInTestFile,
  // names and declarations
  DuplicateAttribute,
  DuplicateMapping,
  DuplicateColumn,
  DuplicateDeclaration,
  DuplicateId,
  UnknownTemplate,
  ExtendsTenant,
  TemplateCycle,
  UnknownRole,
  RoleCycle,
  UnknownFeature,
  FeatureCycle,
  UnknownResourceType,
  UndeclaredAction,
  UnknownAttribute,
  AttributeTypeDiffers,
  UnknownState,
  // lifecycles
  LifecycleWithoutStates,
  LifecycleWithoutInitial,
  InitialNotAState,
  // types
  NotBoolean,
  TypeMismatch,
  OrderingNeedsInt,
  NotAMember,
  NotASet,
  MixedList,
  NoResourceHere,
  NoStateHere,
  // size limits (grammar/source/policy_limits.hpp)
  PolicyTooLarge,
  // warnings
  UnreachableState,
  UnreachableRole,
  PermitAlwaysOverridden,
  UnguardedOptional,
  // database mapping (docs/LANGUAGE.md §11, `tenet sql`)
  BadSqlName,
  TableMappedTwice,
  EmptyTenantName,
  SqlApproximation,
  SqlConditionTooLarge,
  // lint warnings, only with `tenet check --lint` (docs/LANGUAGE.md §9, "Lint")
  ReusedRuleId,
  WiderPermit,
  UnusedFeature,
  UnlessNeverHolds,
  IdenticalOverride,
};

struct Diagnostic {
  Severity severity = Severity::Error;
  DiagCode code = DiagCode::SyntaxError;
  Span span;
  std::string message;
};

// Builds a diagnostic whose message is the code's wording with each `{}`
// replaced, in order, by one of `args`. The severity is the code's own.
[[nodiscard]] Diagnostic make_diagnostic(DiagCode code, Span span,
                                         std::initializer_list<std::string_view> args = {});

// A short stable name for the code (e.g. "unknown-role"), used by tests.
[[nodiscard]] std::string_view code_name(DiagCode code);

// Orders by file path, line, column, then message; drops exact duplicates
// (a template's problem found again through each tenant that extends it).
void sort_and_unique(std::vector<Diagnostic>& diagnostics, const SourceSet& sources);

// `FILE:LINE:COL: error: MESSAGE`, the source line, and the caret line.
[[nodiscard]] std::string render(const Diagnostic& diagnostic, const SourceSet& sources);

[[nodiscard]] bool has_errors(const std::vector<Diagnostic>& diagnostics);

}  // namespace tenet
