#include "common/auth/point_scope.h"

#include "common/base/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace relief::auth {

// Lets gMock print PointScope in failure messages.
void PrintTo(const PointScope& s, std::ostream* os) {
  *os << FormatPointScope(s);
}

namespace {

using ::relief::testing::IsOkAndHolds;
using ::relief::testing::StatusIs;

TEST(PointScopeTest, FormatsAndParsesEveryCombination) {
  const PointScope cases[] = {
      {.point = "pt-1"},
      {.point = "pt-1", .host_province = "01"},
      {.point = "pt-1", .district = "243"},
      {.point = "0190b2c4-8f3e-7a1b-9c2d-3e4f5a6b7c8d",
       .host_province = "79",
       .district = "243"},
  };
  for (const PointScope& s : cases) {
    EXPECT_THAT(ParsePointScope(FormatPointScope(s)), IsOkAndHolds(s));
  }
  EXPECT_EQ(FormatPointScope(
                {.point = "p", .host_province = "01", .district = "243"}),
            "point:p;host_province:01;district:243");
}

TEST(PointScopeTest, RefusesAnythingElse) {
  for (const char* scope :
       {"", "243", "point:", "point:a b", "host_province:01;point:p",
        "point:p;district:243;host_province:01",
        "point:p;district:1;district:2", "point:p;", "point:p;zone:1",
        "point:p;host_province:"}) {
    EXPECT_THAT(ParsePointScope(scope),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << scope;
  }
}

}  // namespace
}  // namespace relief::auth
