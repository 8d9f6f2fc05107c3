// VerifyToken with the cache DESIGN.md §5 asks for: a signature check costs
// ~50 µs, so a token that verified once is remembered (by its SHA-256) until
// it expires, and later calls only hash and look up.
#ifndef RELIEF_COMMON_AUTH_TOKEN_VERIFIER_H_
#define RELIEF_COMMON_AUTH_TOKEN_VERIFIER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/token.h"
#include "common/base/clock.h"

namespace relief::auth {

// Verifies tokens against a replaceable KeySet and revocation list, caching
// successes. Thread-safe: every method may be called concurrently; cache
// hits take a shared lock only.
//
// Cache rules:
//  - only tokens that verified are cached (a flood of garbage cannot evict
//    good entries), keyed by SHA-256 of the whole token;
//  - an entry is used only while now < exp (by the injected clock);
//  - at most `max_cache_entries` entries: expired ones go first, then the one
//    expiring soonest; 0 disables the cache;
//  - SetKeys drops entries whose kid was removed or whose public key changed;
//    SetRevoked drops entries whose jti it lists.
// So a cached answer is always the answer VerifyToken would give now, except
// for "token not yet valid", which cannot become true again.
class TokenVerifier {
 public:
  static constexpr size_t kDefaultMaxCacheEntries = 10'000;

  // Counters for metrics and tests.
  struct Stats {
    // Verify calls answered from the cache.
    uint64_t cache_hits = 0;
    // Verify calls that ran VerifyToken (signature check included when the
    // header got that far).
    uint64_t verifications = 0;
    // Entries currently cached.
    size_t cache_entries = 0;
  };

  // `clock` must outlive the verifier.
  TokenVerifier(KeySet keys, const Clock& clock,
                size_t max_cache_entries = kDefaultMaxCacheEntries);

  TokenVerifier(const TokenVerifier&) = delete;
  TokenVerifier& operator=(const TokenVerifier&) = delete;

  // The claims of `token` at clock.Now(). Errors: UNAUTHENTICATED with
  // VerifyToken's reasons, or "token revoked" when the jti is in the
  // revocation list.
  absl::StatusOr<Claims> Verify(absl::string_view token);

  // Replaces the accepted keys (rotation). Tokens under a kid that is gone or
  // whose key changed stop verifying at once, cached or not.
  void SetKeys(KeySet keys);

  // Replaces the revocation list with `jtis` (the whole list, as pulled from
  // the registry) and purges cached tokens carrying them.
  void SetRevoked(std::vector<std::string> jtis);

  Stats stats() const;

 private:
  struct Entry {
    Claims claims;
    std::multimap<absl::Time, std::string>::iterator by_expiry;
  };

  // Caches `claims` under `key` (SHA-256 of the token), making room first.
  void InsertLocked(const std::string& key, const Claims& claims,
                    absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EraseLocked(absl::flat_hash_map<std::string, Entry>::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock& clock_;
  const size_t max_cache_entries_;
  std::atomic<uint64_t> cache_hits_{0};
  std::atomic<uint64_t> verifications_{0};

  mutable absl::Mutex mu_;
  std::shared_ptr<const KeySet> keys_ ABSL_GUARDED_BY(mu_);
  // Bumped by SetKeys: a verification that started under older keys does
  // not fill the cache.
  uint64_t keys_generation_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_set<std::string> revoked_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Entry> cache_ ABSL_GUARDED_BY(mu_);
  // Cache keys by exp, soonest first.
  std::multimap<absl::Time, std::string> by_expiry_ ABSL_GUARDED_BY(mu_);
};

}  // namespace relief::auth

#endif  // RELIEF_COMMON_AUTH_TOKEN_VERIFIER_H_
