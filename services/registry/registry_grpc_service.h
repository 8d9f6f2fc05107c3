// The registry's gRPC handlers: authenticate, proto <-> domain, call the
// manager, absl -> gRPC status. No rules here.
#ifndef RELIEF_SERVICES_REGISTRY_REGISTRY_GRPC_SERVICE_H_
#define RELIEF_SERVICES_REGISTRY_REGISTRY_GRPC_SERVICE_H_

#include <atomic>

#include "common/server/auth.h"
#include "relief/registry/v1/registry.grpc.pb.h"
#include "services/registry/registry_manager.h"

namespace relief::registry {

// Thread-safe. Until SetManager() is called (migrations applied, units
// loaded) every call answers UNAVAILABLE.
class RegistryGrpcService final : public v1::Registry::Service {
 public:
  explicit RegistryGrpcService(const Authenticator& auth) : auth_(auth) {}

  // `manager` must outlive the service. Call once.
  void SetManager(RegistryManager* manager) { manager_.store(manager); }

  grpc::Status Register(grpc::ServerContext* context,
                        const v1::RegisterRequest* request,
                        v1::RegisterResponse* response) override;
  grpc::Status GetPerson(grpc::ServerContext* context,
                         const v1::GetPersonRequest* request,
                         v1::Person* response) override;

 private:
  const Authenticator& auth_;
  std::atomic<RegistryManager*> manager_{nullptr};
};

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_REGISTRY_GRPC_SERVICE_H_
