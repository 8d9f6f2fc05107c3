// Vietnamese text normalisation (DESIGN.md §1 "Names", §4.8), built on ICU.
//
// Store what was written, in NFC; match on MatchKey(). Every function here
// is a pure function of its arguments and safe to call from any thread.
//
// Errors are INVALID_ARGUMENT with a short reason ("must not be empty",
// "contains a bidirectional control character"); the caller prefixes the
// field path.
#ifndef RELIEF_COMMON_TEXT_VN_TEXT_H_
#define RELIEF_COMMON_TEXT_VN_TEXT_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace relief::text {

// Inputs longer than this many bytes per allowed character are refused
// ("longer than N characters") before any other work, so a 1 MB value costs
// a comparison. 8 leaves room for decomposed (NFD, e.g. macOS) Vietnamese,
// where one letter such as "ễ" takes 5 bytes.
inline constexpr size_t kMaxInputBytesPerChar = 8;

// Normalises a person's name or similar short single-line text for storage:
//   - NFC;
//   - every run of Unicode White_Space (space, NBSP, tab, line breaks,
//     ideographic space...) becomes one ASCII space; leading and trailing
//     whitespace is removed.
// Returns INVALID_ARGUMENT when the input
//   - is not valid UTF-8 ("is not valid UTF-8");
//   - contains a control character (C0/C1 other than whitespace), an invisible
//     character (U+200B..U+200D, U+2060..U+2064, U+FEFF, U+00AD, U+180E and
//     every other Default_Ignorable or format character), a bidirectional
//     control (U+200E, U+200F, U+061C, U+202A..U+202E, U+2066..U+2069), a
//     private-use or unassigned code point, or U+FFFD;
//   - has a combining mark with no letter before it (first, or after a space);
//   - is empty after trimming ("must not be empty");
//   - has more than `max_chars` code points after normalisation, or more than
//     kMaxInputBytesPerChar * max_chars bytes
//     ("longer than <max_chars> characters").
absl::StatusOr<std::string> NormalizeName(absl::string_view in,
                                          size_t max_chars = 200);

// As NormalizeName, for multi-line free text (street, notes): line breaks
// (LF, CR, CRLF, VT, FF, NEL, U+2028, U+2029) are kept, each as one "\n";
// whitespace runs inside a line become one space; whitespace at the start and
// end of each line and of the text is removed. Same errors as NormalizeName.
absl::StatusOr<std::string> NormalizeFreeText(absl::string_view in,
                                              size_t max_chars);

// The matching key of DESIGN.md §4.8: upper-case (root locale), NFD, combining
// marks dropped, Đ/đ (and the look-alikes Ð/ð U+00D0/U+00F0, Ɖ/ɖ) -> "D",
// invisible characters dropped, whitespace runs collapsed to one ASCII space,
// trimmed. "Nguyễn  Văn An" -> "NGUYEN VAN AN". Mark-only differences
// ("Hùng"/"Hưng") give the same key. `text` should be valid UTF-8 (invalid
// sequences become U+FFFD).
std::string MatchKey(absl::string_view text);

// Upper-case (root locale), NFC, whitespace runs collapsed to one ASCII
// space, trimmed; marks kept: "Nguyễn  văn Hùng" -> "NGUYỄN VĂN HÙNG". Two
// spellings with the same MatchKey and different FoldCase differ only by
// marks (Hùng/Hưng).
std::string FoldCase(absl::string_view text);

// Heuristic: true when `text` looks like Vietnamese typed in a legacy 8-bit
// encoding (TCVN3/ABC or VNI-Windows) and then read as Windows-1252/Latin-1:
// VNI "Nguyeãn Vaên An", TCVN3 "NguyÔn V¨n An". Always false on ASCII. Built
// to be false on Vietnamese written with Vietnamese letters (NFC or NFD),
// barring a Latin-1 capital inside a lower-case word ("hÀ"). Measured: no
// false positive on the 10,599 commune paths and 66,576 generated full names,
// each as written and upper-cased; 2.3 % of those names' VNI/TCVN3 forms are
// missed. Minority spellings such as "Laêê" (a commune) or "H'Hen Niê" pass.
//
// Evidence, each worth 2 points unless noted; true from 2 points:
//   - a Latin-1 symbol TCVN3 uses for letters (U+00A1..U+00AE,
//     U+00B5..U+00B9, U+00BB..U+00BE, ×, ÷) next to a letter: "V¨n", "Lª";
//   - a Latin-1 letter Vietnamese does not use (ä å æ ç ë î ï ð ö ø û ü þ ß ÿ
//     and capitals), ñ/Ñ only 1 point;
//   - a VNI mark sequence no Vietnamese word has: a/e + a marked vowel
//     ("Vaên", "Nguyeãn"; 1 point when another vowel follows), a vowel other
//     than i + ù/ú/õ ("Lyù"), "oâ" ("Hoâ");
//   - an upper-case Latin-1 letter right after a lower-case letter
//     ("NguyÔn", "TrÇn").
// A short value can be legacy text this misses (VNI "Thò" is both "Thị" and a
// real word); apply it to whole columns. Names in languages using the letters
// above ("Müller") do return true.
bool LooksLikeLegacyEncoding(absl::string_view text);

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or
// code points above U+10FFFF).
bool IsValidUtf8(absl::string_view text);

}  // namespace relief::text

#endif  // RELIEF_COMMON_TEXT_VN_TEXT_H_
