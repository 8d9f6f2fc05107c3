// Records every RPC a server handles into Metrics (relief_grpc_requests_total
// and relief_grpc_request_duration_seconds). ServerRunner installs it; other
// servers may too.
#ifndef RELIEF_COMMON_SERVER_RPC_METRICS_H_
#define RELIEF_COMMON_SERVER_RPC_METRICS_H_

#include <memory>

#include "common/server/metrics.h"
#include "grpcpp/support/server_interceptor.h"

namespace relief {

// A gRPC server interceptor factory (ServerBuilder::experimental()
// .SetInterceptorCreators) that calls metrics.RecordRpc once per call, when
// the server sends the status (PRE_SEND_STATUS): the method is
// ServerRpcInfo::method(), the code the status's, the time runs from the
// call's start to that status. Every UNIMPLEMENTED call is recorded with
// method "unknown": for unregistered methods gRPC passes the caller's path,
// which must not grow the label set (a proto method a service does not
// override lands there too). `metrics` must outlive the server. The factory
// is thread-safe.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewRpcMetricsInterceptorFactory(Metrics& metrics);

}  // namespace relief

#endif  // RELIEF_COMMON_SERVER_RPC_METRICS_H_
