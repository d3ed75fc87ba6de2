// The abstract syntax tree of one .tenet file, as the parser produces it.
//
// Plain data: the parser (grammar/parser.cpp) is the only code that builds it,
// and hands it out as `const`; the checker (engine/checker/checker) only reads it.
// Every node carries the Span of the source it came from. Names are decoded
// (a string-literal name `"partner-a.eu"` is stored as partner-a.eu) and keep
// the span of the token as written.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "grammar/source/source.hpp"

namespace tenet::ast {

// An identifier or a string literal used as a name (tenant, role, feature...).
struct Name {
  std::string text;
  Span span;
};

// ---------------------------------------------------------------- schema

enum class WrittenType : std::uint8_t { Bool, Int, String, Enum, SetOfString, SetOfInt };

struct Type {
  WrittenType kind = WrittenType::Bool;
  std::vector<Name> members;  // Enum only: the allowed strings, in source order
  Span span;
};

struct AttributeDecl {
  Name name;
  bool optional = false;  // declared `name?: type`
  Type type;
  std::optional<Name> column;  // @column("...")
  // @sensitive: the value is never written to the decision log (or any
  // other log); decisions still read it. Where the annotation is written.
  std::optional<Span> sensitive;
  Span span;
};

struct ResourceDecl {
  Name type_name;
  std::vector<AttributeDecl> attributes;
  std::optional<Name> table;          // @table("...")
  std::optional<Name> tenant_column;  // @tenant_column("...")
  Span span;
};

// `actions read, write on document, folder;` — in a schema (every tenant's
// actions) or in a tenant or template body (that partner's own actions).
struct ActionsDecl {
  std::vector<Name> actions;
  std::vector<Name> types;
  Span span;
};

// `schema { ... }`. `principal { }` and `context { }` may appear several
// times in one block; their attributes are appended in source order.
struct SchemaDecl {
  std::vector<AttributeDecl> principal;
  std::vector<AttributeDecl> context;
  std::vector<ResourceDecl> resources;
  std::vector<ActionsDecl> actions;
  Span span;
};

// ---------------------------------------------------------------- expressions

enum class Entity : std::uint8_t { Principal, Resource, Context };

enum class BinaryOp : std::uint8_t {
  Or,
  And,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  In,        // TERM in LIST | TERM in TERM
  Contains,  // TERM contains TERM
};

struct Expr;
using ExprPtr = std::unique_ptr<const Expr>;

struct BoolLiteral {
  bool value = false;
};
struct IntLiteral {
  std::int64_t value = 0;
};
struct StringLiteral {
  std::string value;  // decoded
};
// `[lit, lit, ...]`; items are BoolLiteral / IntLiteral / StringLiteral exprs.
struct ListLiteral {
  std::vector<ExprPtr> items;
};
// `principal.kyc`
struct AttributeRef {
  Entity entity = Entity::Principal;
  Name attribute;
};
// `principal has company_id`
struct HasAttribute {
  Entity entity = Entity::Principal;
  Name attribute;
};
// `enabled(trading)`
struct EnabledCall {
  Name feature;
};
// `!x` / `not x`
struct Not {
  ExprPtr operand;
};
struct Binary {
  BinaryOp op = BinaryOp::And;
  ExprPtr lhs;
  ExprPtr rhs;
  Span op_span;  // the operator token
};

struct Expr {
  using Node = std::variant<BoolLiteral, IntLiteral, StringLiteral, ListLiteral, AttributeRef,
                            HasAttribute, EnabledCall, Not, Binary>;
  Node node;
  // The source text of the expression. A parenthesised expression's span
  // includes its parentheses, so quoting it (e.g. in `unmet`) reads naturally.
  Span span;
};

// ---------------------------------------------------------------- tenant bodies

// `@id("text")` in front of a rule, transition, plan or lifecycle edge.
struct Annotation {
  Name id;
};

struct RoleDecl {
  Name name;
  std::vector<Name> parents;  // `extends a, b`
  Span span;
};

struct TransitionDecl {
  std::optional<Annotation> annotation;
  Name from;
  Name to;
  ExprPtr condition;  // `when`; null when absent
  Span span;
};

struct FeatureDecl {
  Name name;
  bool default_on = false;
  std::vector<Name> roles;  // `for`; empty: every role
  ExprPtr condition;        // null when absent
  Span span;
};

struct PlanDecl {
  std::optional<Annotation> annotation;
  Name name;
  std::vector<Name> roles;              // `for`; empty: every role
  ExprPtr condition;                    // null when absent
  std::vector<Name> required_features;  // `requires feature a, b`
  Span span;
};

struct LifecycleEdge {
  std::optional<Annotation> annotation;
  std::vector<Name> from;
  Name to;
  std::vector<Name> roles;  // `by`; empty: every role
  ExprPtr condition;        // null when absent
  Span span;
};

struct LifecycleDecl {
  Name resource_type;
  std::vector<Name> states;  // every `states` clause, appended
  std::optional<Name> initial;
  std::vector<LifecycleEdge> edges;
  Span span;
  Span states_span;  // the first `states` clause (diagnostics); == span if none
};

enum class Effect : std::uint8_t { Permit, Forbid };

struct RuleDecl {
  std::optional<Annotation> annotation;
  Effect effect = Effect::Permit;
  bool all_actions = false;  // `*`
  std::vector<Name> actions;
  bool all_types = false;  // `*`
  std::vector<Name> types;
  std::vector<Name> roles;  // `for`; empty: every role
  ExprPtr when;             // null when absent
  ExprPtr unless;           // null when absent
  Span span;
};

// The declarations of a tenant or template body, each kind in source order.
struct Body {
  std::vector<ActionsDecl> actions;
  std::vector<RoleDecl> roles;
  std::vector<TransitionDecl> transitions;
  std::vector<FeatureDecl> features;
  std::vector<PlanDecl> plans;
  std::vector<LifecycleDecl> lifecycles;
  std::vector<RuleDecl> rules;
};

struct TemplateDecl {
  Name name;
  std::vector<Name> extends;
  Body body;
  Span span;
};

struct TenantDecl {
  Name name;
  std::vector<Name> extends;
  Body body;
  Span span;
};

// ---------------------------------------------------------------- tests (section 8)

// A value in a test's object literal: `"text"`, `12`, `true`, a bare name
// (`role: guest`, `state: signed`) or a list of those.
struct TestValue {
  enum class Kind : std::uint8_t { String, Int, Bool, Name, List };
  Kind kind = Kind::String;
  std::string text;  // String and Name
  std::int64_t integer = 0;
  bool boolean = false;
  std::vector<TestValue> items;  // List
  Span span;
};

struct TestField {
  Name key;
  TestValue value;
};

// `{ key: value, ... }`
struct TestObject {
  std::vector<TestField> fields;
  Span span;
};

enum class ExpectKind : std::uint8_t { Check, Transition, Subscribe, Plans, Features, Lifecycle };

struct Expectation {
  ExpectKind kind = ExpectKind::Check;
  bool allow = false;       // Check, Transition, Subscribe, Lifecycle
  Name action;              // Check
  Name resource_type;       // Check, Lifecycle
  TestObject resource;      // Check, Lifecycle
  Name target;              // Transition: role; Subscribe: plan; Lifecycle: state
  std::vector<Name> names;  // Plans, Features: the expected list
  Span span;
};

struct TestTenant {
  Name tenant;
  Span span;
};
struct TestPrincipal {
  TestObject principal;
  Span span;
};
struct TestContext {
  TestObject context;
  Span span;
};

using TestStep = std::variant<TestTenant, TestPrincipal, TestContext, Expectation>;

struct TestDecl {
  Name name;
  std::vector<TestStep> steps;  // in source order
  Span span;
};

// ---------------------------------------------------------------- a file

struct File {
  FileId file = 0;
  std::vector<SchemaDecl> schemas;
  std::vector<TemplateDecl> templates;
  std::vector<TenantDecl> tenants;
  std::vector<TestDecl> tests;
};

}  // namespace tenet::ast
