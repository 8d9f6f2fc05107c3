// The registry's gRPC handlers: authenticate, proto <-> domain, call the
// manager, absl -> gRPC status. No rules here.
#ifndef RELIEF_SERVICES_REGISTRY_REGISTRY_GRPC_SERVICE_H_
#define RELIEF_SERVICES_REGISTRY_REGISTRY_GRPC_SERVICE_H_

#include <atomic>

#include "common/events/subscribe.h"
#include "common/server/auth.h"
#include "relief/registry/v1/registry.grpc.pb.h"
#include "services/registry/registry_manager.h"

namespace relief::registry {

// Thread-safe. Until SetManager() is called (migrations applied, units
// loaded) every call answers UNAVAILABLE.
// Subscribe runs on gRPC's callback API (SubscriptionHub); the unary
// methods are synchronous (docs/adr/0001).
class RegistryGrpcService final
    : public v1::Registry::WithCallbackMethod_Subscribe<v1::Registry::Service> {
 public:
  explicit RegistryGrpcService(const Authenticator& auth) : auth_(auth) {}

  // `manager` and `hub` must outlive the service. Call once.
  void SetManager(RegistryManager* manager, events::SubscriptionHub* hub) {
    hub_.store(hub);
    manager_.store(manager);
  }

  grpc::Status Register(grpc::ServerContext* context,
                        const v1::RegisterRequest* request,
                        v1::RegisterResponse* response) override;
  grpc::Status GetPerson(grpc::ServerContext* context,
                         const v1::GetPersonRequest* request,
                         v1::Person* response) override;
  grpc::Status SearchPeople(grpc::ServerContext* context,
                            const v1::SearchPeopleRequest* request,
                            v1::PeoplePage* response) override;
  grpc::Status ListPeople(grpc::ServerContext* context,
                          const v1::ListPeopleRequest* request,
                          v1::PeoplePage* response) override;
  grpc::Status Lookup(grpc::ServerContext* context,
                      const v1::LookupRequest* request,
                      v1::LookupResponse* response) override;
  grpc::Status Verify(grpc::ServerContext* context,
                      const v1::TransitionRequest* request,
                      v1::Person* response) override;
  grpc::Status Reject(grpc::ServerContext* context,
                      const v1::TransitionRequest* request,
                      v1::Person* response) override;
  grpc::Status Withdraw(grpc::ServerContext* context,
                        const v1::TransitionRequest* request,
                        v1::Person* response) override;
  grpc::Status Reopen(grpc::ServerContext* context,
                      const v1::ReopenRequest* request,
                      v1::Person* response) override;
  grpc::Status BulkVerify(grpc::ServerContext* context,
                          const v1::BulkVerifyRequest* request,
                          v1::BulkVerifyResponse* response) override;
  grpc::Status Update(grpc::ServerContext* context,
                      const v1::UpdateRequest* request,
                      v1::UpdateResponse* response) override;
  grpc::Status ListReviews(grpc::ServerContext* context,
                           const v1::ListReviewsRequest* request,
                           v1::ReviewPage* response) override;
  grpc::Status DecideReviews(grpc::ServerContext* context,
                             const v1::DecideReviewsRequest* request,
                             v1::DecideReviewsResponse* response) override;
  grpc::Status Unmerge(grpc::ServerContext* context,
                       const v1::UnmergeRequest* request,
                       v1::Person* response) override;
  grpc::Status CheckEligibility(grpc::ServerContext* context,
                                const v1::CheckEligibilityRequest* request,
                                v1::Eligibility* response) override;
  grpc::ServerWriteReactor<::relief::events::v1::Event>* Subscribe(
      grpc::CallbackServerContext* context,
      const ::relief::events::v1::SubscribeRequest* request) override;

 private:
  grpc::Status Transit(grpc::ServerContext* context, Transition t,
                       const TransitionInput& input, absl::string_view hash,
                       v1::Person* response);
  // The manager and the caller, or the status to answer with.
  absl::StatusOr<std::pair<RegistryManager*, Principal>> Begin(
      const grpc::ServerContextBase& context) const;

  const Authenticator& auth_;
  std::atomic<RegistryManager*> manager_{nullptr};
  std::atomic<events::SubscriptionHub*> hub_{nullptr};
};

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_REGISTRY_GRPC_SERVICE_H_
