// Test helpers for code that mints or checks tokens. Header-only; link
// relief_auth and PkgConfig::SODIUM (SignRaw calls libsodium directly).
#ifndef RELIEF_COMMON_AUTH_TESTING_TEST_TOKENS_H_
#define RELIEF_COMMON_AUTH_TESTING_TEST_TOKENS_H_

#include <sodium.h>

#include <initializer_list>
#include <ostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/internal/sodium.h"
#include "common/auth/key_file.h"
#include "common/auth/roles.h"
#include "common/auth/token.h"

namespace relief::auth {

// Lets gMock print Claims in failure messages.
inline void PrintTo(const Claims& c, std::ostream* os) {
  *os << "{iss=" << c.iss << " sub=" << c.sub << " role=" << c.role
      << " scope=" << c.scope << " iat=" << absl::FormatTime(c.iat)
      << " exp=" << absl::FormatTime(c.exp) << " jti=" << c.jti
      << " kid=" << c.kid << " point=" << c.point.value_or("-")
      << " host_province=" << c.host_province.value_or("-")
      << " district=" << c.district.value_or("-") << "}";
}

namespace testing {

// A fresh key pair; aborts the test binary if libsodium fails.
inline KeyPair NewKeyPair(absl::string_view kid) {
  return GenerateKeyPair(kid).value();
}

inline SigningKey SigningKeyOf(const KeyPair& k) {
  return SigningKey{.kid = k.kid, .secret_key = k.secret_key};
}

inline KeySet KeySetOf(std::initializer_list<const KeyPair*> pairs) {
  KeySet set;
  for (const KeyPair* k : pairs) set.Add(k->kid, k->public_key).IgnoreError();
  return set;
}

// Valid claims for `role` issued at `iat`, living one hour (kid left empty
// for SignToken to fill). A point operator gets point "pt-1".
inline Claims TestClaims(absl::Time iat,
                         absl::string_view role = kRoleDistrictOfficer,
                         absl::string_view jti = "jti-1") {
  Claims c{.iss = "relief-test",
           .sub = "officer:243-test",
           .role = std::string(role),
           .scope = "243",
           .iat = iat,
           .exp = iat + absl::Hours(1),
           .jti = std::string(jti)};
  if (role == kRolePointOperator) {
    c.scope = "";
    c.point = "pt-1";
  }
  return c;
}

// "<header_segment>.<claims_segment>.<signature>" with the segments taken
// verbatim (not encoded), signed with `secret_key` (64 bytes; empty → empty
// signature).
inline std::string SignSegments(absl::string_view header_segment,
                                absl::string_view claims_segment,
                                absl::string_view secret_key) {
  const std::string input = absl::StrCat(header_segment, ".", claims_segment);
  if (secret_key.empty()) return input + ".";
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(
      sig, nullptr, reinterpret_cast<const unsigned char*>(input.data()),
      input.size(), reinterpret_cast<const unsigned char*>(secret_key.data()));
  return absl::StrCat(input, ".",
                      internal::Base64UrlEncode(absl::string_view(
                          reinterpret_cast<const char*>(sig), sizeof sig)));
}

// A token over `header_json` and `claims_json` exactly as given, signed with
// `secret_key` (64 bytes; empty → empty signature). Bypasses every check
// SignToken makes, to forge the tokens a verifier must refuse.
inline std::string SignRaw(absl::string_view header_json,
                           absl::string_view claims_json,
                           absl::string_view secret_key) {
  return SignSegments(internal::Base64UrlEncode(header_json),
                      internal::Base64UrlEncode(claims_json), secret_key);
}

}  // namespace testing
}  // namespace relief::auth

#endif  // RELIEF_COMMON_AUTH_TESTING_TEST_TOKENS_H_
