// Helpers for relief_events tests only.
#ifndef RELIEF_COMMON_EVENTS_TEST_UTIL_H_
#define RELIEF_COMMON_EVENTS_TEST_UTIL_H_

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/events/event_feed.h"
#include "common/events/outbox.h"
#include "common/events/sequencer.h"
#include "common/pg/common_migrations.h"
#include "common/pg/pool.h"
#include "common/pg/testing/test_database.h"
#include "common/pg/transaction.h"
#include "gtest/gtest.h"
#include "pqxx/connection"
#include "pqxx/notification"

namespace relief::events::testing {

inline constexpr absl::string_view kSchema = "svc";

// A fresh test database with the common migrations in schema "svc"; fails
// the test (loudly) when RELIEF_TEST_PG is not set.
inline std::unique_ptr<pg::testing::TestDatabase> MakeDatabase() {
  auto db = pg::testing::TestDatabase::Create(
      {pg::CommonMigrationSet(std::string(kSchema))});
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return nullptr;
  return *std::move(db);
}

// Polls `done` every few milliseconds until it holds or `timeout` passes;
// returns its last value. (Polling with a deadline, never a fixed sleep.)
inline bool Eventually(const std::function<bool()>& done,
                       absl::Duration timeout = absl::Seconds(30)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return done();
}

// Options for a test sequencer on `url`: fast polls, fast lock retries,
// no heartbeat.
inline SequencerOptions TestSequencerOptions(const std::string& url) {
  SequencerOptions o;
  o.schema = std::string(kSchema);
  o.conninfo = url;
  o.min_poll = absl::Milliseconds(1);
  o.max_poll = absl::Milliseconds(20);
  o.lock_retry = absl::Milliseconds(100);
  o.heartbeat_interval = absl::ZeroDuration();
  return o;
}

inline Event TestEvent(int n) {
  return Event{"relief.test.Happened", absl::StrCat("agg-", n),
               absl::StrCat(std::string("\0\x01\xff", 3), n)};
}

// Commits one event in its own transaction.
inline absl::Status CommitEvent(pg::Pool& pool, const Event& event) {
  return pg::RunInTransaction(pool, [&](pqxx::transaction_base& tx) {
    AppendEvent(tx, kSchema, event);
    return absl::OkStatus();
  });
}

// Follows a feed as a Subscribe stream would: Read, and WaitForNew when
// there is nothing new. Fails the test on a gap or a repeat.
class Follower {
 public:
  explicit Follower(EventFeed& feed) : feed_(feed) {}

  // Reads until `count` events in all were received or `timeout` passed;
  // true when `count` was reached.
  bool WaitFor(size_t count, absl::Duration timeout = absl::Seconds(30)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (events.size() < count && absl::Now() < deadline) {
      std::vector<StoredEvent> batch;
      absl::Status s = feed_.Read(after_, 100, &batch);
      if (!s.ok()) {
        ADD_FAILURE() << "Read: " << s;
        return false;
      }
      for (StoredEvent& e : batch) {
        EXPECT_EQ(e.position, after_ + 1) << "gap or repeat";
        after_ = e.position;
        events.push_back(std::move(e));
      }
      if (batch.empty()) {
        feed_.WaitForNew(
            after_, std::min(deadline - absl::Now(), absl::Milliseconds(500)));
      }
    }
    return events.size() >= count;
  }

  int64_t after() const { return after_; }
  std::vector<StoredEvent> events;

 private:
  EventFeed& feed_;
  int64_t after_ = 0;
};

// Records the payloads of NOTIFYs on one channel (delivered by
// connection.get_notifs()).
class CountingReceiver final : public pqxx::notification_receiver {
 public:
  CountingReceiver(pqxx::connection_base& conn, const std::string& channel)
      : pqxx::notification_receiver(conn, channel) {}
  void operator()(const std::string& payload, int) override {
    payloads.push_back(payload);
  }
  std::vector<std::string> payloads;
};

}  // namespace relief::events::testing

#endif  // RELIEF_COMMON_EVENTS_TEST_UTIL_H_
