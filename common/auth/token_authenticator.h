// The Authenticator (common/server/auth.h) for signed bearer tokens.
#ifndef RELIEF_COMMON_AUTH_TOKEN_AUTHENTICATOR_H_
#define RELIEF_COMMON_AUTH_TOKEN_AUTHENTICATOR_H_

#include <map>

#include "absl/status/statusor.h"
#include "common/auth/token_verifier.h"
#include "common/base/principal.h"
#include "common/server/auth.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/string_ref.h"

namespace relief::auth {

// Reads gRPC metadata
//   authorization: Bearer <token>      (scheme case-insensitive, required)
//   x-relief-on-behalf-of: <subject>   (honoured for role "service" only)
// and returns the Principal:
//   subject       = sub
//   role          = role
//   scope         = scope; for a point operator FormatPointScope(point,
//                   host_province, district) instead (point_scope.h)
//   on_behalf_of  = x-relief-on-behalf-of for a service; empty otherwise
//                   (other roles cannot act for someone else, so the header
//                   is ignored for them).
// Thread-safe. `verifier` must outlive the authenticator.
class TokenAuthenticator final : public Authenticator {
 public:
  using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

  explicit TokenAuthenticator(TokenVerifier& verifier) : verifier_(verifier) {}

  // AuthenticateMetadata(context.client_metadata()).
  absl::StatusOr<Principal> Authenticate(
      const grpc::ServerContextBase& context) const override;

  // The caller described by `metadata`. Every failure is UNAUTHENTICATED:
  //   "missing bearer token"           no authorization header, another
  //                                    scheme, or an empty token
  //   "more than one authorization header"
  //   TokenVerifier::Verify's reasons  the token itself
  //   "x-relief-on-behalf-of must be 1..128 printable bytes"
  //   "more than one x-relief-on-behalf-of header"
  absl::StatusOr<Principal> AuthenticateMetadata(
      const Metadata& metadata) const;

 private:
  TokenVerifier& verifier_;
};

}  // namespace relief::auth

#endif  // RELIEF_COMMON_AUTH_TOKEN_AUTHENTICATOR_H_
