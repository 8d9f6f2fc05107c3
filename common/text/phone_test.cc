#include "common/text/phone.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/base/testing/status_matchers.h"

namespace relief::text {
namespace {

using ::relief::testing::IsInvalidArgument;
using ::relief::testing::IsOkAndHolds;

TEST(NormalizePhoneTest, AcceptsEveryWayOfWritingAMobileNumber) {
  for (const char* written : {
           "0912345678",
           "0912 345 678",
           "0912.345.678",
           "0912-345-678",
           "0912\u2013345\u2013678",  // en dashes
           "(091) 234-5678",
           "+84912345678",
           "+84 912 345 678",
           "+84 (0) 912 345 678",
           "+840912345678",
           "84912345678",
           "84 912 345 678",
           "84 0912 345 678",
           "0084912345678",
           "00 84 912 345 678",
           "\u00A00912\u00A0345\u00A0678\t",
           "０９１２３４５６７８",  // full-width digits
           "＋８４ ９１２ ３４５ ６７８",
       }) {
    SCOPED_TRACE(written);
    EXPECT_THAT(NormalizePhone(written), IsOkAndHolds("+84912345678"));
  }
}

TEST(NormalizePhoneTest, AcceptsEveryMobileRange) {
  for (const char* national :
       {"0321234567", "0561234567", "0701234567", "0861234567", "0981234567"}) {
    EXPECT_THAT(NormalizePhone(national),
                IsOkAndHolds(std::string("+84") + (national + 1)));
  }
}

TEST(NormalizePhoneTest, RemapsEveryOld11DigitMobilePrefix) {
  const struct {
    const char* old_prefix;
    const char* new_prefix;
  } kChanges[] = {
      {"0120", "070"}, {"0121", "079"}, {"0122", "077"}, {"0126", "076"},
      {"0128", "078"}, {"0123", "083"}, {"0124", "084"}, {"0125", "085"},
      {"0127", "081"}, {"0129", "082"}, {"0162", "032"}, {"0163", "033"},
      {"0164", "034"}, {"0165", "035"}, {"0166", "036"}, {"0167", "037"},
      {"0168", "038"}, {"0169", "039"}, {"0186", "056"}, {"0188", "058"},
      {"0199", "059"},
  };
  for (const auto& change : kChanges) {
    const std::string old_number = std::string(change.old_prefix) + "1234567";
    const std::string expected =
        std::string("+84") + (change.new_prefix + 1) + "1234567";
    EXPECT_THAT(NormalizePhone(old_number), IsOkAndHolds(expected))
        << old_number;
    // The same old number written internationally.
    EXPECT_THAT(NormalizePhone("+84" + old_number.substr(1)),
                IsOkAndHolds(expected))
        << old_number;
  }
}

TEST(NormalizePhoneTest, RemappedNumberEqualsTheNewNumber) {
  EXPECT_EQ(NormalizePhone("01688 123 456").value(),
            NormalizePhone("0388 123 456").value());
}

TEST(NormalizePhoneTest, RefusesOld11DigitPrefixNeverInUse) {
  for (const char* number : {"01301234567", "01001234567", "01611234567"}) {
    EXPECT_THAT(NormalizePhone(number),
                IsInvalidArgument(
                    "has an 11-digit mobile prefix that was never in use"))
        << number;
  }
}

TEST(NormalizePhoneTest, KeepsLandlinesAsWritten) {
  EXPECT_THAT(NormalizePhone("0211 3812 345"), IsOkAndHolds("+842113812345"));
  EXPECT_THAT(NormalizePhone("024 3825 1234"), IsOkAndHolds("+842438251234"));
  EXPECT_THAT(NormalizePhone("(028) 3829-1234"), IsOkAndHolds("+842838291234"));
  EXPECT_THAT(NormalizePhone("+84 211 3812 345"),
              IsOkAndHolds("+842113812345"));
}

TEST(NormalizePhoneTest, RefusesMobileWithWrongLength) {
  EXPECT_THAT(
      NormalizePhone("091234567"),
      IsInvalidArgument("has 9 national digits; mobile numbers have 10"));
  EXPECT_THAT(
      NormalizePhone("09123456789"),
      IsInvalidArgument("has 11 national digits; mobile numbers have 10"));
}

TEST(NormalizePhoneTest, RefusesLandlineWithWrongLength) {
  EXPECT_THAT(NormalizePhone("0211381234"),
              IsInvalidArgument("has 10 national digits; landlines have 11"));
}

TEST(NormalizePhoneTest, RefusesOldMobileWithWrongLength) {
  EXPECT_THAT(NormalizePhone("0168812345"),
              IsInvalidArgument("has 10 national digits; old mobile numbers "
                                "starting 01 had 11"));
}

TEST(NormalizePhoneTest, RefusesUnknownPrefix) {
  for (const char* number : {"0412345678", "0612345678", "0012345678"}) {
    EXPECT_THAT(NormalizePhone(number),
                IsInvalidArgument("does not start with a mobile (03, 05, 07, "
                                  "08, 09) or landline (02) prefix"))
        << number;
  }
}

TEST(NormalizePhoneTest, RefusesNumberWithoutPrefix) {
  // Spreadsheets drop the leading 0; guessing it back is the importer's call.
  EXPECT_THAT(NormalizePhone("912345678"),
              IsInvalidArgument("must start with 0, 84, +84 or 0084"));
}

TEST(NormalizePhoneTest, RefusesOtherCountryCodes) {
  EXPECT_THAT(NormalizePhone("+1 202 555 0100"),
              IsInvalidArgument("is not a Vietnamese number (+84)"));
  EXPECT_THAT(NormalizePhone("+856 20 1234 5678"),
              IsInvalidArgument("is not a Vietnamese number (+84)"));
}

TEST(NormalizePhoneTest, RefusesOtherCharacters) {
  for (const char* number : {"0912 345 67a", "0912+345678", "0912/345/678",
                             "0912\u200B345678", "tel: 0912345678"}) {
    EXPECT_THAT(NormalizePhone(number),
                IsInvalidArgument("contains characters other than digits, "
                                  "spaces, dots, dashes, parentheses and a "
                                  "leading +"))
        << number;
  }
}

TEST(NormalizePhoneTest, RefusesEmpty) {
  for (const char* number : {"", "   ", "-", "( )"}) {
    EXPECT_THAT(NormalizePhone(number), IsInvalidArgument("must not be empty"))
        << number;
  }
}

TEST(NormalizePhoneTest, RefusesCountryCodeAlone) {
  EXPECT_THAT(NormalizePhone("+84"),
              IsInvalidArgument("has no digits after the prefix"));
}

TEST(NormalizePhoneTest, RefusesInvalidUtf8) {
  EXPECT_THAT(NormalizePhone("0912\xFF"),
              IsInvalidArgument("is not valid UTF-8"));
}

TEST(NormalizePhoneTest, RefusesHugeInputByItsLength) {
  EXPECT_THAT(NormalizePhone(std::string(1 << 20, '0')),
              IsInvalidArgument("is too long"));
}

}  // namespace
}  // namespace relief::text
