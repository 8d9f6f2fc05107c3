#include "common/events/sequencer.h"

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/clock.h"
#include "common/base/failpoint.h"
#include "common/base/testing/status_matchers.h"
#include "common/events/audit_chain.h"
#include "common/events/event_feed.h"
#include "common/events/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"

namespace relief::events {
namespace {

using testing::CommitEvent;
using testing::Eventually;
using testing::Follower;
using testing::kSchema;
using testing::TestEvent;
using testing::TestSequencerOptions;

// Sessions of this test's database holding an advisory lock.
constexpr char kAdvisoryHolders[] =
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND database = (SELECT oid FROM pg_database WHERE"
    " datname = current_database())";

class SequencerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::MakeDatabase();
    ASSERT_NE(db_, nullptr);
    pool_ = std::make_unique<pg::Pool>(
        pg::PoolOptions{.conninfo = db_->url(), .size = 16});
  }
  void TearDown() override { failpoint::DisarmAll(); }

  int64_t Query(absl::string_view sql) {
    absl::StatusOr<int64_t> v = db_->QueryInt(sql);
    EXPECT_TRUE(v.ok()) << v.status() << " in " << sql;
    return v.ok() ? *v : -1;
  }
  int64_t Numbered() {
    return Query("SELECT count(*) FROM svc.outbox WHERE position IS NOT NULL");
  }
  // Positions are exactly 1..count(*), each once, and every row numbered.
  void ExpectDense(absl::string_view table, int64_t n) {
    EXPECT_EQ(Query(absl::StrCat("SELECT count(*) FROM svc.", table)), n);
    EXPECT_EQ(
        Query(absl::StrCat("SELECT count(DISTINCT position) FROM svc.", table)),
        n);
    EXPECT_EQ(Query(absl::StrCat("SELECT coalesce(min(position), 0) FROM svc.",
                                 table)),
              n > 0 ? 1 : 0);
    EXPECT_EQ(Query(absl::StrCat("SELECT coalesce(max(position), 0) FROM svc.",
                                 table)),
              n);
  }
  AuditRecord Audit(int n) {
    return AuditRecord{.actor = absl::StrCat("officer:", n),
                       .role = "commune_officer",
                       .action = "person.register",
                       .target_id = absl::StrCat("person-", n),
                       .request_id = absl::StrCat("req-", n),
                       .recorded_at = absl::Now()};
  }
  EventFeedOptions FeedOptions() {
    return EventFeedOptions{.schema = std::string(kSchema),
                            .listen_conninfo = db_->url()};
  }

  std::unique_ptr<pg::testing::TestDatabase> db_;
  std::unique_ptr<pg::Pool> pool_;
};

// DESIGN.md §2's trap: a transaction that took its id first but commits
// last is numbered after the ones that committed before it, never skipped.
TEST_F(SequencerTest, LateCommitGetsALaterPositionAndIsNeverSkipped) {
  Sequencer sequencer(TestSequencerOptions(db_->url()));
  ASSERT_TRUE(sequencer.Start().ok());
  EventFeed feed(FeedOptions(), *pool_);
  ASSERT_TRUE(feed.Start().ok());
  Follower reader(feed);

  pqxx::connection late_conn(db_->url());
  pqxx::work late(late_conn);
  AppendEvent(late, kSchema, Event{"relief.test.Late", "agg-late", "late"});
  const int64_t late_id =
      late
          .exec("SELECT currval(pg_get_serial_sequence('svc.outbox', 'id'))")[0]
                                                                             [0]
          .as<int64_t>();

  for (int i = 1; i <= 5; ++i)
    ASSERT_TRUE(CommitEvent(*pool_, TestEvent(i)).ok());
  ASSERT_TRUE(reader.WaitFor(5));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(reader.events[i].position, i + 1);
    EXPECT_EQ(reader.events[i].aggregate_id, absl::StrCat("agg-", i + 1));
  }
  // Later ids were numbered; the open one was not (it is invisible).
  EXPECT_EQ(Query(absl::StrCat("SELECT count(*) FROM svc.outbox WHERE id > ",
                               late_id, " AND position IS NOT NULL")),
            5);

  late.commit();
  ASSERT_TRUE(reader.WaitFor(6));
  EXPECT_EQ(reader.events[5].position, 6);
  EXPECT_EQ(reader.events[5].aggregate_id, "agg-late");
  EXPECT_EQ(Query(absl::StrCat("SELECT position FROM svc.outbox WHERE id = ",
                               late_id)),
            6);
  // Nothing more: each event once.
  std::vector<StoredEvent> rest;
  ASSERT_TRUE(feed.Read(6, 100, &rest).ok());
  EXPECT_TRUE(rest.empty());
  ExpectDense("outbox", 6);
}

// Many writers, some holding their transaction open while others commit:
// a reader following positions receives every event exactly once, in order.
TEST_F(SequencerTest, ConcurrentWritersReaderGetsEveryEventOnceInOrder) {
  Sequencer sequencer(TestSequencerOptions(db_->url()));
  ASSERT_TRUE(sequencer.Start().ok());
  EventFeed feed(FeedOptions(), *pool_);
  ASSERT_TRUE(feed.Start().ok());

  constexpr int kThreads = 4, kTxPerThread = 60, kEventsPerTx = 3,
                kHeldOpen = 5;
  const size_t total = kThreads * kTxPerThread * kEventsPerTx + kHeldOpen;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kTxPerThread; ++i) {
        absl::Status s =
            pg::RunInTransaction(*pool_, [&](pqxx::transaction_base& tx) {
              for (int k = 0; k < kEventsPerTx; ++k) {
                AppendEvent(
                    tx, kSchema,
                    TestEvent((t * kTxPerThread + i) * kEventsPerTx + k));
              }
              return absl::OkStatus();
            });
        if (!s.ok()) ++failures;
      }
    });
  }
  // A writer that holds each transaction open until the sequencer has
  // numbered something committed after it began.
  writers.emplace_back([&] {
    for (int i = 0; i < kHeldOpen; ++i) {
      pqxx::connection conn(db_->url());
      pqxx::work tx(conn);
      AppendEvent(tx, kSchema, TestEvent(100000 + i));
      const int64_t seen = sequencer.stats().last_outbox_position;
      Eventually([&] { return sequencer.stats().last_outbox_position > seen; },
                 absl::Seconds(10));
      tx.commit();
    }
  });

  Follower reader(feed);
  const bool all = reader.WaitFor(total, absl::Seconds(60));
  for (auto& w : writers) w.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_TRUE(all || reader.WaitFor(total, absl::Seconds(30)));
  std::set<std::string> ids;
  for (size_t i = 0; i < reader.events.size(); ++i) {
    EXPECT_EQ(reader.events[i].position, static_cast<int64_t>(i) + 1);
    ids.insert(reader.events[i].aggregate_id);
  }
  EXPECT_EQ(ids.size(), total);  // no event twice
  ExpectDense("outbox", total);
}

TEST_F(SequencerTest, NumbersInBatchesOfAtMostBatchSize) {
  ASSERT_TRUE(pg::RunInTransaction(*pool_, [](pqxx::transaction_base& tx) {
                for (int i = 0; i < 20; ++i)
                  AppendEvent(tx, kSchema, TestEvent(i));
                return absl::OkStatus();
              }).ok());
  SequencerOptions options = TestSequencerOptions(db_->url());
  options.batch_size = 7;
  Sequencer sequencer(options);
  ASSERT_TRUE(sequencer.Start().ok());
  ASSERT_TRUE(Eventually([&] { return Numbered() == 20; }));
  EXPECT_EQ(sequencer.stats().batches, 3);
  EXPECT_EQ(sequencer.stats().last_outbox_position, 20);
  EXPECT_EQ(Query("SELECT count(DISTINCT sequenced_at) FROM svc.outbox"), 3);
  ExpectDense("outbox", 20);
}

TEST_F(SequencerTest, OneNotifyPerBatchCarryingHeadAndStamp) {
  pqxx::connection listener(db_->url());
  testing::CountingReceiver receiver(listener, "svc_events");
  ASSERT_TRUE(pg::RunInTransaction(*pool_, [](pqxx::transaction_base& tx) {
                for (int i = 0; i < 20; ++i)
                  AppendEvent(tx, kSchema, TestEvent(i));
                return absl::OkStatus();
              }).ok());
  Sequencer sequencer(TestSequencerOptions(db_->url()));
  ASSERT_TRUE(sequencer.Start().ok());
  ASSERT_TRUE(Eventually([&] { return sequencer.stats().batches == 1; }));
  sequencer.Stop();
  {
    pqxx::nontransaction tx(listener);
    tx.exec("SELECT 1");
  }
  listener.get_notifs();
  const int64_t stamp_micros = Query(
      "SELECT (extract(epoch FROM max(sequenced_at)) * 1000000)::bigint"
      " FROM svc.outbox");
  EXPECT_THAT(receiver.payloads,
              ::testing::ElementsAre(absl::StrCat("20 ", stamp_micros)));
}

// Two replicas: one leader, one dense sequence; stopping the leader lets the
// other continue without a gap.
TEST_F(SequencerTest, TwoSequencersOneLeaderOneDenseSequence) {
  Sequencer a(TestSequencerOptions(db_->url()));
  Sequencer b(TestSequencerOptions(db_->url()));
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(b.Start().ok());
  ASSERT_TRUE(
      Eventually([&] { return a.stats().is_leader || b.stats().is_leader; }));

  std::atomic<bool> writing{true};
  std::atomic<int> committed{0};
  std::atomic<int> both_leaders{0};
  std::thread monitor([&] {
    pqxx::connection conn(db_->url());
    while (writing) {
      if (a.stats().is_leader && b.stats().is_leader) ++both_leaders;
      pqxx::nontransaction tx(conn);
      if (tx.exec(kAdvisoryHolders)[0][0].as<int64_t>() > 1) ++both_leaders;
    }
  });
  struct StopMonitor {
    std::atomic<bool>& writing;
    std::thread& monitor;
    ~StopMonitor() {
      writing = false;
      if (monitor.joinable()) monitor.join();
    }
  } stop_monitor{writing, monitor};
  // Three writers commit 50 events (and audit rows) each, twice: before the
  // leader stops, and from the moment it stops.
  auto write = [&](int from) {
    std::vector<std::thread> writers;
    for (int t = 0; t < 3; ++t) {
      writers.emplace_back([&, t, from] {
        for (int i = from; i < from + 50; ++i) {
          absl::Status s =
              pg::RunInTransaction(*pool_, [&](pqxx::transaction_base& tx) {
                AppendEvent(tx, kSchema, TestEvent(t * 1000 + i));
                AppendAudit(tx, kSchema, Audit(t * 1000 + i));
                return absl::OkStatus();
              });
          if (s.ok()) {
            ++committed;
          } else {
            ADD_FAILURE() << "write: " << s;
          }
        }
      });
    }
    return writers;
  };
  for (auto& w : write(0)) w.join();
  ASSERT_TRUE(Eventually([&] { return Numbered() == 150; }));
  Sequencer& leader = a.stats().is_leader ? a : b;
  Sequencer& other = &leader == &a ? b : a;
  std::vector<std::thread> writers = write(50);
  leader.Stop();
  const bool took_over = Eventually([&] { return other.stats().is_leader; });
  for (auto& w : writers) w.join();
  ASSERT_TRUE(took_over);
  ASSERT_EQ(committed.load(), 300);
  ASSERT_TRUE(Eventually([&] {
    return Numbered() == 300 &&
           Query("SELECT count(*) FROM svc.audit WHERE position IS NULL") == 0;
  }));
  writing = false;
  monitor.join();
  EXPECT_EQ(both_leaders.load(), 0);
  EXPECT_FALSE(leader.stats().is_leader);
  ExpectDense("outbox", 300);
  ExpectDense("audit", 300);
  // The chain continued across the leader change.
  EXPECT_TRUE(VerifyStoredAuditLog(*pool_, kSchema, {}).ok());
}

// The leader's session is terminated while its batch is in flight (stalled
// at the failpoint before COMMIT): its batch rolls back and the other
// replica numbers the same rows, with no gap and no repeat.
TEST_F(SequencerTest, LeaderKilledMidBatchOtherContinuesWithoutGap) {
  Sequencer a(TestSequencerOptions(db_->url()));
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(Eventually([&] { return a.stats().is_leader; }));
  Sequencer b(TestSequencerOptions(db_->url()));
  ASSERT_TRUE(b.Start().ok());
  const int a_pid = a.stats().session_pid;
  ASSERT_GT(a_pid, 0);

  ASSERT_TRUE(failpoint::Arm("sequencer.before_commit", "1*sleep(2000)").ok());
  for (int i = 1; i <= 10; ++i) {
    ASSERT_TRUE(CommitEvent(*pool_, TestEvent(i)).ok());
  }
  // A is stalled inside its batch transaction, rows numbered but
  // uncommitted.
  ASSERT_TRUE(Eventually([&] {
    return Query(absl::StrCat(
               "SELECT count(*) FROM pg_stat_activity WHERE pid = ", a_pid,
               " AND state = 'idle in transaction'")) == 1;
  }));
  EXPECT_EQ(Numbered(), 0);
  EXPECT_EQ(
      Query(absl::StrCat("SELECT pg_terminate_backend(", a_pid, ")::int")), 1);

  ASSERT_TRUE(Eventually([&] { return b.stats().is_leader; }));
  ASSERT_TRUE(Eventually([&] { return Numbered() == 10; }));
  for (int i = 11; i <= 20; ++i) {
    ASSERT_TRUE(CommitEvent(*pool_, TestEvent(i)).ok());
  }
  ASSERT_TRUE(Eventually([&] { return Numbered() == 20; }));
  // A noticed (after its stall) and is a follower now.
  ASSERT_TRUE(Eventually([&] { return !a.stats().is_leader; }));
  EXPECT_GE(a.stats().errors, 1);
  EXPECT_TRUE(b.stats().is_leader);
  ExpectDense("outbox", 20);
  EventFeed feed(FeedOptions(), *pool_);
  std::vector<StoredEvent> events;
  ASSERT_TRUE(feed.Read(0, 100, &events).ok());
  ASSERT_EQ(events.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(events[i].aggregate_id, absl::StrCat("agg-", i + 1));
  }
}

TEST_F(SequencerTest, TerminatedIdleLeaderIsReplaced) {
  Sequencer a(TestSequencerOptions(db_->url()));
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(Eventually([&] { return a.stats().is_leader; }));
  Sequencer b(TestSequencerOptions(db_->url()));
  ASSERT_TRUE(b.Start().ok());
  ASSERT_TRUE(CommitEvent(*pool_, TestEvent(1)).ok());
  ASSERT_TRUE(Eventually([&] { return Numbered() == 1; }));
  ASSERT_TRUE(db_->Exec(absl::StrCat("SELECT pg_terminate_backend(",
                                     a.stats().session_pid, ")"))
                  .ok());
  ASSERT_TRUE(CommitEvent(*pool_, TestEvent(2)).ok());
  ASSERT_TRUE(Eventually([&] { return Numbered() == 2; }));
  ASSERT_TRUE(
      Eventually([&] { return a.stats().is_leader != b.stats().is_leader; }));
  ExpectDense("outbox", 2);
}

// Stamps rise with position even when the next leader's clock is behind.
TEST_F(SequencerTest, StampsNeverDecreaseAcrossALeaderChange) {
  const absl::Time t0 = absl::FromUnixSeconds(1628996400);  // 2021-08-15
  SettableClock ahead(t0 + absl::Hours(1));
  SettableClock behind(t0);
  {
    SequencerOptions o = TestSequencerOptions(db_->url());
    o.clock = &ahead;
    Sequencer a(o);
    ASSERT_TRUE(a.Start().ok());
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(CommitEvent(*pool_, TestEvent(i)).ok());
    }
    ASSERT_TRUE(Eventually([&] { return Numbered() == 5; }));
  }  // a stops
  SequencerOptions o = TestSequencerOptions(db_->url());
  o.clock = &behind;
  Sequencer b(o);
  ASSERT_TRUE(b.Start().ok());
  for (int i = 5; i < 10; ++i) {
    ASSERT_TRUE(CommitEvent(*pool_, TestEvent(i)).ok());
  }
  ASSERT_TRUE(Eventually([&] { return Numbered() == 10; }));
  behind.Advance(absl::Hours(2));
  for (int i = 10; i < 15; ++i) {
    ASSERT_TRUE(CommitEvent(*pool_, TestEvent(i)).ok());
  }
  ASSERT_TRUE(Eventually([&] { return Numbered() == 15; }));

  EventFeed feed(FeedOptions(), *pool_);
  std::vector<StoredEvent> events;
  ASSERT_TRUE(feed.Read(0, 100, &events).ok());
  ASSERT_EQ(events.size(), 15u);
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_GE(events[i].sequenced_at, events[i - 1].sequenced_at)
        << "position " << events[i].position;
  }
  // Numbered under the clock that was behind: the previous stamp held.
  EXPECT_EQ(events[9].sequenced_at, t0 + absl::Hours(1));
  EXPECT_EQ(events[14].sequenced_at, t0 + absl::Hours(2));
  EXPECT_EQ(feed.Head().position, 15);
  EXPECT_EQ(feed.Head().stamp, t0 + absl::Hours(2));
}

TEST_F(SequencerTest, IdleHeartbeatAdvancesTheStamp) {
  const absl::Time t0 = absl::FromUnixSeconds(1628996400);
  SettableClock clock(t0);
  SequencerOptions o = TestSequencerOptions(db_->url());
  o.clock = &clock;
  o.heartbeat_interval = absl::Seconds(1);
  Sequencer sequencer(o);
  EventFeed feed(FeedOptions(), *pool_);
  ASSERT_TRUE(feed.Start().ok());
  ASSERT_TRUE(sequencer.Start().ok());
  auto state_stamp = [&] {
    return Query(
        "SELECT coalesce((extract(epoch FROM last_stamp) * 1000000)::bigint,"
        " 0) FROM svc.sequencer_state");
  };
  ASSERT_TRUE(
      Eventually([&] { return state_stamp() == absl::ToUnixMicros(t0); }));
  clock.Advance(absl::Seconds(5));
  ASSERT_TRUE(Eventually([&] {
    return state_stamp() == absl::ToUnixMicros(t0 + absl::Seconds(5));
  }));
  // The feed learns the new stamp from the NOTIFY, with no event.
  ASSERT_TRUE(
      Eventually([&] { return feed.Head().stamp == t0 + absl::Seconds(5); }));
  EXPECT_EQ(feed.Head().position, 0);
  EXPECT_GE(sequencer.stats().heartbeats, 2);
  // A later event cannot be stamped before the heartbeat.
  clock.Set(t0);
  ASSERT_TRUE(CommitEvent(*pool_, TestEvent(1)).ok());
  ASSERT_TRUE(Eventually([&] { return Numbered() == 1; }));
  EXPECT_EQ(Query("SELECT (extract(epoch FROM sequenced_at) * 1000000)::bigint"
                  " FROM svc.outbox"),
            absl::ToUnixMicros(t0 + absl::Seconds(5)));
}

TEST_F(SequencerTest, StopIsPromptAndReleasesLeadership) {
  Sequencer a(TestSequencerOptions(db_->url()));
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(Eventually([&] { return a.stats().is_leader; }));
  a.Stop();
  a.Stop();  // idempotent
  EXPECT_FALSE(a.stats().is_leader);
  EXPECT_EQ(Query(kAdvisoryHolders), 0);
}

TEST_F(SequencerTest, StartRejectsBadOptions) {
  SequencerOptions o = TestSequencerOptions(db_->url());
  o.schema.clear();
  EXPECT_THAT(Sequencer(o).Start(),
              relief::testing::StatusIs(absl::StatusCode::kInvalidArgument));
  o = TestSequencerOptions(db_->url());
  o.signing_key = SigningKey{"k1", "not 64 bytes"};
  EXPECT_THAT(Sequencer(o).Start(),
              relief::testing::StatusIs(absl::StatusCode::kInvalidArgument));
  Sequencer s(TestSequencerOptions(db_->url()));
  ASSERT_TRUE(s.Start().ok());
  EXPECT_THAT(s.Start(),
              relief::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace relief::events
