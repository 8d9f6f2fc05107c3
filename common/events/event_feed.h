// The read side of one service's event feed (DESIGN.md §2 Subscribe): reads
// numbered outbox events in position order and wakes waiting streams when
// the sequencer (sequencer.h) announces a batch.
//
// One EventFeed per process and schema. It keeps ONE dedicated LISTEN
// session (not pooled) on channel "<schema>_events", shared by every
// waiter, and reconnects it by itself with backoff. Reads borrow a pooled
// connection only for the duration of the read, so an idle stream holds no
// pooled connection.
//
// A Subscribe stream loops:
//   Read(after, n, &batch) -> send, after = last position; when batch is
//   empty: if (!WaitForNew(after, heartbeat_every)) send a heartbeat with
//   Head().stamp, but only when after >= Head().position.
// That loop misses nothing even when a NOTIFY is lost (reconnects): a lost
// NOTIFY costs at most one wait.
//
// Thread-safe.
#ifndef RELIEF_COMMON_EVENTS_EVENT_FEED_H_
#define RELIEF_COMMON_EVENTS_EVENT_FEED_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/pg/pool.h"

namespace relief::events {

// One numbered event.
struct StoredEvent {
  int64_t position = 0;
  absl::Time sequenced_at;  // microsecond precision
  std::string event_type;
  std::string aggregate_id;
  std::string payload;  // the serialized protobuf written by AppendEvent
};

// What the feed knows of the sequencer's progress: every event with a
// position <= `position` is numbered and readable, and every event numbered
// later will carry a sequenced_at >= `stamp` (stamps rise with position, and
// the idle sequencer advances the stamp every heartbeat_interval). So a
// consumer that has applied every event up to `position` may treat `stamp`
// as "time has passed up to here" (DESIGN.md §7: closing a day). Not the
// local clock's now: an event being numbered at this instant could carry
// an earlier stamp than a now read here.
struct FeedHead {
  int64_t position = 0;
  absl::Time stamp = absl::InfinitePast();  // InfinitePast: nothing yet
};

struct EventFeedOptions {
  // The service schema (outbox, sequencer_state). Required.
  std::string schema;
  // libpq URL or key=value string for the LISTEN session. Required.
  std::string listen_conninfo;
  // Backoff between reconnection attempts of the LISTEN session: starts at
  // reconnect_min, doubles up to reconnect_max. Defaults 100 ms and 5 s.
  absl::Duration reconnect_min = absl::Milliseconds(100);
  absl::Duration reconnect_max = absl::Seconds(5);
  // After this long without traffic the LISTEN session is probed with
  // "SELECT 1", so a silently dead server is noticed. Default 30 s.
  absl::Duration ping_interval = absl::Seconds(30);
  // libpq connect_timeout. Default 2 s.
  absl::Duration connect_timeout = absl::Seconds(2);
  // Shown in pg_stat_activity. Default "relief-feed".
  std::string application_name = "relief-feed";
};

struct EventFeedStats {
  bool listening = false;     // the LISTEN session is up
  int64_t connects = 0;       // LISTEN sessions opened since Start
  int64_t notifications = 0;  // NOTIFYs received
  int waiters = 0;            // threads inside WaitForNew
};

class EventFeed {
 public:
  // `pool` must outlive the feed.
  EventFeed(EventFeedOptions options, pg::Pool& pool);
  // Calls Shutdown().
  ~EventFeed();
  EventFeed(const EventFeed&) = delete;
  EventFeed& operator=(const EventFeed&) = delete;

  // Starts the LISTEN thread. INVALID_ARGUMENT when a required option is
  // missing; FAILED_PRECONDITION when already started or shut down.
  // Postgres being down is not an error: the thread keeps reconnecting.
  absl::Status Start();

  // Replaces *out with up to `max` numbered events with position >
  // after_position, in position order, with no gap (positions are dense).
  // Uses a pooled connection for this call only; one statement, so the
  // events and the head it also refreshes come from one snapshot.
  // INVALID_ARGUMENT when max <= 0 or after_position < 0; UNAVAILABLE /
  // DEADLINE_EXCEEDED / INTERNAL on database errors (then *out is empty).
  absl::Status Read(int64_t after_position, int max,
                    std::vector<StoredEvent>* out);

  // Blocks until the feed knows of an event with position > after_position
  // (a NOTIFY from the sequencer, or a Read that saw it) — true at once if
  // it already does — or until `timeout` passes (false). Also returns true
  // after the LISTEN session (re)connected, since NOTIFYs may have been
  // missed: the caller reads again. False at once after Shutdown. Holds no
  // database connection while it waits.
  bool WaitForNew(int64_t after_position, absl::Duration timeout);

  // The latest head known (see FeedHead); the heartbeat stamp for idle
  // streams is Head().stamp.
  FeedHead Head() const;

  // Stops the LISTEN thread and wakes every waiter (their WaitForNew returns
  // false). Idempotent.
  void Shutdown();

  EventFeedStats stats() const;

  // True once Shutdown() was called: streams should end.
  bool ShuttingDown() const;

 private:
  class Receiver;

  void Listen();
  absl::Status ListenOnce();
  void OnNotify(const std::string& payload);
  void UpdateHead(const FeedHead& seen) ABSL_LOCKS_EXCLUDED(mu_);
  void Resync() ABSL_LOCKS_EXCLUDED(mu_);

  const EventFeedOptions options_;
  pg::Pool& pool_;
  int wake_fd_ = -1;  // eventfd: interrupts the LISTEN thread's poll()
  std::thread thread_;

  mutable absl::Mutex mu_;
  absl::CondVar cv_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  FeedHead head_ ABSL_GUARDED_BY(mu_);
  // Bumped whenever waiters must re-read although the head did not move
  // (the LISTEN session (re)connected, an unreadable payload).
  int64_t resync_generation_ ABSL_GUARDED_BY(mu_) = 0;
  EventFeedStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace relief::events

#endif  // RELIEF_COMMON_EVENTS_EVENT_FEED_H_
