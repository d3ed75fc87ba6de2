// `tenet policy put|get|history|rollback`: a partner's own policy unit, edited on a running
// `tenet serve` over the protocol (put_policy, get_policy, policy_history, rollback; see
// docs/UNITS.md). A client: --connect HOST:PORT|unix:PATH, --token-file F or --token T (a token
// with the `author` right), --tenant T (default: the token's tenant).
// Exit status: 0 done, 1 refused by the server (the diagnostics on stderr), 2 usage, a file
// that cannot be read, or no connection.
#pragma once

namespace CLI {
class App;
}

namespace tenet::cli {

void add_policy_command(CLI::App& app, int& exit_code);

}  // namespace tenet::cli
