// libsodium plumbing shared by relief_auth's sources: one-time
// initialisation and strict base64 codecs. Not part of the public API.
#ifndef RELIEF_COMMON_AUTH_INTERNAL_SODIUM_H_
#define RELIEF_COMMON_AUTH_INTERNAL_SODIUM_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace relief::auth::internal {

// Calls sodium_init() once per process (thread-safe). INTERNAL when libsodium
// cannot initialise (no entropy source); every later call returns the same.
absl::Status EnsureSodium();

// RFC 4648 §5 base64url without padding (the JWS encoding).
std::string Base64UrlEncode(absl::string_view bytes);
// Strict inverse of Base64UrlEncode: refuses padding, whitespace, characters
// outside the url-safe alphabet and non-canonical trailing bits. nullopt on
// any of them.
std::optional<std::string> Base64UrlDecode(absl::string_view text);

// RFC 4648 §4 base64 with padding (the key file encoding).
std::string Base64Encode(absl::string_view bytes);
// Strict inverse of Base64Encode; nullopt on anything else.
std::optional<std::string> Base64Decode(absl::string_view text);

}  // namespace relief::auth::internal

#endif  // RELIEF_COMMON_AUTH_INTERNAL_SODIUM_H_
