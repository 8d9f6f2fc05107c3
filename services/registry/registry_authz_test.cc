// The registry's authorisation matrix (DESIGN.md §5): every role of
// authz::kRoles × every method of RegistryRules() × an in-scope and an
// out-of-scope target, on the real RegistryManager and TokensManager over
// Postgres and Redis (label: integration). A new method or role fails
// MatrixTest.CoversEveryRoleAndMethod until its rows are added to kMatrix.
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/auth/key_file.h"
#include "common/authz/authorizer.h"
#include "common/base/clock.h"
#include "common/base/ids.h"
#include "common/base/page_token.h"
#include "common/pg/pool.h"
#include "common/pg/testing/test_database.h"
#include "common/redis/rate_limiter.h"
#include "common/redis/redis_client.h"
#include "common/units/pg_units.h"
#include "gtest/gtest.h"
#include "services/registry/pg_registry_store.h"
#include "services/registry/redis_document_cache.h"
#include "services/registry/registry_manager.h"
#include "services/registry/registry_policy.h"
#include "services/registry/testing/distinct_person.h"
#include "services/registry/tokens_manager.h"

namespace relief::registry {
namespace {

// What a call must give.
enum class Want {
  // Authorised, and the answer carries the target (the person read, found
  // or listed; the registration stored; the token issued or revoked).
  kOk,
  // Authorised, but the target is left out of the answer: a scoped search
  // filters what lies outside the caller's scope.
  kFiltered,
  // Authorised; the target does not exist (revoking an unknown jti).
  kNotFound,
  // Authorised: anything but PERMISSION_DENIED (a state change may find the
  // fixture person in a state it does not start from: FAILED_PRECONDITION).
  kAllowed,
  // PERMISSION_DENIED, one "denied <method>" audit row, nothing stored.
  kDenied,
};
constexpr Want OK = Want::kOk, FILTERED = Want::kFiltered,
               NOT_FOUND = Want::kNotFound, DENIED = Want::kDenied,
               ALLOWED = Want::kAllowed;

// One (role, method): what the call gives on an in-scope and on an
// out-of-scope target.
struct Cell {
  absl::string_view role;
  absl::string_view method;
  Want in_scope;
  Want out_of_scope;
};

// The scopes the tokens of the matrix carry.
constexpr absl::string_view kDistrict = "252";   // Vĩnh Tường, Vĩnh Phúc
constexpr absl::string_view kCommune = "09157";  // Phú Đa, in 252
constexpr absl::string_view kOtherCommune = "08707";  // Tích Sơn, in 243
constexpr absl::string_view kPartner = "redcross-vp";
constexpr absl::string_view kPoint = "point:p1;host_province:79;district:252";

// The targets, per method (unit-scoped roles; "any" roles get the same):
//   Register        in: home commune 09157        out: home commune 08707
//                   partner: its own partner_id / another partner's
//                   point_operator: source DISTRIBUTION_POINT / HOTLINE
//   GetPerson       in: person A (09157)          out: person B (08707)
//                   partner: person P (it sent it) / person A (hotline)
//   SearchPeople    by document of the same people;
//                   point_operator: by document / by name
//   ListPeople      home commune of the same people (09157 / 08707)
//   Lookup          document of A / of B
//   Subscribe       (no target: RegistryManager::Authorize)
//   IssueToken      commune_officer@09157 / district_officer@243
//   RevokeToken     a jti issued by the fixture / an unknown jti
//   ListRevocations after 0 / after a far position
//   Update          needs of A / of B
//   ListReviews     unit 09157 / 08707 (a review item in each)
//   DecideReviews   DISTINCT on the item about A / about B
//   Unmerge         A / B (not merged: FAILED_PRECONDITION when allowed)
//   CheckEligibility cash for A / for B
const Cell kMatrix[] = {
    // clang-format off
    // role                method                  in scope   out of scope
    {"admin",            kMethodRegister,        OK,        OK},
    {"leader",           kMethodRegister,        DENIED,    DENIED},
    {"district_officer", kMethodRegister,        OK,        DENIED},
    {"commune_officer",  kMethodRegister,        OK,        DENIED},
    {"point_operator",   kMethodRegister,        OK,        DENIED},
    {"hotline_operator", kMethodRegister,        OK,        OK},
    {"partner",          kMethodRegister,        OK,        DENIED},
    {"dashboard",        kMethodRegister,        DENIED,    DENIED},
    {"auditor",          kMethodRegister,        DENIED,    DENIED},
    {"service",          kMethodRegister,        DENIED,    DENIED},

    {"admin",            kMethodGetPerson,       OK,        OK},
    {"leader",           kMethodGetPerson,       OK,        OK},
    {"district_officer", kMethodGetPerson,       OK,        DENIED},
    {"commune_officer",  kMethodGetPerson,       OK,        DENIED},
    {"point_operator",   kMethodGetPerson,       DENIED,    DENIED},
    {"hotline_operator", kMethodGetPerson,       OK,        OK},
    {"partner",          kMethodGetPerson,       OK,        DENIED},
    {"dashboard",        kMethodGetPerson,       DENIED,    DENIED},
    {"auditor",          kMethodGetPerson,       DENIED,    DENIED},
    {"service",          kMethodGetPerson,       OK,        OK},

    {"admin",            kMethodSearchPeople,    OK,        OK},
    {"leader",           kMethodSearchPeople,    OK,        OK},
    {"district_officer", kMethodSearchPeople,    OK,        FILTERED},
    {"commune_officer",  kMethodSearchPeople,    OK,        FILTERED},
    {"point_operator",   kMethodSearchPeople,    OK,        DENIED},
    {"hotline_operator", kMethodSearchPeople,    OK,        OK},
    {"partner",          kMethodSearchPeople,    OK,        FILTERED},
    {"dashboard",        kMethodSearchPeople,    DENIED,    DENIED},
    {"auditor",          kMethodSearchPeople,    DENIED,    DENIED},
    {"service",          kMethodSearchPeople,    OK,        OK},

    {"admin",            kMethodListPeople,      OK,        OK},
    {"leader",           kMethodListPeople,      OK,        OK},
    {"district_officer", kMethodListPeople,      OK,        DENIED},
    {"commune_officer",  kMethodListPeople,      OK,        DENIED},
    {"point_operator",   kMethodListPeople,      DENIED,    DENIED},
    {"hotline_operator", kMethodListPeople,      DENIED,    DENIED},
    {"partner",          kMethodListPeople,      DENIED,    DENIED},
    {"dashboard",        kMethodListPeople,      DENIED,    DENIED},
    {"auditor",          kMethodListPeople,      DENIED,    DENIED},
    {"service",          kMethodListPeople,      OK,        OK},

    {"admin",            kMethodLookup,          OK,        OK},
    {"leader",           kMethodLookup,          DENIED,    DENIED},
    {"district_officer", kMethodLookup,          DENIED,    DENIED},
    {"commune_officer",  kMethodLookup,          DENIED,    DENIED},
    {"point_operator",   kMethodLookup,          DENIED,    DENIED},
    {"hotline_operator", kMethodLookup,          DENIED,    DENIED},
    {"partner",          kMethodLookup,          DENIED,    DENIED},
    {"dashboard",        kMethodLookup,          DENIED,    DENIED},
    {"auditor",          kMethodLookup,          DENIED,    DENIED},
    {"service",          kMethodLookup,          OK,        OK},

    {"admin",            kMethodSubscribe,       DENIED,    DENIED},
    {"leader",           kMethodSubscribe,       DENIED,    DENIED},
    {"district_officer", kMethodSubscribe,       DENIED,    DENIED},
    {"commune_officer",  kMethodSubscribe,       DENIED,    DENIED},
    {"point_operator",   kMethodSubscribe,       DENIED,    DENIED},
    {"hotline_operator", kMethodSubscribe,       DENIED,    DENIED},
    {"partner",          kMethodSubscribe,       DENIED,    DENIED},
    {"dashboard",        kMethodSubscribe,       DENIED,    DENIED},
    {"auditor",          kMethodSubscribe,       DENIED,    DENIED},
    {"service",          kMethodSubscribe,       OK,        OK},

    {"admin",            kMethodIssueToken,      OK,        OK},
    {"leader",           kMethodIssueToken,      DENIED,    DENIED},
    {"district_officer", kMethodIssueToken,      DENIED,    DENIED},
    {"commune_officer",  kMethodIssueToken,      DENIED,    DENIED},
    {"point_operator",   kMethodIssueToken,      DENIED,    DENIED},
    {"hotline_operator", kMethodIssueToken,      DENIED,    DENIED},
    {"partner",          kMethodIssueToken,      DENIED,    DENIED},
    {"dashboard",        kMethodIssueToken,      DENIED,    DENIED},
    {"auditor",          kMethodIssueToken,      DENIED,    DENIED},
    {"service",          kMethodIssueToken,      DENIED,    DENIED},

    {"admin",            kMethodRevokeToken,     OK,        NOT_FOUND},
    {"leader",           kMethodRevokeToken,     DENIED,    DENIED},
    {"district_officer", kMethodRevokeToken,     DENIED,    DENIED},
    {"commune_officer",  kMethodRevokeToken,     DENIED,    DENIED},
    {"point_operator",   kMethodRevokeToken,     DENIED,    DENIED},
    {"hotline_operator", kMethodRevokeToken,     DENIED,    DENIED},
    {"partner",          kMethodRevokeToken,     DENIED,    DENIED},
    {"dashboard",        kMethodRevokeToken,     DENIED,    DENIED},
    {"auditor",          kMethodRevokeToken,     DENIED,    DENIED},
    {"service",          kMethodRevokeToken,     DENIED,    DENIED},

    {"admin",            kMethodListRevocations, DENIED,    DENIED},
    {"leader",           kMethodListRevocations, DENIED,    DENIED},
    {"district_officer", kMethodListRevocations, DENIED,    DENIED},
    {"commune_officer",  kMethodListRevocations, DENIED,    DENIED},
    {"point_operator",   kMethodListRevocations, DENIED,    DENIED},
    {"hotline_operator", kMethodListRevocations, DENIED,    DENIED},
    {"partner",          kMethodListRevocations, DENIED,    DENIED},
    {"dashboard",        kMethodListRevocations, DENIED,    DENIED},
    {"auditor",          kMethodListRevocations, DENIED,    DENIED},
    {"service",          kMethodListRevocations, OK,        OK},
    {"admin",            kMethodVerify, ALLOWED,   ALLOWED},
    {"leader",           kMethodVerify, DENIED,    DENIED},
    {"district_officer", kMethodVerify, ALLOWED,   DENIED},
    {"commune_officer",  kMethodVerify, ALLOWED,   DENIED},
    {"point_operator",   kMethodVerify, DENIED,    DENIED},
    {"hotline_operator", kMethodVerify, DENIED,    DENIED},
    {"partner",          kMethodVerify, DENIED,    DENIED},
    {"dashboard",        kMethodVerify, DENIED,    DENIED},
    {"auditor",          kMethodVerify, DENIED,    DENIED},
    {"service",          kMethodVerify, DENIED,    DENIED},

    {"admin",            kMethodReject, ALLOWED,   ALLOWED},
    {"leader",           kMethodReject, DENIED,    DENIED},
    {"district_officer", kMethodReject, ALLOWED,   DENIED},
    {"commune_officer",  kMethodReject, ALLOWED,   DENIED},
    {"point_operator",   kMethodReject, DENIED,    DENIED},
    {"hotline_operator", kMethodReject, DENIED,    DENIED},
    {"partner",          kMethodReject, DENIED,    DENIED},
    {"dashboard",        kMethodReject, DENIED,    DENIED},
    {"auditor",          kMethodReject, DENIED,    DENIED},
    {"service",          kMethodReject, DENIED,    DENIED},

    {"admin",            kMethodWithdraw, ALLOWED,   ALLOWED},
    {"leader",           kMethodWithdraw, DENIED,    DENIED},
    {"district_officer", kMethodWithdraw, ALLOWED,   DENIED},
    {"commune_officer",  kMethodWithdraw, ALLOWED,   DENIED},
    {"point_operator",   kMethodWithdraw, DENIED,    DENIED},
    {"hotline_operator", kMethodWithdraw, DENIED,    DENIED},
    {"partner",          kMethodWithdraw, DENIED,    DENIED},
    {"dashboard",        kMethodWithdraw, DENIED,    DENIED},
    {"auditor",          kMethodWithdraw, DENIED,    DENIED},
    {"service",          kMethodWithdraw, DENIED,    DENIED},

    {"admin",            kMethodReopen, ALLOWED,   ALLOWED},
    {"leader",           kMethodReopen, DENIED,    DENIED},
    {"district_officer", kMethodReopen, ALLOWED,   DENIED},
    {"commune_officer",  kMethodReopen, ALLOWED,   DENIED},
    {"point_operator",   kMethodReopen, DENIED,    DENIED},
    {"hotline_operator", kMethodReopen, DENIED,    DENIED},
    {"partner",          kMethodReopen, DENIED,    DENIED},
    {"dashboard",        kMethodReopen, DENIED,    DENIED},
    {"auditor",          kMethodReopen, DENIED,    DENIED},
    {"service",          kMethodReopen, ALLOWED,   ALLOWED},

    {"admin",            kMethodBulkVerify, ALLOWED,   ALLOWED},
    {"leader",           kMethodBulkVerify, DENIED,    DENIED},
    {"district_officer", kMethodBulkVerify, ALLOWED,   DENIED},
    {"commune_officer",  kMethodBulkVerify, ALLOWED,   DENIED},
    {"point_operator",   kMethodBulkVerify, DENIED,    DENIED},
    {"hotline_operator", kMethodBulkVerify, DENIED,    DENIED},
    {"partner",          kMethodBulkVerify, DENIED,    DENIED},
    {"dashboard",        kMethodBulkVerify, DENIED,    DENIED},
    {"auditor",          kMethodBulkVerify, DENIED,    DENIED},
    {"service",          kMethodBulkVerify, DENIED,    DENIED},

    {"admin",            kMethodUpdate, ALLOWED,   ALLOWED},
    {"leader",           kMethodUpdate, DENIED,    DENIED},
    {"district_officer", kMethodUpdate, ALLOWED,   DENIED},
    {"commune_officer",  kMethodUpdate, ALLOWED,   DENIED},
    {"point_operator",   kMethodUpdate, DENIED,    DENIED},
    {"hotline_operator", kMethodUpdate, DENIED,    DENIED},
    {"partner",          kMethodUpdate, DENIED,    DENIED},
    {"dashboard",        kMethodUpdate, DENIED,    DENIED},
    {"auditor",          kMethodUpdate, DENIED,    DENIED},
    {"service",          kMethodUpdate, DENIED,    DENIED},

    {"admin",            kMethodListReviews, OK,        OK},
    {"leader",           kMethodListReviews, DENIED,    DENIED},
    {"district_officer", kMethodListReviews, OK,        DENIED},
    {"commune_officer",  kMethodListReviews, OK,        DENIED},
    {"point_operator",   kMethodListReviews, DENIED,    DENIED},
    {"hotline_operator", kMethodListReviews, DENIED,    DENIED},
    {"partner",          kMethodListReviews, DENIED,    DENIED},
    {"dashboard",        kMethodListReviews, DENIED,    DENIED},
    {"auditor",          kMethodListReviews, DENIED,    DENIED},
    {"service",          kMethodListReviews, DENIED,    DENIED},

    {"admin",            kMethodDecideReviews, ALLOWED,   ALLOWED},
    {"leader",           kMethodDecideReviews, DENIED,    DENIED},
    {"district_officer", kMethodDecideReviews, ALLOWED,   DENIED},
    {"commune_officer",  kMethodDecideReviews, ALLOWED,   DENIED},
    {"point_operator",   kMethodDecideReviews, DENIED,    DENIED},
    {"hotline_operator", kMethodDecideReviews, DENIED,    DENIED},
    {"partner",          kMethodDecideReviews, DENIED,    DENIED},
    {"dashboard",        kMethodDecideReviews, DENIED,    DENIED},
    {"auditor",          kMethodDecideReviews, DENIED,    DENIED},
    {"service",          kMethodDecideReviews, DENIED,    DENIED},

    {"admin",            kMethodUnmerge, ALLOWED,   ALLOWED},
    {"leader",           kMethodUnmerge, DENIED,    DENIED},
    {"district_officer", kMethodUnmerge, ALLOWED,   DENIED},
    {"commune_officer",  kMethodUnmerge, ALLOWED,   DENIED},
    {"point_operator",   kMethodUnmerge, DENIED,    DENIED},
    {"hotline_operator", kMethodUnmerge, DENIED,    DENIED},
    {"partner",          kMethodUnmerge, DENIED,    DENIED},
    {"dashboard",        kMethodUnmerge, DENIED,    DENIED},
    {"auditor",          kMethodUnmerge, DENIED,    DENIED},
    {"service",          kMethodUnmerge, DENIED,    DENIED},

    {"admin",            kMethodCheckEligibility, OK,        OK},
    {"leader",           kMethodCheckEligibility, OK,        OK},
    {"district_officer", kMethodCheckEligibility, OK,        DENIED},
    {"commune_officer",  kMethodCheckEligibility, OK,        DENIED},
    {"point_operator",   kMethodCheckEligibility, OK,        OK},
    {"hotline_operator", kMethodCheckEligibility, OK,        OK},
    {"partner",          kMethodCheckEligibility, DENIED,    DENIED},
    {"dashboard",        kMethodCheckEligibility, DENIED,    DENIED},
    {"auditor",          kMethodCheckEligibility, DENIED,    DENIED},
    {"service",          kMethodCheckEligibility, OK,        OK},
    // clang-format on
};

// "relief.registry.v1.Registry/GetPerson" -> "GetPerson".
std::string ShortName(absl::string_view method) {
  const size_t slash = method.rfind('/');
  return std::string(
      slash == absl::string_view::npos ? method : method.substr(slash + 1));
}

absl::string_view WantName(Want w) {
  switch (w) {
    case Want::kOk:
      return "OK";
    case Want::kFiltered:
      return "OK (target filtered out)";
    case Want::kNotFound:
      return "NOT_FOUND";
    case Want::kAllowed:
      return "not PERMISSION_DENIED";
    case Want::kDenied:
      return "PERMISSION_DENIED";
  }
  return "?";
}

// Every (role of kRoles, method of RegistryRules()) has exactly one cell,
// and no cell names a role or method the product does not have.
TEST(MatrixTest, CoversEveryRoleAndMethod) {
  std::set<std::string> methods, roles;
  for (const authz::Rule& rule : RegistryRules()) {
    methods.insert(rule.method);
    for (const auto& [role, access] : rule.access) {
      EXPECT_TRUE(std::find(std::begin(authz::kRoles), std::end(authz::kRoles),
                            role) != std::end(authz::kRoles))
          << rule.method << " grants unknown role " << role;
    }
  }
  for (absl::string_view r : authz::kRoles) roles.insert(std::string(r));
  std::set<std::pair<std::string, std::string>> seen;
  for (const Cell& c : kMatrix) {
    EXPECT_TRUE(roles.contains(std::string(c.role)))
        << "kMatrix names unknown role " << c.role;
    EXPECT_TRUE(methods.contains(std::string(c.method)))
        << "kMatrix names a method RegistryRules() does not have: " << c.method;
    EXPECT_TRUE(seen.emplace(std::string(c.role), std::string(c.method)).second)
        << "kMatrix repeats " << c.role << " × " << c.method;
  }
  for (const std::string& method : methods) {
    for (const std::string& role : roles) {
      EXPECT_TRUE(seen.contains({role, method}))
          << "kMatrix has no row for " << role << " × " << method
          << ": add it (DESIGN.md §5, one matrix grows with every method)";
    }
  }
}

// One test per (role, method, scope case).
struct Case {
  Cell cell;
  bool in_scope;
  Want want() const { return in_scope ? cell.in_scope : cell.out_of_scope; }
  std::string Name() const {
    return absl::StrCat(cell.role, "_", ShortName(cell.method), "_",
                        in_scope ? "in_scope" : "out_of_scope");
  }
};

// Failure messages name the case, not its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.Name(); }

std::vector<Case> AllCases() {
  std::vector<Case> out;
  for (const Cell& c : kMatrix) {
    out.push_back({c, true});
    out.push_back({c, false});
  }
  return out;
}

Principal ActorFor(absl::string_view role) {
  Principal p{.subject = absl::StrCat("authz-test:", role),
              .role = std::string(role)};
  if (role == "district_officer") p.scope = std::string(kDistrict);
  if (role == "commune_officer") p.scope = std::string(kCommune);
  if (role == "partner") p.scope = std::string(kPartner);
  if (role == "point_operator") p.scope = std::string(kPoint);
  return p;
}

struct FixturePerson {
  std::string id;
  std::string cccd;
  std::string home_commune;
};

RegistrationInput NewRegistration(std::string request_id, std::string name,
                                  std::string home_commune) {
  RegistrationInput in;
  in.request_id = std::move(request_id);
  Person& p = in.person;
  p.full_name = std::move(name);
  p.birth_date = {1990, 5, 17};
  p.sex = Sex::kMale;
  p.home_commune_code = std::move(home_commune);
  p.host_province_code = "79";
  p.need_kind = NeedKind::kLiving;
  p.source = Source::kHotline;
  p.relatives = {{"Nguyễn Thị Hoa", "mẹ", ""}};
  return in;
}

// Servers, managers and the fixture data, built once per process (ctest
// runs each case in its own process; a plain run shares one database).
struct Env {
  std::unique_ptr<pg::testing::TestDatabase> db;
  std::unique_ptr<pg::Pool> pool;
  std::unique_ptr<redis::RedisClient> redis;
  std::unique_ptr<RedisDocumentCache> cache;
  std::unique_ptr<PgRegistryStore> store;
  std::unique_ptr<UuidV7Generator> ids;
  std::unique_ptr<PageTokenCodec> page_tokens;
  std::unique_ptr<redis::RedisRateLimiter> limiter;
  auth::SigningKey signing_key;
  std::unique_ptr<RegistryManager> manager;
  std::unique_ptr<TokensManager> tokens;

  // A: hotline, home 09157. B: hotline, home 08707 (district 243).
  // P: sent by partner kPartner, home 09157.
  FixturePerson a, b, p;
  std::string issued_jti;
  // Open review items about A (09157) and about B (08707).
  std::string review_a, review_b;

  ~Env() {
    tokens.reset();
    manager.reset();
    store.reset();
    pool.reset();
    db.reset();
  }

  absl::Status Init() {
    auto created = pg::testing::TestDatabase::Create(RegistryMigrationSets());
    if (!created.ok()) return created.status();
    db = *std::move(created);
    pool = std::make_unique<pg::Pool>(
        pg::PoolOptions{.conninfo = db->url(), .size = 4});
    const char* address = std::getenv("RELIEF_TEST_REDIS");
    if (address == nullptr || *address == '\0') {
      return absl::FailedPreconditionError(
          "RELIEF_TEST_REDIS is not set: run the tests with tests/run");
    }
    auto options = redis::ParseRedisAddress(address);
    if (!options.ok()) return options.status();
    options->key_prefix = absl::StrCat(db->name(), ":");
    redis = redis::RedisClient::Create(*options);
    if (absl::Status s = redis->Ping(); !s.ok()) return s;
    cache = std::make_unique<RedisDocumentCache>(*redis);
    store = std::make_unique<PgRegistryStore>(*pool, SystemClock());
    ids = std::make_unique<UuidV7Generator>(SystemClock());
    page_tokens = std::make_unique<PageTokenCodec>("authz-test-key");
    limiter = std::make_unique<redis::RedisRateLimiter>(
        redis.get(), SystemClock(),
        redis::RateLimitOptions{.limit = 1000, .name = "ratelimit:lookup"});
    auto units = units::LoadUnitCatalog(*pool, absl::CivilDay(2021, 8, 15));
    if (!units.ok()) return units.status();
    manager = std::make_unique<RegistryManager>(
        DeploymentConfig{}, *std::move(units),
        RegistryManager::Deps{*store, *cache, *ids, SystemClock(), *page_tokens,
                              *limiter});
    auto key = auth::GenerateKeyPair("authz-test");
    if (!key.ok()) return key.status();
    signing_key = {.kid = key->kid, .secret_key = key->secret_key};
    tokens = std::make_unique<TokensManager>(
        TokensManager::Deps{.registry = *manager,
                            .store = *store,
                            .ids = *ids,
                            .clock = SystemClock(),
                            .signing_key = signing_key,
                            .issuer = "relief:26"});

    const Principal admin{.subject = "authz-test:fixture", .role = "admin"};
    auto add = [&](RegistrationInput in, std::string cccd,
                   FixturePerson& out) -> absl::Status {
      in.person.documents = {
          Document{.type = DocumentType::kCccd, .number = cccd}};
      in.person.relatives.clear();
      auto r = manager->Register(admin, in, in.request_id + "-body");
      if (!r.ok()) return r.status();
      if (r->outcome != RegisterOutcome::kCreated) {
        return absl::InternalError("fixture person not created");
      }
      out = {r->person.id, std::move(cccd), in.person.home_commune_code};
      return absl::OkStatus();
    };
    if (absl::Status s = add(NewRegistration("fixture-a", "Nguyễn Văn An",
                                             std::string(kCommune)),
                             "026090001234", a);
        !s.ok()) {
      return s;
    }
    auto in_b = NewRegistration("fixture-b", "Trần Văn Bình",
                                std::string(kOtherCommune));
    in_b.person.birth_date = {1985, 3, 2};
    if (absl::Status s = add(in_b, "026085004321", b); !s.ok()) return s;
    auto in_p =
        NewRegistration("fixture-p", "Lê Thị Cúc", std::string(kCommune));
    in_p.person.birth_date = {1995, 11, 20};
    in_p.person.sex = Sex::kFemale;
    in_p.person.source = Source::kPartner;
    in_p.person.partner_id = std::string(kPartner);
    in_p.person.partner_external_ref = "row-1";
    if (absl::Status s = add(in_p, "026195007777", p); !s.ok()) return s;

    // One open review item in each commune (as the duplicate pass opens
    // them); DecideReviews cases decide them DISTINCT.
    review_a = ids->NewId();
    review_b = ids->NewId();
    for (const auto& [review, person, other] :
         {std::tuple{review_a, a, p}, std::tuple{review_b, b, a}}) {
      if (absl::Status s = db->Exec(absl::StrCat(
              "INSERT INTO registry.reviews (review_id, kind, state, person_id,"
              " candidate_ids, doc_keys, home_commune_code, created_at,"
              " created_by, request_id, scores) VALUES ('", review,
              "', 'POSSIBLE_DUPLICATE', 'OPEN', '", person.id, "', ARRAY['",
              other.id, "'::uuid], '{}', '", person.home_commune,
              "', now(), 'fixture', 'fixture', '{7.5}')"));
          !s.ok()) {
        return s;
      }
    }

    auto issued = tokens->Issue(admin,
                                {.request_id = "fixture-token",
                                 .subject = "officer:09157-test",
                                 .role = "commune_officer",
                                 .scope = std::string(kCommune)},
                                "fixture-token-body");
    if (!issued.ok()) return issued.status();
    issued_jti = issued->jti;
    return absl::OkStatus();
  }

  int64_t Count(absl::string_view sql) const {
    absl::StatusOr<int64_t> n = db->QueryInt(sql);
    EXPECT_TRUE(n.ok()) << sql << ": " << n.status();
    return n.ok() ? *n : -1;
  }
};

// What a call stored: persons, and every other row a call could write
// (documents, relatives, idempotency, issued tokens, revocations, outbox).
// Audit rows are counted after the id of the last one before the call.
struct Snapshot {
  int64_t persons, other_rows, last_audit_id;
  static Snapshot Of(const Env& env) {
    return {env.Count("SELECT count(*) FROM registry.persons"),
            env.Count("SELECT (SELECT count(*) FROM registry.documents)"
                      " + (SELECT count(*) FROM registry.relatives)"
                      " + (SELECT count(*) FROM registry.reviews)"
                      " + (SELECT count(*) FROM registry.idempotency)"
                      " + (SELECT count(*) FROM registry.issued_tokens)"
                      " + (SELECT count(*) FROM registry.revocations)"
                      " + (SELECT count(*) FROM registry.outbox)"),
            env.Count("SELECT coalesce(max(id), 0) FROM registry.audit")};
  }
};

// A call's status and whether its answer carries the target.
struct Outcome {
  absl::Status status;
  bool has_target = false;
};

class RegistryAuthzTest : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() {
    env_ = new Env;
    env_status_ = new absl::Status(env_->Init());
  }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
    delete env_status_;
    env_status_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(env_status_->ok()) << *env_status_; }

  // The person a role's in- or out-of-scope case is about.
  static const FixturePerson& Target(absl::string_view role, bool in_scope) {
    if (role == "partner") return in_scope ? env_->p : env_->a;
    return in_scope ? env_->a : env_->b;
  }

  static bool Contains(const PeoplePage& page, const std::string& id) {
    return std::any_of(page.people.begin(), page.people.end(),
                       [&](const Person& p) { return p.id == id; });
  }

  // Calls `c.cell.method` as `c.cell.role` on the case's target.
  Outcome Call(const Case& c) {
    const Principal actor = ActorFor(c.cell.role);
    const absl::string_view role = c.cell.role, method = c.cell.method;
    const FixturePerson& target = Target(role, c.in_scope);
    const std::string request_id = c.Name();  // unique per case
    Outcome out;
    if (method == kMethodRegister) {
      // A person without papers (with a relative): always a new person.
      RegistrationInput in = NewRegistration(
          request_id, testing::DistinctName("Phạm Văn", request_id),
          std::string(kCommune));
      const auto dob = testing::DistinctBirthDate(request_id);
      in.person.birth_date = {dob.year, dob.month, dob.day};
      if (role == "partner") {
        in.person.source = Source::kPartner;
        in.person.partner_id =
            c.in_scope ? std::string(kPartner) : "another-partner";
        in.person.partner_external_ref = request_id;
      } else if (role == "point_operator") {
        in.person.source =
            c.in_scope ? Source::kDistributionPoint : Source::kHotline;
      } else {
        in.person.source = role == "hotline_operator" ? Source::kHotline
                                                      : Source::kCommuneList;
        if (!c.in_scope)
          in.person.home_commune_code = std::string(kOtherCommune);
      }
      auto r = env_->manager->Register(actor, in, request_id + "-body");
      out.status = r.status();
      out.has_target = r.ok() && r->outcome == RegisterOutcome::kCreated;
    } else if (method == kMethodGetPerson) {
      auto r = env_->manager->GetPerson(actor, target.id);
      out.status = r.status();
      out.has_target = r.ok() && r->id == target.id;
    } else if (method == kMethodSearchPeople) {
      SearchInput in{.kind = SearchInput::Kind::kDocument,
                     .text = target.cccd,
                     .document_type = DocumentType::kCccd};
      if (role == "point_operator" && !c.in_scope) {
        in = {.kind = SearchInput::Kind::kName, .text = "Nguyễn Văn"};
      }
      auto r = env_->manager->SearchPeople(actor, in);
      out.status = r.status();
      out.has_target = r.ok() && Contains(*r, target.id);
    } else if (method == kMethodListPeople) {
      auto r = env_->manager->ListPeople(
          actor, {.home_commune_code = target.home_commune, .page_size = 100});
      out.status = r.status();
      out.has_target = r.ok() && Contains(*r, target.id);
    } else if (method == kMethodLookup) {
      auto r = env_->manager->Lookup(actor, DocumentType::kCccd, target.cccd);
      out.status = r.status();
      out.has_target = r.ok() && r->known;
    } else if (method == kMethodSubscribe) {
      out.status = env_->manager->Authorize(actor, kMethodSubscribe);
      out.has_target = out.status.ok();
    } else if (method == kMethodIssueToken) {
      IssueInput in{.request_id = request_id,
                    .subject = absl::StrCat("officer:", request_id),
                    .role = c.in_scope ? "commune_officer" : "district_officer",
                    .scope = c.in_scope ? std::string(kCommune) : "243"};
      auto r = env_->tokens->Issue(actor, in, request_id + "-body");
      out.status = r.status();
      out.has_target = r.ok() && !r->jti.empty() && !r->token.empty();
    } else if (method == kMethodRevokeToken) {
      const std::string jti =
          c.in_scope ? env_->issued_jti : env_->ids->NewId();
      auto r = env_->tokens->Revoke(actor, jti, "authorisation matrix",
                                    request_id, request_id + "-body");
      out.status = r.status();
      out.has_target = r.ok();
    } else if (method == kMethodListRevocations) {
      auto r = env_->tokens->ListRevocations(actor,
                                             c.in_scope ? 0 : int64_t{1} << 40);
      out.status = r.status();
      out.has_target = r.ok();
    } else if (method == kMethodVerify || method == kMethodReject ||
               method == kMethodWithdraw || method == kMethodReopen) {
      const Transition t = method == kMethodVerify   ? Transition::kVerify
                           : method == kMethodReject ? Transition::kReject
                           : method == kMethodWithdraw
                               ? Transition::kWithdraw
                               : Transition::kReopen;
      auto r = env_->manager->ChangeState(
          actor, t,
          {.request_id = request_id,
           .person_id = target.id,
           .reason = "authorisation matrix"},
          request_id + "-body");
      out.status = r.status();
      out.has_target = r.ok();
    } else if (method == kMethodBulkVerify) {
      auto r = env_->manager->BulkVerify(actor, request_id, {target.id}, "",
                                         request_id + "-body");
      out.status = r.status();
      out.has_target = r.ok();
    } else if (method == kMethodUpdate) {
      UpdateInput in{.request_id = request_id,
                     .person_id = target.id,
                     .reason = "authorisation matrix",
                     .fields = {"needs"}};
      in.values.need_kind = NeedKind::kMedical;
      auto r = env_->manager->Update(actor, in, request_id + "-body");
      out.status = r.status();
      out.has_target = r.ok() && r->person.id == target.id;
    } else if (method == kMethodListReviews) {
      auto r = env_->manager->ListReviews(actor, target.home_commune, 100, "");
      out.status = r.status();
      const std::string& review =
          c.in_scope ? env_->review_a : env_->review_b;
      out.has_target =
          r.ok() && std::any_of(r->reviews.begin(), r->reviews.end(),
                                [&](const ReviewView& v) {
                                  return v.row.review_id == review;
                                });
    } else if (method == kMethodDecideReviews) {
      const std::string& review =
          c.in_scope ? env_->review_a : env_->review_b;
      auto r = env_->manager->DecideReviews(
          actor, request_id, {{review, Decision::kDistinct, ""}},
          "authorisation matrix", request_id + "-body");
      out.status = r.status();
      out.has_target = r.ok();
    } else if (method == kMethodUnmerge) {
      auto r = env_->manager->Unmerge(
          actor,
          {.request_id = request_id,
           .person_id = target.id,
           .reason = "authorisation matrix"},
          request_id + "-body");
      out.status = r.status();
      out.has_target = r.ok();
    } else if (method == kMethodCheckEligibility) {
      auto r = env_->manager->CheckEligibility(
          actor, {.person_id = target.id, .purpose = Purpose::kCash});
      out.status = r.status();
      out.has_target = r.ok() && r->canonical_person_id == target.id;
    } else {
      ADD_FAILURE() << "no call for method " << method
                    << ": teach RegistryAuthzTest::Call to make it";
    }
    return out;
  }

  static Env* env_;
  static absl::Status* env_status_;
};

Env* RegistryAuthzTest::env_ = nullptr;
absl::Status* RegistryAuthzTest::env_status_ = nullptr;

TEST_P(RegistryAuthzTest, Call) {
  const Case& c = GetParam();
  SCOPED_TRACE(absl::StrCat(c.cell.role, " × ", c.cell.method, " (",
                            c.in_scope ? "in scope" : "out of scope",
                            "), want ", WantName(c.want())));
  const Snapshot before = Snapshot::Of(*env_);

  const Outcome got = Call(c);

  const Snapshot after = Snapshot::Of(*env_);
  const std::string new_audit = absl::StrCat(
      "SELECT count(*) FROM registry.audit WHERE id > ", before.last_audit_id);
  const int64_t audited = env_->Count(new_audit);
  const int64_t audited_denied =
      env_->Count(absl::StrCat(new_audit, " AND action LIKE 'denied %'"));
  switch (c.want()) {
    case Want::kOk:
      EXPECT_TRUE(got.status.ok()) << got.status;
      EXPECT_TRUE(got.has_target) << "the answer does not carry the target";
      break;
    case Want::kFiltered:
      EXPECT_TRUE(got.status.ok()) << got.status;
      EXPECT_FALSE(got.has_target) << "an out-of-scope person is in the answer";
      break;
    case Want::kNotFound:
      EXPECT_EQ(got.status.code(), absl::StatusCode::kNotFound) << got.status;
      break;
    case Want::kAllowed:
      EXPECT_NE(got.status.code(), absl::StatusCode::kPermissionDenied)
          << got.status;
      break;
    case Want::kDenied:
      EXPECT_EQ(got.status.code(), absl::StatusCode::kPermissionDenied)
          << got.status;
      break;
  }
  if (c.want() == Want::kDenied) {
    // Audited: exactly one row, "denied <method>", naming actor and role.
    EXPECT_EQ(audited, 1);
    EXPECT_EQ(audited_denied, 1);
    EXPECT_EQ(env_->Count(absl::StrCat(
                  new_audit, " AND action = 'denied ", c.cell.method,
                  "' AND actor = 'authz-test:", c.cell.role, "' AND role = '",
                  c.cell.role, "'")),
              1);
    // Nothing stored.
    EXPECT_EQ(after.other_rows, before.other_rows);
  } else {
    EXPECT_EQ(audited_denied, 0) << "an allowed call audited a denial";
  }
  if (c.cell.method == kMethodRegister && c.want() == Want::kOk) {
    EXPECT_EQ(after.persons - before.persons, 1);
  } else {
    EXPECT_EQ(after.persons, before.persons);
  }
}

INSTANTIATE_TEST_SUITE_P(Matrix, RegistryAuthzTest,
                         ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.Name();
                         });

}  // namespace
}  // namespace relief::registry
