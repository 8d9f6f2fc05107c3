#include "common/text/vn_text.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/text/internal/unicode.h"

namespace relief::text {
namespace {

using internal::AppendUtf8;
using internal::DecodeUtf8;
using internal::IsCombiningMark;
using internal::IsLineBreak;
using internal::IsWhiteSpace;

absl::Status TooLong(size_t max_chars) {
  return absl::InvalidArgumentError(
      absl::StrCat("longer than ", max_chars, " characters"));
}

// The shared body of NormalizeName and NormalizeFreeText.
absl::StatusOr<std::string> NormalizeText(absl::string_view in,
                                          size_t max_chars,
                                          bool keep_line_breaks) {
  // Cheap refusal of huge inputs (the product cannot overflow).
  if (max_chars <= SIZE_MAX / kMaxInputBytesPerChar &&
      in.size() > max_chars * kMaxInputBytesPerChar) {
    return TooLong(max_chars);
  }
  if (!IsValidUtf8(in)) return absl::InvalidArgumentError("is not valid UTF-8");

  const std::u32string text = DecodeUtf8(internal::ToNfc(in));
  std::string out;
  out.reserve(in.size());
  size_t chars = 0;
  bool pending_space = false;
  int pending_line_breaks = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    if (IsWhiteSpace(c)) {
      if (keep_line_breaks && IsLineBreak(c)) {
        // CR LF is one line break.
        if (!(c == U'\r' && i + 1 < text.size() && text[i + 1] == U'\n')) {
          ++pending_line_breaks;
        }
      } else {
        pending_space = true;
      }
      continue;
    }
    if (const char* reason = internal::ForbiddenCharReason(c)) {
      return absl::InvalidArgumentError(reason);
    }
    const bool after_separator =
        out.empty() || pending_space || pending_line_breaks > 0;
    if (after_separator && IsCombiningMark(c)) {
      return absl::InvalidArgumentError(
          "contains a combining mark with no letter before it");
    }
    if (!out.empty()) {
      if (pending_line_breaks > 0) {
        out.append(pending_line_breaks, '\n');
        chars += pending_line_breaks;
      } else if (pending_space) {
        out.push_back(' ');
        ++chars;
      }
    }
    pending_space = false;
    pending_line_breaks = 0;
    AppendUtf8(c, &out);
    ++chars;
  }
  if (out.empty()) return absl::InvalidArgumentError("must not be empty");
  if (chars > max_chars) return TooLong(max_chars);
  return out;
}

// ---- LooksLikeLegacyEncoding ----------------------------------------------

// Latin-1 symbols TCVN3 (ABC) uses for Vietnamese letters: ă â ê ô ơ ư đ, their
// capitals, and toned letters (µ = à, ¹ = ạ, ¨ = ă ...). U+00AD (ư) included.
bool IsTcvn3Symbol(char32_t c) {
  return (c >= 0xA1 && c <= 0xAE) || (c >= 0xB5 && c <= 0xB9) ||
         (c >= 0xBB && c <= 0xBE) || c == 0xD7 || c == 0xF7;
}

bool Contains(std::u32string_view set, char32_t c) {
  return set.find(c) != std::u32string_view::npos;
}

// The Latin-1 letters Vietnamese writing uses.
constexpr std::u32string_view kVietnameseLatin1Lower = U"àáâãèéêìíòóôõùúý";

// Latin-1 letters (U+00C0..U+00FF) Vietnamese does not use.
bool IsForeignLatin1Letter(char32_t c) {
  return c >= 0xC0 && c <= 0xFF && c != 0xD7 && c != 0xF7 &&
         !Contains(kVietnameseLatin1Lower, u_tolower(c));
}

// The lower-case base letter of `c` ("ệ" -> 'e', "Ư" -> 'u').
char32_t BaseLetter(char32_t c) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status)) std::abort();
  icu::UnicodeString decomposition;
  if (nfd->getDecomposition(c, decomposition)) c = decomposition.char32At(0);
  return u_tolower(c);
}

bool IsVowel(char32_t c) { return Contains(U"aeiouy", BaseLetter(c)); }

// Points of evidence (see the header) that the character at `i` is part of
// legacy-encoded text.
int LegacyEvidenceAt(const std::u32string& text, size_t i) {
  const char32_t c = text[i];
  const char32_t prev = i > 0 ? text[i - 1] : 0;
  const char32_t next = i + 1 < text.size() ? text[i + 1] : 0;
  const bool prev_is_letter = i > 0 && u_isalpha(prev);
  const bool next_is_letter = i + 1 < text.size() && u_isalpha(next);

  // TCVN3: "V¨n", "Lª", "§Æng".
  if (IsTcvn3Symbol(c)) return prev_is_letter || next_is_letter ? 2 : 0;
  // VNI đ, ư, marks; TCVN3 toned letters: "Ñaëng", "Höông", "Hång".
  if (IsForeignLatin1Letter(c)) return (c == U'ñ' || c == U'Ñ') ? 1 : 2;
  if (!prev_is_letter) return 0;
  const char32_t p = u_tolower(prev);
  const char32_t lc = u_tolower(c);
  // TCVN3 toned letters are upper-case Latin-1 codes: "NguyÔn".
  if (u_islower(prev) && c >= 0xC0 && c <= 0xDE && u_isupper(c)) return 2;
  // VNI sắc/ngã after a vowel ("Lyù" = Lý, "Thaùi" = Thái); TCVN3 "Huúnh"
  // (Huỳnh). "giùm", "giúp" are real words, hence not after i.
  if (Contains(U"ùúõ", lc) && IsVowel(prev) && BaseLetter(prev) != U'i') {
    return 2;
  }
  // VNI ô = "oâ".
  if (p == U'o' && lc == U'â') return 2;
  // VNI: a/e carry the mark themselves in Vietnamese, so "aê" (ă), "eã" (ễ)
  // are impossible. Minority spellings have vowel runs ("Laêê"): weaker then.
  if ((p == U'a' || p == U'e') && Contains(kVietnameseLatin1Lower, lc)) {
    return next != 0 && IsVowel(next) ? 1 : 2;
  }
  return 0;
}

}  // namespace

absl::StatusOr<std::string> NormalizeName(absl::string_view in,
                                          size_t max_chars) {
  return NormalizeText(in, max_chars, /*keep_line_breaks=*/false);
}

absl::StatusOr<std::string> NormalizeFreeText(absl::string_view in,
                                              size_t max_chars) {
  return NormalizeText(in, max_chars, /*keep_line_breaks=*/true);
}

std::string MatchKey(absl::string_view text) {
  icu::UnicodeString upper = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  upper.toUpper(icu::Locale::getRoot());
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status)) std::abort();
  const icu::UnicodeString decomposed = nfd->normalize(upper, status);
  if (U_FAILURE(status)) std::abort();

  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (int32_t i = 0; i < decomposed.length();) {
    const UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (IsWhiteSpace(c)) {
      pending_space = true;
      continue;
    }
    if (IsCombiningMark(c) ||
        u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) {
      continue;
    }
    if (pending_space && !out.empty()) out.push_back(' ');
    pending_space = false;
    // Đ (U+0110), Icelandic Ð (U+00D0, often typed for Đ), African Ɖ (U+0189).
    if (c == 0x0110 || c == 0x00D0 || c == 0x0189) {
      out.push_back('D');
    } else {
      AppendUtf8(c, &out);
    }
  }
  return out;
}

std::string FoldCase(absl::string_view text) {
  icu::UnicodeString upper = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  upper.toUpper(icu::Locale::getRoot());
  std::string utf8;
  upper.toUTF8String(utf8);
  std::string out;
  out.reserve(utf8.size());
  bool pending_space = false;
  for (char32_t c : DecodeUtf8(internal::ToNfc(utf8))) {
    if (IsWhiteSpace(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty()) out.push_back(' ');
    pending_space = false;
    AppendUtf8(c, &out);
  }
  return out;
}

bool LooksLikeLegacyEncoding(absl::string_view text) {
  int evidence = 0;
  const std::u32string code_points =
      DecodeUtf8(IsValidUtf8(text) ? internal::ToNfc(text) : std::string(text));
  for (size_t i = 0; i < code_points.size() && evidence < 2; ++i) {
    if (code_points[i] < 0x80) continue;  // ASCII is never evidence.
    evidence += LegacyEvidenceAt(code_points, i);
  }
  return evidence >= 2;
}

bool IsValidUtf8(absl::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    UChar32 c;
    U8_NEXT(s, i, text.size(), c);
    if (c < 0) return false;
  }
  return true;
}

}  // namespace relief::text
