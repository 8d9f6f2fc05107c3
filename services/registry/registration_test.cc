#include "services/registry/registration.h"

#include "common/base/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace relief::registry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

units::Unit U(std::string code, units::Level level, std::string parent) {
  return units::Unit{.code = std::move(code),
                     .valid_from = absl::CivilDay(2020, 1, 1),
                     .level = level,
                     .name = "x",
                     .name_with_type = "x",
                     .parent_code = std::move(parent)};
}

units::UnitCatalog Catalog() {
  using units::Level;
  return *units::UnitCatalog::Create(
      {U("26", Level::kProvince, ""), U("252", Level::kDistrict, "26"),
       U("09157", Level::kCommune, "252"), U("79", Level::kProvince, ""),
       U("777", Level::kDistrict, "79"), U("01", Level::kProvince, ""),
       U("001", Level::kDistrict, "01"), U("00001", Level::kCommune, "001")},
      absl::CivilDay(2021, 8, 15));
}

// 2021-08-20 12:00 in Vietnam.
const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2021, 8, 20, 12, 0, 0),
                                        absl::FixedTimeZone(7 * 3600));

RegistrationInput Valid() {
  RegistrationInput in;
  in.request_id = "req-1";
  Person& p = in.person;
  p.full_name = "Nguyễn Văn An";
  p.birth_date = {1990, 5, 17};
  p.sex = Sex::kMale;
  p.documents = {{.type = DocumentType::kCccd, .number = "026 090 001 234"}};
  p.phone = "0912 345 678";
  p.home_commune_code = "09157";
  p.host_province_code = "79";
  p.host_district_code = "777";
  p.street = "12 Đường số 7, phường Bình Trị Đông";
  p.need_kind = NeedKind::kLiving;
  p.source = Source::kHotline;
  return in;
}

class RegistrationTest : public ::testing::Test {
 protected:
  absl::StatusOr<Registration> Normalize(const RegistrationInput& in) {
    return NormalizeRegistration(in, catalog_, DeploymentConfig{}, kNow);
  }
  // The field paths of the violations `in` produces.
  std::vector<std::string> Fields(const RegistrationInput& in) {
    absl::StatusOr<Registration> r = Normalize(in);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    std::vector<std::string> fields;
    for (const auto& v : GetFieldViolations(r.status())) {
      fields.push_back(v.field);
    }
    return fields;
  }
  units::UnitCatalog catalog_ = Catalog();
};

TEST_F(RegistrationTest, NormalisesAValidRecord) {
  absl::StatusOr<Registration> r = Normalize(Valid());
  ASSERT_TRUE(r.ok()) << r.status();
  const Person& p = r->person;
  EXPECT_EQ(p.documents[0].number, "026090001234");
  EXPECT_EQ(p.documents[0].key, "ID12:026090001234");
  EXPECT_EQ(p.phone, "+84912345678");
  EXPECT_EQ(p.home_district_code, "252");
  EXPECT_EQ(p.home_province_code, "26");
  EXPECT_EQ(p.state, PersonState::kSubmitted);
  EXPECT_THAT(r->warnings, IsEmpty());
  EXPECT_THAT(r->document_keys(), ElementsAre("ID12:026090001234"));
}

TEST_F(RegistrationTest, CmndTwelveAndCccdShareAKey) {
  RegistrationInput in = Valid();
  in.person.documents = {
      {.type = DocumentType::kCmnd, .number = "026.090.001.234"},
      {.type = DocumentType::kCccd, .number = "０２６０９０００１２３４"}};
  absl::StatusOr<Registration> r = Normalize(in);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->document_keys(), ElementsAre("ID12:026090001234"));
}

TEST_F(RegistrationTest, PlaceholdersAreRefused) {
  for (const char* number : {"000000000", "chưa có"}) {
    RegistrationInput in = Valid();
    in.person.documents = {{.type = DocumentType::kCmnd, .number = number}};
    EXPECT_THAT(Fields(in), ElementsAre("documents[0].number")) << number;
  }
}

TEST_F(RegistrationTest, EachBadFieldIsNamed) {
  struct Case {
    const char* name;
    std::function<void(RegistrationInput&)> mutate;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"empty request id", [](auto& in) { in.request_id = ""; }, "request_id"},
      {"invalid CCCD",
       [](auto& in) { in.person.documents[0].number = "0260900012"; },
       "documents[0].number"},
      {"unknown commune",
       [](auto& in) { in.person.home_commune_code = "99999"; },
       "home_commune_code"},
      {"commune of another province",
       [](auto& in) { in.person.home_commune_code = "00001"; },
       "home_commune_code"},
      {"district as commune",
       [](auto& in) { in.person.home_commune_code = "252"; },
       "home_commune_code"},
      {"host = home province",
       [](auto& in) {
         in.person.host_province_code = "26";
         in.person.host_district_code = "";
       },
       "current_address.province_code"},
      {"host district elsewhere",
       [](auto& in) { in.person.host_district_code = "001"; },
       "current_address.district_code"},
      {"empty name", [](auto& in) { in.person.full_name = "  "; }, "full_name"},
      {"zero-width in name",
       [](auto& in) { in.person.full_name = "Nguyễn\u200BVăn An"; },
       "full_name"},
      {"bidi control in name",
       [](auto& in) { in.person.full_name = "Nguyễn \u202EVăn An"; },
       "full_name"},
      {"1 MB name",
       [](auto& in) { in.person.full_name = std::string(1 << 20, 'a'); },
       "full_name"},
      {"born in the future",
       [](auto& in) { in.person.birth_date = {2021, 8, 21}; }, "birth_date"},
      {"born before 1900",
       [](auto& in) { in.person.birth_date = {1899, 12, 31}; },
       "birth_date.year"},
      {"31 February", [](auto& in) { in.person.birth_date = {1990, 2, 31}; },
       "birth_date.day"},
      {"no birth date", [](auto& in) { in.person.birth_date = {}; },
       "birth_date"},
      {"no sex", [](auto& in) { in.person.sex = Sex::kUnspecified; }, "sex"},
      {"bad phone", [](auto& in) { in.person.phone = "12345"; }, "phone"},
      {"no needs",
       [](auto& in) { in.person.need_kind = NeedKind::kUnspecified; },
       "needs.kind"},
      {"no source",
       [](auto& in) { in.person.source = Source::kUnspecified; }, "source"},
      {"partner without ref",
       [](auto& in) {
         in.person.source = Source::kPartner;
         in.person.partner_id = "redcross";
       },
       "partner_external_ref"},
      {"document type missing",
       [](auto& in) { in.person.documents[0].type = DocumentType::kUnspecified; },
       "documents[0].type"},
  };
  for (const Case& c : cases) {
    RegistrationInput in = Valid();
    c.mutate(in);
    EXPECT_THAT(Fields(in), ElementsAre(c.field)) << c.name;
  }
}

TEST_F(RegistrationTest, YearOnlyBirthIsAccepted) {
  RegistrationInput in = Valid();
  in.person.birth_date = {1990, 0, 0};
  EXPECT_TRUE(Normalize(in).ok());
}

TEST_F(RegistrationTest, WithoutPapersNeedsARelative) {
  RegistrationInput in = Valid();
  in.person.documents.clear();
  EXPECT_THAT(Fields(in), ElementsAre("relatives"));
  in.person.relatives = {{"Nguyễn Thị Hoa", "mẹ", "0168 123 4567"}};
  absl::StatusOr<Registration> r = Normalize(in);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->person.relatives[0].phone, "+84381234567");
}

TEST_F(RegistrationTest, InconsistentCccdIsAWarningNotARefusal) {
  RegistrationInput in = Valid();
  in.person.sex = Sex::kFemale;  // digit 4 is 0: a man born in the 1900s
  absl::StatusOr<Registration> r = Normalize(in);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_THAT(r->warnings[0], HasSubstr("documents[0]"));
}

TEST_F(RegistrationTest, NamesAreStoredInNfc) {
  RegistrationInput in = Valid();
  in.person.full_name = "Nguye\u0302\u0303n  Va\u0306n An";  // decomposed
  absl::StatusOr<Registration> r = Normalize(in);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->person.full_name, "Nguyễn Văn An");
}

}  // namespace
}  // namespace relief::registry
