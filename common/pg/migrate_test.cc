#include "common/pg/migrate.h"

#include <thread>

#include "common/pg/testing/test_database.h"
#include "gtest/gtest.h"

namespace relief::pg {
namespace {

using testing::TestDatabase;

MigrationSet Set(std::vector<Migration> migrations) {
  return MigrationSet{"svc", "svc", std::move(migrations)};
}

class MigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = TestDatabase::Create({});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    pool_ = std::make_unique<Pool>(PoolOptions{.conninfo = db_->url()});
  }
  int64_t Count(const std::string& sql) { return *db_->QueryInt(sql); }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Pool> pool_;
};

TEST_F(MigrateTest, AppliesInOrderOnceAndRecordsEachFile) {
  auto set = Set({{1, "001_a.sql", "CREATE TABLE a (x int);"},
                  {2, "002_b.sql", "INSERT INTO a VALUES (1), (2);"}});
  ASSERT_TRUE(ApplyMigrations(*pool_, {set}).ok());
  ASSERT_TRUE(ApplyMigrations(*pool_, {set}).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM svc.a"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM svc.schema_migrations"), 2);
}

TEST_F(MigrateTest, RefusesChangedFile) {
  ASSERT_TRUE(
      ApplyMigrations(*pool_, {Set({{1, "001_a.sql", "CREATE TABLE a();"}})})
          .ok());
  absl::Status s = ApplyMigrations(
      *pool_, {Set({{1, "001_a.sql", "CREATE TABLE a(x int);"}})});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
}

TEST_F(MigrateTest, RefusesUnknownNewerVersion) {
  ASSERT_TRUE(ApplyMigrations(*pool_, {Set({{1, "001_a.sql", "SELECT 1;"},
                                            {2, "002_b.sql", "SELECT 2;"}})})
                  .ok());
  absl::Status s =
      ApplyMigrations(*pool_, {Set({{1, "001_a.sql", "SELECT 1;"}})});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
}

TEST_F(MigrateTest, FailingFileLeavesNothingOfItself) {
  absl::Status s = ApplyMigrations(
      *pool_, {Set({{1, "001_a.sql", "CREATE TABLE a(x int);"},
                    {2, "002_bad.sql",
                     "CREATE TABLE b(x int); INSERT INTO nowhere VALUES (1);"}})});
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  EXPECT_EQ(Count("SELECT count(*) FROM svc.schema_migrations"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM pg_tables WHERE schemaname = 'svc' "
                  "AND tablename = 'b'"),
            0);
}

TEST_F(MigrateTest, ConcurrentStartsApplyEachFileOnce) {
  auto set = Set({{1, "001_a.sql", "CREATE TABLE a (x int);"},
                  {2, "002_b.sql", "INSERT INTO a VALUES (1);"}});
  std::vector<std::thread> threads;
  std::vector<absl::Status> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      Pool pool(PoolOptions{.conninfo = db_->url(), .size = 1});
      results[i] = ApplyMigrations(pool, {set});
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(Count("SELECT count(*) FROM svc.a"), 1);
}

}  // namespace
}  // namespace relief::pg
