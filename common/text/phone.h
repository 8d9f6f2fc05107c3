// Vietnamese phone numbers, normalised to E.164 so that numbers written
// differently compare equal (DESIGN.md §1: a phone is evidence, never a key).
//
// Pure function, safe to call from any thread.
#ifndef RELIEF_COMMON_TEXT_PHONE_H_
#define RELIEF_COMMON_TEXT_PHONE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace relief::text {

// Normalises a Vietnamese phone number to E.164, "+84" followed by the
// national number without its leading 0: "0912 345 678" -> "+84912345678".
//
// The input is read after NFKC (full-width digits work); whitespace of any
// kind, dots, dashes and parentheses are separators. A number may start with
// "+84", "0084", "84" or the national "0"; after a country code a trunk "0"
// ("+84 (0) 912...") is dropped.
//   - Mobile: 10 national digits, 03x 05x 07x 08x 09x.
//   - Old 11-digit mobile numbers are rewritten as the 2018 change did:
//     0120->070 0121->079 0122->077 0126->076 0128->078 0123->083 0124->084
//     0125->085 0127->081 0129->082 0162->032 ... 0169->039 0186->056
//     0188->058 0199->059 ("01688 123 456" -> "+84388123456").
//   - Landline: 11 national digits with an 02x area code, kept as is
//     ("0211 3812 345" -> "+842113812345").
// Returns INVALID_ARGUMENT, with the reason, when the input is not valid
// UTF-8, is empty, contains another character (letters, "+" not at the
// start...), has another country code, has the wrong number of digits, or
// has a prefix that is neither of the above.
absl::StatusOr<std::string> NormalizePhone(absl::string_view in);

}  // namespace relief::text

#endif  // RELIEF_COMMON_TEXT_PHONE_H_
