// `tenet serve DIR [--listen HOST:PORT] [--unix PATH] [--threads N]
// [--tokens FILE] [--state FILE] [--max-line BYTES] [--max-connections N]
// [--idle-timeout SECONDS] [--hello-timeout SECONDS] [--line-timeout SECONDS]
// [--max-unauthenticated N] [--drain-timeout SECONDS] [--max-file-bytes N]
// [--max-nesting N] [--max-expression-depth N] [--max-syntax-errors N]`: the
// decision server (docs/PROTOCOL.md). The parse limits hold for every reload too.
//
// Exit codes: 0 after a graceful drain (SIGTERM/SIGINT), 1 policy errors at
// start (printed as `tenet check` prints them), 2 usage or I/O error (bad
// token or state file, an endpoint that cannot be bound, a Unix socket path
// a live server answers on, a non-loopback address without --tokens), 3 the
// drain timed out and cut connections. Logs are one JSON object per line on
// stderr.
#pragma once

namespace CLI {
class App;
}

namespace tenet::cli {

void add_serve_command(CLI::App& app, int& exit_code);

}  // namespace tenet::cli
