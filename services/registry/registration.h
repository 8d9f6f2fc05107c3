// Validation and normalisation of a registration: every rule about what a
// well-formed record is, as a pure function (no I/O), so it is unit-tested
// without servers.
#ifndef RELIEF_SERVICES_REGISTRY_REGISTRATION_H_
#define RELIEF_SERVICES_REGISTRY_REGISTRATION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/base/config.h"
#include "common/units/unit_catalog.h"
#include "services/registry/person.h"

namespace relief::registry {

inline constexpr size_t kMaxNameChars = 200;
inline constexpr size_t kMaxStreetChars = 500;
inline constexpr size_t kMaxNoteChars = 1000;
inline constexpr size_t kMaxRelationshipChars = 50;
inline constexpr size_t kMaxDocuments = 10;
inline constexpr size_t kMaxRelatives = 10;
inline constexpr size_t kMaxRequestIdBytes = 128;
inline constexpr size_t kMaxPartnerFieldBytes = 128;

// A registration as the caller wrote it: `person` holds raw text (document
// numbers as written, phones in any format); ids and derived codes unset.
struct RegistrationInput {
  std::string request_id;
  Person person;
};

// A registration ready to store: text in NFC, phones in +84 E.164, document
// numbers normalised with their keys, home district and province filled
// from the commune, state SUBMITTED. `warnings` are consistency notes that
// do not refuse the record (a CCCD whose century/sex digit disagrees with
// the birth date).
struct Registration {
  Person person;
  std::vector<std::string> warnings;
  // The distinct hard keys of person.documents, sorted.
  std::vector<std::string> document_keys() const;
};

// Checks every field of `input` and normalises it. On any error returns
// INVALID_ARGUMENT carrying one field violation per bad field, with proto
// field paths ("documents[1].number", "current_address.province_code").
// `now` bounds the date of birth; units are resolved in `units` (as of the
// configured reference date); the home commune must lie in
// config.home_province_code and the host province must be another one.
absl::StatusOr<Registration> NormalizeRegistration(
    const RegistrationInput& input, const units::UnitCatalog& units,
    const DeploymentConfig& config, absl::Time now);

// One document as written -> its normalised number and key (a document
// presented at a distribution point). INVALID_ARGUMENT without a field path.
absl::StatusOr<Document> NormalizeDocumentOf(DocumentType type,
                                             absl::string_view number);

// OK when `id` is a usable request id (1..128 printable ASCII characters).
absl::Status CheckRequestId(absl::string_view id);

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_REGISTRATION_H_
