// Keeps a TokenVerifier's revoked set current by pulling the registry's
// revocations every few seconds (DESIGN.md §5). While the source is
// unreachable the last list stays in force.
#ifndef RELIEF_COMMON_AUTH_REVOCATION_PULLER_H_
#define RELIEF_COMMON_AUTH_REVOCATION_PULLER_H_

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/auth/token_verifier.h"
#include "common/base/clock.h"

namespace relief::auth {

struct RevokedToken {
  std::string jti;
  absl::Time expires_at;  // the revocation can be forgotten after this
  int64_t position = 0;   // the feed position it was numbered at
};

// Revocations numbered after a position, in position order (at most a
// page; the puller asks again until a page comes back empty).
using RevocationSource =
    std::function<absl::StatusOr<std::vector<RevokedToken>>(int64_t after)>;

// Thread-safe. `verifier` and `clock` must outlive the puller.
class RevocationPuller {
 public:
  RevocationPuller(RevocationSource source, TokenVerifier& verifier,
                   const Clock& clock, absl::Duration interval);
  ~RevocationPuller();

  // Pulls until the source has nothing newer, then updates the verifier.
  // Returns the source's error (the last list stays in force).
  absl::Status PullOnce();

  // Pulls now and then every `interval` on a thread until destruction.
  void Start();

  // Jtis currently revoked (unexpired).
  size_t revoked_count() const;

 private:
  RevocationSource source_;
  TokenVerifier& verifier_;
  const Clock& clock_;
  const absl::Duration interval_;
  mutable absl::Mutex mu_;
  int64_t position_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, absl::Time> revoked_ ABSL_GUARDED_BY(mu_);
  bool failing_ ABSL_GUARDED_BY(mu_) = false;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace relief::auth

#endif  // RELIEF_COMMON_AUTH_REVOCATION_PULLER_H_
