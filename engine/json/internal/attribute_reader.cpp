// Design note (hot path): one pass over each `attrs` object; names are found
// in a sorted table (a handful of string compares), enum members by a linear
// scan of a few views, set elements appended to the caller's reused vectors.
// Nothing here allocates once those vectors and the message string have grown.
#include "engine/json/internal/attribute_reader.hpp"

#include <algorithm>

#include "engine/compile/short_text.hpp"

namespace tenet::json {
namespace {

namespace dom = simdjson::dom;

// Appends `text` quoted, cut at 64 bytes on a UTF-8 boundary ("..." marks the cut).
void append_quoted(std::string& out, std::string_view text) {
  constexpr std::size_t kMax = 64;
  out += '"';
  if (text.size() <= kMax) {
    out += text;
  } else {
    std::size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
    out += text.substr(0, cut);
    out += "...";
  }
  out += '"';
}

void append_got(std::string& out, const dom::element& element) {
  if (element.type() == dom::element_type::UINT64) {
    out += "an integer out of range";
    return;
  }
  out += json_type_name(element);
}

}  // namespace

void SetScratch::resolve() {
  for (const Fixup& fixup : fixups) {
    if (fixup.value->kind == eval::ValueKind::SetOfString) {
      fixup.value->strings =
          std::span<const std::string_view>(strings.data() + fixup.begin, fixup.count);
    } else {
      fixup.value->integers =
          std::span<const std::int64_t>(integers.data() + fixup.begin, fixup.count);
    }
  }
}

std::string_view json_type_name(const dom::element& element) {
  switch (element.type()) {
    case dom::element_type::ARRAY:
      return "array";
    case dom::element_type::OBJECT:
      return "object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
      return "int";
    case dom::element_type::DOUBLE:
      return "float";
    case dom::element_type::STRING:
      return "string";
    case dom::element_type::BOOL:
      return "bool";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "value";
}

namespace {

// One value of a declared attribute; false (and the message) when it does
// not fit the declaration.
bool read_one(const dom::element& element, const compile::RequestAttribute& attribute,
              const compile::RequestTables& tables, eval::Value& value, SetScratch& sets,
              std::string& invalid) {
  const dom::element_type type = element.type();
  switch (attribute.kind) {
    case model::AttributeKind::Bool:
      if (type == dom::element_type::BOOL) {
        value.kind = eval::ValueKind::Bool;
        value.boolean = element.get_bool().value_unsafe();
        return true;
      }
      break;
    case model::AttributeKind::Int:
      if (type == dom::element_type::INT64) {
        value.kind = eval::ValueKind::Int;
        value.integer = element.get_int64().value_unsafe();
        return true;
      }
      break;
    case model::AttributeKind::String:
      if (type == dom::element_type::STRING) {
        value.kind = eval::ValueKind::String;
        value.string = element.get_string().value_unsafe();
        return true;
      }
      break;
    case model::AttributeKind::Enum: {
      if (type != dom::element_type::STRING) break;
      const compile::RequestEnum& members = tables.enums[attribute.enum_index];
      const std::string_view text = element.get_string().value_unsafe();
      const Index member = members.find(text);
      if (member != kNone) {
        value.kind = eval::ValueKind::Enum;
        value.string = members.members[member];
        value.member = member;
        return true;
      }
      invalid += attribute.expected;
      append_quoted(invalid, text);
      return false;
    }
    case model::AttributeKind::SetOfString:
    case model::AttributeKind::SetOfInt: {
      if (type != dom::element_type::ARRAY) break;
      const bool of_strings = attribute.kind == model::AttributeKind::SetOfString;
      const dom::array array = element.get_array().value_unsafe();
      const std::size_t begin = of_strings ? sets.strings.size() : sets.integers.size();
      std::size_t index = 0;
      for (const dom::element item : array) {
        if (sets.strings.size() + sets.integers.size() >= sets.limit) {
          sets.over_limit = true;
          return false;
        }
        const dom::element_type item_type = item.type();
        if (of_strings && item_type == dom::element_type::STRING) {
          sets.strings.push_back(item.get_string().value_unsafe());
        } else if (!of_strings && item_type == dom::element_type::INT64) {
          sets.integers.push_back(item.get_int64().value_unsafe());
        } else {
          invalid += attribute.path;
          invalid += '[';
          invalid += std::to_string(index);
          invalid += "]: expected ";
          invalid += of_strings ? "string" : "int";
          invalid += ", got ";
          append_got(invalid, item);
          return false;
        }
        ++index;
      }
      value.kind = of_strings ? eval::ValueKind::SetOfString : eval::ValueKind::SetOfInt;
      sets.fixups.push_back({&value, begin, index});
      return true;
    }
  }
  invalid += attribute.expected;
  append_got(invalid, element);
  return false;
}

}  // namespace

bool read_attributes(const dom::object& object, const compile::RequestAttributeTable& table,
                     const compile::RequestTables& tables, std::span<eval::Value> values,
                     SetScratch& sets, std::string& invalid) {
  // A declared attribute given twice is refused, like a request field given
  // twice (docs/PROTOCOL.md, "Each key once"): which of two values holds must
  // not depend on the reader. A second occurrence after a value is seen as a
  // filled slot; a `null` (absent, so it fills nothing) looks for its key
  // once more, which is rare and allocates nothing.
  const auto given_twice = [&](const compile::RequestAttribute& attribute) {
    invalid = attribute.path;
    invalid += ": given twice";
    return false;
  };
  for (const dom::key_value_pair field : object) {
    const compile::RequestAttribute* attribute = table.find(field.key);
    if (attribute == nullptr || attribute->slot >= values.size())
      continue;  // not in the schema: ignored
    eval::Value& value = values[attribute->slot];
    if (value.kind != eval::ValueKind::Absent) return given_twice(*attribute);
    if (field.value.is_null()) {  // null = absent
      std::size_t occurrences = 0;
      for (const dom::key_value_pair other : object) occurrences += other.key == field.key;
      if (occurrences > 1) return given_twice(*attribute);
      continue;
    }
    if (!read_one(field.value, *attribute, tables, value, sets, invalid)) return false;
  }
  return true;
}

}  // namespace tenet::json
