#include "common/units/unit_catalog.h"

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace relief::units {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::IsNull;
using ::testing::NotNull;

constexpr absl::CivilDay kFrom2020(2020, 1, 1);
constexpr absl::CivilDay kReform2025(2025, 7, 1);
constexpr absl::CivilDay kAug2021(2021, 8, 1);
constexpr absl::CivilDay kAug2025(2025, 8, 1);

Unit MakeUnit(std::string code, Level level, std::string parent,
              absl::CivilDay from = kFrom2020,
              std::optional<absl::CivilDay> to = std::nullopt) {
  Unit u;
  u.code = std::move(code);
  u.valid_from = from;
  u.valid_to = to;
  u.level = level;
  u.name = absl::StrCat("Unit ", u.code);
  u.name_with_type = absl::StrCat("Type ", u.name);
  u.parent_code = std::move(parent);
  return u;
}

// A miniature of Vĩnh Phúc before and after the 2025 reform: codes are not
// prefixes of one another (commune 08707 lies in district 243), and 08707 is
// reused in 2025 for a commune directly under province 25.
std::vector<Unit> SyntheticUnits() {
  return {
      MakeUnit("26", Level::kProvince, "", kFrom2020, kReform2025),
      MakeUnit("25", Level::kProvince, ""),
      MakeUnit("243", Level::kDistrict, "26", kFrom2020, kReform2025),
      MakeUnit("252", Level::kDistrict, "26", kFrom2020, kReform2025),
      MakeUnit("227", Level::kDistrict, "25", kFrom2020, kReform2025),
      MakeUnit("08707", Level::kCommune, "243", kFrom2020, kReform2025),
      MakeUnit("08710", Level::kCommune, "243", kFrom2020, kReform2025),
      MakeUnit("09157", Level::kCommune, "252", kFrom2020, kReform2025),
      MakeUnit("24300", Level::kCommune, "227", kFrom2020, kReform2025),
      MakeUnit("08707", Level::kCommune, "25", kReform2025),
  };
}

UnitCatalog SyntheticCatalog(absl::CivilDay as_of = kAug2021) {
  absl::StatusOr<UnitCatalog> catalog =
      UnitCatalog::Create(SyntheticUnits(), as_of);
  EXPECT_TRUE(catalog.ok()) << catalog.status();
  return *std::move(catalog);
}

std::vector<std::string> Codes(const std::vector<const Unit*>& units) {
  std::vector<std::string> codes;
  for (const Unit* u : units) codes.push_back(u->code);
  return codes;
}

// --- Create -----------------------------------------------------------------

TEST(UnitCatalogTest, KeepsOnlyUnitsValidOnAsOf) {
  UnitCatalog catalog = SyntheticCatalog(kAug2021);
  EXPECT_EQ(catalog.as_of(), kAug2021);
  EXPECT_EQ(catalog.size(), 9u);
  ASSERT_THAT(catalog.Find("08707"), NotNull());
  EXPECT_EQ(catalog.Find("08707")->parent_code, "243");
}

TEST(UnitCatalogTest, ResolvesReusedCodeAsOfLaterDate) {
  UnitCatalog catalog = SyntheticCatalog(kAug2025);
  EXPECT_EQ(catalog.size(), 2u);
  EXPECT_THAT(catalog.Find("26"), IsNull());
  ASSERT_THAT(catalog.Province("08707"), NotNull());
  EXPECT_EQ(catalog.Province("08707")->code, "25");
  EXPECT_THAT(catalog.District("08707"), IsNull());
  EXPECT_TRUE(catalog.Contains("25", "08707"));
}

TEST(UnitCatalogTest, ValidToIsExclusive) {
  UnitCatalog last_day = SyntheticCatalog(kReform2025 - 1);
  EXPECT_EQ(last_day.Find("08707")->parent_code, "243");
  UnitCatalog first_day = SyntheticCatalog(kReform2025);
  EXPECT_EQ(first_day.Find("08707")->parent_code, "25");
}

TEST(UnitCatalogTest, EmptyInputGivesEmptyCatalog) {
  absl::StatusOr<UnitCatalog> catalog = UnitCatalog::Create({}, kAug2021);
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->size(), 0u);
  EXPECT_THAT(catalog->Find("26"), IsNull());
}

TEST(UnitCatalogTest, RejectsTwoVersionsValidOnSameDay) {
  std::vector<Unit> units = SyntheticUnits();
  units.push_back(MakeUnit("08707", Level::kCommune, "243",
                           absl::CivilDay(2021, 1, 1)));
  absl::StatusOr<UnitCatalog> catalog = UnitCatalog::Create(units, kAug2021);
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(catalog.status().message()),
              ::testing::HasSubstr("08707"));
}

TEST(UnitCatalogTest, AcceptsOverlapOutsideAsOf) {
  std::vector<Unit> units = SyntheticUnits();
  units.push_back(MakeUnit("08707", Level::kCommune, "243",
                           absl::CivilDay(2024, 1, 1)));
  EXPECT_TRUE(UnitCatalog::Create(units, kAug2021).ok());
}

TEST(UnitCatalogTest, RejectsMissingParent) {
  std::vector<Unit> units = SyntheticUnits();
  units.push_back(MakeUnit("09999", Level::kCommune, "999"));
  EXPECT_EQ(UnitCatalog::Create(units, kAug2021).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(UnitCatalogTest, RejectsParentNotValidOnAsOf) {
  std::vector<Unit> units = {
      MakeUnit("26", Level::kProvince, "", absl::CivilDay(2022, 1, 1)),
      MakeUnit("243", Level::kDistrict, "26"),
  };
  EXPECT_EQ(UnitCatalog::Create(units, kAug2021).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(UnitCatalogTest, RejectsEmptyValidity) {
  std::vector<Unit> units = SyntheticUnits();
  units.push_back(MakeUnit("99", Level::kProvince, "", kFrom2020, kFrom2020));
  EXPECT_EQ(UnitCatalog::Create(units, kAug2021).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(UnitCatalogTest, RejectsEmptyCode) {
  std::vector<Unit> units = SyntheticUnits();
  units.push_back(MakeUnit("", Level::kProvince, ""));
  EXPECT_EQ(UnitCatalog::Create(units, kAug2021).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(UnitCatalogTest, RejectsProvinceWithParent) {
  std::vector<Unit> units = {MakeUnit("26", Level::kProvince, "01"),
                             MakeUnit("01", Level::kProvince, "")};
  EXPECT_EQ(UnitCatalog::Create(units, kAug2021).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(UnitCatalogTest, RejectsDistrictWithoutParent) {
  std::vector<Unit> units = {MakeUnit("243", Level::kDistrict, "")};
  EXPECT_EQ(UnitCatalog::Create(units, kAug2021).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(UnitCatalogTest, RejectsParentAtSameOrLowerLevel) {
  std::vector<Unit> district_under_district = SyntheticUnits();
  district_under_district.push_back(
      MakeUnit("244", Level::kDistrict, "243"));
  EXPECT_EQ(UnitCatalog::Create(district_under_district, kAug2021)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);

  std::vector<Unit> commune_under_commune = SyntheticUnits();
  commune_under_commune.push_back(
      MakeUnit("08708", Level::kCommune, "08707"));
  EXPECT_EQ(
      UnitCatalog::Create(commune_under_commune, kAug2021).status().code(),
      absl::StatusCode::kInvalidArgument);
}

// --- Lookups ----------------------------------------------------------------

TEST(UnitCatalogTest, FindUnknownCodeIsNull) {
  UnitCatalog catalog = SyntheticCatalog();
  EXPECT_THAT(catalog.Find("99999"), IsNull());
  EXPECT_THAT(catalog.Find(""), IsNull());
  EXPECT_THAT(catalog.Find("0870"), IsNull());  // Not a prefix match.
}

TEST(UnitCatalogTest, ProvinceOfEachLevel) {
  UnitCatalog catalog = SyntheticCatalog();
  for (const char* code : {"26", "243", "08707", "09157"}) {
    ASSERT_THAT(catalog.Province(code), NotNull()) << code;
    EXPECT_EQ(catalog.Province(code)->code, "26") << code;
  }
  EXPECT_EQ(catalog.Province("24300")->code, "25");
  EXPECT_THAT(catalog.Province("99"), IsNull());
}

TEST(UnitCatalogTest, DistrictOfEachLevel) {
  UnitCatalog catalog = SyntheticCatalog();
  EXPECT_THAT(catalog.District("26"), IsNull());
  EXPECT_EQ(catalog.District("243")->code, "243");
  EXPECT_EQ(catalog.District("08707")->code, "243");
  EXPECT_EQ(catalog.District("09157")->code, "252");
  EXPECT_THAT(catalog.District("99999"), IsNull());
}

TEST(UnitCatalogTest, ContainsFollowsParentLinksNotPrefixes) {
  UnitCatalog catalog = SyntheticCatalog();
  EXPECT_TRUE(catalog.Contains("243", "08707"));
  EXPECT_TRUE(catalog.Contains("26", "08707"));
  EXPECT_FALSE(catalog.Contains("252", "08707"));
  // 24300 starts with "243" but lies in district 227 of province 25.
  EXPECT_FALSE(catalog.Contains("243", "24300"));
  EXPECT_FALSE(catalog.Contains("26", "24300"));
  EXPECT_TRUE(catalog.Contains("25", "24300"));
}

TEST(UnitCatalogTest, ContainsItself) {
  UnitCatalog catalog = SyntheticCatalog();
  EXPECT_TRUE(catalog.Contains("26", "26"));
  EXPECT_TRUE(catalog.Contains("243", "243"));
  EXPECT_TRUE(catalog.Contains("08707", "08707"));
}

TEST(UnitCatalogTest, ContainsIsNotSymmetric) {
  UnitCatalog catalog = SyntheticCatalog();
  EXPECT_FALSE(catalog.Contains("08707", "243"));
  EXPECT_FALSE(catalog.Contains("243", "26"));
  EXPECT_FALSE(catalog.Contains("08707", "08710"));
}

TEST(UnitCatalogTest, ContainsUnknownIsFalse) {
  UnitCatalog catalog = SyntheticCatalog();
  EXPECT_FALSE(catalog.Contains("99", "99"));
  EXPECT_FALSE(catalog.Contains("26", "99999"));
  EXPECT_FALSE(catalog.Contains("99", "08707"));
}

TEST(UnitCatalogTest, ChildrenOrderedByCode) {
  UnitCatalog catalog = SyntheticCatalog();
  EXPECT_THAT(Codes(catalog.Children("26")), ElementsAre("243", "252"));
  EXPECT_THAT(Codes(catalog.Children("243")), ElementsAre("08707", "08710"));
  EXPECT_THAT(catalog.Children("08707"), IsEmpty());
  EXPECT_THAT(catalog.Children("99"), IsEmpty());
}

TEST(UnitCatalogTest, AllOrderedByLevelThenCode) {
  UnitCatalog catalog = SyntheticCatalog();
  EXPECT_THAT(Codes(catalog.All()),
              ElementsAre("25", "26", "227", "243", "252", "08707", "08710",
                          "09157", "24300"));
}

TEST(UnitCatalogTest, CopiesSharePointersThatOutliveTheOriginal) {
  const Unit* found = nullptr;
  std::optional<UnitCatalog> copy;
  {
    UnitCatalog original = SyntheticCatalog();
    found = original.Find("08707");
    copy = original;
  }
  EXPECT_EQ(copy->Find("08707"), found);
  EXPECT_EQ(found->code, "08707");
}

TEST(UnitCatalogTest, ConcurrentReads) {
  const UnitCatalog catalog = SyntheticCatalog();
  std::vector<std::thread> threads;
  std::vector<int> hits(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&catalog, &hits, t] {
      for (int i = 0; i < 1000; ++i) {
        if (catalog.Contains("26", "08707") &&
            catalog.Province("09157") == catalog.Find("26")) {
          ++hits[t];
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_THAT(hits, ElementsAre(1000, 1000, 1000, 1000));
}

TEST(LevelNameTest, MatchesSchemaSpelling) {
  EXPECT_EQ(LevelName(Level::kProvince), "province");
  EXPECT_EQ(LevelName(Level::kDistrict), "district");
  EXPECT_EQ(LevelName(Level::kCommune), "commune");
}

// --- ParseUnitsSql ----------------------------------------------------------

TEST(ParseUnitsSqlTest, ParsesRowsCommentsAndQuotes) {
  absl::StatusOr<std::vector<Unit>> units = ParseUnitsSql(R"sql(
-- header comment; with a semicolon and a 'quote
CREATE SCHEMA IF NOT EXISTS ref;
/* block
   comment */
INSERT INTO ref.admin_units (code, valid_from, valid_to, level, name,
                             name_with_type, parent_code) VALUES
  ('26', '2020-01-01', NULL, 'province', 'Vĩnh Phúc', 'Tỉnh Vĩnh Phúc', NULL),
  ('618', '2020-01-01', '2025-07-01', 'district', 'Ia H'' Drai',
   'Huyện Ia H'' Drai; x', '62');
insert into REF.ADMIN_UNITS (level, parent_code, name_with_type, name,
                             valid_from, code)
  values ('commune', '243', 'Phường Tích Sơn', 'Tích Sơn', '2020-01-01',
          '08707');
INSERT INTO other.table (a) VALUES ('ignored');
)sql");
  ASSERT_TRUE(units.ok()) << units.status();
  ASSERT_EQ(units->size(), 3u);

  const Unit& p = (*units)[0];
  EXPECT_EQ(p.code, "26");
  EXPECT_EQ(p.valid_from, absl::CivilDay(2020, 1, 1));
  EXPECT_FALSE(p.valid_to.has_value());
  EXPECT_EQ(p.level, Level::kProvince);
  EXPECT_EQ(p.name, "Vĩnh Phúc");
  EXPECT_EQ(p.name_with_type, "Tỉnh Vĩnh Phúc");
  EXPECT_EQ(p.parent_code, "");

  const Unit& d = (*units)[1];
  EXPECT_EQ(d.name, "Ia H' Drai");
  EXPECT_EQ(d.name_with_type, "Huyện Ia H' Drai; x");
  ASSERT_TRUE(d.valid_to.has_value());
  EXPECT_EQ(*d.valid_to, absl::CivilDay(2025, 7, 1));

  const Unit& c = (*units)[2];
  EXPECT_EQ(c.code, "08707");
  EXPECT_EQ(c.level, Level::kCommune);
  EXPECT_EQ(c.parent_code, "243");
  EXPECT_FALSE(c.valid_to.has_value());
}

TEST(ParseUnitsSqlTest, EmptyInputHasNoRows) {
  absl::StatusOr<std::vector<Unit>> units = ParseUnitsSql("-- nothing\n");
  ASSERT_TRUE(units.ok()) << units.status();
  EXPECT_THAT(*units, IsEmpty());
}

absl::StatusCode ParseCode(absl::string_view sql) {
  return ParseUnitsSql(sql).status().code();
}

TEST(ParseUnitsSqlTest, RejectsMalformedInput) {
  constexpr absl::string_view kCols =
      "INSERT INTO ref.admin_units (code, valid_from, level, name, "
      "name_with_type, parent_code) VALUES ";
  const std::pair<std::string, std::string> cases[] = {
      {"unknown column",
       "INSERT INTO ref.admin_units (code, colour) VALUES ('1', 'x');"},
      {"missing column",
       "INSERT INTO ref.admin_units (code, valid_from) VALUES ('1', "
       "'2020-01-01');"},
      {"too few values",
       absl::StrCat(kCols, "('26', '2020-01-01', 'province', 'a', 'b');")},
      {"too many values",
       absl::StrCat(kCols,
                    "('26', '2020-01-01', 'province', 'a', 'b', NULL, 'c');")},
      {"bad date",
       absl::StrCat(kCols, "('26', '2020-13-01', 'province', 'a', 'b', NULL);")},
      {"bad level",
       absl::StrCat(kCols, "('26', '2020-01-01', 'state', 'a', 'b', NULL);")},
      {"null code",
       absl::StrCat(kCols, "(NULL, '2020-01-01', 'province', 'a', 'b', NULL);")},
      {"bare number",
       absl::StrCat(kCols, "(26, '2020-01-01', 'province', 'a', 'b', NULL);")},
      {"unterminated literal",
       absl::StrCat(kCols, "('26, '2020-01-01', 'province', 'a', 'b', NULL);")},
      {"missing semicolon",
       absl::StrCat(kCols, "('26', '2020-01-01', 'province', 'a', 'b', NULL)")},
      {"unterminated comment", "/* never closed"},
  };
  for (const auto& [label, sql] : cases) {
    EXPECT_EQ(ParseCode(sql), absl::StatusCode::kInvalidArgument) << label;
  }
}

// --- The shipped data -------------------------------------------------------

class ShippedUnitsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string path = absl::StrCat(
        RELIEF_SOURCE_DIR, "/common/units/schema/002_admin_units_data.sql");
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << "cannot open " << path;
    std::stringstream sql;
    sql << in.rdbuf();
    absl::StatusOr<std::vector<Unit>> parsed = ParseUnitsSql(sql.str());
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    units_ = new std::vector<Unit>(*parsed);
    absl::StatusOr<UnitCatalog> catalog =
        UnitCatalog::Create(*std::move(parsed), kAug2021);
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = new UnitCatalog(*std::move(catalog));
  }
  static void TearDownTestSuite() {
    delete catalog_;
    catalog_ = nullptr;
    delete units_;
    units_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(catalog_, nullptr) << "shipped SQL did not load";
  }

  static int CountLevel(Level level) {
    int n = 0;
    for (const Unit* u : catalog_->All()) n += u->level == level;
    return n;
  }

  static std::vector<Unit>* units_;
  static UnitCatalog* catalog_;
};

std::vector<Unit>* ShippedUnitsTest::units_ = nullptr;
UnitCatalog* ShippedUnitsTest::catalog_ = nullptr;

TEST_F(ShippedUnitsTest, CountsPerLevel) {
  EXPECT_EQ(units_->size(), 63u + 705u + 10599u);
  EXPECT_EQ(CountLevel(Level::kProvince), 63);
  EXPECT_EQ(CountLevel(Level::kDistrict), 705);
  EXPECT_EQ(CountLevel(Level::kCommune), 10599);
}

TEST_F(ShippedUnitsTest, AllValidFrom2020Open) {
  for (const Unit& u : *units_) {
    EXPECT_EQ(u.valid_from, absl::CivilDay(2020, 1, 1)) << u.code;
    EXPECT_FALSE(u.valid_to.has_value()) << u.code;
  }
}

TEST_F(ShippedUnitsTest, VinhPhucDistricts) {
  ASSERT_THAT(catalog_->Find("26"), NotNull());
  EXPECT_EQ(catalog_->Find("26")->name, "Vĩnh Phúc");
  EXPECT_THAT(Codes(catalog_->Children("26")),
              ElementsAre("243", "244", "246", "247", "248", "249", "251",
                          "252", "253"));
  const Unit* vinh_tuong = catalog_->Find("252");
  ASSERT_THAT(vinh_tuong, NotNull());
  EXPECT_EQ(vinh_tuong->level, Level::kDistrict);
  EXPECT_EQ(vinh_tuong->parent_code, "26");
  EXPECT_EQ(vinh_tuong->name_with_type, "Huyện Vĩnh Tường");
  EXPECT_EQ(catalog_->Province("252"), catalog_->Find("26"));
}

TEST_F(ShippedUnitsTest, TichSonLiesInVinhYenNotVinhTuong) {
  ASSERT_THAT(catalog_->Find("08707"), NotNull());
  EXPECT_EQ(catalog_->Find("08707")->name_with_type, "Phường Tích Sơn");
  EXPECT_TRUE(catalog_->Contains("243", "08707"));
  EXPECT_TRUE(catalog_->Contains("26", "08707"));
  EXPECT_FALSE(catalog_->Contains("252", "08707"));
}

TEST_F(ShippedUnitsTest, VinhPhucHas136Communes) {
  int in_26 = 0;
  for (const Unit* u : catalog_->All()) {
    if (u->level != Level::kCommune) continue;
    const bool under_26_district =
        catalog_->Find(u->parent_code)->parent_code == "26";
    EXPECT_EQ(under_26_district, catalog_->Province(u->code)->code == "26")
        << u->code;
    if (catalog_->Contains("26", u->code)) {
      ++in_26;
      EXPECT_EQ(catalog_->Province(u->code)->code, "26") << u->code;
    }
  }
  EXPECT_EQ(in_26, 136);
  int via_children = 0;
  for (const Unit* d : catalog_->Children("26")) {
    via_children += static_cast<int>(catalog_->Children(d->code).size());
  }
  EXPECT_EQ(via_children, 136);
}

TEST_F(ShippedUnitsTest, EveryCommuneHasDistrictAndProvince) {
  for (const Unit* u : catalog_->All()) {
    if (u->level != Level::kCommune) continue;
    ASSERT_THAT(catalog_->District(u->code), NotNull()) << u->code;
    ASSERT_THAT(catalog_->Province(u->code), NotNull()) << u->code;
    EXPECT_TRUE(catalog_->Contains(catalog_->Province(u->code)->code,
                                   u->code));
  }
}

TEST_F(ShippedUnitsTest, CodesKeepLeadingZeros) {
  EXPECT_THAT(catalog_->Find("01"), NotNull());
  EXPECT_THAT(catalog_->Find("1"), IsNull());
  EXPECT_THAT(catalog_->Find("001"), NotNull());
  EXPECT_THAT(catalog_->Find("00001"), NotNull());
  EXPECT_THAT(catalog_->Find("09157"), NotNull());
}

}  // namespace
}  // namespace relief::units
