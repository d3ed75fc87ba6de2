// `tenet publish DIR --store URL`: write a policy directory into the fleet's
// store (docs/FLEET.md), by the rules of a reload (docs/UNITS.md): a changed
// platform part is written with every changed unit, or refused whole when a
// partner would break under it; otherwise each changed unit that compiles is
// written and a broken one is refused alone. All of it is one store change
// (one store revision), with an admin_audit row per revision written.
//
// Exit codes: 0 published (or nothing to publish), 1 refused in whole or in
// part (policy errors, a removal without --allow-removal), 2 usage, I/O, or
// the store unreachable / older / failing (nothing written).
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include "engine/engine.hpp"

namespace CLI {
class App;
}

namespace tenet::cli {

struct PublishOptions {
  std::filesystem::path directory;
  std::string store_url;
  std::string actor;  // who publishes, in the store's revisions and audit
  bool allow_removal = false;
  bool dry_run = false;
  ParseLimits limits;
};

[[nodiscard]] int run_publish(const PublishOptions& options, std::ostream& out, std::ostream& err);

void add_publish_command(CLI::App& app, int& exit_code);

}  // namespace tenet::cli
