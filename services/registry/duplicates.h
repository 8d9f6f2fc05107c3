// The fuzzy duplicate pass of DESIGN.md §4.2-4.4 as pure functions: which
// blocking keys a person is filed under, which of them a new record looks
// up (and locks), and how two records score against each other. No I/O: the
// manager feeds candidates read from the store.
//
// Scores are in bits (log2 of how much more likely the evidence is for one
// person than for two, Fellegi–Sunter style): every field adds or removes
// bits, so a review shows why two records scored as they did.
#ifndef RELIEF_SERVICES_REGISTRY_DUPLICATES_H_
#define RELIEF_SERVICES_REGISTRY_DUPLICATES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "services/registry/person.h"

namespace relief::registry {

// Configuration of the pass (flags of the registry).
struct MatchConfig {
  // At or above: the record is the candidate (EXISTING).
  double link_bits = 15.0;
  // At or above (and below link_bits): a review item opens.
  double review_bits = 6.0;
  // A name token is "rare" (a blocking key with the birth year) below this
  // share of people; common ones (Nguyễn, Văn, Thị) never block.
  double rare_share = 0.05;
};

// The fields the pass compares.
struct MatchRecord {
  std::string id;
  std::string full_name;  // NFC, as written
  BirthDate birth_date;
  Sex sex = Sex::kUnspecified;
  std::string phone;  // +84 E.164 or empty
  std::string home_commune_code;
  // Candidates read from the store: the record it was merged into, if any.
  std::string merged_into;
};
MatchRecord ToMatchRecord(const Person& p);

// How many people carry each name token (match keys: "NGUYEN"), for token
// weights. Small registries lean on a built-in prior of Vietnamese name
// frequencies, so the first records are not all "rare".
class TokenStats {
 public:
  TokenStats() = default;
  TokenStats(absl::flat_hash_map<std::string, int64_t> counts, int64_t people)
      : counts_(std::move(counts)), people_(people) {}
  // Estimated share of people whose name has `token`.
  double Share(absl::string_view token) const;
  // -log2(share), in [0.5, 12].
  double Weight(absl::string_view token) const;

 private:
  absl::flat_hash_map<std::string, int64_t> counts_;
  int64_t people_ = 0;
};

// The distinct match-key tokens of a name ("Nguyễn Văn An" -> NGUYEN, VAN,
// AN), sorted.
std::vector<std::string> NameTokens(absl::string_view full_name);

// Every blocking key a person is filed under (registry.person_blocks):
//   N:<sorted tokens>|<year> the name whatever its order, and the birth year
//                            (a common full name alone would gather
//                            thousands: 5,952 "Nguyễn Văn Hùng" in 1M)
//   T:<token>|<year>         each token with the birth year
//   C:<token>|<commune>      each token with the home commune
//   Y:<commune>|<year>       home commune and birth year
//   P:<phone>                the phone
std::vector<std::string> BlockKeys(const MatchRecord& r);

// The keys a new record looks up and locks, sorted: N, P and Y always; the
// rarest tokens (at most three, each rarer than config.rare_share) with the
// year; with a year-only birth date, the rarest token with the commune.
// A near-duplicate of the record (same commune and birth year, or the same
// name tokens, or the same phone) shares at least one of these keys.
std::vector<std::string> QueryKeys(const MatchRecord& r, const TokenStats& stats,
                                   const MatchConfig& config);

struct FieldScore {
  std::string field;  // "name", "birth_date", "sex", "phone", "home_commune"
  double bits = 0;
  std::string note;   // e.g. "HUNG/HUNG differ by marks (Hùng/Hưng)"
};

struct MatchScore {
  double bits = 0;
  std::vector<FieldScore> fields;
};

// Scores `a` against `b` (symmetric). Names are compared token by token,
// in any order: equal tokens add their weight; a token within one edit of
// the other's (both at least 4 letters, and one of them much rarer: a typo
// makes a token nobody else has) adds part of it; a token left unmatched
// removes bits; when both names carry diacritics, tokens equal but for
// their marks count as different (Hùng/Hưng, Hoa/Hòa).
MatchScore Score(const MatchRecord& a, const MatchRecord& b,
                 const TokenStats& stats);

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_DUPLICATES_H_
