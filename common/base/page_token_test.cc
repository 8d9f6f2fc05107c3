#include "common/base/page_token.h"

#include "common/base/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace relief {
namespace {

using ::relief::testing::StatusIs;
using ::testing::ElementsAre;

TEST(PageTokenTest, RoundTripsTheLastKey) {
  PageTokenCodec codec("k");
  std::string t = codec.Encode({"NGUYEN VAN AN", std::string("a\0b", 3)}, "q1");
  auto key = codec.Decode(t, "q1");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_THAT(*key, ElementsAre("NGUYEN VAN AN", std::string("a\0b", 3)));
}

TEST(PageTokenTest, RefusesOtherBindingForgeryAndGarbage) {
  PageTokenCodec codec("k");
  std::string t = codec.Encode({"x"}, "query|alice");
  EXPECT_THAT(codec.Decode(t, "query|bob"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PageTokenCodec("other").Decode(t, "query|alice"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(codec.Decode("!!!", "query|alice"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  t[5] = t[5] == 'A' ? 'B' : 'A';
  EXPECT_THAT(codec.Decode(t, "query|alice"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PageTokenTest, PageSizeBounds) {
  EXPECT_EQ(*PageSize(0), 50);
  EXPECT_EQ(*PageSize(500), 500);
  EXPECT_THAT(PageSize(501), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PageSize(-1), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace relief
