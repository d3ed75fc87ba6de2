#include "engine/checker/internal/schema_checker.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <string>

#include "engine/checker/internal/action_declarations.hpp"
#include "engine/model/sql_identifier.hpp"

namespace tenet::checker {
namespace {

constexpr std::array kPrincipalBuiltins{std::string_view("id"), std::string_view("tenant"),
                                        std::string_view("role")};
constexpr std::array kResourceBuiltins{std::string_view("type"), std::string_view("id"),
                                       std::string_view("tenant"), std::string_view("state")};
constexpr std::string_view kDefaultTenantColumn = "provider_id";

class SchemaBuilder {
 public:
  SchemaBuilder(model::Interner& names, Reporter& reporter) : names_(names), reporter_(reporter) {}

  void add(const ast::SchemaDecl& decl) {
    for (const ast::AttributeDecl& attribute : decl.principal) {
      add_attribute(schema_.principal, attribute, "principal", kPrincipalBuiltins);
    }
    for (const ast::AttributeDecl& attribute : decl.context) {
      add_attribute(schema_.context, attribute, "context", std::array<std::string_view, 0>{});
    }
    for (const ast::ResourceDecl& resource : decl.resources) add_resource(resource);
    // Declared once every block is read: an `actions` line may come before
    // (or in another file than) the resource type it names.
    for (const ast::ActionsDecl& actions : decl.actions) action_decls_.push_back(&actions);
  }

  model::Schema finish() {
    for (model::Attribute& attribute : schema_.principal) {
      attribute.slot = static_cast<model::Index>(&attribute - schema_.principal.data());
    }
    for (model::Attribute& attribute : schema_.context) {
      attribute.slot = static_cast<model::Index>(&attribute - schema_.context.data());
    }
    // One resource slot per distinct attribute name, in order of first declaration.
    for (model::ResourceType& type : schema_.resources) {
      for (model::Attribute& attribute : type.attributes) {
        const auto found =
            std::find(schema_.resource_slots.begin(), schema_.resource_slots.end(), attribute.name);
        attribute.slot = static_cast<model::Index>(found - schema_.resource_slots.begin());
        if (found == schema_.resource_slots.end()) schema_.resource_slots.push_back(attribute.name);
      }
    }
    for (std::size_t i = 0; i < schema_.resources.size(); ++i)
      check_columns(schema_.resources[i], i);
    check_tables();
    declare_actions();
    return std::move(schema_);
  }

 private:
  void declare_actions() {
    ActionDeclarations declared(schema_, nullptr, names_, reporter_, "");
    for (const ast::ActionsDecl* decl : action_decls_) declared.declare(*decl);
    schema_.actions = declared.finish();
  }

  template <std::size_t N>
  void add_attribute(std::vector<model::Attribute>& into, const ast::AttributeDecl& decl,
                     std::string_view owner, const std::array<std::string_view, N>& builtins) {
    if (std::find(builtins.begin(), builtins.end(), decl.name.text) != builtins.end()) {
      reporter_.report(DiagCode::DuplicateAttribute, decl.name.span,
                       {decl.name.text, owner, "as a built-in attribute"});
      return;
    }
    const model::Symbol name = names_.intern(decl.name.text);
    const auto previous =
        std::find_if(into.begin(), into.end(), [&](const auto& a) { return a.name == name; });
    if (previous != into.end()) {
      reporter_.report(DiagCode::DuplicateAttribute, decl.name.span,
                       {decl.name.text, owner, "at " + reporter_.where(previous->span)});
      return;
    }
    model::Attribute attribute;
    attribute.name = name;
    attribute.type = resolve_type(decl.type);
    attribute.optional = decl.optional;
    attribute.sensitive = decl.sensitive.has_value();
    attribute.column = names_.intern(decl.column ? decl.column->text : decl.name.text);
    attribute.span = decl.name.span;
    column_spans_[attribute.span.offset + (std::size_t{attribute.span.file} << 32)] =
        decl.column ? decl.column->span : decl.name.span;
    into.push_back(attribute);
  }

  model::AttributeType resolve_type(const ast::Type& type) {
    switch (type.kind) {
      case ast::WrittenType::Bool:
        return {model::AttributeKind::Bool};
      case ast::WrittenType::Int:
        return {model::AttributeKind::Int};
      case ast::WrittenType::String:
        return {model::AttributeKind::String};
      case ast::WrittenType::SetOfString:
        return {model::AttributeKind::SetOfString};
      case ast::WrittenType::SetOfInt:
        return {model::AttributeKind::SetOfInt};
      case ast::WrittenType::Enum:
        break;
    }
    model::EnumType members;
    for (const ast::Name& member : type.members) {
      const model::Symbol symbol = names_.intern(member.text);
      if (std::find(members.members.begin(), members.members.end(), symbol) !=
          members.members.end()) {
        const auto first = std::find_if(type.members.begin(), type.members.end(),
                                        [&](const ast::Name& m) { return m.text == member.text; });
        reporter_.report(DiagCode::DuplicateDeclaration, member.span,
                         {"enum value", member.text, "", reporter_.where(first->span)});
        continue;
      }
      members.members.push_back(symbol);
    }
    // Structural interning: equal member lists are one enum type.
    const auto same =
        std::find_if(schema_.enums.begin(), schema_.enums.end(),
                     [&](const model::EnumType& e) { return e.members == members.members; });
    const auto index = static_cast<model::Index>(same - schema_.enums.begin());
    if (same == schema_.enums.end()) schema_.enums.push_back(std::move(members));
    return {model::AttributeKind::Enum, index};
  }

  void add_resource(const ast::ResourceDecl& decl) {
    const model::Symbol name = names_.intern(decl.type_name.text);
    model::Index index = schema_.find_resource_type(name);
    if (index == model::kNone) {
      model::ResourceType type;
      type.name = name;
      type.tenant_column = names_.intern(kDefaultTenantColumn);
      type.span = decl.type_name.span;
      index = static_cast<model::Index>(schema_.resources.size());
      schema_.resources.push_back(std::move(type));
    }
    merge_mapping(index, decl.table, "table");
    merge_mapping(index, decl.tenant_column, "tenant_column");
    for (const ast::AttributeDecl& attribute : decl.attributes) {
      const std::string owner = "resource type '" + decl.type_name.text + "'";
      add_attribute(schema_.resources[index].attributes, attribute, owner, kResourceBuiltins);
    }
  }

  void merge_mapping(model::Index index, const std::optional<ast::Name>& given,
                     std::string_view which) {
    if (!given) return;
    model::ResourceType& type = schema_.resources[index];
    auto& seen = mapping_spans_[{index, std::string(which)}];
    if (seen) {
      reporter_.report(DiagCode::DuplicateMapping, given->span,
                       {names_.name(type.name), which, reporter_.where(*seen)});
      return;
    }
    seen = given->span;
    const model::Symbol value = names_.intern(given->text);
    if (which == "table") {
      type.mapped = true;
      type.table = value;
    } else {
      type.tenant_column = value;
      tenant_column_spans_[index] = given->span;
    }
  }

  // Section 10: in a mapped type, the tenant column, `id` and every
  // attribute's column must be distinct.
  void check_columns(const model::ResourceType& type, std::size_t index) {
    if (!type.mapped) return;
    check_names(type, index);
    std::map<model::Symbol, std::string> used;
    used[type.tenant_column] = "the tenant column";
    const model::Symbol id = names_.intern("id");
    if (const auto clash = used.find(id); clash != used.end()) {
      const auto span = tenant_column_spans_.find(index);
      reporter_.report(DiagCode::DuplicateColumn,
                       span != tenant_column_spans_.end() ? span->second : type.span,
                       {"id", names_.name(type.name), "resource.id"});
    }
    used.emplace(id, "resource.id");
    for (const model::Attribute& attribute : type.attributes) {
      if (names_.name(attribute.column).empty()) continue;  // reported by check_names
      const auto [at, fresh] = used.emplace(
          attribute.column, "attribute '" + std::string(names_.name(attribute.name)) + "'");
      if (fresh) continue;
      const Span span =
          column_spans_[attribute.span.offset + (std::size_t{attribute.span.file} << 32)];
      reporter_.report(DiagCode::DuplicateColumn, span,
                       {names_.name(attribute.column), names_.name(type.name), at->second});
    }
  }

  // One table per mapped type: `tenet sql` writes table-wide policies
  // (tenet_isolation, tenet_valid) per type, which two types would create
  // twice, and each type's rules would apply to the other's rows.
  void check_tables() {
    std::map<model::Symbol, std::size_t> first;
    for (std::size_t i = 0; i < schema_.resources.size(); ++i) {
      const model::ResourceType& type = schema_.resources[i];
      if (!type.mapped) continue;
      const auto [at, fresh] = first.emplace(type.table, i);
      if (fresh) continue;
      const model::ResourceType& other = schema_.resources[at->second];
      reporter_.report(DiagCode::TableMappedTwice, table_span(i),
                       {names_.name(type.table), names_.name(other.name),
                        reporter_.where(table_span(at->second))});
    }
  }

  Span table_span(std::size_t index) const {
    const auto table = mapping_spans_.find({static_cast<model::Index>(index), "table"});
    return table != mapping_spans_.end() && table->second ? *table->second
                                                          : schema_.resources[index].span;
  }

  // Names PostgreSQL cannot take as they are: empty, longer than 63 bytes
  // (it would silently truncate them, so two could collide), a NUL byte.
  // Quotes, semicolons and unicode are fine: `tenet sql` quotes every name.
  void check_names(const model::ResourceType& type, std::size_t index) {
    const std::string_view type_name = names_.name(type.name);
    const auto report = [&](std::string_view what, std::string_view name, Span span) {
      const std::string_view problem = model::identifier_problem(name);
      if (problem.empty()) return;
      reporter_.report(DiagCode::BadSqlName, span,
                       {std::string(what) + " \"" + std::string(name) + "\"", type_name, problem});
    };
    const auto table = mapping_spans_.find({static_cast<model::Index>(index), "table"});
    report("table", names_.name(type.table),
           table != mapping_spans_.end() && table->second ? *table->second : type.span);
    const auto tenant = tenant_column_spans_.find(index);
    report("tenant column", names_.name(type.tenant_column),
           tenant != tenant_column_spans_.end() ? tenant->second : type.span);
    for (const model::Attribute& attribute : type.attributes) {
      report("column", names_.name(attribute.column),
             column_spans_[attribute.span.offset + (std::size_t{attribute.span.file} << 32)]);
    }
  }

  model::Interner& names_;
  Reporter& reporter_;
  model::Schema schema_;
  std::map<std::pair<model::Index, std::string>, std::optional<Span>> mapping_spans_;
  std::map<std::size_t, Span> tenant_column_spans_;
  std::map<std::size_t, Span> column_spans_;  // attribute name position → span of its column
  std::vector<const ast::ActionsDecl*> action_decls_;  // every block's, in source order
};

}  // namespace

model::Schema check_schema(const std::vector<std::shared_ptr<const ast::File>>& files,
                           model::Interner& names, Reporter& reporter) {
  SchemaBuilder builder(names, reporter);
  for (const auto& file : files) {
    for (const ast::SchemaDecl& decl : file->schemas) builder.add(decl);
  }
  return builder.finish();
}

}  // namespace tenet::checker
