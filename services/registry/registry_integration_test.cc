// The registry manager on real Postgres and Redis (label: integration).
#include <cstdlib>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "common/base/failpoint.h"
#include "common/base/status.h"
#include "common/base/testing/status_matchers.h"
#include "common/pg/testing/test_database.h"
#include "common/redis/rate_limiter.h"
#include "common/redis/redis_client.h"
#include "common/redis/testing/redis_server.h"
#include "common/units/pg_units.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "common/events/event_feed.h"
#include "common/events/sequencer.h"
#include "services/registry/document_cache_feeder.h"
#include "services/registry/pg_registry_store.h"
#include "common/server/metrics.h"
#include "common/server/testing/scrape.h"
#include "services/registry/redis_candidate_cache.h"
#include "services/registry/redis_document_cache.h"
#include "services/registry/testing/distinct_person.h"
#include "services/registry/registry_manager.h"

namespace relief::registry {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

RegistrationInput Person(std::string request_id,
                         std::vector<Document> documents) {
  RegistrationInput in;
  in.request_id = std::move(request_id);
  auto& p = in.person;
  p.sex = Sex::kMale;
  p.documents = std::move(documents);
  // Another person for every first document (or request): the fuzzy pass
  // must not take test people for one another.
  const std::string seed =
      p.documents.empty() ? in.request_id : p.documents[0].number;
  p.full_name = registry::testing::DistinctName("Nguyễn Văn", seed);
  const auto dob = registry::testing::DistinctBirthDate(seed);
  p.birth_date = {registry::testing::YearFromCccd(seed, dob.year), dob.month, dob.day};
  p.home_commune_code = "09157";  // Vĩnh Tường, Vĩnh Phúc
  p.host_province_code = "79";
  p.need_kind = NeedKind::kLiving;
  p.source = Source::kHotline;
  if (p.documents.empty()) p.relatives = {{"Nguyễn Thị Hoa", "mẹ", ""}};
  return in;
}

Document Doc(DocumentType type, std::string number) {
  return Document{.type = type, .number = std::move(number)};
}

class RegistryIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = pg::testing::TestDatabase::Create(RegistryMigrationSets());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    pool_ = std::make_unique<pg::Pool>(
        pg::PoolOptions{.conninfo = db_->url(), .size = 16});
    auto redis = redis::testing::TestRedisAddress();
    ASSERT_TRUE(redis.ok()) << redis.status();
    auto options = redis::ParseRedisAddress(*redis);
    ASSERT_TRUE(options.ok()) << options.status();
    options->key_prefix = absl::StrCat(db_->name(), ":");
    redis_ = redis::RedisClient::Create(*options);
    ASSERT_TRUE(redis_->Ping().ok()) << "Redis at " << *redis << " unreachable";
    cache_ = std::make_unique<RedisDocumentCache>(*redis_);
    store_ = std::make_unique<PgRegistryStore>(*pool_, SystemClock());
    auto epoch = store_->CacheEpoch();
    ASSERT_TRUE(epoch.ok()) << epoch.status();
    epoch_ = *epoch;
    cache_->SetEpoch(epoch_);
    auto units = units::LoadUnitCatalog(*pool_, absl::CivilDay(2021, 8, 15));
    ASSERT_TRUE(units.ok()) << units.status();
    manager_ = std::make_unique<RegistryManager>(
        DeploymentConfig{}, *std::move(units),
        RegistryManager::Deps{*store_, *cache_, ids_, SystemClock(),
                              page_tokens_, limiter_});
  }
  void TearDown() override { failpoint::DisarmAll(); }

  absl::StatusOr<RegisterResult> Register(const RegistrationInput& in,
                                          const std::string& hash = "") {
    return manager_->Register(actor_, in,
                              hash.empty() ? in.request_id + "-body" : hash);
  }
  int64_t Count(const std::string& table) {
    return *db_->QueryInt(absl::StrCat("SELECT count(*) FROM ", table));
  }

  std::unique_ptr<pg::testing::TestDatabase> db_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<redis::RedisClient> redis_;
  std::unique_ptr<RedisDocumentCache> cache_;
  std::string epoch_;
  std::unique_ptr<PgRegistryStore> store_;
  UuidV7Generator ids_{SystemClock()};
  PageTokenCodec page_tokens_{"test-key"};
  redis::RedisRateLimiter limiter_{nullptr, SystemClock(), {.limit = 5}};
  std::unique_ptr<RegistryManager> manager_;
  Principal actor_{.subject = "officer-252", .role = "admin"};
};

TEST_F(RegistryIntegrationTest, RegisterThenGet) {
  auto r = Register(Person("r1", {Doc(DocumentType::kCccd, "026090001234")}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, RegisterOutcome::kCreated);
  auto p = manager_->GetPerson(actor_, r->person.id);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->full_name, r->person.full_name);
  EXPECT_THAT(p->full_name, ::testing::StartsWith("Nguyễn Văn "));
  EXPECT_EQ(p->home_district_code, "252");
  EXPECT_EQ(p->state, PersonState::kSubmitted);
  ASSERT_EQ(p->documents.size(), 1u);
  EXPECT_EQ(p->documents[0].key, "ID12:026090001234");
  EXPECT_GT(p->created_at, absl::Now() - absl::Minutes(1));
}

TEST_F(RegistryIntegrationTest, GetUnknownOrMalformedId) {
  EXPECT_EQ(manager_->GetPerson(actor_, ids_.NewId()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(manager_->GetPerson(actor_, "42").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RegistryIntegrationTest, RetriedRequestIdReturnsFirstAnswer) {
  auto in = Person("r1", {Doc(DocumentType::kCccd, "026090001234")});
  auto first = Register(in);
  auto again = Register(in);
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(again->outcome, RegisterOutcome::kCreated);
  EXPECT_EQ(again->person.id, first->person.id);
  EXPECT_EQ(Count("registry.persons"), 1);
}

TEST_F(RegistryIntegrationTest, SameRequestIdOtherBodyIsAlreadyExists) {
  auto in = Person("r1", {Doc(DocumentType::kCccd, "026090001234")});
  ASSERT_TRUE(Register(in, "hash-a").ok());
  in.person.full_name = "Nguyễn Văn Bình";
  EXPECT_EQ(Register(in, "hash-b").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Count("registry.persons"), 1);
}

TEST_F(RegistryIntegrationTest, IdenticalRequestsInFlightGetOneAnswer) {
  // Hold the first transaction open just before commit.
  ASSERT_TRUE(
      failpoint::Arm("registry.register.before_commit", "1*sleep(300)").ok());
  auto in = Person("r1", {});  // no document: nothing but the request id
  absl::StatusOr<RegisterResult> a, b;
  std::thread ta([&] { a = Register(in); });
  std::thread tb([&] { b = Register(in); });
  ta.join();
  tb.join();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->person.id, b->person.id);
  EXPECT_EQ(a->outcome, RegisterOutcome::kCreated);
  EXPECT_EQ(b->outcome, RegisterOutcome::kCreated);
  EXPECT_EQ(Count("registry.persons"), 1);
}

TEST_F(RegistryIntegrationTest, CmndTwelveAndCccdAreOnePerson) {
  auto a = Register(Person("r1", {Doc(DocumentType::kCmnd, "026090001234")}));
  auto b = Register(
      Person("r2", {Doc(DocumentType::kCccd, "026 090 001 234")}));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(b->outcome, RegisterOutcome::kExisting);
  EXPECT_EQ(b->person.id, a->person.id);
  EXPECT_EQ(Count("registry.persons"), 1);
}

TEST_F(RegistryIntegrationTest, NewDocumentIsLinkedToTheMatchedPerson) {
  auto a = Register(Person("r1", {Doc(DocumentType::kCccd, "026090001234")}));
  auto b = Register(Person("r2", {Doc(DocumentType::kCccd, "026090001234"),
                                  Doc(DocumentType::kPassport, "c1234567")}));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(b->outcome, RegisterOutcome::kExisting);
  ASSERT_EQ(b->person.documents.size(), 2u);
  EXPECT_EQ(b->person.documents[1].key, "PP:C1234567");
  // The passport alone now finds the same person.
  auto c = Register(Person("r3", {Doc(DocumentType::kPassport, "C 1234567")}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->outcome, RegisterOutcome::kExisting);
  EXPECT_EQ(c->person.id, a->person.id);
}

TEST_F(RegistryIntegrationTest, DocumentsOfTwoPeopleOpenAReview) {
  auto x = Register(Person("r1", {Doc(DocumentType::kCccd, "026090001234")}));
  auto y = Register(Person("r2", {Doc(DocumentType::kCmnd, "131234567")}));
  ASSERT_TRUE(x.ok() && y.ok());
  auto z = Register(Person("r3", {Doc(DocumentType::kCccd, "026090001234"),
                                  Doc(DocumentType::kCmnd, "131234567"),
                                  Doc(DocumentType::kPassport, "B7654321")}));
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(z->outcome, RegisterOutcome::kNeedsReview);
  EXPECT_THAT(z->matched_person_ids,
              UnorderedElementsAre(x->person.id, y->person.id));
  EXPECT_FALSE(z->review_id.empty());
  EXPECT_EQ(Count("registry.persons"), 3);
  EXPECT_EQ(Count("registry.reviews WHERE state = 'OPEN'"), 1);
  // Nothing of the conflicting record is linked, not even its new passport.
  for (const Document& d : z->person.documents) EXPECT_FALSE(d.linked);
  EXPECT_EQ(Count("registry.documents WHERE linked"), 2);
}

TEST_F(RegistryIntegrationTest, CacheHintIsConfirmedInPostgres) {
  // A stale or forged cache entry under the current epoch must not decide
  // anything.
  ASSERT_TRUE(redis_->Set("epoch", epoch_).ok());
  ASSERT_TRUE(redis_->Set("doc:ID12:026090001234", ids_.NewId()).ok());
  auto r = Register(Person("r1", {Doc(DocumentType::kCccd, "026090001234")}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, RegisterOutcome::kCreated);
}

TEST_F(RegistryIntegrationTest, RedisWithoutTheEpochReadsAsEmpty) {
  auto a = Register(Person("r1", {Doc(DocumentType::kCccd, "026090001234")}));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(redis_->Set("doc:ID12:026090001234", a->person.id).ok());
  // No epoch key (a flushed or half-refilled Redis): no hit.
  auto miss = cache_->Lookup({"ID12:026090001234"});
  ASSERT_TRUE(miss.ok());
  EXPECT_TRUE(miss->empty());
  ASSERT_TRUE(redis_->Set("epoch", "some-older-epoch").ok());
  EXPECT_TRUE(cache_->Lookup({"ID12:026090001234"})->empty());
  ASSERT_TRUE(redis_->Set("epoch", epoch_).ok());
  auto hit = cache_->Lookup({"ID12:026090001234"});
  ASSERT_TRUE(hit.ok());
  EXPECT_EQ(hit->at("ID12:026090001234"), a->person.id);
}

TEST_F(RegistryIntegrationTest, PartnerReferenceFindsTheSameRecord) {
  auto in = Person("r1", {});
  in.person.source = Source::kPartner;
  in.person.partner_id = "redcross-vp";
  in.person.partner_external_ref = "row-17";
  auto a = Register(in);
  in.request_id = "r2";
  auto b = Register(in);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(b->outcome, RegisterOutcome::kExisting);
  EXPECT_EQ(b->person.id, a->person.id);
}

TEST_F(RegistryIntegrationTest, InvalidInputStoresNothing) {
  struct Case {
    const char* what;
    std::function<void(RegistrationInput&)> mutate;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"placeholder number",
       [](auto& in) { in.person.documents[0].number = "000000000"; },
       "documents[0].number"},
      {"chưa có",
       [](auto& in) { in.person.documents[0].number = "chưa có"; },
       "documents[0].number"},
      {"invalid CCCD",
       [](auto& in) { in.person.documents[0].number = "999090001234"; },
       "documents[0].number"},
      {"unknown commune",
       [](auto& in) { in.person.home_commune_code = "99999"; },
       "home_commune_code"},
      {"commune of Hà Nội",
       [](auto& in) { in.person.home_commune_code = "00001"; },
       "home_commune_code"},
      {"host is home",
       [](auto& in) { in.person.host_province_code = "26"; },
       "current_address.province_code"},
      {"empty name", [](auto& in) { in.person.full_name = ""; }, "full_name"},
      {"zero width",
       [](auto& in) { in.person.full_name = "An\u200Bh"; }, "full_name"},
      {"bidi", [](auto& in) { in.person.full_name = "\u202EAnh"; },
       "full_name"},
      {"1 MB name",
       [](auto& in) { in.person.full_name = std::string(1 << 20, 'x'); },
       "full_name"},
      {"future", [](auto& in) { in.person.birth_date = {2099, 1, 1}; },
       "birth_date.year"},
      {"1899", [](auto& in) { in.person.birth_date = {1899, 1, 1}; },
       "birth_date.year"},
      {"31/02", [](auto& in) { in.person.birth_date = {1990, 2, 31}; },
       "birth_date.day"},
      {"empty request id", [](auto& in) { in.request_id = ""; },
       "request_id"},
  };
  for (const Case& c : cases) {
    auto in = Person("bad", {Doc(DocumentType::kCccd, "026090001234")});
    c.mutate(in);
    auto r = Register(in);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << c.what;
    std::vector<std::string> fields;
    for (const auto& v : GetFieldViolations(r.status())) fields.push_back(v.field);
    EXPECT_THAT(fields, ElementsAre(c.field)) << c.what;
  }
  for (const char* table :
       {"registry.persons", "registry.documents", "registry.relatives",
        "registry.reviews", "registry.idempotency"}) {
    EXPECT_EQ(Count(table), 0) << table;
  }
}

// [3/8] verification: every transition, its refusals, history, events.
TEST_F(RegistryIntegrationTest, TransitionsFollowTheStateMachine) {
  auto r = Register(Person("r1", {Doc(DocumentType::kCccd, "026090001234")}));
  ASSERT_TRUE(r.ok());
  const std::string id = r->person.id;
  const Principal commune{.subject = "officer.09157",
                          .role = "commune_officer",
                          .scope = "09157"};
  auto change = [&](Transition t, std::string rid, std::string reason,
                    const Principal& who, std::string case_id = "") {
    return manager_->ChangeState(
        who, t, {.request_id = rid, .person_id = id, .reason = reason,
                 .case_id = case_id},
        rid + "-body");
  };
  // Reject and Withdraw need a reason; Reopen needs a REJECTED/WITHDRAWN.
  EXPECT_THAT(change(Transition::kReject, "t0", "", commune).status(),
              relief::testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(change(Transition::kReopen, "t1", "why", commune).status(),
              relief::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  auto verified = change(Transition::kVerify, "t2", "", commune);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->state, PersonState::kVerified);
  // The same request id again: the first answer; verifying again: refused.
  EXPECT_EQ(change(Transition::kVerify, "t2", "", commune)->state,
            PersonState::kVerified);
  EXPECT_THAT(change(Transition::kVerify, "t3", "", commune).status(),
              relief::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(change(Transition::kReject, "t4", "no papers", commune).status(),
              relief::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  // Out of scope: another commune's officer, audited.
  const Principal other{.subject = "officer.08707",
                        .role = "commune_officer",
                        .scope = "08707"};
  EXPECT_THAT(change(Transition::kWithdraw, "t5", "went home", other).status(),
              relief::testing::StatusIs(absl::StatusCode::kPermissionDenied));
  auto withdrawn = change(Transition::kWithdraw, "t6", "went home", commune);
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.status();
  EXPECT_EQ(withdrawn->state, PersonState::kWithdrawn);
  auto reopened =
      change(Transition::kReopen, "t7", "appeal granted", commune, "case-17");
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(reopened->state, PersonState::kSubmitted);
  auto rejected = change(Transition::kReject, "t8", "not of Vĩnh Phúc", commune);
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(rejected->state, PersonState::kRejected);

  EXPECT_EQ(Count("registry.person_history WHERE person_id = '" + id + "'"), 4);
  EXPECT_EQ(Count("registry.person_history WHERE case_id = 'case-17' AND "
                  "reason = 'appeal granted' AND actor = 'officer.09157'"),
            1);
  EXPECT_EQ(Count("registry.outbox WHERE event_type = "
                  "'relief.registry.PersonStateChanged'"),
            4);
  EXPECT_EQ(Count("registry.audit WHERE action IN ('person.verify', "
                  "'person.withdraw', 'person.reopen', 'person.reject')"),
            4);
  EXPECT_EQ(Count("registry.audit WHERE action = "
                  "'denied relief.registry.v1.Registry/Withdraw'"),
            1);
}

// The commune's working list: its people by state, with counts per state.
TEST_F(RegistryIntegrationTest, CommuneWorkingListByState) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto r = Register(Person(absl::StrCat("w", i), {}));
    ASSERT_TRUE(r.ok());
    ids.push_back(r->person.id);
  }
  ASSERT_TRUE(manager_
                  ->ChangeState(actor_, Transition::kVerify,
                                {.request_id = "v", .person_id = ids[0]}, "h1")
                  .ok());
  ASSERT_TRUE(manager_
                  ->ChangeState(actor_, Transition::kReject,
                                {.request_id = "r",
                                 .person_id = ids[1],
                                 .reason = "not a citizen of the province"},
                                "h2")
                  .ok());
  auto verified = manager_->ListPeople(
      actor_, {.home_commune_code = "09157", .state = PersonState::kVerified});
  ASSERT_TRUE(verified.ok()) << verified.status();
  ASSERT_EQ(verified->people.size(), 1u);
  EXPECT_EQ(verified->people[0].id, ids[0]);
  using Counts = std::vector<std::pair<PersonState, int64_t>>;
  EXPECT_EQ(verified->state_counts,
            (Counts{{PersonState::kSubmitted, 1},
                    {PersonState::kVerified, 1},
                    {PersonState::kRejected, 1}}));
  auto all = manager_->ListPeople(actor_, {.home_commune_code = "09157"});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->people.size(), 3u);
}

TEST_F(RegistryIntegrationTest, VerifyRefusedWhileAReviewIsOpen) {
  auto x = Register(Person("r1", {Doc(DocumentType::kCccd, "026090001234")}));
  auto y = Register(Person("r2", {Doc(DocumentType::kCmnd, "131234567")}));
  auto z = Register(Person("r3", {Doc(DocumentType::kCccd, "026090001234"),
                                  Doc(DocumentType::kCmnd, "131234567")}));
  ASSERT_TRUE(x.ok() && y.ok() && z.ok());
  ASSERT_EQ(z->outcome, RegisterOutcome::kNeedsReview);
  for (const auto& id : {x->person.id, z->person.id}) {
    auto v = manager_->ChangeState(actor_, Transition::kVerify,
                                   {.request_id = "v-" + id, .person_id = id},
                                   "h-" + id);
    EXPECT_THAT(v.status(),
                relief::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  }
}

TEST_F(RegistryIntegrationTest, BulkVerifyIsAllOrNothing) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto r = Register(Person(absl::StrCat("b", i), {}));
    ASSERT_TRUE(r.ok());
    ids.push_back(r->person.id);
  }
  ASSERT_TRUE(manager_
                  ->ChangeState(actor_, Transition::kReject,
                                {.request_id = "rej",
                                 .person_id = ids[1],
                                 .reason = "duplicate paper list"},
                                "h")
                  .ok());
  auto refused = manager_->BulkVerify(actor_, "bulk-1", ids, "", "h1");
  EXPECT_THAT(refused.status(),
              relief::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  std::vector<std::string> fields;
  for (const auto& v : GetFieldViolations(refused.status())) {
    fields.push_back(v.field);
  }
  EXPECT_THAT(fields, ElementsAre("person_ids[1]"));
  EXPECT_EQ(Count("registry.persons WHERE state = 2"), 0);  // none verified
  auto ok = manager_->BulkVerify(actor_, "bulk-2", {ids[2], ids[0]}, "", "h2");
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].id, ids[2]);
  EXPECT_EQ(Count("registry.persons WHERE state = 2"), 2);
}

TEST_F(RegistryIntegrationTest, RegisteringAWithdrawnPersonReopensIt) {
  auto a = Register(Person("r1", {Doc(DocumentType::kCccd, "026090001234")}));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(manager_
                  ->ChangeState(actor_, Transition::kWithdraw,
                                {.request_id = "w",
                                 .person_id = a->person.id,
                                 .reason = "went home"},
                                "h")
                  .ok());
  auto again =
      Register(Person("r2", {Doc(DocumentType::kCccd, "026 090 001 234")}));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->outcome, RegisterOutcome::kExisting);
  EXPECT_EQ(again->person.state, PersonState::kSubmitted);
  EXPECT_EQ(Count("registry.person_history WHERE reason = 'registered again'"),
            1);
}

// A service acting for a user: the audit row names both.
TEST_F(RegistryIntegrationTest, AuditRecordsTheServiceAndTheUserItActsFor) {
  const Principal service{.subject = "svc.disbursement",
                          .role = "admin",
                          .on_behalf_of = "officer.252.nguyen-van-a"};
  auto r = manager_->Register(
      service, Person("r1", {Doc(DocumentType::kCccd, "026090001234")}), "h");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*db_->QueryInt(
                "SELECT count(*) FROM registry.audit WHERE actor = "
                "'svc.disbursement' AND on_behalf_of = "
                "'officer.252.nguyen-van-a' AND action = "
                "'person.register.created' AND target_id = '" +
                r->person.id + "'"),
            1);
  // Ids and codes only: no name, number or phone in the row.
  EXPECT_EQ(*db_->QueryInt("SELECT count(*) FROM registry.audit WHERE "
                           "target_id LIKE '%026090001234%' OR action LIKE "
                           "'%Nguy%'"),
            0);
}

// A registration that matches a person outside the caller's scope says
// that the person exists, and nothing about who they are.
TEST_F(RegistryIntegrationTest, MatchOutsideTheScopeAnswersOnlyTheId) {
  auto elsewhere = Person("r1", {Doc(DocumentType::kCccd, "026085004321")});
  elsewhere.person.home_commune_code = "08707";  // district 243
  auto b = Register(elsewhere);
  ASSERT_TRUE(b.ok()) << b.status();
  const Principal officer{.subject = "officer.252",
                          .role = "district_officer",
                          .scope = "252"};
  auto again = Person("r2", {Doc(DocumentType::kCccd, "026085004321")});
  auto r = manager_->Register(officer, again, "h");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, RegisterOutcome::kExisting);
  EXPECT_EQ(r->person.id, b->person.id);
  EXPECT_EQ(r->person.home_commune_code, "08707");
  EXPECT_TRUE(r->person.full_name.empty());
  EXPECT_TRUE(r->person.documents.empty());
  // The retry answers the same, shaped again for the caller.
  auto retry = manager_->Register(officer, again, "h");
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->person.full_name.empty());
}

// The cache is written from the outbox after commit, and refilled whole when
// Redis loses its epoch.
TEST_F(RegistryIntegrationTest, FeederFillsAndRefillsTheCacheFromTheOutbox) {
  events::Sequencer sequencer(
      {.schema = "registry", .conninfo = db_->url(),
       .signing_key = events::GenerateSigningKey("t1")});
  ASSERT_TRUE(sequencer.Start().ok());
  events::EventFeed feed({.schema = "registry", .listen_conninfo = db_->url()},
                         *pool_);
  ASSERT_TRUE(feed.Start().ok());
  DocumentCacheFeeder feeder(*redis_, *store_, feed, epoch_);
  feeder.Start();

  auto cached = [&](const std::string& key) -> std::string {
    auto hit = cache_->Lookup({key});
    return hit.ok() && hit->contains(key) ? hit->at(key) : "";
  };
  auto eventually = [&](const std::string& key, const std::string& want) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (cached(key) != want) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return true;
  };

  auto a = Register(Person("r1", {Doc(DocumentType::kCccd, "026090001234")}));
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(eventually("ID12:026090001234", a->person.id));

  // Lose the epoch and the keys, as a FLUSHALL would: reads miss at once,
  // then the feeder refills from Postgres and sets the epoch last.
  ASSERT_TRUE(redis_->Del("epoch").ok());
  ASSERT_TRUE(redis_->Del("doc:ID12:026090001234").ok());
  EXPECT_EQ(cached("ID12:026090001234"), "");
  EXPECT_TRUE(eventually("ID12:026090001234", a->person.id));
  auto b = Register(Person("r2", {Doc(DocumentType::kCmnd, "131234567")}));
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(eventually("CMND9:131234567", b->person.id));

  feeder.Stop();
  feed.Shutdown();
  sequencer.Stop();
}

// Candidate sets in Redis (DESIGN.md §3, §4): a flushed or half-refilled
// Redis answers no candidate lookup; a near-duplicate of a person
// registered before the flush is still caught (the store decides), and
// again from the refilled cache.
TEST_F(RegistryIntegrationTest, CandidateSetsFollowTheEpochAcrossAFlush) {
  events::Sequencer sequencer(
      {.schema = "registry", .conninfo = db_->url(),
       .signing_key = events::GenerateSigningKey("t1")});
  ASSERT_TRUE(sequencer.Start().ok());
  events::EventFeed feed({.schema = "registry", .listen_conninfo = db_->url()},
                         *pool_);
  ASSERT_TRUE(feed.Start().ok());
  Metrics metrics;
  RedisCandidateCache candidates(*redis_, metrics.Cache("registry_candidates"));
  candidates.SetEpoch(epoch_);
  auto lookups = [&](const std::string& result) {
    return relief::testing::SampleValue(
               metrics.Scrape(), "relief_cache_lookups_total",
               {{"cache", "registry_candidates"}, {"result", result}})
        .value_or(0);
  };
  RegistryManager manager(
      DeploymentConfig{}, manager_->units(),
      RegistryManager::Deps{*store_, *cache_, ids_, SystemClock(), page_tokens_,
                            limiter_, &candidates});
  DocumentCacheFeeder feeder(*redis_, *store_, feed, epoch_);
  feeder.Start();

  RegistrationInput first = Person("c1", {});
  first.person.full_name = "Nguyễn Thị Hồng Nhung";
  first.person.birth_date = {1990, 5, 17};
  first.person.sex = Sex::kFemale;
  first.person.phone = "0912345678";
  auto a = manager.Register(actor_, first, "c1-body");
  ASSERT_TRUE(a.ok()) << a.status();
  const MatchRecord record = ToMatchRecord(a->person);
  const std::vector<std::string> blocks = BlockKeys(record);
  auto cached_ids = [&]() {
    std::vector<std::string> ids;
    auto hit = candidates.Lookup(blocks);
    if (hit.ok()) {
      for (const MatchRecord& r : *hit) ids.push_back(r.id);
    }
    return ids;
  };
  auto eventually_cached = [&] {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (cached_ids() != std::vector<std::string>{a->person.id}) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return true;
  };
  ASSERT_TRUE(eventually_cached());
  auto hit = candidates.Lookup(blocks);
  ASSERT_TRUE(hit.ok());
  ASSERT_EQ(hit->size(), 1u);
  EXPECT_EQ((*hit)[0].full_name, "Nguyễn Thị Hồng Nhung");
  EXPECT_EQ((*hit)[0].phone, "+84912345678");

  // Stop the feeder, flush, and leave Redis half refilled: a candidate set
  // written without the epoch (as a refill in progress writes it).
  feeder.Stop();
  // FLUSHALL, for this test's keys only (other tests share the server).
  ASSERT_TRUE(redis_
                  ->Command({"EVAL",
                             "for _, k in ipairs(redis.call('KEYS', ARGV[1]))"
                             " do redis.call('DEL', k) end return 0",
                             "0", redis_->Key("*")})
                  .ok());
  ASSERT_EQ(*redis_->Get("epoch"), std::nullopt);
  ASSERT_TRUE(WriteCandidates(*redis_, {record}).ok());
  EXPECT_THAT(cached_ids(), ::testing::IsEmpty());
  // An old epoch does not count either.
  ASSERT_TRUE(redis_->Set("epoch", "some-older-epoch").ok());
  EXPECT_THAT(cached_ids(), ::testing::IsEmpty());

  // A near-duplicate registered now (no document, another spelling) is
  // still the same person: the store's pass finds it.
  RegistrationInput again = first;
  again.request_id = "c2";
  again.person.full_name = "NHUNG NGUYEN THI HONG";
  const double misses = lookups("miss");
  auto b = manager.Register(actor_, again, "c2-body");
  EXPECT_EQ(lookups("miss"), misses + 1);  // the cache said nothing
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->outcome, RegisterOutcome::kExisting);
  EXPECT_EQ(b->person.id, a->person.id);

  // The feeder refills from Postgres and sets the epoch last; the cache
  // answers again, and the next near-duplicate is linked from it.
  DocumentCacheFeeder refiller(*redis_, *store_, feed, epoch_);
  refiller.Start();
  ASSERT_TRUE(eventually_cached());
  again.request_id = "c3";
  again.person.full_name = "nguyễn thị  hồng nhung";
  const double hits = lookups("hit");
  auto c = manager.Register(actor_, again, "c3-body");
  EXPECT_EQ(lookups("hit"), hits + 1);  // the cache suggested the person
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->outcome, RegisterOutcome::kExisting);
  EXPECT_EQ(c->person.id, a->person.id);
  EXPECT_GE(c->match_score, MatchConfig{}.link_bits);
  EXPECT_EQ(*db_->QueryInt("SELECT count(*) FROM registry.persons"), 1);

  refiller.Stop();
  feed.Shutdown();
  sequencer.Stop();
}

}  // namespace
}  // namespace relief::registry
