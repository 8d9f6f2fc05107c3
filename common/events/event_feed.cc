#include "common/events/event_feed.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/base/logging.h"
#include "common/events/pg_internal.h"
#include "pqxx/binarystring"
#include "pqxx/connection"
#include "pqxx/nontransaction"
#include "pqxx/notification"
#include "pqxx/pqxx"
#include "spdlog/spdlog.h"

namespace relief::events {

class EventFeed::Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& conn, const std::string& channel,
           EventFeed* feed)
      : pqxx::notification_receiver(conn, channel), feed_(feed) {}
  void operator()(const std::string& payload, int /*backend_pid*/) override {
    feed_->OnNotify(payload);
  }

 private:
  EventFeed* feed_;
};

EventFeed::EventFeed(EventFeedOptions options, pg::Pool& pool)
    : options_(std::move(options)), pool_(pool) {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

EventFeed::~EventFeed() {
  Shutdown();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

absl::Status EventFeed::Start() {
  if (options_.schema.empty() || options_.listen_conninfo.empty()) {
    return absl::InvalidArgumentError(
        "event feed: schema and listen_conninfo are required");
  }
  if (wake_fd_ < 0) {
    return absl::InternalError(
        absl::StrCat("event feed: eventfd failed: errno ", errno));
  }
  {
    absl::MutexLock lock(&mu_);
    if (started_ || shutdown_) {
      return absl::FailedPreconditionError(
          "event feed already started or shut down");
    }
    started_ = true;
  }
  thread_ = std::thread([this] { Listen(); });
  return absl::OkStatus();
}

void EventFeed::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    shutdown_ = true;
    cv_.SignalAll();
  }
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof(one));
  }
  if (thread_.joinable()) thread_.join();
}

bool EventFeed::ShuttingDown() const {
  absl::MutexLock lock(&mu_);
  return shutdown_;
}

FeedHead EventFeed::Head() const {
  absl::MutexLock lock(&mu_);
  return head_;
}

EventFeedStats EventFeed::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void EventFeed::UpdateHead(const FeedHead& seen) {
  absl::MutexLock lock(&mu_);
  // Heads come from states of one row whose two fields only rise together,
  // so the componentwise maximum is the latest state seen.
  const bool advanced = seen.position > head_.position;
  head_.position = std::max(head_.position, seen.position);
  head_.stamp = std::max(head_.stamp, seen.stamp);
  if (advanced) cv_.SignalAll();
}

void EventFeed::Resync() {
  absl::MutexLock lock(&mu_);
  ++resync_generation_;
  cv_.SignalAll();
}

void EventFeed::OnNotify(const std::string& payload) {
  {
    absl::MutexLock lock(&mu_);
    ++stats_.notifications;
  }
  std::vector<absl::string_view> parts = absl::StrSplit(payload, ' ');
  int64_t position = 0, micros = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &position) ||
      !absl::SimpleAtoi(parts[1], &micros)) {
    Resync();  // unknown payload: let every waiter read
    return;
  }
  UpdateHead({position, absl::FromUnixMicros(micros)});
}

bool EventFeed::WaitForNew(int64_t after_position, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  const int64_t generation = resync_generation_;
  ++stats_.waiters;
  while (!shutdown_ && head_.position <= after_position &&
         resync_generation_ == generation) {
    if (cv_.WaitWithDeadline(&mu_, deadline)) break;  // timed out
  }
  --stats_.waiters;
  return !shutdown_ &&
         (head_.position > after_position || resync_generation_ != generation);
}

absl::Status EventFeed::Read(int64_t after_position, int max,
                             std::vector<StoredEvent>* out) {
  out->clear();
  if (max <= 0 || after_position < 0) {
    return absl::InvalidArgumentError(
        "event feed read: need max > 0 and after_position >= 0");
  }
  absl::StatusOr<pg::Pool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return lease.status();
  FeedHead head;
  absl::Status status;
  try {
    pqxx::nontransaction tx(lease->conn());
    const std::string q = tx.quote_name(options_.schema);
    // One statement: the events and the head come from one snapshot.
    pqxx::result r = tx.exec_params(
        absl::StrCat("SELECT s.last_outbox_position, ",
                     internal::MicrosOf("s.last_stamp"), ", e.position, ",
                     internal::MicrosOf("e.sequenced_at"),
                     ", e.event_type, e.aggregate_id, e.payload FROM ", q,
                     ".sequencer_state s LEFT JOIN LATERAL (SELECT position,"
                     " sequenced_at, event_type, aggregate_id, payload FROM ",
                     q,
                     ".outbox WHERE position > $1 ORDER BY position LIMIT $2) e"
                     " ON true ORDER BY e.position"),
        after_position, max);
    tx.commit();
    for (const auto& row : r) {
      head.position = std::max(head.position, row[0].as<int64_t>());
      head.stamp = std::max(head.stamp, internal::TimeFromMicrosField(row[1]));
      if (row[2].is_null()) continue;
      StoredEvent e;
      e.position = row[2].as<int64_t>();
      e.sequenced_at = internal::TimeFromMicrosField(row[3]);
      e.event_type = row[4].c_str();
      e.aggregate_id = row[5].c_str();
      e.payload = pqxx::binarystring(row[6]).str();
      out->push_back(std::move(e));
    }
  } catch (const std::exception& e) {
    status = pg::StatusFromException(e);
  }
  if (!status.ok()) {
    if (pg::IsConnectionError(status)) lease->MarkBroken();
    out->clear();
    return status;
  }
  UpdateHead(head);
  return absl::OkStatus();
}

void EventFeed::Listen() {
  absl::Duration backoff = options_.reconnect_min;
  std::string last_logged;
  while (!ShuttingDown()) {
    const int64_t connects_before = stats().connects;
    absl::Status s = ListenOnce();
    {
      absl::MutexLock lock(&mu_);
      stats_.listening = false;
    }
    if (ShuttingDown()) break;
    if (stats().connects > connects_before) {
      backoff = options_.reconnect_min;  // it was up: retry soon
    }
    const std::string line(s.message());
    if (line != last_logged) {
      spdlog::warn("event=event_feed_listen_lost schema={} status=\"{}\"",
                   options_.schema, s.ToString());
      last_logged = line;
    }
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&shutdown_), backoff);
    backoff = std::min(backoff * 2, options_.reconnect_max);
  }
}

absl::Status EventFeed::ListenOnce() {
  try {
    pqxx::connection conn(internal::WithSessionOptions(
        options_.listen_conninfo, options_.application_name,
        options_.connect_timeout));
    // Reconnection is done here, explicitly (and counted), not silently by
    // libpqxx.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    conn.inhibit_reactivation(true);
#pragma GCC diagnostic pop
    {
      pqxx::nontransaction setup(conn);
      setup.exec("SET statement_timeout = 10000");
      setup.commit();
    }
    Receiver receiver(conn, internal::ChannelOf(options_.schema), this);
    // LISTEN is active: read the head now, so nothing announced before it
    // is missed.
    {
      pqxx::nontransaction tx(conn);
      pqxx::result r = tx.exec(absl::StrCat(
          "SELECT last_outbox_position, ", internal::MicrosOf("last_stamp"),
          " FROM ", conn.quote_name(options_.schema), ".sequencer_state"));
      tx.commit();
      if (!r.empty()) {
        UpdateHead(
            {r[0][0].as<int64_t>(), internal::TimeFromMicrosField(r[0][1])});
      }
    }
    Resync();  // NOTIFYs may have been missed while not listening
    {
      absl::MutexLock lock(&mu_);
      stats_.listening = true;
      ++stats_.connects;
    }
    spdlog::info("event=event_feed_listening schema={} pid={}", options_.schema,
                 conn.backendpid());
    const int ping_ms = static_cast<int>(std::max<int64_t>(
        1, absl::ToInt64Milliseconds(options_.ping_interval)));
    while (true) {
      conn.get_notifs();  // also those already buffered by libpq
      if (!conn.is_open()) {
        return absl::UnavailableError("listen session closed");
      }
      if (ShuttingDown()) return absl::OkStatus();
      pollfd fds[2] = {{conn.sock(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      const int n = ::poll(fds, 2, ping_ms);
      if (n < 0) {
        if (errno == EINTR) continue;
        return absl::InternalError(absl::StrCat("poll failed: errno ", errno));
      }
      if (fds[1].revents != 0) {
        uint64_t drained;
        [[maybe_unused]] ssize_t r =
            ::read(wake_fd_, &drained, sizeof(drained));
        continue;
      }
      if (n == 0) {
        pqxx::nontransaction ping(conn);
        ping.exec("SELECT 1");
        ping.commit();
      }
      if ((fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0 &&
          (fds[0].revents & POLLIN) == 0) {
        return absl::UnavailableError("listen session socket closed");
      }
    }
  } catch (const std::exception& e) {
    return pg::StatusFromException(e);
  }
}

}  // namespace relief::events
