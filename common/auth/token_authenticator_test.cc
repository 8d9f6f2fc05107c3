#include "common/auth/token_authenticator.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/auth/point_scope.h"
#include "common/auth/testing/test_tokens.h"
#include "common/base/clock.h"
#include "common/base/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/server_context.h"
#include "gtest/gtest.h"

namespace relief {

// Lets gMock print Principal in failure messages.
inline void PrintTo(const Principal& p, std::ostream* os) {
  *os << "{subject=" << p.subject << " role=" << p.role << " scope=" << p.scope
      << " on_behalf_of=" << p.on_behalf_of << "}";
}

namespace auth {
namespace {

using ::relief::auth::testing::KeySetOf;
using ::relief::auth::testing::NewKeyPair;
using ::relief::auth::testing::SigningKeyOf;
using ::relief::auth::testing::TestClaims;
using ::relief::testing::StatusIs;

constexpr absl::StatusCode kUnauthenticated =
    absl::StatusCode::kUnauthenticated;
const absl::Time kNow = absl::FromUnixSeconds(1628996400);

MATCHER_P(HasPrincipal, expected, "") {
  if (!arg.ok()) {
    *result_listener << "status: " << arg.status();
    return false;
  }
  const Principal& p = *arg;
  *result_listener << "principal: {" << p.subject << ", " << p.role << ", "
                   << p.scope << ", " << p.on_behalf_of << "}";
  return p.subject == expected.subject && p.role == expected.role &&
         p.scope == expected.scope && p.on_behalf_of == expected.on_behalf_of;
}

class TokenAuthenticatorTest : public ::testing::Test {
 protected:
  std::string Bearer(const Claims& c) {
    return absl::StrCat("Bearer ", SignToken(c, SigningKeyOf(k1_)).value());
  }

  SettableClock clock_{kNow};
  const KeyPair k1_ = NewKeyPair("k1");
  TokenVerifier verifier_{KeySetOf({&k1_}), clock_};
  const TokenAuthenticator authenticator_{verifier_};
};

TEST_F(TokenAuthenticatorTest, MissingAuthorizationHeader) {
  EXPECT_THAT(authenticator_.AuthenticateMetadata({}),
              StatusIs(kUnauthenticated, "missing bearer token"));
  const std::string other = "someone";
  EXPECT_THAT(
      authenticator_.AuthenticateMetadata({{"x-relief-subject", other}}),
      StatusIs(kUnauthenticated, "missing bearer token"));
}

TEST_F(TokenAuthenticatorTest, ServerContextWithoutMetadata) {
  grpc::ServerContext context;
  EXPECT_THAT(authenticator_.Authenticate(context),
              StatusIs(kUnauthenticated, "missing bearer token"));
}

TEST_F(TokenAuthenticatorTest, NotABearerToken) {
  const std::string token =
      SignToken(TestClaims(kNow), SigningKeyOf(k1_)).value();
  for (const std::string& value :
       {std::string("Basic dXNlcjpwYXNz"), std::string("Bearer"),
        std::string("Bearer "), std::string("Bearer    "), token,
        absl::StrCat("Bearer:", token)}) {
    EXPECT_THAT(authenticator_.AuthenticateMetadata({{"authorization", value}}),
                StatusIs(kUnauthenticated, "missing bearer token"))
        << value;
  }
}

TEST_F(TokenAuthenticatorTest, GarbageToken) {
  const std::string value = "Bearer not-a-token";
  EXPECT_THAT(authenticator_.AuthenticateMetadata({{"authorization", value}}),
              StatusIs(kUnauthenticated, "malformed token"));
}

TEST_F(TokenAuthenticatorTest, ExpiredToken) {
  const std::string value = Bearer(TestClaims(kNow - absl::Hours(2)));
  EXPECT_THAT(authenticator_.AuthenticateMetadata({{"authorization", value}}),
              StatusIs(kUnauthenticated, "token expired"));
}

TEST_F(TokenAuthenticatorTest, TwoAuthorizationHeaders) {
  const std::string value = Bearer(TestClaims(kNow));
  EXPECT_THAT(authenticator_.AuthenticateMetadata(
                  {{"authorization", value}, {"authorization", value}}),
              StatusIs(kUnauthenticated, "more than one authorization header"));
}

TEST_F(TokenAuthenticatorTest, ValidTokenGivesThePrincipal) {
  const std::string value = Bearer(TestClaims(kNow));
  EXPECT_THAT(authenticator_.AuthenticateMetadata({{"authorization", value}}),
              HasPrincipal(Principal{.subject = "officer:243-test",
                                     .role = "district_officer",
                                     .scope = "243"}));
}

TEST_F(TokenAuthenticatorTest, SchemeIsCaseInsensitive) {
  const std::string token =
      SignToken(TestClaims(kNow), SigningKeyOf(k1_)).value();
  for (const char* scheme : {"bearer ", "BEARER ", "Bearer  "}) {
    const std::string value = absl::StrCat(scheme, token);
    EXPECT_TRUE(
        authenticator_.AuthenticateMetadata({{"authorization", value}}).ok())
        << scheme;
  }
}

TEST_F(TokenAuthenticatorTest, ServiceActsOnBehalfOfAUser) {
  Claims c = TestClaims(kNow, kRoleService);
  c.sub = "service:disbursement";
  c.scope = "";
  const std::string value = Bearer(c);
  const std::string user = "officer:252-nguyen.van.a";
  EXPECT_THAT(authenticator_.AuthenticateMetadata(
                  {{"authorization", value}, {"x-relief-on-behalf-of", user}}),
              HasPrincipal(Principal{.subject = "service:disbursement",
                                     .role = "service",
                                     .on_behalf_of = user}));
  EXPECT_THAT(authenticator_.AuthenticateMetadata({{"authorization", value}}),
              HasPrincipal(Principal{.subject = "service:disbursement",
                                     .role = "service"}));
}

TEST_F(TokenAuthenticatorTest, OnBehalfOfIsIgnoredForOtherRoles) {
  const std::string value = Bearer(TestClaims(kNow, kRoleAdmin));
  const std::string user = "officer:252-nguyen.van.a";
  absl::StatusOr<Principal> p = authenticator_.AuthenticateMetadata(
      {{"authorization", value}, {"x-relief-on-behalf-of", user}});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->on_behalf_of, "");
  EXPECT_EQ(p->subject, "officer:243-test");
}

TEST_F(TokenAuthenticatorTest, MalformedOnBehalfOfIsRefusedForAService) {
  const std::string value = Bearer(TestClaims(kNow, kRoleService));
  for (const std::string& user :
       {std::string(), std::string(129, 'x'), std::string("a\tb")}) {
    EXPECT_THAT(
        authenticator_.AuthenticateMetadata(
            {{"authorization", value}, {"x-relief-on-behalf-of", user}}),
        StatusIs(kUnauthenticated,
                 "x-relief-on-behalf-of must be 1..128 printable bytes"));
  }
  const std::string a = "a", b = "b";
  EXPECT_THAT(
      authenticator_.AuthenticateMetadata({{"authorization", value},
                                           {"x-relief-on-behalf-of", a},
                                           {"x-relief-on-behalf-of", b}}),
      StatusIs(kUnauthenticated, "more than one x-relief-on-behalf-of header"));
}

TEST_F(TokenAuthenticatorTest, PointOperatorScopeCarriesThePointAttributes) {
  Claims c = TestClaims(kNow, kRolePointOperator);
  c.point = "hn-07";
  c.host_province = "01";
  c.district = "243";
  const std::string value = Bearer(c);
  absl::StatusOr<Principal> p =
      authenticator_.AuthenticateMetadata({{"authorization", value}});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->role, "point_operator");
  EXPECT_EQ(p->scope, "point:hn-07;host_province:01;district:243");
  EXPECT_THAT(ParsePointScope(p->scope),
              ::relief::testing::IsOkAndHolds(PointScope{
                  .point = "hn-07", .host_province = "01", .district = "243"}));
}

TEST_F(TokenAuthenticatorTest, RevokedTokenIsRefused) {
  const std::string value = Bearer(TestClaims(kNow, kRoleAdmin, "jti-9"));
  ASSERT_TRUE(
      authenticator_.AuthenticateMetadata({{"authorization", value}}).ok());
  verifier_.SetRevoked({"jti-9"});
  EXPECT_THAT(authenticator_.AuthenticateMetadata({{"authorization", value}}),
              StatusIs(kUnauthenticated, "token revoked"));
}

}  // namespace
}  // namespace auth
}  // namespace relief
