#include "common/events/subscribe.h"

#include <deque>

#include "absl/time/clock.h"
#include "common/base/proto_util.h"
#include "common/server/grpc_status.h"
#include "spdlog/spdlog.h"

namespace relief::events {
namespace {

class Finished final : public grpc::ServerWriteReactor<v1::Event> {
 public:
  explicit Finished(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<v1::Event>* FinishedStream(const grpc::Status& status) {
  return new Finished(status);
}

// One open stream. gRPC drives it through the On* callbacks; Postgres reads
// run on the hub's executor. Lifetime: deleted when gRPC is done with it
// and no executor task still refers to it.
class SubscriptionHub::Stream final
    : public grpc::ServerWriteReactor<v1::Event> {
 public:
  Stream(SubscriptionHub& hub, int64_t after_position)
      : hub_(hub), position_(after_position), last_write_(absl::Now()) {}

  // Runs `authorize` on the executor, then starts streaming.
  void Begin(std::function<absl::Status()> authorize) {
    {
      absl::MutexLock lock(&mu_);
      ++pending_;
    }
    hub_.executor_.Schedule([this, authorize = std::move(authorize)] {
      const absl::Status allowed = authorize();
      bool start = false;
      {
        absl::MutexLock lock(&mu_);
        if (!allowed.ok()) {
          FinishLocked(ToGrpcStatus(allowed));
        } else {
          authorized_ = true;
          start = !finished_;
        }
      }
      if (start) Wake(/*force=*/true);
      Release();
    });
  }

  // Reads and writes more when there is more (or a heartbeat is due) and
  // nothing is in progress. Called by the hub's watcher and by the stream.
  void Wake(bool force = false) {
    absl::MutexLock lock(&mu_);
    if (!authorized_ || finished_ || pumping_ || writing_) return;
    const FeedHead head = hub_.feed_.Head();
    const bool behind = position_ < head.position;
    const bool beat_due =
        absl::Now() - last_write_ >= hub_.options_.heartbeat;
    if (!force && !behind && !beat_due && !more_) return;
    pumping_ = true;
    ++pending_;
    hub_.executor_.Schedule([this] {
      Pump();
      Release();
    });
  }

  // Ends the stream with OK now, or after the write in flight.
  void Close() {
    absl::MutexLock lock(&mu_);
    closing_ = true;
    if (!writing_) FinishLocked(grpc::Status::OK);
  }

  void OnWriteDone(bool ok) override {
    bool wake = false;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      last_write_ = absl::Now();
      if (!ok || closing_ || cancelled_) {
        FinishLocked(grpc::Status::OK);
      } else if (!queue_.empty()) {
        StartNextWriteLocked();
      } else {
        wake = more_;
      }
    }
    if (wake) Wake();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    if (!writing_) FinishLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    hub_.Remove(this);
    bool last;
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
      last = pending_ == 0;
    }
    if (last) delete this;
  }

 private:
  // On the executor: one read, then writes.
  void Pump() {
    int64_t from;
    {
      absl::MutexLock lock(&mu_);
      from = position_;
      if (finished_) {
        pumping_ = false;
        return;
      }
    }
    std::vector<StoredEvent> batch;
    const absl::Status read = hub_.feed_.Read(from, hub_.options_.batch, &batch);
    const FeedHead head = hub_.feed_.Head();
    absl::MutexLock lock(&mu_);
    pumping_ = false;
    if (finished_) return;
    if (!read.ok()) {
      // Postgres away: the watcher wakes the stream again; after a while
      // the client is told to come back (it resumes from its position).
      if (++failures_ > 30) FinishLocked(ToGrpcStatus(read));
      return;
    }
    failures_ = 0;
    more_ = static_cast<int>(batch.size()) == hub_.options_.batch;
    for (const StoredEvent& e : batch) {
      v1::Event& out = queue_.emplace_back();
      out.set_position(e.position);
      ToTimestamp(e.sequenced_at, out.mutable_sequenced_at());
      out.set_type(e.event_type);
      out.set_aggregate_id(e.aggregate_id);
      out.set_payload(e.payload);
      position_ = e.position;
    }
    // A heartbeat carries the feed's stamp, and only once everything up to
    // the head was sent: a stamp never runs ahead of an event still due.
    if (queue_.empty() &&
        absl::Now() - last_write_ >= hub_.options_.heartbeat &&
        position_ >= head.position && head.stamp != absl::InfinitePast()) {
      ToTimestamp(head.stamp, queue_.emplace_back().mutable_sequenced_at());
    }
    if (!queue_.empty() && !writing_) StartNextWriteLocked();
  }

  void StartNextWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    current_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    StartWrite(&current_);
  }

  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  // Drops one executor task's hold; the last hold after OnDone deletes.
  void Release() {
    bool last;
    {
      absl::MutexLock lock(&mu_);
      last = --pending_ == 0 && done_;
    }
    if (last) delete this;
  }

  SubscriptionHub& hub_;
  absl::Mutex mu_;
  int64_t position_ ABSL_GUARDED_BY(mu_);
  absl::Time last_write_ ABSL_GUARDED_BY(mu_);
  std::deque<v1::Event> queue_ ABSL_GUARDED_BY(mu_);
  v1::Event current_ ABSL_GUARDED_BY(mu_);  // the message being written
  bool authorized_ ABSL_GUARDED_BY(mu_) = false;
  bool pumping_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool more_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  int pending_ ABSL_GUARDED_BY(mu_) = 0;
  int failures_ ABSL_GUARDED_BY(mu_) = 0;
};

SubscriptionHub::SubscriptionHub(EventFeed& feed, SubscribeOptions options)
    : feed_(feed), options_(options), executor_(options.threads) {
  watcher_ = std::thread([this] { Watch(); });
}

SubscriptionHub::~SubscriptionHub() { Shutdown(); }

grpc::ServerWriteReactor<v1::Event>* SubscriptionHub::Open(
    int64_t after_position, std::function<absl::Status()> authorize) {
  if (after_position < 0) {
    return FinishedStream(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                       "after_position: must be 0 or more"));
  }
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      return FinishedStream(
          grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down"));
    }
  }
  auto* stream = new Stream(*this, after_position);
  {
    absl::MutexLock lock(&mu_);
    streams_.insert(stream);
  }
  stream->Begin(std::move(authorize));
  return stream;
}

void SubscriptionHub::Remove(Stream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.erase(stream);
}

void SubscriptionHub::Watch() {
  int64_t seen = feed_.Head().position;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    // New events, or a quarter of the heartbeat interval: then every idle
    // stream that is behind or owes a heartbeat gets a read.
    feed_.WaitForNew(seen, std::min(absl::Milliseconds(250),
                                    options_.heartbeat / 4));
    seen = feed_.Head().position;
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    for (Stream* s : streams_) s->Wake();
  }
}

void SubscriptionHub::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (watcher_.joinable()) watcher_.join();
  absl::MutexLock lock(&mu_);
  for (Stream* s : streams_) s->Close();
}

size_t SubscriptionHub::open_streams() const {
  absl::MutexLock lock(&mu_);
  return streams_.size();
}

}  // namespace relief::events
