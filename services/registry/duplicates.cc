#include "services/registry/duplicates.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/text/vn_text.h"

namespace relief::registry {
namespace {

// Shares of the commonest name tokens among Vietnamese people (family
// names from the 2019 census-based surveys; Văn and Thị mark sex). Used
// with the weight of kPriorPeople people until the registry has its own.
const absl::flat_hash_map<std::string, double>& PriorShares() {
  static const auto* kShares = new absl::flat_hash_map<std::string, double>{
      {"NGUYEN", 0.38}, {"THI", 0.30},  {"VAN", 0.25},   {"TRAN", 0.11},
      {"LE", 0.095},    {"PHAM", 0.07}, {"HOANG", 0.05}, {"HUYNH", 0.03},
      {"PHAN", 0.045},  {"VU", 0.039},  {"VO", 0.039},   {"DANG", 0.021},
      {"BUI", 0.02},    {"DO", 0.014},  {"HO", 0.013},   {"NGO", 0.013},
      {"DUONG", 0.01},  {"DUC", 0.03},  {"MINH", 0.04},  {"NGOC", 0.03},
      {"THANH", 0.04},  {"HUU", 0.02},  {"QUANG", 0.02}, {"XUAN", 0.015},
  };
  return *kShares;
}
constexpr double kPriorPeople = 200;
constexpr double kMaxNameBits = 14;
// A token the prior does not know: as rare as a typical given name.
constexpr double kPriorUnknownShare = 0.004;

bool OneEditApart(absl::string_view a, absl::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return false;
  size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (a.size() == b.size()) {
    // One substitution, or two adjacent letters swapped.
    if (i == a.size()) return false;  // equal
    if (a.substr(i + 1) == b.substr(i + 1)) return true;
    return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] &&
           a.substr(i + 2) == b.substr(i + 2);
  }
  return a.substr(i) == b.substr(i + 1);  // one insertion
}

// The words of a name: match keys and marks-kept upper-case forms.
struct Words {
  std::vector<std::string> keys;
  std::vector<std::string> marked;
  bool has_marks = false;
};

Words SplitName(absl::string_view full_name) {
  Words w;
  const std::string folded = text::FoldCase(full_name);
  for (absl::string_view word : absl::StrSplit(folded, ' ', absl::SkipEmpty())) {
    std::string key = text::MatchKey(word);
    if (key.empty()) continue;
    if (key != word) w.has_marks = true;
    w.keys.push_back(std::move(key));
    w.marked.emplace_back(word);
  }
  return w;
}

}  // namespace

MatchRecord ToMatchRecord(const Person& p) {
  return {.id = p.id,
          .full_name = p.full_name,
          .birth_date = p.birth_date,
          .sex = p.sex,
          .phone = p.phone,
          .home_commune_code = p.home_commune_code,
          .merged_into = p.merged_into};
}

double TokenStats::Share(absl::string_view token) const {
  const auto prior_it = PriorShares().find(token);
  const double prior =
      prior_it == PriorShares().end() ? kPriorUnknownShare : prior_it->second;
  const auto it = counts_.find(token);
  const double seen = it == counts_.end() ? 0 : static_cast<double>(it->second);
  return (seen + prior * kPriorPeople) /
         (static_cast<double>(people_) + kPriorPeople);
}

double TokenStats::Weight(absl::string_view token) const {
  return std::clamp(-std::log2(Share(token)), 0.5, 12.0);
}

std::vector<std::string> NameTokens(absl::string_view full_name) {
  std::vector<std::string> tokens = SplitName(full_name).keys;
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  return tokens;
}

std::vector<std::string> BlockKeys(const MatchRecord& r) {
  const std::vector<std::string> tokens = NameTokens(r.full_name);
  const int year = r.birth_date.year;
  std::vector<std::string> keys;
  keys.push_back(absl::StrCat("N:", absl::StrJoin(tokens, " "), "|", year));
  for (const std::string& t : tokens) {
    keys.push_back(absl::StrCat("T:", t, "|", year));
    keys.push_back(absl::StrCat("C:", t, "|", r.home_commune_code));
  }
  keys.push_back(absl::StrCat("Y:", r.home_commune_code, "|", year));
  if (!r.phone.empty()) keys.push_back(absl::StrCat("P:", r.phone));
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::vector<std::string> QueryKeys(const MatchRecord& r, const TokenStats& stats,
                                   const MatchConfig& config) {
  std::vector<std::string> tokens = NameTokens(r.full_name);
  std::stable_sort(tokens.begin(), tokens.end(),
                   [&](const std::string& a, const std::string& b) {
                     return stats.Share(a) < stats.Share(b);
                   });
  const int year = r.birth_date.year;
  std::vector<std::string> keys;
  keys.push_back(
      absl::StrCat("N:", absl::StrJoin(NameTokens(r.full_name), " "), "|", year));
  keys.push_back(absl::StrCat("Y:", r.home_commune_code, "|", year));
  if (!r.phone.empty()) keys.push_back(absl::StrCat("P:", r.phone));
  for (size_t i = 0; i < tokens.size() && i < 3; ++i) {
    if (stats.Share(tokens[i]) >= config.rare_share) break;
    keys.push_back(absl::StrCat("T:", tokens[i], "|", year));
  }
  if (r.birth_date.year_only() && !tokens.empty()) {
    keys.push_back(absl::StrCat("C:", tokens[0], "|", r.home_commune_code));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

namespace {

FieldScore ScoreName(const MatchRecord& a, const MatchRecord& b,
                     const TokenStats& stats) {
  const Words wa = SplitName(a.full_name), wb = SplitName(b.full_name);
  const bool compare_marks = wa.has_marks && wb.has_marks;
  std::vector<bool> used_a(wa.keys.size()), used_b(wb.keys.size());
  double bits = 0;
  std::vector<std::string> notes;

  // Equal tokens, in any order (the rarest first claim their partner).
  for (size_t i = 0; i < wa.keys.size(); ++i) {
    for (size_t j = 0; j < wb.keys.size(); ++j) {
      if (used_b[j] || wa.keys[i] != wb.keys[j]) continue;
      used_a[i] = used_b[j] = true;
      const double w = stats.Weight(wa.keys[i]);
      if (compare_marks && wa.marked[i] != wb.marked[j]) {
        // Hùng and Hưng are two names when both are written with marks.
        bits -= w;
        notes.push_back(absl::StrCat(wa.marked[i], "/", wb.marked[j],
                                     " differ by marks"));
      } else {
        bits += w;
      }
      break;
    }
  }
  // A typo: one edit apart, and one side far rarer than the other (a
  // misspelling is a token nobody else has; Minh/Linh are both names).
  for (size_t i = 0; i < wa.keys.size(); ++i) {
    if (used_a[i] || wa.keys[i].size() < 4) continue;
    for (size_t j = 0; j < wb.keys.size(); ++j) {
      if (used_b[j] || wb.keys[j].size() < 4 ||
          !OneEditApart(wa.keys[i], wb.keys[j])) {
        continue;
      }
      const double sa = stats.Share(wa.keys[i]), sb = stats.Share(wb.keys[j]);
      if (std::max(sa, sb) < 8 * std::min(sa, sb)) continue;
      used_a[i] = used_b[j] = true;
      // Worth part of the real (commoner) token's weight.
      bits += 0.6 * std::min(stats.Weight(wa.keys[i]), stats.Weight(wb.keys[j]));
      notes.push_back(absl::StrCat(wa.keys[i], "~", wb.keys[j], " one edit"));
      break;
    }
  }
  // Tokens only one name has.
  int unmatched = 0;
  for (size_t i = 0; i < wa.keys.size(); ++i) {
    if (!used_a[i]) {
      bits -= 0.6 * std::min(stats.Weight(wa.keys[i]), 6.0);
      ++unmatched;
    }
  }
  for (size_t j = 0; j < wb.keys.size(); ++j) {
    if (!used_b[j]) {
      bits -= 0.6 * std::min(stats.Weight(wb.keys[j]), 6.0);
      ++unmatched;
    }
  }
  if (unmatched > 0) notes.push_back(absl::StrCat(unmatched, " unmatched"));
  // Token weights multiply as if tokens were independent; they are not
  // (families share middle names), so a long name's agreement is capped.
  return {"name", std::min(bits, kMaxNameBits), absl::StrJoin(notes, "; ")};
}

FieldScore ScoreBirth(const BirthDate& a, const BirthDate& b) {
  const int dy = std::abs(a.year - b.year);
  if (!a.year_only() && !b.year_only()) {
    if (a == b) return {"birth_date", 6, "same date"};
    if (dy == 0) return {"birth_date", -8, "same year, another date"};
  } else if (dy == 0) {
    return {"birth_date", 2, "same year (one gives the year only)"};
  }
  if (dy == 1) return {"birth_date", -4, "one year apart"};
  return {"birth_date", -15, absl::StrCat(dy, " years apart")};
}

}  // namespace

MatchScore Score(const MatchRecord& a, const MatchRecord& b,
                 const TokenStats& stats) {
  MatchScore s;
  s.fields.push_back(ScoreName(a, b, stats));
  s.fields.push_back(ScoreBirth(a.birth_date, b.birth_date));
  if (a.sex != Sex::kUnspecified && b.sex != Sex::kUnspecified) {
    s.fields.push_back(a.sex == b.sex ? FieldScore{"sex", 0.5, "same"}
                                      : FieldScore{"sex", -8, "differ"});
  }
  if (!a.phone.empty() && !b.phone.empty()) {
    s.fields.push_back(a.phone == b.phone ? FieldScore{"phone", 6, "same"}
                                          : FieldScore{"phone", -1, "differ"});
  }
  s.fields.push_back(a.home_commune_code == b.home_commune_code
                         ? FieldScore{"home_commune", 1, "same"}
                         : FieldScore{"home_commune", -4, "differ"});
  for (const FieldScore& f : s.fields) s.bits += f.bits;
  return s;
}

}  // namespace relief::registry
