#include "common/text/document.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/base/testing/status_matchers.h"

namespace relief::text {

// Readable failure messages (found by argument-dependent lookup).
void PrintTo(const NormalizedDocument& doc, std::ostream* os) {
  *os << "{number: \"" << doc.number << "\", key: \"" << doc.key << "\"}";
}

namespace {

using ::relief::testing::IsInvalidArgument;
using ::relief::testing::IsOkAndHolds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Vĩnh Phúc (026), born 1990 (century/sex 0: male, 1900s).
constexpr char kCccd[] = "026090012345";

NormalizedDocument Doc(std::string number, std::string key) {
  return NormalizedDocument{std::move(number), std::move(key)};
}

// ---- CCCD ------------------------------------------------------------------

TEST(NormalizeDocumentTest, CccdKeyIsId12) {
  EXPECT_THAT(NormalizeDocument(DocumentKind::kCccd, kCccd),
              IsOkAndHolds(Doc(kCccd, "ID12:026090012345")));
}

TEST(NormalizeDocumentTest, CccdSeparatorsAndFullWidthDigitsGiveTheSameKey) {
  for (const char* written : {
           "026 090 012 345", "026.090.012.345", "026-090-012-345",
           "026\u2010090\u2013012\u2014345",     // hyphen, en dash, em dash
           "026\u2212090\u2015012\u2011345",     // minus, bar, nb hyphen
           "\u00A0026\u00A0090\t012\u3000345 ",  // NBSP, tab, ideographic
           "０２６０９００１２３４５",           // full-width digits
           "０２６　０９０－０１２．３４５",     // full-width space, -, .
       }) {
    SCOPED_TRACE(written);
    EXPECT_THAT(NormalizeDocument(DocumentKind::kCccd, written),
                IsOkAndHolds(Doc(kCccd, "ID12:026090012345")));
  }
}

TEST(NormalizeDocumentTest, CccdMustBe12Digits) {
  for (const char* number : {"02609001234", "0260900123456", "026"}) {
    SCOPED_TRACE(number);
    EXPECT_THAT(NormalizeDocument(DocumentKind::kCccd, number),
                IsInvalidArgument("must be 12 digits"));
  }
}

TEST(NormalizeDocumentTest, CccdMustContainOnlyDigits) {
  for (const char* number :
       {"02609001234A", "026090O12345", "026_090012345", "٠٢٦٠٩٠٠١٢٣٤٥"}) {
    SCOPED_TRACE(number);
    EXPECT_THAT(NormalizeDocument(DocumentKind::kCccd, number),
                IsInvalidArgument("must contain only digits"));
  }
}

TEST(NormalizeDocumentTest, SlashIsNotASeparatorInKeyNumbers) {
  EXPECT_THAT(NormalizeDocument(DocumentKind::kCccd, "026/090/012345"),
              IsInvalidArgument("must contain only digits"));
  EXPECT_THAT(NormalizeDocument(DocumentKind::kCmnd, "12/05/1990"),
              IsInvalidArgument("must contain only digits"));
}

TEST(NormalizeDocumentTest, CccdMustStartWithZeroAndAProvinceCode) {
  for (const char* number : {
           "126090012345",  // first digit not 0
           "003090012345",  // 03 is not a province code
           "013090012345",  // 13 (old Vĩnh Phú) is not
           "097090012345",  // 97 is not
           "099090012345",
       }) {
    SCOPED_TRACE(number);
    EXPECT_THAT(NormalizeDocument(DocumentKind::kCccd, number),
                IsInvalidArgument("does not start with a province code"));
  }
}

TEST(NormalizeDocumentTest, CccdAcceptsEveryProvinceCode) {
  for (const char* province :
       {"01", "02", "04", "06", "08", "10", "11", "12", "14", "15", "17",
        "19", "20", "22", "24", "25", "26", "27", "30", "31", "33", "34",
        "35", "36", "37", "38", "40", "42", "44", "45", "46", "48", "49",
        "51", "52", "54", "56", "58", "60", "62", "64", "66", "67", "68",
        "70", "72", "74", "75", "77", "79", "80", "82", "83", "84", "86",
        "87", "89", "91", "92", "93", "94", "95", "96"}) {
    const std::string number = std::string("0") + province + "190012345";
    EXPECT_TRUE(NormalizeDocument(DocumentKind::kCccd, number).ok()) << number;
  }
}

TEST(NormalizeDocumentTest, CccdCenturySexDigitMustBe0To5) {
  for (const char d : {'0', '1', '2', '3', '4', '5'}) {
    const std::string number = std::string("026") + d + "90012345";
    EXPECT_TRUE(NormalizeDocument(DocumentKind::kCccd, number).ok()) << number;
  }
  for (const char d : {'6', '7', '8', '9'}) {
    const std::string number = std::string("026") + d + "90012345";
    EXPECT_THAT(NormalizeDocument(DocumentKind::kCccd, number),
                IsInvalidArgument("has an invalid century/sex digit"))
        << number;
  }
}

// ---- CMND ------------------------------------------------------------------

TEST(NormalizeDocumentTest, TwelveDigitCmndSharesTheCccdKey) {
  const auto cmnd = NormalizeDocument(DocumentKind::kCmnd, "026 090 012 345");
  const auto cccd = NormalizeDocument(DocumentKind::kCccd, kCccd);
  ASSERT_TRUE(cmnd.ok()) << cmnd.status();
  ASSERT_TRUE(cccd.ok()) << cccd.status();
  EXPECT_EQ(cmnd->key, cccd->key);
  EXPECT_EQ(cmnd->key, "ID12:026090012345");
}

TEST(NormalizeDocumentTest, TwelveDigitCmndIsCheckedAsACccd) {
  EXPECT_THAT(NormalizeDocument(DocumentKind::kCmnd, "003090012345"),
              IsInvalidArgument("does not start with a province code"));
  EXPECT_THAT(NormalizeDocument(DocumentKind::kCmnd, "026790012345"),
              IsInvalidArgument("has an invalid century/sex digit"));
}

TEST(NormalizeDocumentTest, NineDigitCmndHasItsOwnKey) {
  EXPECT_THAT(NormalizeDocument(DocumentKind::kCmnd, "135 246 789"),
              IsOkAndHolds(Doc("135246789", "CMND9:135246789")));
}

TEST(NormalizeDocumentTest, CmndMustBe9Or12Digits) {
  for (const char* number : {"13524678", "1352467890", "13524678901"}) {
    SCOPED_TRACE(number);
    EXPECT_THAT(NormalizeDocument(DocumentKind::kCmnd, number),
                IsInvalidArgument("must be 9 or 12 digits"));
  }
}

// ---- Passport --------------------------------------------------------------

TEST(NormalizeDocumentTest, PassportKeyIsPp) {
  for (const char* number : {"C1234567", "B1234567", "N1234567"}) {
    EXPECT_THAT(NormalizeDocument(DocumentKind::kPassport, number),
                IsOkAndHolds(Doc(number, std::string("PP:") + number)));
  }
}

TEST(NormalizeDocumentTest, PassportIsUpperCasedAndSeparatorsRemoved) {
  for (const char* written :
       {"c1234567", "C 123 4567", "c-1234-567", "Ｃ１２３４５６７"}) {
    SCOPED_TRACE(written);
    EXPECT_THAT(NormalizeDocument(DocumentKind::kPassport, written),
                IsOkAndHolds(Doc("C1234567", "PP:C1234567")));
  }
}

TEST(NormalizeDocumentTest, PassportAcceptsOneOrTwoLettersAnd7To9Chars) {
  for (const char* number : {"C123456", "C12345678", "AB1234567", "AB12345"}) {
    EXPECT_TRUE(NormalizeDocument(DocumentKind::kPassport, number).ok())
        << number;
  }
}

TEST(NormalizeDocumentTest, PassportRefusesOtherShapes) {
  for (const char* number : {
           "12345678",    // no letter
           "ABC12345",    // three letters
           "C12345",      // 6 characters
           "C123456789",  // 10 characters
           "C123456A",    // letter after the digits
           "C123.456Đ",   // non-ASCII letter
       }) {
    SCOPED_TRACE(number);
    EXPECT_THAT(
        NormalizeDocument(DocumentKind::kPassport, number),
        IsInvalidArgument(
            "must be 1 or 2 letters followed by digits, 7 to 9 characters"));
  }
}

TEST(NormalizeDocumentTest, PassportRefusesAllSameDigits) {
  EXPECT_THAT(NormalizeDocument(DocumentKind::kPassport, "C0000000"),
              IsInvalidArgument("has all digits the same"));
}

// ---- Placeholders ----------------------------------------------------------

TEST(NormalizeDocumentTest, RefusesSpreadsheetPlaceholdersForEveryKind) {
  for (const DocumentKind kind :
       {DocumentKind::kCccd, DocumentKind::kCmnd, DocumentKind::kPassport,
        DocumentKind::kHouseholdBook, DocumentKind::kResidenceConfirmation,
        DocumentKind::kOther}) {
    for (const char* placeholder :
         {"0",        "chưa có",  "chua co",  "CHƯA CÓ",   "Chưa  có",
          "chưa",     "chưa cấp", "không",    "khong",     "KHÔNG",
          "không có", "khong co", "không rõ", "không nhớ", "đang làm",
          "n/a",      "N/A",      "n.a.",     "na",        "NA",
          "none",     "NULL",     "nil",      "-",         "--",
          "x",        "X",        "xxx",      "?",         "???",
          "...",      "/",        "０"}) {
      SCOPED_TRACE(placeholder);
      EXPECT_THAT(NormalizeDocument(kind, placeholder),
                  IsInvalidArgument("is a placeholder, not a document number"))
          << static_cast<int>(kind);
    }
  }
}

TEST(NormalizeDocumentTest, RefusesAllSameDigits) {
  for (const DocumentKind kind :
       {DocumentKind::kCccd, DocumentKind::kCmnd, DocumentKind::kOther}) {
    for (const char* number :
         {"000000000", "000 000 000 000", "111111111111", "999999999", "00"}) {
      SCOPED_TRACE(number);
      EXPECT_THAT(NormalizeDocument(kind, number),
                  IsInvalidArgument("has all digits the same"));
    }
  }
}

// ---- Household book, residence confirmation, other -------------------------

TEST(NormalizeDocumentTest, OtherKindsKeepSlashesDotsAndDashesAndHaveNoKey) {
  for (const DocumentKind kind :
       {DocumentKind::kHouseholdBook, DocumentKind::kResidenceConfirmation,
        DocumentKind::kOther}) {
    EXPECT_THAT(NormalizeDocument(kind, "  123/HK-UBND  số 4.5 "),
                IsOkAndHolds(Doc("123/HK-UBND số 4.5", "")));
  }
}

TEST(NormalizeDocumentTest, OtherKindsAreReadAfterNfkc) {
  EXPECT_THAT(NormalizeDocument(DocumentKind::kHouseholdBook, "ＨＫ　１２３"),
              IsOkAndHolds(Doc("HK 123", "")));
}

TEST(NormalizeDocumentTest, OtherKindsAcceptUpTo64Characters) {
  const std::string longest(64, '7');
  EXPECT_THAT(NormalizeDocument(DocumentKind::kOther, longest + "a"),
              IsInvalidArgument("longer than 64 characters"));
  EXPECT_THAT(NormalizeDocument(DocumentKind::kOther, "a" + longest),
              IsInvalidArgument("longer than 64 characters"));
  EXPECT_THAT(NormalizeDocument(DocumentKind::kOther, "a" + longest.substr(1)),
              IsOkAndHolds(Doc("a" + longest.substr(1), "")));
}

TEST(NormalizeDocumentTest, OtherKindsAcceptOneCharacter) {
  EXPECT_THAT(NormalizeDocument(DocumentKind::kResidenceConfirmation, "5"),
              IsOkAndHolds(Doc("5", "")));
}

// ---- Every kind ------------------------------------------------------------

TEST(NormalizeDocumentTest, RefusesEmpty) {
  for (const char* number : {"", "   ", "\u00A0\u3000"}) {
    EXPECT_THAT(NormalizeDocument(DocumentKind::kCccd, number),
                IsInvalidArgument("must not be empty"));
    EXPECT_THAT(NormalizeDocument(DocumentKind::kOther, number),
                IsInvalidArgument("must not be empty"));
  }
}

TEST(NormalizeDocumentTest, RefusesInvisibleAndBidiCharacters) {
  EXPECT_THAT(NormalizeDocument(DocumentKind::kCccd, "026\u200B090012345"),
              IsInvalidArgument(
                  "contains an invisible character (zero-width, soft hyphen or "
                  "similar)"));
  EXPECT_THAT(NormalizeDocument(DocumentKind::kOther, "\u202E123/HK"),
              IsInvalidArgument("contains a bidirectional control character"));
  EXPECT_THAT(NormalizeDocument(DocumentKind::kCmnd,
                                "135\x01"
                                "246789"),
              IsInvalidArgument("contains a control character"));
}

TEST(NormalizeDocumentTest, RefusesInvalidUtf8) {
  EXPECT_THAT(NormalizeDocument(DocumentKind::kCccd, "026\xFF"),
              IsInvalidArgument("is not valid UTF-8"));
}

TEST(NormalizeDocumentTest, RefusesHugeInputByItsLength) {
  EXPECT_THAT(NormalizeDocument(DocumentKind::kCccd,
                                std::string(1 << 20, '1') + "\xFF"),
              IsInvalidArgument("longer than 64 characters"));
}

// ---- CheckIdNumberConsistency ----------------------------------------------

TEST(CheckIdNumberConsistencyTest, EmptyWhenCenturySexAndYearMatch) {
  EXPECT_THAT(CheckIdNumberConsistency("026090012345", 1990, false), IsEmpty());
  EXPECT_THAT(CheckIdNumberConsistency("026185012345", 1985, true), IsEmpty());
  EXPECT_THAT(CheckIdNumberConsistency("026203012345", 2003, false), IsEmpty());
  EXPECT_THAT(CheckIdNumberConsistency("026310012345", 2010, true), IsEmpty());
  EXPECT_THAT(CheckIdNumberConsistency("026400012345", 2100, false), IsEmpty());
  EXPECT_THAT(CheckIdNumberConsistency("026501012345", 2101, true), IsEmpty());
}

TEST(CheckIdNumberConsistencyTest, WarnsOnBirthYearMismatch) {
  EXPECT_THAT(CheckIdNumberConsistency("026090012345", 1991, false),
              ElementsAre("birth year 1991 does not match the identity "
                          "number, which encodes 1990"));
}

TEST(CheckIdNumberConsistencyTest, WarnsOnCenturyMismatch) {
  EXPECT_THAT(CheckIdNumberConsistency("026090012345", 2090, std::nullopt),
              ElementsAre("birth year 2090 does not match the identity "
                          "number, which encodes 1990"));
}

TEST(CheckIdNumberConsistencyTest, WarnsOnSexMismatch) {
  EXPECT_THAT(CheckIdNumberConsistency("026090012345", 1990, true),
              ElementsAre("sex female does not match the identity number, "
                          "which encodes male"));
  EXPECT_THAT(CheckIdNumberConsistency("026303012345", 2003, false),
              ElementsAre("sex male does not match the identity number, "
                          "which encodes female"));
}

TEST(CheckIdNumberConsistencyTest, ReportsBothMismatches) {
  EXPECT_EQ(CheckIdNumberConsistency("026190012345", 1989, false).size(), 2u);
}

TEST(CheckIdNumberConsistencyTest, SkipsUnknownBirthYearAndSex) {
  EXPECT_THAT(CheckIdNumberConsistency("026190012345", 0, std::nullopt),
              IsEmpty());
}

TEST(CheckIdNumberConsistencyTest, WarnsOnCenturySexDigitAbove5) {
  EXPECT_THAT(CheckIdNumberConsistency("026790012345", 1990, false),
              ElementsAre("the identity number's century/sex digit 7 is not "
                          "one of 0 to 5"));
}

TEST(CheckIdNumberConsistencyTest, WarnsWhenNotTwelveDigits) {
  for (const char* number : {"135246789", "02609001234X", ""}) {
    EXPECT_THAT(CheckIdNumberConsistency(number, 1990, false),
                ElementsAre("cannot check the identity number: it is not 12 "
                            "digits"))
        << number;
  }
}

}  // namespace
}  // namespace relief::text
