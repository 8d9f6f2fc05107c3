#include "common/auth/token_authenticator.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "common/auth/point_scope.h"
#include "common/auth/roles.h"

namespace relief::auth {
namespace {

absl::string_view View(grpc::string_ref s) {
  return absl::string_view(s.data(), s.size());
}

bool IsPrintable(absl::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace

absl::StatusOr<Principal> TokenAuthenticator::Authenticate(
    const grpc::ServerContextBase& context) const {
  return AuthenticateMetadata(context.client_metadata());
}

absl::StatusOr<Principal> TokenAuthenticator::AuthenticateMetadata(
    const Metadata& metadata) const {
  const auto [auth_begin, auth_end] = metadata.equal_range("authorization");
  if (auth_begin == auth_end) {
    return absl::UnauthenticatedError("missing bearer token");
  }
  if (std::next(auth_begin) != auth_end) {
    return absl::UnauthenticatedError("more than one authorization header");
  }
  // RFC 6750 §2.1: "Bearer" 1*SP token; the scheme is case-insensitive.
  absl::string_view value = View(auth_begin->second);
  constexpr absl::string_view kScheme = "bearer ";
  if (!absl::StartsWithIgnoreCase(value, kScheme)) {
    return absl::UnauthenticatedError("missing bearer token");
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (value.empty()) return absl::UnauthenticatedError("missing bearer token");

  absl::StatusOr<Claims> claims = verifier_.Verify(value);
  if (!claims.ok()) return claims.status();

  Principal principal{.subject = std::move(claims->sub),
                      .role = std::move(claims->role),
                      .scope = std::move(claims->scope)};
  if (principal.role == kRolePointOperator) {
    // Verified tokens of point operators always carry `point`.
    principal.scope =
        FormatPointScope({.point = claims->point.value_or(""),
                          .host_province = claims->host_province.value_or(""),
                          .district = claims->district.value_or("")});
  }
  if (principal.role == kRoleService) {
    const auto [obo_begin, obo_end] =
        metadata.equal_range("x-relief-on-behalf-of");
    if (obo_begin != obo_end) {
      if (std::next(obo_begin) != obo_end) {
        return absl::UnauthenticatedError(
            "more than one x-relief-on-behalf-of header");
      }
      const absl::string_view obo = View(obo_begin->second);
      if (obo.empty() || obo.size() > 128 || !IsPrintable(obo)) {
        return absl::UnauthenticatedError(
            "x-relief-on-behalf-of must be 1..128 printable bytes");
      }
      principal.on_behalf_of.assign(obo.data(), obo.size());
    }
  }
  return principal;
}

}  // namespace relief::auth
