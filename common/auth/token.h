// Signed bearer tokens (DESIGN.md §5): compact JWS (RFC 7515) signed with
// Ed25519 through libsodium.
//
//   base64url(header) "." base64url(claims) "." base64url(signature)
//
// base64url without padding; the header is exactly
// {"alg":"EdDSA","kid":"<kid>","typ":"JWT"}; the signature covers the ASCII
// of the first two segments. Claims are a JSON object (see Claims).
//
// Keys rotate by kid: a KeySet holds every public key currently accepted, so
// tokens signed under an old and a new key verify side by side until the old
// kid is removed.
#ifndef RELIEF_COMMON_AUTH_TOKEN_H_
#define RELIEF_COMMON_AUTH_TOKEN_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/base/signing_key.h"

namespace relief::auth {

// How far in the future a token's iat may lie (the issuer's clock may run
// ahead of ours). exp gets no such allowance.
inline constexpr absl::Duration kMaxClockSkew = absl::Seconds(60);

// Longer tokens are refused before any decoding (gRPC's default metadata
// limit is 8 KiB as well).
inline constexpr size_t kMaxTokenBytes = 4096;

// What a token asserts. A plain value type.
//
// To add a claim: add a member here (std::optional when not every token has
// it), then write, read and check it in token.cc (WriteClaims, ReadClaims,
// CheckClaims). Claims this version does not know are ignored when a token is
// verified (RFC 7519 §4), so issuers may start sending a claim before every
// verifier reads it.
struct Claims {
  // Who issued the token ("relief-registry"). 1..128 printable bytes.
  std::string iss;
  // The named official, partner or service ("officer:252-nguyen.van.a").
  // 1..128 printable bytes.
  std::string sub;
  // One of the roles in roles.h.
  std::string role;
  // The unit code, point id or partner id the holder acts within; empty for
  // province-wide roles. 0..128 printable bytes. For a point operator: empty
  // or equal to `point`.
  std::string scope;
  // Issued at / expires at. Encoded as NumericDate (whole Unix seconds,
  // rounded down when signing), between 1970 and 9999. exp > iat and
  // exp - iat <= MaxTokenLifetime(role).
  absl::Time iat = absl::UnixEpoch();
  absl::Time exp = absl::UnixEpoch();
  // Unique token id, the handle for revocation. 1..128 printable bytes.
  std::string jti;
  // The signing key's id; always equal to the header's kid.
  std::string kid;

  // Point operators only (refused for every other role): the distribution
  // point (required for a point operator), the host province it lies in and
  // the district that owns it. Each 1..64 bytes of [A-Za-z0-9._-].
  std::optional<std::string> point;
  std::optional<std::string> host_province;
  std::optional<std::string> district;

  friend bool operator==(const Claims&, const Claims&) = default;
};

// The Ed25519 key type shared across common/ (common/base/signing_key.h).
using SigningKey = ::relief::SigningKey;

// True when `kid` is 1..64 bytes of [A-Za-z0-9._-].
bool IsValidKeyId(absl::string_view kid);

// The public keys tokens are accepted under, by kid. A value type: const
// methods may be called concurrently; anything else needs external locking.
class KeySet {
 public:
  KeySet() = default;

  // Adds `public_key` (32 raw bytes) under `kid`, replacing any key with that
  // kid. INVALID_ARGUMENT when `kid` is not IsValidKeyId or the key is not 32
  // bytes.
  absl::Status Add(absl::string_view kid, absl::string_view public_key);
  // Removes `kid`; false when it was absent.
  bool Remove(absl::string_view kid);
  // The 32-byte public key for `kid`, or nullptr. Valid until the set is
  // next modified.
  const std::string* Find(absl::string_view kid) const;
  // Every kid, sorted.
  std::vector<std::string> kids() const;
  size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }

  friend bool operator==(const KeySet&, const KeySet&) = default;

 private:
  absl::flat_hash_map<std::string, std::string> keys_;
};

// The compact JWS for `claims`, signed with `key`. `claims.kid` must be empty
// (it is filled in with key.kid) or equal to key.kid.
//
// Errors: INVALID_ARGUMENT when the claims break a rule stated on Claims
// (field path "claims.<name>", e.g. "claims.exp: lifetime exceeds 12h for
// role point_operator") or the key is unusable ("signing_key.kid",
// "signing_key.secret_key"; the secret never appears in the message).
// INTERNAL when libsodium cannot initialise. Thread-safe.
absl::StatusOr<std::string> SignToken(const Claims& claims,
                                      const SigningKey& key);

// The claims of `token` when it is genuine and valid at `now`.
//
// Every failure is UNAUTHENTICATED with a short reason that never echoes the
// token:
//   "malformed token"            not three base64url segments of JSON
//                                objects, a repeated member, a claim of the
//                                wrong type, over kMaxTokenBytes
//   "algorithm must be EdDSA"    alg missing or anything but exactly "EdDSA"
//   "unsupported header field"   a header member besides alg, kid, typ
//                                (e.g. "crit")
//   "token type must be JWT"     typ missing or not "JWT"
//   "unknown key id"             kid not in `keys`
//   "bad signature"              the signature is not 64 bytes or does not
//                                verify under that kid's public key
//   "key id mismatch"            the kid claim differs from the header's
//   "unknown role"
//   "token lifetime exceeds role maximum"
//   "invalid claim <name>"       any other rule stated on Claims
//   "token not yet valid"        iat > now + kMaxClockSkew
//   "token expired"              now >= exp
// The claims are parsed only after the signature has verified. Thread-safe.
absl::StatusOr<Claims> VerifyToken(absl::string_view token, const KeySet& keys,
                                   absl::Time now);

}  // namespace relief::auth

#endif  // RELIEF_COMMON_AUTH_TOKEN_H_
