// The Tokens service's rules (DESIGN.md §5), hosted by the registry: issue
// and revoke signed tokens, list revocations for every service to pull.
#ifndef RELIEF_SERVICES_REGISTRY_TOKENS_MANAGER_H_
#define RELIEF_SERVICES_REGISTRY_TOKENS_MANAGER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/auth/token.h"
#include "common/base/clock.h"
#include "common/base/ids.h"
#include "services/registry/registry_manager.h"
#include "services/registry/registry_store.h"

namespace relief::registry {

struct IssueInput {
  std::string request_id;
  std::string subject;
  std::string role;
  std::string scope;
  int64_t ttl_seconds = 0;
};

struct Issued {
  std::string token;
  std::string jti;
  absl::Time expires_at;
};

// Thread-safe. References must outlive it.
class TokensManager {
 public:
  struct Deps {
    RegistryManager& registry;  // authorisation and units
    RegistryStore& store;
    IdGenerator& ids;
    const Clock& clock;
    const auth::SigningKey& signing_key;
    std::string issuer;  // "relief:<home province>"
  };
  explicit TokensManager(Deps deps) : deps_(std::move(deps)) {}

  // Admin only. INVALID_ARGUMENT (field violations) for an unknown role, a
  // scope that does not fit the role, a ttl over the role's maximum; a
  // retry with the same request_id returns the same token.
  absl::StatusOr<Issued> Issue(const Principal& actor, const IssueInput& in,
                               absl::string_view request_hash);

  // Admin only. NOT_FOUND for an unknown jti; revoking twice is fine.
  absl::StatusOr<absl::Time> Revoke(const Principal& actor,
                                    absl::string_view jti,
                                    absl::string_view reason,
                                    absl::string_view request_id,
                                    absl::string_view request_hash);

  // Service role. Revocations numbered after `after_position`.
  absl::StatusOr<std::vector<RevocationRow>> ListRevocations(
      const Principal& actor, int64_t after_position);

 private:
  absl::Status CheckScope(absl::string_view role, absl::string_view scope);
  Deps deps_;
};

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_TOKENS_MANAGER_H_
