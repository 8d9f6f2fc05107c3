// A seeded generator of realistic registrations of Vietnamese citizens, with
// the ground truth duplicate detection is measured against (DESIGN.md §4).
//
// Each generated person has fixed true facts (name from real Vietnamese
// family, middle and given names at their real frequencies, sex, date of
// birth, identity documents, mobile number, home commune, host province,
// needs). Each record of a person is one registration of those facts as a
// clerk, a commune list or the person wrote them: a subset of the documents,
// numbers and phones in varied formats or the old 11-digit mobile form, the
// name with dropped marks, other case, extra spaces, swapped order or a
// one-letter typo, sometimes only the year of birth. Hard negatives are
// different people built to look alike: twins, and namesakes of one commune
// whose given names differ only by marks (Hùng/Hưng).
//
// Every record passes NormalizeRegistration() for a catalog holding the
// home communes and host provinces used, and its normalised phone equals the
// person's canonical_phone.
//
// Determinism: output is a pure function of GeneratorOptions. Randomness is
// std::mt19937_64 seeded by SplitMix64 from (seed, purpose, index), with
// explicit integer arithmetic for every distribution, so a seed gives the
// same records on every platform with the same name tables.
//
// Thread-safety: GeneratePeople() and Summarize() are pure functions, safe to
// call concurrently. A PeopleStream is not thread-safe (one per thread).
#ifndef RELIEF_SERVICES_REGISTRY_TESTING_PEOPLE_GENERATOR_H_
#define RELIEF_SERVICES_REGISTRY_TESTING_PEOPLE_GENERATOR_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/units/unit_catalog.h"
#include "services/registry/person.h"
#include "services/registry/registration.h"

namespace relief::registry::testing {

// How a record departs from the person's canonical facts: bits of
// GeneratedRecord::variations.
enum Variation : uint32_t {
  kSwappedOrder = 1u << 0,       // given name first, or family name last
  kTypo = 1u << 1,               // one letter substituted/deleted/inserted
  kMarksDropped = 1u << 2,       // "Nguyen Van An" for "Nguyễn Văn An"
  kUpperCase = 1u << 3,          // "NGUYỄN VĂN AN"
  kLowerCase = 1u << 4,          // "nguyễn văn an"
  kExtraSpaces = 1u << 5,        // double, leading or trailing spaces
  kYearOnly = 1u << 6,           // birth date given as the year only
  kNoDocument = 1u << 7,         // documents empty (a relative vouches)
  kFormattedDocument = 1u << 8,  // "026 090 001 234", "026.090...", "026-..."
  kNoPhone = 1u << 9,            // phone empty
  kOldPhone = 1u << 10,          // pre-2018 11-digit form ("0168...")
  kFormattedPhone = 1u << 11,    // spaces, dots, "+84", "84"
  kHostChanged = 1u << 12,       // another host province than the canonical
};

enum class HardNegativeKind {
  kNone = 0,
  // Same family and middle names, full date of birth, home commune, family
  // phone and host province as the partner; another given name (different
  // even without marks); own documents.
  kTwin = 1,
  // Same family and middle names and home commune as the partner; the given
  // names differ only by marks (Hùng/Hưng) and are always written with
  // marks; another full date of birth (sometimes the same year), another
  // phone, own documents.
  kNamesake = 2,
};

struct GeneratedRecord {
  // What the registry receives: request_id "gen-<seed>-<index>" where index
  // is the record's position; the person holds raw text.
  RegistrationInput input;
  // Ground truth: index of the real person (0-based, < options.people).
  int person = 0;
  // An earlier record of the same person exists.
  bool duplicate = false;
  // duplicate, and no document key of this record equals a document key of
  // any earlier record of the same person: the hard-key pass cannot link it.
  bool no_shared_key = false;
  // The person is one of a twin or namesake pair (every record of both).
  bool hard_negative = false;
  HardNegativeKind hard_negative_kind = HardNegativeKind::kNone;
  int partner = -1;  // The other person of the pair, or -1.

  // Bits of Variation applied to this record.
  uint32_t variations = 0;
  // The hard keys of input.person.documents ("ID12:…", "CMND9:…", "PP:…"),
  // as NormalizeDocument computes them, sorted and distinct.
  std::vector<std::string> document_keys;

  // The person's true facts, for checking a matcher's answer.
  std::string canonical_name;      // NFC, "Family Middle… Given", with marks
  std::string family_name;         // NFC, e.g. "Nguyễn"
  std::string given_name;          // NFC, e.g. "Hùng"
  BirthDate canonical_birth_date;  // always a full date
  std::string canonical_phone;     // +84 E.164 of the person's mobile
  std::string canonical_host_province_code;
};

struct GeneratorOptions {
  // Seeds every random choice. Default 2021.
  uint64_t seed = 2021;
  // Number of distinct real people. Default 2000.
  int people = 2000;
  // Number of records, >= people: every person has at least one record and
  // records - people are duplicates. Default 5000. Ignored by PeopleStream.
  int records = 5000;
  // GSO code of the home province: CCCD numbers start "0" + this code and no
  // host province equals it. Default "26" (Vĩnh Phúc).
  std::string home_province_code = "26";
  // Home communes (5-digit GSO codes of communes of the home province), e.g.
  // from CommuneCodesOf(). Empty: DefaultVinhPhucCommuneCodes(), which only
  // suits home_province_code "26".
  std::vector<std::string> commune_codes;
  // false: GeneratePeople() returns one record per person (records is
  // ignored). PeopleStream never repeats a person. Default true.
  bool duplicates = true;
};

// Generates options.records records of options.people people, in
// registration order: a person's first record comes before their
// duplicates, and duplicates are spread through the stream (a duplicate is
// registered a random while after the first record, not next to it).
// Deterministic for given options. Document numbers are unique per person
// for up to 1,000,000 people. Precondition (aborts otherwise): people >= 1,
// records >= people, and a home province / commune list as documented on
// GeneratorOptions.
std::vector<GeneratedRecord> GeneratePeople(const GeneratorOptions& options);

// One record per person, person 0, 1, 2, … with the distributions of a
// person's first record in GeneratePeople() (duplicate is always false;
// hard-negative pairs are consecutive persons). O(1) memory: for benchmarks
// over millions of people. Deterministic for given options (the records
// differ from GeneratePeople()'s for the same seed). Next() may be called
// past options.people; document numbers repeat after 1,000,000 people.
// Not thread-safe.
class PeopleStream {
 public:
  explicit PeopleStream(GeneratorOptions options);

  // The record of the next person.
  GeneratedRecord Next();

  // Records returned so far.
  int64_t emitted() const { return next_; }
  // True once options.people records were returned.
  bool Done() const { return next_ >= options_.people; }

 private:
  GeneratorOptions options_;
  int64_t next_ = 0;
  // People are generated two at a time (a pair may be twins or namesakes):
  // the records of the current pair of persons.
  int64_t slot_index_ = -1;
  std::vector<GeneratedRecord> slot_records_;
};

// Counts of each variation over a set of records, for printing.
struct GeneratorStats {
  int records = 0;
  int people = 0;         // distinct persons
  int duplicates = 0;     // records with duplicate
  int no_shared_key = 0;  // records with no_shared_key
  int hard_negative = 0;  // records with hard_negative
  int twin_pairs = 0;
  int namesake_pairs = 0;
  int nguyen_people = 0;  // persons whose family name is Nguyễn
  int swapped_order = 0;
  int typo = 0;
  int marks_dropped = 0;
  int upper_case = 0;
  int lower_case = 0;
  int extra_spaces = 0;
  int year_only = 0;
  int no_document = 0;
  int formatted_document = 0;
  int no_phone = 0;
  int old_phone = 0;
  int formatted_phone = 0;
  int host_changed = 0;

  // count / records (0 when there are no records).
  double Share(int count) const;
  // One line: "records=5000 people=2000 duplicates=3000 (no shared key
  // 35.1%) hard negatives 4.2% … ".
  std::string ToString() const;
};
GeneratorStats Summarize(const std::vector<GeneratedRecord>& records);

// The commune codes of province `province_code` in `catalog`, sorted: the
// communes of its districts and any commune directly under it. Empty when
// the code is unknown.
std::vector<std::string> CommuneCodesOf(const units::UnitCatalog& catalog,
                                        absl::string_view province_code);

// 27 real commune codes of Vĩnh Phúc (province "26"), three from each of its
// nine districts 243…253, valid in the shipped 2020–2025 unit table.
const std::vector<std::string>& DefaultVinhPhucCommuneCodes();

// --- Name tables (vn_names.cc) ---------------------------------------------

struct WeightedName {
  const char* text;  // NFC, with marks
  double weight;     // relative frequency (any scale)
};

// Family names with their national frequencies in percent (Nguyễn 38).
absl::Span<const WeightedName> FamilyNames();
// Middle names by sex (women mostly Thị, men mostly Văn), percent.
absl::Span<const WeightedName> MiddleNames(Sex sex);
// Given names by sex, Zipf-like weights, at least 80 each.
absl::Span<const WeightedName> GivenNames(Sex sex);
// Pairs of real given names of `sex` that differ only by marks
// (Hùng/Hưng), both present in GivenNames(sex).
absl::Span<const std::pair<const char*, const char*>> MarkOnlyPairs(Sex sex);

}  // namespace relief::registry::testing

#endif  // RELIEF_SERVICES_REGISTRY_TESTING_PEOPLE_GENERATOR_H_
