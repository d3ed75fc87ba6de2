#include "cli/diff_report.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>
#include <utility>

namespace tenet::cli {
namespace {

using nlohmann::json;

// Items of `from` not in `other`, in order.
std::vector<std::string> missing_from(const std::vector<std::string>& from,
                                      const std::vector<std::string>& other) {
  std::vector<std::string> out;
  for (const std::string& item : from) {
    if (std::find(other.begin(), other.end(), item) == other.end()) out.push_back(item);
  }
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

std::string decision_text(const DiffOutcome& outcome) {
  std::string text =
      outcome.listing ? '[' + joined(outcome.names) + ']' : (outcome.allow ? "allow" : "deny");
  if (!outcome.error.empty()) text += " (" + outcome.error + ')';
  return text;
}

// The group a change belongs to: `check: allow -> deny (lost: a; gained: b)`.
std::string change_text(std::string_view op, const DiffOutcome& before, const DiffOutcome& after) {
  std::string text = std::string(op) + ": " + decision_text(before) + " -> " + decision_text(after);
  const std::vector<std::string> lost = missing_from(before.reasons, after.reasons);
  const std::vector<std::string> gained = missing_from(after.reasons, before.reasons);
  if (!lost.empty() || !gained.empty()) {
    text += " (";
    if (!lost.empty()) text += "lost: " + joined(lost);
    if (!lost.empty() && !gained.empty()) text += "; ";
    if (!gained.empty()) text += "gained: " + joined(gained);
    text += ')';
  } else if (before.reasons != after.reasons) {
    text += " (reasons reordered)";
  }
  return text;
}

std::string plural(std::size_t count, std::string_view word) {
  return with_commas(count) + ' ' + std::string(word) + (count == 1 ? "" : "s");
}

template <typename GroupMap>
void print_groups(const GroupMap& groups, std::ostream& out) {
  std::vector<std::pair<const std::string*, const typename GroupMap::mapped_type*>> sorted;
  for (const auto& [text, group] : groups) sorted.emplace_back(&text, &group);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second->count > b.second->count; });
  for (const auto& [text, group] : sorted) {
    out << "  " << *text << ": " << plural(group->count, "request") << '\n';
    for (const std::string& sample : group->samples) out << "    " << sample << '\n';
    if (group->count > group->samples.size())
      out << "    ... and " << with_commas(group->count - group->samples.size()) << " more\n";
  }
}

json outcome_json(std::string_view op, const DiffOutcome& outcome) {
  json object = json::object();
  object["decision"] = outcome.allow ? "allow" : "deny";
  object["reasons"] = outcome.reasons;
  if (outcome.listing) object[std::string(op)] = outcome.names;
  if (!outcome.error.empty()) object["error"] = outcome.error;
  return object;
}

}  // namespace

std::string with_commas(std::size_t count) {
  std::string digits = std::to_string(count);
  for (std::size_t at = digits.size(); at > 3; at -= 3) digits.insert(at - 3, ",");
  return digits;
}

void DiffReport::count(std::string_view tenant) {
  ++requests_;
  auto found = partners_.find(tenant);
  if (found == partners_.end()) found = partners_.emplace(std::string(tenant), Partner{}).first;
  ++found->second.requests;
}

void DiffReport::add(std::string_view tenant, std::string_view op, std::string_view request,
                     const DiffOutcome& before, const DiffOutcome& after) {
  auto found = partners_.find(tenant);
  if (found == partners_.end()) found = partners_.emplace(std::string(tenant), Partner{}).first;
  Partner& partner = found->second;
  const bool decision = !before.same_decision(after);
  Group& group =
      (decision ? partner.changes : partner.reason_changes)[change_text(op, before, after)];
  ++group.count;
  if (group.samples.size() < samples_) group.samples.emplace_back(request);
  if (decision) {
    ++changed_;
    ++partner.changed;
    for (const std::string& rule : missing_from(after.reasons, before.reasons))
      ++rules_[rule].gained;
    for (const std::string& rule : missing_from(before.reasons, after.reasons)) ++rules_[rule].lost;
  } else {
    ++reasons_only_;
    ++partner.reasons_only;
  }
  if (keep_all_) {
    (decision ? changes_ : reason_changes_)
        .push_back({std::string(tenant), std::string(op), std::string(request), before, after});
  }
}

void DiffReport::merge(DiffReport&& later) {
  requests_ += later.requests_;
  changed_ += later.changed_;
  reasons_only_ += later.reasons_only_;
  const auto merge_groups = [this](std::map<std::string, Group>& into,
                                   std::map<std::string, Group>& from) {
    for (auto& [text, group] : from) {
      Group& target = into[text];
      target.count += group.count;
      for (std::string& sample : group.samples) {
        if (target.samples.size() < samples_) target.samples.push_back(std::move(sample));
      }
    }
  };
  for (auto& [name, partner] : later.partners_) {
    Partner& target = partners_[name];
    target.requests += partner.requests;
    target.changed += partner.changed;
    target.reasons_only += partner.reasons_only;
    merge_groups(target.changes, partner.changes);
    merge_groups(target.reason_changes, partner.reason_changes);
  }
  for (const auto& [rule, tally] : later.rules_) {
    rules_[rule].gained += tally.gained;
    rules_[rule].lost += tally.lost;
  }
  std::move(later.changes_.begin(), later.changes_.end(), std::back_inserter(changes_));
  std::move(later.reason_changes_.begin(), later.reason_changes_.end(),
            std::back_inserter(reason_changes_));
}

void DiffReport::print_text(const Context& context, std::ostream& out) const {
  const auto contains = [](const std::vector<std::string>& list, const std::string& name) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  std::map<std::string, const Partner*> shown;
  for (const auto& [name, partner] : partners_) {
    if (partner.changed > 0 || (context.list_reasons && partner.reasons_only > 0) ||
        contains(context.added, name) || contains(context.removed, name))
      shown.emplace(name, &partner);
  }
  static const Partner kNoRequests;
  for (const std::string& name : context.added) shown.emplace(name, &kNoRequests);
  for (const std::string& name : context.removed) shown.emplace(name, &kNoRequests);

  std::size_t partners_changed = 0;
  for (const auto& [name, partner] : shown) {
    const std::string label = "partner " + (name.empty() ? std::string("\"\"") : name) +
                              (contains(context.added, name)     ? " (only in NEW: added)"
                               : contains(context.removed, name) ? " (only in OLD: removed)"
                                                                 : "");
    if (partner->changed > 0) ++partners_changed;
    if (partner->changed > 0 || partner->reasons_only == 0 || !context.list_reasons) {
      out << label << ": " << with_commas(partner->changed) << " of "
          << plural(partner->requests, "request") << " decide differently\n";
      print_groups(partner->changes, out);
    }
    if (context.list_reasons && partner->reasons_only > 0) {
      out << label << ": " << with_commas(partner->reasons_only) << " of "
          << plural(partner->requests, "request") << " decide the same for other reasons\n";
      print_groups(partner->reason_changes, out);
    }
  }

  const std::string requests = with_commas(requests_) + (context.source.empty() ? "" : " ") +
                               context.source + (requests_ == 1 ? " request" : " requests");
  if (changed_ > 0) {
    out << with_commas(changed_) << " of " << requests << " decide differently ("
        << plural(partners_changed, "partner") << ')';
  } else {
    out << "no decision changes in " << requests;
  }
  if (reasons_only_ > 0) {
    out << "; " << with_commas(reasons_only_) << " decide the same for other reasons"
        << (context.list_reasons ? "" : " (--reasons lists them)");
  }
  if (!context.added.empty()) out << "; partners added: " << joined(context.added);
  if (!context.removed.empty()) out << "; partners removed: " << joined(context.removed);
  out << '\n';
}

void DiffReport::print_json(const Context& context, std::ostream& out) const {
  json report = json::object();
  report["old"] = context.old_dir;
  report["new"] = context.new_dir;
  report["source"] = context.source;
  report["requests"] = requests_;
  report["changed"] = changed_;
  report["reasons_only"] = reasons_only_;
  report["partners_added"] = context.added;
  report["partners_removed"] = context.removed;
  json partners = json::array();
  for (const auto& [name, partner] : partners_) {
    if (partner.changed == 0 && partner.reasons_only == 0) continue;
    partners.push_back({{"tenant", name},
                        {"requests", partner.requests},
                        {"changed", partner.changed},
                        {"reasons_only", partner.reasons_only}});
  }
  report["by_partner"] = std::move(partners);
  json rules = json::array();
  for (const auto& [rule, tally] : rules_)
    rules.push_back({{"rule", rule}, {"gained", tally.gained}, {"lost", tally.lost}});
  report["by_rule"] = std::move(rules);
  const auto records = [](const std::vector<Record>& list) {
    json array = json::array();
    for (const Record& record : list) {
      array.push_back({{"tenant", record.tenant},
                       {"op", record.op},
                       {"request", record.request},
                       {"old", outcome_json(record.op, record.before)},
                       {"new", outcome_json(record.op, record.after)},
                       {"lost", missing_from(record.before.reasons, record.after.reasons)},
                       {"gained", missing_from(record.after.reasons, record.before.reasons)}});
    }
    return array;
  };
  report["changes"] = records(changes_);
  report["reason_changes"] = records(reason_changes_);
  out << report.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
}

}  // namespace tenet::cli
