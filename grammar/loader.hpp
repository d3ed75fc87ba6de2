// Reading a policy set from disk: every `*.tenet` file below a directory,
// recursively, in byte order of the relative path (docs/LANGUAGE.md §1).
//
// I/O problems (missing directory, unreadable file) are reported apart from
// diagnostics: they are the caller's exit code 2, diagnostics are exit code 1.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "grammar/ast.hpp"
#include "grammar/parser.hpp"
#include "grammar/source/diagnostic.hpp"
#include "grammar/source/source.hpp"

namespace tenet::grammar {

struct LoadedPolicySet {
  std::shared_ptr<SourceSet> sources = std::make_shared<SourceSet>();
  std::vector<std::shared_ptr<const ast::File>> policy_files;  // *.tenet, not *_test.tenet
  std::vector<std::shared_ptr<const ast::File>> test_files;    // *_test.tenet (if asked for)
  std::vector<Diagnostic> diagnostics;                         // syntax, sorted
  std::vector<std::string> io_errors;                          // non-empty: nothing is usable
};

struct LoadOptions {
  bool include_tests = false;
  ParseLimits limits;
  // Called with each file's relative path once it has been read: tests use it
  // to change the directory in the middle of a load.
  std::function<void(const std::string& relative)> after_each_file;
};

[[nodiscard]] LoadedPolicySet load_policy_set(const std::filesystem::path& directory,
                                              const LoadOptions& options = {});

// The first half of load_policy_set: every policy file's text, unparsed (a
// reload parses only the files that changed, docs/UNITS.md).
struct PolicyFileText {
  std::string relative;  // '/'-separated path below the directory
  std::string text;
  bool is_test = false;
};
struct PolicyFileTexts {
  std::vector<PolicyFileText> files;   // sorted by relative path
  std::vector<std::string> io_errors;  // non-empty: nothing is usable
};
[[nodiscard]] PolicyFileTexts read_policy_files(const std::filesystem::path& directory,
                                                const LoadOptions& options = {});

// One file, as read_policy_files reads each: a regular file only (a FIFO
// never blocks), at most max_bytes + 1 bytes (the parser then reports it too
// large). False with `problem` ("cannot open file: ...") when it cannot.
[[nodiscard]] bool read_policy_file(const std::filesystem::path& path, std::size_t max_bytes,
                                    std::string& text, std::string& problem);

}  // namespace tenet::grammar
