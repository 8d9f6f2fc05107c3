// The Subscribe stream every service serves the same way: stored events in
// position order, then new ones as the sequencer numbers them, heartbeats
// while idle. Holds no pooled connection while waiting.
#ifndef RELIEF_COMMON_EVENTS_SUBSCRIBE_H_
#define RELIEF_COMMON_EVENTS_SUBSCRIBE_H_

#include "absl/time/time.h"
#include "common/events/event_feed.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/sync_stream.h"
#include "relief/events/v1/events.pb.h"

namespace relief::events {

struct SubscribeOptions {
  // Events read per batch. Default 500.
  int batch = 500;
  // Heartbeat after this long without events. Default 1 s. With gRPC's
  // synchronous API a handler learns that its client went away only when it
  // writes, so this also bounds how long a cancelled stream keeps its
  // server thread.
  absl::Duration heartbeat = absl::Seconds(1);
};

// Streams events with position > after_position until the client cancels,
// the deadline passes or `feed` shuts down (then OK: the client resumes from
// its last position). UNAVAILABLE when reads keep failing.
grpc::Status ServeSubscription(grpc::ServerContext& context,
                               int64_t after_position, EventFeed& feed,
                               grpc::ServerWriter<v1::Event>& writer,
                               const SubscribeOptions& options = {});

}  // namespace relief::events

#endif  // RELIEF_COMMON_EVENTS_SUBSCRIBE_H_
