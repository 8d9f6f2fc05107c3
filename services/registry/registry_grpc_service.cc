#include "services/registry/registry_grpc_service.h"

#include "common/server/grpc_status.h"
#include "services/registry/registry_codec.h"

namespace relief::registry {
namespace {

const grpc::Status kStarting(grpc::StatusCode::UNAVAILABLE,
                             "registry is starting: retry shortly");

}  // namespace

grpc::Status RegistryGrpcService::Register(grpc::ServerContext* context,
                                           const v1::RegisterRequest* request,
                                           v1::RegisterResponse* response) {
  RegistryManager* manager = manager_.load();
  if (manager == nullptr) return kStarting;
  absl::StatusOr<Principal> actor = auth_.Authenticate(*context);
  if (!actor.ok()) return ToGrpcStatus(actor.status());
  absl::StatusOr<RegisterResult> result =
      manager->Register(*actor, FromProto(*request), RequestHash(*request));
  if (!result.ok()) return ToGrpcStatus(result.status());
  ToProto(*result, response);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::GetPerson(grpc::ServerContext* context,
                                            const v1::GetPersonRequest* request,
                                            v1::Person* response) {
  RegistryManager* manager = manager_.load();
  if (manager == nullptr) return kStarting;
  absl::StatusOr<Principal> actor = auth_.Authenticate(*context);
  if (!actor.ok()) return ToGrpcStatus(actor.status());
  absl::StatusOr<Person> person =
      manager->GetPerson(*actor, request->person_id());
  if (!person.ok()) return ToGrpcStatus(person.status());
  ToProto(*person, response);
  return grpc::Status::OK;
}

}  // namespace relief::registry
