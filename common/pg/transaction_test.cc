#include "common/pg/transaction.h"

#include <atomic>
#include <thread>

#include "common/pg/testing/test_database.h"
#include "gtest/gtest.h"

namespace relief::pg {
namespace {

using testing::TestDatabase;

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = TestDatabase::Create({});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(db_->Exec("CREATE TABLE t (k int PRIMARY KEY, v int)").ok());
    ASSERT_TRUE(db_->Exec("INSERT INTO t VALUES (1, 0)").ok());
    pool_ = std::make_unique<Pool>(PoolOptions{.conninfo = db_->url()});
  }
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Pool> pool_;
};

TEST_F(TransactionTest, ErrorRollsBack) {
  absl::Status s = RunInTransaction(*pool_, [](auto& tx) {
    tx.exec("INSERT INTO t VALUES (2, 2)");
    return absl::FailedPreconditionError("no");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*db_->QueryInt("SELECT count(*) FROM t"), 1);
}

TEST_F(TransactionTest, SqlErrorBecomesStatus) {
  absl::Status s = RunInTransaction(*pool_, [](auto& tx) {
    tx.exec("INSERT INTO t VALUES (1, 1)");
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
}

TEST_F(TransactionTest, LostRaceRunsBodyAgain) {
  int attempts = 0;
  absl::Status s = RunInTransaction(*pool_, [&](auto& tx) {
    tx.exec("UPDATE t SET v = v + 1");
    return ++attempts == 1 ? RaceLost("test key") : absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(*db_->QueryInt("SELECT v FROM t"), 1);
}

TEST_F(TransactionTest, SerializationFailuresAreRetried) {
  constexpr int kThreads = 4, kEach = 20;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < kEach; ++j) {
        absl::Status s = RunInTransaction(
            *pool_,
            TxOptions{.isolation = Isolation::kSerializable,
                      .max_attempts = 50},
            [](auto& tx) {
              int v = tx.exec("SELECT v FROM t WHERE k = 1")[0][0]
                          .template as<int>();
              tx.exec_params("UPDATE t SET v = $1 WHERE k = 1", v + 1);
              return absl::OkStatus();
            });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*db_->QueryInt("SELECT v FROM t"), kThreads * kEach);
}

TEST_F(TransactionTest, LockKeysInAnyOrderDoesNotDeadlock) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 20; ++j) {
        std::vector<std::string> keys = {"a", "b", "c"};
        if (i % 2) std::reverse(keys.begin(), keys.end());
        absl::Status s = RunInTransaction(*pool_, [&](auto& tx) {
          LockKeys(tx, "test", keys);
          tx.exec("UPDATE t SET v = v + 1");
          return absl::OkStatus();
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*db_->QueryInt("SELECT v FROM t"), 80);
}

}  // namespace
}  // namespace relief::pg
