#include "common/base/page_token.h"

#include <sodium.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/base/hash.h"
#include "common/base/status.h"

namespace relief {
namespace {

constexpr size_t kBindingBytes = 16;

absl::Status BadToken(absl::string_view why) {
  return InvalidArgument("page_token", why);
}

std::string Mac(absl::string_view key, absl::string_view data) {
  std::string out(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st,
                              reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(
      &st, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  crypto_auth_hmacsha256_final(&st,
                               reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

void PutLength(std::string& out, size_t n) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(n >> (8 * i)));
}

}  // namespace

absl::StatusOr<int> PageSize(int requested) {
  if (requested == 0) return kDefaultPageSize;
  if (requested < 0 || requested > kMaxPageSize) {
    return InvalidArgument("page_size",
                           absl::StrCat("must be 0..", kMaxPageSize));
  }
  return requested;
}

PageTokenCodec::PageTokenCodec(absl::string_view key) : key_(key) {
  if (key_.empty()) {
    if (sodium_init() < 0) abort();
    key_.resize(32);
    randombytes_buf(key_.data(), key_.size());
  }
}

std::string PageTokenCodec::Encode(const std::vector<std::string>& last_key,
                                   absl::string_view binding) const {
  std::string payload = Sha256(binding).substr(0, kBindingBytes);
  for (const std::string& part : last_key) {
    PutLength(payload, part.size());
    payload += part;
  }
  return absl::WebSafeBase64Escape(payload + Mac(key_, payload));
}

absl::StatusOr<std::vector<std::string>> PageTokenCodec::Decode(
    absl::string_view token, absl::string_view binding) const {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) ||
      raw.size() < kBindingBytes + crypto_auth_hmacsha256_BYTES) {
    return BadToken("malformed");
  }
  const std::string payload =
      raw.substr(0, raw.size() - crypto_auth_hmacsha256_BYTES);
  const std::string mac = raw.substr(payload.size());
  if (sodium_memcmp(mac.data(), Mac(key_, payload).data(), mac.size()) != 0) {
    return BadToken("not issued by this service");
  }
  if (payload.substr(0, kBindingBytes) !=
      Sha256(binding).substr(0, kBindingBytes)) {
    return BadToken("belongs to another query or caller");
  }
  std::vector<std::string> parts;
  size_t pos = kBindingBytes;
  while (pos < payload.size()) {
    if (payload.size() - pos < 4) return BadToken("malformed");
    size_t n = 0;
    for (int i = 0; i < 4; ++i) {
      n = (n << 8) | static_cast<unsigned char>(payload[pos + i]);
    }
    pos += 4;
    if (payload.size() - pos < n) return BadToken("malformed");
    parts.push_back(payload.substr(pos, n));
    pos += n;
  }
  return parts;
}

}  // namespace relief
