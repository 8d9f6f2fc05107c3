#include "common/base/ids.h"

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace relief {
namespace {

TEST(UuidV7Test, FormatVersionAndOrder) {
  SettableClock clock(absl::FromUnixMillis(1'700'000'000'000));
  UuidV7Generator gen(clock);
  std::string a = gen.NewId();
  clock.Advance(absl::Milliseconds(1));
  std::string b = gen.NewId();
  EXPECT_TRUE(IsUuid(a));
  EXPECT_EQ(a[14], '7');
  EXPECT_LT(a, b);
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(gen.NewId()).second);
}

TEST(UuidV7Test, IsUuidRejectsOthers) {
  EXPECT_FALSE(IsUuid(""));
  EXPECT_FALSE(IsUuid("not-a-uuid"));
  EXPECT_FALSE(IsUuid("0190a0b0-c0d0-7e0f-8a0b-0c0d0e0f0g00"));
}

}  // namespace
}  // namespace relief
