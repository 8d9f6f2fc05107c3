// Fixed-window rate limits shared by replicas through Redis, with a
// per-process window when Redis is unreachable (correct, only per replica).
#ifndef RELIEF_COMMON_REDIS_RATE_LIMITER_H_
#define RELIEF_COMMON_REDIS_RATE_LIMITER_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/base/clock.h"
#include "common/base/rate_limiter.h"
#include "common/redis/redis_client.h"

namespace relief::redis {

struct RateLimitOptions {
  // Calls allowed per key and window. Default 60.
  int limit = 60;
  // Window length. Default 1 minute.
  absl::Duration window = absl::Minutes(1);
  // Redis key namespace, e.g. "ratelimit:lookup".
  std::string name = "ratelimit";
};

// Thread-safe. `client` (may be null: local windows only) and `clock` must
// outlive the limiter.
class RedisRateLimiter final : public RateLimiter {
 public:
  RedisRateLimiter(RedisClient* client, const Clock& clock,
                   RateLimitOptions options)
      : client_(client), clock_(clock), options_(std::move(options)) {}

  absl::Status Admit(absl::string_view key) override;

 private:
  absl::Status Local(const std::string& window_key);

  RedisClient* client_;
  const Clock& clock_;
  const RateLimitOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> local_ ABSL_GUARDED_BY(mu_);
  int64_t local_window_ ABSL_GUARDED_BY(mu_) = -1;
};

}  // namespace relief::redis

#endif  // RELIEF_COMMON_REDIS_RATE_LIMITER_H_
