// gRPC handlers of the Tokens service (proto/relief/auth/v1), hosted by the
// registry process.
#ifndef RELIEF_SERVICES_REGISTRY_TOKENS_GRPC_SERVICE_H_
#define RELIEF_SERVICES_REGISTRY_TOKENS_GRPC_SERVICE_H_

#include <atomic>

#include "common/server/auth.h"
#include "relief/auth/v1/auth.grpc.pb.h"
#include "services/registry/tokens_manager.h"

namespace relief::registry {

// Thread-safe. UNAVAILABLE until SetManager().
class TokensGrpcService final : public ::relief::auth::v1::Tokens::Service {
 public:
  explicit TokensGrpcService(const Authenticator& auth) : auth_(auth) {}
  void SetManager(TokensManager* manager) { manager_.store(manager); }

  grpc::Status IssueToken(grpc::ServerContext* context,
                          const ::relief::auth::v1::IssueTokenRequest* request,
                          ::relief::auth::v1::IssueTokenResponse* response) override;
  grpc::Status RevokeToken(
      grpc::ServerContext* context,
      const ::relief::auth::v1::RevokeTokenRequest* request,
      ::relief::auth::v1::RevokeTokenResponse* response) override;
  grpc::Status ListRevocations(
      grpc::ServerContext* context,
      const ::relief::auth::v1::ListRevocationsRequest* request,
      ::relief::auth::v1::ListRevocationsResponse* response) override;

 private:
  absl::StatusOr<std::pair<TokensManager*, Principal>> Begin(
      const grpc::ServerContextBase& context) const;

  const Authenticator& auth_;
  std::atomic<TokensManager*> manager_{nullptr};
};

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_TOKENS_GRPC_SERVICE_H_
