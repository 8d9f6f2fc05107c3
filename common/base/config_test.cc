#include "common/base/config.h"

#include "gtest/gtest.h"

namespace relief {
namespace {

TEST(ParseIsoDayTest, AcceptsRealDays) {
  EXPECT_EQ(*ParseIsoDay("2021-08-15"), absl::CivilDay(2021, 8, 15));
  EXPECT_EQ(*ParseIsoDay("2024-02-29"), absl::CivilDay(2024, 2, 29));
}

TEST(ParseIsoDayTest, RefusesImpossibleOrMalformed) {
  for (const char* bad : {"2021-02-31", "2021-8-15", "15/08/2021", "", "x"}) {
    EXPECT_EQ(ParseIsoDay(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace relief
