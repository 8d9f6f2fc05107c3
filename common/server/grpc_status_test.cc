#include "common/server/grpc_status.h"

#include "common/base/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace relief {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(GrpcStatusTest, FieldViolationsSurviveTheRoundTrip) {
  absl::Status in = InvalidArgument({{"full_name", "must not be empty"},
                                     {"documents[0].number", "bad"}});
  grpc::Status wire = ToGrpcStatus(in);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(wire.error_details().empty());
  absl::Status out = FromGrpcStatus(wire);
  EXPECT_EQ(out.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(GetFieldViolations(out),
              ElementsAre(FieldViolation{"full_name", "must not be empty"},
                          FieldViolation{"documents[0].number", "bad"}));
}

TEST(GrpcStatusTest, CodesMapOneToOne) {
  for (auto code : {absl::StatusCode::kNotFound, absl::StatusCode::kAborted,
                    absl::StatusCode::kUnavailable,
                    absl::StatusCode::kAlreadyExists,
                    absl::StatusCode::kFailedPrecondition}) {
    grpc::Status wire = ToGrpcStatus(absl::Status(code, "m"));
    EXPECT_EQ(static_cast<int>(wire.error_code()), static_cast<int>(code));
    EXPECT_EQ(wire.error_message(), "m");
  }
}

TEST(GrpcStatusTest, InternalDetailsStayInTheLog) {
  grpc::Status wire =
      ToGrpcStatus(absl::InternalError("postgres error 42P01: secret table"));
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(wire.error_message(), HasSubstr("internal error (ref "));
  EXPECT_THAT(wire.error_message(), ::testing::Not(HasSubstr("secret")));
}

}  // namespace
}  // namespace relief
