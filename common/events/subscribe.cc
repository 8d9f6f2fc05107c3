#include "common/events/subscribe.h"

#include "absl/time/clock.h"
#include "common/base/proto_util.h"
#include "common/server/grpc_status.h"
#include "spdlog/spdlog.h"

namespace relief::events {

grpc::Status ServeSubscription(grpc::ServerContext& context,
                               int64_t after_position, EventFeed& feed,
                               grpc::ServerWriter<v1::Event>& writer,
                               const SubscribeOptions& options) {
  if (after_position < 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "after_position: must be 0 or more");
  }
  int64_t position = after_position;
  absl::Time last_write = absl::Now();
  int failures = 0;
  std::vector<StoredEvent> batch;
  while (!context.IsCancelled()) {
    batch.clear();
    absl::Status read = feed.Read(position, options.batch, &batch);
    if (!read.ok()) {
      // Postgres away: keep the stream, try again shortly, give up after a
      // while so the client reconnects (it resumes from its position).
      if (++failures > 30) return ToGrpcStatus(read);
      feed.WaitForNew(position, absl::Seconds(1));
      continue;
    }
    failures = 0;
    for (const StoredEvent& e : batch) {
      v1::Event out;
      out.set_position(e.position);
      ToTimestamp(e.sequenced_at, out.mutable_sequenced_at());
      out.set_type(e.event_type);
      out.set_aggregate_id(e.aggregate_id);
      out.set_payload(e.payload);
      if (!writer.Write(out)) return grpc::Status::OK;  // client went away
      position = e.position;
    }
    if (!batch.empty()) {
      last_write = absl::Now();
      if (static_cast<int>(batch.size()) == options.batch) continue;
    }
    // A heartbeat carries the feed's stamp, and only once this stream has
    // delivered everything up to the head: a stamp must never run ahead of
    // an event still to be sent.
    const FeedHead head = feed.Head();
    if (absl::Now() - last_write >= options.heartbeat &&
        position >= head.position && head.stamp != absl::InfinitePast()) {
      v1::Event beat;
      ToTimestamp(head.stamp, beat.mutable_sequenced_at());
      if (!writer.Write(beat)) return grpc::Status::OK;
      last_write = absl::Now();
    }
    if (feed.ShuttingDown()) break;  // the client resumes from `position`
    // Wake on NOTIFY, or in time for the next heartbeat.
    feed.WaitForNew(position,
                    std::max(absl::Milliseconds(10),
                             options.heartbeat - (absl::Now() - last_write)));
  }
  spdlog::debug("event=subscribe_end position={} cancelled={} shutdown={}",
                position, context.IsCancelled(), feed.ShuttingDown());
  return grpc::Status::OK;
}

}  // namespace relief::events
