// The fuzzy duplicate pass's pure parts (label: unit).
#include "services/registry/duplicates.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace relief::registry {
namespace {

using ::testing::Contains;
using ::testing::Not;

MatchRecord Rec(std::string name, BirthDate dob, std::string phone = "",
                Sex sex = Sex::kMale, std::string commune = "09157") {
  return {.id = "x",
          .full_name = std::move(name),
          .birth_date = dob,
          .sex = sex,
          .phone = std::move(phone),
          .home_commune_code = std::move(commune)};
}

const MatchConfig kConfig;
const TokenStats kStats;  // the built-in prior only

TEST(DuplicatesTest, SwappedOrderMarksAndCaseScoreAsTheSameName) {
  const auto a = Rec("Nguyễn Thị Hồng Nhung", {1990, 5, 17}, "+84912345678",
                     Sex::kFemale);
  for (const char* other : {"Nhung Nguyễn Thị Hồng", "NGUYEN THI HONG NHUNG",
                            "nguyễn  thị hồng nhung"}) {
    auto b = a;
    b.full_name = other;
    EXPECT_EQ(Score(a, b, kStats).bits, Score(a, a, kStats).bits) << other;
    EXPECT_GE(Score(a, b, kStats).bits, kConfig.link_bits) << other;
  }
  EXPECT_EQ(NameTokens("Nhung Nguyễn Thị Hồng"),
            NameTokens("nguyen thi hong NHUNG"));
}

TEST(DuplicatesTest, MarkOnlyDifferenceCountsAgainstWhenBothCarryMarks) {
  const auto hung = Rec("Nguyễn Văn Hùng", {1990, 5, 17});
  auto hung2 = Rec("Nguyễn Văn Hưng", {1990, 5, 17});
  auto plain = Rec("Nguyen Van Hung", {1990, 5, 17});
  const double same = Score(hung, hung, kStats).bits;
  EXPECT_LT(Score(hung, hung2, kStats).bits, same - 10);
  // Without marks on one side nothing can be told apart.
  EXPECT_EQ(Score(hung, plain, kStats).bits, same);
  EXPECT_EQ(Score(Rec("Trần Thị Hoa", {1988, 0, 0}, "", Sex::kFemale),
                  Rec("Trần Thị Hòa", {1988, 0, 0}, "", Sex::kFemale), kStats)
                .fields[0]
                .note,
            "HOA/HÒA differ by marks");
}

TEST(DuplicatesTest, TwinsDoNotLink) {
  // Same family, middle name, date, phone and commune; another given name.
  const auto a = Rec("Lê Văn Tuấn", {2001, 3, 9}, "+84987654321");
  const auto b = Rec("Lê Văn Tú", {2001, 3, 9}, "+84987654321");
  EXPECT_LT(Score(a, b, kStats).bits, kConfig.link_bits);
}

TEST(DuplicatesTest, TypoInARareTokenStillScoresAsLikely) {
  // A registry of 10,000 people where Phương, Minh and Linh are names and
  // the misspelling "Phuog" is nobody's.
  const TokenStats stats({{"PHAM", 700},
                          {"THI", 3000},
                          {"PHUONG", 150},
                          {"DO", 140},
                          {"VAN", 2500},
                          {"MINH", 400},
                          {"LINH", 300}},
                         10000);
  const auto a = Rec("Phạm Thị Phượng", {1995, 1, 2}, "", Sex::kFemale);
  const auto b = Rec("Phạm Thị Phương", {1995, 1, 2}, "", Sex::kFemale);
  // Both are names: a typo rule must not merge Phượng and Phương.
  EXPECT_LT(Score(a, b, stats).bits, kConfig.link_bits - 6);
  const auto typo = Rec("Phạm Thị Phuợg", {1995, 1, 2}, "", Sex::kFemale);
  EXPECT_GE(Score(a, typo, stats).bits, kConfig.review_bits);
  EXPECT_EQ(Score(a, typo, stats).fields[0].note, "PHUONG~PHUOG one edit");
  // Minh and Linh are both common names: not one edit of each other.
  const auto minh = Rec("Đỗ Văn Minh", {1980, 0, 0}, "+84911111111");
  const auto linh = Rec("Đỗ Văn Linh", {1980, 0, 0}, "+84911111111");
  EXPECT_EQ(Score(minh, linh, stats).fields[0].note, "2 unmatched");
  EXPECT_LT(Score(minh, linh, stats).bits, kConfig.link_bits);
}

TEST(DuplicatesTest, DatesSexAndCommuneWeigh) {
  const auto a = Rec("Hoàng Văn Khải", {1979, 4, 30});
  auto b = a;
  b.birth_date = {1979, 0, 0};
  EXPECT_LT(Score(a, b, kStats).bits, Score(a, a, kStats).bits);
  EXPECT_GT(Score(a, b, kStats).bits, kConfig.review_bits);
  b.birth_date = {1985, 4, 30};
  EXPECT_LT(Score(a, b, kStats).bits, kConfig.link_bits - 6);
  b = a;
  b.sex = Sex::kFemale;
  EXPECT_LT(Score(a, b, kStats).bits, kConfig.link_bits);
}

TEST(DuplicatesTest, CommonTokensAreWeakEvidence) {
  TokenStats stats({{"NGUYEN", 3800}, {"VAN", 2500}, {"KHAI", 3}}, 10000);
  EXPECT_LT(stats.Weight("NGUYEN"), 2);
  EXPECT_GT(stats.Weight("KHAI"), 10);
}

TEST(DuplicatesTest, QueryKeysAreOrderFreeAndSkipCommonTokens) {
  const auto a = Rec("Nguyễn Văn Khải", {1979, 4, 30}, "+84911111111");
  auto b = a;
  b.full_name = "Khải Nguyễn Văn";
  const auto keys = QueryKeys(a, kStats, kConfig);
  EXPECT_EQ(keys, QueryKeys(b, kStats, kConfig));
  EXPECT_THAT(keys, Contains("T:KHAI|1979"));
  EXPECT_THAT(keys, Not(Contains("T:NGUYEN|1979")));
  EXPECT_THAT(keys, Contains("Y:09157|1979"));
  EXPECT_THAT(keys, Contains("P:+84911111111"));
  // Every query key is one the record itself is filed under.
  const auto filed = BlockKeys(a);
  for (const auto& k : keys) EXPECT_THAT(filed, Contains(k));
  // A year-only record also looks under its rarest token in the commune.
  b = a;
  b.birth_date = {1979, 0, 0};
  EXPECT_THAT(QueryKeys(b, kStats, kConfig), Contains("C:KHAI|09157"));
}

}  // namespace
}  // namespace relief::registry
