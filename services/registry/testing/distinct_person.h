// Test data: a name and birth date that differ from one seed to another,
// so that records meant to be different people do not look like duplicates
// to the fuzzy pass (three made-up given-name syllables: two seeds
// rarely share even one syllable).
#ifndef RELIEF_SERVICES_REGISTRY_TESTING_DISTINCT_PERSON_H_
#define RELIEF_SERVICES_REGISTRY_TESTING_DISTINCT_PERSON_H_

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace relief::registry::testing {

inline uint64_t SeedHash(absl::string_view seed) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : seed) h = (h ^ c) * 1099511628211ull;
  return h;
}

// "<family> <three syllables>", e.g. "Trần Khoanh Thuyết Lâm": 22 initials
// x 24 rhymes, so two seeds rarely share even one syllable.
inline std::string DistinctName(absl::string_view family, absl::string_view seed) {
  static constexpr const char* kInitials[] = {
      "B", "C", "Ch", "D", "Đ", "G", "H", "K", "Kh", "L", "M",
      "N", "Ng", "Nh", "Ph", "Qu", "S", "T", "Th", "Tr", "V", "X"};
  static constexpr const char* kRhymes[] = {
      "a",   "ành", "ân",   "ăng", "ương", "iên", "ông", "uy",
      "oan", "ai",  "ưu",   "ơi",  "ênh",  "inh", "ước", "ết",
      "oát", "ung", "ươm",  "ảo",  "im",   "ọc",  "uyên", "ỳ"};
  uint64_t h = SeedHash(seed);
  std::string out(family);
  for (int i = 0; i < 3; ++i) {
    absl::StrAppend(&out, " ", kInitials[h % 22], kRhymes[(h / 22) % 24]);
    h /= 22 * 24;
  }
  return out;
}

// A full birth date in 1950..2004 (day 1..28).
struct SeedDate {
  int year, month, day;
};
inline SeedDate DistinctBirthDate(absl::string_view seed) {
  uint64_t h = SeedHash(seed) >> 20;
  return {1950 + static_cast<int>(h % 55), 1 + static_cast<int>((h / 55) % 12),
          1 + static_cast<int>((h / 660) % 28)};
}

// The birth year a CCCD encodes (its century/sex digit and two-digit year;
// ASCII or full-width digits, any separators), or `fallback` when `number`
// is not a 12-digit CCCD. Test records built with it raise no consistency
// warning.
inline int YearFromCccd(absl::string_view number, int fallback) {
  std::string digits;
  for (size_t i = 0; i < number.size(); ++i) {
    const auto c = static_cast<unsigned char>(number[i]);
    if (c >= '0' && c <= '9') {
      digits.push_back(static_cast<char>(c));
    } else if (c == 0xEF && i + 2 < number.size() &&
               static_cast<unsigned char>(number[i + 1]) == 0xBC &&
               static_cast<unsigned char>(number[i + 2]) >= 0x90 &&
               static_cast<unsigned char>(number[i + 2]) <= 0x99) {
      // U+FF10..U+FF19, full-width digits.
      digits.push_back(static_cast<char>(
          '0' + static_cast<unsigned char>(number[i + 2]) - 0x90));
      i += 2;
    }
  }
  if (digits.size() != 12 || digits[3] < '0' || digits[3] > '3') return fallback;
  return (digits[3] < '2' ? 1900 : 2000) + (digits[4] - '0') * 10 + (digits[5] - '0');
}

}  // namespace relief::registry::testing

#endif  // RELIEF_SERVICES_REGISTRY_TESTING_DISTINCT_PERSON_H_
