#include "services/registry/registry_grpc_service.h"

#include "common/base/proto_util.h"
#include "common/base/status.h"
#include "common/server/grpc_status.h"
#include "services/registry/registry_policy.h"
#include "services/registry/registry_codec.h"

namespace relief::registry {
namespace {

void ToProto(const PeoplePage& page, v1::PeoplePage* out) {
  for (const Person& p : page.people) ToProto(p, out->add_people());
  out->set_next_page_token(page.next_page_token);
  out->set_masked(page.masked);
  for (const auto& [state, count] : page.state_counts) {
    auto* c = out->add_state_counts();
    c->set_state(static_cast<v1::PersonState>(state));
    c->set_count(count);
  }
}

}  // namespace

absl::StatusOr<std::pair<RegistryManager*, Principal>>
RegistryGrpcService::Begin(const grpc::ServerContextBase& context) const {
  RegistryManager* manager = manager_.load();
  if (manager == nullptr) {
    return absl::UnavailableError("registry is starting: retry shortly");
  }
  absl::StatusOr<Principal> actor = auth_.Authenticate(context);
  if (!actor.ok()) return actor.status();
  return std::make_pair(manager, *std::move(actor));
}

grpc::Status RegistryGrpcService::Register(grpc::ServerContext* context,
                                           const v1::RegisterRequest* request,
                                           v1::RegisterResponse* response) {
  auto call = Begin(*context);
  if (!call.ok()) return ToGrpcStatus(call.status());
  auto& [manager, actor] = *call;
  absl::StatusOr<RegisterResult> result =
      manager->Register(actor, FromProto(*request), RequestHash(*request));
  if (!result.ok()) return ToGrpcStatus(result.status());
  ToProto(*result, response);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::GetPerson(grpc::ServerContext* context,
                                            const v1::GetPersonRequest* request,
                                            v1::Person* response) {
  auto call = Begin(*context);
  if (!call.ok()) return ToGrpcStatus(call.status());
  auto& [manager, actor] = *call;
  absl::StatusOr<Person> person =
      manager->GetPerson(actor, request->person_id());
  if (!person.ok()) return ToGrpcStatus(person.status());
  ToProto(*person, response);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::SearchPeople(
    grpc::ServerContext* context, const v1::SearchPeopleRequest* request,
    v1::PeoplePage* response) {
  auto call = Begin(*context);
  if (!call.ok()) return ToGrpcStatus(call.status());
  auto& [manager, actor] = *call;
  SearchInput in{.document_type =
                     static_cast<DocumentType>(request->document_type()),
                 .page_size = request->page_size(),
                 .page_token = request->page_token()};
  switch (request->query_case()) {
    case v1::SearchPeopleRequest::kDocumentNumber:
      in.kind = SearchInput::Kind::kDocument;
      in.text = request->document_number();
      break;
    case v1::SearchPeopleRequest::kPhone:
      in.kind = SearchInput::Kind::kPhone;
      in.text = request->phone();
      break;
    case v1::SearchPeopleRequest::kName:
      in.kind = SearchInput::Kind::kName;
      in.text = request->name();
      break;
    default:
      return ToGrpcStatus(InvalidArgument(
          "query", "set one of document_number, phone or name"));
  }
  absl::StatusOr<PeoplePage> page = manager->SearchPeople(actor, in);
  if (!page.ok()) return ToGrpcStatus(page.status());
  ToProto(*page, response);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::ListPeople(
    grpc::ServerContext* context, const v1::ListPeopleRequest* request,
    v1::PeoplePage* response) {
  auto call = Begin(*context);
  if (!call.ok()) return ToGrpcStatus(call.status());
  auto& [manager, actor] = *call;
  absl::StatusOr<PeoplePage> page = manager->ListPeople(
      actor, {.home_commune_code = request->home_commune_code(),
              .host_province_code = request->host_province_code(),
              .page_size = request->page_size(),
              .page_token = request->page_token(),
              .state = static_cast<PersonState>(request->state())});
  if (!page.ok()) return ToGrpcStatus(page.status());
  ToProto(*page, response);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::Lookup(grpc::ServerContext* context,
                                         const v1::LookupRequest* request,
                                         v1::LookupResponse* response) {
  auto call = Begin(*context);
  if (!call.ok()) return ToGrpcStatus(call.status());
  auto& [manager, actor] = *call;
  absl::StatusOr<LookupResult> r = manager->Lookup(
      actor, static_cast<DocumentType>(request->document_type()),
      request->document_number());
  if (!r.ok()) return ToGrpcStatus(r.status());
  response->set_known(r->known);
  response->set_state(static_cast<v1::PersonState>(r->state));
  response->set_home_province_code(r->home_province_code);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::Transit(grpc::ServerContext* context,
                                          Transition t,
                                          const TransitionInput& input,
                                          absl::string_view hash,
                                          v1::Person* response) {
  auto call = Begin(*context);
  if (!call.ok()) return ToGrpcStatus(call.status());
  auto& [manager, actor] = *call;
  absl::StatusOr<Person> p = manager->ChangeState(actor, t, input, hash);
  if (!p.ok()) return ToGrpcStatus(p.status());
  ToProto(*p, response);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::Verify(grpc::ServerContext* context,
                                         const v1::TransitionRequest* r,
                                         v1::Person* response) {
  return Transit(context, Transition::kVerify,
                 {r->request_id(), r->person_id(), r->reason(), ""},
                 RequestBodyHash(*r), response);
}

grpc::Status RegistryGrpcService::Reject(grpc::ServerContext* context,
                                         const v1::TransitionRequest* r,
                                         v1::Person* response) {
  return Transit(context, Transition::kReject,
                 {r->request_id(), r->person_id(), r->reason(), ""},
                 RequestBodyHash(*r), response);
}

grpc::Status RegistryGrpcService::Withdraw(grpc::ServerContext* context,
                                           const v1::TransitionRequest* r,
                                           v1::Person* response) {
  return Transit(context, Transition::kWithdraw,
                 {r->request_id(), r->person_id(), r->reason(), ""},
                 RequestBodyHash(*r), response);
}

grpc::Status RegistryGrpcService::Reopen(grpc::ServerContext* context,
                                         const v1::ReopenRequest* r,
                                         v1::Person* response) {
  return Transit(context, Transition::kReopen,
                 {r->request_id(), r->person_id(), r->reason(), r->case_id()},
                 RequestBodyHash(*r), response);
}

grpc::Status RegistryGrpcService::BulkVerify(
    grpc::ServerContext* context, const v1::BulkVerifyRequest* r,
    v1::BulkVerifyResponse* response) {
  auto call = Begin(*context);
  if (!call.ok()) return ToGrpcStatus(call.status());
  auto& [manager, actor] = *call;
  auto people = manager->BulkVerify(
      actor, r->request_id(),
      std::vector<std::string>(r->person_ids().begin(), r->person_ids().end()),
      r->reason(), RequestBodyHash(*r));
  if (!people.ok()) return ToGrpcStatus(people.status());
  for (const Person& p : *people) ToProto(p, response->add_people());
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::Update(grpc::ServerContext* context,
                                         const v1::UpdateRequest* r,
                                         v1::UpdateResponse* response) {
  auto call = Begin(*context);
  if (!call.ok()) return ToGrpcStatus(call.status());
  auto& [manager, actor] = *call;
  auto result = manager->Update(actor, FromProto(*r), RequestBodyHash(*r));
  if (!result.ok()) return ToGrpcStatus(result.status());
  ToProto(*result, response);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::ListReviews(
    grpc::ServerContext* context, const v1::ListReviewsRequest* r,
    v1::ReviewPage* response) {
  auto call = Begin(*context);
  if (!call.ok()) return ToGrpcStatus(call.status());
  auto& [manager, actor] = *call;
  auto page = manager->ListReviews(actor, r->unit_code(), r->page_size(),
                                   r->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const ReviewView& v : page->reviews) ToProto(v, response->add_reviews());
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::DecideReviews(
    grpc::ServerContext* context, const v1::DecideReviewsRequest* r,
    v1::DecideReviewsResponse* response) {
  auto call = Begin(*context);
  if (!call.ok()) return ToGrpcStatus(call.status());
  auto& [manager, actor] = *call;
  std::vector<DecisionInput> decisions;
  for (const auto& d : r->decisions()) {
    const Decision kind = d.decision() == v1::REVIEW_DECISION_SAME
                              ? Decision::kSame
                          : d.decision() == v1::REVIEW_DECISION_DISTINCT
                              ? Decision::kDistinct
                              : Decision::kUnspecified;
    decisions.push_back({d.review_id(), kind, d.same_as()});
  }
  auto views = manager->DecideReviews(actor, r->request_id(), decisions,
                                      r->reason(), RequestBodyHash(*r));
  if (!views.ok()) return ToGrpcStatus(views.status());
  for (const ReviewView& v : *views) ToProto(v, response->add_reviews());
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::Unmerge(grpc::ServerContext* context,
                                          const v1::UnmergeRequest* r,
                                          v1::Person* response) {
  auto call = Begin(*context);
  if (!call.ok()) return ToGrpcStatus(call.status());
  auto& [manager, actor] = *call;
  auto p = manager->Unmerge(actor, {r->request_id(), r->person_id(), r->reason(), ""},
                            RequestBodyHash(*r));
  if (!p.ok()) return ToGrpcStatus(p.status());
  ToProto(*p, response);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::CheckEligibility(
    grpc::ServerContext* context, const v1::CheckEligibilityRequest* r,
    v1::Eligibility* response) {
  auto call = Begin(*context);
  if (!call.ok()) return ToGrpcStatus(call.status());
  auto& [manager, actor] = *call;
  EligibilityInput in{.person_id = r->person_id(),
                      .purpose = static_cast<Purpose>(r->purpose())};
  if (r->has_presented_document()) {
    in.presented = {
        .type = static_cast<DocumentType>(r->presented_document().type()),
        .number = r->presented_document().number()};
  }
  auto e = manager->CheckEligibility(actor, in);
  if (!e.ok()) return ToGrpcStatus(e.status());
  ToProto(*e, response);
  return grpc::Status::OK;
}

grpc::ServerWriteReactor<::relief::events::v1::Event>*
RegistryGrpcService::Subscribe(
    grpc::CallbackServerContext* context,
    const ::relief::events::v1::SubscribeRequest* request) {
  auto call = Begin(*context);
  if (!call.ok()) return events::FinishedStream(ToGrpcStatus(call.status()));
  auto [manager, actor] = *std::move(call);
  // Authorising may write an audit row: it runs on the hub's executor, off
  // gRPC's callback threads.
  return hub_.load()->Open(request->after_position(),
                           [manager = manager, actor = std::move(actor)] {
                             return manager->Authorize(actor, kMethodSubscribe);
                           });
}

}  // namespace relief::registry
