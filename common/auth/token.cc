#include "common/auth/token.h"

#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/auth/internal/sodium.h"
#include "common/auth/internal/strict_json.h"
#include "common/auth/roles.h"
#include "common/base/status.h"
#include "nlohmann/json.hpp"

namespace relief::auth {
namespace {

using Json = nlohmann::json;

constexpr char kAlgorithm[] = "EdDSA";
constexpr char kType[] = "JWT";
// 9999-12-31T23:59:59Z: NumericDates beyond it are refused.
constexpr int64_t kMaxNumericDate = 253402300799;

// A claim that breaks a rule. `description` completes an INVALID_ARGUMENT
// when signing; `reason` is the UNAUTHENTICATED message when verifying.
struct Problem {
  std::string field;
  std::string description;
  std::string reason;
};

Problem Bad(absl::string_view field, absl::string_view description) {
  return {std::string(field), std::string(description),
          absl::StrCat("invalid claim ", field)};
}

absl::Status Unauthenticated(absl::string_view reason) {
  return absl::UnauthenticatedError(reason);
}

// min_len..max_len bytes, none of them an ASCII control character. (UTF-8
// validity is checked by the JSON writer and reader.)
bool IsPrintable(absl::string_view s, size_t min_len, size_t max_len) {
  if (s.size() < min_len || s.size() > max_len) return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// 1..64 bytes of [A-Za-z0-9._-].
bool IsCode(absl::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

bool IsNumericDate(absl::Time t) {
  const int64_t s = absl::ToUnixSeconds(t);
  return s >= 0 && s <= kMaxNumericDate && absl::FromUnixSeconds(s) == t;
}

// Every rule stated on Claims; nullopt when `c` keeps them all.
std::optional<Problem> CheckClaims(const Claims& c) {
  constexpr absl::string_view kText = "must be 1..128 printable bytes";
  if (!IsPrintable(c.iss, 1, 128)) return Bad("iss", kText);
  if (!IsPrintable(c.sub, 1, 128)) return Bad("sub", kText);
  const std::optional<absl::Duration> max_lifetime = MaxTokenLifetime(c.role);
  if (!max_lifetime.has_value()) {
    return Problem{"role", "unknown role", "unknown role"};
  }
  if (!IsPrintable(c.scope, 0, 128)) {
    return Bad("scope", "must be 0..128 printable bytes");
  }
  constexpr absl::string_view kDate = "must be whole seconds in 1970..9999";
  if (!IsNumericDate(c.iat)) return Bad("iat", kDate);
  if (!IsNumericDate(c.exp)) return Bad("exp", kDate);
  if (c.exp <= c.iat) return Bad("exp", "must be after iat");
  if (c.exp - c.iat > *max_lifetime) {
    return Problem{
        "exp",
        absl::StrCat("lifetime exceeds ", absl::FormatDuration(*max_lifetime),
                     " for role ", c.role),
        "token lifetime exceeds role maximum"};
  }
  if (!IsPrintable(c.jti, 1, 128)) return Bad("jti", kText);
  if (!IsValidKeyId(c.kid)) {
    return Bad("kid", "must be 1..64 bytes of [A-Za-z0-9._-]");
  }
  const std::pair<absl::string_view, const std::optional<std::string>*>
      point_claims[] = {{"point", &c.point},
                        {"host_province", &c.host_province},
                        {"district", &c.district}};
  const bool point_operator = c.role == kRolePointOperator;
  for (const auto& [name, value] : point_claims) {
    if (!value->has_value()) continue;
    if (!point_operator) return Bad(name, "only for role point_operator");
    if (!IsCode(**value)) {
      return Bad(name, "must be 1..64 bytes of [A-Za-z0-9._-]");
    }
  }
  if (point_operator) {
    if (!c.point.has_value()) {
      return Bad("point", "required for role point_operator");
    }
    if (!c.scope.empty() && c.scope != *c.point) {
      return Bad("scope", "must be empty or equal to point");
    }
  }
  return std::nullopt;
}

Json WriteClaims(const Claims& c) {
  Json j = {
      {"iss", c.iss},
      {"sub", c.sub},
      {"role", c.role},
      {"scope", c.scope},
      {"iat", absl::ToUnixSeconds(c.iat)},
      {"exp", absl::ToUnixSeconds(c.exp)},
      {"jti", c.jti},
      {"kid", c.kid},
  };
  if (c.point) j["point"] = *c.point;
  if (c.host_province) j["host_province"] = *c.host_province;
  if (c.district) j["district"] = *c.district;
  return j;
}

bool ReadString(const Json& j, const char* name, std::string& out) {
  const auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

bool ReadOptionalString(const Json& j, const char* name,
                        std::optional<std::string>& out) {
  const auto it = j.find(name);
  if (it == j.end()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

bool ReadNumericDate(const Json& j, const char* name, absl::Time& out) {
  const auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer()) return false;
  if (it->is_number_unsigned() &&
      it->get<uint64_t>() >
          static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return false;
  }
  out = absl::FromUnixSeconds(it->get<int64_t>());
  return true;
}

// The claims in `j`, or nullopt when a known claim is missing or has the
// wrong JSON type. Unknown claims are ignored.
std::optional<Claims> ReadClaims(const Json& j) {
  if (!j.is_object()) return std::nullopt;
  Claims c;
  if (!ReadString(j, "iss", c.iss) || !ReadString(j, "sub", c.sub) ||
      !ReadString(j, "role", c.role) || !ReadString(j, "scope", c.scope) ||
      !ReadNumericDate(j, "iat", c.iat) || !ReadNumericDate(j, "exp", c.exp) ||
      !ReadString(j, "jti", c.jti) || !ReadString(j, "kid", c.kid) ||
      !ReadOptionalString(j, "point", c.point) ||
      !ReadOptionalString(j, "host_province", c.host_province) ||
      !ReadOptionalString(j, "district", c.district)) {
    return std::nullopt;
  }
  return c;
}

// Checks the decoded header; returns the header's kid.
absl::StatusOr<std::string> CheckHeader(const Json& header) {
  if (!header.is_object()) return Unauthenticated("malformed token");
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() ||
      alg->get<std::string>() != kAlgorithm) {
    return Unauthenticated("algorithm must be EdDSA");
  }
  for (const auto& [name, value] : header.items()) {
    if (name != "alg" && name != "kid" && name != "typ") {
      return Unauthenticated("unsupported header field");
    }
  }
  const auto typ = header.find("typ");
  if (typ == header.end() || !typ->is_string() ||
      typ->get<std::string>() != kType) {
    return Unauthenticated("token type must be JWT");
  }
  const auto kid = header.find("kid");
  if (kid == header.end() || !kid->is_string()) {
    return Unauthenticated("malformed token");
  }
  return kid->get<std::string>();
}

}  // namespace

bool IsValidKeyId(absl::string_view kid) { return IsCode(kid); }

absl::Status KeySet::Add(absl::string_view kid, absl::string_view public_key) {
  if (!IsValidKeyId(kid)) {
    return InvalidArgument("kid", "must be 1..64 bytes of [A-Za-z0-9._-]");
  }
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES) {
    return InvalidArgument("public_key", "must be 32 bytes");
  }
  keys_.insert_or_assign(std::string(kid), std::string(public_key));
  return absl::OkStatus();
}

bool KeySet::Remove(absl::string_view kid) {
  const auto it = keys_.find(kid);
  if (it == keys_.end()) return false;
  keys_.erase(it);
  return true;
}

const std::string* KeySet::Find(absl::string_view kid) const {
  const auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : &it->second;
}

std::vector<std::string> KeySet::kids() const {
  std::vector<std::string> out;
  out.reserve(keys_.size());
  for (const auto& [kid, key] : keys_) out.push_back(kid);
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<std::string> SignToken(const Claims& claims,
                                      const SigningKey& key) {
  RELIEF_RETURN_IF_ERROR(internal::EnsureSodium());
  if (!IsValidKeyId(key.kid)) {
    return InvalidArgument("signing_key.kid",
                           "must be 1..64 bytes of [A-Za-z0-9._-]");
  }
  if (key.secret_key.size() != crypto_sign_SECRETKEYBYTES) {
    return InvalidArgument("signing_key.secret_key", "must be 64 bytes");
  }
  {
    // libsodium's secret key is seed || public key and signs with both
    // halves: a mismatch would mint tokens that never verify.
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_seed_keypair(
        pk, sk, reinterpret_cast<const unsigned char*>(key.secret_key.data()));
    const bool match = sodium_memcmp(sk, key.secret_key.data(), sizeof sk) == 0;
    sodium_memzero(sk, sizeof sk);
    if (!match) {
      return InvalidArgument("signing_key.secret_key",
                             "public half does not match the seed");
    }
  }
  if (!claims.kid.empty() && claims.kid != key.kid) {
    return InvalidArgument("claims.kid", "must be empty or the signing key's");
  }

  Claims c = claims;
  c.kid = key.kid;
  // NumericDate is whole seconds.
  c.iat = absl::FromUnixSeconds(absl::ToUnixSeconds(c.iat));
  c.exp = absl::FromUnixSeconds(absl::ToUnixSeconds(c.exp));
  if (std::optional<Problem> p = CheckClaims(c)) {
    return InvalidArgument(absl::StrCat("claims.", p->field), p->description);
  }

  std::string signing_input;
  try {
    const Json header = {{"alg", kAlgorithm}, {"kid", key.kid}, {"typ", kType}};
    // nlohmann orders members by name: {"alg":..,"kid":..,"typ":..}.
    signing_input =
        absl::StrCat(internal::Base64UrlEncode(header.dump()), ".",
                     internal::Base64UrlEncode(WriteClaims(c).dump()));
  } catch (const Json::exception&) {
    // dump() throws only on invalid UTF-8.
    return InvalidArgument("claims", "strings must be valid UTF-8");
  }
  if (signing_input.size() + 1 + 86 > kMaxTokenBytes) {
    return InvalidArgument("claims", absl::StrCat("token would exceed ",
                                                  kMaxTokenBytes, " bytes"));
  }

  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(
      sig, nullptr,
      reinterpret_cast<const unsigned char*>(signing_input.data()),
      signing_input.size(),
      reinterpret_cast<const unsigned char*>(key.secret_key.data()));
  return absl::StrCat(signing_input, ".",
                      internal::Base64UrlEncode(absl::string_view(
                          reinterpret_cast<const char*>(sig), sizeof sig)));
}

absl::StatusOr<Claims> VerifyToken(absl::string_view token, const KeySet& keys,
                                   absl::Time now) {
  RELIEF_RETURN_IF_ERROR(internal::EnsureSodium());
  if (token.empty() || token.size() > kMaxTokenBytes) {
    return Unauthenticated("malformed token");
  }
  const size_t dot1 = token.find('.');
  const size_t dot2 =
      dot1 == absl::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == absl::string_view::npos ||
      token.find('.', dot2 + 1) != absl::string_view::npos) {
    return Unauthenticated("malformed token");
  }
  const absl::string_view signing_input = token.substr(0, dot2);

  // Header: everything needed to pick the key, nothing more.
  const std::optional<std::string> header_bytes =
      internal::Base64UrlDecode(token.substr(0, dot1));
  if (!header_bytes) return Unauthenticated("malformed token");
  const std::optional<Json> header = internal::ParseStrictJson(*header_bytes);
  if (!header) return Unauthenticated("malformed token");
  absl::StatusOr<std::string> kid = CheckHeader(*header);
  if (!kid.ok()) return kid.status();
  const std::string* public_key = keys.Find(*kid);
  if (public_key == nullptr) return Unauthenticated("unknown key id");

  // Signature, before the claims are even decoded.
  const std::optional<std::string> sig =
      internal::Base64UrlDecode(token.substr(dot2 + 1));
  if (!sig) return Unauthenticated("malformed token");
  if (sig->size() != crypto_sign_BYTES ||
      crypto_sign_verify_detached(
          reinterpret_cast<const unsigned char*>(sig->data()),
          reinterpret_cast<const unsigned char*>(signing_input.data()),
          signing_input.size(),
          reinterpret_cast<const unsigned char*>(public_key->data())) != 0) {
    return Unauthenticated("bad signature");
  }

  // Claims.
  const std::optional<std::string> payload =
      internal::Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!payload) return Unauthenticated("malformed token");
  const std::optional<Json> json = internal::ParseStrictJson(*payload);
  if (!json) return Unauthenticated("malformed token");
  std::optional<Claims> claims = ReadClaims(*json);
  if (!claims) return Unauthenticated("malformed token");
  if (claims->kid != *kid) return Unauthenticated("key id mismatch");
  if (std::optional<Problem> p = CheckClaims(*claims)) {
    return Unauthenticated(p->reason);
  }
  if (claims->iat > now + kMaxClockSkew) {
    return Unauthenticated("token not yet valid");
  }
  if (now >= claims->exp) return Unauthenticated("token expired");
  return *std::move(claims);
}

}  // namespace relief::auth
