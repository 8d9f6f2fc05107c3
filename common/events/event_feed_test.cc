#include "common/events/event_feed.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/testing/status_matchers.h"
#include "common/events/sequencer.h"
#include "common/events/test_util.h"
#include "gtest/gtest.h"

namespace relief::events {
namespace {

using ::relief::testing::StatusIs;
using testing::CommitEvent;
using testing::Eventually;
using testing::kSchema;
using testing::TestEvent;

class EventFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::MakeDatabase();
    ASSERT_NE(db_, nullptr);
    pool_ = std::make_unique<pg::Pool>(pg::PoolOptions{.conninfo = db_->url()});
    feed_ = std::make_unique<EventFeed>(
        EventFeedOptions{.schema = std::string(kSchema),
                         .listen_conninfo = db_->url()},
        *pool_);
  }
  void StartListening() {
    ASSERT_TRUE(feed_->Start().ok());
    ASSERT_TRUE(Eventually([&] { return feed_->stats().listening; }));
  }
  // A thread running WaitForNew; if a failed assertion leaves it running,
  // its destructor shuts the feed down (waking it) and joins it.
  class WaiterThread {
   public:
    WaiterThread(EventFeed* feed, std::thread t)
        : feed_(feed), thread_(std::move(t)) {}
    ~WaiterThread() {
      if (thread_.joinable()) {
        feed_->Shutdown();
        thread_.join();
      }
    }
    void join() { thread_.join(); }

   private:
    EventFeed* feed_;
    std::thread thread_;
  };

  // Runs WaitForNew(after, timeout) on a thread; the result lands in
  // *woke once it returns (1: true, 0: false).
  WaiterThread Waiter(int64_t after, absl::Duration timeout,
                      std::atomic<int>* woke) {
    return WaiterThread(
        feed_.get(), std::thread([=, this] {
          woke->store(feed_->WaitForNew(after, timeout) ? 1 : 0);
        }));
  }

  std::unique_ptr<pg::testing::TestDatabase> db_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<EventFeed> feed_;
};

TEST_F(EventFeedTest, NotifyWakesAWaiter) {
  StartListening();
  Sequencer sequencer(testing::TestSequencerOptions(db_->url()));
  ASSERT_TRUE(sequencer.Start().ok());
  std::atomic<int> woke{-1};
  WaiterThread waiter = Waiter(0, absl::Seconds(120), &woke);
  ASSERT_TRUE(Eventually([&] { return feed_->stats().waiters == 1; }));
  ASSERT_TRUE(CommitEvent(*pool_, TestEvent(1)).ok());
  waiter.join();
  // True (not the timeout's false): the NOTIFY woke it.
  EXPECT_EQ(woke.load(), 1);
  EXPECT_EQ(feed_->Head().position, 1);
  EXPECT_GE(feed_->stats().notifications, 1);
}

TEST_F(EventFeedTest, ReturnsFalseWhenTheTimeoutPasses) {
  StartListening();
  EXPECT_FALSE(feed_->WaitForNew(0, absl::Milliseconds(50)));
  EXPECT_EQ(feed_->stats().waiters, 0);
}

TEST_F(EventFeedTest, ReturnsAtOnceWhenNewerEventsAreKnown) {
  StartListening();
  ASSERT_TRUE(db_->Exec("NOTIFY svc_events, '7 1628996645000000'").ok());
  ASSERT_TRUE(Eventually([&] { return feed_->Head().position == 7; }));
  EXPECT_TRUE(feed_->WaitForNew(6, absl::Seconds(120)));
  EXPECT_EQ(feed_->Head().stamp, absl::FromUnixMicros(1628996645000000));
}

TEST_F(EventFeedTest, UnreadablePayloadWakesWaitersToReadAgain) {
  StartListening();
  std::atomic<int> woke{-1};
  WaiterThread waiter = Waiter(0, absl::Seconds(120), &woke);
  ASSERT_TRUE(Eventually([&] { return feed_->stats().waiters == 1; }));
  ASSERT_TRUE(db_->Exec("NOTIFY svc_events, 'garbage'").ok());
  waiter.join();
  EXPECT_EQ(woke.load(), 1);
}

TEST_F(EventFeedTest, ShutdownWakesEveryWaiter) {
  StartListening();
  std::atomic<int> woke1{-1}, woke2{-1};
  WaiterThread w1 = Waiter(0, absl::Seconds(120), &woke1);
  WaiterThread w2 = Waiter(0, absl::Seconds(120), &woke2);
  ASSERT_TRUE(Eventually([&] { return feed_->stats().waiters == 2; }));
  feed_->Shutdown();
  w1.join();
  w2.join();
  EXPECT_EQ(woke1.load(), 0);
  EXPECT_EQ(woke2.load(), 0);
  EXPECT_FALSE(feed_->WaitForNew(0, absl::Seconds(120)));  // at once
  EXPECT_FALSE(feed_->stats().listening);
}

TEST_F(EventFeedTest, ReconnectsWhenItsSessionIsKilled) {
  StartListening();
  ASSERT_TRUE(db_->Exec("SELECT pg_terminate_backend(pid) FROM"
                        " pg_stat_activity WHERE datname = current_database()"
                        " AND application_name = 'relief-feed'")
                  .ok());
  ASSERT_TRUE(Eventually([&] {
    return feed_->stats().connects == 2 && feed_->stats().listening;
  }));
  std::atomic<int> woke{-1};
  WaiterThread waiter = Waiter(4, absl::Seconds(120), &woke);
  ASSERT_TRUE(Eventually([&] { return feed_->stats().waiters == 1; }));
  ASSERT_TRUE(db_->Exec("NOTIFY svc_events, '5 1628996645000000'").ok());
  waiter.join();
  EXPECT_EQ(woke.load(), 1);
  EXPECT_EQ(feed_->Head().position, 5);
}

TEST_F(EventFeedTest, WaitersHoldNoPooledConnection) {
  // A pool of one connection, and three streams waiting.
  pg::Pool small(pg::PoolOptions{.conninfo = db_->url(),
                                 .size = 1,
                                 .acquire_timeout = absl::Milliseconds(500)});
  EventFeed feed(EventFeedOptions{.schema = std::string(kSchema),
                                  .listen_conninfo = db_->url()},
                 small);
  ASSERT_TRUE(feed.Start().ok());
  ASSERT_TRUE(Eventually([&] { return feed.stats().listening; }));
  std::vector<std::thread> waiters;
  std::atomic<int> woken{0};
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&] {
      if (feed.WaitForNew(0, absl::Seconds(120))) ++woken;
    });
  }
  bool ok = Eventually([&] { return feed.stats().waiters == 3; });
  std::vector<StoredEvent> events;
  ok = ok && feed.Read(0, 10, &events).ok();  // the pool is free
  ok = ok && CommitEvent(small, TestEvent(1)).ok();
  Sequencer sequencer(testing::TestSequencerOptions(db_->url()));
  ok = ok && sequencer.Start().ok();
  EXPECT_TRUE(ok);
  if (!ok) feed.Shutdown();  // wake the waiters
  for (auto& w : waiters) w.join();
  EXPECT_EQ(woken.load(), 3);
  ASSERT_TRUE(feed.Read(0, 10, &events).ok());
  ASSERT_EQ(events.size(), 1u);
}

TEST_F(EventFeedTest, ReadReturnsEventsInOrderUpToMax) {
  ASSERT_TRUE(pg::RunInTransaction(*pool_, [](pqxx::transaction_base& tx) {
                for (int i = 1; i <= 5; ++i)
                  AppendEvent(tx, kSchema, TestEvent(i));
                return absl::OkStatus();
              }).ok());
  std::vector<StoredEvent> events;
  ASSERT_TRUE(feed_->Read(0, 10, &events).ok());
  EXPECT_TRUE(events.empty());  // committed but not numbered yet
  Sequencer sequencer(testing::TestSequencerOptions(db_->url()));
  ASSERT_TRUE(sequencer.Start().ok());
  ASSERT_TRUE(Eventually(
      [&] { return feed_->Read(0, 10, &events).ok() && events.size() == 5; }));
  ASSERT_TRUE(feed_->Read(1, 3, &events).ok());
  ASSERT_EQ(events.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const Event expected = TestEvent(i + 2);
    EXPECT_EQ(events[i].position, i + 2);
    EXPECT_EQ(events[i].event_type, expected.event_type);
    EXPECT_EQ(events[i].aggregate_id, expected.aggregate_id);
    EXPECT_EQ(events[i].payload, expected.payload);
    EXPECT_EQ(events[i].sequenced_at, feed_->Head().stamp);  // one batch
  }
  EXPECT_EQ(feed_->Head().position, 5);
}

TEST_F(EventFeedTest, ReadRejectsBadArguments) {
  std::vector<StoredEvent> events;
  EXPECT_THAT(feed_->Read(0, 0, &events),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(feed_->Read(-1, 10, &events),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(EventFeedTest, ReadIsUnavailableWhenPostgresIsUnreachable) {
  pg::Pool nowhere(
      pg::PoolOptions{.conninfo = "postgresql://postgres@127.0.0.1:1/none"});
  EventFeed feed(EventFeedOptions{.schema = std::string(kSchema),
                                  .listen_conninfo = db_->url()},
                 nowhere);
  std::vector<StoredEvent> events;
  EXPECT_THAT(feed.Read(0, 10, &events),
              StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace relief::events
