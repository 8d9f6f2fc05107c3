// The real relief-registry binary driven over gRPC on a socket, with real
// Postgres and Redis (labels: e2e, integration).
#include <cstdlib>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/base/status.h"
#include "common/pg/testing/test_database.h"
#include "common/redis/testing/redis_server.h"
#include "common/server/grpc_status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/registry/pg_registry_store.h"
#include "tests/testing/registry_client.h"
#include "tests/testing/registry_fixture.h"
#include "tests/testing/registry_process.h"

namespace relief::testing {
namespace {

using ::testing::ElementsAre;
using Health = grpc::health::v1::HealthCheckResponse;

class RegistryE2eTest : public RegistryDatabaseTest {
 protected:
  void StartRegistry(const std::string& redis) {
    auto p = RegistryProcess::Start({.pg_url = db_->url(), .redis = redis});
    ASSERT_TRUE(p.ok()) << p.status();
    registry_ = *std::move(p);
    ASSERT_TRUE(registry_->WaitForHealth(Health::SERVING, absl::Seconds(30)).ok())
        << registry_->LogTail();
    stub_ = rv1::Registry::NewStub(registry_->channel());
    token_ = registry_->Token("admin");
  }

  grpc::Status Register(const rv1::RegisterRequest& req,
                        rv1::RegisterResponse* resp) {
    grpc::ClientContext ctx;
    WithDeadline(ctx, absl::Seconds(20), token_);
    return stub_->Register(&ctx, req, resp);
  }

  int64_t Count(const std::string& table) {
    return *db_->QueryInt(absl::StrCat("SELECT count(*) FROM ", table));
  }

  // 50 registrations of one CCCD at once, each with its own request id and
  // the number written differently: one person, 1 CREATED, 49 EXISTING.
  void FiftyAtOnce() {
    const std::vector<std::string> spellings = {
        "026195001234", "026 195 001 234", "026.195.001.234",
        "０２６１９５００１２３４", "026-195-001-234", " 026195 001234 "};
    constexpr int kCalls = 50;
    std::vector<grpc::Status> statuses(kCalls);
    std::vector<rv1::RegisterResponse> responses(kCalls);
    std::vector<std::thread> threads;
    for (int i = 0; i < kCalls; ++i) {
      threads.emplace_back([&, i] {
        statuses[i] = Register(
            SampleRegistration(absl::StrCat("fifty-", i),
                               spellings[i % spellings.size()]),
            &responses[i]);
      });
    }
    for (auto& t : threads) t.join();
    int created = 0, existing = 0, errors = 0;
    absl::flat_hash_set<std::string> ids;
    for (int i = 0; i < kCalls; ++i) {
      if (!statuses[i].ok()) {
        ++errors;
        ADD_FAILURE() << statuses[i].error_code() << " "
                      << statuses[i].error_message();
        continue;
      }
      ids.insert(responses[i].person_id());
      if (responses[i].outcome() == rv1::REGISTER_OUTCOME_CREATED) ++created;
      if (responses[i].outcome() == rv1::REGISTER_OUTCOME_EXISTING) ++existing;
    }
    EXPECT_EQ(errors, 0);
    EXPECT_EQ(created, 1);
    EXPECT_EQ(existing, kCalls - 1);
    EXPECT_EQ(ids.size(), 1u);
    EXPECT_EQ(Count("registry.persons"), 1);
    EXPECT_EQ(Count("registry.documents"), 1);
  }

  std::unique_ptr<RegistryProcess> registry_;
  std::unique_ptr<rv1::Registry::Stub> stub_;
  std::string token_;
};

TEST_F(RegistryE2eTest, RegisterAndGetOverGrpc) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry(redis_address_));
  rv1::RegisterResponse created;
  ASSERT_TRUE(Register(SampleRegistration("e2e-1", "026195001234"), &created)
                  .ok());
  EXPECT_EQ(created.outcome(), rv1::REGISTER_OUTCOME_CREATED);

  grpc::ClientContext ctx;
  WithDeadline(ctx, absl::Seconds(20), token_);
  rv1::GetPersonRequest get;
  get.set_person_id(created.person_id());
  rv1::Person person;
  ASSERT_TRUE(stub_->GetPerson(&ctx, get, &person).ok());
  EXPECT_THAT(person.full_name(), ::testing::StartsWith("Trần Thị "));
  EXPECT_EQ(person.home_district_code(), "252");
  EXPECT_EQ(person.documents(0).key(), "ID12:026195001234");
  EXPECT_EQ(person.state(), rv1::PERSON_STATE_SUBMITTED);

  grpc::ClientContext ctx2;
  WithDeadline(ctx2, absl::Seconds(20), token_);
  get.set_person_id("0190f0e0-0000-7000-8000-000000000000");
  EXPECT_EQ(stub_->GetPerson(&ctx2, get, &person).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(RegistryE2eTest, RetriedRequestAndReusedId) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry(redis_address_));
  auto req = SampleRegistration("e2e-retry", "");
  rv1::RegisterResponse first, again;
  ASSERT_TRUE(Register(req, &first).ok());
  ASSERT_TRUE(Register(req, &again).ok());
  EXPECT_EQ(again.person_id(), first.person_id());
  EXPECT_EQ(again.outcome(), rv1::REGISTER_OUTCOME_CREATED);
  req.set_full_name("Trần Thị Hồng");
  rv1::RegisterResponse other;
  EXPECT_EQ(Register(req, &other).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Count("registry.persons"), 1);
}

TEST_F(RegistryE2eTest, InvalidArgumentCarriesFieldViolations) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry(redis_address_));
  auto req = SampleRegistration("e2e-bad", "026195001234");
  req.set_full_name("Trần\u200BThị");
  req.mutable_birth_date()->set_month(2);
  req.mutable_birth_date()->set_day(31);
  req.set_home_commune_code("00001");
  rv1::RegisterResponse resp;
  grpc::Status s = Register(req, &resp);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::vector<std::string> fields;
  for (const auto& v : GetFieldViolations(FromGrpcStatus(s))) {
    fields.push_back(v.field);
  }
  EXPECT_THAT(fields,
              ElementsAre("full_name", "birth_date.day", "home_commune_code"));
  EXPECT_EQ(Count("registry.persons"), 0);
  EXPECT_EQ(Count("registry.idempotency"), 0);
}

TEST_F(RegistryE2eTest, FiftyConcurrentRegistrationsOfOneDocument) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry(redis_address_));
  FiftyAtOnce();
}

TEST_F(RegistryE2eTest, FiftyConcurrentRegistrationsWithRedisStopped) {
  redis::testing::RedisServerProcess redis;
  ASSERT_TRUE(redis.Start().ok());
  const std::string address = redis.address();
  ASSERT_TRUE(redis.Stop().ok());
  ASSERT_NO_FATAL_FAILURE(StartRegistry(address));
  FiftyAtOnce();
}

}  // namespace
}  // namespace relief::testing
