#include "services/registry/registry_codec.h"

#include "common/base/proto_util.h"

namespace relief::registry {

RegistrationInput FromProto(const v1::RegisterRequest& r) {
  RegistrationInput in;
  in.request_id = r.request_id();
  Person& p = in.person;
  p.full_name = r.full_name();
  p.birth_date = {r.birth_date().year(), r.birth_date().month(),
                  r.birth_date().day()};
  p.sex = static_cast<Sex>(r.sex());
  for (const auto& d : r.documents()) {
    p.documents.push_back(
        {.type = static_cast<DocumentType>(d.type()), .number = d.number()});
  }
  p.phone = r.phone();
  p.home_commune_code = r.home_commune_code();
  p.host_province_code = r.current_address().province_code();
  p.host_district_code = r.current_address().district_code();
  p.street = r.current_address().street();
  p.need_kind = static_cast<NeedKind>(r.needs().kind());
  p.need_note = r.needs().note();
  for (const auto& rel : r.relatives()) {
    p.relatives.push_back({rel.name(), rel.relationship(), rel.phone()});
  }
  p.source = static_cast<Source>(r.source());
  p.partner_id = r.partner_id();
  p.partner_external_ref = r.partner_external_ref();
  return in;
}

void ToProto(const Person& p, v1::Person* out) {
  out->set_person_id(p.id);
  out->set_full_name(p.full_name);
  out->mutable_birth_date()->set_year(p.birth_date.year);
  out->mutable_birth_date()->set_month(p.birth_date.month);
  out->mutable_birth_date()->set_day(p.birth_date.day);
  out->set_sex(static_cast<v1::Sex>(p.sex));
  for (const Document& d : p.documents) {
    auto* o = out->add_documents();
    o->set_type(static_cast<v1::DocumentType>(d.type));
    o->set_number(d.number);
    o->set_key(d.key);
    o->set_linked(d.linked);
  }
  out->set_phone(p.phone);
  out->set_home_commune_code(p.home_commune_code);
  out->set_home_district_code(p.home_district_code);
  out->set_home_province_code(p.home_province_code);
  out->mutable_current_address()->set_province_code(p.host_province_code);
  out->mutable_current_address()->set_district_code(p.host_district_code);
  out->mutable_current_address()->set_street(p.street);
  out->mutable_needs()->set_kind(static_cast<v1::NeedKind>(p.need_kind));
  out->mutable_needs()->set_note(p.need_note);
  for (const Relative& r : p.relatives) {
    auto* o = out->add_relatives();
    o->set_name(r.name);
    o->set_relationship(r.relationship);
    o->set_phone(r.phone);
  }
  out->set_source(static_cast<v1::Source>(p.source));
  out->set_partner_id(p.partner_id);
  out->set_partner_external_ref(p.partner_external_ref);
  out->set_state(static_cast<v1::PersonState>(p.state));
  out->set_merged_into(p.merged_into);
  ToTimestamp(p.created_at, out->mutable_created_at());
  ToTimestamp(p.updated_at, out->mutable_updated_at());
}

Person FromProto(const v1::Person& in) {
  Person p;
  p.id = in.person_id();
  p.full_name = in.full_name();
  p.birth_date = {in.birth_date().year(), in.birth_date().month(),
                  in.birth_date().day()};
  p.sex = static_cast<Sex>(in.sex());
  for (const auto& d : in.documents()) {
    p.documents.push_back({.type = static_cast<DocumentType>(d.type()),
                           .number = d.number(),
                           .key = d.key(),
                           .linked = d.linked()});
  }
  p.phone = in.phone();
  p.home_commune_code = in.home_commune_code();
  p.home_district_code = in.home_district_code();
  p.home_province_code = in.home_province_code();
  p.host_province_code = in.current_address().province_code();
  p.host_district_code = in.current_address().district_code();
  p.street = in.current_address().street();
  p.need_kind = static_cast<NeedKind>(in.needs().kind());
  p.need_note = in.needs().note();
  for (const auto& r : in.relatives()) {
    p.relatives.push_back({r.name(), r.relationship(), r.phone()});
  }
  p.source = static_cast<Source>(in.source());
  p.partner_id = in.partner_id();
  p.partner_external_ref = in.partner_external_ref();
  p.state = static_cast<PersonState>(in.state());
  p.created_at = FromTimestamp(in.created_at());
  p.updated_at = FromTimestamp(in.updated_at());
  p.merged_into = in.merged_into();
  return p;
}

void ToProto(const RegisterResult& r, v1::RegisterResponse* out) {
  out->set_outcome(static_cast<v1::RegisterOutcome>(r.outcome));
  out->set_person_id(r.person.id);
  ToProto(r.person, out->mutable_person());
  out->set_review_id(r.review_id);
  for (const auto& id : r.matched_person_ids) out->add_matched_person_ids(id);
  for (const auto& w : r.warnings) out->add_warnings(w);
  out->set_match_score(r.match_score);
}

RegisterResult FromProto(const v1::RegisterResponse& in) {
  RegisterResult r;
  r.outcome = static_cast<RegisterOutcome>(in.outcome());
  r.person = FromProto(in.person());
  r.review_id = in.review_id();
  r.matched_person_ids.assign(in.matched_person_ids().begin(),
                              in.matched_person_ids().end());
  r.warnings.assign(in.warnings().begin(), in.warnings().end());
  r.match_score = in.match_score();
  return r;
}

std::string RequestHash(const v1::RegisterRequest& request) {
  return RequestBodyHash(request);
}

std::string EncodePeople(const std::vector<Person>& people) {
  v1::BulkVerifyResponse out;
  for (const Person& p : people) ToProto(p, out.add_people());
  return out.SerializeAsString();
}

absl::StatusOr<std::vector<Person>> DecodePeople(absl::string_view bytes) {
  v1::BulkVerifyResponse in;
  if (!in.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InternalError("stored answer does not parse");
  }
  std::vector<Person> out;
  for (const auto& p : in.people()) out.push_back(FromProto(p));
  return out;
}

absl::StatusOr<Person> DecodePerson(absl::string_view bytes) {
  absl::StatusOr<std::vector<Person>> people = DecodePeople(bytes);
  if (!people.ok()) return people.status();
  if (people->size() != 1) return absl::InternalError("stored answer");
  return std::move((*people)[0]);
}

std::string EncodeStateChanged(const Person& p, PersonState from,
                               absl::string_view case_id) {
  v1::PersonStateChanged e;
  e.set_person_id(p.id);
  e.set_from_state(static_cast<v1::PersonState>(from));
  e.set_to_state(static_cast<v1::PersonState>(p.state));
  e.set_home_commune_code(p.home_commune_code);
  e.set_home_district_code(p.home_district_code);
  e.set_host_province_code(p.host_province_code);
  e.set_case_id(std::string(case_id));
  return e.SerializeAsString();
}

absl::string_view OutcomeName(RegisterOutcome outcome) {
  switch (outcome) {
    case RegisterOutcome::kCreated:
      return "created";
    case RegisterOutcome::kExisting:
      return "existing";
    case RegisterOutcome::kNeedsReview:
      return "needs_review";
    default:
      return "unspecified";
  }
}

std::string EncodePersonRegistered(const RegisterResult& r) {
  v1::PersonRegistered e;
  e.set_person_id(r.person.id);
  e.set_outcome(static_cast<v1::RegisterOutcome>(r.outcome));
  e.set_home_commune_code(r.person.home_commune_code);
  e.set_home_district_code(r.person.home_district_code);
  e.set_host_province_code(r.person.host_province_code);
  e.set_host_district_code(r.person.host_district_code);
  e.set_source(static_cast<v1::Source>(r.person.source));
  e.set_review_id(r.review_id);
  return e.SerializeAsString();
}

std::string EncodeRegisterResult(const RegisterResult& result) {
  v1::RegisterResponse response;
  ToProto(result, &response);
  return response.SerializeAsString();
}

absl::StatusOr<RegisterResult> DecodeRegisterResult(absl::string_view bytes) {
  v1::RegisterResponse response;
  if (!response.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InternalError("stored register answer does not parse");
  }
  return FromProto(response);
}

namespace {

v1::ReviewDecisionKind DecisionProto(absl::string_view d) {
  if (d == "SAME") return v1::REVIEW_DECISION_SAME;
  if (d == "DISTINCT") return v1::REVIEW_DECISION_DISTINCT;
  if (d == "MOOT") return v1::REVIEW_DECISION_MOOT;
  return v1::REVIEW_DECISION_UNSPECIFIED;
}

std::string DecisionName(v1::ReviewDecisionKind d) {
  switch (d) {
    case v1::REVIEW_DECISION_SAME:
      return "SAME";
    case v1::REVIEW_DECISION_DISTINCT:
      return "DISTINCT";
    case v1::REVIEW_DECISION_MOOT:
      return "MOOT";
    default:
      return "";
  }
}

}  // namespace

UpdateInput FromProto(const v1::UpdateRequest& r) {
  UpdateInput in;
  in.request_id = r.request_id();
  in.person_id = r.person_id();
  in.reason = r.reason();
  in.values = FromProto(r.person());
  in.fields.assign(r.update_mask().paths().begin(), r.update_mask().paths().end());
  return in;
}

void ToProto(const UpdateResult& r, v1::UpdateResponse* out) {
  ToProto(r.person, out->mutable_person());
  out->set_review_id(r.review_id);
  for (const auto& id : r.matched_person_ids) out->add_matched_person_ids(id);
  for (const auto& w : r.warnings) out->add_warnings(w);
}

std::string EncodeUpdateResult(const UpdateResult& result) {
  v1::UpdateResponse out;
  ToProto(result, &out);
  return out.SerializeAsString();
}

absl::StatusOr<UpdateResult> DecodeUpdateResult(absl::string_view bytes) {
  v1::UpdateResponse in;
  if (!in.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InternalError("stored update answer does not parse");
  }
  UpdateResult r;
  r.person = FromProto(in.person());
  r.review_id = in.review_id();
  r.matched_person_ids.assign(in.matched_person_ids().begin(),
                              in.matched_person_ids().end());
  r.warnings.assign(in.warnings().begin(), in.warnings().end());
  return r;
}

void ToProto(const ReviewView& v, v1::Review* out) {
  out->set_review_id(v.row.review_id);
  out->set_kind(v.row.kind == "POSSIBLE_DUPLICATE"
                    ? v1::REVIEW_KIND_POSSIBLE_DUPLICATE
                    : v1::REVIEW_KIND_DOCUMENT_CONFLICT);
  out->set_open(v.row.open);
  ToProto(v.person, out->mutable_person());
  for (const ReviewCandidateView& c : v.candidates) {
    auto* o = out->add_candidates();
    ToProto(c.person, o->mutable_person());
    o->set_score(c.score.bits);
    for (const FieldScore& f : c.score.fields) {
      auto* fo = o->add_fields();
      fo->set_field(f.field);
      fo->set_bits(f.bits);
      fo->set_note(f.note);
    }
  }
  for (const auto& k : v.row.doc_keys) out->add_document_keys(k);
  ToTimestamp(v.row.created_at, out->mutable_created_at());
  out->set_decision(DecisionProto(v.row.decision));
  out->set_same_as(v.row.same_as);
}

ReviewView FromProto(const v1::Review& in) {
  ReviewView v;
  v.row.review_id = in.review_id();
  v.row.kind = in.kind() == v1::REVIEW_KIND_POSSIBLE_DUPLICATE
                   ? "POSSIBLE_DUPLICATE"
                   : "DOCUMENT_CONFLICT";
  v.row.open = in.open();
  v.person = FromProto(in.person());
  v.row.person_id = v.person.id;
  for (const auto& c : in.candidates()) {
    ReviewCandidateView cv{.person = FromProto(c.person())};
    cv.score.bits = c.score();
    for (const auto& f : c.fields()) {
      cv.score.fields.push_back({f.field(), f.bits(), f.note()});
    }
    v.row.candidate_ids.push_back(cv.person.id);
    v.row.scores.push_back(c.score());
    v.candidates.push_back(std::move(cv));
  }
  v.row.doc_keys.assign(in.document_keys().begin(), in.document_keys().end());
  v.row.home_commune_code = v.person.home_commune_code;
  v.row.created_at = FromTimestamp(in.created_at());
  v.row.decision = DecisionName(in.decision());
  v.row.same_as = in.same_as();
  return v;
}

std::string EncodeReviewViews(const std::vector<ReviewView>& reviews) {
  v1::DecideReviewsResponse out;
  for (const ReviewView& v : reviews) ToProto(v, out.add_reviews());
  return out.SerializeAsString();
}

absl::StatusOr<std::vector<ReviewView>> DecodeReviewViews(absl::string_view bytes) {
  v1::DecideReviewsResponse in;
  if (!in.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InternalError("stored review answer does not parse");
  }
  std::vector<ReviewView> out;
  for (const auto& r : in.reviews()) out.push_back(FromProto(r));
  return out;
}

void ToProto(const Eligibility& e, v1::Eligibility* out) {
  out->set_eligible(e.eligible);
  out->set_reason(static_cast<v1::IneligibleReason>(e.reason));
  out->set_detail(e.detail);
  out->set_canonical_person_id(e.canonical_person_id);
  for (const auto& id : e.merged_person_ids) out->add_merged_person_ids(id);
  out->set_state(static_cast<v1::PersonState>(e.state));
  out->set_home_commune_code(e.home_commune_code);
  out->set_home_district_code(e.home_district_code);
  out->set_host_province_code(e.host_province_code);
  out->set_host_district_code(e.host_district_code);
  out->set_document_proves_citizenship(e.document_proves_citizenship);
}

std::string EncodePersonUpdated(const Person& after, const Person& before,
                                const std::vector<std::string>& fields,
                                absl::string_view review_id) {
  v1::PersonUpdated e;
  e.set_person_id(after.id);
  for (const auto& f : fields) e.add_fields(f);
  e.set_home_commune_code(after.home_commune_code);
  e.set_previous_home_commune_code(before.home_commune_code);
  e.set_host_province_code(after.host_province_code);
  e.set_review_id(std::string(review_id));
  return e.SerializeAsString();
}

std::string EncodePersonMerged(const Person& merged,
                               absl::string_view survivor_id,
                               absl::string_view review_id) {
  v1::PersonMerged e;
  e.set_merged_person_id(merged.id);
  e.set_survivor_person_id(std::string(survivor_id));
  e.set_review_id(std::string(review_id));
  e.set_home_commune_code(merged.home_commune_code);
  return e.SerializeAsString();
}

std::string EncodePersonUnmerged(const Person& person,
                                 absl::string_view former_survivor_id) {
  v1::PersonUnmerged e;
  e.set_person_id(person.id);
  e.set_former_survivor_person_id(std::string(former_survivor_id));
  e.set_restored_state(static_cast<v1::PersonState>(person.state));
  return e.SerializeAsString();
}

std::string EncodeReviewOpened(const ReviewItem& review) {
  v1::ReviewOpened e;
  e.set_review_id(review.review_id);
  e.set_person_id(review.person_id);
  for (const auto& id : review.candidate_ids) e.add_candidate_ids(id);
  e.set_home_commune_code(review.home_commune_code);
  return e.SerializeAsString();
}

std::string EncodeReviewDecided(const ReviewRow& row, absl::string_view decision,
                                absl::string_view same_as) {
  v1::ReviewDecided e;
  e.set_review_id(row.review_id);
  e.set_decision(DecisionProto(decision));
  e.set_person_id(row.person_id);
  e.set_same_as(std::string(same_as));
  e.set_home_commune_code(row.home_commune_code);
  return e.SerializeAsString();
}

}  // namespace relief::registry
