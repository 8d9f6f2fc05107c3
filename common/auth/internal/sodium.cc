#include "common/auth/internal/sodium.h"

#include <sodium.h>

namespace relief::auth::internal {
namespace {

std::string Encode(absl::string_view bytes, int variant) {
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(),
                    reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  out.resize(out.size() - 1);  // The encoded length counts the trailing NUL.
  return out;
}

std::optional<std::string> Decode(absl::string_view text, int variant) {
  // Every 4 characters carry at most 3 bytes.
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  // No `ignore` characters and no `b64_end`: libsodium then fails unless the
  // whole input is consumed, and it refuses non-zero unused trailing bits.
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()),
                        out.size(), text.data(), text.size(),
                        /*ignore=*/nullptr, &len, /*b64_end=*/nullptr,
                        variant) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

}  // namespace

absl::Status EnsureSodium() {
  // sodium_init() is itself thread-safe; the static makes later calls free.
  static const bool ok = sodium_init() >= 0;
  if (!ok) return absl::InternalError("libsodium failed to initialise");
  return absl::OkStatus();
}

std::string Base64UrlEncode(absl::string_view bytes) {
  return Encode(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

std::optional<std::string> Base64UrlDecode(absl::string_view text) {
  return Decode(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

std::string Base64Encode(absl::string_view bytes) {
  return Encode(bytes, sodium_base64_VARIANT_ORIGINAL);
}

std::optional<std::string> Base64Decode(absl::string_view text) {
  return Decode(text, sodium_base64_VARIANT_ORIGINAL);
}

}  // namespace relief::auth::internal
