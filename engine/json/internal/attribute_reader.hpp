// Request attributes (JSON `attrs` / `context` objects) → engine Values by
// slot, validated against the schema (docs/LANGUAGE.md §7, validation).
//
// The tables (attribute names → slots, declared kinds, enum members, the
// "expected X, got " message heads) are compiled into the policy set
// (engine/compile/request_tables.hpp); this only reads them, for every
// request: reading allocates nothing once the caller's set storage and
// message string have grown. Messages name the path: `principal.attrs.account_age_days: expected
// int, got string`, `principal.attrs.kyc: expected one of "none" | "pending" | "verified", got
// "verifed"`, `principal.attrs.tags[2]: expected string, got int`.
//
// Internal to engine/json/request_parser.cpp. Stateless; the scratch it
// writes into belongs to the caller.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/compile/request_tables.hpp"
#include "engine/eval/request.hpp"

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

// The JSON type of a value as messages name it: string, int, float, bool,
// null, object, array ("int" also for integers beyond int64).
[[nodiscard]] std::string_view json_type_name(const simdjson::dom::element& element);

// Reads every attribute of `object` that `table` declares into
// `values[slot]`; JSON null leaves it Absent, undeclared names are skipped,
// a declared name given twice does not fit ("principal.attrs.kyc: given twice").
// `tables` is the compiled set's (for enum members). On the first value
// that does not fit, writes its message into `invalid` (when still empty)
// and returns false.
bool read_attributes(const simdjson::dom::object& object,
                     const compile::RequestAttributeTable& table,
                     const compile::RequestTables& tables, std::span<eval::Value> values,
                     SetScratch& sets, std::string& invalid);

}  // namespace tenet::json
