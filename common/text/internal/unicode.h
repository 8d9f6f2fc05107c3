// Small ICU wrappers shared by the relief_text sources. Not part of the
// public API: include only from common/text/*.cc.
//
// Thread-safety: every function is safe to call concurrently (ICU's
// normalizer singletons and frozen sets are immutable).
#ifndef RELIEF_COMMON_TEXT_INTERNAL_UNICODE_H_
#define RELIEF_COMMON_TEXT_INTERNAL_UNICODE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace relief::text::internal {

// The code points of `utf8`. Invalid sequences become U+FFFD; callers that
// care check IsValidUtf8 first.
std::u32string DecodeUtf8(absl::string_view utf8);

// Appends `c` to `out` as UTF-8.
void AppendUtf8(char32_t c, std::string* out);
std::string EncodeUtf8(const std::u32string& text);

// NFC / NFKC of `utf8`, which must be valid UTF-8 (shorter than 2 GiB).
std::string ToNfc(absl::string_view utf8);
std::string ToNfkc(absl::string_view utf8);

// Unicode White_Space (includes TAB, LF, CR, NBSP, U+2028, ideographic space).
bool IsWhiteSpace(char32_t c);

// A mandatory line break: LF, VT, FF, CR, NEL, U+2028, U+2029.
bool IsLineBreak(char32_t c);

// Dash punctuation (general category Pd, e.g. '-', U+2010..U+2015) and
// U+2212 MINUS SIGN.
bool IsDash(char32_t c);

// A combining mark (general category Mn, Mc or Me).
bool IsCombiningMark(char32_t c);

// Why `c` may not appear in stored text, as a short message starting with
// "contains ...", or nullptr when it may. White_Space characters are not
// refused here: callers collapse them.
//   bidi controls (Bidi_Control), invisible characters (Default_Ignorable or
//   format Cf: zero-width, soft hyphen, U+180E, U+FEFF, variation selectors),
//   controls (Cc), private-use, unassigned and noncharacters, U+FFFD.
const char* ForbiddenCharReason(char32_t c);

}  // namespace relief::text::internal

#endif  // RELIEF_COMMON_TEXT_INTERNAL_UNICODE_H_
