#include "grammar/ast_dump.hpp"

#include <cstdio>
#include <string_view>
#include <type_traits>
#include <variant>

namespace tenet::grammar {
namespace {

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04X", static_cast<unsigned>(c));
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  return out + '"';
}

// Identifiers print as they are; any other name (`"partner-a.eu"`) quoted.
std::string name(const ast::Name& n) {
  const std::string_view t = n.text;
  const bool plain =
      !t.empty() && (std::isalpha(static_cast<unsigned char>(t[0])) || t[0] == '_') &&
      t.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
          std::string_view::npos;
  return plain ? n.text : quoted(t);
}

std::string names(const std::vector<ast::Name>& list) {
  std::string out;
  for (const ast::Name& n : list) {
    if (!out.empty()) out += ' ';
    out += name(n);
  }
  return out;
}

const char* entity(ast::Entity e) {
  switch (e) {
    case ast::Entity::Principal:
      return "principal";
    case ast::Entity::Resource:
      return "resource";
    case ast::Entity::Context:
      return "context";
  }
  return "?";
}

const char* op(ast::BinaryOp o) {
  switch (o) {
    case ast::BinaryOp::Or:
      return "or";
    case ast::BinaryOp::And:
      return "and";
    case ast::BinaryOp::Eq:
      return "==";
    case ast::BinaryOp::Ne:
      return "!=";
    case ast::BinaryOp::Lt:
      return "<";
    case ast::BinaryOp::Le:
      return "<=";
    case ast::BinaryOp::Gt:
      return ">";
    case ast::BinaryOp::Ge:
      return ">=";
    case ast::BinaryOp::In:
      return "in";
    case ast::BinaryOp::Contains:
      return "contains";
  }
  return "?";
}

void expr(const ast::Expr& e, std::string& out) {
  std::visit(
      [&](const auto& node) {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, ast::BoolLiteral>) {
          out += node.value ? "true" : "false";
        } else if constexpr (std::is_same_v<T, ast::IntLiteral>) {
          out += std::to_string(node.value);
        } else if constexpr (std::is_same_v<T, ast::StringLiteral>) {
          out += quoted(node.value);
        } else if constexpr (std::is_same_v<T, ast::ListLiteral>) {
          out += "(list";
          for (const ast::ExprPtr& item : node.items) {
            out += ' ';
            expr(*item, out);
          }
          out += ')';
        } else if constexpr (std::is_same_v<T, ast::AttributeRef>) {
          out += entity(node.entity);
          out += '.';
          out += node.attribute.text;
        } else if constexpr (std::is_same_v<T, ast::HasAttribute>) {
          out += "(has ";
          out += entity(node.entity);
          out += ' ' + node.attribute.text + ')';
        } else if constexpr (std::is_same_v<T, ast::EnabledCall>) {
          out += "(enabled " + name(node.feature) + ')';
        } else if constexpr (std::is_same_v<T, ast::Not>) {
          out += "(not ";
          expr(*node.operand, out);
          out += ')';
        } else if constexpr (std::is_same_v<T, ast::Binary>) {
          out += '(';
          out += op(node.op);
          out += ' ';
          expr(*node.lhs, out);
          out += ' ';
          expr(*node.rhs, out);
          out += ')';
        }
      },
      e.node);
}

class Dumper {
 public:
  std::string out;

  // Closes the construct whose children were just written: ')' at the end
  // of the last line, S-expression style.
  void close() {
    // Written as pop + append: GCC 12 warns (-Wrestrict, falsely) on insert() here at -O3.
    if (!out.empty() && out.back() == '\n') out.pop_back();
    out += ")\n";
  }

  void line(int depth, const std::string& text) {
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
    out += text;
    out += '\n';
  }

  static std::string clause(const char* keyword, const std::vector<ast::Name>& list) {
    return list.empty() ? std::string() : std::string(" (") + keyword + ' ' + names(list) + ')';
  }
  static std::string clause(const char* keyword, const ast::ExprPtr& e) {
    return e ? std::string(" (") + keyword + ' ' + dump(*e) + ')' : std::string();
  }
  static std::string id(const std::optional<ast::Annotation>& a) {
    return a ? " (id " + quoted(a->id.text) + ')' : std::string();
  }

  static std::string type(const ast::Type& t) {
    switch (t.kind) {
      case ast::WrittenType::Bool:
        return "bool";
      case ast::WrittenType::Int:
        return "int";
      case ast::WrittenType::String:
        return "string";
      case ast::WrittenType::SetOfString:
        return "set<string>";
      case ast::WrittenType::SetOfInt:
        return "set<int>";
      case ast::WrittenType::Enum: {
        std::string s = "(enum";
        for (const ast::Name& m : t.members) s += ' ' + quoted(m.text);
        return s + ')';
      }
    }
    return "?";
  }

  void attributes(int depth, const std::vector<ast::AttributeDecl>& list) {
    for (const ast::AttributeDecl& a : list) {
      std::string s = "(attribute " + a.name.text + (a.optional ? "?" : "") + ' ' + type(a.type);
      if (a.column) s += " (column " + quoted(a.column->text) + ')';
      if (a.sensitive) s += " (sensitive)";
      line(depth, s + ')');
    }
  }

  void schema(int depth, const ast::SchemaDecl& s) {
    line(depth, "(schema");
    if (!s.principal.empty()) {
      line(depth + 1, "(principal");
      attributes(depth + 2, s.principal);
      close();
    }
    if (!s.context.empty()) {
      line(depth + 1, "(context");
      attributes(depth + 2, s.context);
      close();
    }
    for (const ast::ResourceDecl& r : s.resources) {
      std::string head = "(resource " + name(r.type_name);
      if (r.table) head += " (table " + quoted(r.table->text) + ')';
      if (r.tenant_column) head += " (tenant_column " + quoted(r.tenant_column->text) + ')';
      line(depth + 1, head);
      attributes(depth + 2, r.attributes);
      close();
    }
    actions(depth + 1, s.actions);
    close();
  }

  void actions(int depth, const std::vector<ast::ActionsDecl>& list) {
    for (const ast::ActionsDecl& a : list)
      line(depth, "(actions " + names(a.actions) + " on " + names(a.types) + ')');
  }

  void body(int depth, const ast::Body& b) {
    actions(depth, b.actions);
    for (const ast::RoleDecl& r : b.roles)
      line(depth, "(role " + name(r.name) + clause("extends", r.parents) + ')');
    for (const ast::TransitionDecl& t : b.transitions) {
      line(depth, "(transition " + name(t.from) + " -> " + name(t.to) + id(t.annotation) +
                      clause("when", t.condition) + ')');
    }
    for (const ast::FeatureDecl& f : b.features) {
      line(depth, "(feature " + name(f.name) + (f.default_on ? " on" : " off") +
                      clause("for", f.roles) + clause("when", f.condition) + ')');
    }
    for (const ast::PlanDecl& p : b.plans) {
      line(depth, "(plan " + name(p.name) + id(p.annotation) + clause("for", p.roles) +
                      clause("when", p.condition) + clause("requires", p.required_features) + ')');
    }
    for (const ast::LifecycleDecl& l : b.lifecycles) {
      line(depth, "(lifecycle " + name(l.resource_type));
      line(depth + 1, "(states" + std::string(l.states.empty() ? "" : " ") + names(l.states) + ')');
      if (l.initial) line(depth + 1, "(initial " + name(*l.initial) + ')');
      for (const ast::LifecycleEdge& e : l.edges) {
        line(depth + 1, "(edge " + names(e.from) + " -> " + name(e.to) + id(e.annotation) +
                            clause("by", e.roles) + clause("when", e.condition) + ')');
      }
      close();
    }
    for (const ast::RuleDecl& r : b.rules) {
      std::string s = r.effect == ast::Effect::Permit ? "(permit" : "(forbid";
      s += id(r.annotation);
      s += r.all_actions ? " (actions *)" : clause("actions", r.actions);
      s += r.all_types ? " (types *)" : clause("types", r.types);
      line(depth,
           s + clause("for", r.roles) + clause("when", r.when) + clause("unless", r.unless) + ')');
    }
  }

  static std::string value(const ast::TestValue& v) {
    switch (v.kind) {
      case ast::TestValue::Kind::String:
        return quoted(v.text);
      case ast::TestValue::Kind::Int:
        return std::to_string(v.integer);
      case ast::TestValue::Kind::Bool:
        return v.boolean ? "true" : "false";
      case ast::TestValue::Kind::Name:
        return v.text;
      case ast::TestValue::Kind::List: {
        std::string s = "[";
        for (const ast::TestValue& item : v.items) s += (s.size() > 1 ? ", " : "") + value(item);
        return s + ']';
      }
    }
    return "?";
  }

  static std::string object(const ast::TestObject& o) {
    std::string s = "{";
    for (const ast::TestField& f : o.fields)
      s += (s.size() > 1 ? ", " : "") + f.key.text + ": " + value(f.value);
    return s + '}';
  }

  void test(int depth, const ast::TestDecl& t) {
    line(depth, "(test " + name(t.name));
    for (const ast::TestStep& step : t.steps) {
      std::visit(
          [&](const auto& s) {
            using T = std::decay_t<decltype(s)>;
            if constexpr (std::is_same_v<T, ast::TestTenant>) {
              line(depth + 1, "(tenant " + name(s.tenant) + ')');
            } else if constexpr (std::is_same_v<T, ast::TestPrincipal>) {
              line(depth + 1, "(principal " + object(s.principal) + ')');
            } else if constexpr (std::is_same_v<T, ast::TestContext>) {
              line(depth + 1, "(context " + object(s.context) + ')');
            } else {
              line(depth + 1, expectation(s));
            }
          },
          step);
    }
    close();
  }

  static std::string expectation(const ast::Expectation& e) {
    const std::string verdict = e.allow ? "allow" : "deny";
    switch (e.kind) {
      case ast::ExpectKind::Check:
        return "(expect " + verdict + " check " + name(e.action) + " on " + name(e.resource_type) +
               ' ' + object(e.resource) + ')';
      case ast::ExpectKind::Transition:
        return "(expect " + verdict + " transition " + name(e.target) + ')';
      case ast::ExpectKind::Subscribe:
        return "(expect " + verdict + " subscribe " + name(e.target) + ')';
      case ast::ExpectKind::Plans:
        return "(expect plans [" + names(e.names) + "])";
      case ast::ExpectKind::Features:
        return "(expect features [" + names(e.names) + "])";
      case ast::ExpectKind::Lifecycle:
        return "(expect " + verdict + " lifecycle " + name(e.resource_type) + ' ' +
               object(e.resource) + " to " + name(e.target) + ')';
    }
    return "?";
  }
};

}  // namespace

std::string dump(const ast::Expr& e) {
  std::string out;
  expr(e, out);
  return out;
}

std::string dump(const ast::File& file) {
  Dumper d;
  for (const ast::SchemaDecl& s : file.schemas) d.schema(0, s);
  for (const ast::TemplateDecl& t : file.templates) {
    d.line(0, "(template " + name(t.name) + Dumper::clause("extends", t.extends));
    d.body(1, t.body);
    d.close();
  }
  for (const ast::TenantDecl& t : file.tenants) {
    d.line(0, "(tenant " + name(t.name) + Dumper::clause("extends", t.extends));
    d.body(1, t.body);
    d.close();
  }
  for (const ast::TestDecl& t : file.tests) d.test(0, t);
  return d.out;
}

}  // namespace tenet::grammar
