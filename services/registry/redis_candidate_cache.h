// Blocking-key candidate sets in Redis, under the same cache-epoch
// discipline as the document keys (redis_document_cache.h):
//   "blk:<block>"  a set of person ids filed under the blocking key;
//   "mr:<id>"      the person's match record (name, birth date, sex, phone,
//                  home commune, and the record it was merged into: merges
//                  and unmerges rewrite it).
// A lookup is one Lua script, atomic in Redis: it answers nothing unless
// Redis's epoch is the current one, so a flushed or half-refilled Redis
// never answers. Writes come only from the cache feeder, after commit.
#ifndef RELIEF_SERVICES_REGISTRY_REDIS_CANDIDATE_CACHE_H_
#define RELIEF_SERVICES_REGISTRY_REDIS_CANDIDATE_CACHE_H_

#include <string>

#include "common/redis/redis_client.h"
#include "common/server/metrics.h"
#include "services/registry/redis_document_cache.h"
#include "services/registry/registry_store.h"

namespace relief::registry {

std::string CandidateSetKey(absl::string_view block);
std::string MatchRecordKey(absl::string_view person_id);
// One line of text (tab-separated); nullopt when malformed.
std::string EncodeMatchRecord(const MatchRecord& r);
std::optional<MatchRecord> DecodeMatchRecord(absl::string_view text);

// Writes the candidate sets and records of `records` (the feeder's part).
absl::Status WriteCandidates(redis::RedisClient& client,
                             const std::vector<MatchRecord>& records);

// Thread-safe. `client` must outlive the cache.
class RedisCandidateCache final : public CandidateCache {
 public:
  // At most this many people per lookup (the rest are left to Postgres).
  static constexpr int kMaxCandidates = 500;

  explicit RedisCandidateCache(redis::RedisClient& client,
                               CacheCounters counters = CacheCounters())
      : client_(client), gate_(client, counters) {}
  // The epoch read from Postgres at start; until set, every lookup misses.
  void SetEpoch(std::string epoch) { gate_.SetEpoch(std::move(epoch)); }
  absl::StatusOr<std::vector<MatchRecord>> Lookup(
      const std::vector<std::string>& blocks) override;

 private:
  redis::RedisClient& client_;
  CacheEpochGate gate_;
};

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_REDIS_CANDIDATE_CACHE_H_
