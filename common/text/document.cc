#include "common/text/document.h"

#include <unicode/uchar.h>

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/text/internal/unicode.h"
#include "common/text/vn_text.h"

namespace relief::text {
namespace {

// GSO codes of the 63 provinces in force before the 2025 reform; a CCCD's
// first three digits are "0" + one of them.
constexpr std::array<absl::string_view, 63> kProvinceCodes = {
    "01", "02", "04", "06", "08", "10", "11", "12", "14", "15", "17",
    "19", "20", "22", "24", "25", "26", "27", "30", "31", "33", "34",
    "35", "36", "37", "38", "40", "42", "44", "45", "46", "48", "49",
    "51", "52", "54", "56", "58", "60", "62", "64", "66", "67", "68",
    "70", "72", "74", "75", "77", "79", "80", "82", "83", "84", "86",
    "87", "89", "91", "92", "93", "94", "95", "96"};

// Placeholders, as MatchKey() letters and digits only ("chưa có" -> CHUACO).
constexpr std::array<std::u32string_view, 14> kPlaceholders = {
    U"0",       U"X",       U"NA",       U"NONE",    U"NULL",
    U"NIL",     U"CHUA",    U"CHUACO",   U"CHUACAP", U"KHONG",
    U"KHONGCO", U"KHONGRO", U"KHONGNHO", U"DANGLAM"};

absl::Status Invalid(absl::string_view reason) {
  return absl::InvalidArgumentError(reason);
}

bool AllSame(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [&](char c) { return c == s.front(); });
}

bool AllDigits(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

// Refuses spreadsheet placeholders and all-same-digit numbers in `nfkc`.
absl::Status CheckNotPlaceholder(absl::string_view nfkc) {
  std::u32string compact;
  for (char32_t c : internal::DecodeUtf8(MatchKey(nfkc))) {
    if (u_isalnum(c)) compact.push_back(c);
  }
  const bool repeated =
      compact.size() >= 2 &&
      compact.find_first_not_of(compact[0]) == std::u32string::npos;
  if (repeated && u_isdigit(compact[0])) {
    return Invalid("has all digits the same");
  }
  if (compact.empty() || repeated ||
      std::find(kPlaceholders.begin(), kPlaceholders.end(), compact) !=
          kPlaceholders.end()) {
    return Invalid("is a placeholder, not a document number");
  }
  return absl::OkStatus();
}

// Letters and digits of a key kind's number: separators removed, ASCII
// letters upper-cased. Any other character is kept (and then refused).
std::string RemoveSeparators(absl::string_view nfkc) {
  std::string out;
  for (char32_t c : internal::DecodeUtf8(nfkc)) {
    if (internal::IsWhiteSpace(c) || c == U'.' || internal::IsDash(c)) continue;
    internal::AppendUtf8(c, &out);
  }
  absl::AsciiStrToUpper(&out);
  return out;
}

absl::Status CheckTwelveDigitId(absl::string_view digits) {
  if (digits.size() != 12) return Invalid("must be 12 digits");
  const absl::string_view province = digits.substr(1, 2);
  if (digits[0] != '0' ||
      std::find(kProvinceCodes.begin(), kProvinceCodes.end(), province) ==
          kProvinceCodes.end()) {
    return Invalid("does not start with a province code");
  }
  if (digits[3] > '5') return Invalid("has an invalid century/sex digit");
  return absl::OkStatus();
}

absl::StatusOr<NormalizedDocument> NormalizePassport(std::string number) {
  const size_t letters = static_cast<size_t>(
      std::find_if(number.begin(), number.end(), absl::ascii_isdigit) -
      number.begin());
  const absl::string_view digits = absl::string_view(number).substr(letters);
  if (number.size() < 7 || number.size() > 9 || letters < 1 || letters > 2 ||
      !std::all_of(number.begin(), number.begin() + letters,
                   absl::ascii_isupper) ||
      !AllDigits(digits)) {
    return Invalid(
        "must be 1 or 2 letters followed by digits, 7 to 9 characters");
  }
  if (AllSame(digits)) return Invalid("has all digits the same");
  std::string key = absl::StrCat("PP:", number);
  return NormalizedDocument{std::move(number), std::move(key)};
}

absl::StatusOr<NormalizedDocument> NormalizeKeyKind(DocumentKind kind,
                                                    absl::string_view nfkc) {
  std::string number = RemoveSeparators(nfkc);
  if (kind == DocumentKind::kPassport) {
    return NormalizePassport(std::move(number));
  }
  if (!AllDigits(number)) return Invalid("must contain only digits");
  if (kind == DocumentKind::kCmnd && number.size() == 9) {
    std::string key = absl::StrCat("CMND9:", number);
    return NormalizedDocument{std::move(number), std::move(key)};
  }
  if (kind == DocumentKind::kCmnd && number.size() != 12) {
    return Invalid("must be 9 or 12 digits");
  }
  if (absl::Status s = CheckTwelveDigitId(number); !s.ok()) return s;
  std::string key = absl::StrCat("ID12:", number);
  return NormalizedDocument{std::move(number), std::move(key)};
}

absl::StatusOr<NormalizedDocument> NormalizeOtherKind(absl::string_view nfkc) {
  std::string number;
  size_t chars = 0;
  bool pending_space = false;
  for (char32_t c : internal::DecodeUtf8(nfkc)) {
    if (internal::IsWhiteSpace(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !number.empty()) {
      number.push_back(' ');
      ++chars;
    }
    pending_space = false;
    internal::AppendUtf8(c, &number);
    ++chars;
  }
  if (chars > kMaxOtherDocumentChars) {
    return Invalid(
        absl::StrCat("longer than ", kMaxOtherDocumentChars, " characters"));
  }
  return NormalizedDocument{std::move(number), ""};
}

}  // namespace

absl::StatusOr<NormalizedDocument> NormalizeDocument(DocumentKind kind,
                                                     absl::string_view number) {
  if (number.size() > kMaxInputBytesPerChar * kMaxOtherDocumentChars) {
    return Invalid(
        absl::StrCat("longer than ", kMaxOtherDocumentChars, " characters"));
  }
  if (!IsValidUtf8(number)) return Invalid("is not valid UTF-8");
  const std::string nfkc = internal::ToNfkc(number);
  bool blank = true;
  for (char32_t c : internal::DecodeUtf8(nfkc)) {
    if (internal::IsWhiteSpace(c)) continue;
    if (const char* reason = internal::ForbiddenCharReason(c)) {
      return Invalid(reason);
    }
    blank = false;
  }
  if (blank) return Invalid("must not be empty");
  if (absl::Status s = CheckNotPlaceholder(nfkc); !s.ok()) return s;

  switch (kind) {
    case DocumentKind::kCccd:
    case DocumentKind::kCmnd:
    case DocumentKind::kPassport:
      return NormalizeKeyKind(kind, nfkc);
    case DocumentKind::kHouseholdBook:
    case DocumentKind::kResidenceConfirmation:
    case DocumentKind::kOther:
      return NormalizeOtherKind(nfkc);
  }
  return Invalid("has an unknown document kind");
}

std::vector<std::string> CheckIdNumberConsistency(
    absl::string_view twelve_digits, int birth_year,
    std::optional<bool> is_female) {
  if (twelve_digits.size() != 12 || !AllDigits(twelve_digits)) {
    return {"cannot check the identity number: it is not 12 digits"};
  }
  const int code = twelve_digits[3] - '0';
  if (code > 5) {
    return {absl::StrCat("the identity number's century/sex digit ", code,
                         " is not one of 0 to 5")};
  }
  std::vector<std::string> warnings;
  const int encoded_year = 1900 + (code / 2) * 100 +
                           (twelve_digits[4] - '0') * 10 +
                           (twelve_digits[5] - '0');
  if (birth_year > 0 && birth_year != encoded_year) {
    warnings.push_back(absl::StrCat("birth year ", birth_year,
                                    " does not match the identity number, "
                                    "which encodes ",
                                    encoded_year));
  }
  const bool encoded_female = code % 2 == 1;
  if (is_female.has_value() && *is_female != encoded_female) {
    warnings.push_back(
        absl::StrCat("sex ", *is_female ? "female" : "male",
                     " does not match the identity number, which encodes ",
                     encoded_female ? "female" : "male"));
  }
  return warnings;
}

}  // namespace relief::text
