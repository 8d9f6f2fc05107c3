#include "services/registry/testing/people_generator.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/base/config.h"
#include "common/text/vn_text.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/registry/registration.h"

namespace relief::registry::testing {
namespace {

using ::testing::Contains;
using ::testing::Ge;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

// 2021-08-20 12:00 in Vietnam: inside the 2021 programme.
const absl::Time kNow = absl::FromCivil(
    absl::CivilSecond(2021, 8, 20, 12, 0, 0), absl::FixedTimeZone(7 * 3600));

// The sorted match-key tokens of a name: order-, case-, space- and
// mark-insensitive.
std::vector<std::string> KeyTokens(absl::string_view name) {
  std::vector<std::string> tokens =
      absl::StrSplit(text::MatchKey(name), ' ', absl::SkipEmpty());
  std::sort(tokens.begin(), tokens.end());
  return tokens;
}

size_t Levenshtein(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min(
          {row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// "Family Middle… Given" without the given name.
std::string FamilyAndMiddle(const GeneratedRecord& r) {
  return r.canonical_name.substr(0,
                                 r.canonical_name.size() - r.given_name.size());
}

class PeopleGeneratorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string path = absl::StrCat(
        RELIEF_SOURCE_DIR, "/common/units/schema/002_admin_units_data.sql");
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << "cannot open " << path;
    std::stringstream sql;
    sql << in.rdbuf();
    absl::StatusOr<std::vector<units::Unit>> parsed =
        units::ParseUnitsSql(sql.str());
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    absl::StatusOr<units::UnitCatalog> catalog = units::UnitCatalog::Create(
        *std::move(parsed), DeploymentConfig{}.reference_date);
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = new units::UnitCatalog(*std::move(catalog));
    records_ = new std::vector<GeneratedRecord>(GeneratePeople(Options()));
  }
  static void TearDownTestSuite() {
    delete records_;
    records_ = nullptr;
    delete catalog_;
    catalog_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(catalog_, nullptr); }

  // The defaults (2000 people, 5000 records, seed 2021) with a fixed list of
  // real Vĩnh Phúc communes.
  static GeneratorOptions Options() {
    GeneratorOptions o;
    o.commune_codes = {"08707", "08710", "08734", "08740", "08761",
                       "08764", "08773", "08776", "08869", "08872",
                       "08908", "08911", "08935", "08938", "09025",
                       "09031", "09076", "09082", "09154", "09157"};
    return o;
  }

  static absl::StatusOr<Registration> Normalize(const GeneratedRecord& r) {
    return NormalizeRegistration(r.input, *catalog_, DeploymentConfig{}, kNow);
  }

  static const std::vector<GeneratedRecord>& Records() { return *records_; }

  static units::UnitCatalog* catalog_;
  static std::vector<GeneratedRecord>* records_;
};

units::UnitCatalog* PeopleGeneratorTest::catalog_ = nullptr;
std::vector<GeneratedRecord>* PeopleGeneratorTest::records_ = nullptr;

TEST_F(PeopleGeneratorTest, SharesMeetTheIssue) {
  const GeneratorStats s = Summarize(Records());
  std::cout << "[people_generator] " << s.ToString() << "\n";
  EXPECT_EQ(s.records, 5000);
  EXPECT_EQ(s.people, 2000);
  EXPECT_EQ(s.duplicates, 3000);
  EXPECT_GE(s.no_shared_key, 0.30 * s.duplicates);
  EXPECT_GE(s.Share(s.hard_negative), 0.02);
  EXPECT_GT(s.twin_pairs, 0);
  EXPECT_GT(s.namesake_pairs, 0);
  EXPECT_GE(s.Share(s.no_document), 0.15);
  EXPECT_GE(s.Share(s.year_only), 0.15);
  EXPECT_GE(s.Share(s.swapped_order), 0.10);
  EXPECT_GE(s.Share(s.typo), 0.05);
  EXPECT_GE(s.Share(s.marks_dropped), 0.10);
  EXPECT_GT(s.upper_case, 0);
  EXPECT_GT(s.lower_case, 0);
  EXPECT_GT(s.extra_spaces, 0);
  EXPECT_GT(s.formatted_document, 0);
  EXPECT_GT(s.no_phone, 0);
  EXPECT_GE(s.Share(s.old_phone), 0.10);
  EXPECT_GT(s.formatted_phone, 0);
  const double nguyen = static_cast<double>(s.nguyen_people) / s.people;
  EXPECT_GE(nguyen, 0.34);
  EXPECT_LE(nguyen, 0.42);
}

TEST_F(PeopleGeneratorTest, SwapsAndTyposAreMoreCommonAmongDuplicates) {
  int first = 0, first_swapped = 0, dup = 0, dup_swapped = 0;
  for (const GeneratedRecord& r : Records()) {
    const bool swapped = (r.variations & kSwappedOrder) != 0;
    if (r.duplicate) {
      ++dup;
      dup_swapped += swapped;
    } else {
      ++first;
      first_swapped += swapped;
    }
  }
  EXPECT_GT(static_cast<double>(dup_swapped) / dup,
            2.0 * first_swapped / first);
}

TEST_F(PeopleGeneratorTest, EveryPersonHasAFirstRecordBeforeTheirDuplicates) {
  std::vector<int> seen(2000, 0);
  int adjacent = 0;
  for (size_t i = 0; i < Records().size(); ++i) {
    const GeneratedRecord& r = Records()[i];
    ASSERT_GE(r.person, 0);
    ASSERT_LT(r.person, 2000);
    EXPECT_EQ(r.duplicate, seen[r.person] > 0) << r.input.request_id;
    EXPECT_EQ(r.input.request_id, absl::StrCat("gen-2021-", i));
    ++seen[r.person];
    if (i > 0 && Records()[i - 1].person == r.person) ++adjacent;
  }
  EXPECT_THAT(seen, Not(Contains(0)));
  // Duplicates are spread through the stream, not next to the first record.
  EXPECT_LT(adjacent, 10);
}

TEST_F(PeopleGeneratorTest, NoSharedKeyFollowsTheDocumentKeys) {
  std::map<int, std::set<std::string>> seen;
  for (const GeneratedRecord& r : Records()) {
    std::set<std::string>& keys = seen[r.person];
    bool shares = false;
    for (const std::string& k : r.document_keys) shares |= keys.count(k) > 0;
    EXPECT_EQ(r.no_shared_key, r.duplicate && !shares) << r.input.request_id;
    keys.insert(r.document_keys.begin(), r.document_keys.end());
    EXPECT_EQ(r.document_keys.empty(), r.input.person.documents.empty());
  }
}

TEST_F(PeopleGeneratorTest, NoTwoPeopleShareADocumentKey) {
  absl::flat_hash_map<std::string, int> owner;
  for (const GeneratedRecord& r : Records()) {
    for (const std::string& k : r.document_keys) {
      auto [it, inserted] = owner.emplace(k, r.person);
      EXPECT_EQ(it->second, r.person) << k;
    }
  }
}

TEST_F(PeopleGeneratorTest, IsDeterministicBySeed) {
  const std::vector<GeneratedRecord> again = GeneratePeople(Options());
  ASSERT_EQ(again.size(), Records().size());
  for (size_t i = 0; i < again.size(); ++i) {
    const Person& a = again[i].input.person;
    const Person& b = Records()[i].input.person;
    EXPECT_EQ(again[i].input.request_id, Records()[i].input.request_id);
    EXPECT_EQ(again[i].person, Records()[i].person);
    EXPECT_EQ(a.full_name, b.full_name);
    EXPECT_EQ(a.birth_date, b.birth_date);
    EXPECT_EQ(a.phone, b.phone);
    ASSERT_EQ(a.documents.size(), b.documents.size());
    for (size_t d = 0; d < a.documents.size(); ++d) {
      EXPECT_EQ(a.documents[d].number, b.documents[d].number);
    }
  }

  GeneratorOptions other = Options();
  other.seed = 2022;
  const std::vector<GeneratedRecord> different = GeneratePeople(other);
  ASSERT_EQ(different.size(), Records().size());
  int same_name = 0;
  for (size_t i = 0; i < different.size(); ++i) {
    same_name += different[i].input.person.full_name ==
                 Records()[i].input.person.full_name;
  }
  EXPECT_LT(same_name, 100);
  EXPECT_EQ(different[0].input.request_id, "gen-2022-0");
}

TEST_F(PeopleGeneratorTest, EveryRecordNormalises) {
  for (const GeneratedRecord& r : Records()) {
    absl::StatusOr<Registration> reg = Normalize(r);
    ASSERT_TRUE(reg.ok()) << r.input.request_id << " \""
                          << r.input.person.full_name << "\": " << reg.status();
    // CCCD century/sex digits agree with the birth date and sex.
    EXPECT_THAT(reg->warnings, IsEmpty()) << r.input.request_id;
    EXPECT_EQ(reg->document_keys(), r.document_keys) << r.input.request_id;
    if (r.input.person.phone.empty()) {
      EXPECT_TRUE(r.variations & kNoPhone);
    } else {
      // Old 11-digit numbers map to the person's new number.
      EXPECT_EQ(reg->person.phone, r.canonical_phone)
          << r.input.request_id << " wrote " << r.input.person.phone;
    }
    EXPECT_EQ(reg->person.home_province_code, "26");
    EXPECT_NE(reg->person.host_province_code, "26");
    EXPECT_EQ(reg->person.birth_date.year, r.canonical_birth_date.year);
  }
}

TEST_F(PeopleGeneratorTest, OldPhonesAreElevenDigitsStartingWith01) {
  int old = 0;
  for (const GeneratedRecord& r : Records()) {
    if (!(r.variations & kOldPhone)) continue;
    ++old;
    std::string digits;
    for (char c : r.input.person.phone) {
      if (c >= '0' && c <= '9') digits.push_back(c);
    }
    EXPECT_EQ(digits.size(), 11u) << r.input.person.phone;
    EXPECT_EQ(digits.substr(0, 2), "01") << r.input.person.phone;
    EXPECT_EQ(Normalize(r)->person.phone, r.canonical_phone);
  }
  EXPECT_GT(old, 0);
}

TEST_F(PeopleGeneratorTest, NamesDifferFromTheCanonicalOnlyAsFlagged) {
  for (const GeneratedRecord& r : Records()) {
    const std::vector<std::string> written =
        KeyTokens(r.input.person.full_name);
    const std::vector<std::string> canonical = KeyTokens(r.canonical_name);
    ASSERT_EQ(text::NormalizeName(r.canonical_name).value_or(""),
              r.canonical_name)
        << "canonical names are NFC with single spaces";
    if (!(r.variations & kTypo)) {
      EXPECT_EQ(written, canonical) << r.input.person.full_name;
      continue;
    }
    // One token is one edit away.
    std::vector<std::string> only_written, only_canonical;
    std::set_difference(written.begin(), written.end(), canonical.begin(),
                        canonical.end(), std::back_inserter(only_written));
    std::set_difference(canonical.begin(), canonical.end(), written.begin(),
                        written.end(), std::back_inserter(only_canonical));
    ASSERT_THAT(only_written, SizeIs(1)) << r.input.person.full_name;
    ASSERT_THAT(only_canonical, SizeIs(1)) << r.input.person.full_name;
    EXPECT_EQ(Levenshtein(only_written[0], only_canonical[0]), 1u)
        << r.input.person.full_name << " / " << r.canonical_name;
    EXPECT_GE(only_canonical[0].size(), 4u);
  }
}

TEST_F(PeopleGeneratorTest, MarksDroppedRecordsAreAscii) {
  for (const GeneratedRecord& r : Records()) {
    const std::string& name = r.input.person.full_name;
    const bool ascii = std::all_of(name.begin(), name.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x80;
    });
    if (r.variations & kMarksDropped) EXPECT_TRUE(ascii) << name;
  }
}

TEST_F(PeopleGeneratorTest, YearOnlyIsPerRecord) {
  std::map<int, std::pair<int, int>> per_person;  // year-only, full
  for (const GeneratedRecord& r : Records()) {
    const BirthDate& d = r.input.person.birth_date;
    EXPECT_EQ(d.year_only(), (r.variations & kYearOnly) != 0);
    if (!d.year_only()) EXPECT_EQ(d, r.canonical_birth_date);
    auto& [year_only, full] = per_person[r.person];
    (d.year_only() ? year_only : full)++;
  }
  int mixed = 0;
  for (const auto& [person, counts] : per_person) {
    mixed += counts.first > 0 && counts.second > 0;
  }
  EXPECT_GT(mixed, 100);
}

TEST_F(PeopleGeneratorTest, HardNegativesAreDifferentLookAlikePeople) {
  std::map<int, const GeneratedRecord*> first;  // person -> first record
  for (const GeneratedRecord& r : Records()) {
    if (!r.duplicate) first[r.person] = &r;
  }
  int twins = 0, namesakes = 0;
  for (const auto& [person, r] : first) {
    if (!r->hard_negative) {
      EXPECT_EQ(r->partner, -1);
      continue;
    }
    ASSERT_TRUE(first.count(r->partner)) << person;
    const GeneratedRecord& o = *first[r->partner];
    EXPECT_EQ(o.partner, person);
    EXPECT_EQ(o.hard_negative_kind, r->hard_negative_kind);
    EXPECT_EQ(FamilyAndMiddle(o), FamilyAndMiddle(*r));
    EXPECT_EQ(o.input.person.home_commune_code,
              r->input.person.home_commune_code);
    EXPECT_EQ(o.input.person.sex, r->input.person.sex);
    EXPECT_NE(o.given_name, r->given_name);
    if (r->hard_negative_kind == HardNegativeKind::kTwin) {
      ++twins;
      EXPECT_NE(text::MatchKey(o.given_name), text::MatchKey(r->given_name));
      EXPECT_EQ(o.canonical_birth_date, r->canonical_birth_date);
      EXPECT_EQ(o.canonical_phone, r->canonical_phone);
      EXPECT_EQ(o.canonical_host_province_code,
                r->canonical_host_province_code);
    } else {
      ++namesakes;
      EXPECT_EQ(text::MatchKey(o.given_name), text::MatchKey(r->given_name));
      EXPECT_NE(o.canonical_birth_date, r->canonical_birth_date);
      EXPECT_NE(o.canonical_phone, r->canonical_phone);
    }
  }
  EXPECT_GT(twins, 0);
  EXPECT_GT(namesakes, 0);
  // Namesakes are always written with their marks.
  for (const GeneratedRecord& r : Records()) {
    if (r.hard_negative_kind != HardNegativeKind::kNamesake) continue;
    EXPECT_FALSE(r.variations & (kMarksDropped | kTypo)) << r.input.request_id;
    if (!(r.variations & (kUpperCase | kLowerCase))) {
      EXPECT_THAT(std::vector<std::string>(absl::StrSplit(
                      r.input.person.full_name, ' ', absl::SkipEmpty())),
                  Contains(r.given_name));
    }
  }
}

TEST_F(PeopleGeneratorTest, DuplicatesKeepTheHomeCommuneAndSex) {
  std::map<int, const GeneratedRecord*> first;
  int host_changed = 0;
  for (const GeneratedRecord& r : Records()) {
    if (!r.duplicate) {
      first[r.person] = &r;
      continue;
    }
    const GeneratedRecord& f = *first.at(r.person);
    EXPECT_EQ(r.input.person.home_commune_code,
              f.input.person.home_commune_code);
    EXPECT_EQ(r.input.person.sex, f.input.person.sex);
    host_changed +=
        r.input.person.host_province_code != r.canonical_host_province_code;
  }
  EXPECT_LT(host_changed, 0.1 * 3000);
}

TEST_F(PeopleGeneratorTest, NameTablesAreRealAndLargeEnough) {
  for (Sex sex : {Sex::kFemale, Sex::kMale}) {
    EXPECT_THAT(GivenNames(sex), SizeIs(Ge(80u)));
    std::set<std::string> given;
    for (const WeightedName& n : GivenNames(sex)) {
      EXPECT_TRUE(given.insert(n.text).second) << "repeated " << n.text;
      EXPECT_EQ(text::NormalizeName(n.text).value_or(""), n.text);
    }
    for (const auto& [a, b] : MarkOnlyPairs(sex)) {
      EXPECT_TRUE(given.count(a)) << a;
      EXPECT_TRUE(given.count(b)) << b;
      EXPECT_NE(std::string(a), std::string(b));
      EXPECT_EQ(text::MatchKey(a), text::MatchKey(b));
    }
    double thi_van = 0, total = 0;
    for (const WeightedName& n : MiddleNames(sex)) {
      total += n.weight;
      if (std::string(n.text) == "Thị" || std::string(n.text) == "Văn") {
        thi_van += n.weight;
      }
    }
    EXPECT_GE(thi_van / total, 0.4);
  }
  double total = 0;
  for (const WeightedName& n : FamilyNames()) total += n.weight;
  EXPECT_NEAR(total, 100.0, 0.5);
}

TEST_F(PeopleGeneratorTest, FamilyNamesFollowTheirFrequencies) {
  std::map<std::string, int> count;
  int people = 0;
  for (const GeneratedRecord& r : Records()) {
    if (r.duplicate) continue;
    ++people;
    ++count[r.family_name];
  }
  auto share = [&](const char* name) {
    return static_cast<double>(count[name]) / people;
  };
  EXPECT_NEAR(share("Trần"), 0.11, 0.025);
  EXPECT_NEAR(share("Lê"), 0.095, 0.025);
  EXPECT_NEAR(share("Phạm"), 0.07, 0.02);
  EXPECT_GE(count.size(), 25u);
}

TEST_F(PeopleGeneratorTest, CommuneCodesOfTheShippedCatalog) {
  const std::vector<std::string> codes = CommuneCodesOf(*catalog_, "26");
  EXPECT_THAT(codes, SizeIs(136));
  for (const std::string& c : DefaultVinhPhucCommuneCodes()) {
    EXPECT_THAT(codes, Contains(c));
  }
  EXPECT_THAT(CommuneCodesOf(*catalog_, "99"), IsEmpty());
  EXPECT_THAT(CommuneCodesOf(*catalog_, "252"), IsEmpty());

  GeneratorOptions o;
  o.people = 300;
  o.records = 600;
  o.commune_codes = codes;
  for (const GeneratedRecord& r : GeneratePeople(o)) {
    EXPECT_TRUE(Normalize(r).ok()) << r.input.request_id;
  }
}

TEST_F(PeopleGeneratorTest, WithoutDuplicatesOneRecordPerPerson) {
  GeneratorOptions o = Options();
  o.duplicates = false;
  o.people = 500;
  const std::vector<GeneratedRecord> records = GeneratePeople(o);
  ASSERT_THAT(records, SizeIs(500));
  std::set<int> people;
  for (const GeneratedRecord& r : records) {
    EXPECT_FALSE(r.duplicate);
    people.insert(r.person);
  }
  EXPECT_THAT(people, SizeIs(500));
}

TEST_F(PeopleGeneratorTest, StreamIsDeterministicUniqueAndValid) {
  GeneratorOptions o = Options();
  o.people = 1000000;
  PeopleStream a(o);
  PeopleStream b(o);
  absl::flat_hash_set<std::string> keys;
  std::vector<GeneratedRecord> sample;
  int nguyen = 0;
  constexpr int kN = 20000;
  for (int i = 0; i < kN; ++i) {
    GeneratedRecord r = a.Next();
    GeneratedRecord s = b.Next();
    ASSERT_EQ(r.input.person.full_name, s.input.person.full_name);
    ASSERT_EQ(r.input.request_id, s.input.request_id);
    EXPECT_EQ(r.person, i);
    EXPECT_FALSE(r.duplicate);
    nguyen += r.family_name == "Nguyễn";
    for (const std::string& k : r.document_keys) {
      EXPECT_TRUE(keys.insert(k).second) << "key " << k << " repeated";
    }
    if (i % 10 == 0) {
      absl::StatusOr<Registration> reg = Normalize(r);
      ASSERT_TRUE(reg.ok()) << r.input.request_id << ": " << reg.status();
      EXPECT_THAT(reg->warnings, IsEmpty());
    }
    sample.push_back(std::move(r));
  }
  EXPECT_EQ(a.emitted(), kN);
  EXPECT_FALSE(a.Done());
  EXPECT_NEAR(static_cast<double>(nguyen) / kN, 0.38, 0.02);
  const GeneratorStats st = Summarize(sample);
  std::cout << "[people_generator stream] " << st.ToString() << "\n";
  EXPECT_GE(st.Share(st.hard_negative), 0.02);
  EXPECT_GE(st.Share(st.no_document), 0.10);
  EXPECT_GE(st.Share(st.year_only), 0.15);
}

}  // namespace
}  // namespace relief::registry::testing
