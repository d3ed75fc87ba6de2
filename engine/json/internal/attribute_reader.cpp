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

// "PREFIX.NAME: expected WHAT, got " (the caller appends what it got).
void start_message(std::string& out, std::string_view prefix, std::string_view name,
                   std::string_view what) {
  out += prefix;
  out += '.';
  out += name;
  out += ": expected ";
  out += what;
  out += ", got ";
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

AttributeTable::AttributeTable(const model::PolicySet& policy_set,
                               const std::vector<model::Attribute>& attributes) {
  entries_.reserve(attributes.size());
  for (const model::Attribute& attribute : attributes) {
    const std::string_view name = policy_set.name(attribute.name);
    if (names_.emplace(name, static_cast<Index>(entries_.size())).second)
      entries_.push_back({name, &attribute});
  }
}

const model::Attribute* AttributeTable::find(std::string_view name) const {
  if (entries_.size() <= kScan) {
    for (const Entry& entry : entries_) {
      if (compile::same_text(entry.name, name)) return entry.attribute;
    }
    return nullptr;
  }
  const Index at = names_.find(name);
  return at == kNone ? nullptr : entries_[at].attribute;
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

AttributeReader::AttributeReader(const model::PolicySet& policy_set)
    : principal_(policy_set, policy_set.schema.principal),
      context_(policy_set, policy_set.schema.context),
      principal_slots_(policy_set.schema.principal.size()),
      context_slots_(policy_set.schema.context.size()),
      resource_slots_(policy_set.schema.resource_slots.size()) {
  resources_.reserve(policy_set.schema.resources.size());
  for (const model::ResourceType& type : policy_set.schema.resources) {
    resources_.emplace_back(policy_set, type.attributes);
  }
  for (const model::EnumType& enum_type : policy_set.schema.enums) {
    std::vector<std::string_view> members;
    std::string text;
    for (const model::Symbol member : enum_type.members) {
      members.push_back(policy_set.name(member));
      if (!text.empty()) text += " | ";
      text += '"';
      text += policy_set.name(member);
      text += '"';
    }
    enum_members_.push_back(std::move(members));
    enum_texts_.push_back(std::move(text));
  }
}

bool AttributeReader::read(const dom::object& object, const AttributeTable& table,
                           std::string_view prefix, std::span<eval::Value> values, SetScratch& sets,
                           std::string& invalid) const {
  for (const dom::key_value_pair field : object) {
    const model::Attribute* attribute = table.find(field.key);
    if (attribute == nullptr || attribute->slot >= values.size())
      continue;  // not in the schema: ignored
    eval::Value& value = values[attribute->slot];
    if (value.kind != eval::ValueKind::Absent) continue;  // duplicate key: the first one wins
    if (field.value.is_null()) continue;                  // null = absent
    if (!read_one(field.value, *attribute, prefix, field.key, value, sets, invalid)) return false;
  }
  return true;
}

bool AttributeReader::read_one(const dom::element& element, const model::Attribute& attribute,
                               std::string_view prefix, std::string_view name, eval::Value& value,
                               SetScratch& sets, std::string& invalid) const {
  const dom::element_type type = element.type();
  switch (attribute.type.kind) {
    case model::AttributeKind::Bool:
      if (type == dom::element_type::BOOL) {
        value.kind = eval::ValueKind::Bool;
        value.boolean = element.get_bool().value_unsafe();
        return true;
      }
      start_message(invalid, prefix, name, "bool");
      break;
    case model::AttributeKind::Int:
      if (type == dom::element_type::INT64) {
        value.kind = eval::ValueKind::Int;
        value.integer = element.get_int64().value_unsafe();
        return true;
      }
      start_message(invalid, prefix, name, "int");
      break;
    case model::AttributeKind::String:
      if (type == dom::element_type::STRING) {
        value.kind = eval::ValueKind::String;
        value.string = element.get_string().value_unsafe();
        return true;
      }
      start_message(invalid, prefix, name, "string");
      break;
    case model::AttributeKind::Enum: {
      const std::size_t enum_index = attribute.type.enum_index;
      const std::string_view expected = enum_texts_.at(enum_index);
      if (type == dom::element_type::STRING) {
        const std::string_view text = element.get_string().value_unsafe();
        const std::vector<std::string_view>& members = enum_members_[enum_index];
        const auto it = std::find_if(
            members.begin(), members.end(),
            [text](std::string_view member) { return compile::same_text(member, text); });
        if (it != members.end()) {
          value.kind = eval::ValueKind::Enum;
          value.string = *it;
          value.member = static_cast<Index>(it - members.begin());
          return true;
        }
        invalid += prefix;
        invalid += '.';
        invalid += name;
        invalid += ": expected one of ";
        invalid += expected;
        invalid += ", got ";
        append_quoted(invalid, text);
        return false;
      }
      invalid += prefix;
      invalid += '.';
      invalid += name;
      invalid += ": expected one of ";
      invalid += expected;
      invalid += ", got ";
      append_got(invalid, element);
      return false;
    }
    case model::AttributeKind::SetOfString:
    case model::AttributeKind::SetOfInt: {
      const bool of_strings = attribute.type.kind == model::AttributeKind::SetOfString;
      if (type != dom::element_type::ARRAY) {
        start_message(invalid, prefix, name, of_strings ? "set<string>" : "set<int>");
        break;
      }
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
          invalid += prefix;
          invalid += '.';
          invalid += name;
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
  append_got(invalid, element);
  return false;
}

}  // namespace tenet::json
