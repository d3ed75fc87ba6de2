// Request attributes (JSON `attrs` / `context` objects) → engine Values by
// slot, validated against the schema (docs/LANGUAGE.md §7, validation).
//
// Built once per checked model (name tables, enum member lists, the
// `"a" | "b"` text of every enum), then used for every request: reading
// allocates nothing once the caller's set storage has grown. Messages name
// the path: `principal.attrs.account_age_days: expected int, got string`,
// `principal.attrs.kyc: expected one of "none" | "pending" | "verified", got
// "verifed"`, `principal.attrs.tags[2]: expected string, got int`.
//
// Internal to engine/json/request_parser.cpp. An AttributeReader is immutable
// after construction; the scratch it writes into belongs to the caller.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/compile/name_table.hpp"
#include "engine/eval/request.hpp"
#include "engine/model/model.hpp"

namespace tenet::json {

using model::Index;
using model::kNone;

// Where set elements go while a request is read; spans are fixed up at the
// end (the vectors may grow while the request is read).
struct SetScratch {
  struct Fixup {
    eval::Value* value = nullptr;
    std::size_t begin = 0;
    std::size_t count = 0;
  };
  std::vector<std::string_view> strings;
  std::vector<std::int64_t> integers;
  std::vector<Fixup> fixups;
  std::size_t limit = 100'000;  // elements per request
  bool over_limit = false;

  void clear() {
    strings.clear();
    integers.clear();
    fixups.clear();
    over_limit = false;
  }
  // Points every set Value at its elements (call once, after the last read).
  void resolve();
};

// An attribute name → its declaration, for one entity (principal, context,
// or one resource type).
class AttributeTable {
 public:
  AttributeTable() = default;
  AttributeTable(const model::PolicySet& policy_set,
                 const std::vector<model::Attribute>& attributes);
  [[nodiscard]] const model::Attribute* find(std::string_view name) const;

 private:
  struct Entry {
    std::string_view name;
    const model::Attribute* attribute = nullptr;
  };
  // A schema declares a handful of attributes per table: below kScan a
  // linear scan (size first, then bytes) beats hashing the key.
  static constexpr std::size_t kScan = 12;
  std::vector<Entry> entries_;  // declaration order
  compile::NameTable names_;    // name → index into entries_, for larger tables
};

// The JSON type of a value as messages name it: string, int, float, bool,
// null, object, array ("int" also for integers beyond int64).
[[nodiscard]] std::string_view json_type_name(const simdjson::dom::element& element);

class AttributeReader {
 public:
  explicit AttributeReader(const model::PolicySet& policy_set);

  [[nodiscard]] const AttributeTable& principal() const { return principal_; }
  [[nodiscard]] const AttributeTable& context() const { return context_; }
  [[nodiscard]] const AttributeTable& resource(Index type) const { return resources_.at(type); }
  [[nodiscard]] std::size_t principal_slots() const { return principal_slots_; }
  [[nodiscard]] std::size_t context_slots() const { return context_slots_; }
  [[nodiscard]] std::size_t resource_slots() const { return resource_slots_; }

  // Reads every attribute of `object` that `table` declares into
  // `values[slot]`; JSON null leaves it Absent, undeclared names are skipped.
  // `prefix` is the path for messages ("principal.attrs"). On the first
  // value that does not fit, writes its message into `invalid` (when still
  // empty) and returns false.
  bool read(const simdjson::dom::object& object, const AttributeTable& table,
            std::string_view prefix, std::span<eval::Value> values, SetScratch& sets,
            std::string& invalid) const;

 private:
  bool read_one(const simdjson::dom::element& element, const model::Attribute& attribute,
                std::string_view prefix, std::string_view name, eval::Value& value,
                SetScratch& sets, std::string& invalid) const;

  AttributeTable principal_;
  AttributeTable context_;
  std::vector<AttributeTable> resources_;  // by resource type
  std::vector<std::vector<std::string_view>> enum_members_;
  std::vector<std::string> enum_texts_;  // `"none" | "pending" | "verified"`
  std::size_t principal_slots_ = 0;
  std::size_t context_slots_ = 0;
  std::size_t resource_slots_ = 0;
};

}  // namespace tenet::json
