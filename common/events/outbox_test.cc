#include "common/events/outbox.h"

#include "common/base/testing/status_matchers.h"
#include "common/events/test_util.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"

namespace relief::events {
namespace {

using testing::CommitEvent;
using testing::kSchema;
using testing::MakeDatabase;

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = MakeDatabase();
    ASSERT_NE(db_, nullptr);
    pool_ = std::make_unique<pg::Pool>(pg::PoolOptions{.conninfo = db_->url()});
  }
  std::unique_ptr<pg::testing::TestDatabase> db_;
  std::unique_ptr<pg::Pool> pool_;
};

TEST_F(OutboxTest, RowsAreInsertedUnnumbered) {
  const Event event = testing::TestEvent(1);
  ASSERT_TRUE(CommitEvent(*pool_, event).ok());
  ASSERT_TRUE(pg::RunInTransaction(*pool_, [](pqxx::transaction_base& tx) {
                AppendAudit(tx, kSchema,
                            AuditRecord{.actor = "officer:1",
                                        .role = "admin",
                                        .action = "person.read",
                                        .target_id = "p-1",
                                        .request_id = "r-1",
                                        .recorded_at = absl::Now()});
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(*db_->QueryInt("SELECT count(*) FROM svc.outbox WHERE position IS"
                           " NULL AND sequenced_at IS NULL"),
            1);
  EXPECT_EQ(*db_->QueryInt("SELECT count(*) FROM svc.audit WHERE position IS"
                           " NULL AND hash IS NULL AND on_behalf_of = ''"),
            1);
  pqxx::connection conn(db_->url());
  pqxx::nontransaction tx(conn);
  pqxx::result r =
      tx.exec("SELECT event_type, aggregate_id, payload FROM svc.outbox");
  EXPECT_EQ(std::string(r[0][0].c_str()), event.event_type);
  EXPECT_EQ(std::string(r[0][1].c_str()), event.aggregate_id);
  EXPECT_EQ(pqxx::binarystring(r[0][2]).str(), event.payload);  // with NULs
}

TEST_F(OutboxTest, RolledBackChangeLeavesNoRows) {
  absl::Status s = pg::RunInTransaction(*pool_, [](pqxx::transaction_base& tx) {
    AppendEvent(tx, kSchema, testing::TestEvent(1));
    AppendAudit(tx, kSchema,
                AuditRecord{.actor = "a",
                            .role = "admin",
                            .action = "x",
                            .target_id = "t",
                            .request_id = "r",
                            .recorded_at = absl::Now()});
    return absl::FailedPreconditionError("business rule");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*db_->QueryInt("SELECT count(*) FROM svc.outbox"), 0);
  EXPECT_EQ(*db_->QueryInt("SELECT count(*) FROM svc.audit"), 0);
}

TEST_F(OutboxTest, RecordedAtIsExactWhateverTheSessionSettings) {
  // A writer session with another time zone and date style stores the same
  // instant, to the microsecond.
  const absl::Time t = absl::FromUnixMicros(1628996645123456) +
                       absl::Nanoseconds(789);  // dropped, not rounded up
  pqxx::connection conn(db_->url());
  {
    pqxx::nontransaction setup(conn);
    setup.exec("SET TIME ZONE 'Asia/Ho_Chi_Minh'; SET DateStyle = 'SQL, DMY'");
  }
  pqxx::work tx(conn);
  AppendAudit(tx, kSchema,
              AuditRecord{.actor = "a",
                          .role = "admin",
                          .action = "x",
                          .target_id = "t",
                          .request_id = "r",
                          .recorded_at = t});
  tx.commit();
  EXPECT_EQ(*db_->QueryInt("SELECT (extract(epoch FROM recorded_at) * 1000000)"
                           "::bigint FROM svc.audit"),
            1628996645123456);
}

TEST_F(OutboxTest, WritersNeverNotify) {
  pqxx::connection listener(db_->url());
  testing::CountingReceiver receiver(listener, "svc_events");
  ASSERT_TRUE(CommitEvent(*pool_, testing::TestEvent(1)).ok());
  // A NOTIFY is queued to listeners at commit, before the commit returns: a
  // round trip on the listener brings it in.
  auto round_trip = [&] {
    {
      pqxx::nontransaction tx(listener);
      tx.exec("SELECT 1");
    }
    listener.get_notifs();
  };
  round_trip();
  EXPECT_TRUE(receiver.payloads.empty());
  // The listener does hear a NOTIFY on the channel (the check above is not
  // vacuous).
  ASSERT_TRUE(db_->Exec("NOTIFY svc_events, 'x'").ok());
  round_trip();
  EXPECT_EQ(receiver.payloads.size(), 1u);
}

}  // namespace
}  // namespace relief::events
