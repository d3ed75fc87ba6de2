// The request-validation tables of a compiled set (LANGUAGE.md 5.1 step 2):
// per entity (principal, context, each resource type) the declared
// attributes by name → slot, declared kind and enum, with the "expected X,
// got " message head of each attribute written out once; per enum its
// members and their `"a" | "b"` text.
//
// Built once by compile() (engine/compile/compiler.cpp) from the checked
// model, so the runtime never reads the model to validate a request: the
// JSON stage (engine/json/internal/attribute_reader) reads these tables, and
// the typed C++ API answers `principal_slot("kyc")` from them
// (CompiledPolicySet). Immutable once built; read from any thread. Every
// view points into the model's interner (kept alive by the compiled set) or
// into the tables' own string storage.
#pragma once

#include <cstddef>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/compile/name_table.hpp"
#include "engine/model/model.hpp"

namespace tenet::compile {

using model::Index;
using model::kNone;

// One declared attribute, as a request reads it.
struct RequestAttribute {
  std::string_view name;
  Index slot = kNone;  // into the entity's Value array (resource: shared by name over types)
  model::AttributeKind kind = model::AttributeKind::Bool;
  Index enum_index = kNone;  // Enum: into RequestTables::enums
  // "principal.attrs.kyc": the path messages name (a set element appends "[i]").
  std::string_view path;
  // "principal.attrs.kyc: expected one of \"none\" | \"verified\", got ": the
  // message for a value that does not fit, up to what the request sent.
  std::string_view expected;
  // @sensitive (LANGUAGE.md section 3): a log leaves the value out.
  bool sensitive = false;
};

// The attributes of one entity (principal, context, or one resource type).
class RequestAttributeTable {
 public:
  // Adds `attribute` unless its name is already there (the first wins, as
  // the checker keeps it).
  void add(const RequestAttribute& attribute);
  // The declaration of `name`, or null when the entity declares no such
  // attribute. Allocation-free.
  [[nodiscard]] const RequestAttribute* find(std::string_view name) const;
  [[nodiscard]] const std::vector<RequestAttribute>& attributes() const { return entries_; }
  // The names of the attributes declared @sensitive, in declaration order
  // (usually none).
  [[nodiscard]] std::span<const std::string_view> sensitive() const { return sensitive_; }
  // Whether `name` is one of sensitive(): a scan of those few names (length
  // first, then bytes), so nothing at all when there are none. Allocation-free.
  [[nodiscard]] bool is_sensitive(std::string_view name) const;

 private:
  // A schema declares a handful of attributes per table: below kScan a
  // linear scan (size first, then bytes) beats hashing the key.
  static constexpr std::size_t kScan = 12;
  std::vector<RequestAttribute> entries_;    // declaration order
  NameTable names_;                          // name → index into entries_, for larger tables
  std::vector<std::string_view> sensitive_;  // the @sensitive ones' names, declaration order
};

// A string enum's members, in declaration order (a member's index is its
// value), and the `"a" | "b"` text messages quote.
struct RequestEnum {
  std::vector<std::string_view> members;
  std::string_view text;

  // The member's index, or kNone. Allocation-free.
  [[nodiscard]] Index find(std::string_view member) const;
};

struct RequestTables {
  RequestAttributeTable principal;
  RequestAttributeTable context;
  std::vector<RequestAttributeTable> resources;  // by resource type
  NameTable resource_slot_index;                 // attribute name → resource slot, any type
  std::vector<RequestEnum> enums;                // model::Schema::enums, same order
  std::size_t principal_slots = 0;
  std::size_t context_slots = 0;
  std::size_t resource_slots = 0;
  // The names @sensitive on at least one resource type, each once: what a
  // log leaves out of a resource whose type it does not know.
  std::vector<std::string_view> sensitive_on_any_resource;
  bool any_sensitive = false;  // some attribute of the schema is @sensitive
  // Owns the paths, message heads and enum texts; a deque never moves its
  // elements, so the views above stay valid (also when the tables move).
  std::deque<std::string> strings;
};

// Compiles the tables of `model`'s schema (called once, by compile()).
[[nodiscard]] RequestTables compile_request_tables(const model::PolicySet& model);

}  // namespace tenet::compile
