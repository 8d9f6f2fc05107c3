// The one place absl::Status and grpc::Status meet.
#ifndef RELIEF_COMMON_SERVER_GRPC_STATUS_H_
#define RELIEF_COMMON_SERVER_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace relief {

// Same code and message; field violations (common/base/status.h) travel as a
// google.rpc.Status with a google.rpc.BadRequest detail in the
// grpc-status-details-bin trailer. INTERNAL and UNKNOWN details go to the
// log only: the caller gets a generic message with a correlation id.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The inverse, for clients: keeps code, message and field violations.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace relief

#endif  // RELIEF_COMMON_SERVER_GRPC_STATUS_H_
