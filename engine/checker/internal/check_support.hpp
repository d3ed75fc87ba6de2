// Small helpers shared by the checker's passes: collecting diagnostics,
// naming source locations in messages, and "did you mean" suggestions.
//
// Internal to engine/ (included only by the checker's .cpp files). A Reporter
// belongs to one checker run; not shared between threads.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/source/diagnostic.hpp"
#include "grammar/source/did_you_mean.hpp"
#include "grammar/source/source.hpp"

namespace tenet::checker {

class Reporter {
 public:
  explicit Reporter(const SourceSet& sources) : sources_(sources) {}

  void report(DiagCode code, Span span, std::initializer_list<std::string_view> args = {}) {
    diagnostics_.push_back(make_diagnostic(code, span, args));
  }

  // `retail.tenet:4:3`, the file relative to the policy directory.
  [[nodiscard]] std::string where(const Span& span) const;
  // `retail.tenet:12`: the default id of a rule, transition, plan or edge.
  [[nodiscard]] std::string file_line(const Span& span) const;

  [[nodiscard]] const SourceSet& sources() const { return sources_; }
  [[nodiscard]] std::vector<Diagnostic>& diagnostics() { return diagnostics_; }

 private:
  const SourceSet& sources_;
  std::vector<Diagnostic> diagnostics_;
};

using tenet::did_you_mean;  // grammar/source/did_you_mean.hpp

// `'a' -> 'b'` style list helper: joins with a separator.
[[nodiscard]] std::string join(const std::vector<std::string_view>& parts,
                               std::string_view separator);

}  // namespace tenet::checker
