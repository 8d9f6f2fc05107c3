// Faults with private servers (label: fault; run serially): Postgres stopped
// and restarted under a running registry, a registry killed mid-write.
#include <signal.h>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/testing/pg_server.h"
#include "tests/testing/registry_client.h"
#include "tests/testing/registry_process.h"

namespace relief::testing {
namespace {

using Health = grpc::health::v1::HealthCheckResponse;

int64_t Count(const std::string& url, const std::string& table) {
  pqxx::connection c(url);
  pqxx::nontransaction tx(c);
  return tx.exec(absl::StrCat("SELECT count(*) FROM ", table))[0][0]
      .as<int64_t>();
}

grpc::Status Register(RegistryProcess& registry,
                      const rv1::RegisterRequest& req,
                      rv1::RegisterResponse* resp) {
  auto stub = rv1::Registry::NewStub(registry.channel());
  grpc::ClientContext ctx;
  WithDeadline(ctx, absl::Seconds(10), registry.Token("admin"));
  return stub->Register(&ctx, req, resp);
}

TEST(RegistryFaultTest, HealthFollowsPostgres) {
  auto pg = PostgresServerProcess::Start();
  ASSERT_TRUE(pg.ok()) << pg.status();
  ASSERT_TRUE((*pg)->Stop().ok());

  // Postgres down at start: NOT_SERVING, migrations cannot be applied.
  auto registry = RegistryProcess::Start({.pg_url = (*pg)->admin_url()});
  ASSERT_TRUE(registry.ok()) << registry.status();
  RegistryProcess& r = **registry;
  ASSERT_TRUE(r.WaitForHealth(Health::NOT_SERVING, absl::Seconds(10)).ok());
  rv1::RegisterResponse resp;
  EXPECT_EQ(Register(r, SampleRegistration("f-0", "026195001234"), &resp)
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);

  // Postgres up: migrations applied, SERVING.
  ASSERT_TRUE((*pg)->Restart().ok());
  ASSERT_TRUE(r.WaitForHealth(Health::SERVING, absl::Seconds(30)).ok());
  ASSERT_TRUE(
      Register(r, SampleRegistration("f-1", "026195001234"), &resp).ok());

  // Postgres stopped under the running service: NOT_SERVING, UNAVAILABLE.
  ASSERT_TRUE((*pg)->Stop().ok());
  ASSERT_TRUE(r.WaitForHealth(Health::NOT_SERVING, absl::Seconds(10)).ok());
  EXPECT_EQ(Register(r, SampleRegistration("f-2", "026195009999"), &resp)
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);

  // Back again: the service reconnects by itself.
  ASSERT_TRUE((*pg)->Restart().ok());
  ASSERT_TRUE(r.WaitForHealth(Health::SERVING, absl::Seconds(30)).ok());
  ASSERT_TRUE(
      Register(r, SampleRegistration("f-3", "026195001234"), &resp).ok());
  EXPECT_EQ(resp.outcome(), rv1::REGISTER_OUTCOME_EXISTING);
}

TEST(RegistryFaultTest, NotServingUntilMigrationsApplied) {
  auto pg = PostgresServerProcess::Start();
  ASSERT_TRUE(pg.ok()) << pg.status();
  // Postgres is up, but the registry stalls before its migrations.
  auto registry = RegistryProcess::Start(
      {.pg_url = (*pg)->admin_url(),
       .failpoints = "registry.before_migrations=1*sleep(1500)"});
  ASSERT_TRUE(registry.ok()) << registry.status();
  ASSERT_TRUE(
      (*registry)->WaitForHealth(Health::NOT_SERVING, absl::Seconds(5)).ok());
  EXPECT_EQ(Count((*pg)->admin_url(),
                  "pg_namespace WHERE nspname = 'registry'"),
            0);
  ASSERT_TRUE(
      (*registry)->WaitForHealth(Health::SERVING, absl::Seconds(30)).ok());
  EXPECT_GT(Count((*pg)->admin_url(), "registry.schema_migrations"), 0);
}

TEST(RegistryFaultTest, KilledBeforeCommitLeavesNothingAndRetrySucceeds) {
  auto pg = PostgresServerProcess::Start();
  ASSERT_TRUE(pg.ok()) << pg.status();
  auto registry = RegistryProcess::Start(
      {.pg_url = (*pg)->admin_url(),
       .failpoints = "registry.register.before_commit=kill"});
  ASSERT_TRUE(registry.ok()) << registry.status();
  ASSERT_TRUE(
      (*registry)->WaitForHealth(Health::SERVING, absl::Seconds(30)).ok());
  const auto req = SampleRegistration("crash-1", "026195001234");
  rv1::RegisterResponse resp;
  EXPECT_EQ(Register(**registry, req, &resp).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  const int wstatus = (*registry)->Signal(0);  // reap the dead process
  EXPECT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL);
  for (const char* table : {"registry.persons", "registry.documents",
                            "registry.idempotency"}) {
    EXPECT_EQ(Count((*pg)->admin_url(), table), 0) << table;
  }

  // A fresh process takes the same request id and completes it once.
  auto again = RegistryProcess::Start({.pg_url = (*pg)->admin_url()});
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_TRUE((*again)->WaitForHealth(Health::SERVING, absl::Seconds(30)).ok());
  ASSERT_TRUE(Register(**again, req, &resp).ok());
  EXPECT_EQ(resp.outcome(), rv1::REGISTER_OUTCOME_CREATED);
  EXPECT_EQ(Count((*pg)->admin_url(), "registry.persons"), 1);
}

}  // namespace
}  // namespace relief::testing
