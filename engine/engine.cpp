// The policy pipeline (compile_policy_directory: loader → checker → compiler)
// and tenet::Engine: the atomic snapshot swap, runtime feature switches, and
// `handle_json` (through the line handler, engine/json/line_handler.hpp).
#include "engine/engine.hpp"

#include <algorithm>
#include <iterator>
#include <new>
#include <utility>

#include "engine/checker/checker.hpp"
#include "engine/compile/compiler.hpp"
#include "engine/json/line_handler.hpp"
#include "grammar/loader.hpp"
#include "grammar/parser.hpp"

namespace tenet {

namespace {

// The checker's verdict per unit, with the syntax errors (which the loader,
// not the checker, found) given to the unit they lie in, as engine/units
// does: the tenant whose declaration holds them, else every tenant of a file
// that declares only tenants, else the platform part.
void split_by_unit(const grammar::LoadedPolicySet& loaded, const checker::CheckResult& checked,
                   PolicyLoad& result) {
  result.units = checked.units;
  result.platform_error_count = static_cast<std::size_t>(
      std::count_if(checked.platform_diagnostics.begin(), checked.platform_diagnostics.end(),
                    [](const Diagnostic& d) { return d.severity == Severity::Error; }));
  const auto add_to = [&](const std::string& tenant, const Diagnostic& d) {
    for (checker::UnitVerdict& unit : result.units) {
      if (unit.tenant == tenant) unit.diagnostics.push_back(d);
    }
  };
  for (const Diagnostic& d : loaded.diagnostics) {
    if (const ast::TenantDecl* decl = checker::tenant_declaring(loaded.policy_files, d.span)) {
      add_to(decl->name.text, d);
      continue;
    }
    const auto file = std::find_if(loaded.policy_files.begin(), loaded.policy_files.end(),
                                   [&](const auto& f) { return f->file == d.span.file; });
    const bool unit_file = file != loaded.policy_files.end() && (*file)->schemas.empty() &&
                           (*file)->templates.empty() && !(*file)->tenants.empty();
    if (unit_file) {
      for (const ast::TenantDecl& decl : (*file)->tenants) add_to(decl.name.text, d);
    } else if (d.severity == Severity::Error) {
      ++result.platform_error_count;
    }
  }
  for (checker::UnitVerdict& unit : result.units)
    sort_and_unique(unit.diagnostics, *loaded.sources);
}

// The pipeline after reading: check what was loaded and, without errors,
// compile it. `loaded` comes from the directory or from memory.
PolicyLoad check_and_compile(grammar::LoadedPolicySet loaded, const std::string& origin,
                             const PolicyOptions& options) {
  PolicyLoad result;
  result.sources = loaded.sources;
  result.io_errors = std::move(loaded.io_errors);
  if (!result.io_errors.empty()) return result;
  result.test_files = std::move(loaded.test_files);
  result.policy_file_count = loaded.policy_files.size();
  for (const auto& file : loaded.policy_files) result.tenant_count += file->tenants.size();
  // One rule for every caller (README's exit codes): a directory without a
  // policy file is a policy error, not an I/O error, and nothing is checked.
  if (loaded.policy_files.empty()) {
    result.set_error = origin + ": no .tenet files in this directory";
    return result;
  }
  // The checker runs even after syntax errors: the parser recovers at
  // statement boundaries, so the rest of the set is still worth checking.
  checker::CheckResult checked = checker::check_policy_set(loaded.sources, loaded.policy_files,
                                                           checker::CheckerOptions{options.lint});
  split_by_unit(loaded, checked, result);
  result.diagnostics = std::move(loaded.diagnostics);
  std::move(checked.diagnostics.begin(), checked.diagnostics.end(),
            std::back_inserter(result.diagnostics));
  sort_and_unique(result.diagnostics, *loaded.sources);
  result.error_count = static_cast<std::size_t>(
      std::count_if(result.diagnostics.begin(), result.diagnostics.end(),
                    [](const Diagnostic& d) { return d.severity == Severity::Error; }));
  result.warning_count = result.diagnostics.size() - result.error_count;
  if (!checked.policy_set && result.error_count == 0) {
    // Not expected (the checker builds a set whenever it reports no error),
    // but a missing set must never pass as a clean one.
    result.set_error = origin + ": the policy set could not be checked";
    return result;
  }
  if (result.error_count == 0 && options.compile)
    result.policies = compile::compile(checked.policy_set);
  return result;
}

// Running out of memory is a failed load like any other: the caller (a
// reload, a command starting) reports it and keeps what it had, rather than
// the process dying on an uncaught std::bad_alloc.
template <typename Load>
PolicyLoad without_bad_alloc(const std::string& origin, Load&& load) {
  try {
    return load();
  } catch (const std::bad_alloc&) {
    PolicyLoad result;
    result.io_errors.push_back(origin +
                               ": out of memory while loading the policy set (see the size "
                               "limits in LANGUAGE.md section 9)");
    return result;
  }
}

}  // namespace

PolicyLoad compile_policy_directory(const std::filesystem::path& directory,
                                    const PolicyOptions& options) {
  const std::string origin = directory.string();
  return without_bad_alloc(origin, [&] {
    grammar::LoadOptions load_options;
    load_options.include_tests = options.include_tests;
    load_options.limits = options.limits;
    return check_and_compile(grammar::load_policy_set(directory, load_options), origin, options);
  });
}

PolicyLoad compile_policy_texts(const std::vector<PolicyText>& files,
                                const PolicyOptions& options) {
  const std::string origin = "(policy texts)";
  return without_bad_alloc(origin, [&] {
    grammar::LoadedPolicySet loaded;
    for (const PolicyText& file : files) {
      const FileId id = loaded.sources->add(file.name, file.text);
      grammar::ParseResult parsed = grammar::parse_file(*loaded.sources, id, false, options.limits);
      std::move(parsed.diagnostics.begin(), parsed.diagnostics.end(),
                std::back_inserter(loaded.diagnostics));
      loaded.policy_files.push_back(std::move(parsed.file));
    }
    sort_and_unique(loaded.diagnostics, *loaded.sources);
    return check_and_compile(std::move(loaded), origin, options);
  });
}

Engine::LoadResult Engine::load(const std::filesystem::path& directory,
                                const PolicyOptions& options) {
  PolicyLoad compiled = compile_policy_directory(directory, options);
  LoadResult result;
  result.sources = std::move(compiled.sources);
  result.diagnostics = std::move(compiled.diagnostics);
  result.io_errors = std::move(compiled.io_errors);
  result.set_error = std::move(compiled.set_error);
  if (compiled.policies) result.engine = std::make_unique<Engine>(std::move(compiled.policies));
  return result;
}

Engine::Engine(std::shared_ptr<const CompiledPolicySet> policies) : current_(std::move(policies)) {}

void Engine::replace(std::shared_ptr<const CompiledPolicySet> policies) {
  const std::lock_guard<std::mutex> lock(admin_);
  const std::shared_ptr<const CompiledPolicySet> old = current_.load();
  if (old && policies) carry_feature_switches(*old, *policies);
  current_.store(std::move(policies));
}

void carry_feature_switches(const CompiledPolicySet& from, const CompiledPolicySet& to) {
  // By tenant and feature name: indices may differ between the two sets. A
  // tenant the new set shares with the old one keeps its board (nothing to
  // do); a recompiled one gets its switches set on its new board before the
  // caller publishes the set, so no decision on it sees a switch missing.
  for (Index t = 0; t < from.tenant_count(); ++t) {
    const Index new_tenant = to.find_tenant(from.tenant_name(t));
    if (new_tenant == kNone || &to.tenant(new_tenant) == &from.tenant(t)) continue;
    const compile::Tenant& old_tenant = from.tenant(t);
    for (Index f = 0; f < old_tenant.features.size(); ++f) {
      const FeatureSwitch state = from.feature_switch(t, f);
      if (state == FeatureSwitch::Default) continue;
      const Index new_feature = to.find_feature(new_tenant, old_tenant.features[f].name);
      if (new_feature != kNone) to.set_feature_switch(new_tenant, new_feature, state);
    }
  }
}

bool Engine::set_feature(std::string_view tenant, std::string_view feature, FeatureSwitch state) {
  const std::lock_guard<std::mutex> lock(admin_);
  const std::shared_ptr<const CompiledPolicySet> policies = current_.load();
  const Index t = policies->find_tenant(tenant);
  const Index f = policies->find_feature(t, feature);
  if (f == kNone) return false;
  policies->set_feature_switch(t, f, state);
  return true;
}

std::string Engine::handle_json(std::string_view line) const {
  // One line handler (parser, Decision) per thread, reused across calls
  // (and re-bound when the policy set is replaced).
  thread_local json::LineHandler handler;
  const std::shared_ptr<const CompiledPolicySet> policies = snapshot();
  std::string out;
  handler.handle(*policies, line, out);
  return out;
}

}  // namespace tenet
