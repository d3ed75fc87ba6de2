#include "cli/fmt_command.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <dtl/dtl.hpp>
#include <fstream>
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

// Every *.tenet file a PATH names: itself, or those below a directory (in
// path order; hidden folders such as .tenet-history/ skipped).
bool collect(const fs::path& path, std::vector<fs::path>& files, std::ostream& err) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    files.push_back(path);
    return true;
  }
  if (!fs::is_directory(path, ec)) {
    err << "tenet fmt: error: " << path.string() << ": no such file or directory\n";
    return false;
  }
  std::vector<fs::path> found;
  fs::recursive_directory_iterator it(path, fs::directory_options::none, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& entry = it->path();
    if (it->is_directory() && entry.filename().string().starts_with('.')) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && entry.extension() == ".tenet") found.push_back(entry);
  }
  if (ec) {
    err << "tenet fmt: error: " << path.string() << ": " << ec.message() << '\n';
    return false;
  }
  std::sort(found.begin(), found.end());
  files.insert(files.end(), found.begin(), found.end());
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
  std::vector<fs::path> files;
  for (const fs::path& path : options.paths) {
    if (!collect(path, files, err)) return kUsageOrIo;
  }
  const bool headers =
      files.size() > 1 || (options.paths.size() == 1 && fs::is_directory(options.paths.front()));
  bool failed = false;
  bool unformatted = false;
  for (const fs::path& file : files) {
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (ec || size > options.limits.max_file_bytes) {
      err << "tenet fmt: error: " << file.string() << ": "
          << (ec ? ec.message() : "larger than --max-file-bytes") << '\n';
      failed = true;
      continue;
    }
    std::ifstream in(file, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      err << "tenet fmt: error: " << file.string() << ": cannot read\n";
      failed = true;
      continue;
    }
    SourceSet sources;
    const FileId id = sources.add(file.string(), text);
    const bool test_file = file.filename().string().ends_with("_test.tenet");
    const FormatResult formatted = format_file(sources, id, test_file, options.limits);
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
