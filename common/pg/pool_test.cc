#include "common/pg/pool.h"

#include "common/pg/testing/test_database.h"
#include "gtest/gtest.h"
#include "pqxx/nontransaction"

namespace relief::pg {
namespace {

using testing::TestDatabase;

TEST(PoolTest, PingsARealServer) {
  auto db = TestDatabase::Create({});
  ASSERT_TRUE(db.ok()) << db.status();
  Pool pool(PoolOptions{.conninfo = (*db)->url()});
  EXPECT_TRUE(pool.Ping().ok());
}

TEST(PoolTest, UnreachableServerIsUnavailable) {
  Pool pool(PoolOptions{.conninfo = "postgresql://nobody@127.0.0.1:1/none",
                        .connect_timeout = absl::Seconds(1)});
  EXPECT_EQ(pool.Ping().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(pool.Acquire().status().code(), absl::StatusCode::kUnavailable);
}

TEST(PoolTest, ExhaustedPoolIsUnavailableAfterTimeout) {
  auto db = TestDatabase::Create({});
  ASSERT_TRUE(db.ok()) << db.status();
  Pool pool(PoolOptions{.conninfo = (*db)->url(),
                        .size = 1,
                        .acquire_timeout = absl::Milliseconds(50)});
  auto held = pool.Acquire();
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(pool.Acquire().status().code(), absl::StatusCode::kUnavailable);
}

TEST(PoolTest, KilledSessionIsReplaced) {
  auto db = TestDatabase::Create({});
  ASSERT_TRUE(db.ok()) << db.status();
  Pool pool(PoolOptions{.conninfo = (*db)->url(), .size = 1});
  ASSERT_TRUE(pool.Ping().ok());
  // Terminate every session of the pool, as a server restart would.
  ASSERT_TRUE((*db)->Exec("SELECT pg_terminate_backend(pid) FROM "
                          "pg_stat_activity WHERE application_name = 'relief' "
                          "AND datname = current_database()")
                  .ok());
  // The dead connection fails once and is discarded; the next one works.
  absl::Status first = pool.Ping();
  if (!first.ok()) EXPECT_EQ(first.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(pool.Ping().ok());
}

}  // namespace
}  // namespace relief::pg
