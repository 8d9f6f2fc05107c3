// Small protobuf helpers shared by handlers and codecs.
#ifndef RELIEF_COMMON_BASE_PROTO_UTIL_H_
#define RELIEF_COMMON_BASE_PROTO_UTIL_H_

#include <string>

#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace relief {

// absl::Time <-> google.protobuf.Timestamp, microsecond precision (what
// Postgres stores).
void ToTimestamp(absl::Time t, google::protobuf::Timestamp* out);
absl::Time FromTimestamp(const google::protobuf::Timestamp& t);

// SHA-256 (32 raw bytes) of `m` serialised deterministically.
std::string HashMessage(const google::protobuf::Message& m);

// The idempotency fingerprint of a write request: HashMessage of a copy
// without its request_id (DESIGN.md §3).
template <typename Request>
std::string RequestBodyHash(Request request) {
  request.clear_request_id();
  return HashMessage(request);
}

}  // namespace relief

#endif  // RELIEF_COMMON_BASE_PROTO_UTIL_H_
