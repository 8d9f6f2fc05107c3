// Who is calling: the seam [2/8] fills with signed tokens. Every handler
// asks the Authenticator for the Principal before doing anything.
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
      const grpc::ServerContext& context) const = 0;
};

// Development stand-in until signed tokens land ([2/8]): trusts the
// metadata "x-relief-subject" (default "anonymous") and gives every caller
// the admin role. Never expose a server using it beyond loopback.
class TrustingAuthenticator final : public Authenticator {
 public:
  absl::StatusOr<Principal> Authenticate(
      const grpc::ServerContext& context) const override;
};

}  // namespace relief

#endif  // RELIEF_COMMON_SERVER_AUTH_H_
