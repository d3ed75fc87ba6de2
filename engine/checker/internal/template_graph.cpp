#include "engine/checker/internal/template_graph.hpp"

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "grammar/source/policy_limits.hpp"

namespace tenet::checker {
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
    if (!within_template_count(files)) return;
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
    mark_.assign(templates_.size(), 0);
    const std::size_t all = ++stamp_;
    for (std::size_t i = 0; i < templates_.size(); ++i) post_order(i, all, order_, kNoCap);
    too_large_ = !within_template_depth();
  }

  // Every unit within the limits (policy_limits.hpp); none at all when the
  // template graph itself is over them, since checking units then would cost
  // what the limits are there to stop (the error says what to fix).
  Units units() {
    Units out;
    if (too_large_) return out;
    for (const std::size_t index : order_) {
      if (auto unit = unit_within_limit(templates_[index]))
        out.templates.push_back(std::move(*unit));
    }
    for (const Node& tenant : tenants_) {
      if (auto unit = unit_within_limit(tenant)) out.tenants.push_back(std::move(*unit));
    }
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

  bool within_template_count(const std::vector<std::shared_ptr<const ast::File>>& files) {
    std::size_t count = 0;
    const ast::Name* first_over = nullptr;
    for (const auto& file : files) {
      for (const ast::TemplateDecl& decl : file->templates) {
        if (++count == limits::kMaxTemplates + 1) first_over = &decl.name;
      }
    }
    if (first_over == nullptr) return true;
    too_large_ = true;
    reporter_.report(DiagCode::PolicyTooLarge, first_over->span,
                     {"the policy set declares " + std::to_string(count) + " templates",
                      std::to_string(limits::kMaxTemplates)});
    return false;
  }

  void resolve_extends(Node& node) {
    for (const ast::Name& parent : *node.extends) {
      if (const auto found = template_index_.find(parent.text); found != template_index_.end()) {
        node.parents.push_back(found->second);
      } else if (tenant_index_.count(parent.text) != 0) {
        reporter_.report(DiagCode::ExtendsTenant, parent.span, {node.name->text, parent.text});
      } else {
        // The candidates only on this path: listing every template for
        // every `extends` made many templates quadratic.
        std::vector<std::string_view> candidates;
        for (const Node& t : templates_) candidates.push_back(t.name->text);
        reporter_.report(DiagCode::UnknownTemplate, parent.span,
                         {node.name->text, parent.text, did_you_mean(parent.text, candidates)});
      }
    }
  }

  // Depth-first search in declaration order; an edge back to a template on
  // the current path closes a cycle: report it once and drop that edge so
  // every later pass sees an acyclic graph. An explicit stack, not
  // recursion: a chain as long as the file allows must not overflow it.
  void break_template_cycles() {
    enum class Color { White, Gray, Black };
    std::vector<Color> color(templates_.size(), Color::White);
    std::vector<std::size_t> path;  // the gray templates, root first
    std::vector<std::size_t> next;  // per path entry: its next parent to look at
    for (std::size_t root = 0; root < templates_.size(); ++root) {
      if (color[root] != Color::White) continue;
      color[root] = Color::Gray;
      path.push_back(root);
      next.push_back(0);
      while (!path.empty()) {
        const std::size_t at = path.back();
        std::vector<std::size_t>& parents = templates_[at].parents;
        if (next.back() == parents.size()) {
          color[at] = Color::Black;
          path.pop_back();
          next.pop_back();
          continue;
        }
        const std::size_t parent = parents[next.back()];
        if (color[parent] == Color::Gray) {
          const auto start = std::find(path.begin(), path.end(), parent);
          std::vector<std::string_view> names;
          for (auto p = start; p != path.end(); ++p) names.push_back(templates_[*p].name->text);
          names.push_back(templates_[parent].name->text);
          reporter_.report(DiagCode::TemplateCycle, templates_[*start].name->span,
                           {join(names, " -> ")});
          parents.erase(parents.begin() + static_cast<std::ptrdiff_t>(next.back()));
          continue;
        }
        ++next.back();
        if (color[parent] == Color::White) {
          color[parent] = Color::Gray;
          path.push_back(parent);
          next.push_back(0);
        }
      }
    }
  }

  // Appends to `order` the templates reached from `root` (itself included)
  // not marked with `stamp` yet, parents before the templates that extend
  // them, left to right; marks them. Stops once `order` holds more than
  // `cap`. Iterative for the same reason as break_template_cycles.
  void post_order(std::size_t root, std::size_t stamp, std::vector<std::size_t>& order,
                  std::size_t cap) {
    if (mark_[root] == stamp) return;
    mark_[root] = stamp;
    std::vector<std::pair<std::size_t, std::size_t>> stack{{root, 0}};  // (template, next parent)
    while (!stack.empty() && order.size() <= cap) {
      auto& [at, next] = stack.back();
      const std::vector<std::size_t>& parents = templates_[at].parents;
      if (next == parents.size()) {
        order.push_back(at);
        stack.pop_back();
        continue;
      }
      const std::size_t parent = parents[next++];
      if (mark_[parent] == stamp) continue;
      mark_[parent] = stamp;
      stack.emplace_back(parent, 0);
    }
  }

  // Depth (1: extends nothing) in topological order; one report per
  // template that is the first too deep on its chain.
  bool within_template_depth() {
    std::vector<std::size_t> depth(templates_.size(), 1);
    bool within = true;
    for (const std::size_t at : order_) {
      for (const std::size_t parent : templates_[at].parents)
        depth[at] = std::max(depth[at], depth[parent] + 1);
      if (depth[at] != limits::kMaxTemplateDepth + 1) continue;
      within = false;
      reporter_.report(DiagCode::PolicyTooLarge, templates_[at].name->span,
                       {"template '" + std::string(templates_[at].name->text) + "' is " +
                            std::to_string(depth[at]) +
                            " templates deep (itself and the chain of 'extends' below it)",
                        std::to_string(limits::kMaxTemplateDepth)});
    }
    return within;
  }

  std::optional<Unit> unit_within_limit(const Node& node) {
    std::vector<std::size_t> order;
    const std::size_t stamp = ++stamp_;
    for (const std::size_t parent : node.parents)
      post_order(parent, stamp, order, limits::kMaxTemplatesPerUnit);
    if (order.size() > limits::kMaxTemplatesPerUnit) {
      reporter_.report(
          DiagCode::PolicyTooLarge, node.name->span,
          {std::string(node.is_template ? "template '" : "tenant '") + node.name->text +
               "' builds on too many templates (directly or through 'extends')",
           std::to_string(limits::kMaxTemplatesPerUnit)});
      return std::nullopt;
    }
    return unit(node, order);
  }

  Unit unit(const Node& node, const std::vector<std::size_t>& order) const {
    Unit out;
    out.is_template = node.is_template;
    out.name = node.name;
    out.span = node.span;
    out.context =
        std::string(node.is_template ? " in template '" : " in tenant '") + node.name->text + "'";
    for (const std::size_t index : order)
      out.layers.push_back(Layer{templates_[index].body, templates_[index].span});
    out.layers.push_back(Layer{node.body, node.span});
    return out;
  }

  static constexpr std::size_t kNoCap = static_cast<std::size_t>(-1);

  Reporter& reporter_;
  std::vector<Node> templates_;
  std::vector<Node> tenants_;
  std::map<std::string_view, std::size_t> template_index_;
  std::map<std::string_view, std::size_t> tenant_index_;
  std::vector<std::size_t> order_;  // every template after those it extends
  std::vector<std::size_t> mark_;   // post_order's marks, per template
  std::size_t stamp_ = 0;           // a fresh mark per walk: no clearing between units
  bool too_large_ = false;
};

}  // namespace

Units build_units(const std::vector<std::shared_ptr<const ast::File>>& files, Reporter& reporter) {
  return Graph(files, reporter).units();
}

}  // namespace tenet::checker
