// Document key -> person id in Redis ("relief:registry:doc:<key>").
// Read-through: filled after a confirmed Postgres read or a commit; [2/8]
// moves the writes to the outbox under the cache-epoch discipline.
#ifndef RELIEF_SERVICES_REGISTRY_REDIS_DOCUMENT_CACHE_H_
#define RELIEF_SERVICES_REGISTRY_REDIS_DOCUMENT_CACHE_H_

#include "absl/time/time.h"
#include "common/redis/redis_client.h"
#include "services/registry/registry_store.h"

namespace relief::registry {

// Thread-safe. `client` must outlive the cache.
class RedisDocumentCache final : public DocumentCache {
 public:
  // Entries expire after `ttl` (default 7 days) so a cache never holds an
  // owner the registry has since changed for longer than that.
  explicit RedisDocumentCache(redis::RedisClient& client,
                              absl::Duration ttl = absl::Hours(24 * 7))
      : client_(client), ttl_(ttl) {}

  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> Lookup(
      const std::vector<std::string>& keys) override;
  void Remember(const std::vector<std::string>& keys,
                absl::string_view person_id) override;

 private:
  redis::RedisClient& client_;
  const absl::Duration ttl_;
};

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_REDIS_DOCUMENT_CACHE_H_
