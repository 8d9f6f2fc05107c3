// Signing keys at rest. A key file is JSON:
//
//   {"keys":[{"kid":"k1","public":"<base64>","secret":"<base64>"}, ...]}
//
// base64 is RFC 4648 §4 with padding. "public" is the 32-byte Ed25519 public
// key; "secret", present only where tokens are minted (the registry,
// `reliefctl token bootstrap`), is libsodium's 64-byte secret key. Every
// service verifying tokens needs only the public halves; several entries
// make rotation possible (old and new kid accepted side by side).
//
// Secrets never appear in a Status message or a log line.
#ifndef RELIEF_COMMON_AUTH_KEY_FILE_H_
#define RELIEF_COMMON_AUTH_KEY_FILE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/token.h"

namespace relief::auth {

// One entry of a key file.
struct KeyPair {
  // IsValidKeyId.
  std::string kid;
  // 32 raw bytes.
  std::string public_key;
  // 64 raw bytes (libsodium: seed || public key), or empty for an entry that
  // only verifies.
  std::string secret_key;

  friend bool operator==(const KeyPair&, const KeyPair&) = default;
};

// A parsed key file: kids unique, every key well formed, every secret the
// partner of its public key.
struct KeyFile {
  std::vector<KeyPair> keys;

  // The public halves of every entry.
  KeySet PublicKeys() const;
  // The signing key for `kid`. NOT_FOUND when there is no such entry,
  // FAILED_PRECONDITION when the entry has no secret.
  absl::StatusOr<SigningKey> SigningKeyFor(absl::string_view kid) const;

  friend bool operator==(const KeyFile&, const KeyFile&) = default;
};

// A fresh Ed25519 key pair from libsodium's CSPRNG. INVALID_ARGUMENT when
// `kid` is not IsValidKeyId; INTERNAL when libsodium cannot initialise.
// Thread-safe.
absl::StatusOr<KeyPair> GenerateKeyPair(absl::string_view kid);

// The key file in `json`. INVALID_ARGUMENT naming the offending place
// ("keys[1].secret: must be base64 of 64 bytes", "key file: not valid JSON
// (byte 17)"); unknown members, repeated members and repeated kids are
// refused. The message names members but never quotes a value (nor the JSON
// parser's excerpt of the input). Thread-safe.
absl::StatusOr<KeyFile> ParseKeyFile(absl::string_view json);

// `file` as key file JSON (pretty-printed, entries in the given order).
// Contains the secrets: write it only where ParseKeyFile's caller reads it.
std::string SerializeKeyFile(const KeyFile& file);

// ParseKeyFile on the contents of `path`. NOT_FOUND when the file does not
// exist, PERMISSION_DENIED when it cannot be read, otherwise as ParseKeyFile
// with the path prefixed to the message.
absl::StatusOr<KeyFile> LoadKeyFile(const std::string& path);

// Writes `file` to `path` atomically (a temporary file in the same
// directory, fsync, rename) with mode 0600, replacing any existing file.
// Errors map errno (PERMISSION_DENIED, NOT_FOUND for a missing directory,
// ...). Not safe to call concurrently for the same path.
absl::Status SaveKeyFile(const std::string& path, const KeyFile& file);

}  // namespace relief::auth

#endif  // RELIEF_COMMON_AUTH_KEY_FILE_H_
