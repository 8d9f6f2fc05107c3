// Document key -> person id in Redis ("relief:registry:doc:<key>"), under
// the cache-epoch discipline of DESIGN.md §3: the keys count only while
// Redis's "epoch" key equals the epoch kept in Postgres. A flushed or
// half-refilled Redis has no epoch (the refill sets it last), so it reads as
// empty, never as a wrong or partial answer. Writes come only from
// DocumentCacheFeeder, after commit, from the outbox.
#ifndef RELIEF_SERVICES_REGISTRY_REDIS_DOCUMENT_CACHE_H_
#define RELIEF_SERVICES_REGISTRY_REDIS_DOCUMENT_CACHE_H_

#include <atomic>
#include <string>

#include "absl/synchronization/mutex.h"
#include "common/redis/redis_client.h"
#include "common/server/metrics.h"
#include "services/registry/registry_store.h"

namespace relief::registry {

// Redis key names (behind the client's key prefix).
inline constexpr absl::string_view kEpochKey = "epoch";
std::string DocumentCacheKey(absl::string_view document_key);

// What the registry's Redis caches share: the epoch a lookup must find in
// Redis to count, and the lookup counters (one outage counted once).
// Thread-safe.
class CacheEpochGate {
 public:
  CacheEpochGate(redis::RedisClient& client, CacheCounters counters)
      : client_(client), counters_(counters) {}
  // The epoch read from Postgres at start; until set, every lookup misses.
  void SetEpoch(std::string epoch) {
    absl::MutexLock lock(&mu_);
    epoch_ = std::move(epoch);
  }
  std::string epoch() const {
    absl::MutexLock lock(&mu_);
    return epoch_;
  }
  const CacheCounters& counters() const { return counters_; }
  // Counts a lookup Redis could not answer, and the outage once.
  void Failed() {
    counters_.Error();
    const int64_t outages = client_.stats().outages;
    if (outages > outages_seen_.exchange(outages)) counters_.Outage();
  }

 private:
  redis::RedisClient& client_;
  const CacheCounters counters_;
  std::atomic<int64_t> outages_seen_{0};
  mutable absl::Mutex mu_;
  std::string epoch_ ABSL_GUARDED_BY(mu_);
};

// Thread-safe. `client` must outlive the cache.
class RedisDocumentCache final : public DocumentCache {
 public:
  // `counters` count hits, misses and errors (relief_cache_lookups_total).
  explicit RedisDocumentCache(redis::RedisClient& client,
                              CacheCounters counters = CacheCounters())
      : client_(client), gate_(client, counters) {}

  void SetEpoch(std::string epoch) { gate_.SetEpoch(std::move(epoch)); }

  // One round trip: MGET of the epoch and the keys. No hits unless Redis's
  // epoch is the current one.
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> Lookup(
      const std::vector<std::string>& keys) override;

 private:
  redis::RedisClient& client_;
  CacheEpochGate gate_;
};

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_REDIS_DOCUMENT_CACHE_H_
