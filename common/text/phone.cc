#include "common/text/phone.h"

#include <array>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/text/internal/unicode.h"
#include "common/text/vn_text.h"

namespace relief::text {
namespace {

// More than this many bytes is refused before any other work.
constexpr size_t kMaxPhoneInputBytes = 64;

struct PrefixChange {
  absl::string_view old_prefix;  // National, without the leading 0.
  absl::string_view new_prefix;
};

// The 2018 conversion of 11-digit mobile numbers to 10 digits.
constexpr std::array<PrefixChange, 21> kOldMobilePrefixes = {{
    {"120", "70"}, {"121", "79"}, {"122", "77"}, {"126", "76"}, {"128", "78"},
    {"123", "83"}, {"124", "84"}, {"125", "85"}, {"127", "81"}, {"129", "82"},
    {"162", "32"}, {"163", "33"}, {"164", "34"}, {"165", "35"}, {"166", "36"},
    {"167", "37"}, {"168", "38"}, {"169", "39"}, {"186", "56"}, {"188", "58"},
    {"199", "59"},
}};

absl::Status Invalid(absl::string_view reason) {
  return absl::InvalidArgumentError(reason);
}

// The digits of `nfkc` with separators removed; `plus` says whether it
// started with "+".
absl::StatusOr<std::string> Digits(absl::string_view nfkc, bool* plus) {
  std::string digits;
  *plus = false;
  bool seen_anything = false;
  for (char32_t c : internal::DecodeUtf8(nfkc)) {
    if (internal::IsWhiteSpace(c) || c == U'.' || c == U'(' || c == U')' ||
        internal::IsDash(c)) {
      continue;
    }
    if (c == U'+' && !seen_anything) {
      *plus = true;
    } else if (c >= U'0' && c <= U'9') {
      digits.push_back(static_cast<char>(c));
    } else {
      return Invalid(
          "contains characters other than digits, spaces, dots, dashes, "
          "parentheses and a leading +");
    }
    seen_anything = true;
  }
  return digits;
}

}  // namespace

absl::StatusOr<std::string> NormalizePhone(absl::string_view in) {
  if (in.size() > kMaxPhoneInputBytes) return Invalid("is too long");
  if (!IsValidUtf8(in)) return Invalid("is not valid UTF-8");
  bool plus = false;
  absl::StatusOr<std::string> digits = Digits(internal::ToNfkc(in), &plus);
  if (!digits.ok()) return digits.status();
  if (digits->empty()) return Invalid("must not be empty");

  // The national significant number: without country code or trunk 0.
  absl::string_view nsn = *digits;
  bool international = true;
  if (plus) {
    if (!absl::ConsumePrefix(&nsn, "84")) {
      return Invalid("is not a Vietnamese number (+84)");
    }
  } else if (!absl::ConsumePrefix(&nsn, "0084")) {
    if (absl::ConsumePrefix(&nsn, "0")) {
      international = false;
    } else if (!absl::ConsumePrefix(&nsn, "84")) {
      return Invalid("must start with 0, 84, +84 or 0084");
    }
  }
  // "+84 (0) 912 ...": a trunk 0 after the country code.
  if (international) absl::ConsumePrefix(&nsn, "0");

  if (nsn.empty()) return Invalid("has no digits after the prefix");
  const size_t national_digits = nsn.size() + 1;  // With the trunk 0.
  switch (nsn[0]) {
    case '1': {  // An 11-digit mobile number from before 2018.
      if (national_digits != 11) {
        return Invalid(absl::StrCat("has ", national_digits,
                                    " national digits; old mobile numbers "
                                    "starting 01 had 11"));
      }
      for (const PrefixChange& change : kOldMobilePrefixes) {
        if (absl::ConsumePrefix(&nsn, change.old_prefix)) {
          return absl::StrCat("+84", change.new_prefix, nsn);
        }
      }
      return Invalid("has an 11-digit mobile prefix that was never in use");
    }
    case '2':
      if (national_digits != 11) {
        return Invalid(absl::StrCat("has ", national_digits,
                                    " national digits; landlines have 11"));
      }
      return absl::StrCat("+84", nsn);
    case '3':
    case '5':
    case '7':
    case '8':
    case '9':
      if (national_digits != 10) {
        return Invalid(absl::StrCat("has ", national_digits,
                                    " national digits; mobile numbers have "
                                    "10"));
      }
      return absl::StrCat("+84", nsn);
    default:
      return Invalid(
          "does not start with a mobile (03, 05, 07, 08, 09) or landline (02) "
          "prefix");
  }
}

}  // namespace relief::text
