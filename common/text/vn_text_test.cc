#include "common/text/vn_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/base/testing/status_matchers.h"

namespace relief::text {
namespace {

using ::relief::testing::IsInvalidArgument;
using ::relief::testing::IsOkAndHolds;

constexpr char kInvisible[] =
    "contains an invisible character (zero-width, soft hyphen or similar)";

// "Nguyễn" with ễ decomposed: e + COMBINING CIRCUMFLEX + COMBINING TILDE.
constexpr char kNguyenNfd[] = "Nguye\u0302\u0303n";

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// "A" + `c` + "n" as UTF-8.
std::string With(const char* c) { return std::string("A") + c + "n"; }

// ---- NormalizeName ---------------------------------------------------------

TEST(NormalizeNameTest, KeepsNfcNameUnchanged) {
  EXPECT_THAT(NormalizeName("Nguyễn Thị Hồng Nhung"),
              IsOkAndHolds("Nguyễn Thị Hồng Nhung"));
}

TEST(NormalizeNameTest, ComposesDecomposedInputToNfc) {
  ASSERT_NE(std::string(kNguyenNfd), "Nguyễn");
  EXPECT_THAT(NormalizeName(kNguyenNfd), IsOkAndHolds("Nguyễn"));
}

TEST(NormalizeNameTest, TrimsAndCollapsesWhitespaceRuns) {
  EXPECT_THAT(NormalizeName("  Nguyễn \t Văn\u00A0\u00A0An  "),
              IsOkAndHolds("Nguyễn Văn An"));
}

TEST(NormalizeNameTest, TreatsEveryUnicodeWhiteSpaceAsSpace) {
  const std::vector<std::string> spaces = {
      "\t",     "\n",     "\r\n",   "\v",     "\f",     "\u0085",
      "\u00A0", "\u1680", "\u2000", "\u2003", "\u200A", "\u2028",
      "\u2029", "\u202F", "\u205F", "\u3000"};
  for (const std::string& space : spaces) {
    SCOPED_TRACE(::testing::PrintToString(space));
    EXPECT_THAT(NormalizeName(space + "Lê" + space + space + "Hoa" + space),
                IsOkAndHolds("Lê Hoa"));
  }
}

TEST(NormalizeNameTest, RefusesInvalidUtf8) {
  const std::vector<std::string> inputs = {
      "Nguy\xE1\xBB",       // truncated sequence
      "\xC3\x28",           // bad continuation
      "\xC0\xAF",           // overlong '/'
      "\xED\xA0\x80",       // UTF-16 surrogate
      "\xF4\x90\x80\x80",   // above U+10FFFF
      "Ng\x80uy",           // lone continuation byte
      "NguyÔn V\xA8n An"};  // raw Windows-1252 byte
  for (const std::string& in : inputs) {
    SCOPED_TRACE(::testing::PrintToString(in));
    EXPECT_THAT(NormalizeName(in), IsInvalidArgument("is not valid UTF-8"));
  }
}

TEST(NormalizeNameTest, RefusesC0ControlCharacters) {
  for (const std::string& c :
       {std::string(1, '\0'), std::string("\x01"), std::string("\x08"),
        std::string("\x1B"), std::string("\x1F"), std::string("\x7F")}) {
    SCOPED_TRACE(::testing::PrintToString(c));
    EXPECT_THAT(NormalizeName("A" + c + "n"),
                IsInvalidArgument("contains a control character"));
  }
}

TEST(NormalizeNameTest, RefusesC1ControlCharacters) {
  for (const char* c : {"\u0080", "\u0090", "\u009B", "\u009F"}) {
    SCOPED_TRACE(c);
    EXPECT_THAT(NormalizeName(With(c)),
                IsInvalidArgument("contains a control character"));
  }
}

TEST(NormalizeNameTest, RefusesZeroWidthCharacters) {
  for (const char* c : {"\u200B", "\u200C", "\u200D", "\u2060", "\u2061",
                        "\u2062", "\u2063", "\u2064", "\uFEFF"}) {
    SCOPED_TRACE(c);
    EXPECT_THAT(NormalizeName(With(c)), IsInvalidArgument(kInvisible));
  }
}

TEST(NormalizeNameTest, RefusesSoftHyphenAndOtherInvisibleCharacters) {
  // Soft hyphen, Mongolian vowel separator, combining grapheme joiner,
  // variation selector 16, Hangul filler, tag character.
  for (const char* c :
       {"\u00AD", "\u180E", "\u034F", "\uFE0F", "\u3164", "\U000E0041"}) {
    SCOPED_TRACE(c);
    EXPECT_THAT(NormalizeName(With(c)), IsInvalidArgument(kInvisible));
  }
}

TEST(NormalizeNameTest, RefusesBidiControlCharacters) {
  for (const char* c :
       {"\u200E", "\u200F", "\u061C", "\u202A", "\u202B", "\u202C", "\u202D",
        "\u202E", "\u2066", "\u2067", "\u2068", "\u2069"}) {
    SCOPED_TRACE(c);
    EXPECT_THAT(
        NormalizeName(With(c)),
        IsInvalidArgument("contains a bidirectional control character"));
  }
}

TEST(NormalizeNameTest, RefusesPrivateUseCharacters) {
  for (const char* c : {"\uE000", "\uF8FF", "\U000F0000"}) {
    SCOPED_TRACE(c);
    EXPECT_THAT(NormalizeName(With(c)),
                IsInvalidArgument("contains a private-use character"));
  }
}

TEST(NormalizeNameTest, RefusesUnassignedCodePointsAndNoncharacters) {
  for (const char* c : {"\u0378", "\uFDD0", "\uFFFF", "\U0010FFFF"}) {
    SCOPED_TRACE(c);
    EXPECT_THAT(NormalizeName(With(c)),
                IsInvalidArgument("contains an unassigned code point"));
  }
}

TEST(NormalizeNameTest, RefusesReplacementCharacter) {
  EXPECT_THAT(NormalizeName("Nguy\uFFFDn"),
              IsInvalidArgument(
                  "contains U+FFFD, the mark of an earlier decoding error"));
}

TEST(NormalizeNameTest, RefusesCombiningMarkWithoutLetterBeforeIt) {
  for (const char* in : {"\u0301An", " \u0301An", "An \u0303Binh"}) {
    SCOPED_TRACE(in);
    EXPECT_THAT(NormalizeName(in),
                IsInvalidArgument(
                    "contains a combining mark with no letter before it"));
  }
}

TEST(NormalizeNameTest, RefusesEmptyAndWhitespaceOnly) {
  for (const char* in : {"", " ", "\t\n", "\u00A0\u3000"}) {
    SCOPED_TRACE(::testing::PrintToString(in));
    EXPECT_THAT(NormalizeName(in), IsInvalidArgument("must not be empty"));
  }
}

TEST(NormalizeNameTest, Accepts200Characters) {
  const std::string name = Repeat("ễ", 200);  // 600 bytes
  EXPECT_THAT(NormalizeName(name), IsOkAndHolds(name));
}

TEST(NormalizeNameTest, Refuses201Characters) {
  EXPECT_THAT(NormalizeName(Repeat("ễ", 201)),
              IsInvalidArgument("longer than 200 characters"));
}

TEST(NormalizeNameTest, CountsCharactersAfterNfc) {
  // 200 decomposed "ễ" are 1000 bytes and 600 code points before NFC.
  EXPECT_THAT(NormalizeName(Repeat("e\u0302\u0303", 200)),
              IsOkAndHolds(Repeat("ễ", 200)));
}

TEST(NormalizeNameTest, CountsCharactersAfterCollapsingWhitespace) {
  EXPECT_THAT(NormalizeName("  " + Repeat("a", 200) + "     "),
              IsOkAndHolds(Repeat("a", 200)));
}

TEST(NormalizeNameTest, HonoursMaxChars) {
  EXPECT_THAT(NormalizeName("Lê Hoa", 6), IsOkAndHolds("Lê Hoa"));
  EXPECT_THAT(NormalizeName("Lê Hoa", 5),
              IsInvalidArgument("longer than 5 characters"));
}

TEST(NormalizeNameTest, RefusesOneMegabyteInputByItsLength) {
  // Invalid UTF-8 too: the length check comes first, before any decoding.
  const std::string huge = std::string(1 << 20, 'a') + "\xFF";
  EXPECT_THAT(NormalizeName(huge),
              IsInvalidArgument("longer than 200 characters"));
}

TEST(NormalizeNameTest, RefusesInputOverEightBytesPerCharacter) {
  EXPECT_THAT(NormalizeName(std::string(81, ' ') + "a", 10),
              IsInvalidArgument("longer than 10 characters"));
}

// ---- NormalizeFreeText -----------------------------------------------------

TEST(NormalizeFreeTextTest, KeepsLineBreaks) {
  EXPECT_THAT(NormalizeFreeText("Số 12, ngõ 34\nphố Hoàng Hoa Thám", 500),
              IsOkAndHolds("Số 12, ngõ 34\nphố Hoàng Hoa Thám"));
}

TEST(NormalizeFreeTextTest, WritesEveryLineBreakAsLf) {
  EXPECT_THAT(NormalizeFreeText("a\r\nb\rc\u2028d\u2029e\u0085f", 500),
              IsOkAndHolds("a\nb\nc\nd\ne\nf"));
}

TEST(NormalizeFreeTextTest, KeepsBlankLines) {
  EXPECT_THAT(NormalizeFreeText("a\n\nb", 500), IsOkAndHolds("a\n\nb"));
}

TEST(NormalizeFreeTextTest, TrimsEachLineAndCollapsesSpacesInside) {
  EXPECT_THAT(
      NormalizeFreeText("  Xã   Tam Hợp \n\t huyện\u00A0 Bình Xuyên  ", 500),
      IsOkAndHolds("Xã Tam Hợp\nhuyện Bình Xuyên"));
}

TEST(NormalizeFreeTextTest, TrimsLineBreaksAtBothEnds) {
  EXPECT_THAT(NormalizeFreeText("\n \r\n ghi chú \n\n", 500),
              IsOkAndHolds("ghi chú"));
}

TEST(NormalizeFreeTextTest, ComposesDecomposedInputToNfc) {
  EXPECT_THAT(NormalizeFreeText(kNguyenNfd, 500), IsOkAndHolds("Nguyễn"));
}

TEST(NormalizeFreeTextTest, RefusesTheCharactersNamesRefuse) {
  EXPECT_THAT(NormalizeFreeText("a\x01z", 500),
              IsInvalidArgument("contains a control character"));
  EXPECT_THAT(NormalizeFreeText("a\u200Bz", 500),
              IsInvalidArgument(kInvisible));
  EXPECT_THAT(NormalizeFreeText("a\u202Ez", 500),
              IsInvalidArgument("contains a bidirectional control character"));
  EXPECT_THAT(NormalizeFreeText("a\xFFz", 500),
              IsInvalidArgument("is not valid UTF-8"));
}

TEST(NormalizeFreeTextTest, CountsLineBreaksAsCharacters) {
  EXPECT_THAT(NormalizeFreeText("a\nb", 3), IsOkAndHolds("a\nb"));
  EXPECT_THAT(NormalizeFreeText("a\nbc", 3),
              IsInvalidArgument("longer than 3 characters"));
}

TEST(NormalizeFreeTextTest, RefusesEmpty) {
  EXPECT_THAT(NormalizeFreeText(" \n\r\n ", 500),
              IsInvalidArgument("must not be empty"));
}

TEST(NormalizeFreeTextTest, RefusesOneMegabyteInputByItsLength) {
  EXPECT_THAT(NormalizeFreeText(std::string(1 << 20, 'a'), 2000),
              IsInvalidArgument("longer than 2000 characters"));
}

// ---- MatchKey --------------------------------------------------------------

TEST(MatchKeyTest, FoldsCaseMarksAndSpaces) {
  EXPECT_EQ(MatchKey("nguyễn  văn   an"), "NGUYEN VAN AN");
  EXPECT_EQ(MatchKey("Nguyễn Văn An"), "NGUYEN VAN AN");
  EXPECT_EQ(MatchKey("NGUYEN VAN AN"), "NGUYEN VAN AN");
}

TEST(FoldCaseTest, KeepsMarksFoldsCaseAndSpaces) {
  EXPECT_EQ(FoldCase("nguyễn  văn   hùng "), "NGUYỄN VĂN HÙNG");
  // NFD input folds to the same NFC text.
  EXPECT_EQ(FoldCase("Nguye\u0302\u0303n"), FoldCase("Nguyễn"));
  EXPECT_NE(FoldCase("Hùng"), FoldCase("Hưng"));
  EXPECT_EQ(MatchKey("Hùng"), MatchKey("Hưng"));
}

TEST(MatchKeyTest, MapsDStrokeToD) {
  EXPECT_EQ(MatchKey("Đặng Đình Đức"), "DANG DINH DUC");
  EXPECT_EQ(MatchKey("đỗ đăng"), "DO DANG");
}

TEST(MatchKeyTest, MapsDStrokeLookAlikesToD) {
  // Icelandic eth (U+00D0/U+00F0) and African D (U+0189/U+0256) are often
  // typed for Đ/đ.
  EXPECT_EQ(MatchKey("\u00D0\u1EB7ng \u00F0\u00ECnh \u0189\u0256"),
            "DANG DINH DD");
}

TEST(MatchKeyTest, GivesDecomposedAndComposedInputTheSameKey) {
  EXPECT_EQ(MatchKey(kNguyenNfd), MatchKey("Nguyễn"));
  EXPECT_EQ(MatchKey(kNguyenNfd), "NGUYEN");
}

TEST(MatchKeyTest, DropsEveryVietnameseMark) {
  EXPECT_EQ(MatchKey("àảãáạăằẳẵắặâầẩẫấậ èẻẽéẹêềểễếệ ìỉĩíị "
                     "òỏõóọôồổỗốộơờởỡớợ ùủũúụưừửữứự ỳỷỹýỵ"),
            "AAAAAAAAAAAAAAAAA EEEEEEEEEEE IIIII OOOOOOOOOOOOOOOOO "
            "UUUUUUUUUUU YYYYY");
  EXPECT_EQ(MatchKey("ÀẢÃÁẠĂẰẲẴẮẶÂẦẨẪẤẬ ƠỜỞỠỚỢ ƯỪỬỮỨỰ"),
            "AAAAAAAAAAAAAAAAA OOOOOO UUUUUU");
}

TEST(MatchKeyTest, GivesMarkOnlyDifferencesTheSameKey) {
  EXPECT_EQ(MatchKey("Hùng"), MatchKey("Hưng"));
  EXPECT_EQ(MatchKey("Hương"), MatchKey("Hường"));
}

TEST(MatchKeyTest, TrimsAndCollapsesEveryWhitespace) {
  EXPECT_EQ(MatchKey("\u00A0 Lê\tThị\u3000\u3000Hoa \n"), "LE THI HOA");
}

TEST(MatchKeyTest, DropsInvisibleCharacters) {
  EXPECT_EQ(MatchKey("An\u200Bh\u00AD"), "ANH");
}

TEST(MatchKeyTest, KeepsDigitsAndPunctuation) {
  EXPECT_EQ(MatchKey("Nguyễn-Văn An 2"), "NGUYEN-VAN AN 2");
}

TEST(MatchKeyTest, EmptyGivesEmpty) {
  EXPECT_EQ(MatchKey(""), "");
  EXPECT_EQ(MatchKey("   "), "");
}

// ---- LooksLikeLegacyEncoding -----------------------------------------------

struct LegacyCase {
  const char* unicode;
  const char* vni;    // VNI-Windows bytes read as Windows-1252.
  const char* tcvn3;  // TCVN3 (ABC) bytes read as Windows-1252.
};

// Real Vietnamese names, with how they look in the two legacy encodings.
// (TCVN3 ư is 0xAD, a soft hyphen in Windows-1252.)
const LegacyCase kNames[] = {
    {"Nguyễn Văn An", "Nguyeãn Vaên An", "NguyÔn V¨n An"},
    {"Nguyễn Thị Hồng Nhung", "Nguyeãn Thò Hoàng Nhung",
     "NguyÔn ThÞ Hång Nhung"},
    {"Trần Thị Thu Hà", "Traàn Thò Thu Haø", "TrÇn ThÞ Thu Hµ"},
    {"Lê Văn Hùng", "Leâ Vaên Huøng", "Lª V¨n Hïng"},
    {"Phạm Minh Tuấn", "Phaïm Minh Tuaán", "Ph¹m Minh TuÊn"},
    {"Hoàng Thị Lan Anh", "Hoaøng Thò Lan Anh", "Hoµng ThÞ Lan Anh"},
    {"Huỳnh Ngọc Phượng", "Huyønh Ngoïc Phöôïng", "Huúnh Ngäc Ph\u00ADîng"},
    {"Phan Văn Dũng", "Phan Vaên Duõng", "Phan V¨n Dòng"},
    {"Vũ Thị Hương", "Vuõ Thò Höông", "Vò ThÞ H\u00AD¬ng"},
    {"Võ Thành Long", "Voõ Thaønh Long", "Vâ Thµnh Long"},
    {"Đặng Thị Mỹ Dung", "Ñaëng Thò Myõ Dung", "§Æng ThÞ Mü Dung"},
    {"Bùi Quang Huy", "Buøi Quang Huy", "Bïi Quang Huy"},
    {"Đỗ Thị Ngọc Ánh", "Ñoã Thò Ngoïc AÙnh", "§ç ThÞ Ngäc ¸nh"},
    {"Hồ Văn Thắng", "Hoà Vaên Thaéng", "Hå V¨n Th¾ng"},
    {"Ngô Thị Thuỷ", "Ngoâ Thò Thuyû", "Ng« ThÞ Thuû"},
    {"Dương Quốc Việt", "Döông Quoác Vieät", "D\u00AD¬ng Quèc ViÖt"},
    {"Lý Thị Kim Ngân", "Lyù Thò Kim Ngaân", "Lý ThÞ Kim Ng©n"},
    {"Đào Duy Khánh", "Ñaøo Duy Khaùnh", "§µo Duy Kh¸nh"},
    {"Đoàn Thị Yến", "Ñoaøn Thò Yeán", "§oµn ThÞ YÕn"},
    {"Vương Đình Trọng", "Vöông Ñình Troïng", "V\u00AD¬ng §×nh Träng"},
    {"Trịnh Văn Quyết", "Trònh Vaên Quyeát", "TrÞnh V¨n QuyÕt"},
    {"Trương Thị Mai", "Tröông Thò Mai", "Tr\u00AD¬ng ThÞ Mai"},
    {"Lâm Hữu Phước", "Laâm Höõu Phöôùc", "L©m H÷u Ph\u00ADíc"},
    {"Phùng Thị Huệ", "Phuøng Thò Hueä", "Phïng ThÞ HuÖ"},
    {"Mai Xuân Trường", "Mai Xuaân Tröôøng", "Mai Xu©n Tr\u00ADêng"},
    {"Tạ Thị Nguyệt", "Taï Thò Nguyeät", "T¹ ThÞ NguyÖt"},
    {"Hà Văn Lực", "Haø Vaên Löïc", "Hµ V¨n Lùc"},
    {"Kiều Văn Toản", "Kieàu Vaên Toaûn", "KiÒu V¨n To¶n"},
    {"Quách Thị Huyền", "Quaùch Thò Huyeàn", "Qu¸ch ThÞ HuyÒn"},
    {"Lò Văn Pấng", "Loø Vaên Paáng", "Lß V¨n PÊng"},
    {"Khổng Minh Đức", "Khoång Minh Ñöùc", "Khæng Minh §øc"},
    {"Tô Thị Thảo", "Toâ Thò Thaûo", "T« ThÞ Th¶o"},
    {"Đinh Công Tráng", "Ñinh Coâng Traùng", "§inh C«ng Tr¸ng"},
    {"Cao Thị Ngọc Diễm", "Cao Thò Ngoïc Dieãm", "Cao ThÞ Ngäc DiÔm"},
    {"Lưu Văn Sỹ", "Löu Vaên Syõ", "L\u00ADu V¨n Sü"},
    {"Thái Thị Bích Thuận", "Thaùi Thò Bích Thuaän", "Th¸i ThÞ BÝch ThuËn"},
    {"Triệu Thị Hoà", "Trieäu Thò Hoaø", "TriÖu ThÞ Hoµ"},
    {"Chu Văn Quý", "Chu Vaên Quyù", "Chu V¨n Quý"},
    {"Âu Dương Tuyết Nhi", "AÂu Döông Tuyeát Nhi", "¢u D\u00AD¬ng TuyÕt Nhi"},
    {"Nông Thị Xuân", "Noâng Thò Xuaân", "N«ng ThÞ Xu©n"},
};

TEST(LooksLikeLegacyEncodingTest, DetectsVniMojibakeOfRealNames) {
  for (const LegacyCase& name : kNames) {
    EXPECT_TRUE(LooksLikeLegacyEncoding(name.vni)) << name.unicode;
  }
}

TEST(LooksLikeLegacyEncodingTest, DetectsTcvn3MojibakeOfRealNames) {
  for (const LegacyCase& name : kNames) {
    EXPECT_TRUE(LooksLikeLegacyEncoding(name.tcvn3)) << name.unicode;
  }
}

TEST(LooksLikeLegacyEncodingTest, NeverFlagsRealVietnameseNames) {
  for (const LegacyCase& name : kNames) {
    EXPECT_FALSE(LooksLikeLegacyEncoding(name.unicode)) << name.unicode;
    EXPECT_FALSE(LooksLikeLegacyEncoding(MatchKey(name.unicode)))
        << name.unicode;
  }
}

TEST(LooksLikeLegacyEncodingTest, NeverFlagsUpperCaseVietnameseNames) {
  for (const char* name :
       {"NGUYỄN VĂN AN", "ĐẶNG THỊ MỸ DUNG", "DƯƠNG QUỐC VIỆT", "LÂM HỮU PHƯỚC",
        "TRƯƠNG THỊ MAI", "ÂU DƯƠNG TUYẾT NHI", "HUỲNH NGỌC PHƯỢNG",
        "KHỔNG MINH ĐỨC", "LÒ VĂN PẤNG"}) {
    EXPECT_FALSE(LooksLikeLegacyEncoding(name)) << name;
  }
}

TEST(LooksLikeLegacyEncodingTest, NeverFlagsDecomposedVietnamese) {
  EXPECT_FALSE(LooksLikeLegacyEncoding(kNguyenNfd));
  EXPECT_FALSE(
      LooksLikeLegacyEncoding("Va\u0306n Ho\u0300a Thu\u031Bo\u031Bng"));
}

TEST(LooksLikeLegacyEncodingTest, NeverFlagsVietnameseAddressesAndSentences) {
  for (const char* text :
       {"Số 12, ngõ 34/5 phố Hoàng Hoa Thám, Ba Đình, Hà Nội",
        "Xã Tam Hợp, Huyện Bình Xuyên, Tỉnh Vĩnh Phúc",
        "Phường Tích Sơn, Thành phố Vĩnh Yên", "Tỉnh Bà Rịa – Vũng Tàu",
        "Thuở ấy, khuya rồi, huơ tay giúp giùm tôi",
        "Ngoằn ngoèo, quá khứ, khoẻ khoắn, ngoan ngoãn, thuý, Huế, Khuê",
        "Hỗ trợ 1.000.000 đồng/người và 10-20 kg gạo/người",
        "Công dân có hoàn cảnh khó khăn tại các địa phương thực hiện giãn "
        "cách xã hội theo Chỉ thị 16/CT-TTg"}) {
    EXPECT_FALSE(LooksLikeLegacyEncoding(text)) << text;
  }
}

TEST(LooksLikeLegacyEncodingTest, NeverFlagsMinoritySpellings) {
  // Commune Laêê (Nam Giang, Quảng Nam); Ê Đê names.
  for (const char* text : {"Xã Laêê", "H'Hen Niê", "Y Moan Êban"}) {
    EXPECT_FALSE(LooksLikeLegacyEncoding(text)) << text;
  }
}

TEST(LooksLikeLegacyEncodingTest, NeverFlagsAscii) {
  std::string printable;
  for (char c = ' '; c <= '~'; ++c) printable.push_back(c);
  for (const std::string& text :
       {printable, std::string("Nguyen Van An"), std::string("NGUYEN THI HOA"),
        std::string("0912 345 678"), std::string("")}) {
    EXPECT_FALSE(LooksLikeLegacyEncoding(text)) << text;
  }
}

TEST(LooksLikeLegacyEncodingTest, DetectsUtf8ReadAsWindows1252) {
  EXPECT_TRUE(LooksLikeLegacyEncoding("Nguyá»…n VÄƒn An"));
}

TEST(LooksLikeLegacyEncodingTest, NeedsMoreThanOneWeakSign) {
  // One VNI "ñ" (đ) or one "aê" before a vowel is not enough...
  EXPECT_FALSE(LooksLikeLegacyEncoding("Ñinh"));
  // ...two are.
  EXPECT_TRUE(LooksLikeLegacyEncoding("Ñinh Ñinh"));
}

TEST(LooksLikeLegacyEncodingTest, CannotTellVniThiFromARealWord) {
  // VNI "Thò" is "Thị", and also the Vietnamese word "thò": a limit of any
  // per-value heuristic, hence "apply it to whole columns".
  EXPECT_FALSE(LooksLikeLegacyEncoding("Thò"));
}

// ---- IsValidUtf8 -----------------------------------------------------------

TEST(IsValidUtf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("Nguyễn Văn An"));
  EXPECT_TRUE(IsValidUtf8("\U0010FFFD \U0001F600"));
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));
}

TEST(IsValidUtf8Test, RefusesMalformedText) {
  for (const char* in :
       {"\x80", "\xC3", "\xC3\x28", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
        "\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80", "\xFF", "Nguy\xE1\xBB"}) {
    EXPECT_FALSE(IsValidUtf8(in)) << ::testing::PrintToString(in);
  }
}

}  // namespace
}  // namespace relief::text
