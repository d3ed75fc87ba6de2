// What `tenet diff` found (docs/LANGUAGE.md §14): the requests whose
// decision changes between two policy sets, grouped per partner and per
// change (the op, the decision before and after, the reasons lost and
// gained), with a sample of request lines per group; and, apart, the
// requests whose decision is the same but whose reasons differ.
//
// A DiffReport is filled by one thread (add, count) and reports of several
// threads are merged in request order (merge), so the output does not
// depend on the number of threads. Printed as text or as one JSON object.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tenet::cli {

// One answer, as `tenet diff` compares it.
struct DiffOutcome {
  bool allow = false;
  bool listing = false;              // a plans or features request: `names` is its list
  std::vector<std::string> reasons;  // rule ids and built-in reasons
  std::vector<std::string> names;    // the open plans / enabled features
  std::string error;                 // the error code, empty when none

  // The decision: allow/deny and, for plans and features, the list.
  [[nodiscard]] bool same_decision(const DiffOutcome& other) const {
    return allow == other.allow && (!listing || names == other.names);
  }
};

class DiffReport {
 public:
  // `samples`: request lines kept per group; `keep_all`: every change kept
  // (for --json).
  DiffReport(std::size_t samples, bool keep_all) : samples_(samples), keep_all_(keep_all) {}

  // A request of `tenant` was evaluated (changed or not).
  void count(std::string_view tenant);
  // It answers `before` under the old set and `after` under the new one,
  // which differ (in the decision, or in the reasons only).
  void add(std::string_view tenant, std::string_view op, std::string_view request,
           const DiffOutcome& before, const DiffOutcome& after);
  // Appends `later` (the reports of later requests).
  void merge(DiffReport&& later);

  [[nodiscard]] std::size_t requests() const { return requests_; }
  [[nodiscard]] std::size_t changed() const { return changed_; }
  [[nodiscard]] std::size_t reasons_only() const { return reasons_only_; }

  // What the report is about, for its header and the partner lines.
  struct Context {
    std::string old_dir;
    std::string new_dir;
    std::string source;                // "synthesized", "requests", "decision log"...
    std::vector<std::string> added;    // partners only in the new set
    std::vector<std::string> removed;  // partners only in the old set
    bool list_reasons = false;         // --reasons: list the reason-only changes too
  };
  void print_text(const Context& context, std::ostream& out) const;
  void print_json(const Context& context, std::ostream& out) const;

 private:
  struct Group {
    std::size_t count = 0;
    std::vector<std::string> samples;
  };
  struct Partner {
    std::size_t requests = 0;
    std::size_t changed = 0;
    std::size_t reasons_only = 0;
    std::map<std::string, Group> changes;  // by change text
    std::map<std::string, Group> reason_changes;
  };
  struct Tally {
    std::size_t gained = 0;
    std::size_t lost = 0;
  };
  struct Record {
    std::string tenant;
    std::string op;
    std::string request;
    DiffOutcome before;
    DiffOutcome after;
  };

  std::size_t samples_;
  bool keep_all_;
  std::size_t requests_ = 0;
  std::size_t changed_ = 0;
  std::size_t reasons_only_ = 0;
  std::map<std::string, Partner, std::less<>> partners_;
  std::map<std::string, Tally> rules_;  // decision changes: reasons gained / lost
  std::vector<Record> changes_;         // keep_all only
  std::vector<Record> reason_changes_;
};

// `1234567` as "1,234,567".
[[nodiscard]] std::string with_commas(std::size_t count);

}  // namespace tenet::cli
