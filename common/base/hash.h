// Hashing used across services (idempotency request hashes, cache keys).
#ifndef RELIEF_COMMON_BASE_HASH_H_
#define RELIEF_COMMON_BASE_HASH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace relief {

// SHA-256 of `data` as 32 raw bytes (libsodium). Thread-safe.
std::string Sha256(absl::string_view data);

// Lower-case hex of `bytes`.
std::string ToHex(absl::string_view bytes);

}  // namespace relief

#endif  // RELIEF_COMMON_BASE_HASH_H_
