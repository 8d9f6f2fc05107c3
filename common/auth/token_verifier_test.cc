#include "common/auth/token_verifier.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/auth/testing/test_tokens.h"
#include "common/base/clock.h"
#include "common/base/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace relief::auth {
namespace {

using ::relief::auth::testing::KeySetOf;
using ::relief::auth::testing::NewKeyPair;
using ::relief::auth::testing::SigningKeyOf;
using ::relief::auth::testing::TestClaims;
using ::relief::testing::IsOkAndHolds;
using ::relief::testing::StatusIs;

constexpr absl::StatusCode kUnauthenticated =
    absl::StatusCode::kUnauthenticated;
const absl::Time kNow = absl::FromUnixSeconds(1628996400);

class TokenVerifierTest : public ::testing::Test {
 protected:
  // A token by `key` for jti `jti`, living `lifetime` from now.
  std::string Token(const KeyPair& key, absl::string_view jti,
                    absl::Duration lifetime = absl::Hours(1)) {
    Claims c = TestClaims(clock_.Now(), kRoleDistrictOfficer, jti);
    c.exp = c.iat + lifetime;
    return SignToken(c, SigningKeyOf(key)).value();
  }

  SettableClock clock_{kNow};
  const KeyPair k1_ = NewKeyPair("k1");
  const KeyPair k2_ = NewKeyPair("k2");
};

TEST_F(TokenVerifierTest, SecondVerifyIsACacheHitWithTheSameClaims) {
  TokenVerifier verifier(KeySetOf({&k1_}), clock_);
  const std::string token = Token(k1_, "a");
  absl::StatusOr<Claims> first = verifier.Verify(token);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(verifier.stats().verifications, 1u);
  EXPECT_EQ(verifier.stats().cache_hits, 0u);

  EXPECT_THAT(verifier.Verify(token), IsOkAndHolds(*first));
  EXPECT_THAT(verifier.Verify(token), IsOkAndHolds(*first));
  const TokenVerifier::Stats stats = verifier.stats();
  EXPECT_EQ(stats.verifications, 1u);
  EXPECT_EQ(stats.cache_hits, 2u);
  EXPECT_EQ(stats.cache_entries, 1u);
}

TEST_F(TokenVerifierTest, CachedTokenExpiresOnTime) {
  TokenVerifier verifier(KeySetOf({&k1_}), clock_);
  const std::string token = Token(k1_, "a", absl::Minutes(10));
  ASSERT_TRUE(verifier.Verify(token).ok());

  clock_.Advance(absl::Minutes(10) - absl::Seconds(1));
  EXPECT_TRUE(verifier.Verify(token).ok());
  EXPECT_EQ(verifier.stats().cache_hits, 1u);

  clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(verifier.Verify(token),
              StatusIs(kUnauthenticated, "token expired"));
  EXPECT_EQ(verifier.stats().cache_entries, 0u);
}

TEST_F(TokenVerifierTest, FailuresAreNotCached) {
  TokenVerifier verifier(KeySetOf({&k1_}), clock_);
  for (int i = 0; i < 2; ++i) {
    EXPECT_THAT(verifier.Verify("garbage"),
                StatusIs(kUnauthenticated, "malformed token"));
    EXPECT_THAT(verifier.Verify(Token(k2_, "b")),
                StatusIs(kUnauthenticated, "unknown key id"));
  }
  EXPECT_EQ(verifier.stats().verifications, 4u);
  EXPECT_EQ(verifier.stats().cache_entries, 0u);
}

TEST_F(TokenVerifierTest, RevocationPurgesTheCacheAndRefuses) {
  TokenVerifier verifier(KeySetOf({&k1_}), clock_);
  const std::string a = Token(k1_, "a");
  const std::string b = Token(k1_, "b");
  ASSERT_TRUE(verifier.Verify(a).ok());
  ASSERT_TRUE(verifier.Verify(b).ok());
  ASSERT_EQ(verifier.stats().cache_entries, 2u);

  verifier.SetRevoked({"a", "unrelated"});
  EXPECT_EQ(verifier.stats().cache_entries, 1u);
  EXPECT_THAT(verifier.Verify(a), StatusIs(kUnauthenticated, "token revoked"));
  EXPECT_THAT(verifier.Verify(a), StatusIs(kUnauthenticated, "token revoked"));
  EXPECT_EQ(verifier.stats().cache_entries, 1u);  // Revoked: never cached.
  EXPECT_TRUE(verifier.Verify(b).ok());

  // The list is replaced, not merged.
  verifier.SetRevoked({"b"});
  EXPECT_TRUE(verifier.Verify(a).ok());
  EXPECT_THAT(verifier.Verify(b), StatusIs(kUnauthenticated, "token revoked"));
}

TEST_F(TokenVerifierTest, RotationKeepsOtherKidsCachedAndDropsTheRemovedOne) {
  TokenVerifier verifier(KeySetOf({&k1_, &k2_}), clock_);
  const std::string t1 = Token(k1_, "a");
  const std::string t2 = Token(k2_, "b");
  ASSERT_TRUE(verifier.Verify(t1).ok());
  ASSERT_TRUE(verifier.Verify(t2).ok());

  verifier.SetKeys(KeySetOf({&k2_}));
  EXPECT_THAT(verifier.Verify(t1),
              StatusIs(kUnauthenticated, "unknown key id"));
  const uint64_t hits = verifier.stats().cache_hits;
  EXPECT_TRUE(verifier.Verify(t2).ok());
  EXPECT_EQ(verifier.stats().cache_hits, hits + 1);  // Still cached.
}

TEST_F(TokenVerifierTest, EmptyKeySetRefusesEvenCachedTokens) {
  TokenVerifier verifier(KeySetOf({&k1_}), clock_);
  const std::string token = Token(k1_, "a");
  ASSERT_TRUE(verifier.Verify(token).ok());
  verifier.SetKeys(KeySet());
  EXPECT_EQ(verifier.stats().cache_entries, 0u);
  EXPECT_THAT(verifier.Verify(token),
              StatusIs(kUnauthenticated, "unknown key id"));
}

TEST_F(TokenVerifierTest, ReplacedKeyUnderTheSameKidDropsCachedTokens) {
  TokenVerifier verifier(KeySetOf({&k1_}), clock_);
  const std::string token = Token(k1_, "a");
  ASSERT_TRUE(verifier.Verify(token).ok());
  const KeyPair new_k1 = NewKeyPair("k1");
  verifier.SetKeys(KeySetOf({&new_k1}));
  EXPECT_THAT(verifier.Verify(token),
              StatusIs(kUnauthenticated, "bad signature"));
}

TEST_F(TokenVerifierTest, FullCacheEvictsTheEntryExpiringSoonest) {
  TokenVerifier verifier(KeySetOf({&k1_}), clock_, /*max_cache_entries=*/2);
  const std::string soon = Token(k1_, "soon", absl::Minutes(5));
  const std::string later = Token(k1_, "later", absl::Minutes(50));
  const std::string latest = Token(k1_, "latest", absl::Minutes(500));
  ASSERT_TRUE(verifier.Verify(soon).ok());
  ASSERT_TRUE(verifier.Verify(later).ok());
  ASSERT_TRUE(verifier.Verify(latest).ok());
  EXPECT_EQ(verifier.stats().cache_entries, 2u);
  EXPECT_EQ(verifier.stats().verifications, 3u);

  ASSERT_TRUE(verifier.Verify(later).ok());
  ASSERT_TRUE(verifier.Verify(latest).ok());
  EXPECT_EQ(verifier.stats().verifications, 3u);
  ASSERT_TRUE(verifier.Verify(soon).ok());  // Evicted: verified again.
  EXPECT_EQ(verifier.stats().verifications, 4u);
  EXPECT_EQ(verifier.stats().cache_entries, 2u);
}

TEST_F(TokenVerifierTest, ExpiredEntriesMakeRoomFirst) {
  TokenVerifier verifier(KeySetOf({&k1_}), clock_, /*max_cache_entries=*/2);
  const std::string short_lived = Token(k1_, "s", absl::Minutes(1));
  const std::string long_lived = Token(k1_, "l", absl::Hours(2));
  ASSERT_TRUE(verifier.Verify(short_lived).ok());
  ASSERT_TRUE(verifier.Verify(long_lived).ok());
  clock_.Advance(absl::Minutes(2));
  ASSERT_TRUE(verifier.Verify(Token(k1_, "n")).ok());
  EXPECT_EQ(verifier.stats().cache_entries, 2u);
  const uint64_t verifications = verifier.stats().verifications;
  ASSERT_TRUE(verifier.Verify(long_lived).ok());
  EXPECT_EQ(verifier.stats().verifications, verifications);
}

TEST_F(TokenVerifierTest, ZeroCapacityDisablesTheCache) {
  TokenVerifier verifier(KeySetOf({&k1_}), clock_, /*max_cache_entries=*/0);
  const std::string token = Token(k1_, "a");
  ASSERT_TRUE(verifier.Verify(token).ok());
  ASSERT_TRUE(verifier.Verify(token).ok());
  EXPECT_EQ(verifier.stats().verifications, 2u);
  EXPECT_EQ(verifier.stats().cache_entries, 0u);
}

TEST_F(TokenVerifierTest, ConcurrentVerifyRotateAndRevoke) {
  TokenVerifier verifier(KeySetOf({&k1_, &k2_}), clock_, 16);
  std::vector<std::string> tokens;
  for (int i = 0; i < 32; ++i) {
    tokens.push_back(Token(i % 2 ? k1_ : k2_, absl::StrCat("t", i)));
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (size_t i = t; i < tokens.size(); i += 2) {
          absl::StatusOr<Claims> c = verifier.Verify(tokens[i]);
          EXPECT_TRUE(c.ok() || c.status().code() == kUnauthenticated);
        }
      }
    });
  }
  threads.emplace_back([&] {
    for (int round = 0; round < 20; ++round) {
      verifier.SetRevoked({absl::StrCat("t", round)});
      verifier.SetKeys(round % 2 ? KeySetOf({&k1_, &k2_}) : KeySetOf({&k2_}));
    }
  });
  for (std::thread& t : threads) t.join();

  // Settled state: k2 only, "t19" revoked.
  verifier.SetKeys(KeySetOf({&k2_}));
  for (size_t i = 0; i < tokens.size(); ++i) {
    absl::StatusOr<Claims> c = verifier.Verify(tokens[i]);
    if (i % 2 == 1) {
      EXPECT_THAT(c, StatusIs(kUnauthenticated, "unknown key id")) << i;
    } else {
      EXPECT_TRUE(c.ok()) << i << " " << c.status();
    }
  }
  EXPECT_LE(verifier.stats().cache_entries, 16u);
}

}  // namespace
}  // namespace relief::auth
