#include "common/base/failpoint.h"

#include "gtest/gtest.h"

namespace relief::failpoint {
namespace {

class FailpointTest : public ::testing::Test {
 protected:
  void TearDown() override { DisarmAll(); }
};

TEST_F(FailpointTest, UnarmedIsOk) { EXPECT_TRUE(Hit("a.b").ok()); }

TEST_F(FailpointTest, ErrorFiresCountedTimes) {
  ASSERT_TRUE(Configure("x.y=2*error; other=off").ok());
  EXPECT_EQ(Hit("x.y").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Hit("x.y").code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(Hit("x.y").ok());
}

TEST_F(FailpointTest, SleepStalls) {
  ASSERT_TRUE(Arm("s", "sleep(30)").ok());
  absl::Time start = absl::Now();
  EXPECT_TRUE(Hit("s").ok());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(30));
}

TEST_F(FailpointTest, BadSpecArmsNothing) {
  EXPECT_EQ(Configure("a=error;b=explode").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Hit("a").ok());
  EXPECT_EQ(Configure("noaction").code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(FailpointTest, KillEndsProcess) {
  ASSERT_TRUE(Arm("die", "kill").ok());
  EXPECT_EXIT((void)Hit("die"), ::testing::KilledBySignal(SIGKILL), "");
}

}  // namespace
}  // namespace relief::failpoint
