#include "common/redis/rate_limiter.h"

#include "absl/strings/str_cat.h"

namespace relief::redis {

absl::Status RedisRateLimiter::Admit(absl::string_view key) {
  const int64_t window = absl::ToUnixSeconds(clock_.Now()) /
                         absl::ToInt64Seconds(options_.window);
  const std::string window_key =
      absl::StrCat(options_.name, ":", key, ":", window);
  if (client_ != nullptr) {
    absl::StatusOr<int64_t> n = client_->Incr(window_key, options_.window);
    if (n.ok()) {
      if (*n <= options_.limit) return absl::OkStatus();
      return absl::ResourceExhaustedError(absl::StrCat(
          "rate limit: at most ", options_.limit, " calls per ",
          absl::FormatDuration(options_.window)));
    }
    // Redis unreachable: fall back to this process's own window.
  }
  absl::MutexLock lock(&mu_);
  if (window != local_window_) {
    local_.clear();
    local_window_ = window;
  }
  if (++local_[window_key] <= options_.limit) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("rate limit: at most ", options_.limit, " calls per ",
                   absl::FormatDuration(options_.window)));
}

}  // namespace relief::redis
