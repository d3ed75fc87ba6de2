// tenet::Engine: loading (loader → checker → compiler), the atomic snapshot
// swap, runtime feature switches, and `handle_json` (through the line
// handler, engine/json/line_handler.hpp).
#include "engine/engine.hpp"

#include <algorithm>
#include <iterator>
#include <new>
#include <utility>

#include "engine/checker/checker.hpp"
#include "engine/compile/compiler.hpp"
#include "engine/json/line_handler.hpp"
#include "grammar/loader.hpp"

namespace tenet {

Engine::CompileResult Engine::compile_directory(const std::filesystem::path& directory) {
  // Running out of memory is a failed load like any other: the caller (a
  // reload, `tenet serve` starting) reports it and keeps what it had, rather
  // than the process dying on an uncaught std::bad_alloc.
  try {
    return compile_directory_or_throw(directory);
  } catch (const std::bad_alloc&) {
    CompileResult result;
    result.sources = std::make_shared<SourceSet>();
    result.io_errors.push_back(directory.string() +
                               ": out of memory while loading the policy set (see the size "
                               "limits in LANGUAGE.md section 9)");
    return result;
  }
}

Engine::CompileResult Engine::compile_directory_or_throw(const std::filesystem::path& directory) {
  CompileResult result;
  grammar::LoadedPolicySet loaded = grammar::load_policy_set(directory);
  result.sources = loaded.sources;
  result.io_errors = std::move(loaded.io_errors);
  if (!result.io_errors.empty()) return result;
  if (loaded.sources->size() == 0) {
    result.io_errors.push_back(directory.string() + ": no .tenet files in this directory");
    return result;
  }
  checker::CheckResult checked = checker::check_policy_set(loaded.sources, loaded.policy_files);
  result.diagnostics = std::move(loaded.diagnostics);
  std::move(checked.diagnostics.begin(), checked.diagnostics.end(),
            std::back_inserter(result.diagnostics));
  sort_and_unique(result.diagnostics, *loaded.sources);
  const bool errors =
      std::any_of(result.diagnostics.begin(), result.diagnostics.end(),
                  [](const Diagnostic& d) { return d.severity == Severity::Error; });
  if (!errors && checked.policy_set) result.policies = compile::compile(checked.policy_set);
  return result;
}

Engine::LoadResult Engine::load(const std::filesystem::path& directory) {
  CompileResult compiled = compile_directory(directory);
  LoadResult result;
  result.sources = std::move(compiled.sources);
  result.diagnostics = std::move(compiled.diagnostics);
  result.io_errors = std::move(compiled.io_errors);
  if (compiled.policies) result.engine = std::make_unique<Engine>(std::move(compiled.policies));
  return result;
}

Engine::Engine(std::shared_ptr<const CompiledPolicySet> policies) : current_(std::move(policies)) {}

void Engine::replace(std::shared_ptr<const CompiledPolicySet> policies) {
  const std::lock_guard<std::mutex> lock(admin_);
  const std::shared_ptr<const CompiledPolicySet> old = current_.load();
  if (old && policies) {
    // Carry runtime switches over by tenant and feature name: indices may
    // differ between the two sets. They go on the new set's board (beside
    // its immutable compiled form, engine/compile/feature_switches.hpp)
    // before the store below publishes it, so no decision on the new set
    // sees a switch missing.
    for (Index t = 0; t < old->tenant_count(); ++t) {
      const Index new_tenant = policies->find_tenant(old->tenant_name(t));
      if (new_tenant == kNone) continue;
      for (const compile::Feature& feature : old->layout().tenants[t].features) {
        const FeatureSwitch state = old->feature_switch(t, old->find_feature(t, feature.name));
        if (state == FeatureSwitch::Default) continue;
        const Index new_feature = policies->find_feature(new_tenant, feature.name);
        if (new_feature != kNone) policies->set_feature_switch(new_tenant, new_feature, state);
      }
    }
  }
  current_.store(std::move(policies));
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
  // One parser and one Decision per thread, reused across calls (and
  // re-bound when the policy set is replaced).
  thread_local json::RequestParser parser;
  thread_local Decision decision;
  const std::shared_ptr<const CompiledPolicySet> policies = snapshot();
  std::string out;
  json::handle_line(*policies, line, parser, decision, out);
  return out;
}

}  // namespace tenet
