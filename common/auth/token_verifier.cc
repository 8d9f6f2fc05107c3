#include "common/auth/token_verifier.h"

#include <utility>

#include "common/base/hash.h"

namespace relief::auth {

TokenVerifier::TokenVerifier(KeySet keys, const Clock& clock,
                             size_t max_cache_entries)
    : clock_(clock),
      max_cache_entries_(max_cache_entries),
      keys_(std::make_shared<const KeySet>(std::move(keys))) {}

absl::StatusOr<Claims> TokenVerifier::Verify(absl::string_view token) {
  const absl::Time now = clock_.Now();
  // Oversized tokens are refused by VerifyToken without being hashed.
  const std::string key =
      token.size() <= kMaxTokenBytes ? Sha256(token) : std::string();

  std::shared_ptr<const KeySet> keys;
  uint64_t generation;
  {
    absl::ReaderMutexLock lock(&mu_);
    if (!key.empty()) {
      if (auto it = cache_.find(key);
          it != cache_.end() && now < it->second.claims.exp) {
        cache_hits_.fetch_add(1, std::memory_order_relaxed);
        return it->second.claims;
      }
    }
    keys = keys_;
    generation = keys_generation_;
  }

  verifications_.fetch_add(1, std::memory_order_relaxed);
  absl::StatusOr<Claims> claims = VerifyToken(token, *keys, now);

  absl::MutexLock lock(&mu_);
  if (!claims.ok()) {
    // An entry that was skipped above because it expired.
    if (auto it = cache_.find(key); !key.empty() && it != cache_.end()) {
      EraseLocked(it);
    }
    return claims;
  }
  if (revoked_.contains(claims->jti)) {
    return absl::UnauthenticatedError("token revoked");
  }
  if (generation == keys_generation_ && max_cache_entries_ > 0) {
    InsertLocked(key, *claims, now);
  }
  return claims;
}

void TokenVerifier::InsertLocked(const std::string& key, const Claims& claims,
                                 absl::Time now) {
  if (cache_.contains(key)) return;  // Another thread verified it meanwhile.
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
    EraseLocked(cache_.find(by_expiry_.begin()->second));
  }
  while (cache_.size() >= max_cache_entries_) {
    EraseLocked(cache_.find(by_expiry_.begin()->second));
  }
  const auto by_expiry = by_expiry_.emplace(claims.exp, key);
  cache_.emplace(key, Entry{.claims = claims, .by_expiry = by_expiry});
}

void TokenVerifier::EraseLocked(
    absl::flat_hash_map<std::string, Entry>::iterator it) {
  by_expiry_.erase(it->second.by_expiry);
  cache_.erase(it);
}

void TokenVerifier::SetKeys(KeySet keys) {
  auto next = std::make_shared<const KeySet>(std::move(keys));
  absl::MutexLock lock(&mu_);
  for (auto it = cache_.begin(); it != cache_.end();) {
    const std::string& kid = it->second.claims.kid;
    const std::string* before = keys_->Find(kid);
    const std::string* after = next->Find(kid);
    if (before == nullptr || after == nullptr || *before != *after) {
      EraseLocked(it++);
    } else {
      ++it;
    }
  }
  keys_ = std::move(next);
  ++keys_generation_;
}

void TokenVerifier::SetRevoked(std::vector<std::string> jtis) {
  absl::flat_hash_set<std::string> revoked(
      std::make_move_iterator(jtis.begin()),
      std::make_move_iterator(jtis.end()));
  absl::MutexLock lock(&mu_);
  revoked_ = std::move(revoked);
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (revoked_.contains(it->second.claims.jti)) {
      EraseLocked(it++);
    } else {
      ++it;
    }
  }
}

TokenVerifier::Stats TokenVerifier::stats() const {
  absl::ReaderMutexLock lock(&mu_);
  return Stats{.cache_hits = cache_hits_.load(std::memory_order_relaxed),
               .verifications = verifications_.load(std::memory_order_relaxed),
               .cache_entries = cache_.size()};
}

}  // namespace relief::auth
