#include "cli/fmt_command.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <dtl/dtl.hpp>
#include <iostream>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <system_error>

#include "cli/check_command.hpp"
#include "cli/policy_loading.hpp"
#include "engine/engine.hpp"
#include "server/durable_file.hpp"

namespace tenet::cli {
namespace {

namespace fs = std::filesystem;

// One file to format: where it is shown, its text, whether it holds tests.
struct PolicyFile {
  fs::path path;
  std::string text;
  bool is_test = false;
};

// Every *.tenet file a PATH names: itself, or those below a directory, found
// and read exactly as every other command reads a policy directory
// (grammar/loader.hpp: byte order, hidden entries skipped, links to folders
// not followed, regular files only, --max-file-bytes). False, with the
// reason on `err`, when something cannot be read (what could is in `files`).
bool collect(const fs::path& path, const ParseLimits& limits, std::vector<PolicyFile>& files,
             std::ostream& err) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    PolicyFileOptions options;
    options.include_tests = true;
    options.limits = limits;
    PolicyFileTexts read = read_policy_files(path, options);
    for (const std::string& problem : read.io_errors) {
      err << "tenet fmt: error: " << path.string() << ": " << problem << '\n';
    }
    // The files that could be read are still formatted.
    for (PolicyFileText& file : read.files) {
      files.push_back({path / file.relative, std::move(file.text), file.is_test});
    }
    return read.io_errors.empty();
  }
  if (!fs::exists(path, ec)) {
    err << "tenet fmt: error: " << path.string() << ": no such file or directory\n";
    return false;
  }
  PolicyFile file{path, {}, path.filename().string().ends_with("_test.tenet")};
  std::string problem;
  if (!read_policy_file(path, limits.max_file_bytes, file.text, problem)) {
    err << "tenet fmt: error: " << path.string() << ": " << problem << '\n';
    return false;
  }
  files.push_back(std::move(file));
  return true;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// `--- a/PATH` / `+++ b/PATH` and the hunks (dtl, three lines of context).
void print_diff(const fs::path& path, const std::string& before, const std::string& after,
                std::ostream& out) {
  dtl::Diff<std::string, std::vector<std::string>> diff(lines_of(before), lines_of(after));
  diff.onHuge();
  diff.compose();
  diff.composeUnifiedHunks();
  out << "--- " << path.string() << "\n+++ " << path.string() << " (formatted)\n";
  diff.printUnifiedFormat(out);
}

}  // namespace

int run_fmt(const FmtOptions& options, std::ostream& out, std::ostream& err) {
  if (options.write && options.check) {
    err << "tenet fmt: error: -w and --check exclude each other\n";
    return kUsageOrIo;
  }
  std::vector<PolicyFile> files;
  bool failed = false;
  for (const fs::path& path : options.paths) {
    if (!collect(path, options.limits, files, err)) failed = true;
  }
  const bool headers =
      files.size() > 1 || (options.paths.size() == 1 && fs::is_directory(options.paths.front()));
  bool unformatted = false;
  for (const PolicyFile& policy_file : files) {
    const fs::path& file = policy_file.path;
    const std::string& text = policy_file.text;
    SourceSet sources;
    const FileId id = sources.add(file.string(), text);
    // A file over --max-file-bytes is a diagnostic of the parser, as in `tenet check`.
    const FormatResult formatted = format_file(sources, id, policy_file.is_test, options.limits);
    if (!formatted.diagnostics.empty()) {
      for (const Diagnostic& d : formatted.diagnostics) err << render(d, sources) << '\n';
      failed = true;
      continue;
    }
    const bool changes = formatted.text != text;
    if (options.check) {
      if (changes) print_diff(file, text, formatted.text, out);
      unformatted = unformatted || changes;
    } else if (options.write) {
      if (!changes) continue;
      if (const auto problem = server::write_file_durably(file, formatted.text)) {
        err << "tenet fmt: error: " << file.string() << ": " << *problem << '\n';
        failed = true;
        continue;
      }
      out << file.string() << '\n';
    } else {
      if (headers) out << "==> " << file.string() << " <==\n";
      out << formatted.text;
    }
  }
  if (failed) return kUsageOrIo;
  return unformatted ? 1 : kOk;
}

void add_fmt_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<FmtOptions>();
  CLI::App* command = app.add_subcommand(
      "fmt",
      "Lay out .tenet files the one canonical way (comments kept; the meaning never changes). "
      "Prints the result; -w rewrites the files that change; --check prints a unified diff and "
      "exits 1 when a file is not formatted. Exit status: 0 ok, 1 not formatted (--check), 2 "
      "usage or I/O error or syntax errors.");
  command->add_option("PATH", options->paths, "Files or directories (every *.tenet below)")
      ->required();
  command->add_flag("-w,--write", options->write, "Rewrite the files that change, atomically");
  command->add_flag("--check", options->check,
                    "Change nothing; show what would change and exit 1 if anything would");
  add_parse_limit_options(*command, options->limits);
  command->callback([options, &exit_code] { exit_code = run_fmt(*options, std::cout, std::cerr); });
}

}  // namespace tenet::cli
