// Identity-document numbers (DESIGN.md §1 "Facts the code relies on"): the
// normalised number a clerk sees and the hard key duplicate detection uses.
//
// Every function here is a pure function of its arguments and safe to call
// from any thread. Errors are INVALID_ARGUMENT with a short reason; the caller
// prefixes the field path.
#ifndef RELIEF_COMMON_TEXT_DOCUMENT_H_
#define RELIEF_COMMON_TEXT_DOCUMENT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace relief::text {

enum class DocumentKind {
  kCccd,                   // Citizen identity card (căn cước công dân).
  kCmnd,                   // People's identity card (chứng minh nhân dân).
  kPassport,               // Vietnamese passport.
  kHouseholdBook,          // Sổ hộ khẩu.
  kResidenceConfirmation,  // Giấy xác nhận cư trú.
  kOther,
};

// The longest number accepted for household books, residence confirmations
// and other papers, in characters after normalisation.
inline constexpr size_t kMaxOtherDocumentChars = 64;

struct NormalizedDocument {
  // CCCD/CMND: the digits. Passport: upper-case letters and digits. Other
  // kinds: the text as written, NFKC, whitespace collapsed, trimmed.
  std::string number;
  // The hard key: "ID12:<12 digits>" (CCCD, 12-digit CMND), "CMND9:<9
  // digits>", "PP:<passport>"; "" for kinds that are never keys.
  std::string key;

  friend bool operator==(const NormalizedDocument&,
                         const NormalizedDocument&) = default;
};

// Normalises a document number as typed or imported.
//
// All kinds: the input is read after NFKC (full-width digits and letters,
// NBSP...). Invisible, bidi-control and control characters are refused as by
// NormalizeName. Spreadsheet placeholders are refused ("is a placeholder, not
// a document number"): empty after removing punctuation ("-", "?", "..."),
// "0", "x", "n/a", "na", "none", "null", "chưa có", "chưa", "chưa cấp",
// "không", "không có", "không rõ", "không nhớ", "đang làm" (with or without
// marks, any case), and one letter repeated ("xxx"). A number whose digits
// are all the same ("000000000", "111111111111") is refused as "has all
// digits the same".
//
// CCCD, CMND, passport (key kinds): whitespace of any kind, dots and dashes
// (Pd: '-', U+2010..U+2015, ...; and U+2212) are separators and removed.
// Slashes are NOT removed: a slash is refused like any other non-digit,
// because no key number contains one and "12/05/1990" in the wrong column
// must not become a number.
//   - CCCD: exactly 12 digits ("must be 12 digits"); the first three are "0"
//     plus one of the 63 GSO province codes in force before 2025 ("does not
//     start with a province code"); the fourth (century/sex) is 0..5 ("has an
//     invalid century/sex digit"). Key "ID12:" + digits.
//   - CMND: 9 digits, key "CMND9:" + digits; or 12 digits, checked as a CCCD
//     and keyed "ID12:" + digits (the CCCD later issued to the same person
//     carries the same number). Otherwise "must be 9 or 12 digits".
//   - Passport: 7..9 characters, 1 or 2 letters then digits ("C1234567"),
//     upper-cased ("must be 1 or 2 letters followed by digits, 7 to 9
//     characters"). Key "PP:" + number.
// Household book, residence confirmation, other: slashes, dots and dashes are
// part of such numbers ("123/HK-UBND") and kept; whitespace runs become one
// space, trimmed; 1..kMaxOtherDocumentChars characters ("longer than 64
// characters"). Key "".
// Also INVALID_ARGUMENT: not valid UTF-8, empty ("must not be empty").
absl::StatusOr<NormalizedDocument> NormalizeDocument(DocumentKind kind,
                                                     absl::string_view number);

// Consistency of a 12-digit personal identification number (CCCD or 12-digit
// CMND, as returned in NormalizedDocument::number) with a person's birth year
// and sex: the fourth digit encodes century and sex (1900s male 0 female 1,
// 2000s 2/3, 2100s 4/5) and the fifth and sixth the last two digits of the
// birth year. Returns human-readable English warnings, empty when consistent.
// A warning is evidence for a clerk, never a reason to refuse. `birth_year`
// <= 0 means unknown and `is_female` std::nullopt means sex unknown: those
// parts are not checked. A value that is not 12 ASCII digits gives one
// warning saying it cannot be checked.
std::vector<std::string> CheckIdNumberConsistency(
    absl::string_view twelve_digits, int birth_year,
    std::optional<bool> is_female);

}  // namespace relief::text

#endif  // RELIEF_COMMON_TEXT_DOCUMENT_H_
