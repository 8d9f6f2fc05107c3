// Rate limiting as a port (Lookup and other calls that reveal whether a
// person is registered).
#ifndef RELIEF_COMMON_BASE_RATE_LIMITER_H_
#define RELIEF_COMMON_BASE_RATE_LIMITER_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace relief {

// Thread-safe.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // OK, or RESOURCE_EXHAUSTED when `key` is over its limit.
  virtual absl::Status Admit(absl::string_view key) = 0;
};

}  // namespace relief

#endif  // RELIEF_COMMON_BASE_RATE_LIMITER_H_
