#include "common/base/status.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace relief {
namespace {

using ::testing::ElementsAre;

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  RELIEF_ASSIGN_OR_RETURN(int h, Half(x));
  RELIEF_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

absl::Status CheckEven(int x) {
  RELIEF_RETURN_IF_ERROR(Half(x).status());
  return absl::OkStatus();
}

TEST(StatusMacrosTest, AssignOrReturnPropagatesError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckEven(2).ok());
  EXPECT_EQ(CheckEven(3).code(), absl::StatusCode::kInvalidArgument);
}

TEST(FieldViolationsTest, RoundTripThroughPayload) {
  Violations v;
  v.Add("full_name", "must not be empty");
  v.AddIfError("documents[0].number", absl::InvalidArgumentError("bad"));
  v.AddIfError("phone", absl::OkStatus());
  absl::Status s = v.ToStatus();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "full_name: must not be empty; documents[0].number: bad");
  EXPECT_THAT(GetFieldViolations(s),
              ElementsAre(FieldViolation{"full_name", "must not be empty"},
                          FieldViolation{"documents[0].number", "bad"}));
}

TEST(FieldViolationsTest, NoneWhenEmptyOrPlain) {
  EXPECT_TRUE(Violations().ToStatus().ok());
  EXPECT_TRUE(GetFieldViolations(absl::InternalError("x")).empty());
}

}  // namespace
}  // namespace relief
