#include "services/registry/tokens_manager.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/auth/point_scope.h"
#include "common/auth/roles.h"
#include "common/base/status.h"
#include "services/registry/registration.h"
#include "services/registry/registry_policy.h"

namespace relief::registry {
namespace {

bool Printable(absl::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c >= 0x21 && c <= 0x7E; });
}

// Tokens are signed again on a retry: Ed25519 is deterministic, so the same
// claims give the same token and the token itself is never stored.
absl::StatusOr<std::string> Sign(const IssuedToken& t,
                                 const auth::SigningKey& key,
                                 const std::string& issuer) {
  auth::Claims c{.iss = issuer,
                 .sub = t.subject,
                 .role = t.role,
                 .scope = t.scope,
                 .iat = t.issued_at,
                 .exp = t.expires_at,
                 .jti = t.jti,
                 .kid = t.kid};
  return auth::SignToken(c, key);
}

}  // namespace

absl::Status TokensManager::CheckScope(absl::string_view role,
                                       absl::string_view scope) {
  const units::UnitCatalog& units = deps_.registry.units();
  auto unit_of_level = [&](units::Level level) {
    const units::Unit* u = units.Find(scope);
    return u != nullptr && u->level == level;
  };
  if (role == auth::kRoleDistrictOfficer) {
    if (!unit_of_level(units::Level::kDistrict)) {
      return InvalidArgument("scope", "a district code");
    }
  } else if (role == auth::kRoleCommuneOfficer) {
    if (!unit_of_level(units::Level::kCommune)) {
      return InvalidArgument("scope", "a commune code");
    }
  } else if (role == auth::kRolePartner) {
    if (scope.empty() || scope.size() > 128 || !Printable(scope)) {
      return InvalidArgument("scope", "the partner's id");
    }
  } else if (role == auth::kRolePointOperator) {
    if (auto p = auth::ParsePointScope(scope); !p.ok()) {
      return InvalidArgument("scope", p.status().message());
    }
  } else if (!scope.empty() && units.Find(scope) == nullptr) {
    return InvalidArgument("scope", "empty, or a unit code");
  }
  return absl::OkStatus();
}

absl::StatusOr<Issued> TokensManager::Issue(const Principal& actor,
                                            const IssueInput& in,
                                            absl::string_view request_hash) {
  RELIEF_RETURN_IF_ERROR(deps_.registry.Authorize(actor, kMethodIssueToken));
  Violations v;
  v.AddIfError("request_id", CheckRequestId(in.request_id));
  if (in.subject.empty() || in.subject.size() > 128 || !Printable(in.subject)) {
    v.Add("subject", "1..128 printable ASCII characters");
  }
  std::optional<absl::Duration> max = auth::MaxTokenLifetime(in.role);
  if (!max.has_value()) {
    v.Add("role", absl::StrCat("unknown role \"", in.role, "\""));
  } else {
    v.AddIfError("scope", CheckScope(in.role, in.scope));
    if (in.ttl_seconds < 0 || absl::Seconds(in.ttl_seconds) > *max) {
      v.Add("ttl_seconds", absl::StrCat("0..", absl::ToInt64Seconds(*max),
                                        " for role ", in.role));
    }
  }
  RELIEF_RETURN_IF_ERROR(v.ToStatus());

  const RequestKey key{std::string(kMethodIssueToken), actor.subject,
                       in.request_id};
  IssuedToken token;
  RELIEF_RETURN_IF_ERROR(deps_.store.InTransaction([&](RegistryTx& tx) {
    RELIEF_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                            tx.ClaimRequest(key, request_hash));
    if (stored.has_value()) {
      RELIEF_ASSIGN_OR_RETURN(std::optional<IssuedToken> found,
                              tx.FindIssuedToken(*stored));
      if (!found.has_value()) return absl::InternalError("issued token lost");
      token = *found;
      return absl::OkStatus();
    }
    const absl::Time now = absl::FromUnixSeconds(
        absl::ToUnixSeconds(deps_.clock.Now()));  // JWT dates are seconds
    token = IssuedToken{
        .jti = deps_.ids.NewId(),
        .subject = in.subject,
        .role = in.role,
        .scope = in.scope,
        .kid = deps_.signing_key.kid,
        .issued_at = now,
        .expires_at = now + (in.ttl_seconds == 0 ? *max
                                                 : absl::Seconds(in.ttl_seconds))};
    RELIEF_RETURN_IF_ERROR(tx.InsertIssuedToken(token, actor, in.request_id));
    RELIEF_RETURN_IF_ERROR(tx.AppendAudit(
        actor, {.action = "token.issue",
                .target_id = token.jti,
                .request_id = in.request_id}));
    return tx.CompleteRequest(key, token.jti);
  }));
  RELIEF_ASSIGN_OR_RETURN(std::string text,
                          Sign(token, deps_.signing_key, deps_.issuer));
  return Issued{.token = std::move(text),
                .jti = token.jti,
                .expires_at = token.expires_at};
}

absl::StatusOr<absl::Time> TokensManager::Revoke(
    const Principal& actor, absl::string_view jti, absl::string_view reason,
    absl::string_view request_id, absl::string_view request_hash) {
  RELIEF_RETURN_IF_ERROR(deps_.registry.Authorize(actor, kMethodRevokeToken));
  Violations v;
  v.AddIfError("request_id", CheckRequestId(request_id));
  if (!IsUuid(jti)) v.Add("jti", "must be a token id (UUID)");
  if (reason.empty() || reason.size() > 500) v.Add("reason", "1..500 bytes");
  RELIEF_RETURN_IF_ERROR(v.ToStatus());

  const RequestKey key{std::string(kMethodRevokeToken), actor.subject,
                       std::string(request_id)};
  absl::Time revoked_at;
  RELIEF_RETURN_IF_ERROR(deps_.store.InTransaction([&](RegistryTx& tx) {
    RELIEF_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                            tx.ClaimRequest(key, request_hash));
    int64_t micros = 0;
    if (stored.has_value() && absl::SimpleAtoi(*stored, &micros)) {
      revoked_at = absl::FromUnixMicros(micros);
      return absl::OkStatus();
    }
    RELIEF_ASSIGN_OR_RETURN(std::optional<IssuedToken> token,
                            tx.FindIssuedToken(jti));
    if (!token.has_value()) {
      return absl::NotFoundError(absl::StrCat("no token ", jti));
    }
    revoked_at = absl::FromUnixMicros(absl::ToUnixMicros(deps_.clock.Now()));
    RELIEF_ASSIGN_OR_RETURN(
        bool fresh,
        tx.InsertRevocation(*token, revoked_at, reason, actor, request_id));
    if (fresh) {
      RELIEF_RETURN_IF_ERROR(tx.AppendEvent(
          {.type = "relief.auth.TokenRevoked", .aggregate_id = token->jti}));
    }
    RELIEF_RETURN_IF_ERROR(tx.AppendAudit(
        actor, {.action = "token.revoke",
                .target_id = token->jti,
                .request_id = std::string(request_id)}));
    return tx.CompleteRequest(key,
                              absl::StrCat(absl::ToUnixMicros(revoked_at)));
  }));
  return revoked_at;
}

absl::StatusOr<std::vector<RevocationRow>> TokensManager::ListRevocations(
    const Principal& actor, int64_t after_position) {
  RELIEF_RETURN_IF_ERROR(
      deps_.registry.Authorize(actor, kMethodListRevocations));
  if (after_position < 0) {
    return InvalidArgument("after_position", "must be 0 or more");
  }
  return deps_.store.ListRevocations(after_position, 1000);
}

}  // namespace relief::registry
