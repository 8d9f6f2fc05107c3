#include "common/pg/idempotency.h"

#include <thread>

#include "absl/synchronization/notification.h"
#include "common/pg/common_migrations.h"
#include "common/pg/testing/test_database.h"
#include "common/pg/transaction.h"
#include "gtest/gtest.h"

namespace relief::pg {
namespace {

using testing::TestDatabase;

class IdempotencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = TestDatabase::Create({CommonMigrationSet("svc")});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    pool_ = std::make_unique<Pool>(PoolOptions{.conninfo = db_->url()});
  }

  // Claims `key` and, when fresh, completes it with `answer`. Returns the
  // answer the caller would send.
  absl::StatusOr<std::string> Do(const IdempotencyKey& key,
                                 const std::string& hash,
                                 const std::string& answer) {
    std::string out;
    absl::Status s = RunInTransaction(*pool_, [&](auto& tx) -> absl::Status {
      auto claimed = store_.Claim(tx, key, hash);
      if (!claimed.ok()) return claimed.status();
      if (claimed->has_value()) {
        out = **claimed;
        return absl::OkStatus();
      }
      store_.Complete(tx, key, answer);
      out = answer;
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    return out;
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Pool> pool_;
  IdempotencyStore store_{"svc"};
  IdempotencyKey key_{"m", "alice", "req-1"};
};

TEST_F(IdempotencyTest, RetryReturnsFirstAnswer) {
  EXPECT_EQ(*Do(key_, "h1", std::string("first\0answer", 12)),
            std::string("first\0answer", 12));
  EXPECT_EQ(*Do(key_, "h1", "second"), std::string("first\0answer", 12));
}

TEST_F(IdempotencyTest, SameIdOtherBodyIsAlreadyExists) {
  ASSERT_TRUE(Do(key_, "h1", "a").ok());
  EXPECT_EQ(Do(key_, "h2", "b").status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(IdempotencyTest, KeyIsPerMethodAndPrincipal) {
  ASSERT_TRUE(Do(key_, "h1", "a").ok());
  EXPECT_EQ(*Do({"m", "bob", "req-1"}, "h2", "b"), "b");
  EXPECT_EQ(*Do({"m2", "alice", "req-1"}, "h3", "c"), "c");
}

TEST_F(IdempotencyTest, RolledBackClaimLeavesNoRecord) {
  absl::Status s = RunInTransaction(*pool_, [&](auto& tx) -> absl::Status {
    auto claimed = store_.Claim(tx, key_, "h1");
    EXPECT_TRUE(claimed.ok() && !claimed->has_value());
    return absl::FailedPreconditionError("business rule");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*db_->QueryInt("SELECT count(*) FROM svc.idempotency"), 0);
  EXPECT_EQ(*Do(key_, "h2", "b"), "b");
}

TEST_F(IdempotencyTest, ConcurrentDuplicateWaitsAndGetsWinnersAnswer) {
  absl::Notification claimed, release;
  std::thread winner([&] {
    absl::Status s = RunInTransaction(*pool_, [&](auto& tx) -> absl::Status {
      auto c = store_.Claim(tx, key_, "h1");
      if (!c.ok()) return c.status();
      store_.Complete(tx, key_, "winner");
      if (!claimed.HasBeenNotified()) claimed.Notify();
      release.WaitForNotification();
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
  });
  claimed.WaitForNotification();
  absl::StatusOr<std::string> loser;
  std::thread t([&] { loser = Do(key_, "h1", "loser"); });
  // Wait until the loser is blocked on the winner's uncommitted key.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (*db_->QueryInt("SELECT count(*) FROM pg_stat_activity WHERE "
                        "datname = current_database() AND "
                        "wait_event_type = 'Lock'") == 0) {
    ASSERT_LT(absl::Now(), deadline) << "the duplicate never waited";
    absl::SleepFor(absl::Milliseconds(5));
  }
  release.Notify();
  winner.join();
  t.join();
  ASSERT_TRUE(loser.ok()) << loser.status();
  EXPECT_EQ(*loser, "winner");
}

}  // namespace
}  // namespace relief::pg
