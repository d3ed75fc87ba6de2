// Partner policy units (docs/UNITS.md): a policy set as the platform part
// plus one unit per partner, each compiled, swapped, refused and rolled
// back on its own.
//
// The platform part is every schema block, every template and every file
// that declares no tenant; a partner's unit is the file that declares
// `tenant T` (and T's tests, which are not served). A Version is what one
// server serves at one moment: the compiled set (compile::CompiledPolicySet,
// one compiled tenant per partner, shared by pointer with the version before
// it), and per partner its file, content hash, revision and, when its unit
// did not compile at start, why it is not served.
//
// Three ways make a new version, each a pure function of the old one and
// its input (thread-safe; the caller serialises swaps):
//   - load: every file, at start. Broken units are not served; a broken
//     platform part fails the load.
//   - reload: the directory again. Only the files that changed are parsed;
//     a changed unit file re-checks and recompiles that partner only,
//     against the current platform part, and a broken one is refused alone
//     (it keeps serving its previous revision). A change to the platform
//     part recompiles every partner and is refused whole if any partner
//     breaks under it.
//   - put: one partner's unit as text (the protocol's put_policy), checked
//     against the current platform part.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/compile/compiled.hpp"
#include "engine/model/model.hpp"
#include "grammar/ast.hpp"
#include "grammar/parser.hpp"
#include "grammar/source/diagnostic.hpp"
#include "grammar/source/source.hpp"

namespace tenet::units {

// One partner's unit in a version.
struct Unit {
  std::string tenant;
  std::string path;  // the policy file declaring it, relative to the directory
  std::string hash;  // SHA-256 of that file's text, hex
  std::uint64_t revision = 0;
  // The file's text is sources->file(file).text.
  std::shared_ptr<const SourceSet> sources;
  FileId file = 0;
  // Whether the file declares anything besides this tenant (the platform
  // part, other tenants): such a unit cannot be replaced by put.
  bool shares_file = false;
  bool served = true;    // false: it did not compile at start (see `problems`)
  std::string problems;  // rendered diagnostics when not served

  [[nodiscard]] std::string_view text() const { return sources->file(file).text; }
};

// The platform part of a version.
struct PlatformPart {
  // The set its schema and names come from (a unit is checked over it).
  std::shared_ptr<const model::PolicySet> model;
  std::shared_ptr<const compile::Platform> compiled;
  // The files that declare no tenant or declare schema blocks or templates,
  // parsed (a unit is checked against their templates): path → hash.
  std::vector<std::shared_ptr<const ast::File>> files;
  std::map<std::string, std::string> hashes;
  std::uint64_t revision = 1;
};

class Version {
 public:
  Version(std::shared_ptr<const PlatformPart> platform,
          std::shared_ptr<const compile::CompiledPolicySet> compiled,
          std::vector<std::shared_ptr<const Unit>> units);

  [[nodiscard]] const std::shared_ptr<const compile::CompiledPolicySet>& compiled() const {
    return compiled_;
  }
  [[nodiscard]] const PlatformPart& platform() const { return *platform_; }
  [[nodiscard]] const std::shared_ptr<const PlatformPart>& platform_ptr() const {
    return platform_;
  }
  // Parallel to compiled()->tenants().
  [[nodiscard]] const std::vector<std::shared_ptr<const Unit>>& units() const { return units_; }
  [[nodiscard]] const Unit* find(std::string_view tenant) const;

 private:
  std::shared_ptr<const PlatformPart> platform_;
  std::shared_ptr<const compile::CompiledPolicySet> compiled_;
  std::vector<std::shared_ptr<const Unit>> units_;
};

// What happened to one unit.
enum class Outcome : std::uint8_t { Applied, Added, Unchanged, Refused, Removed };
[[nodiscard]] std::string_view outcome_name(Outcome outcome);

struct UnitReport {
  std::string tenant;
  Outcome outcome = Outcome::Unchanged;
  std::uint64_t revision = 0;  // serving after the change (the old one when refused)
  std::string message;         // why it was refused, besides the diagnostics
  bool removal = false;        // refused: it is no longer declared (allow_removal not given)
  std::vector<Diagnostic> diagnostics;       // errors and warnings of this unit
  std::shared_ptr<const SourceSet> sources;  // renders them
};

struct Report {
  // Null: nothing can be served (load: I/O errors, a broken platform part;
  // reload and put: the version did not change, see `refused`).
  std::shared_ptr<const Version> version;
  bool refused = false;           // reload / put: nothing was applied
  bool platform_changed = false;  // reload: the platform part was recompiled
  std::string message;            // why it was refused, when it was as a whole
  // Refused because these served tenants are no longer declared (a platform
  // change without allow_removal).
  std::vector<std::string> removed_tenants;
  std::vector<std::string> io_errors;
  std::vector<Diagnostic> platform_diagnostics;
  std::shared_ptr<const SourceSet> sources;  // renders platform_diagnostics
  std::vector<UnitReport> units;             // tenant order; unchanged units left out of reloads
  std::size_t policy_file_count = 0;

  [[nodiscard]] std::size_t broken_units() const;
};

// Revisions known from before (a server's history): per tenant, the last
// revision and the hash of its text. A unit whose text has that hash gets
// that revision; another text the next one; an unknown tenant revision 1.
struct KnownRevision {
  std::uint64_t revision = 0;
  std::string hash;
};
using KnownRevisions = std::map<std::string, KnownRevision, std::less<>>;

struct UnitOptions {
  grammar::ParseLimits limits;
  // load: every partner's; reload: those of partners not served now (a
  // partner removed and added again continues its numbering).
  KnownRevisions known;
  // Revisions decided elsewhere (the fleet's store, docs/FLEET.md): a unit
  // whose text has the assigned hash gets the assigned revision, whatever
  // the version before had (a replica that missed revisions jumps to the
  // store's number).
  KnownRevisions assigned;
  // The platform part's revision, when decided elsewhere (0: one more than
  // the current version's when the platform part changed).
  std::uint64_t platform_revision = 0;
};

[[nodiscard]] Report load(const std::filesystem::path& directory, const UnitOptions& options);

[[nodiscard]] Report reload(const Version& current, const std::filesystem::path& directory,
                            const UnitOptions& options, bool allow_removal);

// load and reload over policy texts in memory instead of a directory (a
// replica serving the fleet's store): `path` is relative, as in a directory.
struct PolicyText {
  std::string path;
  std::string text;
};
[[nodiscard]] Report load_texts(std::vector<PolicyText> texts, const UnitOptions& options);
[[nodiscard]] Report reload_texts(const Version& current, std::vector<PolicyText> texts,
                                  const UnitOptions& options, bool allow_removal);

// One hash for the platform part's files (its `hashes`): what the store
// records as the platform revision's hash.
[[nodiscard]] std::string platform_hash(const PlatformPart& platform);

struct PutRequest {
  std::string tenant;
  std::string source;
  bool dry_run = false;
  std::size_t max_bytes = 1U << 20U;  // a unit's size limit
  // A tenant not served now whose history goes up to this revision: a new
  // unit continues from it.
  std::uint64_t last_known_revision = 0;
};
struct PutReport {
  bool ok = false;
  std::string error_code;                  // "invalid_policy", "too_large"
  std::string message;                     // the refusal, when not ok
  std::shared_ptr<const Version> version;  // ok and not dry_run: the version to serve
  std::string path;                        // where the unit lives (relative)
  std::uint64_t revision = 0;              // its new revision (dry_run: what it would be)
  std::vector<Diagnostic> diagnostics;
  std::shared_ptr<const SourceSet> sources;
  // Ids (transitions, rules, plans, edges) added, removed or changed.
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> changed;
};
[[nodiscard]] PutReport put(const Version& current, const PutRequest& request,
                            const grammar::ParseLimits& limits);

// SHA-256 of `text`, hex.
[[nodiscard]] std::string content_hash(std::string_view text);

// Where a new partner's unit goes: `tenants/NAME.tenet`, the name's bytes
// outside [A-Za-z0-9._-] as '_' (a name starting with '.' gets '_' first).
[[nodiscard]] std::string new_unit_path(std::string_view tenant);

}  // namespace tenet::units
