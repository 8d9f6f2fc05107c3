// An Ed25519 signing key (libsodium), shared by tokens and audit
// checkpoints.
#ifndef RELIEF_COMMON_BASE_SIGNING_KEY_H_
#define RELIEF_COMMON_BASE_SIGNING_KEY_H_

#include <string>

namespace relief {

// `secret_key` is libsodium's 64-byte Ed25519 secret key (seed followed by
// the public key). Never log it.
struct SigningKey {
  std::string kid;
  std::string secret_key;
};

}  // namespace relief

#endif  // RELIEF_COMMON_BASE_SIGNING_KEY_H_
