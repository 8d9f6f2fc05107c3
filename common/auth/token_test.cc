#include "common/auth/token.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/auth/internal/sodium.h"
#include "common/auth/roles.h"
#include "common/auth/testing/test_tokens.h"
#include "common/base/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace relief::auth {
namespace {

using ::relief::auth::testing::KeySetOf;
using ::relief::auth::testing::NewKeyPair;
using ::relief::auth::testing::SigningKeyOf;
using ::relief::auth::testing::SignRaw;
using ::relief::auth::testing::SignSegments;
using ::relief::auth::testing::TestClaims;
using ::relief::testing::IsOkAndHolds;
using ::relief::testing::StatusIs;
using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr absl::StatusCode kUnauthenticated =
    absl::StatusCode::kUnauthenticated;
constexpr absl::StatusCode kInvalidArgument =
    absl::StatusCode::kInvalidArgument;
constexpr char kHeaderK1[] = R"({"alg":"EdDSA","kid":"k1","typ":"JWT"})";

// 2021-08-15T03:00:00Z.
const absl::Time kNow = absl::FromUnixSeconds(1628996400);

Json ClaimsJson(const Claims& c, absl::string_view kid) {
  return {{"iss", c.iss},
          {"sub", c.sub},
          {"role", c.role},
          {"scope", c.scope},
          {"iat", absl::ToUnixSeconds(c.iat)},
          {"exp", absl::ToUnixSeconds(c.exp)},
          {"jti", c.jti},
          {"kid", std::string(kid)}};
}

std::vector<std::string> Segments(const std::string& token) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t dot; (dot = token.find('.', start)) != std::string::npos;
       start = dot + 1) {
    out.push_back(token.substr(start, dot - start));
  }
  out.push_back(token.substr(start));
  return out;
}

class TokenTest : public ::testing::Test {
 protected:
  const KeyPair k1_ = NewKeyPair("k1");
  const KeySet keys_ = KeySetOf({&k1_});
  const Claims claims_ = TestClaims(kNow);

  std::string Sign(const Claims& c) {
    return SignToken(c, SigningKeyOf(k1_)).value();
  }
  // A token whose claims are `claims` as JSON, correctly signed by k1.
  std::string Forge(const Json& claims) {
    return SignRaw(kHeaderK1, claims.dump(), k1_.secret_key);
  }
};

TEST_F(TokenTest, RoundTrip) {
  Claims expected = claims_;
  expected.kid = "k1";
  EXPECT_THAT(VerifyToken(Sign(claims_), keys_, kNow), IsOkAndHolds(expected));
}

TEST_F(TokenTest, HeaderIsExactlyAlgKidTyp) {
  const std::vector<std::string> parts = Segments(Sign(claims_));
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(internal::Base64UrlDecode(parts[0]).value(),
            R"({"alg":"EdDSA","kid":"k1","typ":"JWT"})");
  EXPECT_EQ(internal::Base64UrlDecode(parts[2]).value().size(), 64u);
  EXPECT_EQ(parts[0].find('='), std::string::npos);
}

TEST_F(TokenTest, RoundTripPointOperatorClaims) {
  Claims c = TestClaims(kNow, kRolePointOperator);
  c.point = "pt-7";
  c.scope = "pt-7";
  c.host_province = "01";
  c.district = "243";
  Claims expected = c;
  expected.kid = "k1";
  EXPECT_THAT(VerifyToken(Sign(c), keys_, kNow), IsOkAndHolds(expected));
}

TEST_F(TokenTest, SignRoundsTimesDownToWholeSeconds) {
  Claims c = claims_;
  c.iat = kNow + absl::Milliseconds(700);
  c.exp = kNow + absl::Hours(1) + absl::Milliseconds(300);
  absl::StatusOr<Claims> got = VerifyToken(Sign(c), keys_, kNow);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->iat, kNow);
  EXPECT_EQ(got->exp, kNow + absl::Hours(1));
}

TEST_F(TokenTest, ExpiredAtExpWithoutSkew) {
  const std::string token = Sign(claims_);
  EXPECT_TRUE(VerifyToken(token, keys_, claims_.exp - absl::Seconds(1)).ok());
  EXPECT_THAT(VerifyToken(token, keys_, claims_.exp),
              StatusIs(kUnauthenticated, "token expired"));
  EXPECT_THAT(VerifyToken(token, keys_, claims_.exp + absl::Hours(5)),
              StatusIs(kUnauthenticated, "token expired"));
}

TEST_F(TokenTest, IssuedInTheFutureBeyondSkewIsNotYetValid) {
  const std::string token = Sign(claims_);
  EXPECT_TRUE(VerifyToken(token, keys_, kNow - kMaxClockSkew).ok());
  EXPECT_THAT(
      VerifyToken(token, keys_, kNow - kMaxClockSkew - absl::Seconds(1)),
      StatusIs(kUnauthenticated, "token not yet valid"));
  EXPECT_THAT(VerifyToken(token, keys_, kNow - absl::Hours(24 * 365)),
              StatusIs(kUnauthenticated, "token not yet valid"));
}

TEST_F(TokenTest, AnotherKeyWithTheSameKidIsABadSignature) {
  const KeyPair impostor = NewKeyPair("k1");
  const std::string token = SignToken(claims_, SigningKeyOf(impostor)).value();
  EXPECT_THAT(VerifyToken(token, keys_, kNow),
              StatusIs(kUnauthenticated, "bad signature"));
}

TEST_F(TokenTest, UnknownKid) {
  const KeyPair k2 = NewKeyPair("k2");
  const std::string token = SignToken(claims_, SigningKeyOf(k2)).value();
  EXPECT_THAT(VerifyToken(token, keys_, kNow),
              StatusIs(kUnauthenticated, "unknown key id"));
  EXPECT_THAT(VerifyToken(token, KeySet(), kNow),
              StatusIs(kUnauthenticated, "unknown key id"));
}

TEST_F(TokenTest, AlgNoneWithEmptySignatureIsRefused) {
  const std::string token =
      SignRaw(R"({"alg":"none","kid":"k1","typ":"JWT"})",
              ClaimsJson(claims_, "k1").dump(), /*secret_key=*/"");
  ASSERT_EQ(token.back(), '.');
  EXPECT_THAT(VerifyToken(token, keys_, kNow),
              StatusIs(kUnauthenticated, "algorithm must be EdDSA"));
}

TEST_F(TokenTest, AnyAlgorithmButExactlyEdDSAIsRefused) {
  for (const char* header : {R"({"alg":"HS256","kid":"k1","typ":"JWT"})",
                             R"({"alg":"EdDSA ","kid":"k1","typ":"JWT"})",
                             R"({"alg":"eddsa","kid":"k1","typ":"JWT"})",
                             R"({"alg":"Ed25519","kid":"k1","typ":"JWT"})",
                             R"({"alg":["EdDSA"],"kid":"k1","typ":"JWT"})",
                             R"({"kid":"k1","typ":"JWT"})"}) {
    // Signed with the right Ed25519 key: only the header is wrong.
    const std::string token =
        SignRaw(header, ClaimsJson(claims_, "k1").dump(), k1_.secret_key);
    EXPECT_THAT(VerifyToken(token, keys_, kNow),
                StatusIs(kUnauthenticated, "algorithm must be EdDSA"))
        << header;
  }
}

TEST_F(TokenTest, CritAndOtherExtraHeaderFieldsAreRefused) {
  for (
      const char* header :
      {R"({"alg":"EdDSA","crit":["exp"],"kid":"k1","typ":"JWT"})",
       R"({"alg":"EdDSA","jku":"https://evil.example","kid":"k1","typ":"JWT"})",
       R"({"alg":"EdDSA","kid":"k1","typ":"JWT","x":1})"}) {
    const std::string token =
        SignRaw(header, ClaimsJson(claims_, "k1").dump(), k1_.secret_key);
    EXPECT_THAT(VerifyToken(token, keys_, kNow),
                StatusIs(kUnauthenticated, "unsupported header field"))
        << header;
  }
}

TEST_F(TokenTest, TypeMustBeJwt) {
  for (const char* header : {R"({"alg":"EdDSA","kid":"k1"})",
                             R"({"alg":"EdDSA","kid":"k1","typ":"jwt+x"})"}) {
    const std::string token =
        SignRaw(header, ClaimsJson(claims_, "k1").dump(), k1_.secret_key);
    EXPECT_THAT(VerifyToken(token, keys_, kNow),
                StatusIs(kUnauthenticated, "token type must be JWT"))
        << header;
  }
}

TEST_F(TokenTest, RepeatedHeaderMemberIsMalformed) {
  const std::string token =
      SignRaw(R"({"alg":"none","alg":"EdDSA","kid":"k1","typ":"JWT"})",
              ClaimsJson(claims_, "k1").dump(), k1_.secret_key);
  EXPECT_THAT(VerifyToken(token, keys_, kNow),
              StatusIs(kUnauthenticated, "malformed token"));
}

TEST_F(TokenTest, TamperedPayloadIsABadSignature) {
  const std::vector<std::string> parts = Segments(Sign(claims_));
  Claims escalated = claims_;
  escalated.role = "admin";
  const std::string token = absl::StrCat(
      parts[0], ".",
      internal::Base64UrlEncode(ClaimsJson(escalated, "k1").dump()), ".",
      parts[2]);
  EXPECT_THAT(VerifyToken(token, keys_, kNow),
              StatusIs(kUnauthenticated, "bad signature"));
}

TEST_F(TokenTest, TamperedSignatureIsABadSignature) {
  std::vector<std::string> parts = Segments(Sign(claims_));
  parts[2][10] = parts[2][10] == 'A' ? 'B' : 'A';
  EXPECT_THAT(VerifyToken(absl::StrCat(parts[0], ".", parts[1], ".", parts[2]),
                          keys_, kNow),
              StatusIs(kUnauthenticated, "bad signature"));
}

TEST_F(TokenTest, NonCanonicalSignatureEncodingIsMalformed) {
  // 64 bytes take 86 characters; the last one carries 2 unused bits, which
  // must be zero. Setting one would give a second spelling of the token.
  std::vector<std::string> parts = Segments(Sign(claims_));
  char& last = parts[2].back();
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  last = alphabet[alphabet.find(last) | 1];
  EXPECT_THAT(VerifyToken(absl::StrCat(parts[0], ".", parts[1], ".", parts[2]),
                          keys_, kNow),
              StatusIs(kUnauthenticated, "malformed token"));
}

TEST_F(TokenTest, EveryTruncationIsRefused) {
  const std::string token = Sign(claims_);
  for (size_t len = 0; len < token.size(); ++len) {
    EXPECT_THAT(VerifyToken(token.substr(0, len), keys_, kNow),
                StatusIs(kUnauthenticated))
        << len;
  }
  const std::vector<std::string> parts = Segments(token);
  EXPECT_THAT(VerifyToken(absl::StrCat(parts[0], ".", parts[1]), keys_, kNow),
              StatusIs(kUnauthenticated, "malformed token"));
  EXPECT_THAT(VerifyToken(absl::StrCat(parts[0], ".", parts[1], ".",
                                       parts[2].substr(0, 84)),
                          keys_, kNow),
              StatusIs(kUnauthenticated, "bad signature"));
}

TEST_F(TokenTest, BadBase64IsMalformed) {
  const std::vector<std::string> parts = Segments(Sign(claims_));
  for (const std::string& token : {
           absl::StrCat(parts[0], "=.", parts[1], ".", parts[2]),
           absl::StrCat(parts[0], ".", parts[1], ".", parts[2], "=="),
           absl::StrCat("!!", parts[0], ".", parts[1], ".", parts[2]),
           absl::StrCat(parts[0], ".", parts[1], ".+/", parts[2].substr(2)),
           absl::StrCat(parts[0], ".", parts[1], ".", parts[2], ".x"),
           std::string("a.b.c"),
           std::string(".."),
       }) {
    EXPECT_THAT(VerifyToken(token, keys_, kNow),
                StatusIs(kUnauthenticated, "malformed token"))
        << token;
  }
  // A correctly signed claims segment that is not base64url.
  EXPECT_THAT(
      VerifyToken(SignSegments(parts[0], parts[1] + "+/", k1_.secret_key),
                  keys_, kNow),
      StatusIs(kUnauthenticated, "malformed token"));
}

TEST_F(TokenTest, ClaimsSegmentIsOnlyDecodedAfterTheSignatureVerifies) {
  // The signature covers the segment's text: any edit is a bad signature,
  // even one that would not decode.
  const std::vector<std::string> parts = Segments(Sign(claims_));
  for (const std::string& token : {
           absl::StrCat(parts[0], ".", parts[1], "+/.", parts[2]),
           absl::StrCat(parts[0], ". ", parts[1], ".", parts[2]),
           absl::StrCat(parts[0], ".", parts[1], "A.", parts[2]),
       }) {
    EXPECT_THAT(VerifyToken(token, keys_, kNow),
                StatusIs(kUnauthenticated, "bad signature"))
        << token;
  }
}

TEST_F(TokenTest, OversizedTokenIsMalformed) {
  EXPECT_THAT(VerifyToken(std::string(kMaxTokenBytes + 1, 'A'), keys_, kNow),
              StatusIs(kUnauthenticated, "malformed token"));
}

TEST_F(TokenTest, KidClaimMustEqualHeaderKid) {
  EXPECT_THAT(VerifyToken(Forge(ClaimsJson(claims_, "k2")), keys_, kNow),
              StatusIs(kUnauthenticated, "key id mismatch"));
}

TEST_F(TokenTest, ForgedClaimsOfTheWrongTypeAreMalformed) {
  Json iat_as_string = ClaimsJson(claims_, "k1");
  iat_as_string["iat"] = "1628996400";
  Json fractional_exp = ClaimsJson(claims_, "k1");
  fractional_exp["exp"] = 1629000000.5;
  Json missing_jti = ClaimsJson(claims_, "k1");
  missing_jti.erase("jti");
  Json null_point = ClaimsJson(claims_, "k1");
  null_point["point"] = nullptr;
  for (const Json& claims : {iat_as_string, fractional_exp, missing_jti,
                             null_point, Json::array()}) {
    EXPECT_THAT(VerifyToken(Forge(claims), keys_, kNow),
                StatusIs(kUnauthenticated, "malformed token"))
        << claims.dump();
  }
  EXPECT_THAT(VerifyToken(SignRaw(kHeaderK1, R"({"iss":"a","iss":"b"})",
                                  k1_.secret_key),
                          keys_, kNow),
              StatusIs(kUnauthenticated, "malformed token"));
}

TEST_F(TokenTest, UnknownClaimsAreIgnored) {
  Json claims = ClaimsJson(claims_, "k1");
  claims["aud"] = "later";
  claims["nested"] = {{"a", 1}};
  EXPECT_TRUE(VerifyToken(Forge(claims), keys_, kNow).ok());
}

TEST_F(TokenTest, UnknownRoleIsRefused) {
  Claims c = claims_;
  c.role = "superuser";
  EXPECT_THAT(SignToken(c, SigningKeyOf(k1_)),
              StatusIs(kInvalidArgument, "claims.role: unknown role"));
  for (const char* role : {"superuser", "Admin", "admin ", ""}) {
    c.role = role;
    EXPECT_THAT(VerifyToken(Forge(ClaimsJson(c, "k1")), keys_, kNow),
                StatusIs(kUnauthenticated, "unknown role"))
        << role;
  }
}

struct LifetimeCase {
  const char* role;
  absl::Duration max;
};

class LifetimeTest : public TokenTest,
                     public ::testing::WithParamInterface<LifetimeCase> {};

TEST_P(LifetimeTest, SigningAndVerifyingEnforceTheRoleMaximum) {
  Claims c = TestClaims(kNow, GetParam().role);
  c.exp = c.iat + GetParam().max;
  EXPECT_THAT(VerifyToken(Sign(c), keys_, kNow),
              StatusIs(absl::StatusCode::kOk));

  c.exp += absl::Seconds(1);
  EXPECT_THAT(SignToken(c, SigningKeyOf(k1_)),
              StatusIs(kInvalidArgument, HasSubstr("claims.exp: lifetime")));
  Json forged = ClaimsJson(c, "k1");
  if (c.point) forged["point"] = *c.point;
  EXPECT_THAT(
      VerifyToken(Forge(forged), keys_, kNow),
      StatusIs(kUnauthenticated, "token lifetime exceeds role maximum"));
}

INSTANTIATE_TEST_SUITE_P(
    Roles, LifetimeTest,
    ::testing::Values(LifetimeCase{"admin", absl::Hours(12)},
                      LifetimeCase{"leader", absl::Hours(12)},
                      LifetimeCase{"district_officer", absl::Hours(12)},
                      LifetimeCase{"commune_officer", absl::Hours(12)},
                      LifetimeCase{"point_operator", absl::Hours(12)},
                      LifetimeCase{"hotline_operator", absl::Hours(12)},
                      LifetimeCase{"auditor", absl::Hours(12)},
                      LifetimeCase{"service", absl::Hours(24 * 30)},
                      LifetimeCase{"partner", absl::Hours(24 * 30)},
                      LifetimeCase{"dashboard", absl::Hours(24 * 30)}),
    [](const auto& info) { return std::string(info.param.role); });

TEST_F(TokenTest, ExpMustBeAfterIat) {
  Claims c = claims_;
  c.exp = c.iat;
  EXPECT_THAT(SignToken(c, SigningKeyOf(k1_)),
              StatusIs(kInvalidArgument, "claims.exp: must be after iat"));
  EXPECT_THAT(VerifyToken(Forge(ClaimsJson(c, "k1")), keys_, kNow),
              StatusIs(kUnauthenticated, "invalid claim exp"));
}

TEST_F(TokenTest, SigningChecksEveryClaim) {
  const auto with = [&](auto change) {
    Claims c = claims_;
    change(c);
    return SignToken(c, SigningKeyOf(k1_));
  };
  EXPECT_THAT(with([](Claims& c) { c.sub = ""; }),
              StatusIs(kInvalidArgument, HasSubstr("claims.sub")));
  EXPECT_THAT(with([](Claims& c) { c.iss = std::string(129, 'x'); }),
              StatusIs(kInvalidArgument, HasSubstr("claims.iss")));
  EXPECT_THAT(with([](Claims& c) { c.jti = ""; }),
              StatusIs(kInvalidArgument, HasSubstr("claims.jti")));
  EXPECT_THAT(with([](Claims& c) { c.sub = "a\nb"; }),
              StatusIs(kInvalidArgument, HasSubstr("claims.sub")));
  EXPECT_THAT(with([](Claims& c) { c.sub = "\xff\xfe"; }),
              StatusIs(kInvalidArgument, HasSubstr("UTF-8")));
  EXPECT_THAT(with([](Claims& c) { c.kid = "k2"; }),
              StatusIs(kInvalidArgument, HasSubstr("claims.kid")));
  EXPECT_THAT(with([](Claims& c) { c.iat = absl::FromUnixSeconds(-5); }),
              StatusIs(kInvalidArgument, HasSubstr("claims.iat")));
  EXPECT_THAT(
      with([](Claims& c) { c.point = "pt-1"; }),
      StatusIs(kInvalidArgument, "claims.point: only for role point_operator"));
  EXPECT_THAT(with([](Claims& c) { c.district = "243"; }),
              StatusIs(kInvalidArgument,
                       "claims.district: only for role point_operator"));
}

TEST_F(TokenTest, PointOperatorNeedsAPointAndAMatchingScope) {
  Claims c = TestClaims(kNow, kRolePointOperator);
  c.point.reset();
  EXPECT_THAT(SignToken(c, SigningKeyOf(k1_)),
              StatusIs(kInvalidArgument,
                       "claims.point: required for role point_operator"));
  c.point = "pt-1";
  c.scope = "pt-2";
  EXPECT_THAT(SignToken(c, SigningKeyOf(k1_)),
              StatusIs(kInvalidArgument,
                       "claims.scope: must be empty or equal to point"));
  c.scope = "";
  c.host_province = "0;1";
  EXPECT_THAT(SignToken(c, SigningKeyOf(k1_)),
              StatusIs(kInvalidArgument, HasSubstr("claims.host_province")));
}

TEST_F(TokenTest, SigningKeyMustBeWellFormed) {
  SigningKey key = SigningKeyOf(k1_);
  key.secret_key.pop_back();
  EXPECT_THAT(
      SignToken(claims_, key),
      StatusIs(kInvalidArgument, "signing_key.secret_key: must be 64 bytes"));
  key = SigningKeyOf(k1_);
  key.secret_key[40] ^= 1;  // The public half.
  EXPECT_THAT(SignToken(claims_, key),
              StatusIs(kInvalidArgument, HasSubstr("signing_key.secret_key")));
  key = SigningKeyOf(k1_);
  key.kid = "k 1";
  EXPECT_THAT(SignToken(claims_, key),
              StatusIs(kInvalidArgument, HasSubstr("signing_key.kid")));
}

TEST_F(TokenTest, TwoKidsVerifySideBySideUntilOneIsRemoved) {
  const KeyPair k2 = NewKeyPair("k2");
  KeySet both = KeySetOf({&k1_, &k2});
  const std::string t1 = Sign(claims_);
  const std::string t2 = SignToken(claims_, SigningKeyOf(k2)).value();
  EXPECT_TRUE(VerifyToken(t1, both, kNow).ok());
  EXPECT_TRUE(VerifyToken(t2, both, kNow).ok());

  EXPECT_TRUE(both.Remove("k1"));
  EXPECT_THAT(VerifyToken(t1, both, kNow),
              StatusIs(kUnauthenticated, "unknown key id"));
  EXPECT_TRUE(VerifyToken(t2, both, kNow).ok());
}

TEST(KeySetTest, AddValidatesKidAndKeySize) {
  KeySet set;
  EXPECT_THAT(set.Add("k1", std::string(31, 'x')),
              StatusIs(kInvalidArgument, "public_key: must be 32 bytes"));
  EXPECT_THAT(set.Add("", std::string(32, 'x')),
              StatusIs(kInvalidArgument, HasSubstr("kid")));
  EXPECT_THAT(set.Add("k/1", std::string(32, 'x')),
              StatusIs(kInvalidArgument, HasSubstr("kid")));
  EXPECT_TRUE(set.Add("k2", std::string(32, 'x')).ok());
  EXPECT_TRUE(set.Add("k1", std::string(32, 'y')).ok());
  EXPECT_THAT(set.kids(), ::testing::ElementsAre("k1", "k2"));
  EXPECT_EQ(*set.Find("k1"), std::string(32, 'y'));
  EXPECT_EQ(set.Find("k3"), nullptr);
  EXPECT_FALSE(set.Remove("k3"));
}

TEST(RolesTest, TenRolesWithTheirMaximumLifetimes) {
  EXPECT_EQ(MaxTokenLifetime("district_officer"), absl::Hours(12));
  EXPECT_EQ(MaxTokenLifetime("service"), absl::Hours(720));
  EXPECT_EQ(MaxTokenLifetime("root"), std::nullopt);
  int known = 0;
  for (const char* role :
       {"admin", "leader", "district_officer", "commune_officer",
        "point_operator", "hotline_operator", "partner", "dashboard", "auditor",
        "service"}) {
    known += IsKnownRole(role);
  }
  EXPECT_EQ(known, 10);
}

}  // namespace
}  // namespace relief::auth
