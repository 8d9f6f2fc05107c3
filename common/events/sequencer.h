// The sequencer of one service schema (DESIGN.md §2 "Events and the
// sequencer", §5 audit log, §7 stamps).
//
// Writers insert outbox and audit rows unnumbered (outbox.h). One sequencer
// per service process competes for leadership with pg_try_advisory_lock on
// its own dedicated session (not pooled); the leader, on that same session,
// loops:
//   - in one READ COMMITTED transaction that locks the single
//     sequencer_state row: takes up to batch_size unnumbered rows of each
//     table that are committed (visible to it) in id order, FOR UPDATE;
//     gives them dense positions continuing from the state's last ones;
//     stamps them sequenced_at = max(last stamp, clock now); chains the audit
//     hashes (audit_chain.h); writes a signed checkpoint of the audit head
//     every checkpoint_every_rows rows or checkpoint_every; updates the
//     state; sends ONE `NOTIFY <schema>_events` with payload
//     "<last outbox position> <stamp in UTC microseconds>"; commits;
//   - polls adaptively: again at once after a full batch, after min_poll
//     after a partial one, backing off (doubling) to max_poll while idle;
//   - while idle, every heartbeat_interval, advances the stamp to
//     max(last stamp, now) in the state and NOTIFYs it (a heartbeat: no row
//     numbered later can get an earlier stamp, so consumers can close days).
// A row whose transaction commits late (its bigserial id handed out before
// others') is invisible until it commits, then numbered in a later batch:
// it gets a later position and is never skipped. Rows that became visible
// between two polls are numbered in id (insertion) order, so "commit order"
// holds between batches; within one batch, a transaction that inserted its
// event earlier but committed later can precede. Writers therefore append an
// aggregate's event after taking the lock that orders changes to that
// aggregate (change the row, then append), which makes id order agree.
// Non-leaders retry the lock every lock_retry. Losing the session (server
// restart, pg_terminate_backend) ends leadership; the transaction in flight
// is rolled back and another replica continues from the state row. Because
// every batch locks the state row, two processes that both believed they
// led would still number one after the other, never interleaved.
//
// Failpoint (common/base/failpoint.h): "sequencer.before_commit" is hit in
// every batch just before COMMIT ("error" rolls the batch back, "sleep(MS)"
// stalls the leader inside its transaction, "kill" kills the process).
//
// Thread-safe: Start and Stop from any one thread, stats() from any thread.
#ifndef RELIEF_COMMON_EVENTS_SEQUENCER_H_
#define RELIEF_COMMON_EVENTS_SEQUENCER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/base/clock.h"
#include "common/events/audit_chain.h"

namespace relief::events {

struct SequencerOptions {
  // The service schema holding outbox, audit, audit_checkpoints and
  // sequencer_state (the common migration 002). Required.
  std::string schema;
  // libpq URL or key=value string for the sequencer's own session (one
  // connection, outside any pool). Required.
  std::string conninfo;
  // Most rows of each table numbered per transaction. Default 1000.
  int batch_size = 1000;
  // Wait after a batch that numbered rows (a full batch goes again at
  // once). Default 2 ms.
  absl::Duration min_poll = absl::Milliseconds(2);
  // Longest wait between polls while idle. Default 200 ms.
  absl::Duration max_poll = absl::Milliseconds(200);
  // How often a non-leader retries the advisory lock, and the pause after
  // losing the session. Default 1 s.
  absl::Duration lock_retry = absl::Seconds(1);
  // A checkpoint of the audit head is signed when this many audit rows
  // were numbered since the last one... Default 1000.
  int64_t checkpoint_every_rows = 1000;
  // ... or when the head moved and this long passed since the last one.
  // Default 5 minutes.
  absl::Duration checkpoint_every = absl::Minutes(5);
  // Key for checkpoints. Empty kid: no checkpoints are written (a warning
  // is logged at Start); the chain alone then cannot catch a re-hashed log.
  SigningKey signing_key;
  // While idle, the stamp is advanced (and NOTIFYd) this often. Zero: never.
  // Default 1 s.
  absl::Duration heartbeat_interval = absl::Seconds(1);
  // statement_timeout and lock_timeout of the session. Default 10 s.
  absl::Duration statement_timeout = absl::Seconds(10);
  // libpq connect_timeout. Default 2 s.
  absl::Duration connect_timeout = absl::Seconds(2);
  // Shown in pg_stat_activity. Default "relief-sequencer".
  std::string application_name = "relief-sequencer";
  // Time source of the stamps and checkpoints; not owned. Default the
  // system clock.
  Clock* clock = &SystemClock();
};

// A snapshot for metrics and tests.
struct SequencerStats {
  // Holds the advisory lock on a live session.
  bool is_leader = false;
  // Backend pid of the leader session (0 when not leader).
  int session_pid = 0;
  // Last positions and stamp this process numbered or read from the state
  // (0 / InfinitePast before its first batch).
  int64_t last_outbox_position = 0;
  int64_t last_audit_position = 0;
  absl::Time last_stamp = absl::InfinitePast();
  // Lag: unnumbered committed rows (both tables) left after the last batch
  // (counted only when a batch was full, capped at 1,000,000), and the age
  // of the oldest row of the last batch when it was numbered.
  int64_t backlog_rows = 0;
  absl::Duration lag = absl::ZeroDuration();
  // Counters since Start.
  int64_t batches = 0;
  int64_t rows_numbered = 0;
  int64_t checkpoints = 0;
  int64_t heartbeats = 0;
  int64_t leader_terms = 0;
  int64_t errors = 0;
};

class Sequencer {
 public:
  explicit Sequencer(SequencerOptions options);
  // Stops (see Stop).
  ~Sequencer();
  Sequencer(const Sequencer&) = delete;
  Sequencer& operator=(const Sequencer&) = delete;

  // Starts the loop on its own thread. INVALID_ARGUMENT when a required
  // option is missing or the signing key is malformed; FAILED_PRECONDITION
  // when already started. Postgres being down is not an error: the loop
  // retries.
  absl::Status Start();

  // Ends the loop and closes the session (releasing leadership). Prompt:
  // returns after at most the batch in flight (bounded by
  // statement_timeout, or a failpoint's sleep). Idempotent.
  void Stop();

  SequencerStats stats() const;

 private:
  struct Session;
  enum class Step { kIdle, kPartial, kFull };

  void Run();
  // Waits `d` or until Stop; false when stopping.
  bool WaitFor(absl::Duration d);
  bool Stopping();
  absl::Status Connect();
  void DropSession(absl::string_view why);
  absl::StatusOr<bool> TryLock();
  absl::StatusOr<Step> RunStep(bool force);
  absl::StatusOr<Step> RunBatch();

  const SequencerOptions options_;
  const int64_t lock_key_;
  std::thread thread_;
  bool started_ = false;  // guarded by the caller of Start/Stop

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  SequencerStats stats_ ABSL_GUARDED_BY(mu_);

  // Loop thread only.
  std::unique_ptr<Session> session_;
  bool leader_ = false;
  absl::Time last_stamp_ = absl::InfinitePast();
  int64_t audit_head_ = 0;
  int64_t checkpoint_position_ = 0;
  absl::Time checkpoint_signed_at_ = absl::InfinitePast();
  absl::Time backlog_counted_at_ = absl::InfinitePast();
};

}  // namespace relief::events

#endif  // RELIEF_COMMON_EVENTS_SEQUENCER_H_
