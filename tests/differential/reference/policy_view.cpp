#include "tests/differential/reference/policy_view.hpp"

#include <algorithm>
#include <functional>
#include <set>
#include <tuple>

namespace tenet::reference {
namespace {

using TemplateMap = std::map<std::string, const ast::TemplateDecl*>;

// Post order over `extends`: parents first, each template once.
void add_layers(const std::vector<ast::Name>& parents, const TemplateMap& templates,
                std::set<std::string>& seen, std::vector<const ast::Body*>& layers) {
  for (const ast::Name& parent : parents) {
    if (!seen.insert(parent.text).second) continue;
    const ast::TemplateDecl* decl = templates.at(parent.text);
    add_layers(decl->extends, templates, seen, layers);
    layers.push_back(&decl->body);
  }
}

// Replace-in-place merge of features, plans and lifecycles.
template <typename Decl, typename Key>
std::vector<const Decl*> merge(const std::vector<const ast::Body*>& layers,
                               const std::vector<Decl> ast::Body::*member, Key key) {
  std::vector<const Decl*> out;
  for (const ast::Body* body : layers) {
    for (const Decl& decl : body->*member) {
      const auto same = std::find_if(out.begin(), out.end(),
                                     [&](const Decl* d) { return key(*d).text == key(decl).text; });
      if (same == out.end()) {
        out.push_back(&decl);
      } else {
        *same = &decl;
      }
    }
  }
  return out;
}

// One id to assign: where it is written, its annotation, where to store it.
struct Claim {
  Span span;
  const std::optional<ast::Annotation>* annotation;
  std::string* target;
};

void declare(DeclaredActions& out, const ast::ActionsDecl& decl) {
  for (const ast::Name& type : decl.types) {
    std::vector<std::string>& actions = out[type.text];
    for (const ast::Name& action : decl.actions) {
      if (std::find(actions.begin(), actions.end(), action.text) == actions.end())
        actions.push_back(action.text);
    }
  }
}

TenantView resolve(const ast::TenantDecl& tenant, const TemplateMap& templates,
                   const SchemaView& schema, const SourceSet& sources) {
  std::vector<const ast::Body*> layers;
  std::set<std::string> seen;
  add_layers(tenant.extends, templates, seen, layers);
  layers.push_back(&tenant.body);

  TenantView view;
  view.name = tenant.name.text;
  for (const ast::ActionsDecl* decl : schema.actions) declare(view.actions, *decl);
  for (const ast::Body* body : layers) {
    for (const ast::ActionsDecl& d : body->actions) declare(view.actions, d);
  }
  for (const ast::Body* body : layers) {
    for (const ast::RoleDecl& d : body->roles) view.roles.push_back(&d);
    for (const ast::TransitionDecl& d : body->transitions) view.transitions.push_back({&d, ""});
    for (const ast::RuleDecl& d : body->rules) view.rules.push_back({&d, ""});
  }
  view.features = merge(layers, &ast::Body::features, [](const auto& d) { return d.name; });
  for (const ast::PlanDecl* d :
       merge(layers, &ast::Body::plans, [](const auto& d) { return d.name; })) {
    view.plans.push_back({d, ""});
  }
  view.lifecycles =
      merge(layers, &ast::Body::lifecycles, [](const auto& d) { return d.resource_type; });

  std::vector<Claim> claims;
  for (auto& t : view.transitions) claims.push_back({t.decl->span, &t.decl->annotation, &t.id});
  for (auto& p : view.plans) claims.push_back({p.decl->span, &p.decl->annotation, &p.id});
  for (auto& r : view.rules) claims.push_back({r.decl->span, &r.decl->annotation, &r.id});
  for (const ast::LifecycleDecl* l : view.lifecycles) {
    for (const ast::LifecycleEdge& e : l->edges) {
      claims.push_back({e.span, &e.annotation, &view.edge_ids[&e]});
    }
  }
  // Source order decides which of two same-line declarations keeps FILE:LINE.
  std::stable_sort(claims.begin(), claims.end(), [](const Claim& a, const Claim& b) {
    return std::tie(a.span.file, a.span.offset) < std::tie(b.span.file, b.span.offset);
  });
  std::set<std::string> used;
  for (const Claim& claim : claims) {
    if (claim.annotation->has_value()) {
      *claim.target = (*claim.annotation)->id.text;
      continue;
    }
    std::string id = sources.file(claim.span.file).path + ":" + std::to_string(claim.span.line);
    if (used.count(id) != 0) id += ":" + std::to_string(claim.span.column);
    used.insert(id);
    *claim.target = id;
  }
  return view;
}

}  // namespace

const ast::RoleDecl* TenantView::role(std::string_view name) const {
  for (const ast::RoleDecl* r : roles) {
    if (r->name.text == name) return r;
  }
  return nullptr;
}

const ast::FeatureDecl* TenantView::feature(std::string_view name) const {
  for (const ast::FeatureDecl* f : features) {
    if (f->name.text == name) return f;
  }
  return nullptr;
}

const Identified<ast::PlanDecl>* TenantView::plan(std::string_view name) const {
  for (const auto& p : plans) {
    if (p.decl->name.text == name) return &p;
  }
  return nullptr;
}

const ast::LifecycleDecl* TenantView::lifecycle(std::string_view resource_type) const {
  for (const ast::LifecycleDecl* l : lifecycles) {
    if (l->resource_type.text == resource_type) return l;
  }
  return nullptr;
}

bool TenantView::declares(std::string_view action, const std::string& resource_type) const {
  const std::vector<std::string> declared = actions_of(resource_type);
  return std::find(declared.begin(), declared.end(), action) != declared.end();
}

std::vector<std::string> TenantView::actions_of(const std::string& resource_type) const {
  const auto it = actions.find(resource_type);
  return it == actions.end() ? std::vector<std::string>{} : it->second;
}

bool TenantView::is_a(std::string_view role_name, std::string_view ancestor) const {
  std::set<std::string_view> visited;
  std::function<bool(std::string_view)> walk = [&](std::string_view at) {
    if (at == ancestor) return true;
    if (!visited.insert(at).second) return false;
    const ast::RoleDecl* decl = role(at);
    if (decl == nullptr) return false;
    return std::any_of(decl->parents.begin(), decl->parents.end(),
                       [&](const ast::Name& parent) { return walk(parent.text); });
  };
  return walk(role_name);
}

bool TenantView::matches(std::string_view role_name, const std::vector<ast::Name>& list) const {
  if (list.empty()) return true;
  return std::any_of(list.begin(), list.end(),
                     [&](const ast::Name& wanted) { return is_a(role_name, wanted.text); });
}

const TenantView* PolicyView::tenant(std::string_view name) const {
  for (const TenantView& t : tenants) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

PolicyView build_view(std::shared_ptr<const SourceSet> sources,
                      std::vector<std::shared_ptr<const ast::File>> files) {
  PolicyView view;
  view.sources = std::move(sources);
  view.files = std::move(files);
  TemplateMap templates;
  for (const auto& file : view.files) {
    for (const ast::SchemaDecl& schema : file->schemas) {
      for (const ast::AttributeDecl& a : schema.principal) view.schema.principal[a.name.text] = &a;
      for (const ast::AttributeDecl& a : schema.context) view.schema.context[a.name.text] = &a;
      for (const ast::ResourceDecl& r : schema.resources) {
        auto& attributes = view.schema.resources[r.type_name.text];
        for (const ast::AttributeDecl& a : r.attributes) attributes[a.name.text] = &a;
      }
      for (const ast::ActionsDecl& a : schema.actions) view.schema.actions.push_back(&a);
    }
    for (const ast::TemplateDecl& t : file->templates) templates[t.name.text] = &t;
  }
  for (const auto& file : view.files) {
    for (const ast::TenantDecl& t : file->tenants) {
      view.tenants.push_back(resolve(t, templates, view.schema, *view.sources));
    }
  }
  return view;
}

}  // namespace tenet::reference
