// Keeps the registry's Redis caches in step with Postgres from the outbox
// (DESIGN.md §3): after commit, never before. Two caches share one epoch:
// document keys (redis_document_cache.h) and blocking-key candidate sets
// (redis_candidate_cache.h). When Redis lacks the current epoch (first
// start, flushed, restarted empty) it refills both from Postgres and sets
// the epoch last; then it follows the event feed and rewrites the keys and
// candidate sets of each registered, corrected, merged or unmerged person.
#ifndef RELIEF_SERVICES_REGISTRY_DOCUMENT_CACHE_FEEDER_H_
#define RELIEF_SERVICES_REGISTRY_DOCUMENT_CACHE_FEEDER_H_

#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "common/events/event_feed.h"
#include "common/redis/redis_client.h"
#include "services/registry/registry_store.h"

namespace relief::registry {

// Replicas may each run one: every write is idempotent (the same key gets
// the same owner), so no leader is needed. Not thread-safe; Start() runs it
// on its own thread. References must outlive the feeder.
class DocumentCacheFeeder {
 public:
  DocumentCacheFeeder(redis::RedisClient& redis, RegistryStore& store,
                      events::EventFeed& feed, std::string epoch);
  ~DocumentCacheFeeder();

  // One step: refill if Redis lacks the epoch, then apply the events
  // numbered since the last step. UNAVAILABLE when Redis or Postgres is
  // away (the next step starts over where needed).
  absl::Status Step();

  void Start();
  void Stop();

  // The feed position applied so far (-1 before the first refill).
  int64_t position() const { return position_; }

 private:
  absl::Status Refill();
  absl::Status Write(const std::vector<std::pair<std::string, std::string>>& kv);

  redis::RedisClient& redis_;
  RegistryStore& store_;
  events::EventFeed& feed_;
  const std::string epoch_;
  int64_t position_ = -1;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_DOCUMENT_CACHE_FEEDER_H_
