#include "services/registry/tokens_grpc_service.h"

#include "common/base/proto_util.h"
#include "common/server/grpc_status.h"

namespace relief::registry {
namespace {

namespace av1 = ::relief::auth::v1;

}  // namespace

absl::StatusOr<std::pair<TokensManager*, Principal>> TokensGrpcService::Begin(
    const grpc::ServerContextBase& context) const {
  TokensManager* manager = manager_.load();
  if (manager == nullptr) {
    return absl::UnavailableError("registry is starting: retry shortly");
  }
  absl::StatusOr<Principal> actor = auth_.Authenticate(context);
  if (!actor.ok()) return actor.status();
  return std::make_pair(manager, *std::move(actor));
}

grpc::Status TokensGrpcService::IssueToken(
    grpc::ServerContext* context, const av1::IssueTokenRequest* request,
    av1::IssueTokenResponse* response) {
  auto call = Begin(*context);
  if (!call.ok()) return ToGrpcStatus(call.status());
  auto& [manager, actor] = *call;
  absl::StatusOr<Issued> issued =
      manager->Issue(actor,
                     {.request_id = request->request_id(),
                      .subject = request->subject(),
                      .role = request->role(),
                      .scope = request->scope(),
                      .ttl_seconds = request->ttl_seconds()},
                     RequestBodyHash(*request));
  if (!issued.ok()) return ToGrpcStatus(issued.status());
  response->set_token(issued->token);
  response->set_jti(issued->jti);
  ToTimestamp(issued->expires_at, response->mutable_expires_at());
  return grpc::Status::OK;
}

grpc::Status TokensGrpcService::RevokeToken(
    grpc::ServerContext* context, const av1::RevokeTokenRequest* request,
    av1::RevokeTokenResponse* response) {
  auto call = Begin(*context);
  if (!call.ok()) return ToGrpcStatus(call.status());
  auto& [manager, actor] = *call;
  absl::StatusOr<absl::Time> at =
      manager->Revoke(actor, request->jti(), request->reason(),
                      request->request_id(), RequestBodyHash(*request));
  if (!at.ok()) return ToGrpcStatus(at.status());
  ToTimestamp(*at, response->mutable_revoked_at());
  return grpc::Status::OK;
}

grpc::Status TokensGrpcService::ListRevocations(
    grpc::ServerContext* context, const av1::ListRevocationsRequest* request,
    av1::ListRevocationsResponse* response) {
  auto call = Begin(*context);
  if (!call.ok()) return ToGrpcStatus(call.status());
  auto& [manager, actor] = *call;
  auto rows = manager->ListRevocations(actor, request->after_position());
  if (!rows.ok()) return ToGrpcStatus(rows.status());
  int64_t last = request->after_position();
  for (const RevocationRow& r : *rows) {
    auto* out = response->add_revocations();
    out->set_jti(r.jti);
    ToTimestamp(r.expires_at, out->mutable_expires_at());
    out->set_position(r.position);
    last = r.position;
  }
  response->set_last_position(last);
  return grpc::Status::OK;
}

}  // namespace relief::registry
