// `tenet store init URL` and `tenet store migrate URL`: create or upgrade the
// fleet's store, schema `tenet` in a PostgreSQL database (docs/FLEET.md).
#pragma once

namespace CLI {
class App;
}

namespace tenet::cli {

void add_store_command(CLI::App& app, int& exit_code);

}  // namespace tenet::cli
