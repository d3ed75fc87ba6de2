// Partner policy units: load, reload and put (engine/units/policy_units.hpp).
#include "engine/units/policy_units.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <new>
#include <set>
#include <stdexcept>
#include <utility>

#include "engine/checker/checker.hpp"
#include "engine/compile/compiler.hpp"
#include "grammar/loader.hpp"

namespace tenet::units {
namespace {

using compile::CompiledPolicySet;
using model::Index;
using model::kNone;
using TenantPtr = CompiledPolicySet::TenantPtr;

// A file that declares tenants and nothing the platform part needs.
bool is_unit_file(const ast::File& file) {
  return file.schemas.empty() && file.templates.empty() && !file.tenants.empty();
}

std::vector<std::string> tenants_of(const ast::File& file) {
  std::vector<std::string> names;
  for (const ast::TenantDecl& decl : file.tenants) {
    if (std::find(names.begin(), names.end(), decl.name.text) == names.end())
      names.push_back(decl.name.text);
  }
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

std::string removal_refused(const std::vector<std::string>& removed) {
  return "the new policy set no longer declares tenant(s) " + joined(removed) +
         "; a reload with \"allow_removal\":true removes them";
}

// The first error of a unit on one line, for `tenant_unavailable` answers.
std::string first_error(const std::vector<Diagnostic>& diagnostics, const SourceSet& sources) {
  for (const Diagnostic& d : diagnostics) {
    if (d.severity != Severity::Error) continue;
    return sources.file(d.span.file).path + ':' + std::to_string(d.span.line) + ':' +
           std::to_string(d.span.column) + ": " + d.message;
  }
  return "the unit does not compile";
}

std::string rendered(const std::vector<Diagnostic>& diagnostics, const SourceSet& sources) {
  std::string text;
  for (const Diagnostic& d : diagnostics) text += render(d, sources);
  return text;
}

// Syntax diagnostics of a parse, attributed like the checker's: to the
// tenant whose declaration holds them, else (in a unit file) to every
// tenant of the file, else to the platform part.
void attribute_syntax(const std::vector<Diagnostic>& syntax,
                      const std::vector<std::shared_ptr<const ast::File>>& files,
                      std::map<std::string, std::vector<Diagnostic>>& by_tenant,
                      std::vector<Diagnostic>& platform) {
  for (const Diagnostic& d : syntax) {
    if (const ast::TenantDecl* decl = checker::tenant_declaring(files, d.span)) {
      by_tenant[decl->name.text].push_back(d);
      continue;
    }
    const auto file = std::find_if(files.begin(), files.end(),
                                   [&](const auto& f) { return f->file == d.span.file; });
    if (file != files.end() && is_unit_file(**file)) {
      for (const std::string& tenant : tenants_of(**file)) by_tenant[tenant].push_back(d);
      continue;
    }
    platform.push_back(d);
  }
}

std::uint64_t next_revision(const Unit* before, const KnownRevision* known,
                            const KnownRevision* assigned, const std::string& hash) {
  if (assigned != nullptr && assigned->hash == hash) return assigned->revision;
  if (before != nullptr) return before->hash == hash ? before->revision : before->revision + 1;
  if (known != nullptr) return known->hash == hash ? known->revision : known->revision + 1;
  return 1;
}

// ---- the ids of a tenant's declarations, and what each says

std::string normalised(std::string_view text) {
  std::string out;
  bool blank = false;
  for (const char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space && blank) continue;
    out += space ? ' ' : c;
    blank = space;
  }
  return out;
}

std::map<std::string, std::string> declarations(const compile::Tenant& tenant) {
  std::map<std::string, std::string> out;
  if (tenant.model_tenant == nullptr) return out;
  const model::Tenant& t = *tenant.model_tenant;
  const SourceSet& sources = *tenant.model->sources;
  // Keyed TENANT:ID, as decision reasons name them (docs/PROTOCOL.md, put_policy's changes).
  const std::string prefix = tenant.own_name + ':';
  const auto add = [&](const std::string& kind, const std::string& id, const Span& span) {
    out[prefix + id] = kind + ' ' + normalised(sources.text(span));
  };
  for (const model::Transition& x : t.transitions) add("transition", x.id, x.span);
  for (const model::Plan& x : t.plans) add("plan", x.id, x.span);
  for (const model::Lifecycle& l : t.lifecycles) {
    for (const model::Edge& x : l.edges) add("edge", x.id, x.span);
  }
  for (const model::Rule& x : t.rules) add("rule", x.id, x.span);
  return out;
}

void compare(const compile::Tenant* before, const compile::Tenant& after, PutReport& report) {
  const std::map<std::string, std::string> old =
      before != nullptr ? declarations(*before) : std::map<std::string, std::string>{};
  const std::map<std::string, std::string> now = declarations(after);
  for (const auto& [id, text] : now) {
    const auto found = old.find(id);
    if (found == old.end()) {
      report.added.push_back(id);
    } else if (found->second != text) {
      report.changed.push_back(id);
    }
  }
  for (const auto& [id, text] : old) {
    if (now.count(id) == 0) report.removed.push_back(id);
  }
}

// ---- the whole set, from every file

struct ReadFile {
  std::string path;
  std::string text;
  std::string hash;
};

const KnownRevision* find_revision(const KnownRevisions& revisions, const std::string& tenant) {
  const auto found = revisions.find(tenant);
  return found == revisions.end() ? nullptr : &found->second;
}

Report build_all(std::vector<ReadFile> texts, const Version* current, const UnitOptions& options) {
  const grammar::ParseLimits& limits = options.limits;
  Report report;
  auto sources = std::make_shared<SourceSet>();
  std::vector<std::shared_ptr<const ast::File>> files;
  std::vector<Diagnostic> syntax;
  std::map<FileId, std::string> hashes;
  for (ReadFile& read : texts) {
    const FileId id = sources->add(read.path, std::move(read.text));
    hashes[id] = read.hash;
    grammar::ParseResult parsed = grammar::parse_file(*sources, id, false, limits);
    syntax.insert(syntax.end(), parsed.diagnostics.begin(), parsed.diagnostics.end());
    files.push_back(std::move(parsed.file));
  }
  report.sources = sources;
  report.policy_file_count = files.size();
  if (files.empty()) {
    report.message = "no .tenet files in this directory";
    return report;
  }
  const checker::CheckResult checked = checker::check_policy_set(sources, files);
  std::map<std::string, std::vector<Diagnostic>> unit_syntax;
  report.platform_diagnostics = checked.platform_diagnostics;
  attribute_syntax(syntax, files, unit_syntax, report.platform_diagnostics);
  sort_and_unique(report.platform_diagnostics, *sources);
  if (has_errors(report.platform_diagnostics) || !checked.servable) {
    report.message = "the platform part does not compile";
    return report;
  }

  auto platform = std::make_shared<PlatformPart>();
  platform->model = checked.servable;
  platform->compiled = compile::compile_platform(checked.servable);
  for (const auto& file : files) {
    if (is_unit_file(*file)) continue;
    platform->files.push_back(file);
    platform->hashes[sources->file(file->file).path] = hashes[file->file];
  }
  if (options.platform_revision != 0) {
    platform->revision = options.platform_revision;
  } else if (current != nullptr) {
    platform->revision =
        current->platform().revision + (current->platform().hashes == platform->hashes ? 0 : 1);
  }

  std::map<std::string_view, const model::Tenant*> clean;
  for (const model::Tenant& tenant : checked.servable->tenants)
    clean[checked.servable->name(tenant.name)] = &tenant;

  // FileId → its parsed file, so finding a unit's file is not a walk over
  // every file per unit (quadratic: 0.3 s of a 10,000-partner load).
  std::vector<const ast::File*> file_of(sources->size(), nullptr);
  for (const auto& file : files) file_of[file->file] = file.get();

  std::vector<TenantPtr> tenants;
  std::vector<std::shared_ptr<const Unit>> units;
  for (const checker::UnitVerdict& verdict : checked.units) {
    UnitReport unit_report;
    unit_report.tenant = verdict.tenant;
    unit_report.sources = sources;
    unit_report.diagnostics = verdict.diagnostics;
    if (const auto s = unit_syntax.find(verdict.tenant); s != unit_syntax.end())
      unit_report.diagnostics.insert(unit_report.diagnostics.end(), s->second.begin(),
                                     s->second.end());
    sort_and_unique(unit_report.diagnostics, *sources);

    auto unit = std::make_shared<Unit>();
    unit->tenant = verdict.tenant;
    unit->file = verdict.span.file;
    unit->sources = sources;
    unit->path = sources->file(unit->file).path;
    unit->hash = hashes[unit->file];
    const ast::File* file = unit->file < file_of.size() ? file_of[unit->file] : nullptr;
    unit->shares_file = file == nullptr || !is_unit_file(*file) || file->tenants.size() != 1;
    const Unit* before = current != nullptr ? current->find(unit->tenant) : nullptr;
    unit->revision = next_revision(before, find_revision(options.known, unit->tenant),
                                   find_revision(options.assigned, unit->tenant), unit->hash);

    const auto resolved = clean.find(verdict.tenant);
    std::shared_ptr<compile::Tenant> compiled;
    if (!has_errors(unit_report.diagnostics) && resolved != clean.end()) {
      compiled = compile::compile_tenant(checked.servable, *resolved->second, *platform->compiled);
    } else {
      unit->served = false;
      unit->problems = rendered(unit_report.diagnostics, *sources);
      compiled = compile::unavailable_tenant(
          verdict.tenant, "the policy unit of '" + verdict.tenant + "' does not compile: " +
                              first_error(unit_report.diagnostics, *sources));
      unit_report.outcome = Outcome::Refused;
    }
    compiled->revision = unit->revision;
    unit_report.revision = unit->revision;
    if (unit_report.outcome != Outcome::Refused) {
      unit_report.outcome = before == nullptr            ? Outcome::Added
                            : before->hash != unit->hash ? Outcome::Applied
                            : !before->served            ? Outcome::Applied
                                                         : Outcome::Unchanged;
    }
    tenants.push_back(std::move(compiled));
    units.push_back(std::move(unit));
    report.units.push_back(std::move(unit_report));
  }
  auto compiled_set =
      std::make_shared<const CompiledPolicySet>(platform->compiled, std::move(tenants));
  report.version = std::make_shared<const Version>(std::move(platform), std::move(compiled_set),
                                                   std::move(units));
  return report;
}

std::vector<ReadFile> read_texts(grammar::PolicyFileTexts read) {
  std::vector<ReadFile> texts;
  texts.reserve(read.files.size());
  for (grammar::PolicyFileText& file : read.files) {
    std::string hash = content_hash(file.text);
    texts.push_back({std::move(file.relative), std::move(file.text), std::move(hash)});
  }
  return texts;
}

template <typename Work>
Report without_bad_alloc(Work&& work) {
  try {
    return work();
  } catch (const std::bad_alloc&) {
    Report report;
    report.refused = true;
    report.io_errors.emplace_back(
        "out of memory while loading the policy set (see the size limits in LANGUAGE.md "
        "section 9)");
    return report;
  }
}

// ---- a reload that touches unit files only

struct UnitFileChange {
  std::string path;
  const ReadFile* read = nullptr;  // null: the file was removed
};

class UnitReload {
 public:
  UnitReload(const Version& current, const grammar::ParseLimits& limits, bool allow_removal,
             const KnownRevisions& known, const KnownRevisions& assigned)
      : current_(current),
        limits_(limits),
        allow_removal_(allow_removal),
        known_(known),
        assigned_(assigned) {
    tenants_ = current.compiled()->tenants();
    units_ = current.units();
  }

  // `owners`: tenant → the files that declare it after the reload.
  void apply(const UnitFileChange& change,
             const std::map<std::string, std::vector<std::string>>& owners, Report& report) {
    std::vector<std::string> before;
    for (const auto& unit : current_.units()) {
      if (unit->path == change.path) before.push_back(unit->tenant);
    }
    if (change.read == nullptr) {
      for (const std::string& tenant : before) {
        if (owners.count(tenant) == 0) remove(tenant, change.path, report);
      }
      return;
    }
    auto sources = std::make_shared<SourceSet>(current_.platform().model->sources);
    const FileId id = sources->add(change.path, change.read->text);
    grammar::ParseResult parsed = grammar::parse_file(*sources, id, false, limits_);
    const std::shared_ptr<const ast::File> file = std::move(parsed.file);
    const std::vector<std::string> after = tenants_of(*file);
    std::map<std::string, std::vector<Diagnostic>> by_tenant;
    std::vector<Diagnostic> elsewhere;
    attribute_syntax(parsed.diagnostics, {file}, by_tenant, elsewhere);
    // A file broken beyond recognition: its errors are its old tenants'.
    for (const std::string& tenant : before) {
      by_tenant[tenant].insert(by_tenant[tenant].end(), elsewhere.begin(), elsewhere.end());
    }
    const checker::CheckResult checked =
        checker::check_unit(current_.platform().model, sources, current_.platform().files, file);
    for (const checker::UnitVerdict& verdict : checked.units)
      by_tenant[verdict.tenant].insert(by_tenant[verdict.tenant].end(), verdict.diagnostics.begin(),
                                       verdict.diagnostics.end());

    for (const std::string& tenant : after) {
      // The text it serves already (e.g. beside a refused tenant of the
      // same file, whose old hash makes the file look changed): unchanged.
      if (const Index at = index_of(tenant); at != kNone && units_[at]->path == change.path &&
                                             units_[at]->hash == change.read->hash &&
                                             units_[at]->served)
        continue;
      UnitReport unit_report;
      unit_report.tenant = tenant;
      unit_report.sources = sources;
      unit_report.diagnostics = by_tenant[tenant];
      sort_and_unique(unit_report.diagnostics, *sources);
      const auto owner = owners.find(tenant);
      if (owner != owners.end() && owner->second.size() > 1) {
        unit_report.message = "tenant '" + tenant + "' is declared in more than one file (" +
                              joined(owner->second) + ")";
      } else if (has_errors(unit_report.diagnostics)) {
        unit_report.message = "the unit does not compile";
      }
      const model::Tenant* resolved = nullptr;
      if (checked.servable) {
        for (const model::Tenant& t : checked.servable->tenants) {
          if (checked.servable->name(t.name) == tenant) resolved = &t;
        }
      }
      if (resolved == nullptr && unit_report.message.empty())
        unit_report.message = "the unit does not compile";
      if (!unit_report.message.empty()) {
        refuse(std::move(unit_report), report);
        continue;
      }
      auto unit = std::make_shared<Unit>();
      unit->tenant = tenant;
      unit->path = change.path;
      unit->hash = change.read->hash;
      unit->sources = sources;
      unit->file = id;
      unit->shares_file = after.size() != 1;
      const Index at = index_of(tenant);
      const Unit* previous = at == kNone ? nullptr : units_[at].get();
      unit->revision = next_revision(previous, find_revision(known_, tenant),
                                     find_revision(assigned_, tenant), unit->hash);
      std::shared_ptr<compile::Tenant> compiled =
          compile::compile_tenant(checked.servable, *resolved, *current_.platform().compiled);
      compiled->revision = unit->revision;
      unit_report.outcome = previous == nullptr ? Outcome::Added : Outcome::Applied;
      unit_report.revision = unit->revision;
      if (at == kNone) {
        tenants_.push_back(std::move(compiled));
        units_.push_back(std::move(unit));
      } else {
        tenants_[at] = std::move(compiled);
        units_[at] = std::move(unit);
      }
      report.units.push_back(std::move(unit_report));
    }
    for (const std::string& tenant : before) {
      if (owners.count(tenant) != 0) continue;
      // A file that does not parse may have lost the declaration to the
      // syntax error: the unit is refused, never removed.
      if (has_errors(parsed.diagnostics)) {
        UnitReport unit_report;
        unit_report.tenant = tenant;
        unit_report.sources = sources;
        unit_report.diagnostics = by_tenant[tenant];
        sort_and_unique(unit_report.diagnostics, *sources);
        unit_report.message = "the unit does not compile";
        refuse(std::move(unit_report), report);
        continue;
      }
      remove(tenant, change.path, report);
    }
  }

  std::shared_ptr<const Version> version() const {
    std::vector<TenantPtr> tenants;
    std::vector<std::shared_ptr<const Unit>> units;
    for (std::size_t i = 0; i < tenants_.size(); ++i) {
      if (!tenants_[i]) continue;  // removed
      tenants.push_back(tenants_[i]);
      units.push_back(units_[i]);
    }
    // The same tenants in the same order: the directory is shared.
    std::shared_ptr<const compile::TenantDirectory> directory = current_.compiled()->directory();
    if (!directory->matches(tenants)) directory = nullptr;
    auto compiled = std::make_shared<const CompiledPolicySet>(
        current_.platform().compiled, std::move(tenants), std::move(directory));
    return std::make_shared<const Version>(current_.platform_ptr(), std::move(compiled),
                                           std::move(units));
  }

 private:
  Index index_of(const std::string& tenant) const {
    for (std::size_t i = 0; i < units_.size(); ++i) {
      if (units_[i] && units_[i]->tenant == tenant) return static_cast<Index>(i);
    }
    return kNone;
  }

  void refuse(UnitReport unit_report, Report& report) {
    unit_report.outcome = Outcome::Refused;
    const Index at = index_of(unit_report.tenant);
    unit_report.revision = at == kNone ? 0 : units_[at]->revision;
    report.units.push_back(std::move(unit_report));
  }

  void remove(const std::string& tenant, const std::string& path, Report& report) {
    UnitReport unit_report;
    unit_report.tenant = tenant;
    const Index at = index_of(tenant);
    if (at == kNone) return;
    if (!allow_removal_) {
      unit_report.removal = true;
      unit_report.message = path + " no longer declares tenant '" + tenant +
                            "'; a reload with \"allow_removal\":true removes it";
      refuse(std::move(unit_report), report);
      return;
    }
    unit_report.outcome = Outcome::Removed;
    unit_report.revision = units_[at]->revision;
    tenants_[at] = nullptr;
    units_[at] = nullptr;
    report.units.push_back(std::move(unit_report));
  }

  const Version& current_;
  const grammar::ParseLimits& limits_;
  const bool allow_removal_;
  const KnownRevisions& known_;     // revisions of tenants not served now (a history)
  const KnownRevisions& assigned_;  // revisions the fleet's store decided
  std::vector<TenantPtr> tenants_;
  std::vector<std::shared_ptr<const Unit>> units_;
};

// Every tenant of `report` that the current version serves and the new one
// cannot: a platform change that breaks them is refused whole.
std::vector<std::string> broken_by(const Version& current, const Report& report) {
  std::vector<std::string> broken;
  for (const UnitReport& unit : report.units) {
    if (unit.outcome != Outcome::Refused) continue;
    const Unit* before = current.find(unit.tenant);
    if (before == nullptr || before->served) broken.push_back(unit.tenant);
  }
  return broken;
}

}  // namespace

// ---- public

Version::Version(std::shared_ptr<const PlatformPart> platform,
                 std::shared_ptr<const CompiledPolicySet> compiled,
                 std::vector<std::shared_ptr<const Unit>> units)
    : platform_(std::move(platform)), compiled_(std::move(compiled)), units_(std::move(units)) {}

const Unit* Version::find(std::string_view tenant) const {
  const Index at = compiled_->find_tenant(tenant);
  return at == kNone || at >= units_.size() ? nullptr : units_[at].get();
}

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::Applied:
      return "applied";
    case Outcome::Added:
      return "added";
    case Outcome::Unchanged:
      return "unchanged";
    case Outcome::Refused:
      return "refused";
    case Outcome::Removed:
      return "removed";
  }
  return "unchanged";
}

std::size_t Report::broken_units() const {
  return static_cast<std::size_t>(
      std::count_if(units.begin(), units.end(),
                    [](const UnitReport& u) { return u.outcome == Outcome::Refused; }));
}

std::string content_hash(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                        &EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), text.data(), text.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest.data(), &length) != 1) {
    throw std::runtime_error("SHA-256 failed (OpenSSL)");
  }
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4U];
    hex += kHex[digest[i] & 15U];
  }
  return hex;
}

std::string platform_hash(const PlatformPart& platform) {
  std::string listing;
  for (const auto& [path, hash] : platform.hashes) listing += path + '\0' + hash + '\n';
  return content_hash(listing);
}

std::string new_unit_path(std::string_view tenant) {
  std::string name;
  for (const char c : tenant) {
    const bool kept = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    name += kept ? c : '_';
  }
  if (name.empty() || name.front() == '.') name.insert(0, 1, '_');
  // A name ending in _test would make it a test file, never served.
  return "tenants/" + name + (name.size() >= 5 && name.ends_with("_test") ? "_" : "") + ".tenet";
}

Report load(const std::filesystem::path& directory, const UnitOptions& options) {
  return without_bad_alloc([&] {
    grammar::LoadOptions load_options;
    load_options.limits = options.limits;
    grammar::PolicyFileTexts read = grammar::read_policy_files(directory, load_options);
    if (!read.io_errors.empty()) {
      Report report;
      report.io_errors = std::move(read.io_errors);
      return report;
    }
    Report report = build_all(read_texts(std::move(read)), nullptr, options);
    if (report.policy_file_count == 0)
      report.message = directory.string() + ": no .tenet files in this directory";
    return report;
  });
}

namespace {

// The reload of `texts` (every policy file of the new set, hashed) over
// `current`; in without_bad_alloc.
Report reload_read(const Version& current, std::vector<ReadFile> texts, const UnitOptions& options,
                   bool allow_removal) {
  Report report;
  // Which files changed, and whether any of them is the platform part's.
  std::map<std::string, std::vector<std::string>> unit_files;  // path → tenants, before
  for (const auto& unit : current.units()) unit_files[unit->path].push_back(unit->tenant);
  const std::map<std::string, std::string>& platform_hashes = current.platform().hashes;
  bool platform_changed = false;
  std::vector<UnitFileChange> changes;
  std::set<std::string> present;
  for (const ReadFile& file : texts) {
    present.insert(file.path);
    if (const auto p = platform_hashes.find(file.path); p != platform_hashes.end()) {
      platform_changed = platform_changed || p->second != file.hash;
      continue;
    }
    const auto u = unit_files.find(file.path);
    const Unit* unit = u == unit_files.end() ? nullptr : current.find(u->second.front());
    // A unit not served is tried again though its file did not change:
    // what broke it may have been elsewhere (the same tenant in a file
    // since removed).
    if (unit != nullptr && unit->hash == file.hash && (unit->served || unit->shares_file)) continue;
    if (unit != nullptr && unit->shares_file) platform_changed = true;  // a mixed file
    changes.push_back({file.path, &file});
  }
  for (const auto& [path, hash] : platform_hashes) {
    platform_changed = platform_changed || present.count(path) == 0;
  }
  for (const auto& [path, tenants] : unit_files) {
    if (present.count(path) == 0) changes.push_back({path, nullptr});
  }
  // A new or changed file that declares platform things makes it a
  // platform change (parsed here only to look; the full path parses again).
  std::map<std::string, std::vector<std::string>> owners;  // tenant → files, after
  if (!platform_changed) {
    for (const UnitFileChange& change : changes) {
      if (change.read == nullptr) continue;
      SourceSet scratch;
      const FileId id = scratch.add(change.path, change.read->text);
      const grammar::ParseResult parsed = grammar::parse_file(scratch, id, false, options.limits);
      // A file that declares platform things, or (new to the set) no
      // tenant at all, belongs to the platform part.
      const bool known_unit_file = unit_files.count(change.path) != 0;
      if (!parsed.file->schemas.empty() || !parsed.file->templates.empty() ||
          (!known_unit_file && parsed.file->tenants.empty())) {
        platform_changed = true;
        break;
      }
      for (const std::string& tenant : tenants_of(*parsed.file))
        owners[tenant].push_back(change.path);
    }
  }

  if (platform_changed) {
    Report full = build_all(std::move(texts), &current, options);
    full.platform_changed = true;
    if (!full.version) {
      full.refused = true;
      return full;
    }
    std::vector<std::string> broken = broken_by(current, full);
    std::vector<std::string> removed;
    for (const auto& unit : current.units()) {
      if (full.version->find(unit->tenant) == nullptr) removed.push_back(unit->tenant);
    }
    if (!broken.empty() || (!removed.empty() && !allow_removal)) {
      full.refused = true;
      full.version = nullptr;
      if (broken.empty()) full.removed_tenants = removed;
      // Each partner is checked as its file is on disk now: a unit refused
      // by an earlier reload and still broken blocks a platform change too.
      full.message = !broken.empty() ? "the platform change breaks partner(s) " + joined(broken) +
                                           " (each checked as its file is now); nothing "
                                           "was applied"
                                     : removal_refused(removed);
      return full;
    }
    for (const std::string& tenant : removed) {
      UnitReport gone;
      gone.tenant = tenant;
      gone.outcome = Outcome::Removed;
      gone.revision = current.find(tenant)->revision;
      full.units.push_back(std::move(gone));
    }
    return full;
  }

  // Unit files only: every unchanged unit file keeps declaring its tenants.
  for (const auto& [path, tenants] : unit_files) {
    if (present.count(path) == 0) continue;
    const bool changed =
        std::any_of(changes.begin(), changes.end(),
                    // (clang 14 cannot capture a structured binding)
                    [&unit_path = path](const UnitFileChange& c) { return c.path == unit_path; });
    if (changed) continue;
    for (const std::string& tenant : tenants) owners[tenant].push_back(path);
  }
  UnitReload unit_reload(current, options.limits, allow_removal, options.known, options.assigned);
  for (const UnitFileChange& change : changes) unit_reload.apply(change, owners, report);
  report.policy_file_count = texts.size();
  // Removing a served partner is asked for explicitly: without it the
  // reload is refused whole, as a platform change removing one would be.
  for (const UnitReport& unit : report.units) {
    if (unit.outcome == Outcome::Refused && unit.removal)
      report.removed_tenants.push_back(unit.tenant);
  }
  if (!report.removed_tenants.empty()) {
    report.refused = true;
    report.message = removal_refused(report.removed_tenants);
    return report;
  }
  const bool any = std::any_of(report.units.begin(), report.units.end(), [](const UnitReport& u) {
    return u.outcome != Outcome::Refused && u.outcome != Outcome::Unchanged;
  });
  if (any) report.version = unit_reload.version();
  return report;
}

std::vector<ReadFile> hashed(std::vector<PolicyText> texts) {
  std::vector<ReadFile> read;
  read.reserve(texts.size());
  for (PolicyText& text : texts) {
    std::string hash = content_hash(text.text);
    read.push_back({std::move(text.path), std::move(text.text), std::move(hash)});
  }
  std::sort(read.begin(), read.end(),
            [](const ReadFile& a, const ReadFile& b) { return a.path < b.path; });
  return read;
}

}  // namespace

Report reload(const Version& current, const std::filesystem::path& directory,
              const UnitOptions& options, bool allow_removal) {
  return without_bad_alloc([&] {
    grammar::LoadOptions load_options;
    load_options.limits = options.limits;
    grammar::PolicyFileTexts read = grammar::read_policy_files(directory, load_options);
    Report report;
    if (!read.io_errors.empty()) {
      report.refused = true;
      report.io_errors = std::move(read.io_errors);
      return report;
    }
    std::vector<ReadFile> texts = read_texts(std::move(read));
    if (texts.empty()) {
      report.refused = true;
      report.message = directory.string() + ": no .tenet files in this directory";
      return report;
    }
    return reload_read(current, std::move(texts), options, allow_removal);
  });
}

Report load_texts(std::vector<PolicyText> texts, const UnitOptions& options) {
  return without_bad_alloc([&] {
    Report report = build_all(hashed(std::move(texts)), nullptr, options);
    if (report.policy_file_count == 0) report.message = "no policy files";
    return report;
  });
}

Report reload_texts(const Version& current, std::vector<PolicyText> texts,
                    const UnitOptions& options, bool allow_removal) {
  return without_bad_alloc([&] {
    if (texts.empty()) {
      Report report;
      report.refused = true;
      report.message = "no policy files";
      return report;
    }
    return reload_read(current, hashed(std::move(texts)), options, allow_removal);
  });
}

PutReport put(const Version& current, const PutRequest& request,
              const grammar::ParseLimits& limits) {
  PutReport report;
  const auto refuse = [&](std::string code, std::string message) {
    report.error_code = std::move(code);
    report.message = std::move(message);
    return report;
  };
  if (request.source.size() > request.max_bytes) {
    return refuse("too_large", "the unit has " + std::to_string(request.source.size()) +
                                   " bytes, more than the limit of " +
                                   std::to_string(request.max_bytes));
  }
  const Unit* before = current.find(request.tenant);
  if (before != nullptr && before->shares_file) {
    return refuse("invalid_policy", "tenant '" + request.tenant + "' is declared in " +
                                        before->path +
                                        " beside other declarations; move it to a file of its "
                                        "own to edit it as a unit");
  }
  report.path = before != nullptr ? before->path : new_unit_path(request.tenant);
  if (before == nullptr && current.platform().hashes.count(report.path) != 0)
    return refuse("invalid_policy", report.path + " is a platform file");
  for (const auto& unit : current.units()) {
    if (before == nullptr && unit->path == report.path)
      return refuse("invalid_policy",
                    report.path + " already declares tenant '" + unit->tenant + "'");
  }
  auto sources = std::make_shared<SourceSet>(current.platform().model->sources);
  report.sources = sources;
  const FileId id = sources->add(report.path, request.source);
  grammar::ParseResult parsed = grammar::parse_file(*sources, id, false, limits);
  const std::shared_ptr<const ast::File> file = std::move(parsed.file);
  // What a partner's unit may declare: its own tenant, nothing else.
  if (!file->schemas.empty())
    return refuse("invalid_policy", "a partner unit may not declare a schema block");
  if (!file->templates.empty())
    return refuse("invalid_policy", "a partner unit may not declare a template");
  for (const ast::TenantDecl& decl : file->tenants) {
    if (decl.name.text != request.tenant)
      return refuse("invalid_policy", "the unit declares tenant '" + decl.name.text +
                                          "'; a unit of '" + request.tenant +
                                          "' may declare only tenant '" + request.tenant + "'");
  }
  report.diagnostics = std::move(parsed.diagnostics);
  if (file->tenants.empty() && !has_errors(report.diagnostics))
    return refuse("invalid_policy", "the unit does not declare tenant '" + request.tenant + "'");

  const checker::CheckResult checked =
      checker::check_unit(current.platform().model, sources, current.platform().files, file);
  report.diagnostics.insert(report.diagnostics.end(), checked.diagnostics.begin(),
                            checked.diagnostics.end());
  sort_and_unique(report.diagnostics, *sources);
  if (has_errors(report.diagnostics) || !checked.servable ||
      checked.servable->tenants.size() != 1) {
    return refuse("invalid_policy", "the unit of '" + request.tenant + "' does not compile");
  }
  std::shared_ptr<compile::Tenant> compiled = compile::compile_tenant(
      checked.servable, checked.servable->tenants.front(), *current.platform().compiled);
  const std::string hash = content_hash(request.source);
  report.revision = before == nullptr ? request.last_known_revision + 1 : before->revision + 1;
  compiled->revision = report.revision;
  const Index at = current.compiled()->find_tenant(request.tenant);
  compare(at == kNone ? nullptr : &current.compiled()->tenant(at), *compiled, report);
  report.ok = true;
  if (request.dry_run) return report;

  auto unit = std::make_shared<Unit>();
  unit->tenant = request.tenant;
  unit->path = report.path;
  unit->hash = hash;
  unit->revision = report.revision;
  unit->sources = sources;
  unit->file = id;
  std::vector<TenantPtr> tenants = current.compiled()->tenants();
  std::vector<std::shared_ptr<const Unit>> units = current.units();
  std::shared_ptr<const compile::TenantDirectory> directory = current.compiled()->directory();
  if (at == kNone) {
    tenants.push_back(std::move(compiled));
    units.push_back(std::move(unit));
    directory = nullptr;
  } else {
    tenants[at] = std::move(compiled);
    units[at] = std::move(unit);
  }
  auto compiled_set = std::make_shared<const CompiledPolicySet>(
      current.platform().compiled, std::move(tenants), std::move(directory));
  report.version = std::make_shared<const Version>(current.platform_ptr(), std::move(compiled_set),
                                                   std::move(units));
  return report;
}

}  // namespace tenet::units
