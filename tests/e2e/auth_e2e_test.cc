// Signed tokens, scope and masking end to end (DESIGN.md §5): the real
// relief-registry binary on a socket, with real Postgres and Redis, driven
// over gRPC with real Ed25519 tokens (labels: e2e, integration).
//
//  - every kind of bad token is UNAUTHENTICATED, on both services;
//  - Tokens.IssueToken / RevokeToken / ListRevocations, and a revoked token
//    refused within the pull interval;
//  - officer scope through the unit table's parent links, denials audited;
//  - masking of personal data for the hotline, unmasked reads audited;
//  - TLS with certificates made by the openssl CLI.
#include <sodium.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/substitute.h"
#include "absl/time/clock.h"
#include "common/auth/key_file.h"
#include "common/auth/testing/test_tokens.h"
#include "common/auth/token.h"
#include "common/base/status.h"
#include "common/pg/testing/test_database.h"
#include "common/redis/testing/redis_server.h"
#include "common/server/grpc_status.h"
#include "common/server/testing/test_pki.h"
#include "common/server/tls.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "relief/auth/v1/auth.grpc.pb.h"
#include "services/registry/pg_registry_store.h"
#include "tests/testing/registry_client.h"
#include "tests/testing/registry_fixture.h"
#include "tests/testing/registry_process.h"

namespace relief::testing {
namespace {

namespace av1 = ::relief::auth::v1;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using Health = grpc::health::v1::HealthCheckResponse;

// Three people of Vĩnh Phúc (26): two in district 252 Vĩnh Tường (communes
// 09157 Phú Đa and 09076 Thị trấn Vĩnh Tường), one in district 243 Vĩnh Yên
// (commune 08707 Tích Sơn; GSO codes are not prefixes of each other).
constexpr char kPhuDa[] = "09157";             // district 252
constexpr char kVinhTuongTown[] = "09076";     // district 252
constexpr char kKimXa[] = "09079";             // district 252
constexpr char kTichSon[] = "08707";           // district 243
constexpr char kLienBao[] = "08710";           // district 243
constexpr char kName[] = "Trần Thị Hồng Nhung";

constexpr char kCccdA[] = "026195004817";      // in 09157
constexpr char kCccdB[] = "026195005123";      // in 08707
constexpr char kCccdC[] = "026195006789";      // in 09076
constexpr char kPhoneA[] = "0912345678";       // stored +84912345678
constexpr char kRelativePhoneA[] = "0987654321";

constexpr char kNoSuchPerson[] = "0190f0e0-0000-7000-8000-000000000000";

rv1::RegisterRequest PersonIn(const std::string& request_id,
                            const std::string& cccd,
                            const std::string& commune) {
  rv1::RegisterRequest r = SampleRegistration(request_id, cccd);
  r.set_home_commune_code(commune);
  r.set_full_name(kName);
  return r;
}

// Field paths of the violations carried by `s`.
std::vector<std::string> Fields(const grpc::Status& s) {
  std::vector<std::string> out;
  for (const FieldViolation& v : GetFieldViolations(FromGrpcStatus(s))) {
    out.push_back(v.field);
  }
  return out;
}

std::string Describe(const grpc::Status& s) {
  return absl::StrCat(s.error_code(), " ", s.error_message());
}


class AuthE2eTest : public RegistryDatabaseTest {
 protected:
  // Starts the registry (plaintext) and waits for SERVING.
  void StartRegistry() {
    auto p = RegistryProcess::Start(
        {.pg_url = db_->url(), .redis = redis_address_});
    ASSERT_TRUE(p.ok()) << p.status();
    registry_ = *std::move(p);
    ASSERT_TRUE(
        registry_->WaitForHealth(Health::SERVING, absl::Seconds(30)).ok())
        << registry_->LogTail();
    UseChannel(registry_->channel());
    admin_ = registry_->Token("admin", "", "admin:steering-committee");
    ASSERT_FALSE(admin_.empty());
    ASSERT_NO_FATAL_FAILURE(LoadKeys());
  }

  void UseChannel(std::shared_ptr<grpc::Channel> channel) {
    registry_stub_ = rv1::Registry::NewStub(channel);
    tokens_stub_ = av1::Tokens::NewStub(channel);
  }

  // The registry's signing key, from the key file RegistryProcess wrote.
  void LoadKeys() {
    absl::StatusOr<auth::KeyFile> keys =
        auth::LoadKeyFile(registry_->token_keys());
    ASSERT_TRUE(keys.ok()) << keys.status();
    ASSERT_FALSE(keys->keys.empty());
    key_pair_ = keys->keys.back();
    absl::StatusOr<auth::SigningKey> key =
        keys->SigningKeyFor(key_pair_.kid);
    ASSERT_TRUE(key.ok()) << key.status();
    signing_key_ = *key;
  }

  // Claims for `role` valid from `iat` for `lifetime`.
  auth::Claims ClaimsFor(const std::string& role, const std::string& scope,
                         absl::Time iat, absl::Duration lifetime) const {
    return auth::Claims{.iss = "relief-test",
                        .sub = absl::StrCat("test-", role),
                        .role = role,
                        .scope = scope,
                        .iat = absl::FromUnixSeconds(absl::ToUnixSeconds(iat)),
                        .exp = absl::FromUnixSeconds(absl::ToUnixSeconds(iat)) +
                               lifetime,
                        .jti = absl::StrCat("e2e-", role, "-",
                                            absl::ToUnixNanos(absl::Now()))};
  }

  // The claims JSON exactly as SignToken writes them, for forged tokens.
  static std::string ClaimsJson(const auth::Claims& c,
                                const std::string& kid) {
    return absl::Substitute(
        R"({"iss":"$0","sub":"$1","role":"$2","scope":"$3","iat":$4,)"
        R"("exp":$5,"jti":"$6","kid":"$7"})",
        c.iss, c.sub, c.role, c.scope, absl::ToUnixSeconds(c.iat),
        absl::ToUnixSeconds(c.exp), c.jti, kid);
  }

  // --- Registry calls ------------------------------------------------------

  grpc::Status Register(const std::string& token,
                        const rv1::RegisterRequest& req,
                        rv1::RegisterResponse* resp) {
    grpc::ClientContext ctx;
    WithDeadline(ctx, absl::Seconds(20), token);
    return registry_stub_->Register(&ctx, req, resp);
  }

  // Registers as admin; the new person's id.
  std::string RegisterAsAdmin(const rv1::RegisterRequest& req) {
    rv1::RegisterResponse resp;
    grpc::Status s = Register(admin_, req, &resp);
    EXPECT_TRUE(s.ok()) << Describe(s);
    EXPECT_EQ(resp.outcome(), rv1::REGISTER_OUTCOME_CREATED);
    return resp.person_id();
  }

  grpc::Status GetPerson(const std::string& token, const std::string& id,
                         rv1::Person* out = nullptr) {
    grpc::ClientContext ctx;
    WithDeadline(ctx, absl::Seconds(20), token);
    rv1::GetPersonRequest req;
    req.set_person_id(id);
    rv1::Person ignored;
    return registry_stub_->GetPerson(&ctx, req, out ? out : &ignored);
  }

  grpc::Status ListCommune(const std::string& token, const std::string& code,
                           rv1::PeoplePage* out = nullptr) {
    grpc::ClientContext ctx;
    WithDeadline(ctx, absl::Seconds(20), token);
    rv1::ListPeopleRequest req;
    req.set_home_commune_code(code);
    rv1::PeoplePage ignored;
    return registry_stub_->ListPeople(&ctx, req, out ? out : &ignored);
  }

  grpc::Status ListHost(const std::string& token, const std::string& code,
                        rv1::PeoplePage* out) {
    grpc::ClientContext ctx;
    WithDeadline(ctx, absl::Seconds(20), token);
    rv1::ListPeopleRequest req;
    req.set_host_province_code(code);
    return registry_stub_->ListPeople(&ctx, req, out);
  }

  grpc::Status SearchName(const std::string& token, const std::string& name,
                          rv1::PeoplePage* out) {
    grpc::ClientContext ctx;
    WithDeadline(ctx, absl::Seconds(20), token);
    rv1::SearchPeopleRequest req;
    req.set_name(name);
    return registry_stub_->SearchPeople(&ctx, req, out);
  }

  grpc::Status SearchDocument(const std::string& token,
                              const std::string& number,
                              rv1::PeoplePage* out) {
    grpc::ClientContext ctx;
    WithDeadline(ctx, absl::Seconds(20), token);
    rv1::SearchPeopleRequest req;
    req.set_document_number(number);
    req.set_document_type(rv1::DOCUMENT_TYPE_CCCD);
    return registry_stub_->SearchPeople(&ctx, req, out);
  }

  static std::vector<std::string> Ids(const rv1::PeoplePage& page) {
    std::vector<std::string> out;
    for (const rv1::Person& p : page.people()) out.push_back(p.person_id());
    return out;
  }

  // --- Tokens calls --------------------------------------------------------

  grpc::Status Issue(const std::string& token,
                     const av1::IssueTokenRequest& req,
                     av1::IssueTokenResponse* resp) {
    grpc::ClientContext ctx;
    WithDeadline(ctx, absl::Seconds(20), token);
    return tokens_stub_->IssueToken(&ctx, req, resp);
  }

  static av1::IssueTokenRequest IssueRequest(const std::string& request_id,
                                             const std::string& subject,
                                             const std::string& role,
                                             const std::string& scope,
                                             int64_t ttl_seconds = 0) {
    av1::IssueTokenRequest req;
    req.set_request_id(request_id);
    req.set_subject(subject);
    req.set_role(role);
    req.set_scope(scope);
    req.set_ttl_seconds(ttl_seconds);
    return req;
  }

  // A token the admin issues over Tokens.IssueToken.
  av1::IssueTokenResponse IssueAsAdmin(const std::string& request_id,
                                       const std::string& subject,
                                       const std::string& role,
                                       const std::string& scope) {
    av1::IssueTokenResponse resp;
    grpc::Status s = Issue(admin_,
                           IssueRequest(request_id, subject, role, scope,
                                        3600),
                           &resp);
    EXPECT_TRUE(s.ok()) << Describe(s);
    EXPECT_FALSE(resp.token().empty());
    return resp;
  }

  grpc::Status Revoke(const std::string& token, const std::string& request_id,
                      const std::string& jti,
                      av1::RevokeTokenResponse* resp) {
    grpc::ClientContext ctx;
    WithDeadline(ctx, absl::Seconds(20), token);
    av1::RevokeTokenRequest req;
    req.set_request_id(request_id);
    req.set_jti(jti);
    req.set_reason("phone lost");
    return tokens_stub_->RevokeToken(&ctx, req, resp);
  }

  grpc::Status ListRevocations(const std::string& token, int64_t after,
                               av1::ListRevocationsResponse* resp) {
    grpc::ClientContext ctx;
    WithDeadline(ctx, absl::Seconds(20), token);
    av1::ListRevocationsRequest req;
    req.set_after_position(after);
    return tokens_stub_->ListRevocations(&ctx, req, resp);
  }

  int64_t Int(const std::string& sql) {
    absl::StatusOr<int64_t> v = db_->QueryInt(sql);
    EXPECT_TRUE(v.ok()) << v.status() << " for " << sql;
    return v.ok() ? *v : -1;
  }

  // Audit rows whose action matches `like` (SQL LIKE) written for `actor`.
  int64_t AuditRows(const std::string& actor, const std::string& like) {
    return Int(absl::StrCat(
        "SELECT count(*) FROM registry.audit WHERE actor = '", actor,
        "' AND action LIKE '", like, "'"));
  }

  std::unique_ptr<RegistryProcess> registry_;
  std::unique_ptr<rv1::Registry::Stub> registry_stub_;
  std::unique_ptr<av1::Tokens::Stub> tokens_stub_;
  std::string admin_;
  auth::KeyPair key_pair_;
  auth::SigningKey signing_key_;
};

// ---------------------------------------------------------------------------
// 1. Authentication
// ---------------------------------------------------------------------------

TEST_F(AuthE2eTest, EveryBadTokenIsUnauthenticatedOnBothServices) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry());
  const std::string kid = key_pair_.kid;
  const absl::Time now = absl::Now();
  const auth::Claims admin_claims =
      ClaimsFor("admin", "", now, absl::Hours(1));

  // Controls: a good token of the registry's key gets past authentication.
  EXPECT_EQ(GetPerson(admin_, kNoSuchPerson).error_code(),
            grpc::StatusCode::NOT_FOUND);
  {
    av1::ListRevocationsResponse resp;
    grpc::Status s =
        ListRevocations(registry_->Token("service"), 0, &resp);
    EXPECT_TRUE(s.ok()) << Describe(s);
  }

  // Expired an hour ago (correctly signed by the registry's key).
  absl::StatusOr<std::string> expired = auth::SignToken(
      ClaimsFor("admin", "", now - absl::Hours(2), absl::Hours(1)),
      signing_key_);
  ASSERT_TRUE(expired.ok()) << expired.status();

  // Another key published under the registry's own kid.
  auth::KeyPair impostor = auth::testing::NewKeyPair(kid);
  absl::StatusOr<std::string> wrong_key =
      auth::SignToken(admin_claims, auth::testing::SigningKeyOf(impostor));
  ASSERT_TRUE(wrong_key.ok()) << wrong_key.status();

  // A kid the registry does not know.
  auth::KeyPair stranger = auth::testing::NewKeyPair("unknown-kid");
  absl::StatusOr<std::string> unknown_kid =
      auth::SignToken(admin_claims, auth::testing::SigningKeyOf(stranger));
  ASSERT_TRUE(unknown_kid.ok()) << unknown_kid.status();

  // alg=none with an empty signature.
  const std::string claims_json = ClaimsJson(admin_claims, kid);
  const std::string alg_none = auth::testing::SignRaw(
      absl::StrCat(R"({"alg":"none","kid":")", kid, R"(","typ":"JWT"})"),
      claims_json, /*secret_key=*/"");
  ASSERT_EQ(alg_none.back(), '.');

  // HS256 keyed with the registry's public key (the classic algorithm
  // confusion attack: the public key is no secret).
  std::string hs256;
  {
    const std::string input = absl::StrCat(
        auth::internal::Base64UrlEncode(absl::StrCat(
            R"({"alg":"HS256","kid":")", kid, R"(","typ":"JWT"})")),
        ".", auth::internal::Base64UrlEncode(claims_json));
    ASSERT_EQ(key_pair_.public_key.size(), crypto_auth_hmacsha256_KEYBYTES);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(
        mac, reinterpret_cast<const unsigned char*>(input.data()),
        input.size(),
        reinterpret_cast<const unsigned char*>(key_pair_.public_key.data()));
    hs256 = absl::StrCat(
        input, ".",
        auth::internal::Base64UrlEncode(absl::string_view(
            reinterpret_cast<const char*>(mac), sizeof mac)));
  }

  // A genuine officer token whose claims were swapped for an admin's,
  // keeping the officer's signature.
  std::string escalated;
  {
    absl::StatusOr<std::string> officer = auth::SignToken(
        ClaimsFor("district_officer", "252", now, absl::Hours(1)),
        signing_key_);
    ASSERT_TRUE(officer.ok()) << officer.status();
    std::vector<std::string> parts = absl::StrSplit(*officer, '.');
    ASSERT_EQ(parts.size(), 3u);
    escalated = absl::StrCat(parts[0], ".",
                             auth::internal::Base64UrlEncode(claims_json), ".",
                             parts[2]);
  }

  struct Case {
    std::string name;
    std::string authorization;  // empty: no header at all
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"no token", "", "missing bearer token"},
      {"empty bearer", "Bearer ", "missing bearer token"},
      {"basic scheme", "Basic YWRtaW46YWRtaW4=", "missing bearer token"},
      {"expired", "Bearer " + *expired, "token expired"},
      {"other key, same kid", "Bearer " + *wrong_key, "bad signature"},
      {"alg none", "Bearer " + alg_none, "algorithm must be EdDSA"},
      {"alg HS256", "Bearer " + hs256, "algorithm must be EdDSA"},
      {"unknown kid", "Bearer " + *unknown_kid, "unknown key id"},
      {"claims swapped", "Bearer " + escalated, "bad signature"},
      {"garbage", "Bearer garbage", "malformed token"},
      {"three garbage segments", "Bearer a.b.c", "malformed token"},
      {"oversized", "Bearer " + std::string(5000, 'A'), "malformed token"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    // Registry service.
    {
      grpc::ClientContext ctx;
      WithDeadline(ctx, absl::Seconds(20));
      if (!c.authorization.empty()) {
        ctx.AddMetadata("authorization", c.authorization);
      }
      rv1::GetPersonRequest req;
      req.set_person_id(kNoSuchPerson);
      rv1::Person out;
      grpc::Status s = registry_stub_->GetPerson(&ctx, req, &out);
      EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << Describe(s);
      EXPECT_THAT(s.error_message(), HasSubstr(c.reason));
    }
    // Tokens service: an admin's write must not get through either.
    {
      grpc::ClientContext ctx;
      WithDeadline(ctx, absl::Seconds(20));
      if (!c.authorization.empty()) {
        ctx.AddMetadata("authorization", c.authorization);
      }
      av1::IssueTokenResponse out;
      grpc::Status s = tokens_stub_->IssueToken(
          &ctx,
          IssueRequest(absl::StrCat("bad-", c.name), "officer:x",
                       "district_officer", "252"),
          &out);
      EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << Describe(s);
      EXPECT_THAT(s.error_message(), HasSubstr(c.reason));
    }
  }
  // Nothing was written on any refused call.
  EXPECT_EQ(Int("SELECT count(*) FROM registry.issued_tokens"), 0);
  EXPECT_EQ(Int("SELECT count(*) FROM registry.idempotency"), 0);
}

// ---------------------------------------------------------------------------
// 2. The Tokens service
// ---------------------------------------------------------------------------

TEST_F(AuthE2eTest, RevokedTokenIsRefusedWithinThePullInterval) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry());
  const std::string a = RegisterAsAdmin(PersonIn("reg-a", kCccdA, kPhuDa));

  const std::string subject = "officer:252-nguyen.van.a";
  const av1::IssueTokenResponse issued =
      IssueAsAdmin("issue-officer", subject, "district_officer", "252");
  ASSERT_FALSE(issued.jti().empty());
  const std::string& officer = issued.token();

  // The issued token verifies under the registry's key and says what was
  // asked.
  {
    auth::KeySet keys;
    ASSERT_TRUE(keys.Add(key_pair_.kid, key_pair_.public_key).ok());
    absl::StatusOr<auth::Claims> claims =
        auth::VerifyToken(officer, keys, absl::Now());
    ASSERT_TRUE(claims.ok()) << claims.status();
    EXPECT_EQ(claims->sub, subject);
    EXPECT_EQ(claims->role, "district_officer");
    EXPECT_EQ(claims->scope, "252");
    EXPECT_EQ(claims->jti, issued.jti());
    EXPECT_EQ(claims->kid, key_pair_.kid);
    EXPECT_EQ(claims->exp - claims->iat, absl::Hours(1));
  }

  // Works before the revocation (and warms the verifier's cache).
  {
    grpc::Status s = GetPerson(officer, a);
    ASSERT_TRUE(s.ok()) << Describe(s);
    s = ListCommune(officer, kPhuDa);
    ASSERT_TRUE(s.ok()) << Describe(s);
  }

  av1::RevokeTokenResponse revoked;
  {
    grpc::Status s = Revoke(admin_, "revoke-officer", issued.jti(), &revoked);
    ASSERT_TRUE(s.ok()) << Describe(s);
    EXPECT_GT(revoked.revoked_at().seconds(), 0);
  }

  // The registry pulls revocations every 200 ms in tests: poll until the
  // officer is refused, well within the deadline.
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  grpc::Status last;
  while (absl::Now() < deadline) {
    last = GetPerson(officer, a);
    if (last.error_code() == grpc::StatusCode::UNAUTHENTICATED) break;
    ASSERT_TRUE(last.ok()) << "before the revocation lands: "
                           << Describe(last);
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_EQ(last.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << "still accepted 15 s after RevokeToken: " << Describe(last) << "\n"
      << registry_->LogTail();
  EXPECT_EQ(last.error_message(), "token revoked");
  {
    grpc::Status s = ListCommune(officer, kPhuDa);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(s.error_message(), "token revoked");
  }
  // Others are unaffected.
  EXPECT_TRUE(GetPerson(admin_, a).ok());

  // Revoking again (another request id) is fine; the same request id
  // answers the first time's revoked_at; an unknown jti is NOT_FOUND.
  {
    av1::RevokeTokenResponse again;
    grpc::Status s = Revoke(admin_, "revoke-officer", issued.jti(), &again);
    ASSERT_TRUE(s.ok()) << Describe(s);
    EXPECT_EQ(again.revoked_at().seconds(), revoked.revoked_at().seconds());
    EXPECT_EQ(again.revoked_at().nanos(), revoked.revoked_at().nanos());
    s = Revoke(admin_, "revoke-officer-2", issued.jti(), &again);
    EXPECT_TRUE(s.ok()) << Describe(s);
    s = Revoke(admin_, "revoke-unknown",
               "0190f0e0-0000-7000-8000-00000000abcd", &again);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(s);
  }
  EXPECT_EQ(Int(absl::StrCat("SELECT count(*) FROM registry.revocations "
                             "WHERE jti = '",
                             issued.jti(), "'")),
            1);

  // A service lists the revocation with its feed position.
  const std::string service = registry_->Token("service", "", "service:disb");
  av1::ListRevocationsResponse listed;
  {
    grpc::Status s = ListRevocations(service, 0, &listed);
    ASSERT_TRUE(s.ok()) << Describe(s);
  }
  ASSERT_EQ(listed.revocations_size(), 1);
  EXPECT_EQ(listed.revocations(0).jti(), issued.jti());
  EXPECT_GT(listed.revocations(0).position(), 0);
  EXPECT_EQ(listed.last_position(), listed.revocations(0).position());
  EXPECT_GT(listed.revocations(0).expires_at().seconds(), 0);
  {
    av1::ListRevocationsResponse after;
    grpc::Status s =
        ListRevocations(service, listed.last_position(), &after);
    ASSERT_TRUE(s.ok()) << Describe(s);
    EXPECT_EQ(after.revocations_size(), 0);
    EXPECT_EQ(after.last_position(), listed.last_position());
  }
  // ListRevocations is for services; an admin is refused.
  {
    av1::ListRevocationsResponse out;
    EXPECT_EQ(ListRevocations(admin_, 0, &out).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  // Issue and revoke were audited.
  EXPECT_EQ(AuditRows("admin:steering-committee", "token.issue"), 1);
  EXPECT_GE(AuditRows("admin:steering-committee", "token.revoke"), 1);
}

TEST_F(AuthE2eTest, IssueTokenTwiceWithOneRequestIdReturnsTheSameToken) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry());
  const auto req = IssueRequest("issue-twice", "officer:09157-le.thi.b",
                                "commune_officer", kPhuDa, 7200);
  av1::IssueTokenResponse first, second;
  {
    grpc::Status s = Issue(admin_, req, &first);
    ASSERT_TRUE(s.ok()) << Describe(s);
    s = Issue(admin_, req, &second);
    ASSERT_TRUE(s.ok()) << Describe(s);
  }
  EXPECT_EQ(second.token(), first.token());
  EXPECT_EQ(second.jti(), first.jti());
  EXPECT_EQ(second.expires_at().seconds(), first.expires_at().seconds());
  EXPECT_EQ(Int("SELECT count(*) FROM registry.issued_tokens"), 1);

  // The same request id with another body is ALREADY_EXISTS.
  auto other = req;
  other.set_ttl_seconds(3600);
  av1::IssueTokenResponse third;
  EXPECT_EQ(Issue(admin_, other, &third).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Int("SELECT count(*) FROM registry.issued_tokens"), 1);

  // The token works for its holder.
  const std::string a = RegisterAsAdmin(PersonIn("reg-a", kCccdA, kPhuDa));
  grpc::Status s = GetPerson(first.token(), a);
  EXPECT_TRUE(s.ok()) << Describe(s);
}

TEST_F(AuthE2eTest, IssueTokenByNonAdminIsPermissionDeniedAndAudited) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry());
  struct Caller {
    std::string role, scope;
  };
  for (const Caller& c :
       {Caller{"district_officer", "252"}, Caller{"leader", ""},
        Caller{"service", ""}, Caller{"hotline_operator", ""},
        Caller{"commune_officer", kPhuDa}}) {
    SCOPED_TRACE(c.role);
    const std::string subject = absl::StrCat("caller:", c.role);
    const std::string token = registry_->Token(c.role, c.scope, subject);
    ASSERT_FALSE(token.empty());
    av1::IssueTokenResponse resp;
    grpc::Status s = Issue(token,
                           IssueRequest(absl::StrCat("self-", c.role), subject,
                                        "admin", ""),
                           &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << Describe(s);
    EXPECT_TRUE(resp.token().empty());
    EXPECT_EQ(AuditRows(subject, "denied relief.auth.v1.Tokens/IssueToken"),
              1);
    av1::RevokeTokenResponse revoked;
    EXPECT_EQ(Revoke(token, absl::StrCat("revoke-", c.role),
                     "0190f0e0-0000-7000-8000-00000000abcd", &revoked)
                  .error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  EXPECT_EQ(Int("SELECT count(*) FROM registry.issued_tokens"), 0);
}

TEST_F(AuthE2eTest, IssueTokenInvalidArgumentsNameTheFields) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry());
  struct Case {
    std::string name;
    av1::IssueTokenRequest req;
    std::vector<std::string> fields;
  };
  const int64_t twelve_hours = 12 * 3600;
  const int64_t thirty_days = 30 * 24 * 3600;
  const std::vector<Case> cases = {
      {"unknown role", IssueRequest("bad-1", "x:1", "superuser", ""),
       {"role"}},
      {"role in capitals", IssueRequest("bad-2", "x:1", "ADMIN", ""),
       {"role"}},
      {"district officer with a commune",
       IssueRequest("bad-3", "x:1", "district_officer", kPhuDa),
       {"scope"}},
      {"district officer with a province",
       IssueRequest("bad-4", "x:1", "district_officer", "26"),
       {"scope"}},
      {"district officer without scope",
       IssueRequest("bad-5", "x:1", "district_officer", ""),
       {"scope"}},
      {"commune officer with a district",
       IssueRequest("bad-6", "x:1", "commune_officer", "252"),
       {"scope"}},
      {"unknown unit", IssueRequest("bad-7", "x:1", "commune_officer", "99999"),
       {"scope"}},
      {"officer over 12 h",
       IssueRequest("bad-8", "x:1", "district_officer", "252",
                    twelve_hours + 1),
       {"ttl_seconds"}},
      {"service over 30 days",
       IssueRequest("bad-9", "x:1", "service", "", thirty_days + 1),
       {"ttl_seconds"}},
      {"negative ttl",
       IssueRequest("bad-10", "x:1", "district_officer", "252", -1),
       {"ttl_seconds"}},
      {"no request id", IssueRequest("", "x:1", "leader", ""),
       {"request_id"}},
      {"no subject", IssueRequest("bad-11", "", "leader", ""), {"subject"}},
      {"scope and ttl at once",
       IssueRequest("bad-12", "x:1", "district_officer", kPhuDa,
                    twelve_hours + 1),
       {"scope", "ttl_seconds"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    av1::IssueTokenResponse resp;
    grpc::Status s = Issue(admin_, c.req, &resp);
    ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << Describe(s);
    EXPECT_EQ(Fields(s), c.fields) << s.error_message();
  }
  // At the maximum exactly is fine.
  {
    av1::IssueTokenResponse resp;
    grpc::Status s = Issue(
        admin_,
        IssueRequest("ok-max", "x:1", "district_officer", "252", twelve_hours),
        &resp);
    EXPECT_TRUE(s.ok()) << Describe(s);
  }
  EXPECT_EQ(Int("SELECT count(*) FROM registry.issued_tokens"), 1);
}

// ---------------------------------------------------------------------------
// 3. Scope through parent links
// ---------------------------------------------------------------------------

TEST_F(AuthE2eTest, OfficerScopeFollowsParentLinks) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry());
  const std::string a = RegisterAsAdmin(PersonIn("reg-a", kCccdA, kPhuDa));
  const std::string b = RegisterAsAdmin(PersonIn("reg-b", kCccdB, kTichSon));
  const std::string c =
      RegisterAsAdmin(PersonIn("reg-c", kCccdC, kVinhTuongTown));
  ASSERT_EQ(Int("SELECT count(*) FROM registry.persons"), 3);

  // --- district officer of 252 --------------------------------------------
  const std::string district_subject = "officer:252-tran.van.c";
  const std::string district =
      IssueAsAdmin("issue-district", district_subject, "district_officer",
                   "252")
          .token();

  rv1::Person person;
  grpc::Status s = GetPerson(district, a, &person);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_EQ(person.home_district_code(), "252");
  // A district officer sees personal data unmasked.
  ASSERT_EQ(person.documents_size(), 1);
  EXPECT_EQ(person.documents(0).number(), kCccdA);
  s = GetPerson(district, c);
  EXPECT_TRUE(s.ok()) << Describe(s);
  s = GetPerson(district, b);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << Describe(s);

  rv1::PeoplePage page;
  s = ListCommune(district, kPhuDa, &page);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_THAT(Ids(page), UnorderedElementsAre(a));
  s = ListCommune(district, kTichSon);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << Describe(s);

  page.Clear();
  s = SearchName(district, "tran thi hong", &page);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_THAT(Ids(page), UnorderedElementsAre(a, c));
  EXPECT_FALSE(page.masked());

  // By host province: only the people of the officer's district.
  page.Clear();
  s = ListHost(district, "79", &page);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_THAT(Ids(page), UnorderedElementsAre(a, c));

  // Registering outside the district is refused and stores nothing.
  const int64_t idempotency = Int("SELECT count(*) FROM registry.idempotency");
  rv1::RegisterResponse reg;
  s = Register(district, PersonIn("reg-d-out", "026195007001", kLienBao), &reg);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << Describe(s);
  EXPECT_EQ(Int("SELECT count(*) FROM registry.persons"), 3);
  EXPECT_EQ(Int("SELECT count(*) FROM registry.documents WHERE number "
                "= '026195007001'"),
            0);
  EXPECT_EQ(Int("SELECT count(*) FROM registry.idempotency"), idempotency);
  // ... and inside it works.
  reg.Clear();
  s = Register(district, PersonIn("reg-d-in", "026195007002", kKimXa), &reg);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_EQ(reg.outcome(), rv1::REGISTER_OUTCOME_CREATED);
  EXPECT_EQ(reg.person().home_district_code(), "252");
  const std::string d = reg.person_id();

  // Every refusal left an audit row naming the method.
  EXPECT_EQ(AuditRows(district_subject, "denied%"), 3);
  EXPECT_EQ(AuditRows(district_subject,
                      "denied relief.registry.v1.Registry/GetPerson"),
            1);
  EXPECT_EQ(AuditRows(district_subject,
                      "denied relief.registry.v1.Registry/ListPeople"),
            1);
  EXPECT_EQ(AuditRows(district_subject,
                      "denied relief.registry.v1.Registry/Register"),
            1);
  EXPECT_EQ(Int(absl::StrCat("SELECT count(*) FROM registry.audit WHERE "
                             "actor = '",
                             district_subject,
                             "' AND action LIKE 'denied%' AND role <> "
                             "'district_officer'")),
            0);

  // --- commune officer of 09157 -------------------------------------------
  const std::string commune_subject = "officer:09157-pham.thi.d";
  const std::string commune =
      IssueAsAdmin("issue-commune", commune_subject, "commune_officer", kPhuDa)
          .token();
  s = GetPerson(commune, a);
  EXPECT_TRUE(s.ok()) << Describe(s);
  for (const std::string& other : {b, c, d}) {
    s = GetPerson(commune, other);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << Describe(s);
  }
  page.Clear();
  s = ListCommune(commune, kPhuDa, &page);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_THAT(Ids(page), UnorderedElementsAre(a));
  for (const char* other : {kVinhTuongTown, kTichSon}) {
    s = ListCommune(commune, other);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << Describe(s);
  }
  page.Clear();
  s = SearchName(commune, kName, &page);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_THAT(Ids(page), UnorderedElementsAre(a));
  page.Clear();
  s = SearchDocument(commune, kCccdC, &page);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_THAT(Ids(page), IsEmpty());
  EXPECT_EQ(AuditRows(commune_subject, "denied%"), 5);

  // The admin sees everyone.
  page.Clear();
  s = SearchName(admin_, kName, &page);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_THAT(Ids(page), UnorderedElementsAre(a, b, c, d));
}

// ---------------------------------------------------------------------------
// 4. Masking
// ---------------------------------------------------------------------------

TEST_F(AuthE2eTest, HotlineSeesMaskedDataAdminReadsAreAudited) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry());
  rv1::RegisterRequest req = PersonIn("reg-a", kCccdA, kPhuDa);
  req.set_phone(kPhoneA);
  auto* rel = req.add_relatives();
  rel->set_name("Trần Văn Nam");
  rel->set_relationship("bố");
  rel->set_phone(kRelativePhoneA);
  const std::string a = RegisterAsAdmin(req);
  ASSERT_FALSE(a.empty());

  const std::string hotline_subject = "hotline:operator-7";
  const std::string hotline =
      registry_->Token("hotline_operator", "", hotline_subject);

  rv1::Person masked;
  grpc::Status s = GetPerson(hotline, a, &masked);
  ASSERT_TRUE(s.ok()) << Describe(s);
  ASSERT_EQ(masked.documents_size(), 1);
  EXPECT_EQ(masked.documents(0).number(), "026******817");
  EXPECT_EQ(masked.documents(0).key(), "");
  EXPECT_EQ(masked.phone(), "+84******678");
  ASSERT_EQ(masked.relatives_size(), 1);
  EXPECT_EQ(masked.relatives(0).phone(), "+84******321");
  EXPECT_EQ(masked.full_name(), kName);
  EXPECT_EQ(AuditRows(hotline_subject, "person.read"), 0);

  for (const bool by_document : {false, true}) {
    SCOPED_TRACE(by_document ? "by document" : "by name");
    rv1::PeoplePage page;
    s = by_document ? SearchDocument(hotline, kCccdA, &page)
                    : SearchName(hotline, "Trần Thị Hồng", &page);
    ASSERT_TRUE(s.ok()) << Describe(s);
    EXPECT_TRUE(page.masked());
    ASSERT_EQ(page.people_size(), 1);
    const rv1::Person& p = page.people(0);
    EXPECT_EQ(p.person_id(), a);
    ASSERT_EQ(p.documents_size(), 1);
    EXPECT_EQ(p.documents(0).number(), "026******817");
    EXPECT_EQ(p.documents(0).key(), "");
    EXPECT_EQ(p.phone(), "+84******678");
    ASSERT_EQ(p.relatives_size(), 1);
    EXPECT_EQ(p.relatives(0).phone(), "+84******321");
  }

  // The admin reads unmasked, and the read is audited.
  const std::string admin_subject = "admin:steering-committee";
  EXPECT_EQ(AuditRows(admin_subject, "person.read"), 0);
  rv1::Person plain;
  s = GetPerson(admin_, a, &plain);
  ASSERT_TRUE(s.ok()) << Describe(s);
  ASSERT_EQ(plain.documents_size(), 1);
  EXPECT_EQ(plain.documents(0).number(), kCccdA);
  EXPECT_EQ(plain.documents(0).key(), absl::StrCat("ID12:", kCccdA));
  EXPECT_EQ(plain.phone(), "+84912345678");
  ASSERT_EQ(plain.relatives_size(), 1);
  EXPECT_EQ(plain.relatives(0).phone(), "+84987654321");
  EXPECT_EQ(Int(absl::StrCat("SELECT count(*) FROM registry.audit WHERE "
                             "action = 'person.read' AND actor = '",
                             admin_subject, "' AND role = 'admin' AND "
                             "target_id = '",
                             a, "'")),
            1);

  rv1::PeoplePage page;
  s = SearchName(admin_, "Trần Thị Hồng", &page);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_FALSE(page.masked());
  ASSERT_EQ(page.people_size(), 1);
  EXPECT_EQ(page.people(0).documents(0).number(), kCccdA);
  EXPECT_EQ(page.people(0).phone(), "+84912345678");
  EXPECT_EQ(AuditRows(admin_subject, "person.read"), 2);
}

// ---------------------------------------------------------------------------
// 5. TLS
// ---------------------------------------------------------------------------

class AuthTlsE2eTest : public AuthE2eTest {
 protected:
  static std::shared_ptr<grpc::Channel> Channel(
      const std::string& target, const ClientTlsOptions& options) {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> creds =
        ClientCredentials(options);
    EXPECT_TRUE(creds.ok()) << creds.status();
    if (!creds.ok()) return nullptr;
    return grpc::CreateChannel(target, *creds);
  }

  static grpc::Status Check(const std::shared_ptr<grpc::Channel>& channel,
                            Health* resp, absl::Duration timeout) {
    auto stub = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    grpc::health::v1::HealthCheckRequest req;
    return stub->Check(&ctx, req, resp);
  }

  // Polls health over `channel` until SERVING.
  static grpc::Status WaitServing(const std::shared_ptr<grpc::Channel>& channel,
                                  absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    grpc::Status last;
    while (absl::Now() < deadline) {
      Health resp;
      last = Check(channel, &resp, absl::Seconds(1));
      if (last.ok() && resp.status() == Health::SERVING) return last;
      if (last.ok()) {
        last = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            Health::ServingStatus_Name(resp.status()));
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return last;
  }
};

TEST_F(AuthTlsE2eTest, RegistryServesTlsAndRefusesOtherClients) {
  Pki pki;
  ASSERT_TRUE(pki.Generate()) << pki.error();
  auto p = RegistryProcess::Start(
      {.pg_url = db_->url(),
       .redis = redis_address_,
       .extra_args = {absl::StrCat("--tls-cert=", pki.Path("server.pem")),
                      absl::StrCat("--tls-key=", pki.Path("server.key"))}});
  ASSERT_TRUE(p.ok()) << p.status();
  registry_ = *std::move(p);

  const std::string port =
      registry_->address().substr(registry_->address().rfind(':') + 1);
  std::shared_ptr<grpc::Channel> tls =
      Channel(registry_->address(), {.ca_file = pki.Path("ca.pem")});
  ASSERT_NE(tls, nullptr);
  {
    grpc::Status s = WaitServing(tls, absl::Seconds(30));
    ASSERT_TRUE(s.ok()) << Describe(s) << "\n" << registry_->LogTail();
  }
  UseChannel(tls);
  admin_ = registry_->Token("admin", "", "admin:steering-committee");

  rv1::RegisterResponse resp;
  grpc::Status s = Register(admin_, PersonIn("tls-1", kCccdA, kPhuDa), &resp);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_EQ(resp.outcome(), rv1::REGISTER_OUTCOME_CREATED);
  rv1::Person person;
  s = GetPerson(admin_, resp.person_id(), &person);
  EXPECT_TRUE(s.ok()) << Describe(s);

  // The certificate names localhost too.
  {
    Health h;
    s = Check(Channel(absl::StrCat("localhost:", port),
                      {.ca_file = pki.Path("ca.pem")}),
              &h, absl::Seconds(5));
    EXPECT_TRUE(s.ok()) << Describe(s);
  }

  // A plaintext client cannot talk to it, not even with a good token.
  {
    std::shared_ptr<grpc::Channel> plain =
        grpc::CreateChannel(registry_->address(),
                            grpc::InsecureChannelCredentials());
    Health h;
    s = Check(plain, &h, absl::Seconds(5));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(s);
    UseChannel(plain);
    rv1::RegisterResponse r;
    s = Register(admin_, PersonIn("tls-plain", kCccdB, kPhuDa), &r);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(s);
  }
  // A client trusting another CA refuses the server.
  {
    std::shared_ptr<grpc::Channel> other =
        Channel(registry_->address(), {.ca_file = pki.Path("other.pem")});
    ASSERT_NE(other, nullptr);
    Health h;
    s = Check(other, &h, absl::Seconds(5));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(s);
    UseChannel(other);
    rv1::RegisterResponse r;
    s = Register(admin_, PersonIn("tls-other", kCccdC, kPhuDa), &r);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(s);
  }
  EXPECT_EQ(Int("SELECT count(*) FROM registry.persons"), 1);
}

}  // namespace
}  // namespace relief::testing
