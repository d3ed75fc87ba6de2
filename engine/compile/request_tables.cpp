// Compiling the request-validation tables from the checked schema: every
// string a request's validation may need (paths, "expected" heads, enum
// texts) is written here once, so the request parser only copies views.
#include "engine/compile/request_tables.hpp"

#include <algorithm>
#include <utility>

#include "engine/compile/short_text.hpp"

namespace tenet::compile {
namespace {

std::string_view keep(RequestTables& tables, std::string text) {
  return tables.strings.emplace_back(std::move(text));
}

// What a message says the attribute expected: `int`, `set<string>`,
// `one of "a" | "b"`.
std::string expected_what(const model::AttributeType& type, const RequestTables& tables) {
  switch (type.kind) {
    case model::AttributeKind::Bool:
      return "bool";
    case model::AttributeKind::Int:
      return "int";
    case model::AttributeKind::String:
      return "string";
    case model::AttributeKind::Enum:
      return "one of " + std::string(tables.enums.at(type.enum_index).text);
    case model::AttributeKind::SetOfString:
      return "set<string>";
    case model::AttributeKind::SetOfInt:
      return "set<int>";
  }
  return "value";
}

RequestAttributeTable table_of(const model::PolicySet& model,
                               const std::vector<model::Attribute>& attributes,
                               std::string_view prefix, RequestTables& tables) {
  RequestAttributeTable table;
  for (const model::Attribute& attribute : attributes) {
    RequestAttribute entry;
    entry.name = model.name(attribute.name);
    entry.slot = attribute.slot;
    entry.kind = attribute.type.kind;
    entry.enum_index =
        attribute.type.kind == model::AttributeKind::Enum ? attribute.type.enum_index : kNone;
    std::string path(prefix);
    path += '.';
    path += entry.name;
    entry.expected =
        keep(tables, path + ": expected " + expected_what(attribute.type, tables) + ", got ");
    entry.path = keep(tables, std::move(path));
    entry.sensitive = attribute.sensitive;
    table.add(entry);
  }
  return table;
}

}  // namespace

void RequestAttributeTable::add(const RequestAttribute& attribute) {
  if (!names_.emplace(attribute.name, static_cast<Index>(entries_.size())).second) return;
  entries_.push_back(attribute);
  if (attribute.sensitive) sensitive_.push_back(attribute.name);
}

bool RequestAttributeTable::is_sensitive(std::string_view name) const {
  return std::any_of(sensitive_.begin(), sensitive_.end(),
                     [&](std::string_view sensitive) { return same_text(sensitive, name); });
}

const RequestAttribute* RequestAttributeTable::find(std::string_view name) const {
  if (entries_.size() <= kScan) {
    for (const RequestAttribute& entry : entries_) {
      if (same_text(entry.name, name)) return &entry;
    }
    return nullptr;
  }
  const Index at = names_.find(name);
  return at == kNone ? nullptr : &entries_[at];
}

Index RequestEnum::find(std::string_view member) const {
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (same_text(members[i], member)) return static_cast<Index>(i);
  }
  return kNone;
}

RequestTables compile_request_tables(const model::PolicySet& model) {
  const model::Schema& schema = model.schema;
  RequestTables tables;
  // Enums first: the attributes' message heads quote their members.
  tables.enums.reserve(schema.enums.size());
  for (const model::EnumType& enum_type : schema.enums) {
    RequestEnum compiled;
    std::string text;
    for (const model::Symbol member : enum_type.members) {
      compiled.members.push_back(model.name(member));
      if (!text.empty()) text += " | ";
      text += '"';
      text += model.name(member);
      text += '"';
    }
    compiled.text = keep(tables, std::move(text));
    tables.enums.push_back(std::move(compiled));
  }
  tables.principal = table_of(model, schema.principal, "principal.attrs", tables);
  tables.context = table_of(model, schema.context, "context", tables);
  tables.resources.reserve(schema.resources.size());
  for (const model::ResourceType& type : schema.resources)
    tables.resources.push_back(table_of(model, type.attributes, "resource.attrs", tables));
  for (const RequestAttributeTable& type : tables.resources) {
    for (const std::string_view name : type.sensitive()) {
      const auto& any = tables.sensitive_on_any_resource;
      if (std::find(any.begin(), any.end(), name) == any.end())
        tables.sensitive_on_any_resource.push_back(name);
    }
  }
  tables.any_sensitive = !tables.principal.sensitive().empty() ||
                         !tables.context.sensitive().empty() ||
                         !tables.sensitive_on_any_resource.empty();
  for (std::size_t slot = 0; slot < schema.resource_slots.size(); ++slot)
    tables.resource_slot_index.emplace(model.name(schema.resource_slots[slot]),
                                       static_cast<Index>(slot));
  tables.principal_slots = schema.principal.size();
  tables.context_slots = schema.context.size();
  tables.resource_slots = schema.resource_slots.size();
  return tables;
}

}  // namespace tenet::compile
