// proto <-> domain for the registry. Used by the gRPC handler and for the
// stored idempotent answers; no gRPC here.
#ifndef RELIEF_SERVICES_REGISTRY_REGISTRY_CODEC_H_
#define RELIEF_SERVICES_REGISTRY_REGISTRY_CODEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "relief/registry/v1/registry.pb.h"
#include "services/registry/person.h"
#include "services/registry/registration.h"
#include "services/registry/registry_manager.h"

namespace relief::registry {


RegistrationInput FromProto(const v1::RegisterRequest& request);
void ToProto(const Person& person, v1::Person* out);
Person FromProto(const v1::Person& person);
void ToProto(const RegisterResult& result, v1::RegisterResponse* out);
RegisterResult FromProto(const v1::RegisterResponse& response);

// SHA-256 of `request` serialised deterministically without its request_id:
// the idempotency fingerprint of a request body.
std::string RequestHash(const v1::RegisterRequest& request);

// A list of people as a stored answer (idempotency), proto-encoded.
std::string EncodePeople(const std::vector<Person>& people);
absl::StatusOr<std::vector<Person>> DecodePeople(absl::string_view bytes);
// A stored answer of exactly one person.
absl::StatusOr<Person> DecodePerson(absl::string_view bytes);

// The payload of a PersonStateChanged event.
std::string EncodeStateChanged(const Person& person, PersonState from,
                               absl::string_view case_id);

// "created", "existing", "needs_review".
absl::string_view OutcomeName(RegisterOutcome outcome);

// The payload of a PersonRegistered event (ids and codes only).
std::string EncodePersonRegistered(const RegisterResult& result);

// The stored answer of a registration (idempotency), proto-encoded.
std::string EncodeRegisterResult(const RegisterResult& result);
// INTERNAL when `bytes` do not parse.
absl::StatusOr<RegisterResult> DecodeRegisterResult(absl::string_view bytes);

// Corrections, reviews, eligibility.
UpdateInput FromProto(const v1::UpdateRequest& request);
void ToProto(const UpdateResult& result, v1::UpdateResponse* out);
std::string EncodeUpdateResult(const UpdateResult& result);
absl::StatusOr<UpdateResult> DecodeUpdateResult(absl::string_view bytes);
void ToProto(const ReviewView& review, v1::Review* out);
ReviewView FromProto(const v1::Review& review);
std::string EncodeReviewViews(const std::vector<ReviewView>& reviews);
absl::StatusOr<std::vector<ReviewView>> DecodeReviewViews(absl::string_view bytes);
void ToProto(const Eligibility& e, v1::Eligibility* out);

// Event payloads (ids and codes only).
std::string EncodePersonUpdated(const Person& after, const Person& before,
                                const std::vector<std::string>& fields,
                                absl::string_view review_id);
std::string EncodePersonMerged(const Person& merged,
                               absl::string_view survivor_id,
                               absl::string_view review_id);
std::string EncodePersonUnmerged(const Person& person,
                                 absl::string_view former_survivor_id);
std::string EncodeReviewOpened(const ReviewItem& review);
std::string EncodeReviewDecided(const ReviewRow& row, absl::string_view decision,
                                absl::string_view same_as);

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_REGISTRY_CODEC_H_
