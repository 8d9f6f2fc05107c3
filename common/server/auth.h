// Who is calling. Every handler asks the Authenticator for the Principal
// before doing anything; common/auth/token_authenticator.h implements it
// with signed bearer tokens.
#ifndef RELIEF_COMMON_SERVER_AUTH_H_
#define RELIEF_COMMON_SERVER_AUTH_H_

#include "absl/status/statusor.h"
#include "common/base/principal.h"
#include "grpcpp/server_context.h"

namespace relief {

// Thread-safe.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The caller, or UNAUTHENTICATED.
  virtual absl::StatusOr<Principal> Authenticate(
      const grpc::ServerContextBase& context) const = 0;
};

}  // namespace relief

#endif  // RELIEF_COMMON_SERVER_AUTH_H_
