#include "engine/template_graph.hpp"

#include <algorithm>
#include <map>
#include <string_view>

namespace tenet::check {
namespace {

struct Node {
  const ast::Name* name = nullptr;
  const std::vector<ast::Name>* extends = nullptr;
  const ast::Body* body = nullptr;
  Span span;
  bool is_template = false;
  std::vector<std::size_t> parents;  // template indices; edges that close a cycle are left out
};

class Graph {
 public:
  Graph(const std::vector<std::shared_ptr<const ast::File>>& files, Reporter& reporter)
      : reporter_(reporter) {
    for (const auto& file : files) {
      for (const ast::TemplateDecl& decl : file->templates) {
        declare(templates_, template_index_,
                Node{&decl.name, &decl.extends, &decl.body, decl.span, true, {}}, "template");
      }
    }
    for (const auto& file : files) {
      for (const ast::TenantDecl& decl : file->tenants) {
        if (decl.name.text.empty()) {  // "" is what an unset tenant reads as, everywhere
          reporter_.report(DiagCode::EmptyTenantName, decl.name.span);
          continue;
        }
        if (const auto clash = template_index_.find(decl.name.text);
            clash != template_index_.end()) {
          reporter_.report(DiagCode::DuplicateDeclaration, decl.name.span,
                           {"tenant", decl.name.text, " as a template",
                            reporter_.where(templates_[clash->second].name->span)});
          continue;
        }
        declare(tenants_, tenant_index_,
                Node{&decl.name, &decl.extends, &decl.body, decl.span, false, {}}, "tenant");
      }
    }
    for (Node& node : templates_) resolve_extends(node);
    for (Node& node : tenants_) resolve_extends(node);
    break_template_cycles();
  }

  Units units() const {
    Units out;
    std::vector<bool> emitted(templates_.size(), false);
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < templates_.size(); ++i) post_order(i, emitted, order);
    for (const std::size_t index : order) out.templates.push_back(unit(templates_[index]));
    for (const Node& tenant : tenants_) out.tenants.push_back(unit(tenant));
    return out;
  }

 private:
  void declare(std::vector<Node>& nodes, std::map<std::string_view, std::size_t>& index, Node node,
               std::string_view kind) {
    const auto [at, fresh] = index.emplace(node.name->text, nodes.size());
    if (!fresh) {
      reporter_.report(DiagCode::DuplicateDeclaration, node.name->span,
                       {kind, node.name->text, "", reporter_.where(nodes[at->second].name->span)});
      return;
    }
    nodes.push_back(node);
  }

  void resolve_extends(Node& node) {
    std::vector<std::string_view> candidates;
    for (const Node& t : templates_) candidates.push_back(t.name->text);
    for (const ast::Name& parent : *node.extends) {
      if (const auto found = template_index_.find(parent.text); found != template_index_.end()) {
        node.parents.push_back(found->second);
      } else if (tenant_index_.count(parent.text) != 0) {
        reporter_.report(DiagCode::ExtendsTenant, parent.span, {node.name->text, parent.text});
      } else {
        reporter_.report(DiagCode::UnknownTemplate, parent.span,
                         {node.name->text, parent.text, did_you_mean(parent.text, candidates)});
      }
    }
  }

  // Depth-first search in declaration order; an edge back to a template on
  // the current path closes a cycle: report it once and drop that edge so
  // every later pass sees an acyclic graph.
  void break_template_cycles() {
    enum class Color { White, Gray, Black };
    std::vector<Color> color(templates_.size(), Color::White);
    std::vector<std::size_t> path;
    const auto visit = [&](const auto& self, std::size_t at) -> void {
      color[at] = Color::Gray;
      path.push_back(at);
      std::vector<std::size_t>& parents = templates_[at].parents;
      for (auto it = parents.begin(); it != parents.end();) {
        if (color[*it] == Color::Gray) {
          const auto start = std::find(path.begin(), path.end(), *it);
          std::vector<std::string_view> names;
          for (auto p = start; p != path.end(); ++p) names.push_back(templates_[*p].name->text);
          names.push_back(templates_[*it].name->text);
          reporter_.report(DiagCode::TemplateCycle, templates_[*start].name->span,
                           {join(names, " -> ")});
          it = parents.erase(it);
          continue;
        }
        if (color[*it] == Color::White) self(self, *it);
        ++it;
      }
      path.pop_back();
      color[at] = Color::Black;
    };
    for (std::size_t i = 0; i < templates_.size(); ++i) {
      if (color[i] == Color::White) visit(visit, i);
    }
  }

  void post_order(std::size_t at, std::vector<bool>& emitted,
                  std::vector<std::size_t>& order) const {
    if (emitted[at]) return;
    emitted[at] = true;
    for (const std::size_t parent : templates_[at].parents) post_order(parent, emitted, order);
    order.push_back(at);
  }

  Unit unit(const Node& node) const {
    Unit out;
    out.is_template = node.is_template;
    out.name = node.name;
    out.span = node.span;
    out.context =
        std::string(node.is_template ? " in template '" : " in tenant '") + node.name->text + "'";
    std::vector<bool> emitted(templates_.size(), false);
    std::vector<std::size_t> order;
    for (const std::size_t parent : node.parents) post_order(parent, emitted, order);
    for (const std::size_t index : order)
      out.layers.push_back(Layer{templates_[index].body, templates_[index].span});
    out.layers.push_back(Layer{node.body, node.span});
    return out;
  }

  Reporter& reporter_;
  std::vector<Node> templates_;
  std::vector<Node> tenants_;
  std::map<std::string_view, std::size_t> template_index_;
  std::map<std::string_view, std::size_t> tenant_index_;
};

}  // namespace

Units build_units(const std::vector<std::shared_ptr<const ast::File>>& files, Reporter& reporter) {
  return Graph(files, reporter).units();
}

}  // namespace tenet::check
