#include "common/text/internal/unicode.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace relief::text::internal {
namespace {

std::string Normalize(const icu::Normalizer2* normalizer,
                      absl::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  icu::StringByteSink<std::string> sink(&out);
  UErrorCode status = U_ZERO_ERROR;
  normalizer->normalizeUTF8(
      0, icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())), sink,
      nullptr, status);
  // Only a missing ICU data file or a broken input contract fails here.
  if (U_FAILURE(status)) std::abort();
  return out;
}

}  // namespace

std::u32string DecodeUtf8(absl::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  size_t i = 0;
  while (i < utf8.size()) {
    UChar32 c;
    U8_NEXT_OR_FFFD(s, i, utf8.size(), c);
    out.push_back(static_cast<char32_t>(c));
  }
  return out;
}

void AppendUtf8(char32_t c, std::string* out) {
  uint8_t buf[U8_MAX_LENGTH];
  size_t n = 0;
  U8_APPEND_UNSAFE(buf, n, c);
  out->append(reinterpret_cast<const char*>(buf), n);
}

std::string EncodeUtf8(const std::u32string& text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) AppendUtf8(c, &out);
  return out;
}

std::string ToNfc(absl::string_view utf8) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) std::abort();
  return Normalize(nfc, utf8);
}

std::string ToNfkc(absl::string_view utf8) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(status);
  if (U_FAILURE(status)) std::abort();
  return Normalize(nfkc, utf8);
}

bool IsWhiteSpace(char32_t c) {
  return u_hasBinaryProperty(c, UCHAR_WHITE_SPACE);
}

bool IsLineBreak(char32_t c) {
  return (c >= 0x0A && c <= 0x0D) || c == 0x85 || c == 0x2028 || c == 0x2029;
}

bool IsDash(char32_t c) {
  return u_charType(c) == U_DASH_PUNCTUATION || c == 0x2212;
}

bool IsCombiningMark(char32_t c) {
  return (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0;
}

const char* ForbiddenCharReason(char32_t c) {
  if (c == 0xFFFD) {
    return "contains U+FFFD, the mark of an earlier decoding error";
  }
  if (u_hasBinaryProperty(c, UCHAR_BIDI_CONTROL)) {
    return "contains a bidirectional control character";
  }
  const int8_t type = u_charType(c);
  if (type == U_FORMAT_CHAR ||
      u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) {
    return "contains an invisible character (zero-width, soft hyphen or "
           "similar)";
  }
  if (type == U_CONTROL_CHAR) return "contains a control character";
  if (type == U_PRIVATE_USE_CHAR) return "contains a private-use character";
  if (type == U_UNASSIGNED || type == U_SURROGATE) {
    return "contains an unassigned code point";
  }
  return nullptr;
}

}  // namespace relief::text::internal
