// The registry's domain: people, their documents, and what a registration
// decides. Plain data, no I/O types.
#ifndef RELIEF_SERVICES_REGISTRY_PERSON_H_
#define RELIEF_SERVICES_REGISTRY_PERSON_H_

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace relief::registry {

enum class Sex { kUnspecified = 0, kMale = 1, kFemale = 2 };

// Values match the proto enums, which is how they are stored.
enum class DocumentType {
  kUnspecified = 0,
  kCccd = 1,
  kCmnd = 2,
  kPassport = 3,
  kHouseholdBook = 4,
  kResidenceConfirmation = 5,
  kOther = 6,
};
enum class NeedKind { kUnspecified = 0, kMedical = 1, kLiving = 2, kBoth = 3 };
enum class Source {
  kUnspecified = 0,
  kSelf = 1,
  kCommuneList = 2,
  kHotline = 3,
  kDistributionPoint = 4,
  kPartner = 5,
};
enum class PersonState {
  kUnspecified = 0,
  kSubmitted = 1,
  kVerified = 2,
  kRejected = 3,
  kWithdrawn = 4,
  kMerged = 5,
};

// month == day == 0: only the year is known.
struct BirthDate {
  int year = 0;
  int month = 0;
  int day = 0;
  bool year_only() const { return month == 0 && day == 0; }
  friend bool operator==(const BirthDate&, const BirthDate&) = default;
};

struct Document {
  DocumentType type = DocumentType::kUnspecified;
  std::string number;  // normalised (digits for ID cards)
  std::string key;     // hard key ("ID12:…"); empty when never a key
  bool linked = true;  // false: held back for review
};

struct Relative {
  std::string name;
  std::string relationship;
  std::string phone;  // +84 E.164 or empty
};

struct Person {
  std::string id;
  std::string full_name;  // NFC, as written
  BirthDate birth_date;
  Sex sex = Sex::kUnspecified;
  std::vector<Document> documents;
  std::string phone;  // +84 E.164 or empty
  std::string home_commune_code;
  std::string home_district_code;
  std::string home_province_code;
  std::string host_province_code;
  std::string host_district_code;
  std::string street;
  NeedKind need_kind = NeedKind::kUnspecified;
  std::string need_note;
  std::vector<Relative> relatives;
  Source source = Source::kUnspecified;
  std::string partner_id;
  std::string partner_external_ref;
  PersonState state = PersonState::kUnspecified;
  // MERGED: the record this one was merged into.
  std::string merged_into;
  absl::Time created_at;
  absl::Time updated_at;
};

enum class RegisterOutcome { kUnspecified = 0, kCreated = 1, kExisting = 2, kNeedsReview = 3 };

struct RegisterResult {
  RegisterOutcome outcome = RegisterOutcome::kUnspecified;
  Person person;
  std::string review_id;
  std::vector<std::string> matched_person_ids;
  std::vector<std::string> warnings;
  // EXISTING by the fuzzy pass: the score in bits (0 for a document match).
  double match_score = 0;
};

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_PERSON_H_
