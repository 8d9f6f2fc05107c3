// The Subscribe stream every service serves the same way: stored events in
// position order, then new ones as the sequencer numbers them, heartbeats
// while idle. Served with gRPC's callback API (docs/adr/0001): a waiting
// stream holds neither a thread nor a pooled connection, and learns at once
// that its client went away.
#ifndef RELIEF_COMMON_EVENTS_SUBSCRIBE_H_
#define RELIEF_COMMON_EVENTS_SUBSCRIBE_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/base/executor.h"
#include "common/events/event_feed.h"
#include "grpcpp/support/server_callback.h"
#include "relief/events/v1/events.pb.h"

namespace relief::events {

struct SubscribeOptions {
  // Events read per batch. Default 500.
  int batch = 500;
  // Heartbeat after this long without events. Default 5 s.
  absl::Duration heartbeat = absl::Seconds(5);
  // Threads that run the streams' Postgres reads. Default 4.
  int threads = 4;
};

// A stream that ends at once with `status` (e.g. a refused caller).
grpc::ServerWriteReactor<v1::Event>* FinishedStream(const grpc::Status& status);

// Serves every Subscribe stream of a process. Thread-safe. `feed` must
// outlive the hub; destroy the hub only after the gRPC server has shut down.
class SubscriptionHub {
 public:
  explicit SubscriptionHub(EventFeed& feed, SubscribeOptions options = {});
  ~SubscriptionHub();

  // A stream of the events after `after_position`. `authorize` runs first,
  // on the hub's executor (it may block, e.g. to audit a refusal); a non-OK
  // status ends the stream with it.
  grpc::ServerWriteReactor<v1::Event>* Open(
      int64_t after_position, std::function<absl::Status()> authorize);

  // Ends every open stream with OK (clients resume from their position).
  // Call when shutdown starts.
  void Shutdown();

  // Streams currently open.
  size_t open_streams() const;

 private:
  class Stream;
  void Watch();
  void Remove(Stream* stream);

  EventFeed& feed_;
  const SubscribeOptions options_;
  Executor executor_;
  mutable absl::Mutex mu_;
  absl::flat_hash_set<Stream*> streams_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watcher_;
};

}  // namespace relief::events

#endif  // RELIEF_COMMON_EVENTS_SUBSCRIBE_H_
