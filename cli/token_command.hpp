// `tenet token new --tenant T|* --rights check,admin`: a fresh random token
// (first line) and the line to add to the server's token file (second line).
#pragma once

namespace CLI {
class App;
}

namespace tenet::cli {

void add_token_command(CLI::App& app, int& exit_code);

}  // namespace tenet::cli
