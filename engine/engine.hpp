// tenet::Engine — the embedding API: load a policy directory, ask decisions.
//
//   auto loaded = tenet::Engine::load("policies/");
//   if (!loaded.engine) { for (auto& d : loaded.diagnostics) ...; return 1; }
//   std::string response = loaded.engine->handle_json(
//       R"({"op":"check","tenant":"acme", ...})");
//
// Every member is safe to call from many threads at once. Decisions are made
// on a snapshot: `replace` swaps in a newly compiled set with one atomic
// pointer exchange, and calls already running finish on the set they began
// with.
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/checker/checker.hpp"
#include "engine/compile/compiled.hpp"
#include "engine/compile/compiler.hpp"
#include "engine/compile/tree_dump.hpp"
#include "engine/eval/decision.hpp"
#include "engine/eval/evaluator.hpp"
#include "engine/eval/request.hpp"
#include "engine/sql/sql_ddl.hpp"
#include "engine/units/policy_units.hpp"
#include "grammar/ast.hpp"
#include "grammar/formatter.hpp"
#include "grammar/loader.hpp"
#include "grammar/parser.hpp"
#include "grammar/source/diagnostic.hpp"
#include "grammar/source/source.hpp"

namespace tenet {

// The names an embedder uses, from the stage that defines each: a program
// outside engine/ includes this header (and engine/json/line_handler.hpp for
// request lines) and writes tenet::CheckRequest, tenet::Decision, ...
using compile::CompiledPolicySet;
using compile::FeatureSwitch;
using eval::Attributes;
using eval::CheckRequest;
using eval::Decision;
using eval::FeaturesRequest;
using eval::LifecycleRequest;
using eval::PlansRequest;
using eval::Principal;
using eval::RequestBase;
using eval::Resource;
using eval::SubscribeRequest;
using eval::TransitionRequest;
using eval::Value;
using eval::ValueKind;
using grammar::format_file;
using grammar::FormatResult;
using grammar::PolicyFileText;
using grammar::PolicyFileTexts;
using grammar::read_policy_file;
using grammar::read_policy_files;
using PolicyFileOptions = grammar::LoadOptions;
using grammar::ParseLimits;
using model::Index;
using model::kNone;

// ---- The policy pipeline: directory → loader → checker → compiler.
//
// One function, compile_policy_directory, that every caller goes through:
// `tenet check`, `eval`, `test`, `tree`, `sql`, `serve` and its reload, the C
// ABI, Engine::load and the tests. So one rule holds everywhere: the same
// parse limits, the same "no .tenet files" error, the same diagnostics.

struct PolicyOptions {
  // File size, nesting, expression depth, syntax errors per file
  // (LANGUAGE.md section 9, "Limits"); every command takes them as flags.
  ParseLimits limits;
  bool include_tests = false;  // also parse the *_test.tenet files (`tenet test`)
  bool compile = true;         // false: load and check only (`tenet check` reports, runs nothing)
  bool lint = false;  // also the lint warnings (`tenet check --lint`, LANGUAGE.md section 9)
};

struct PolicyLoad {
  // What the caller's exit code says: 0, 1 and 2 of README's table (the C
  // ABI: TENET_OK, TENET_POLICY_ERROR, TENET_IO_ERROR).
  enum class Status { Ok = 0, PolicyErrors = 1, IoError = 2 };

  // Null on errors, and when PolicyOptions::compile is false.
  std::shared_ptr<const CompiledPolicySet> policies;
  std::shared_ptr<const SourceSet> sources = std::make_shared<SourceSet>();  // renders diagnostics
  std::vector<Diagnostic> diagnostics;  // syntax and checker, errors and warnings, sorted
  // Non-empty: the directory could not be read (or memory ran out); nothing
  // was checked.
  std::vector<std::string> io_errors;
  // An error of the set as a whole, with no place in a file: a directory
  // without any policy file ("DIR: no .tenet files in this directory"). A
  // policy error, like a diagnostic (README: exit code 1).
  std::string set_error;
  std::vector<std::shared_ptr<const ast::File>> test_files;  // with include_tests only
  // For `tenet check`'s summary ("ok: 3 files, 5 tenants").
  std::size_t policy_file_count = 0;
  std::size_t tenant_count = 0;  // tenant blocks in the policy files
  std::size_t error_count = 0;   // diagnostics of severity error
  std::size_t warning_count = 0;
  // The same check per partner unit (docs/UNITS.md), for `tenet check`'s
  // verdict line: one per tenant declared, syntax errors included, and the
  // errors of the platform part (schema, templates), which no unit can be
  // served without.
  std::vector<checker::UnitVerdict> units;
  std::size_t platform_error_count = 0;

  [[nodiscard]] Status status() const {
    if (!io_errors.empty()) return Status::IoError;
    if (!set_error.empty() || error_count > 0) return Status::PolicyErrors;
    return Status::Ok;
  }
};

// Loads every policy file below `directory` (LANGUAGE.md section 1), checks
// the set and, without errors, compiles it. Never throws std::bad_alloc:
// running out of memory is an io_error.
[[nodiscard]] PolicyLoad compile_policy_directory(const std::filesystem::path& directory,
                                                  const PolicyOptions& options = {});

// The same pipeline on files held in memory (name → text, in this order, all
// policy files): for tests and tools that generate policies.
struct PolicyText {
  std::string name;
  std::string text;
};
[[nodiscard]] PolicyLoad compile_policy_texts(const std::vector<PolicyText>& files,
                                              const PolicyOptions& options = {});

// One compiled set, pinned: typed decisions for C++ applications.
//
//   tenet::Snapshot pinned = engine.pin();
//   tenet::CheckRequest request;
//   request.tenant = pinned->find_tenant("acme");
//   request.principal.role = pinned->find_role(request.tenant, "basic");
//   std::vector<tenet::Value> attrs(pinned->principal_slot_count());
//   attrs[pinned->principal_slot("kyc")] = ...;  // slots by name, looked up once
//   ...
//   tenet::Decision decision;  // reuse one per thread: no allocation once warm
//   pinned.check(request, decision);
//
// A request's indices come from one compiled set and a Decision's strings
// point into it, so both are only meaningful with the set that produced
// them: the Snapshot keeps it alive. Cheap to copy (one shared_ptr); every
// member is const and thread-safe.
class Snapshot {
 public:
  explicit Snapshot(std::shared_ptr<const CompiledPolicySet> policies)
      : policies_(std::move(policies)) {}

  [[nodiscard]] const CompiledPolicySet& policies() const { return *policies_; }
  [[nodiscard]] const CompiledPolicySet* operator->() const { return policies_.get(); }
  [[nodiscard]] const std::shared_ptr<const CompiledPolicySet>& shared() const { return policies_; }

  // `out` is cleared first; its strings stay valid while this set lives.
  void check(const CheckRequest& request, Decision& out) const {
    eval::check(*policies_, request, out);
  }
  void transition(const TransitionRequest& request, Decision& out) const {
    eval::transition(*policies_, request, out);
  }
  void subscribe(const SubscribeRequest& request, Decision& out) const {
    eval::subscribe(*policies_, request, out);
  }
  void plans(const PlansRequest& request, Decision& out) const {
    eval::plans(*policies_, request, out);
  }
  void features(const FeaturesRequest& request, Decision& out) const {
    eval::features(*policies_, request, out);
  }
  void lifecycle(const LifecycleRequest& request, Decision& out) const {
    eval::lifecycle(*policies_, request, out);
  }

 private:
  std::shared_ptr<const CompiledPolicySet> policies_;
};

// Sets on `to` the runtime feature switches `from` has set, by tenant and
// feature name, for the tenants `to` does not share with `from` (a shared
// tenant keeps its own board). Engine::replace does this before publishing.
void carry_feature_switches(const CompiledPolicySet& from, const CompiledPolicySet& to);

class Engine {
 public:
  struct LoadResult {
    std::unique_ptr<Engine> engine;            // null on I/O errors or policy errors
    std::shared_ptr<const SourceSet> sources;  // to render the diagnostics
    std::vector<Diagnostic> diagnostics;       // errors and warnings, sorted
    std::vector<std::string> io_errors;
    std::string set_error;  // e.g. no .tenet files (PolicyLoad::set_error)
  };

  // Loads, checks and compiles every policy file below `directory`
  // (compile_policy_directory, then an Engine on the result).
  [[nodiscard]] static LoadResult load(const std::filesystem::path& directory,
                                       const PolicyOptions& options = {});
  // Load + check + compile without an Engine (reload builds its new set this
  // way): compile_policy_directory under the name embedders know.
  using CompileResult = PolicyLoad;
  [[nodiscard]] static CompileResult compile_directory(const std::filesystem::path& directory,
                                                       const PolicyOptions& options = {}) {
    return compile_policy_directory(directory, options);
  }

  explicit Engine(std::shared_ptr<const CompiledPolicySet> policies);

  // The set decisions are made on right now.
  [[nodiscard]] std::shared_ptr<const CompiledPolicySet> snapshot() const {
    return current_.load();
  }
  // Swaps in a new set (hot reload). Feature switches set on the old set are
  // carried over for features that still exist.
  void replace(std::shared_ptr<const CompiledPolicySet> policies);

  // The runtime switch of one feature (the server's set_feature) on the
  // current set's switch board (beside the immutable set: every snapshot of
  // it sees the change at once); false when the tenant or feature is not
  // declared.
  // Serialised with `replace`, so a switch set during a reload is not lost.
  bool set_feature(std::string_view tenant, std::string_view feature, FeatureSwitch state);

  // Typed calls, for C++ applications: pin the current set, put the request
  // in engine form with its lookups, decide (see Snapshot above).
  [[nodiscard]] Snapshot pin() const { return Snapshot(snapshot()); }

  // JSON in, JSON out: one docs/PROTOCOL.md request line (without '\n') → one
  // response line (without '\n'). Bad input gets an error response, never
  // an exception.
  [[nodiscard]] std::string handle_json(std::string_view line) const;

 private:
  std::atomic<std::shared_ptr<const CompiledPolicySet>> current_;
  std::mutex admin_;  // replace / set_feature only; decisions never take it
};

}  // namespace tenet
