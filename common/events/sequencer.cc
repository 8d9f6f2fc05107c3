#include "common/events/sequencer.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/failpoint.h"
#include "common/base/hash.h"
#include "common/base/logging.h"
#include "common/events/pg_internal.h"
#include "common/pg/pool.h"
#include "pqxx/binarystring"
#include "pqxx/connection"
#include "pqxx/nontransaction"
#include "pqxx/pqxx"
#include "pqxx/transaction"
#include "spdlog/spdlog.h"

namespace relief::events {
namespace {

int64_t LockKeyOf(absl::string_view schema) {
  const std::string digest =
      Sha256(absl::StrCat("relief.sequencer\x1f", schema));
  int64_t key;
  std::memcpy(&key, digest.data(), sizeof(key));
  return key;
}

// Backlog is counted at most this often (counting is a scan).
constexpr absl::Duration kBacklogEvery = absl::Seconds(1);
constexpr int64_t kBacklogCap = 1000000;

}  // namespace

struct Sequencer::Session {
  std::unique_ptr<pqxx::connection> conn;
  int pid = 0;
  std::string q_schema;  // the schema, quoted
};

Sequencer::Sequencer(SequencerOptions options)
    : options_(std::move(options)), lock_key_(LockKeyOf(options_.schema)) {}

Sequencer::~Sequencer() { Stop(); }

absl::Status Sequencer::Start() {
  if (started_)
    return absl::FailedPreconditionError("sequencer already started");
  if (options_.schema.empty()) {
    return absl::InvalidArgumentError("sequencer: schema is required");
  }
  if (options_.conninfo.empty()) {
    return absl::InvalidArgumentError("sequencer: conninfo is required");
  }
  if (options_.batch_size <= 0 || options_.checkpoint_every_rows <= 0) {
    return absl::InvalidArgumentError(
        "sequencer: batch_size and checkpoint_every_rows must be positive");
  }
  if (options_.min_poll < absl::ZeroDuration() ||
      options_.max_poll < options_.min_poll ||
      options_.lock_retry <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "sequencer: need 0 <= min_poll <= max_poll and lock_retry > 0");
  }
  if (options_.clock == nullptr) {
    return absl::InvalidArgumentError("sequencer: clock is required");
  }
  if (!options_.signing_key.kid.empty()) {
    if (auto pk = PublicKeyOf(options_.signing_key); !pk.ok()) {
      return pk.status();
    }
  } else {
    spdlog::warn(
        "event=sequencer_no_signing_key schema={} msg=\"audit checkpoints "
        "are not written\"",
        options_.schema);
  }
  started_ = true;
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void Sequencer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

SequencerStats Sequencer::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

bool Sequencer::Stopping() {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

bool Sequencer::WaitFor(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopping_), d);
  return !stopping_;
}

absl::Status Sequencer::Connect() {
  try {
    auto session = std::make_unique<Session>();
    session->conn =
        std::make_unique<pqxx::connection>(internal::WithSessionOptions(
            options_.conninfo, options_.application_name,
            options_.connect_timeout));
    // libpqxx 6 would otherwise reconnect a broken connection silently at
    // the next BEGIN: a new session that does not hold the lock.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    session->conn->inhibit_reactivation(true);
#pragma GCC diagnostic pop
    const int64_t timeout_ms =
        absl::ToInt64Milliseconds(options_.statement_timeout);
    pqxx::nontransaction setup(*session->conn);
    setup.exec(absl::StrCat(
        "SET statement_timeout = ", timeout_ms, "; SET lock_timeout = ",
        timeout_ms, "; SET idle_in_transaction_session_timeout = ",
        std::max<int64_t>(60000, 2 * timeout_ms),
        "; SET TIME ZONE 'UTC'"
        // A leader whose host vanished loses its lock within ~25 s.
        "; SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5"
        "; SET tcp_keepalives_count = 3"));
    setup.commit();
    session->pid = session->conn->backendpid();
    session->q_schema = session->conn->quote_name(options_.schema);
    session_ = std::move(session);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(
        "postgres unreachable: ", pg::StatusFromException(e).message()));
  }
}

void Sequencer::DropSession(absl::string_view why) {
  if (leader_) {
    spdlog::info("event=sequencer_leadership_ended schema={} reason=\"{}\"",
                 options_.schema, why);
  }
  leader_ = false;
  {
    // Before the lock is released, so no one sees two leaders here.
    absl::MutexLock lock(&mu_);
    stats_.is_leader = false;
    stats_.session_pid = 0;
  }
  session_.reset();  // closing the session releases the advisory lock
}

absl::StatusOr<bool> Sequencer::TryLock() {
  try {
    pqxx::nontransaction tx(*session_->conn);
    pqxx::result r =
        tx.exec_params("SELECT pg_try_advisory_lock($1)", lock_key_);
    tx.commit();
    return r[0][0].as<bool>();
  } catch (const std::exception& e) {
    return pg::StatusFromException(e);
  }
}

void Sequencer::Run() {
  absl::Duration idle_wait = options_.min_poll;
  absl::Duration error_wait = options_.min_poll;
  bool force = true;
  std::string last_logged;
  auto log_error = [&](absl::string_view what, const absl::Status& s) {
    {
      absl::MutexLock lock(&mu_);
      ++stats_.errors;
    }
    std::string line = absl::StrCat(what, ": ", s.ToString());
    if (line != last_logged) {
      spdlog::warn("event=sequencer_error schema={} step={} status=\"{}\"",
                   options_.schema, what, s.ToString());
      last_logged = std::move(line);
    }
  };
  while (!Stopping()) {
    if (session_ == nullptr) {
      if (absl::Status s = Connect(); !s.ok()) {
        log_error("connect", s);
        WaitFor(options_.lock_retry);
        continue;
      }
    }
    if (!leader_) {
      absl::StatusOr<bool> got = TryLock();
      if (!got.ok()) {
        log_error("lock", got.status());
        DropSession("lock attempt failed");
        WaitFor(options_.lock_retry);
        continue;
      }
      if (!*got) {
        WaitFor(options_.lock_retry);
        continue;
      }
      leader_ = true;
      force = true;
      last_logged.clear();
      {
        absl::MutexLock lock(&mu_);
        stats_.is_leader = true;
        stats_.session_pid = session_->pid;
        ++stats_.leader_terms;
      }
      spdlog::info("event=sequencer_leader schema={} pid={}", options_.schema,
                   session_->pid);
    }
    if (!session_->conn->is_open() ||
        session_->conn->backendpid() != session_->pid) {
      DropSession("session lost");
      continue;  // reconnect at once; the lock may be free again
    }
    absl::StatusOr<Step> step = RunStep(force);
    if (!step.ok()) {
      log_error("batch", step.status());
      force = true;
      if (session_ != nullptr &&
          (!session_->conn->is_open() ||
           step.status().code() == absl::StatusCode::kUnknown)) {
        DropSession(step.status().message());
        WaitFor(options_.min_poll);
        continue;
      }
      WaitFor(error_wait);
      error_wait = std::min(std::max(error_wait * 2, absl::Milliseconds(10)),
                            options_.lock_retry);
      continue;
    }
    force = false;
    error_wait = options_.min_poll;
    last_logged.clear();  // log the next failure even if it is the same
    switch (*step) {
      case Step::kFull:
        idle_wait = options_.min_poll;
        break;
      case Step::kPartial:
        idle_wait = options_.min_poll;
        WaitFor(options_.min_poll);
        break;
      case Step::kIdle:
        WaitFor(idle_wait);
        idle_wait = std::min(std::max(idle_wait * 2, absl::Milliseconds(1)),
                             options_.max_poll);
        break;
    }
  }
  DropSession("stopped");
}

absl::StatusOr<Sequencer::Step> Sequencer::RunStep(bool force) {
  if (!force) {
    const absl::Time now = options_.clock->Now();
    const bool heartbeat_due =
        options_.heartbeat_interval > absl::ZeroDuration() &&
        now - last_stamp_ >= options_.heartbeat_interval;
    const bool checkpoint_due =
        !options_.signing_key.kid.empty() &&
        audit_head_ > checkpoint_position_ &&
        now - checkpoint_signed_at_ >= options_.checkpoint_every;
    if (!heartbeat_due && !checkpoint_due) {
      try {
        // Committed unnumbered rows? (Reads only: an idle poll writes
        // nothing.)
        pqxx::nontransaction probe(*session_->conn);
        pqxx::result r = probe.exec(absl::StrCat(
            "SELECT EXISTS (SELECT 1 FROM ", session_->q_schema,
            ".outbox WHERE position IS NULL) OR EXISTS (SELECT 1 FROM ",
            session_->q_schema, ".audit WHERE position IS NULL)"));
        probe.commit();
        if (!r[0][0].as<bool>()) return Step::kIdle;
      } catch (const std::exception& e) {
        return pg::StatusFromException(e);
      }
    }
  }
  return RunBatch();
}

absl::StatusOr<Sequencer::Step> Sequencer::RunBatch() {
  const std::string& q = session_->q_schema;
  const int batch = options_.batch_size;
  int64_t outbox_numbered = 0, audit_numbered = 0;
  int64_t outbox_head = 0, audit_head = 0;
  absl::Time stamp;
  absl::Time oldest = absl::InfiniteFuture();
  bool checkpoint_written = false;
  int64_t cp_position = 0;
  absl::Time cp_signed_at = absl::InfinitePast();
  try {
    pqxx::work tx(*session_->conn);
    pqxx::result state = tx.exec(absl::StrCat(
        "SELECT last_outbox_position, last_audit_position, last_audit_hash, ",
        internal::MicrosOf("last_stamp"), " FROM ", q,
        ".sequencer_state FOR UPDATE"));
    if (state.size() != 1) {
      return absl::InternalError(
          absl::StrCat(options_.schema, ".sequencer_state must hold one row"));
    }
    outbox_head = state[0][0].as<int64_t>();
    audit_head = state[0][1].as<int64_t>();
    std::string head_hash = pqxx::binarystring(state[0][2]).str();
    const absl::Time prev_stamp = internal::TimeFromMicrosField(state[0][3]);
    const absl::Time now = internal::TruncateToMicros(options_.clock->Now());
    stamp = std::max(prev_stamp, now);
    const std::string stamp_text = internal::PgTimestamp(stamp);

    // Outbox: committed unnumbered rows in id order get the next positions.
    pqxx::result o = tx.exec_params(
        absl::StrCat(
            "WITH batch AS (SELECT id FROM ", q,
            ".outbox WHERE position IS NULL ORDER BY id LIMIT $1 FOR UPDATE),"
            " numbered AS (SELECT id, $2::bigint + row_number() OVER"
            " (ORDER BY id) AS pos FROM batch),"
            " upd AS (UPDATE ",
            q,
            ".outbox o SET position = n.pos, sequenced_at = $3::timestamptz"
            " FROM numbered n WHERE o.id = n.id"
            " RETURNING o.position, o.created_at)"
            " SELECT count(*), coalesce(max(position), $2::bigint), ",
            internal::MicrosOf("min(created_at)"), " FROM upd"),
        batch, outbox_head, stamp_text);
    outbox_numbered = o[0][0].as<int64_t>();
    outbox_head = o[0][1].as<int64_t>();
    if (!o[0][2].is_null())
      oldest = std::min(oldest, internal::TimeFromMicrosField(o[0][2]));

    // Audit: the same, chaining the hashes.
    pqxx::result a = tx.exec_params(
        absl::StrCat("SELECT id, ", internal::AuditRecordColumns(), " FROM ", q,
                     ".audit WHERE position IS NULL ORDER BY id LIMIT $1"
                     " FOR UPDATE"),
        batch);
    if (!a.empty()) {
      std::string ids = "{", positions = "{", prevs = "{", hashes = "{";
      for (const auto& r : a) {
        AuditRecord rec;
        rec.actor = internal::Bytes(r[1]);
        rec.on_behalf_of = internal::Bytes(r[2]);
        rec.role = internal::Bytes(r[3]);
        rec.action = internal::Bytes(r[4]);
        rec.target_id = internal::Bytes(r[5]);
        rec.request_id = internal::Bytes(r[6]);
        rec.recorded_at = absl::FromUnixMicros(r[7].as<int64_t>());
        oldest = std::min(oldest, rec.recorded_at);
        const int64_t position = ++audit_head;
        const std::string hash = AuditRowHash(position, rec, head_hash);
        const char* sep = audit_numbered == 0 ? "" : ",";
        absl::StrAppend(&ids, sep, r[0].c_str());
        absl::StrAppend(&positions, sep, position);
        absl::StrAppend(&prevs, sep, ToHex(head_hash));
        absl::StrAppend(&hashes, sep, ToHex(hash));
        head_hash = hash;
        ++audit_numbered;
      }
      absl::StrAppend(&ids, "}");
      absl::StrAppend(&positions, "}");
      absl::StrAppend(&prevs, "}");
      absl::StrAppend(&hashes, "}");
      tx.exec_params(
          absl::StrCat(
              "UPDATE ", q,
              ".audit a SET position = u.pos, sequenced_at = $5::timestamptz,"
              " prev_hash = decode(u.prev, 'hex'), hash = decode(u.h, 'hex')"
              " FROM unnest($1::bigint[], $2::bigint[], $3::text[],"
              " $4::text[]) AS u(id, pos, prev, h) WHERE a.id = u.id"),
          ids, positions, prevs, hashes, stamp_text);
    }

    // Checkpoint of the audit head.
    pqxx::result cp = tx.exec(absl::StrCat(
        "SELECT position, ", internal::MicrosOf("signed_at"), " FROM ", q,
        ".audit_checkpoints ORDER BY position DESC LIMIT 1"));
    if (!cp.empty()) {
      cp_position = cp[0][0].as<int64_t>();
      cp_signed_at = internal::TimeFromMicrosField(cp[0][1]);
    }
    if (!options_.signing_key.kid.empty() && audit_head > cp_position &&
        (audit_head - cp_position >= options_.checkpoint_every_rows ||
         stamp - cp_signed_at >= options_.checkpoint_every)) {
      absl::StatusOr<Checkpoint> signed_cp =
          SignCheckpoint(options_.signing_key, audit_head, head_hash, stamp);
      if (!signed_cp.ok()) return signed_cp.status();
      tx.exec_params(
          absl::StrCat("INSERT INTO ", q,
                       ".audit_checkpoints (position, head_hash, signed_at,"
                       " kid, signature) VALUES ($1, $2, $3::timestamptz, $4,"
                       " $5)"),
          signed_cp->position,
          pqxx::binarystring(signed_cp->head_hash.data(),
                             signed_cp->head_hash.size()),
          internal::PgTimestamp(signed_cp->signed_at), signed_cp->kid,
          pqxx::binarystring(signed_cp->signature.data(),
                             signed_cp->signature.size()));
      checkpoint_written = true;
      cp_position = audit_head;
      cp_signed_at = signed_cp->signed_at;
    }

    const bool numbered = outbox_numbered + audit_numbered > 0;
    const bool heartbeat = !numbered &&
                           options_.heartbeat_interval > absl::ZeroDuration() &&
                           stamp - prev_stamp >= options_.heartbeat_interval;
    if (numbered || heartbeat) {
      tx.exec_params(
          absl::StrCat("UPDATE ", q,
                       ".sequencer_state SET last_outbox_position = $1,"
                       " last_audit_position = $2, last_audit_hash = $3,"
                       " last_stamp = $4::timestamptz, updated_at = now()"),
          outbox_head, audit_head,
          pqxx::binarystring(head_hash.data(), head_hash.size()), stamp_text);
      // One NOTIFY per batch, sent at commit.
      tx.exec_params("SELECT pg_notify($1, $2)",
                     internal::ChannelOf(options_.schema),
                     absl::StrCat(outbox_head, " ", absl::ToUnixMicros(stamp)));
    } else {
      stamp = prev_stamp;  // nothing stamped
    }
    if (!numbered && !heartbeat && !checkpoint_written) {
      tx.abort();
    } else {
      if (absl::Status s = failpoint::Hit("sequencer.before_commit"); !s.ok()) {
        return s;  // the transaction rolls back
      }
      tx.commit();
    }
    last_stamp_ = stamp;
    audit_head_ = audit_head;
    checkpoint_position_ = cp_position;
    checkpoint_signed_at_ = cp_signed_at;
    {
      absl::MutexLock lock(&mu_);
      stats_.last_outbox_position = outbox_head;
      stats_.last_audit_position = audit_head;
      stats_.last_stamp = stamp;
      if (numbered) {
        ++stats_.batches;
        stats_.rows_numbered += outbox_numbered + audit_numbered;
        stats_.lag = std::max(absl::ZeroDuration(), now - oldest);
      }
      if (checkpoint_written) ++stats_.checkpoints;
      if (heartbeat) ++stats_.heartbeats;
    }
  } catch (const std::exception& e) {
    return pg::StatusFromException(e);
  }
  const bool full = outbox_numbered == batch || audit_numbered == batch;
  // Backlog for metrics: counted only when a batch was full (otherwise
  // nothing committed was left behind), at most once a second.
  int64_t backlog = 0;
  if (full) {
    const absl::Time now = absl::Now();
    if (now - backlog_counted_at_ < kBacklogEvery) return Step::kFull;
    backlog_counted_at_ = now;
    try {
      pqxx::nontransaction tx(*session_->conn);
      pqxx::result r = tx.exec(absl::StrCat(
          "SELECT (SELECT count(*) FROM (SELECT 1 FROM ", q,
          ".outbox WHERE position IS NULL LIMIT ", kBacklogCap,
          ") o) + (SELECT count(*) FROM (SELECT 1 FROM ", q,
          ".audit WHERE position IS NULL LIMIT ", kBacklogCap, ") a)"));
      tx.commit();
      backlog = std::min(kBacklogCap, r[0][0].as<int64_t>());
    } catch (const std::exception& e) {
      return pg::StatusFromException(e);
    }
  }
  {
    absl::MutexLock lock(&mu_);
    stats_.backlog_rows = backlog;
  }
  if (full) return Step::kFull;
  return outbox_numbered + audit_numbered > 0 ? Step::kPartial : Step::kIdle;
}

}  // namespace relief::events
